// `clipguard hook install|uninstall`: git hooks that run `clipguard precommit` on the staged change
// (pre-commit) and on the message (commit-msg).
//
// Someone else's hook is never overwritten: it is renamed to `<name>.clipguard-chained` and our hook runs
// it first, stopping with its exit code if it fails. Uninstalling renames it back, so what was there
// before (content, mode, even a symlink) is restored exactly. The hooks directory is the one git uses,
// core.hooksPath included.

import { lstatSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const HOOK_NAMES = ['pre-commit', 'commit-msg'] as const;
export type HookName = (typeof HOOK_NAMES)[number];

/** First-line tag of the hooks we write: how we recognise our own hook (re-install, uninstall). */
const MARKER = '# clipguard-hook v1';
const CHAINED_SUFFIX = '.clipguard-chained';
const DEFAULT_COMMAND = 'npx --no-install clipguard';

export interface HookInstallOptions {
  /** How the hook runs clipguard (default "npx --no-install clipguard"). */
  command?: string;
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

function script(name: HookName, command: string): string {
  const run = name === 'pre-commit' ? `${command} precommit` : `${command} precommit --commit-msg "$1"`;
  return [
    '#!/bin/sh',
    MARKER,
    `# Installed by \`clipguard hook install\`; \`clipguard hook uninstall\` removes it and puts back the hook`,
    `# that was here before (kept as ${name}${CHAINED_SUFFIX}, and run first).`,
    `chained="$(dirname "$0")/${name}${CHAINED_SUFFIX}"`,
    'if [ -x "$chained" ]; then',
    '  "$chained" "$@" || exit $?',
    'fi',
    `exec ${run}`,
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
  const command = (options.command ?? DEFAULT_COMMAND).trim();
  if (!command || /[\r\n\0]/.test(command)) throw new HookInstallError('hook command must be one non-empty line');
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
    const content = script(name, command);
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
