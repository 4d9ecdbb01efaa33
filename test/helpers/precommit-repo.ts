// A git repository with one commit, files staged in it, and `clipguard precommit --format json` run there: the
// hook as a user's commit meets it.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Report } from '../../src/types.js';
import { cli } from './cli.js';

/** `dirs` collects the repository's directory, for the caller's cleanup. */
export function precommitRepo(prefix: string, dirs: string[]) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'init.defaultBranch=main', ...args], { cwd: dir, encoding: 'utf8' });
  git('init', '-q');
  writeFileSync(join(dir, 'README.md'), 'base\n');
  git('add', '-A');
  git('commit', '-qm', 'base');
  const stage = (path: string, content: string | Buffer) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
    git('add', path);
  };
  const precommit = (...args: string[]) => {
    const r = cli(['precommit', '--format', 'json', ...args], { cwd: dir });
    return { ...r, report: r.stdout ? (JSON.parse(r.stdout) as Report) : null };
  };
  return { dir, git, stage, precommit };
}
