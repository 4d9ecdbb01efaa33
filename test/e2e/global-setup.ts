// Vitest globalSetup of the `e2e` project: installs (once, cached) and starts a REAL Paperclip server for the
// run, and stops it afterwards.
//
// - Each run gets its own instance root ~/.cache/clipguard-e2e/run-<pid> (fresh data, wiped first), so two
//   runs at once do not share or wipe each other's server; the 1.6 GB install is shared
//   (PAPERCLIP_INSTALL_ROOT, default ~/.cache/paperclip-e2e). Roots of dead runs are cleaned up.
// - Port 3197 asked (CLIPGUARD_E2E_PORT), embedded PostgreSQL on 55397 (CLIPGUARD_E2E_PG_PORT) so a user's
//   own instance on 3100/54329 is left alone. Paperclip takes the next free port when one is busy; start.sh
//   reads the real one from logs/server.log ("Server listener bound on").
// - The URL is given to tests with provide('paperclipUrl') (use inject('paperclipUrl')) and in the
//   environment as CLIPGUARD_E2E_URL.
// - CLIPGUARD_E2E_URL already set: that server is used as is (nothing started or stopped).
// - CLIPGUARD_E2E_KEEP=1: the instance's data is kept after the run (for a post-mortem of logs/server.log).

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    paperclipUrl: string;
  }
}

const SCRIPTS = fileURLToPath(new URL('../../scripts/paperclip/', import.meta.url));
const CACHE = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
const RUNS = join(CACHE, 'clipguard-e2e');

function sh(script: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number) {
  const r = spawnSync('bash', [join(SCRIPTS, script), ...args], { env, encoding: 'utf8', timeout: timeoutMs });
  if (r.status !== 0) {
    throw new Error(`${script} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stderr}\n${r.stdout}`.trim());
  }
  return r.stdout;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Stop and delete the instances of earlier runs whose vitest process is gone. */
function cleanStaleRuns(baseEnv: NodeJS.ProcessEnv): void {
  if (!existsSync(RUNS)) return;
  for (const name of readdirSync(RUNS)) {
    const m = /^run-(\d+)$/.exec(name);
    if (!m || Number(m[1]) === process.pid || alive(Number(m[1]))) continue;
    const root = join(RUNS, name);
    try {
      sh('stop.sh', ['--wipe'], { ...baseEnv, PAPERCLIP_E2E_ROOT: root }, 60_000);
    } catch {
      // best effort
    }
    rmSync(root, { recursive: true, force: true });
  }
}

export default async function setup(project: TestProject) {
  const external = process.env.CLIPGUARD_E2E_URL;
  if (external) {
    project.provide('paperclipUrl', external.replace(/\/+$/, ''));
    return;
  }
  const root = join(RUNS, `run-${process.pid}`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PAPERCLIP_E2E_ROOT: root,
    PAPERCLIP_PORT: process.env.CLIPGUARD_E2E_PORT ?? '3197',
    PAPERCLIP_PG_PORT: process.env.CLIPGUARD_E2E_PG_PORT ?? '55397',
  };
  cleanStaleRuns(env);

  let t = Date.now();
  sh('install.sh', [], env, 15 * 60_000);
  const installMs = Date.now() - t;
  sh('stop.sh', ['--wipe'], env, 60_000); // a fresh, empty instance
  t = Date.now();
  let out: string;
  try {
    out = sh('start.sh', [], env, 4 * 60_000);
  } catch (e) {
    sh('stop.sh', [], env, 60_000);
    throw e;
  }
  const startMs = Date.now() - t;
  const url = out.trim().split('\n').pop() ?? '';
  if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(url)) throw new Error(`start.sh printed no URL: ${out}`);
  // start.sh already waited for the real port; check the log agrees (Paperclip moves silently when busy).
  const log = readFileSync(join(root, 'logs', 'server.log'), 'utf8');
  const bound = /Server listener bound on [^\s:]+:(\d+)/.exec(log)?.[1];
  if (bound && !url.endsWith(`:${bound}`)) throw new Error(`server bound on ${bound} but start.sh printed ${url}`);

  console.log(`[e2e] Paperclip at ${url} (install check ${installMs} ms, start ${startMs} ms, root ${root})`);
  process.env.CLIPGUARD_E2E_URL = url;
  project.provide('paperclipUrl', url);

  return async () => {
    delete process.env.CLIPGUARD_E2E_URL;
    sh('stop.sh', process.env.CLIPGUARD_E2E_KEEP === '1' ? [] : ['--wipe'], env, 60_000);
    if (process.env.CLIPGUARD_E2E_KEEP !== '1') rmSync(root, { recursive: true, force: true });
  };
}
