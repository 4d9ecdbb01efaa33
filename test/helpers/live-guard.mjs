// Measuring the live guard on a real Paperclip (shared by test/e2e/plugin.test.ts and bench/live-guard.mjs):
// the time from a write's request to the moment the key is gone from what the server serves, with the rest of
// the text kept. Plain JS so that bench/ can use it.

import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** GET/POST/... under `${url}/api`, JSON in and out; throws on a non-2xx answer. */
export function api(url) {
  const base = `${url.replace(/\/+$/, '')}/api`;
  return async (method, path, body) => {
    const r = await fetch(base + path, { method, headers: { accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, body: body !== undefined ? JSON.stringify(body) : undefined });
    const text = await r.text();
    if (!r.ok) throw new Error(`${method} ${path} -> HTTP ${r.status}: ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : null;
  };
}

/** Poll `check` every `everyMs` until it returns a truthy value (returned) or `timeoutMs` passes (null). */
export async function until(check, { timeoutMs = 20_000, everyMs = 50 } = {}) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) return null;
    await sleep(everyMs);
  }
}

/**
 * Post `before + secret + after` as a comment; resolves with the milliseconds until the original is deleted and
 * a redacted copy holding `before + [REDACTED:<kind>] + after` is on the issue (null: not within the timeout).
 */
export async function commentLatency(call, issueId, { before, secret, after, kind }, timeoutMs = 20_000) {
  const t0 = performance.now();
  const c = await call('POST', `/issues/${issueId}/comments`, { body: `${before}${secret}${after}` });
  const kept = `${before}[REDACTED:${kind}]${after}`;
  const done = await until(
    async () => {
      const all = await call('GET', `/issues/${issueId}/comments?order=asc`);
      const orig = all.find((x) => x.id === c.id);
      const gone = !orig || orig.deletedAt || !String(orig.body ?? '').includes(secret);
      return gone && all.some((x) => !x.deletedAt && String(x.body ?? '').includes(kept));
    },
    { timeoutMs },
  );
  return { commentId: c.id, ms: done ? performance.now() - t0 : null };
}

/** PATCH the description to `before + secret + after`; milliseconds until the server serves it redacted, the rest kept. */
export async function descriptionLatency(call, issueId, { before, secret, after, kind }, timeoutMs = 20_000) {
  const t0 = performance.now();
  await call('PATCH', `/issues/${issueId}`, { description: `${before}${secret}${after}` });
  const want = `${before}[REDACTED:${kind}]${after}`;
  const done = await until(async () => (await call('GET', `/issues/${issueId}`)).description === want, { timeoutMs });
  return { ms: done ? performance.now() - t0 : null };
}

/** The p-th percentile (0-100) of `xs`, nearest rank. */
export function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

/** `--name value` from the command line, or `dflt`. */
export function benchArg(name, dflt) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
}

/** The kinds of fake key the latency benchmarks plant, one after the other. */
export const PLANT_KINDS = ['github-pat', 'gitlab-pat', 'openai-project-key', 'anthropic-api-key', 'stripe-secret-key', 'slack-bot-token', 'aws-access-key-id', 'paperclip-agent-key'];

/**
 * The Paperclip server a benchmark talks to: `--paperclip <url>` (or BENCH_PAPERCLIP_URL), else its own instance
 * started with scripts/paperclip/start.sh on BENCH_PAPERCLIP_PORT / BENCH_PAPERCLIP_PG_PORT (3199 / 55399),
 * which `stop()` wipes.
 */
export function benchServer(prefix) {
  const scripts = fileURLToPath(new URL('../../scripts/paperclip/', import.meta.url));
  const env = { ...process.env, PAPERCLIP_PORT: process.env.BENCH_PAPERCLIP_PORT ?? '3199', PAPERCLIP_PG_PORT: process.env.BENCH_PAPERCLIP_PG_PORT ?? '55399' };
  const given = benchArg('--paperclip', process.env.BENCH_PAPERCLIP_URL);
  if (given) return { url: given, stop() {} };
  const root = mkdtempSync(join(tmpdir(), prefix));
  // mkdtemp makes it 0700: as root, start.sh runs the server as uid 65534, which must traverse it.
  chmodSync(root, 0o755);
  env.PAPERCLIP_E2E_ROOT = root;
  const r = spawnSync('bash', [join(scripts, 'start.sh')], { env, encoding: 'utf8', timeout: 240_000 });
  if (r.status !== 0) throw new Error(`start.sh failed: ${r.stderr}`);
  return {
    url: r.stdout.trim().split('\n').pop(),
    stop() {
      spawnSync('bash', [join(scripts, 'stop.sh'), '--wipe'], { env, encoding: 'utf8', timeout: 60_000 });
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** The live guard's row in the server's plugin list (its id is in the bridge's paths). */
export async function guardRow(call) {
  return (await call('GET', '/plugins')).find((p) => p.pluginKey === 'clipguard.live-guard');
}

/** A data handler of the live guard through the bridge a page uses (POST /api/plugins/:id/data/:key); `companyId` scopes it. */
export async function guardData(call, key, companyId, params = companyId ? { companyId } : {}) {
  const p = await guardRow(call);
  const r = await call('POST', `/plugins/${p.id}/data/${key}`, { ...(companyId ? { companyId } : {}), params });
  return r && typeof r === 'object' && 'data' in r ? r.data : r;
}
