// `clipguard watch --live` against a REAL Paperclip, as a real process: Paperclip's live-events WebSocket brings
// each write to an issue, and the scan job's secret rules (its apply, under the lock watch holds) run on that
// issue within seconds: keys in new comments and a description edit are gone with the rest of the text kept
// (measured: p50/p95), a clean comment is left alone, one redacted copy per comment, and no key reaches the
// process's output or its state directory. For servers where the live guard plugin cannot be installed.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, tempDir } from '../helpers/cli.js';
import { fakeToken } from '../helpers/fake-secrets.js';
import { api, commentLatency, descriptionLatency, percentile, until } from '../helpers/live-guard.mjs';
import { writeTrustedConfig } from '../helpers/trust.js';
import { stopServer } from './restart.js';
import { e2eUrl, Seed, unique } from './seed.js';

const seed = new Seed();
const call = api(seed.url);
const KINDS = ['github-pat', 'gitlab-pat', 'openai-project-key', 'anthropic-api-key', 'stripe-secret-key', 'slack-bot-token', 'aws-access-key-id', 'paperclip-agent-key'];
const planted: string[] = [];
const key = (kind: string, n: number) => {
  const k = fakeToken(kind, 700 + n);
  planted.push(k);
  return k;
};

let proc: ChildProcess | null = null;
afterAll(() => {
  proc?.kill('SIGKILL');
});

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((p) => join(dir, p))
    .filter((p) => statSync(p).isFile())
    .map((p) => readFileSync(p, 'utf8'));
}

describe('watch --live on a real Paperclip', () => {
  const lines: Record<string, unknown>[] = [];
  let out = '';
  let err = '';
  let exited: Promise<number | null>;
  let state = '';
  let issueId = '';

  it('a key written to an issue is gone within seconds of the write (comments and a description edit), the rest kept; a clean comment untouched', async () => {
    const co = await seed.createCompany({ name: unique('Live') });
    const issue = await seed.createIssue(co.id, { description: 'nothing secret here' });
    issueId = issue.id;
    const cwd = tempDir();
    state = join(cwd, '.clipguard');
    const config = join(cwd, 'clipguard.config.json');
    // The scan job: acting, the secret rules only, once a year (its catch-up run at start is the only one).
    writeTrustedConfig(config, JSON.stringify({ paperclip: { url: e2eUrl(), companies: [co.issuePrefix] }, repos: [], stateDir: state, schedule: { jobs: [{ name: 'scan', type: 'scan', cron: '0 0 1 1 *', apply: true, only: ['security/secret-in-issue', 'security/secret-in-comment'] }] } }));
    proc = spawn(process.execPath, [BIN, 'watch', '--live', '--config', config, '--jitter', '0', '--log-format', 'json'], { cwd, env: { ...process.env, NO_COLOR: '1' } });
    proc.stdout!.on('data', (d) => {
      out += d;
      const parts = out.split('\n');
      out = parts.pop() ?? '';
      for (const l of parts) if (l.trim()) lines.push(JSON.parse(l));
    });
    proc.stderr!.on('data', (d) => (err += d));
    exited = new Promise<number | null>((r) => proc!.on('exit', (c) => r(c)));

    const connected = await until(() => lines.some((l) => l.event === 'live-connected') && lines.some((l) => l.event === 'ok' && l.job === 'scan'), { timeoutMs: 60_000 });
    expect(connected, `watch --live did not connect: ${err} ${JSON.stringify(lines)}`).toBe(true);

    const latencies: number[] = [];
    for (const [n, kind] of KINDS.entries()) {
      const m = await commentLatency(call, issue.id, { before: `note ${n}: use `, secret: key(kind, n), after: ` for the deploy, line kept ${n}`, kind });
      expect(m.ms, `comment ${n} (${kind}) not redacted within 20 s: ${err}`).not.toBeNull();
      latencies.push(m.ms!);
    }
    for (const n of [0, 1]) {
      const d = await descriptionLatency(call, issue.id, { before: `Steps ${n}:\n1. export TOKEN=`, secret: key('github-pat', 20 + n), after: '\n2. run the deploy\n', kind: 'github-pat' });
      expect(d.ms, 'description not redacted within 20 s').not.toBeNull();
      latencies.push(d.ms!);
    }
    const clean = await seed.addComment(issue.id, 'all good, nothing secret in this one');
    // Its live run comes (the comment's event) and leaves it as it was.
    const runsBefore = lines.filter((l) => l.event === 'live').length;
    await until(() => lines.filter((l) => l.event === 'live').length > runsBefore, { timeoutMs: 10_000 });
    const all = await call('GET', `/issues/${issue.id}/comments?order=asc`);
    const alive = all.filter((x: any) => !x.deletedAt);
    expect(alive.find((x: any) => x.id === clean.id)?.body).toBe('all good, nothing secret in this one');
    for (const [n, kind] of KINDS.entries()) expect(alive.filter((x: any) => String(x.body).includes(`note ${n}: use [REDACTED:${kind}] for the deploy, line kept ${n}`)).length, `copies of comment ${n}`).toBe(1);
    expect(alive.length).toBe(KINDS.length + 1);
    for (const k of planted) expect(JSON.stringify(all) + JSON.stringify(await call('GET', `/issues/${issue.id}`))).not.toContain(k);

    const p50 = percentile(latencies, 50);
    const p95 = percentile(latencies, 95);
    console.log(`[watch --live] write -> key gone, ${latencies.length} writes (${KINDS.length} comments, 2 description edits): p50 ${p50.toFixed(0)} ms, p95 ${p95.toFixed(0)} ms, max ${Math.max(...latencies).toFixed(0)} ms`);

  });

  it('the server restarts: the socket comes back, the scan job runs once for what was written meanwhile, and events act again', async () => {
    expect(proc, 'the first test started watch --live').not.toBeNull();
    const start = stopServer(seed.url);
    const down = await until(() => lines.some((l) => l.event === 'live-disconnected'), { timeoutMs: 20_000 });
    expect(down, 'watch --live saw the socket close').toBe(true);
    start();
    await until(async () => fetch(`${seed.api}/health`).then((r) => r.ok).catch(() => false), { timeoutMs: 10_000 });
    // Written at once, before the socket is back (it retries every 0.5-5 s): the gap's scan run catches it.
    const t0 = performance.now();
    const secret = key('github-pat', 40);
    const c = await call('POST', `/issues/${issueId}/comments`, { body: `after the restart: ${secret} (kept)` });
    const gone = await until(async () => {
      const all = await call('GET', `/issues/${issueId}/comments?order=asc`);
      return all.find((x: any) => x.id === c.id)?.deletedAt && all.some((x: any) => !x.deletedAt && String(x.body).includes('after the restart: [REDACTED:github-pat] (kept)'));
    }, { timeoutMs: 60_000 });
    expect(gone, `a key written as the server came back was not redacted within 60 s: ${err} ${JSON.stringify(lines.slice(-15))}`).toBe(true);
    const reconnected = lines.find((l) => l.event === 'live-connected' && l.reconnect === true);
    expect(reconnected, JSON.stringify(lines.slice(-10))).toBeDefined();
    const gapRun = await until(() => lines.some((l) => l.event === 'ok' && l.job === 'scan' && l.reason === 'catch-up' && l.after === 'live events missed'), { timeoutMs: 30_000 });
    expect(gapRun, JSON.stringify(lines.slice(-8))).toBe(true);
    // One copy: the gap's scan run and a live run on the same comment act one after the other (the second finds it done).
    const copies = (await call('GET', `/issues/${issueId}/comments?order=asc`)).filter((x: any) => !x.deletedAt && String(x.body).includes('after the restart: [REDACTED:github-pat] (kept)'));
    expect(copies.length).toBe(1);
    const m = await commentLatency(call, issueId, { before: 'next: ', secret: key('gitlab-pat', 41), after: ' (kept)', kind: 'gitlab-pat' });
    expect(m.ms, 'not redacted within 20 s after the reconnect').not.toBeNull();
    console.log(`[watch --live] after a server restart: a key written as start.sh returned gone after ${(performance.now() - t0).toFixed(0)} ms; the next one ${m.ms!.toFixed(0)} ms after its write`);
  });

  it('SIGTERM stops it (exit 0); no key in what it logged or kept', async () => {
    expect(proc).not.toBeNull();
    proc!.kill('SIGTERM');
    expect(await exited).toBe(0);
    proc = null;
    // The events' payloads carry comment snippets: none of it is logged or kept.
    const logged = JSON.stringify(lines) + out + err;
    for (const k of planted) expect(logged).not.toContain(k);
    for (const text of filesUnder(state)) for (const k of planted) expect(text).not.toContain(k);
    const audit = readFileSync(join(state, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(audit.filter((e) => e.outcome === 'applied' && e.action === 'redact').length).toBe(KINDS.length + 4);
    expect(lines.filter((l) => l.event === 'live-failed')).toEqual([]);
  });

  it('with keys: a board API key is refused on the socket (said once, the scheduled jobs go on); an agent key for the socket (CLIPGUARD_LIVE_EVENTS_KEY) beside the board key for REST acts', async () => {
    const co = await seed.createCompany({ name: unique('LiveKey') });
    const issue = await seed.createIssue(co.id, { description: 'keys' });
    const agent = await seed.createAgent(co.id);
    const board = await seed.req('POST', '/board-api-keys', { name: 'watch live e2e' });
    const agentKey = await seed.req('POST', `/agents/${agent.id}/keys`, { name: 'watch live events' });
    const run = (env: Record<string, string>) => {
      const cwd = tempDir();
      const config = join(cwd, 'clipguard.config.json');
      writeTrustedConfig(config, JSON.stringify({ paperclip: { url: e2eUrl(), companies: [co.issuePrefix] }, repos: [], stateDir: join(cwd, '.clipguard'), schedule: { jobs: [{ name: 'scan', type: 'scan', cron: '0 0 1 1 *', apply: true, only: ['security'] }] } }));
      const got: Record<string, unknown>[] = [];
      let buf = '';
      const p = spawn(process.execPath, [BIN, 'watch', '--live', '--config', config, '--jitter', '0', '--log-format', 'json'], { cwd, env: { ...process.env, NO_COLOR: '1', ...env } });
      p.stdout!.on('data', (d) => {
        buf += d;
        const parts = buf.split('\n');
        buf = parts.pop() ?? '';
        for (const l of parts) if (l.trim()) got.push(JSON.parse(l));
      });
      const done = new Promise<number | null>((r) => p.on('exit', (c) => r(c)));
      return { p, got, done };
    };
    try {
      const refused = run({ PAPERCLIP_API_KEY: board.token });
      const said = await until(() => refused.got.some((l) => l.event === 'live-refused'), { timeoutMs: 30_000 });
      expect(said, JSON.stringify(refused.got)).toBe(true);
      expect(refused.got.some((l) => l.event === 'ok' && l.job === 'scan')).toBe(true);
      refused.p.kill('SIGTERM');
      expect(await refused.done).toBe(0);
      expect(JSON.stringify(refused.got)).not.toContain(board.token);

      const both = run({ PAPERCLIP_API_KEY: board.token, CLIPGUARD_LIVE_EVENTS_KEY: agentKey.token });
      expect(await until(() => both.got.some((l) => l.event === 'live-connected'), { timeoutMs: 30_000 }), JSON.stringify(both.got)).toBe(true);
      const m = await commentLatency(call, issue.id, { before: 'two keys: ', secret: key('openai-project-key', 50), after: ' (kept)', kind: 'openai-project-key' });
      expect(m.ms, 'not redacted within 20 s with an agent key on the socket').not.toBeNull();
      both.p.kill('SIGTERM');
      expect(await both.done).toBe(0);
      for (const k of [board.token, agentKey.token, ...planted]) expect(JSON.stringify(both.got)).not.toContain(k);
    } finally {
      await seed.call('DELETE', `/board-api-keys/${board.id}`);
    }
  });
});
