// Runs the built CLI (dist/) as a real process, the way users and git hooks run it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, chownSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/clipguard.js', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The environment of a CLI run in a test. Without a config file, Paperclip defaults to a closed port (never a
 * real server on :3100 that happens to run on this machine); with one, its `paperclip.url` is left to apply
 * (the environment beats the config file).
 */
export function cliEnv(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const configured = args.includes('-c') || args.includes('--config') || existsSync(join(cwd, 'clipguard.config.json'));
  return { ...process.env, NO_COLOR: '1', ...(configured ? {} : { PAPERCLIP_API_URL: 'http://127.0.0.1:9' }), ...env };
}

export function cli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): CliResult {
  const cwd = opts.cwd ?? process.cwd();
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    env: cliEnv(args, cwd, opts.env),
    input: opts.input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function tempDir(prefix = 'clipguard-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * A state directory for the live guard, which the server's plugin worker writes: the server runs as uid 65534
 * when the tests run as root (scripts/paperclip/start.sh), so the directory is given to it. Not made writable by
 * every user: clipguard refuses such a state directory (another user could plant its ledger).
 */
export function serverStateDir(prefix = 'clipguard-live-'): string {
  const d = tempDir(prefix);
  if (process.getuid?.() === 0) chownSync(d, 65534, 65534);
  return d;
}
