import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync, readlinkSync, lstatSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { HookInstallError, hookBinPath, hooksDir, installHooks, OWN_BIN, uninstallHooks } from '../../src/hooks/install.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tmp(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

/** A repository plus a fake `clipguard` that logs its arguments and exits with $FAKE_EXIT. */
function setup() {
  const dir = tmp('clipguard-hooks-');
  const bin = tmp('clipguard-bin-');
  const log = join(bin, 'calls.log');
  const fake = join(bin, 'fake-clipguard');
  writeFileSync(fake, `#!/bin/sh\necho "clipguard $*" >> "${log}"\nexit \${FAKE_EXIT:-0}\n`, { mode: 0o755 });
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'init.defaultBranch=main', ...args], { cwd: dir, encoding: 'utf8' });
  git('init', '-q');
  const commit = (msg: string, env: Record<string, string> = {}) => {
    writeFileSync(join(dir, `f${Math.random()}.txt`), 'x\n');
    git('add', '-A');
    return spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', msg], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env } });
  };
  const calls = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []);
  return { dir, git, fake, log, commit, calls };
}

describe('installHooks', () => {
  it('writes executable pre-commit and commit-msg hooks that git runs', async () => {
    const { dir, fake, commit, calls } = setup();
    const r = await installHooks(dir, { command: fake });
    expect(r.hooksDir).toBe(join(dir, '.git', 'hooks'));
    expect(r.hooks.map((h) => [h.name, h.action, h.chained])).toEqual([
      ['pre-commit', 'installed', null],
      ['commit-msg', 'installed', null],
    ]);
    for (const h of r.hooks) expect(statSync(h.path).mode & 0o111).toBe(0o111);
    expect(commit('first').status).toBe(0);
    expect(calls()).toEqual(['clipguard precommit', 'clipguard precommit --commit-msg .git/COMMIT_EDITMSG']);
  });

  it('defaults to node on the launcher, named from the work tree when it is inside it (no npx)', async () => {
    const { dir } = setup();
    // A devDependency: <repo>/node_modules/clipguard is this package (linked, as pnpm and npm link do).
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(ROOT, join(dir, 'node_modules', 'clipguard'));
    const r = await installHooks(dir);
    const pre = readFileSync(r.hooks[0].path, 'utf8');
    expect(pre).toContain("bin='./node_modules/clipguard/bin/clipguard.js'\n");
    expect(pre).toContain('exec node "$bin" precommit\n');
    expect(pre).not.toContain('npx');
    expect(readFileSync(r.hooks[1].path, 'utf8')).toContain('exec node "$bin" precommit --commit-msg "$1"\n');
    // This repository itself: its own bin/, relative; a launcher outside the repository: its absolute path.
    expect(hookBinPath(ROOT)).toBe('./bin/clipguard.js');
    expect(hookBinPath(tmp('clipguard-other-'))).toBe(realpathSync(OWN_BIN));
    // A quote in the path cannot break out of the hook's shell word.
    const odd = tmp("clipguard-it's-");
    const oddBin = join(odd, 'bin.js');
    writeFileSync(oddBin, '');
    const o = await installHooks(dir, { bin: oddBin });
    expect(readFileSync(o.hooks[0].path, 'utf8')).toContain(`bin='${realpathSync(oddBin).replace(/'/g, `'\\''`)}'\n`);
  });

  it('blocks the commit when clipguard exits non-zero', async () => {
    const { dir, fake, commit, git } = setup();
    await installHooks(dir, { command: fake });
    const r = commit('blocked', { FAKE_EXIT: '1' });
    expect(r.status).not.toBe(0);
    expect(() => git('rev-parse', '--verify', '-q', 'HEAD')).toThrow();
  });

  it('chains an existing hook: runs it first, propagates its failure, and is idempotent', async () => {
    const { dir, fake, commit, calls, log } = setup();
    const original = `#!/bin/sh\necho "old hook [$*]" >> "${log}"\nexit \${OLD_EXIT:-0}\n`;
    const path = join(dir, '.git', 'hooks', 'pre-commit');
    writeFileSync(path, original, { mode: 0o750 });
    const r = await installHooks(dir, { command: fake });
    expect(r.hooks[0]).toMatchObject({ action: 'installed', chained: `${path}.clipguard-chained` });
    expect(readFileSync(`${path}.clipguard-chained`, 'utf8')).toBe(original);

    expect(commit('ok').status).toBe(0);
    expect(calls().slice(0, 2)).toEqual(['old hook []', 'clipguard precommit']);

    const failing = commit('old hook fails', { OLD_EXIT: '3' });
    expect(failing.status).not.toBe(0);
    expect(calls().slice(-1)).toEqual(['old hook []']); // clipguard did not run after the failure

    // Re-install: nothing changes, and our hook is never chained to itself.
    const again = await installHooks(dir, { command: fake });
    expect(again.hooks.map((h) => h.action)).toEqual(['unchanged', 'unchanged']);
    expect(readFileSync(`${path}.clipguard-chained`, 'utf8')).toBe(original);
    const other = await installHooks(dir, { command: `${fake} --quiet` });
    expect(other.hooks.map((h) => h.action)).toEqual(['updated', 'updated']);
    expect(readFileSync(`${path}.clipguard-chained`, 'utf8')).toBe(original);
  });

  it('uninstall restores exactly what was there (content, mode, symlinks) or removes ours', async () => {
    const { dir, fake } = setup();
    const hooks = join(dir, '.git', 'hooks');
    const original = '#!/bin/sh\n# my linter\nexit 0\n';
    writeFileSync(join(hooks, 'pre-commit'), original, { mode: 0o700 });
    const target = join(tmp('clipguard-target-'), 'msg-hook');
    writeFileSync(target, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    symlinkSync(target, join(hooks, 'commit-msg'));
    await installHooks(dir, { command: fake });
    const u = await uninstallHooks(dir);
    expect(u.hooks.map((h) => [h.name, h.action])).toEqual([
      ['pre-commit', 'restored'],
      ['commit-msg', 'restored'],
    ]);
    expect(readFileSync(join(hooks, 'pre-commit'), 'utf8')).toBe(original);
    expect(statSync(join(hooks, 'pre-commit')).mode & 0o777).toBe(0o700);
    expect(lstatSync(join(hooks, 'commit-msg')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(hooks, 'commit-msg'))).toBe(target);
    expect(existsSync(join(hooks, 'pre-commit.clipguard-chained'))).toBe(false);

    const { dir: plain } = setup();
    await installHooks(plain, { command: fake });
    expect((await uninstallHooks(plain)).hooks.map((h) => h.action)).toEqual(['removed', 'removed']);
    expect(existsSync(join(plain, '.git', 'hooks', 'pre-commit'))).toBe(false);
    expect((await uninstallHooks(plain)).hooks.map((h) => h.action)).toEqual(['not installed', 'not installed']);
  });

  it('leaves a foreign hook alone on uninstall', async () => {
    const { dir } = setup();
    writeFileSync(join(dir, '.git', 'hooks', 'pre-commit'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    expect((await uninstallHooks(dir)).hooks[0].action).toBe('left alone (not ours)');
    expect(existsSync(join(dir, '.git', 'hooks', 'pre-commit'))).toBe(true);
  });

  it('honours core.hooksPath', async () => {
    const { dir, git, fake, commit, calls } = setup();
    git('config', 'core.hooksPath', '.githooks');
    expect(await hooksDir(dir)).toBe(join(dir, '.githooks'));
    const r = await installHooks(dir, { command: fake });
    expect(r.hooks[0].path).toBe(join(dir, '.githooks', 'pre-commit'));
    expect(existsSync(join(dir, '.git', 'hooks', 'pre-commit'))).toBe(false);
    expect(commit('via hooksPath').status).toBe(0);
    expect(calls()[0]).toBe('clipguard precommit');
  });

  it('refuses, changing nothing, when a foreign hook and an older chained hook both exist', async () => {
    const { dir, fake } = setup();
    const hooks = join(dir, '.git', 'hooks');
    writeFileSync(join(hooks, 'pre-commit'), '#!/bin/sh\necho new\n', { mode: 0o755 });
    writeFileSync(join(hooks, 'pre-commit.clipguard-chained'), '#!/bin/sh\necho old\n', { mode: 0o755 });
    await expect(installHooks(dir, { command: fake })).rejects.toThrow(HookInstallError);
    expect(readFileSync(join(hooks, 'pre-commit'), 'utf8')).toBe('#!/bin/sh\necho new\n');
    expect(existsSync(join(hooks, 'commit-msg'))).toBe(false);
  });

  it('rejects a multi-line command', async () => {
    const { dir } = setup();
    await expect(installHooks(dir, { command: 'clipguard\nrm -rf /' })).rejects.toThrow(/one non-empty line/);
  });

  it('ships a .pre-commit-hooks.yaml for the pre-commit framework', () => {
    const yaml = readFileSync(new URL('../../.pre-commit-hooks.yaml', import.meta.url), 'utf8');
    expect(yaml).toMatch(/- id: clipguard-secrets\n[\s\S]*?entry: clipguard precommit\n[\s\S]*?language: node\n[\s\S]*?pass_filenames: false/);
    expect(yaml).toMatch(/- id: clipguard-commit-msg\n[\s\S]*?entry: clipguard precommit --commit-msg\n[\s\S]*?stages: \[commit-msg\]/);
  });
});

// The whole path a user gets: `clipguard hook install`, then plain `git commit`, with the real CLI in the hook.
describe('installed hook with the real clipguard', () => {
  it('blocks a staged key and a key in the commit message, lets a clean commit through, and still runs an existing hook', async () => {
    const { BIN, cli } = await import('../helpers/cli.js');
    const { fakeToken } = await import('../helpers/fake-secrets.js');
    const { dir, git, log } = setup();
    const old = join(dir, '.git', 'hooks', 'pre-commit');
    writeFileSync(old, `#!/bin/sh\necho "old hook ran" >> "${log}"\n`, { mode: 0o755 });
    const install = cli(['hook', 'install', '--command', `"${process.execPath}" "${BIN}"`], { cwd: dir });
    expect(install.code).toBe(0);
    const commit = (msg: string) => spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', msg], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    const key = fakeToken('anthropic-api-key', 77);

    writeFileSync(join(dir, 'settings.py'), `ANTHROPIC_API_KEY = "${key}"\n`);
    git('add', '-A');
    const blocked = commit('add settings');
    expect(blocked.status).not.toBe(0);
    expect(blocked.stdout + blocked.stderr).toContain('settings.py:1');
    expect(blocked.stdout + blocked.stderr).not.toContain(key);
    expect(() => git('rev-parse', '--verify', '-q', 'HEAD')).toThrow();
    expect(readFileSync(log, 'utf8')).toContain('old hook ran');

    writeFileSync(join(dir, 'settings.py'), 'ANTHROPIC_API_KEY = os.environ["ANTHROPIC_API_KEY"]\n');
    git('add', '-A');
    const clean = commit('read the key from the environment');
    expect(clean.status).toBe(0);
    expect(git('log', '--format=%s')).toBe('read the key from the environment\n');

    writeFileSync(join(dir, 'notes.txt'), 'ok\n');
    git('add', '-A');
    const msgBlocked = commit(`rotate: the old key was ${key}`);
    expect(msgBlocked.status).not.toBe(0);
    expect(msgBlocked.stdout + msgBlocked.stderr).not.toContain(key);
    expect(git('log', '--format=%s')).toBe('read the key from the environment\n');

    // A line that starts with `#` stays in a `-m` message: it is scanned too.
    const hashLine = commit(`#ops note: ${key}`);
    expect(hashLine.status).not.toBe(0);
    expect(git('log', '--format=%s')).toBe('read the key from the environment\n');
  });

  it('as installed by default, git runs the launcher with node (no npx on PATH), blocks a staged key, and blocks when the launcher is gone', async () => {
    const { cli } = await import('../helpers/cli.js');
    const { fakeToken } = await import('../helpers/fake-secrets.js');
    const { dir, git } = setup();
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(ROOT, join(dir, 'node_modules', 'clipguard'));
    expect(cli(['hook', 'install'], { cwd: dir }).code).toBe(0);
    expect(readFileSync(join(dir, '.git', 'hooks', 'pre-commit'), 'utf8')).toContain("bin='./node_modules/clipguard/bin/clipguard.js'");
    // PATH with node, git and what the hook's sh uses, and nothing else: no npx, no npm.
    const path = tmp('clipguard-path-');
    const which = (c: string) => execFileSync('sh', ['-c', `command -v ${c}`], { encoding: 'utf8' }).trim();
    symlinkSync(process.execPath, join(path, 'node'));
    for (const c of ['git', 'dirname']) symlinkSync(which(c), join(path, c));
    const commit = (msg: string) => spawnSync(join(path, 'git'), ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', msg], { cwd: dir, encoding: 'utf8', env: { HOME: dir, PATH: path, NO_COLOR: '1', PAPERCLIP_API_URL: 'http://127.0.0.1:9' } });
    const key = fakeToken('github-pat', 81);
    writeFileSync(join(dir, 'deploy.sh'), `export GH_TOKEN=${key}\n`);
    git('add', 'deploy.sh');
    const blocked = commit('add deploy script');
    expect(blocked.status).not.toBe(0);
    expect(blocked.stdout + blocked.stderr).toContain('deploy.sh:1');
    expect(blocked.stdout + blocked.stderr).not.toContain(key);
    expect(() => git('rev-parse', '--verify', '-q', 'HEAD')).toThrow();

    writeFileSync(join(dir, 'deploy.sh'), 'export GH_TOKEN="$(cat ~/.gh-token)"\n');
    git('add', 'deploy.sh');
    const clean = commit('read the token from a file');
    expect(clean.status, clean.stderr).toBe(0);

    // node_modules removed (or a worktree that never ran npm install): the commit is blocked, with the reason.
    unlinkSync(join(dir, 'node_modules', 'clipguard'));
    writeFileSync(join(dir, 'notes.txt'), 'ok\n');
    git('add', 'notes.txt');
    const gone = commit('notes');
    expect(gone.status).not.toBe(0);
    expect(gone.stderr).toContain('./node_modules/clipguard/bin/clipguard.js is missing');
    expect(git('log', '--format=%s')).toBe('read the token from a file\n');
  });

  it('the commit -v diff below the scissors line is not part of the message: removing a key is not blocked', async () => {
    const { cli } = await import('../helpers/cli.js');
    const { fakeToken } = await import('../helpers/fake-secrets.js');
    const { dir } = setup();
    const key = fakeToken('anthropic-api-key', 79);
    const msgFile = join(dir, 'MSG');
    const scissors = '# ------------------------ >8 ------------------------';
    writeFileSync(msgFile, `remove the leaked key\n\n${scissors}\n# Do not modify or remove the line above.\ndiff --git a/s.py b/s.py\n-KEY = "${key}"\n+KEY = os.environ["KEY"]\n`);
    expect(cli(['precommit', '--commit-msg', msgFile], { cwd: dir }).code).toBe(0);
    writeFileSync(msgFile, `remove the leaked key ${key}\n\n${scissors}\n`);
    const r = cli(['precommit', '--commit-msg', msgFile], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).not.toContain(key);
  });
});

// The hook validates only the rule it runs (start-up time on every commit); a broken rule elsewhere in a
// pack is still an error for `scan` and `rules validate`, and an override naming it is still accepted.
describe('precommit and a broken rule it does not run', () => {
  it('precommit still blocks the key; scan reports the broken rule with exit 2', async () => {
    const { cli } = await import('../helpers/cli.js');
    const { fakeToken } = await import('../helpers/fake-secrets.js');
    const { dir, git } = setup();
    const pack = join(dir, 'policy');
    execFileSync('mkdir', ['-p', pack]);
    const broken = { id: 'custom/broken', title: 'Broken', severity: 'error', subject: 'issue', conditions: { all: [{ fact: 'issue', path: '$.status', operator: 'equalz', value: 'blocked' }] } };
    writeFileSync(join(pack, 'broken.json'), JSON.stringify(broken, null, 2));
    writeFileSync(join(dir, 'clipguard.config.json'), JSON.stringify({ rules: { packs: ['policy'], overrides: { 'custom/broken': { severity: 'warning' } } }, paperclip: { enabled: false } }));
    writeFileSync(join(dir, 'settings.py'), `KEY = "${fakeToken('anthropic-api-key', 78)}"\n`);
    git('add', 'settings.py');

    const pre = cli(['precommit'], { cwd: dir });
    expect(pre.code, pre.stderr).toBe(1);
    expect(pre.stdout).toContain('security/secret-in-diff');

    const scan = cli(['scan', '--no-paperclip'], { cwd: dir });
    expect(scan.code).toBe(2);
    expect(scan.stderr + scan.stdout).toContain('custom/broken');
    expect(scan.stderr + scan.stdout).toContain('equalz');
  });
});
