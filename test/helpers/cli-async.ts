// Runs the built CLI as a child process without blocking the event loop, for tests that serve the CLI from
// the same process (the fault proxy): spawnSync would wait for an answer the blocked loop can never send.
import { spawn, type ChildProcess } from 'node:child_process';
import { BIN, cliEnv, type CliResult } from './cli.js';

export interface AsyncCli {
  child: ChildProcess;
  done: Promise<CliResult>;
  /** stdout so far (for long-running commands such as `watch`). */
  stdout: () => string;
}

export function startCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): AsyncCli {
  const cwd = opts.cwd ?? process.cwd();
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: cliEnv(args, cwd, opts.env) });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : -1), stdout: out, stderr: err })));
  return { child, done, stdout: () => out };
}

export function cliAsync(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return startCli(args, opts).done;
}
