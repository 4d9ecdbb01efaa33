// The live guard (src/plugin/) installed into a REAL Paperclip by `clipguard plugin install`: dry-run by default
// (reports, acts on nothing), with --apply it redacts keys in comments and descriptions seconds after the write
// (measured: p50/p95), leaves clean text alone, never loops on its own writes, leaves nothing for a later
// `scan --apply` to do twice, keeps no key anywhere, and comes back after a server restart.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { serverStateDir, tempDir } from '../helpers/cli.js';
import { cliAsync } from '../helpers/cli-async.js';
import { fakeToken } from '../helpers/fake-secrets.js';
import { api, commentLatency, descriptionLatency, guardData, guardRow, percentile, until } from '../helpers/live-guard.mjs';
import { Seed } from './seed.js';

const seed = new Seed();
const call = api(seed.url);
const KINDS = ['github-pat', 'github-fine-grained-pat', 'gitlab-pat', 'openai-project-key', 'anthropic-api-key', 'stripe-secret-key', 'slack-bot-token', 'aws-access-key-id', 'paperclip-agent-key', 'paperclip-board-key'];
const planted: string[] = [];
const key = (kind: string, n: number) => {
  const k = fakeToken(kind, 1000 + n);
  planted.push(k);
  return k;
};

/** The guard's state directory: the server's user (uid 65534 as root) writes there. */
function stateDir(): string {
  return serverStateDir('clipguard-live-');
}

const plugin = (args: string[]) => cliAsync(['plugin', ...args, '--paperclip', seed.url]);

const pluginRow = () => guardRow(call);
const data = (key: string, companyId?: string) => guardData(call, key, companyId);

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((p) => join(dir, p))
    .filter((p) => statSync(p).isFile())
    .map((p) => readFileSync(p, 'utf8'));
}

const states: string[] = [];
afterAll(async () => {
  await plugin(['uninstall', '--purge']);
});

describe('the live guard on a real Paperclip', () => {
  it('installed plain, it reports what it would do (plugin state) and acts on nothing', async () => {
    const co = await seed.createCompany();
    const state = stateDir();
    states.push(state);
    const r = await plugin(['install', '--state-dir', state]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/dry-run: reports only/);

    const k1 = key('github-pat', 1);
    const k2 = key('openai-project-key', 2);
    const issue = await seed.createIssue(co.id, { description: `deploy with ${k1} today` });
    const c = await seed.addComment(issue.id, `the key: ${k2} (thanks)`);
    const found = await until(async () => {
      const f = (await data('findings', co.id))?.[issue.id];
      return f?.findings?.length === 2 ? f : null;
    });
    expect(found, 'the guard kept its two findings').not.toBeNull();
    expect(found.mode).toBe('dry-run');
    expect(found.findings.map((f: any) => [f.rule, f.kind, f.actions.map((a: any) => `${a.type} ${a.status}`).join()]).sort()).toEqual([
      ['security/secret-in-comment', 'openai-project-key', 'redact planned'],
      ['security/secret-in-issue', 'github-pat', 'redact planned'],
    ]);
    // Nothing was done: the description and the comment are as written, no comment added, no audit log.
    expect((await seed.getIssue(issue.id)).description).toBe(`deploy with ${k1} today`);
    const comments = await call('GET', `/issues/${issue.id}/comments`);
    expect(comments.map((x: any) => [x.id, x.deletedAt ?? null, x.body])).toEqual([[c.id, null, `the key: ${k2} (thanks)`]]);
    expect(existsSync(join(state, 'audit.jsonl'))).toBe(false);

    const status = await plugin(['status', '--json']);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain(issue.identifier);
    for (const k of [k1, k2]) expect(status.stdout).not.toContain(k);
  });

  const latencies: number[] = [];
  let acting: { co: any; state: string; issue: any } | null = null;

  it('with --apply: 10 comments and a description edit lose their keys within seconds, the rest kept; a clean comment is left alone', async () => {
    const co = await seed.createCompany();
    const state = stateDir();
    states.push(state);
    // This company only: the first test's stays in dry-run (its keys are still there, and the sweep after this
    // upgrade's restart must leave them).
    const r = await plugin(['install', '--apply', '--company', co.id, '--state-dir', state]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/upgraded .*: ready/);
    expect(r.stdout).toMatch(/1 company configured/);
    expect(r.stdout).toMatch(/acting \(redact\)/);

    const issue = await seed.createIssue(co.id, { description: 'nothing secret here' });
    acting = { co, state, issue };
    const copies: string[] = [];
    for (const [n, kind] of KINDS.entries()) {
      const p = { before: `note ${n}: use `, secret: key(kind, 10 + n), after: ` for the deploy, line kept ${n}`, kind };
      const m = await commentLatency(call, issue.id, p);
      expect(m.ms, `comment ${n} (${kind}) not redacted within 20 s`).not.toBeNull();
      latencies.push(m.ms!);
      copies.push(`note ${n}: use [REDACTED:${kind}] for the deploy, line kept ${n}`);
    }
    const d = await descriptionLatency(call, issue.id, { before: 'Steps:\n1. export TOKEN=', secret: key('github-pat', 30), after: '\n2. run the deploy\n', kind: 'github-pat' });
    expect(d.ms, 'description not redacted within 20 s').not.toBeNull();
    latencies.push(d.ms!);

    const clean = await seed.addComment(issue.id, 'all good, nothing secret in this one');
    // The guard handled it (its counter moved past every event so far) and left it as it was.
    const before = (await data('stats')).guarded;
    await until(async () => (await data('stats')).guarded > before, { timeoutMs: 10_000 });
    const all = await call('GET', `/issues/${issue.id}/comments?order=asc`);
    const alive = all.filter((x: any) => !x.deletedAt);
    expect(alive.find((x: any) => x.id === clean.id)?.body).toBe('all good, nothing secret in this one');
    // Exactly one redacted copy per comment, and no key left in any comment.
    for (const text of copies) expect(alive.filter((x: any) => String(x.body).includes(text)).length, text).toBe(1);
    // (On a mismatch: who wrote what, with every key masked.)
    const shown = alive.map((x: any) => `${x.authorUserId ?? x.authorAgentId ?? 'plugin'} ${x.createdAt}: ${planted.reduce((t, k) => t.split(k).join('<KEY>'), String(x.body)).slice(0, 160)}`);
    expect(alive.length, shown.join('\n')).toBe(KINDS.length + 1);
    for (const k of planted) expect(JSON.stringify(all)).not.toContain(k);
    // No loop: its copies (posted as the board) and its PATCH come back as events, are guarded, and hold nothing.
    const stats = await data('stats');
    expect(stats.errors).toBe(0);
    expect(stats.acted).toBe(KINDS.length + 1);

    const p50 = percentile(latencies, 50);
    const p95 = percentile(latencies, 95);
    console.log(`[live guard] write -> key gone, ${latencies.length} writes (10 comments, 1 description): p50 ${p50.toFixed(0)} ms, p95 ${p95.toFixed(0)} ms, max ${Math.max(...latencies).toFixed(0)} ms`);

    // The audit log has each action, started before it was made and applied after; no key in any state file.
    const audit = readFileSync(join(state, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(audit.filter((e) => e.outcome === 'applied' && e.action === 'redact').length).toBe(KINDS.length + 1);
    expect(audit.filter((e) => e.outcome === 'started').length).toBe(KINDS.length + 1);
    for (const text of filesUnder(state)) for (const k of planted) expect(text).not.toContain(k);
    // What the plugin wrote to the company's activity log says what it did, by kind and place, never the key
    // (the server's own entries for the original comments keep their 120-character snippet: no API removes it).
    const mine = ((await call('GET', `/companies/${co.id}/activity?limit=500`)) as any[]).filter((e) => e.actorType === 'plugin');
    expect(mine.some((e) => /clipguard live guard: redact applied on comment:/.test(JSON.stringify(e)))).toBe(true);
    for (const k of planted) expect(JSON.stringify(mine)).not.toContain(k);
  });

  it('a scan --apply after the guard acted finds nothing left to do on that company (one action per finding)', async () => {
    expect(acting).not.toBeNull();
    const cwd = tempDir();
    const r = await cliAsync(['scan', '--paperclip', seed.url, '--company', acting!.co.id, '--only', 'security/secret-in-issue', 'security/secret-in-comment', '--apply', '--format', 'json'], { cwd, env: { CLIPGUARD_STATE_DIR: join(cwd, 'state') } });
    const report = JSON.parse(r.stdout);
    expect(report.findings.filter((f: any) => f.ruleId.startsWith('security/secret-in-'))).toEqual([]);
  });

  it('the guard and a scan --apply acting at the same time on the same new comments: one redacted copy each, every original gone', async () => {
    expect(acting).not.toBeNull();
    const issue = await seed.createIssue(acting!.co.id, { description: 'race' });
    const bodies = KINDS.slice(0, 6).map((kind, n) => ({ kind, body: `race ${n}: ${key(kind, 60 + n)} kept` }));
    const posted = await Promise.all(bodies.map((b) => seed.addComment(issue.id, b.body)));
    // A second process, its own state directory (as `watch` has), started while the guard works through them.
    const cwd = tempDir();
    const scan = await cliAsync(['scan', '--paperclip', seed.url, '--company', acting!.co.id, '--only', 'security/secret-in-comment', '--apply', '--format', 'json'], { cwd, env: { CLIPGUARD_STATE_DIR: join(cwd, 'state') } });
    expect([0, 1]).toContain(scan.code);
    const settled = await until(async () => {
      const all = await call('GET', `/issues/${issue.id}/comments?order=asc`);
      return posted.every((c: any) => all.find((x: any) => x.id === c.id)?.deletedAt) ? all : null;
    });
    expect(settled, 'every original deleted').not.toBeNull();
    const alive = settled.filter((x: any) => !x.deletedAt);
    const byScan = (JSON.parse(scan.stdout).findings as any[]).flatMap((f) => f.actions.filter((a: any) => a.type === 'redact').map((a: any) => a.status));
    console.log(`[live guard] race with scan --apply: the scan's redactions ${JSON.stringify(byScan)}`);
    for (const [n, b] of bodies.entries()) expect(alive.filter((x: any) => String(x.body).endsWith(`race ${n}: [REDACTED:${b.kind}] kept`)).length, `copies of comment ${n}`).toBe(1);
    expect(alive.length).toBe(bodies.length);
  });

  it('the check-text tool answers kinds and places, never the value', async () => {
    const tools = (await call('GET', '/plugins/tools')) as any[];
    const tool = tools.find((t) => String(t.name).endsWith('check-text'));
    expect(tool, JSON.stringify(tools).slice(0, 500)).toBeDefined();
    const k = key('anthropic-api-key', 40);
    // A real run context: the server checks that the run, the agent and the project belong to the company.
    const agent = await seed.createAgent(acting!.co.id, { runtimeConfig: { heartbeat: { enabled: false, wakeOnDemand: true } } });
    const project = await call('POST', `/companies/${acting!.co.id}/projects`, { name: 'live guard e2e' });
    const run = await call('POST', `/agents/${agent.id}/wakeup`, { source: 'on_demand', triggerDetail: 'manual', reason: 'e2e: a run for the tool' });
    const runContext = { agentId: agent.id, runId: run.id, companyId: acting!.co.id, projectId: project.id };
    const res = await fetch(`${seed.api}/plugins/tools/execute`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tool: tool.name, parameters: { text: `line one\nmy key ${k} here` }, runContext }) });
    const text = await res.text();
    expect(res.status, text).toBe(200);
    expect(text).not.toContain(k);
    expect(text).not.toContain(k.slice(0, 12));
    const result = JSON.parse(text).result;
    expect(result.data.secrets).toEqual([{ kind: 'anthropic-api-key', description: expect.any(String), line: 2, column: 8, length: k.length }]);
    expect(result.content).toMatch(/1 secret\(s\): .*\(anthropic-api-key\) at line 2, column 8/);
    const clean = await fetch(`${seed.api}/plugins/tools/execute`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tool: tool.name, parameters: { text: 'nothing to see' }, runContext }) });
    expect((await clean.json()).result).toEqual({ content: 'No secret found in this text.', data: { secrets: [] } });
  });

  it('after a server restart the guard comes back and keeps acting', async () => {
    expect(acting).not.toBeNull();
    const port = new URL(seed.url).port;
    const root = serverRoot(port);
    expect(root, `no e2e instance root serves port ${port}`).not.toBeNull();
    const scripts = fileURLToPath(new URL('../../scripts/paperclip/', import.meta.url));
    const env = { ...process.env, PAPERCLIP_E2E_ROOT: root!, PAPERCLIP_PORT: port };
    expect(spawnSync('bash', [join(scripts, 'stop.sh')], { env, encoding: 'utf8' }).status).toBe(0);
    const started = spawnSync('bash', [join(scripts, 'start.sh')], { env, encoding: 'utf8', timeout: 240_000 });
    expect(started.status, started.stderr).toBe(0);
    expect(started.stdout.trim().split('\n').pop()).toBe(seed.url);
    // The test's own pooled connections went with the old server: one request to open a new one.
    await until(async () => (await fetch(`${seed.api}/health`).then((r) => r.ok).catch(() => false)), { timeoutMs: 10_000 });
    // A key written at once, while the server still starts its plugin workers (it marks the plugin ready
    // before): the event reaches no one, and the guard's sweep after its start catches it.
    const during = await commentLatency(call, acting!.issue.id, { before: 'while starting: ', secret: key('github-pat', 51), after: ' (kept)', kind: 'github-pat' }, 60_000);
    expect(during.ms, 'a key written while the worker started was not redacted within 60 s').not.toBeNull();
    const ready = await until(async () => (await pluginRow().catch(() => null))?.status === 'ready', { timeoutMs: 60_000, everyMs: 250 });
    expect(ready).toBe(true);
    const m = await commentLatency(call, acting!.issue.id, { before: 'after the restart: ', secret: key('github-pat', 50), after: ' (kept)', kind: 'github-pat' });
    expect(m.ms, 'not redacted within 20 s of the write after a restart').not.toBeNull();
    const stats = await data('stats');
    expect(stats.starts).toBeGreaterThanOrEqual(2);
    console.log(`[live guard] after a restart: a key written as start.sh returned gone after ${during.ms!.toFixed(0)} ms (swept: ${stats.caughtUp} issue(s)); the next one ${m.ms!.toFixed(0)} ms after its write`);
  });
});

/** The instance root (global-setup's run-<pid>) whose server listens on `port`. */
function serverRoot(port: string): string | null {
  const runs = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'clipguard-e2e');
  for (const name of existsSync(runs) ? readdirSync(runs) : []) {
    const log = join(runs, name, 'logs', 'server.log');
    if (existsSync(log) && existsSync(join(runs, name, 'logs', 'server.pid')) && new RegExp(`Server listener bound on [^\\s:]+:${port}\\b`).test(readFileSync(log, 'utf8'))) return join(runs, name);
  }
  return null;
}
