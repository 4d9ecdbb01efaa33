// The push action of git/unpushed-commits, end to end through the built CLI, against real repositories: a bare
// repository as the remote, a clone with commits ahead of it. Never forced, re-read before it acts.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, tempDir } from '../helpers/cli.js';
import { writeTrustedConfig } from '../helpers/trust.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const GIT_ENV = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1' };
const run = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'init.defaultBranch=main', ...args], { cwd, encoding: 'utf8', env: GIT_ENV, stdio: ['ignore', 'pipe', 'pipe'] }).trim();

interface Setup {
  root: string;
  remote: string;
  clone: string;
  git: (...args: string[]) => string;
  commit: (msg: string) => string;
  scan: (opts?: { apply?: boolean; enabled?: boolean }) => { code: number; report: any; stderr: string };
  audit: () => any[];
}

/** A bare remote, a clone with one pushed commit, and a config that enables the push action. */
function setup(): Setup {
  const root = tempDir('clipguard-push-');
  dirs.push(root);
  const remote = join(root, 'remote.git');
  const clone = join(root, 'clone');
  run(root, 'init', '-q', '--bare', remote);
  run(root, 'clone', '-q', remote, clone);
  const git = (...args: string[]) => run(clone, ...args);
  git('config', 'user.name', 'Test User');
  git('config', 'user.email', 'test@example.com');
  git('config', 'commit.gpgsign', 'false');
  let n = 0;
  const commit = (msg: string) => {
    writeFileSync(join(clone, `file-${n++}.txt`), `${msg}\n`);
    git('add', '-A');
    git('commit', '-q', '-m', msg);
    return git('rev-parse', 'HEAD');
  };
  commit('base');
  git('push', '-q', '-u', 'origin', 'main');
  const stateDir = join(root, 'state');
  const scan = (opts: { apply?: boolean; enabled?: boolean } = {}) => {
    const config = join(root, `config-${opts.enabled === false ? 'off' : 'on'}.json`);
    const overrides = opts.enabled === false ? {} : { 'git/unpushed-commits': { action: { enabled: true } } };
    writeTrustedConfig(config, JSON.stringify({ repos: [clone], stateDir, paperclip: { enabled: false }, rules: { overrides } }));
    const args = ['scan', '-c', config, '--no-paperclip', '--only', 'git/unpushed-commits', '--format', 'json', ...(opts.apply === false ? [] : ['--apply'])];
    const r = cli(args, { cwd: clone, env: { GIT_TERMINAL_PROMPT: '0' } });
    let report: any = null;
    try {
      report = JSON.parse(r.stdout);
    } catch {
      throw new Error(`no JSON report (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
    }
    return { code: r.code, report, stderr: r.stderr };
  };
  const audit = () => {
    const file = join(stateDir, 'audit.jsonl');
    // The decisions (each action's intent, outcome `started`, written before it, is left out here).
    return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((e) => e.outcome !== 'started') : [];
  };
  return { root, remote, clone, git, commit, scan, audit };
}

const unpushed = (report: any) => (report.findings as any[]).filter((f) => f.ruleId === 'git/unpushed-commits');
const pushActions = (report: any) => unpushed(report).flatMap((f) => (f.actions as any[]).filter((a) => a.type === 'push'));
const remoteMain = (s: Setup) => run(s.root, '--git-dir', s.remote, 'rev-parse', 'refs/heads/main');

describe('git/unpushed-commits push action (real repositories, real CLI)', () => {
  it('pushes the commits ahead to the upstream, records it in the audit log, and a second run has nothing to do', () => {
    const s = setup();
    s.commit('one');
    const head = s.commit('two');
    expect(remoteMain(s)).not.toBe(head);

    const first = s.scan();
    const [action] = pushActions(first.report);
    expect(action).toMatchObject({ type: 'push', status: 'applied' });
    expect(action.detail).toContain('pushed 2 commit(s) of main to origin/main');
    expect(remoteMain(s)).toBe(head);
    expect(s.git('rev-parse', 'HEAD')).toBe(head);
    const entries = s.audit().filter((e) => e.rule === 'git/unpushed-commits' && e.action === 'push');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ mode: 'apply', outcome: 'applied' });

    // Idempotent: the branch is no longer ahead.
    const second = s.scan();
    expect(pushActions(second.report).filter((a) => a.status === 'applied')).toEqual([]);
    expect(unpushed(second.report)).toEqual([]);
    expect(remoteMain(s)).toBe(head);
    expect(s.audit().filter((e) => e.action === 'push' && e.outcome === 'applied')).toHaveLength(1);
  });

  it('a later commit is pushed by a later run (each push is keyed by its own commit, not "push" alone)', () => {
    const s = setup();
    s.commit('first');
    expect(pushActions(s.scan().report)).toMatchObject([{ status: 'applied' }]);
    const head = s.commit('second');
    expect(pushActions(s.scan().report)).toMatchObject([{ status: 'applied' }]);
    expect(remoteMain(s)).toBe(head);
  });

  it('pushes nothing in a dry run (the action is only planned)', () => {
    const s = setup();
    const before = remoteMain(s);
    s.commit('local only');
    const r = s.scan({ apply: false });
    const [action] = pushActions(r.report);
    expect(action).toMatchObject({ type: 'push', status: 'planned' });
    expect(action.detail).toContain('push 1 commit(s) of main to origin/main (never forced)');
    expect(remoteMain(s)).toBe(before);
    expect(s.audit()).toEqual([]);
  });

  it('is off by default: without the config override no push is planned or done', () => {
    const s = setup();
    const before = remoteMain(s);
    s.commit('local only');
    const r = s.scan({ enabled: false });
    expect(unpushed(r.report)).toHaveLength(1);
    expect(pushActions(r.report)).toEqual([]);
    expect(remoteMain(s)).toBe(before);
  });

  it('never forces: a remote that moved on (someone else pushed) rejects the push, which fails with git\'s message', () => {
    const s = setup();
    // Someone else pushes to the remote from another clone.
    const other = join(s.root, 'other');
    run(s.root, 'clone', '-q', s.remote, other);
    run(other, 'config', 'user.name', 'Other');
    run(other, 'config', 'user.email', 'other@example.com');
    writeFileSync(join(other, 'theirs.txt'), 'theirs\n');
    run(other, 'add', '-A');
    run(other, 'commit', '-q', '-m', 'theirs');
    run(other, 'push', '-q', 'origin', 'main');
    const theirs = remoteMain(s);
    // Meanwhile, our clone (not fetched since) has its own commit: diverged.
    const ours = s.commit('ours');

    const r = s.scan();
    const [action] = pushActions(r.report);
    expect(action.status).toBe('failed');
    expect(action.detail).toContain('[rejected]');
    expect(action.detail).toMatch(/fetch first|non-fast-forward/);
    expect(remoteMain(s)).toBe(theirs);
    expect(remoteMain(s)).not.toBe(ours);
    expect(s.audit().filter((e) => e.action === 'push')).toMatchObject([{ outcome: 'failed' }]);
  });

  it('skips a branch with no upstream, saying how to set one, and never guesses a remote', () => {
    const s = setup();
    s.git('checkout', '-q', '-b', 'feature');
    const head = s.commit('feature work');
    const r = s.scan();
    const [action] = pushActions(r.report);
    expect(action.status).toBe('skipped');
    expect(action.detail).toContain('no upstream: set one with git push -u <remote> feature');
    expect(run(s.root, '--git-dir', s.remote, 'branch', '--list', 'feature')).toBe('');
    expect(run(s.root, '--git-dir', s.remote, 'rev-list', '--all')).not.toContain(head);
  });

  it('skips on a detached HEAD', () => {
    const s = setup();
    const before = remoteMain(s);
    s.commit('local');
    s.git('checkout', '-q', '--detach', 'HEAD');
    const r = s.scan();
    const [action] = pushActions(r.report);
    expect(action).toMatchObject({ status: 'skipped', detail: 'detached HEAD: no branch to push' });
    expect(remoteMain(s)).toBe(before);
  });

  it('never pushes a leak: a commit with a key stays local, even when the scan ran only the git rule', async () => {
    const { fakeToken } = await import('../helpers/fake-secrets.js');
    const s = setup();
    const before = remoteMain(s);
    const key = fakeToken('github-pat', 51);
    writeFileSync(join(s.clone, 'deploy.env'), `GITHUB_TOKEN=${key}\n`);
    s.git('add', '-A');
    s.git('commit', '-q', '-m', 'deploy settings');
    // The dry-run shows the push skipped with the action's own reason (plan = apply), and --apply skips it too.
    const dry = s.scan({ apply: false });
    const [planned] = pushActions(dry.report);
    expect(planned.status).toBe('skipped');
    expect(planned.detail).toBe('not pushed: 1 secret(s) in the commits to push (github-pat); remove them from the history and rotate the key(s) first');
    const r = s.scan();
    const [action] = pushActions(r.report);
    expect(action.status).toBe('skipped');
    expect(action.detail).toBe(planned.detail);
    for (const out of [r, dry]) expect(JSON.stringify(out.report)).not.toContain(key);
    expect(remoteMain(s)).toBe(before);
  });
});
