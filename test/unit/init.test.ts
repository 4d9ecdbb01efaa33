// `clipguard init` in real git repositories: what it writes, that a second run changes nothing, that it keeps
// a config someone wrote (unless --force), and that it never writes through a symbolic link.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { BIN, cli, tempDir } from '../helpers/cli.js';

const HOOK = `"${process.execPath}" "${BIN}"`;

function repo(): { dir: string; git: (...a: string[]) => string } {
  const dir = tempDir('clipguard-init-');
  const git = (...a: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...a], { cwd: dir, encoding: 'utf8' });
  git('init', '-q');
  return { dir, git };
}

const init = (dir: string, ...args: string[]) => cli(['init', '--hook-command', HOOK, ...args], { cwd: dir });
const snapshot = (dir: string) => ['clipguard.config.json', '.gitignore', '.git/hooks/pre-commit', '.git/hooks/commit-msg'].map((f) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8') : null));

describe('clipguard init', () => {
  it('writes a starter config that loads and scans clean, ignores .clipguard/, and installs both hooks', () => {
    const { dir, git } = repo();
    const r = init(dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^clipguard\.config\.json: written\n\.gitignore: created \(\/\.clipguard\/: clipguard's local state\)\n\.git\/hooks\/pre-commit: installed\n\.git\/hooks\/commit-msg: installed\n/);
    expect(() => loadConfig(dir, {}, {})).not.toThrow();
    expect(cli(['scan', '--no-paperclip'], { cwd: dir }).code).toBe(0);
    expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toContain('/.clipguard/\n');
    expect(readFileSync(join(dir, '.git/hooks/pre-commit'), 'utf8')).toContain(`${HOOK} precommit`);
    // The state a scan --apply leaves is not offered to `git add`.
    mkdirSync(join(dir, '.clipguard'));
    writeFileSync(join(dir, '.clipguard', 'ledger.json'), '{}');
    expect(git('status', '--porcelain', '--untracked-files=all')).not.toContain('.clipguard');
  });

  it('a second run changes nothing and says so', () => {
    const { dir } = repo();
    init(dir);
    const before = snapshot(dir);
    const again = init(dir);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/clipguard\.config\.json: unchanged\n\.gitignore: unchanged \(\.clipguard\/ is already ignored\)\n\.git\/hooks\/pre-commit: unchanged\n\.git\/hooks\/commit-msg: unchanged\n/);
    expect(snapshot(dir)).toEqual(before);
  });

  it('keeps a config that is there (and says how to replace it); --force replaces it', () => {
    const { dir } = repo();
    const mine = JSON.stringify({ failOn: 'warning' });
    writeFileSync(join(dir, 'clipguard.config.json'), mine);
    const r = init(dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('clipguard.config.json: kept (it exists and differs from the starter; --force replaces it)');
    expect(readFileSync(join(dir, 'clipguard.config.json'), 'utf8')).toBe(mine);
    expect(init(dir, '--force').stdout).toContain('clipguard.config.json: replaced');
    expect(JSON.parse(readFileSync(join(dir, 'clipguard.config.json'), 'utf8')).failOn).toBe('error');
  });

  it('adds to a .gitignore (no final newline) once, and adds nothing when .clipguard is already ignored', () => {
    const { dir } = repo();
    writeFileSync(join(dir, '.gitignore'), 'node_modules');
    expect(init(dir, '--no-hooks').stdout).toContain('.gitignore: added');
    expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toMatch(/^node_modules\n\n# clipguard: .*\n\/\.clipguard\/\n$/);
    const other = repo();
    writeFileSync(join(other.dir, '.gitignore'), '.clipguard\n');
    expect(init(other.dir, '--no-hooks').stdout).toContain('.gitignore: unchanged');
    expect(readFileSync(join(other.dir, '.gitignore'), 'utf8')).toBe('.clipguard\n');
    expect(existsSync(join(other.dir, '.git/hooks/pre-commit'))).toBe(false);
  });

  it('chains a pre-commit hook that was there (the hook-install function itself)', () => {
    const { dir } = repo();
    writeFileSync(join(dir, '.git/hooks/pre-commit'), '#!/bin/sh\necho theirs\n', { mode: 0o755 });
    const r = init(dir);
    expect(r.stdout).toMatch(/\.git\/hooks\/pre-commit: installed \(runs the hook that was there first, kept as \.git\/hooks\/pre-commit\.clipguard-chained\)/);
    expect(readFileSync(join(dir, '.git/hooks/pre-commit.clipguard-chained'), 'utf8')).toContain('echo theirs');
  });

  it('refuses a clipguard.config.json or .gitignore that is a symbolic link, even with --force, and writes nothing', () => {
    for (const name of ['clipguard.config.json', '.gitignore']) {
      const { dir } = repo();
      const target = join(tempDir(), 'bashrc');
      writeFileSync(target, 'keep me\n');
      symlinkSync(target, join(dir, name));
      for (const args of [[], ['--force']]) {
        const r = init(dir, ...args);
        expect(r.code, name).toBe(2);
        expect(r.stderr).toContain(`clipguard: ${name}: is a symbolic link (to ${target}); clipguard init does not write through a link`);
      }
      expect(readFileSync(target, 'utf8')).toBe('keep me\n');
      const other = name === '.gitignore' ? 'clipguard.config.json' : '.gitignore';
      expect(existsSync(join(dir, other)), other).toBe(false);
      expect(existsSync(join(dir, '.git/hooks/pre-commit'))).toBe(false);
    }
  });

  it('outside a git repository: exit 2, nothing written', () => {
    const dir = tempDir();
    const r = init(dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('not inside a git repository');
    expect(existsSync(join(dir, 'clipguard.config.json'))).toBe(false);
  });
});

describe('clipguard init and a hook it cannot install', () => {
  it('a foreign hook beside an earlier chained one: exit 2 naming it, and no config or .gitignore written', () => {
    const { dir } = repo();
    writeFileSync(join(dir, '.git/hooks/pre-commit'), '#!/bin/sh\necho theirs\n', { mode: 0o755 });
    writeFileSync(join(dir, '.git/hooks/pre-commit.clipguard-chained'), '#!/bin/sh\necho older\n', { mode: 0o755 });
    const r = init(dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('pre-commit is not clipguard\'s');
    expect(r.stderr).not.toContain('unexpected error');
    expect(existsSync(join(dir, 'clipguard.config.json'))).toBe(false);
    expect(existsSync(join(dir, '.gitignore'))).toBe(false);
  });
});
