// `clipguard init`: set up a repository in one step: a starter clipguard.config.json, the `.gitignore` line
// for clipguard's local state (.clipguard/: audit log, action ledger, locks), and the git hooks (the same
// installHooks as `clipguard hook install`).
//
// It never replaces a file that is there (a config someone wrote is theirs) unless --force, never writes
// through a symbolic link (a checkout can plant `clipguard.config.json -> ~/.bashrc`), and a second run
// changes nothing.

import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Command } from 'commander';
import type { InstalledHook } from '../hooks/install.js';
import { gitRoot } from '../util/git-root.js';
import { UserFileError } from '../util/json-file.js';
import { writeOutputFile } from '../util/output-file.js';
import { EXIT } from './output.js';

export const CONFIG_NAME = 'clipguard.config.json';
/** The `.gitignore` entry for the state directory (default `.clipguard`, beside the config file). */
export const GITIGNORE_ENTRY = '/.clipguard/';
const GITIGNORE_BLOCK = `# clipguard: local state (audit log, action ledger, locks); never commit it\n${GITIGNORE_ENTRY}\n`;

export interface InitOptions {
  force?: boolean;
  hooks?: boolean;
  /** How the hooks run clipguard (installHooks' default when absent). */
  hookCommand?: string;
}

export interface InitResult {
  root: string;
  config: { path: string; action: 'written' | 'replaced' | 'unchanged' | 'kept' };
  gitignore: { path: string; action: 'created' | 'added' | 'unchanged' };
  hooks: InstalledHook[] | null;
}

/** The starter config: what `scan` does with no config, written down so it can be edited and trusted. */
export function starterConfig(root: string): string {
  const config: Record<string, unknown> = {};
  // The schema of the clipguard installed in this repository (what editors complete from); none when it runs
  // from elsewhere (npx, a global install): an absolute path there would not hold on another machine.
  if (existsSync(join(root, 'node_modules', 'clipguard', 'schema', 'config.schema.json'))) config.$schema = './node_modules/clipguard/schema/config.schema.json';
  Object.assign(config, {
    repos: ['.'],
    failOn: 'error',
    rules: { packs: [], overrides: {} },
    secrets: { allowlist: { paths: [], values: [], regexes: [] } },
  });
  return JSON.stringify(config, null, 2) + '\n';
}

/** A path init would write, refused when it is a symbolic link or not a regular file (exit 2, even with --force). */
function refuseLink(path: string, shown: string): boolean {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return false;
  }
  if (st.isSymbolicLink()) {
    let to = '?';
    try {
      to = readlinkSync(path);
    } catch {
      /* named without its target */
    }
    throw new UserFileError(shown, `is a symbolic link (to ${to}); clipguard init does not write through a link. Replace it with a file, then run clipguard init again`);
  }
  if (!st.isFile()) throw new UserFileError(shown, 'is not a regular file; clipguard init leaves it alone');
  return true;
}

function ignored(root: string, path: string): boolean {
  try {
    execFileSync('git', ['check-ignore', '-q', '--no-index', path], { cwd: root, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function initRepo(root: string, opts: InitOptions = {}): Promise<InitResult> {
  const configPath = join(root, CONFIG_NAME);
  const gitignorePath = join(root, '.gitignore');
  // Both checked before anything is written: a refusal leaves the repository as it was.
  const configExists = refuseLink(configPath, CONFIG_NAME);
  const gitignoreExists = refuseLink(gitignorePath, '.gitignore');

  // The hooks next: installHooks refuses (HookInstallError, exit 2) before it changes anything, so a refusal
  // there also leaves the config and .gitignore unwritten.
  const hooks = opts.hooks === false ? null : (await (await import('../hooks/install.js')).installHooks(root, { command: opts.hookCommand })).hooks;

  const starter = starterConfig(root);
  let configAction: InitResult['config']['action'];
  if (!configExists) configAction = 'written';
  else if (readFileSync(configPath, 'utf8') === starter) configAction = 'unchanged';
  else configAction = opts.force ? 'replaced' : 'kept';
  if (configAction === 'written' || configAction === 'replaced') writeOutputFile(configPath, starter, 'clipguard init');

  let gitignoreAction: InitResult['gitignore']['action'] = 'unchanged';
  // Already ignored (by this line, a broader one, or a parent's .gitignore): nothing to add.
  if (!ignored(root, '.clipguard/ledger.json')) {
    const before = gitignoreExists ? readFileSync(gitignorePath, 'utf8') : '';
    const sep = before === '' || before.endsWith('\n') ? '' : '\n';
    writeOutputFile(gitignorePath, `${before}${sep}${before ? '\n' : ''}${GITIGNORE_BLOCK}`, 'clipguard init');
    gitignoreAction = gitignoreExists ? 'added' : 'created';
  }

  return { root, config: { path: configPath, action: configAction }, gitignore: { path: gitignorePath, action: gitignoreAction }, hooks };
}

export function describeInit(r: InitResult): string {
  const rel = (p: string) => relative(process.cwd(), p) || p;
  const lines = [
    `${rel(r.config.path)}: ${r.config.action === 'kept' ? 'kept (it exists and differs from the starter; --force replaces it)' : r.config.action}`,
    `${rel(r.gitignore.path)}: ${r.gitignore.action === 'unchanged' ? `unchanged (.clipguard/ is already ignored)` : `${r.gitignore.action} (${GITIGNORE_ENTRY}: clipguard's local state)`}`,
    ...(r.hooks ? r.hooks.map((h) => `${rel(h.path)}: ${h.action}${h.chained ? ` (runs the hook that was there first, kept as ${rel(h.chained)})` : ''}`) : ['git hooks: not installed (--no-hooks)']),
    '',
    'Next: `clipguard scan` (dry-run), then commit clipguard.config.json and .gitignore. The config acts, runs',
    'commands or sends your API key only once you run `clipguard trust` on it. CI: see the GitHub Action in the README.',
  ];
  return lines.join('\n') + '\n';
}

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('set up this repository: a starter clipguard.config.json, the .gitignore line for .clipguard/, and the git hooks (never replaces a file without --force; never writes through a symbolic link; a second run changes nothing)')
    .option('--force', 'replace an existing clipguard.config.json with the starter')
    .option('--no-hooks', 'do not install the git hooks')
    .option('--hook-command <cmd>', 'how the hooks run clipguard (as `clipguard hook install --command`)')
    .option('--json', 'print what was done as JSON')
    .action(async (opts) => {
      const root = gitRoot(process.cwd());
      if (!root) {
        process.stderr.write('clipguard init: not inside a git repository (run `git init` first)\n');
        process.exitCode = EXIT.usage;
        return;
      }
      const r = await initRepo(root, { force: opts.force, hooks: opts.hooks, hookCommand: opts.hookCommand });
      process.stdout.write(opts.json ? `${JSON.stringify(r)}\n` : describeInit(r));
      process.exitCode = EXIT.ok;
    });
}
