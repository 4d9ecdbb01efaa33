// The default state directory `.clipguard` sits in the work tree, so a checkout can commit one: a ledger that
// says actions are done, a KILL file, kept reads. Then `--apply` would do less than the dry-run planned (the
// kill switch is read by the executor only), driven by whoever wrote the checkout. A state directory whose
// files git tracks is refused, by the dry-run and --apply alike (exit 2, naming the files and the fix); the
// user's own state (untracked, ignored) is read as before. Real repositories, the built CLI.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { refuseTrackedStateDir } from '../../src/actions/state-dir.js';
import { cli, tempDir } from '../helpers/cli.js';
import { writeTrustedConfig } from '../helpers/trust.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const GIT_ENV = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1' };
const run = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'init.defaultBranch=main', '-c', 'protocol.file.allow=always', ...args], { cwd, encoding: 'utf8', env: GIT_ENV, stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/** A clone one commit ahead of its bare remote, with a trusted config beside it that switches the push action on. */
function checkout() {
  const root = tempDir('clipguard-tracked-');
  dirs.push(root);
  const remote = join(root, 'remote.git');
  const clone = join(root, 'clone');
  run(root, 'init', '-q', '--bare', remote);
  run(root, 'clone', '-q', remote, clone);
  const git = (...args: string[]) => run(clone, '-c', 'user.name=T', '-c', 'user.email=t@example.com', '-c', 'commit.gpgsign=false', ...args);
  writeFileSync(join(clone, 'a.txt'), 'a\n');
  git('add', 'a.txt');
  git('commit', '-qm', 'base');
  git('push', '-q', '-u', 'origin', 'main');
  writeFileSync(join(clone, 'b.txt'), 'b\n');
  git('add', 'b.txt');
  git('commit', '-qm', 'ahead');
  const config = join(root, 'clipguard.json');
  // The state directory is the default one, `.clipguard` in the clone (CLIPGUARD_STATE_DIR would name it too).
  writeTrustedConfig(config, JSON.stringify({ repos: [clone], paperclip: { enabled: false }, rules: { overrides: { 'git/unpushed-commits': { action: { enabled: true } } } } }));
  const state = join(clone, '.clipguard');
  const scan = (apply: boolean) => cli(['scan', '-c', config, '--no-paperclip', '--only', 'git/unpushed-commits', '--format', 'json', '--lock-wait', '0', ...(apply ? ['--apply'] : [])], { cwd: clone, env: { CLIPGUARD_STATE_DIR: state, GIT_TERMINAL_PROMPT: '0' } });
  const remoteMain = () => run(root, '--git-dir', remote, 'rev-parse', 'refs/heads/main');
  return { root, clone, git, state, scan, remoteMain, head: () => git('rev-parse', 'HEAD') };
}

const pushAction = (stdout: string) => (JSON.parse(stdout).findings as any[]).flatMap((f) => f.actions).find((a: any) => a.type === 'push');

describe('a state directory that comes with the checkout', () => {
  it('a committed KILL file: the dry-run and --apply both refuse it (exit 2, naming the file and the fix), rather than --apply skipping the push the dry-run planned', () => {
    const c = checkout();
    mkdirSync(c.state);
    writeFileSync(join(c.state, 'KILL'), '');
    c.git('add', '.clipguard/KILL');
    c.git('commit', '-qm', 'stop clipguard');
    const before = c.remoteMain();
    for (const apply of [false, true]) {
      const r = c.scan(apply);
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain('git tracks files in this state directory (KILL)');
      expect(r.stderr).toContain('git rm -r --cached -- .clipguard');
      expect(r.stderr).toContain('--state-dir or CLIPGUARD_STATE_DIR');
    }
    expect(c.remoteMain()).toBe(before);
    // Nothing written into it: no lock, no audit log, no ledger.
    expect(run(c.clone, 'status', '--porcelain', '--ignored', '--', '.clipguard')).toBe('');
  });

  it('a tracked ledger that says the push is done (future-dated, so it never expires): refused, and left as it was', () => {
    const c = checkout();
    const planned = pushAction(c.scan(false).stdout);
    expect(planned.status).toBe('planned');
    mkdirSync(c.state);
    const key = ['push', planned.params.repo, planned.params.branch, planned.params.head].join(':');
    const text = JSON.stringify({ version: 1, entries: { [key]: { status: 'applied', at: '2999-01-01T00:00:00.000Z' } } });
    writeFileSync(join(c.state, 'ledger.json'), text);
    // Tracked as soon as it is in the index (a pull request's commit, or `git add -f` past a .gitignore).
    writeFileSync(join(c.clone, '.gitignore'), '.clipguard/\n');
    c.git('add', '-f', '.clipguard/ledger.json');
    for (const apply of [false, true]) {
      const r = c.scan(apply);
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(r.stderr).toContain('(ledger.json)');
    }
    expect(readFileSync(join(c.state, 'ledger.json'), 'utf8')).toBe(text);
    expect(c.remoteMain()).not.toBe(c.head());
    expect(existsSync(join(c.state, 'audit.jsonl'))).toBe(false);
    // watch refuses it as well, before it reads its state or kept reads.
    const w = cli(['watch', '--once'], { cwd: c.clone, env: { CLIPGUARD_STATE_DIR: c.state } });
    expect(w.code, w.stderr).toBe(2);
    expect(w.stderr).toContain('git tracks files in this state directory');
  });

  it('the user\'s own state (untracked, ignored) is read as before: the ledger decides, in the dry-run and --apply alike', () => {
    const c = checkout();
    writeFileSync(join(c.clone, '.gitignore'), '.clipguard/\n');
    const first = c.scan(true);
    expect(first.code, first.stderr).toBeLessThan(2);
    expect(pushAction(first.stdout).status).toBe('applied');
    expect(c.remoteMain()).toBe(c.head());
    expect(existsSync(join(c.state, 'ledger.json'))).toBe(true);
    expect(run(c.clone, 'ls-files', '--', '.clipguard')).toBe('');
    const again = c.scan(false);
    expect(again.code, again.stderr).toBeLessThan(2);
  });

  it('once untracked as the message says (git rm --cached), the scan runs', () => {
    const c = checkout();
    mkdirSync(c.state);
    writeFileSync(join(c.state, 'KILL'), '');
    c.git('add', '.clipguard/KILL');
    expect(c.scan(false).code).toBe(2);
    c.git('rm', '-rq', '--cached', '--', '.clipguard');
    rmSync(join(c.state, 'KILL'));
    const r = c.scan(true);
    expect(r.code, r.stderr).toBeLessThan(2);
    expect(pushAction(r.stdout).status).toBe('applied');
  });

  it('a checkout\'s own config naming a tracked directory as its state directory (untrusted: honoured inside its directory) is refused the same way', () => {
    const c = checkout();
    mkdirSync(join(c.clone, 'state'));
    writeFileSync(join(c.clone, 'state', 'ledger.json'), '{"version":1,"entries":{}}');
    writeFileSync(join(c.clone, 'clipguard.config.json'), JSON.stringify({ stateDir: 'state', paperclip: { enabled: false } }));
    c.git('add', 'state/ledger.json', 'clipguard.config.json');
    const r = cli(['scan', '--no-paperclip', '--only', 'git'], { cwd: c.clone, env: { CLIPGUARD_STATE_DIR: '' } });
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toContain(`${join(c.clone, 'state')}: git tracks files in this state directory (ledger.json)`);
  });

  it('a `.clipguard` that is a submodule is its own repository: its files count', () => {
    const c = checkout();
    const sub = join(c.root, 'state-repo');
    mkdirSync(sub);
    run(sub, 'init', '-q');
    writeFileSync(join(sub, 'ledger.json'), '{"version":1,"entries":{}}');
    run(sub, 'add', 'ledger.json');
    run(sub, '-c', 'user.name=T', '-c', 'user.email=t@example.com', 'commit', '-qm', 'state');
    c.git('submodule', '-q', 'add', sub, '.clipguard');
    const r = c.scan(false);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('(ledger.json)');
  });

  it('no refusal where git tracks nothing: no such directory, outside any work tree, a state directory inside .git', () => {
    const c = checkout();
    expect(() => refuseTrackedStateDir(join(c.clone, '.clipguard'))).not.toThrow();
    const outside = tempDir();
    dirs.push(outside);
    expect(() => refuseTrackedStateDir(outside)).not.toThrow();
    mkdirSync(join(c.clone, '.git', 'clipguard'));
    writeFileSync(join(c.clone, '.git', 'clipguard', 'ledger.json'), '{}');
    expect(() => refuseTrackedStateDir(join(c.clone, '.git', 'clipguard'))).not.toThrow();
    // A hook's GIT_DIR / GIT_INDEX_FILE do not point the question at another repository.
    mkdirSync(c.state);
    writeFileSync(join(c.state, 'KILL'), '');
    c.git('add', '.clipguard/KILL');
    const saved = { GIT_DIR: process.env.GIT_DIR, GIT_INDEX_FILE: process.env.GIT_INDEX_FILE };
    try {
      process.env.GIT_DIR = '.git';
      process.env.GIT_INDEX_FILE = join(c.root, 'no-such-index');
      expect(() => refuseTrackedStateDir(c.state)).toThrow(/git tracks files in this state directory \(KILL\)/);
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
});
