// Restarting the e2e Paperclip server in the middle of a test (the scripts global-setup uses): for what must
// survive a restart, or notice one.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The instance root (global-setup's run-<pid>, or one started by hand) whose server listens on `port`. */
export function serverRoot(port: string): string | null {
  const runs = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'clipguard-e2e');
  for (const name of existsSync(runs) ? readdirSync(runs) : []) {
    const log = join(runs, name, 'logs', 'server.log');
    if (existsSync(log) && existsSync(join(runs, name, 'logs', 'server.pid')) && new RegExp(`Server listener bound on [^\\s:]+:${port}\\b`).test(readFileSync(log, 'utf8'))) return join(runs, name);
  }
  return null;
}

const SCRIPTS = fileURLToPath(new URL('../../scripts/paperclip/', import.meta.url));

/** Stop the server at `url`; returns a function that starts it again (and throws when it does not come back on `url`). */
export function stopServer(url: string): () => void {
  const port = new URL(url).port;
  const root = serverRoot(port);
  if (!root) throw new Error(`no e2e instance root serves port ${port}`);
  const env = { ...process.env, PAPERCLIP_E2E_ROOT: root, PAPERCLIP_PORT: port };
  const stopped = spawnSync('bash', [join(SCRIPTS, 'stop.sh')], { env, encoding: 'utf8' });
  if (stopped.status !== 0) throw new Error(`stop.sh failed: ${stopped.stderr}`);
  return () => {
    const started = spawnSync('bash', [join(SCRIPTS, 'start.sh')], { env, encoding: 'utf8', timeout: 240_000 });
    if (started.status !== 0) throw new Error(`start.sh failed: ${started.stderr}`);
    const printed = started.stdout.trim().split('\n').pop();
    if (printed !== url) throw new Error(`the server came back on ${printed}, not ${url}`);
  };
}
