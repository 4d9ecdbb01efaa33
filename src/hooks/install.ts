// `clipguard hook install|uninstall`: git hooks that run `clipguard precommit` on the staged change
// (pre-commit) and on the message (commit-msg).
//
// Someone else's hook is never overwritten: it is renamed to `<name>.clipguard-chained` and our hook runs
// it first, stopping with its exit code if it fails. Uninstalling renames it back, so what was there
// before (content, mode, even a symlink) is restored exactly. The hooks directory is the one git uses,
// core.hooksPath included.

import { existsSync, lstatSync, mkdirSync, readFileSync, realpathSync, renameSync, unlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { PACKAGE_ROOT } from '../paths.js';

export const HOOK_NAMES = ['pre-commit', 'commit-msg'] as const;
export type HookName = (typeof HOOK_NAMES)[number];

/** First-line tag of the hooks we write: how we recognise our own hook (re-install, uninstall). */
const MARKER = '# clipguard-hook v1';
const CHAINED_SUFFIX = '.clipguard-chained';

/** This package's launcher, the file `clipguard hook install` itself was started from. */
export const OWN_BIN = join(PACKAGE_ROOT, 'bin', 'clipguard.js');

export interface HookInstallOptions {
  /** How the hook runs clipguard, as one shell command line (default: `node <the bin>`, see hookBinPath). */
  command?: string;
  /** The launcher the default command runs (default: OWN_BIN, the one running now). */
  bin?: string;
}

export interface InstalledHook {
  name: HookName;
  path: string;
  action: 'installed' | 'updated' | 'unchanged';
  /** The previous hook, moved aside and run first; null when there was none. */
  chained: string | null;
}

export interface UninstalledHook {
  name: HookName;
  path: string;
  action: 'removed' | 'restored' | 'not installed' | 'left alone (not ours)';
}

export class HookInstallError extends Error {
  override name = 'HookInstallError';
}

/** The directory git runs hooks from (core.hooksPath, or .git/hooks of this worktree's repository). */
export async function hooksDir(repoDir: string): Promise<string> {
  // Loaded here, not at the top: `clipguard precommit` imports this module and must not pay for simple-git.
  const { simpleGit } = await import('simple-git');
  const out = await simpleGit({ baseDir: repoDir }).raw(['rev-parse', '--git-path', 'hooks']);
  return resolve(repoDir, out.trim());
}

function kind(path: string): 'missing' | 'ours' | 'foreign' {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return 'missing';
  }
  if (!st.isFile()) return 'foreign'; // a symlink or anything else is someone else's
  try {
    return readFileSync(path, 'utf8').includes(MARKER) ? 'ours' : 'foreign';
  } catch {
    return 'foreign';
  }
}

function exists(path: string): boolean {
  return kind(path) !== 'missing';
}

/**
 * How the hook names the launcher: relative to the work tree's top (git runs hooks from there) when it is
 * inside the repository, so the hook survives moving the clone; `./node_modules/clipguard/bin/clipguard.js`
 * when that is the same file (a devDependency, also when a package manager links it from a versioned store);
 * else its absolute path (a global install).
 */
export function hookBinPath(repoDir: string, bin: string = OWN_BIN): string {
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return resolve(p);
    }
  };
  const top = real(repoDir);
  const own = real(bin);
  const stable = join(top, 'node_modules', 'clipguard', 'bin', 'clipguard.js');
  if (existsSync(stable) && real(stable) === own) return './node_modules/clipguard/bin/clipguard.js';
  const rel = relative(top, own);
  if (rel && !rel.startsWith('..') && !isAbsolute(rel)) return `./${rel.split(sep).join('/')}`;
  return own;
}

/** A word for sh: single-quoted, a quote in it closed and escaped. */
function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The line that runs clipguard. The default starts the launcher with `node` itself: `npx` would add its own
 * start-up (~0.5 s) to every commit. A launcher that is gone (node_modules removed, another worktree never
 * installed) blocks the commit with a message instead of letting it through unchecked.
 */
function runLines(name: HookName, how: { command: string } | { bin: string }): string[] {
  const args = name === 'pre-commit' ? 'precommit' : 'precommit --commit-msg "$1"';
  if ('command' in how) return [`exec ${how.command} ${args}`];
  return [
    `bin=${shQuote(how.bin)}`,
    'if [ ! -f "$bin" ]; then',
    `  echo "clipguard: $bin is missing, so the commit was not checked for secrets and is blocked. Run npm install (or clipguard hook install again); git commit --no-verify skips the check." >&2`,
    '  exit 1',
    'fi',
    'if ! command -v node >/dev/null 2>&1; then',
    `  echo "clipguard: node is not on PATH, so the commit was not checked for secrets and is blocked." >&2`,
    '  exit 1',
    'fi',
    `exec node "$bin" ${args}`,
  ];
}

function script(name: HookName, how: { command: string } | { bin: string }): string {
  return [
    '#!/bin/sh',
    MARKER,
    `# Installed by \`clipguard hook install\`; \`clipguard hook uninstall\` removes it and puts back the hook`,
    `# that was here before (kept as ${name}${CHAINED_SUFFIX}, and run first).`,
    `chained="$(dirname "$0")/${name}${CHAINED_SUFFIX}"`,
    'if [ -x "$chained" ]; then',
    '  "$chained" "$@" || exit $?',
    'fi',
    ...runLines(name, how),
    '',
  ].join('\n');
}

function writeExecutable(path: string, content: string): void {
  // Write beside and rename: git never runs a half-written hook.
  const tmp = `${path}.clipguard-tmp-${process.pid}`;
  writeFileSync(tmp, content, { mode: 0o755 });
  chmodSync(tmp, 0o755);
  renameSync(tmp, path);
}

export async function installHooks(repoDir: string, options: HookInstallOptions = {}): Promise<{ hooksDir: string; hooks: InstalledHook[] }> {
  const command = options.command?.trim();
  if (command !== undefined && (!command || /[\r\n\0]/.test(command))) throw new HookInstallError('hook command must be one non-empty line');
  const bin = command === undefined ? hookBinPath(repoDir, options.bin) : null;
  if (bin !== null && /[\r\n\0]/.test(bin)) throw new HookInstallError(`the launcher's path cannot go into a hook: ${JSON.stringify(bin)}`);
  const how = command !== undefined ? { command } : { bin: bin! };
  const dir = await hooksDir(repoDir);
  mkdirSync(dir, { recursive: true });
  // Check both hooks before touching either, so a refusal leaves everything as it was.
  for (const name of HOOK_NAMES) {
    const path = join(dir, name);
    if (kind(path) === 'foreign' && exists(path + CHAINED_SUFFIX)) {
      throw new HookInstallError(
        `${path} is not clipguard's, and ${path}${CHAINED_SUFFIX} (a hook clipguard chained earlier) exists too; ` +
          'merge them by hand or remove one, then run `clipguard hook install` again',
      );
    }
  }
  const hooks: InstalledHook[] = [];
  for (const name of HOOK_NAMES) {
    const path = join(dir, name);
    const chainedPath = path + CHAINED_SUFFIX;
    const content = script(name, how);
    const state = kind(path);
    let action: InstalledHook['action'] = 'installed';
    if (state === 'foreign') {
      renameSync(path, chainedPath);
    } else if (state === 'ours') {
      action = readFileSync(path, 'utf8') === content ? 'unchanged' : 'updated';
    }
    if (action !== 'unchanged') writeExecutable(path, content);
    hooks.push({ name, path, action, chained: exists(chainedPath) ? chainedPath : null });
  }
  return { hooksDir: dir, hooks };
}

export async function uninstallHooks(repoDir: string): Promise<{ hooksDir: string; hooks: UninstalledHook[] }> {
  const dir = await hooksDir(repoDir);
  const hooks: UninstalledHook[] = [];
  for (const name of HOOK_NAMES) {
    const path = join(dir, name);
    const chainedPath = path + CHAINED_SUFFIX;
    const state = kind(path);
    if (state === 'foreign') {
      hooks.push({ name, path, action: 'left alone (not ours)' });
      continue;
    }
    if (state === 'ours') unlinkSync(path);
    if (exists(chainedPath)) {
      renameSync(chainedPath, path);
      hooks.push({ name, path, action: 'restored' });
    } else {
      hooks.push({ name, path, action: state === 'ours' ? 'removed' : 'not installed' });
    }
  }
  return { hooksDir: dir, hooks };
}
