// Faults between clipguard and a REAL Paperclip: a fault-injecting proxy on loopback (test/helpers/fault-proxy.ts)
// sits in front of the e2e server and answers 5xx, resets connections, stalls, mangles JSON or answers 429.
// The scan must finish with a finding (not a stack trace), `watch` must go on to its next cycle, an
// interrupted `scan --apply` must be completed by the next run without doing anything twice, and 409 storms
// must be outcomes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/cli.js';
import { cliAsync, startCli } from '../helpers/cli-async.js';
import { FaultProxy, startProxy, type Fault } from '../helpers/fault-proxy.js';
import { e2eUrl, Seed, unique, waitFor } from './seed.js';
import { writeTrustedConfig } from '../helpers/trust.js';

const seed = new Seed();
let proxy: FaultProxy;

beforeAll(async () => {
  proxy = await startProxy(e2eUrl());
});
afterAll(async () => {
  await proxy?.stop();
});

/** A working directory with a config that keeps fault runs short (1.5 s per attempt, one retry). */
function workDir(extra: Record<string, unknown> = {}): string {
  const dir = tempDir();
  const { paperclip, ...rest } = extra as { paperclip?: Record<string, unknown> };
  writeTrustedConfig(join(dir, 'clipguard.config.json'), JSON.stringify({ paperclip: { timeoutMs: 1500, retries: 1, ...(paperclip ?? {}) }, repos: [], ...rest }, null, 2));
  return dir;
}

async function scan(args: string[], opts: { cwd?: string; state?: string } = {}) {
  const cwd = opts.cwd ?? workDir();
  const r = await cliAsync(['scan', '--paperclip', proxy.url, '--format', 'json', ...args], { cwd, env: { CLIPGUARD_STATE_DIR: opts.state ?? join(cwd, '.clipguard') } });
  let report: any = null;
  try {
    report = JSON.parse(r.stdout);
  } catch {
    // asserted by the caller
  }
  return { ...r, report };
}

const NO_STACK = /^\s+at .+:\d+:\d+\)?$/m;
const ids = (report: any) => report.findings.map((f: any) => f.ruleId);

describe('the server misbehaves: the scan finishes, reports it, exits 1', () => {
  let company: any;
  beforeAll(async () => {
    company = await seed.createCompany({ name: unique('Faults') });
    await seed.createAgent(company.id, { name: 'Idle' });
    await seed.createIssue(company.id, { title: 'Waiting work' });
  });

  const everything = (f: Fault) => () => f;
  const cases: [string, () => Fault, RegExp, string][] = [
    ['500 on every request', everything({ kind: 'status', status: 500 }), /HTTP 500/, 'source/paperclip-unavailable'],
    ['502 on every request', everything({ kind: 'status', status: 502, body: '<html>bad gateway</html>', headers: { 'content-type': 'text/html' } }), /HTTP 502/, 'source/paperclip-unavailable'],
    ['503 on every request', everything({ kind: 'status', status: 503, body: '{"status":"unhealthy","error":"db down"}' }), /HTTP 503/, 'source/paperclip-unavailable'],
    ['connection resets', everything({ kind: 'reset' }), /connection reset|socket/i, 'source/paperclip-unavailable'],
    ['a stall past the client timeout', everything({ kind: 'stall' }), /timeout/, 'source/paperclip-unavailable'],
    ['truncated JSON', everything({ kind: 'truncate' }), /invalid JSON/, 'source/paperclip-unavailable'],
    ['malformed JSON (an HTML error page with 200)', everything({ kind: 'malformed' }), /invalid JSON/, 'source/paperclip-unavailable'],
    ['429 with Retry-After, every time', everything({ kind: 'status', status: 429, headers: { 'retry-after': '1' } }), /HTTP 429.*after 2 attempts/, 'source/paperclip-unavailable'],
  ];
  for (const [name, decide, detail, rule] of cases) {
    it(name, async () => {
      proxy.reset(decide);
      const r = await scan(['--company', company.issuePrefix]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).not.toMatch(NO_STACK);
      expect(r.stderr).not.toMatch(/unexpected error/);
      expect(ids(r.report)).toContain(rule);
      const f = r.report.findings.find((x: any) => x.ruleId === rule);
      expect(f.message).toMatch(detail);
      expect(r.report.sources.find((s: any) => s.name === 'paperclip').status).toBe('unavailable');
      expect(proxy.log.length).toBeGreaterThan(0);
    });
  }

  it('429 with Retry-After once: waits, retries and reads the server', async () => {
    let first = true;
    proxy.reset(() => {
      if (!first) return { kind: 'pass' };
      first = false;
      return { kind: 'status', status: 429, headers: { 'retry-after': '1' } };
    });
    const r = await scan(['--company', company.issuePrefix, '--only', 'ops/idle-agent-backlog', 'source']);
    expect(r.report.sources.find((s: any) => s.name === 'paperclip').status).toBe('ok');
    expect(ids(r.report)).toContain('ops/idle-agent-backlog');
    expect(proxy.seen().slice(0, 2)).toEqual(['GET /api/health', 'GET /api/health']);
  });

  // A fault on one list only: the rest of the company is read, and the lost part is a finding, not silence.
  const partial: [string, Fault][] = [
    ['truncated JSON', { kind: 'truncate' }],
    ['malformed JSON', { kind: 'malformed' }],
    ['a 500', { kind: 'status', status: 500 }],
    ['a reset', { kind: 'reset' }],
  ];
  for (const [name, fault] of partial) {
    it(`${name} on the agents list only is reported (source/paperclip-schema), exit 1`, async () => {
      proxy.reset(({ path }) => (/\/api\/companies\/[^/]+\/agents(\?|$)/.test(path) ? fault : { kind: 'pass' }));
      const r = await scan(['--company', company.issuePrefix]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).not.toMatch(NO_STACK);
      expect(ids(r.report)).toContain('source/paperclip-schema');
      const f = r.report.findings.find((x: any) => x.ruleId === 'source/paperclip-schema');
      expect(f.message).toMatch(/agents/);
      expect(f.severity).toBe('error');
    });
  }
});

describe('watch goes on to the next cycle', () => {
  it('each kind of failing cycle is logged, the next cycle reads the healed server', async () => {
    const company = await seed.createCompany({ name: unique('Watch') });
    await seed.createAgent(company.id, { name: 'Idle' });
    await seed.createIssue(company.id, { title: 'Waiting work' });
    // Cycle n (it starts with a health check) meets fault n on every request (one kind per cycle, every kind the
    // scan tests above meet), then the server heals.
    const faults: Fault[] = [
      { kind: 'status', status: 503, body: '{"status":"unhealthy"}' },
      { kind: 'status', status: 500 },
      { kind: 'reset' },
      { kind: 'stall' },
      { kind: 'truncate' },
      { kind: 'malformed' },
      { kind: 'status', status: 429, headers: { 'retry-after': '1' } },
    ];
    let health = 0;
    proxy.reset(({ path }) => {
      if (path.startsWith('/api/health')) health++;
      return faults[health - 1] ?? { kind: 'pass' };
    });
    const cwd = workDir({
      paperclip: { url: proxy.url, companies: [company.issuePrefix], retries: 0 },
      // A 2 s period for a fast test; the deadline is longer than it (watch warns, noOverlap still holds) so a slow
      // machine's cycle is not cut short: this test is about failing cycles, not deadlines.
      schedule: { jobs: [{ name: 'scan', type: 'scan', cron: '*/2 * * * * *', only: ['source', 'ops/idle-agent-backlog'], deadlineMs: 20_000 }] },
    });
    const w = startCli(['watch', '--log-format', 'json', '--jitter', '0'], { cwd, env: { CLIPGUARD_STATE_DIR: join(cwd, '.clipguard') } });
    try {
      const lines = () =>
        w
          .stdout()
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l))
          .filter((l) => l.event === 'ok' || l.event === 'failed');
      // At least two unavailable cycles, then one that read the server.
      await waitFor(() => lines().some((l) => l.note === undefined && l.findings > 0), { timeoutMs: 90_000, what: 'a cycle after the server healed' });
      const runs = lines();
      const down = runs.filter((l) => /unavailable: paperclip/.test(l.note ?? ''));
      expect(down.length).toBe(faults.length);
      expect(runs.filter((l) => l.event === 'failed')).toEqual([]);
      const healed = runs.find((l) => l.note === undefined);
      expect(healed.severities).toMatch(/warning/);
    } finally {
      w.child.kill('SIGTERM');
    }
    const r = await w.done;
    expect(r.stderr).not.toMatch(NO_STACK);
    expect(r.stdout).toContain('"event":"stopped"');
  });
});

const audit = (state: string) =>
  readFileSync(join(state, 'audit.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((e) => e.outcome !== 'started'); // each action's intent, written before it, is left out

/** The server's own record: how often each issue was checked out (activity `issue.checked_out`). */
async function checkoutsPerIssue(companyId: string): Promise<Map<string, number>> {
  const acts = await seed.req('GET', `/companies/${companyId}/activity?limit=500&entityType=issue`);
  const n = new Map<string, number>();
  for (const a of acts) if (a.action === 'issue.checked_out') n.set(a.entityId, (n.get(a.entityId) ?? 0) + 1);
  return n;
}

describe('the server dies in the middle of scan --apply', () => {
  it('dispatch: the next run completes the plan, nothing is done twice (server activity + audit log)', async () => {
    const company = await seed.createCompany({ name: unique('Dies') });
    const agents: any[] = [];
    for (let i = 0; i < 4; i++) agents.push(await seed.createAgent(company.id, { name: `Worker${i}` }));
    await seed.createIssues(company.id, 6, (k) => ({ title: `Job ${k}`, priority: 'medium' }));
    const state = tempDir();
    const cwd = workDir();
    // The 2nd checkout reaches the server (it is applied) but its answer is lost; from then on the server is gone.
    let checkouts = 0;
    let dead = false;
    proxy.reset(({ method, path }) => {
      if (dead) return { kind: 'reset' };
      if (method === 'POST' && /\/checkout$/.test(path) && ++checkouts === 2) {
        dead = true;
        return { kind: 'reset-after-forward' };
      }
      return { kind: 'pass' };
    });
    const first = await scan(['--company', company.issuePrefix, '--only', 'ops/idle-agent-backlog', '--apply'], { cwd, state });
    expect(first.stderr).not.toMatch(NO_STACK);
    const firstActions = first.report.findings.flatMap((f: any) => f.actions);
    expect(firstActions.filter((a: any) => a.status === 'applied')).toHaveLength(1);
    expect(firstActions.filter((a: any) => a.status === 'failed').length).toBeGreaterThanOrEqual(1);

    // The server is back.
    proxy.reset();
    const second = await scan(['--company', company.issuePrefix, '--only', 'ops/idle-agent-backlog', '--apply'], { cwd, state });
    expect(second.code, second.stderr).not.toBe(2);
    const third = await scan(['--company', company.issuePrefix, '--only', 'ops/idle-agent-backlog', '--apply'], { cwd, state });
    expect(third.report.findings.flatMap((f: any) => f.actions).filter((a: any) => a.status === 'applied')).toEqual([]);

    // The real server: every agent holds exactly one issue, and no issue was ever checked out twice.
    const issues = await seed.req('GET', `/companies/${company.id}/issues`);
    const held = issues.filter((i: any) => i.status === 'in_progress');
    expect(held).toHaveLength(4);
    expect(new Set(held.map((i: any) => i.assigneeAgentId))).toEqual(new Set(agents.map((a) => a.id)));
    const perIssue = await checkoutsPerIssue(company.id);
    expect([...perIssue.values()].every((n) => n === 1), JSON.stringify([...perIssue])).toBe(true);
    expect(perIssue.size).toBe(4);
    // The audit log: three checkouts recorded applied across the runs (the lost answer was recorded failed,
    // and the next run found that agent already holding the issue), one per agent.
    const log = audit(state);
    const applied = log.filter((e) => e.action === 'checkout' && e.outcome === 'applied');
    expect(applied).toHaveLength(3);
    expect(new Set(applied.map((e) => e.subject)).size).toBe(3);
    // The agent whose checkout answer was lost is not asked to take a second issue.
    const lost = firstActions.find((a: any) => a.status === 'failed' && /checkout: connection reset/.test(a.detail));
    expect(lost).toBeDefined();
    expect(applied.map((e) => e.subject)).not.toContain(`agent:${lost.params.agentId}`);
    expect(held.filter((i: any) => i.assigneeAgentId === lost.params.agentId)).toHaveLength(1);
  });

  it('release + re-checkout cut between its two writes is completed by the next run, once', async () => {
    const company = await seed.createCompany({ name: unique('Half') });
    const carol = await seed.createErrorAgent(company.id, { name: 'Carol' });
    await seed.req('PATCH', `/agents/${carol.id}`, { runtimeConfig: { heartbeat: { enabled: false, wakeOnDemand: false } } });
    const issue = await seed.createIssue(company.id, { title: 'Held by a broken agent' });
    await seed.req('POST', `/issues/${issue.id}/checkout`, { agentId: carol.id, expectedStatuses: ['backlog', 'todo'] });
    const state = tempDir();
    const cwd = workDir();
    // The release goes through; the server dies before the checkout that should follow it.
    let released = false;
    proxy.reset(({ method, path }) => {
      if (released) return { kind: 'reset' };
      if (method === 'POST' && path.endsWith(`/issues/${issue.id}/release`)) {
        released = true;
        return { kind: 'pass' };
      }
      return { kind: 'pass' };
    });
    const first = await scan(['--company', company.issuePrefix, '--only', 'ops/error-agent-holding-issue', '--apply'], { cwd, state });
    expect(first.stderr).not.toMatch(NO_STACK);
    expect(first.report.findings.flatMap((f: any) => f.actions).map((a: any) => a.status)).toEqual(['failed']);
    expect((await seed.getIssue(issue.id)).status).toBe('todo'); // released, not re-checked-out: half done
    const ledger = JSON.parse(readFileSync(join(state, 'ledger.json'), 'utf8'));
    expect(Object.values(ledger.entries).map((e: any) => e.status)).toEqual(['partial']);

    proxy.reset();
    await scan(['--company', company.issuePrefix, '--only', 'ops/error-agent-holding-issue', '--apply'], { cwd, state });
    await scan(['--company', company.issuePrefix, '--only', 'ops/error-agent-holding-issue', '--apply'], { cwd, state });
    const after = await seed.getIssue(issue.id);
    expect(after.status).toBe('in_progress');
    expect(after.assigneeAgentId).toBe(carol.id);
    // Server: one checkout by the seed, one by clipguard's completion; one release.
    const acts = await seed.req('GET', `/companies/${company.id}/activity?limit=500&entityType=issue&entityId=${issue.id}`);
    expect(acts.filter((a: any) => a.action === 'issue.checked_out')).toHaveLength(2);
    expect(acts.filter((a: any) => a.action === 'issue.released')).toHaveLength(1);
    // The completion is in the company's activity log for the board, once, like a release + checkout done in one run.
    const mine = acts.filter((a: any) => a.action === 'clipguard.release-checkout');
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ actorType: 'system', actorId: 'clipguard', entityType: 'issue', entityId: issue.id, details: { rule: 'ops/error-agent-holding-issue', outcome: 'applied' } });
    const log = audit(state);
    expect(log.filter((e) => e.outcome === 'applied').map((e) => e.detail)).toEqual(['completed the re-checkout an earlier run left half-done']);
  });
});

describe('the world moves between the scan and the action', () => {
  it('an error agent that recovered before its release + re-checkout is left alone (skipped, issue untouched)', async () => {
    const company = await seed.createCompany({ name: unique('Moved') });
    const carol = await seed.createErrorAgent(company.id, { name: 'Carol' });
    await seed.req('PATCH', `/agents/${carol.id}`, { runtimeConfig: { heartbeat: { enabled: false, wakeOnDemand: false } } });
    const issue = await seed.createIssue(company.id, { title: 'Held by an agent about to recover' });
    await seed.req('POST', `/issues/${issue.id}/checkout`, { agentId: carol.id, expectedStatuses: ['backlog', 'todo'] });
    const state = tempDir();
    // The scan reads the agent list (Carol in error); just before the executor re-reads Carol, the board clears
    // her error on the real server (error -> idle).
    let cleared = false;
    proxy.reset(({ method, path }) => {
      if (cleared || method !== 'GET' || path !== `/api/agents/${carol.id}`) return { kind: 'pass' };
      cleared = true;
      return { kind: 'race', before: () => seed.req('POST', `/agents/${carol.id}/clear-error`).then(() => undefined) };
    });
    const r = await scan(['--company', company.issuePrefix, '--only', 'ops/error-agent-holding-issue', '--apply'], { state });
    expect(r.stderr).not.toMatch(NO_STACK);
    expect(cleared).toBe(true);
    const actions = r.report.findings.flatMap((f: any) => f.actions);
    expect(actions.map((a: any) => a.status)).toEqual(['skipped']);
    expect(actions[0].detail).toMatch(/agent is idle now, no longer in error: the world has moved/);
    // The real server: still Carol's, in progress, never released.
    const after = await seed.getIssue(issue.id);
    expect(after).toMatchObject({ status: 'in_progress', assigneeAgentId: carol.id });
    const acts = await seed.req('GET', `/companies/${company.id}/activity?limit=500&entityType=issue&entityId=${issue.id}`);
    expect(acts.filter((a: any) => a.action === 'issue.released')).toHaveLength(0);
    expect(proxy.log.filter((e) => e.method === 'POST' && e.path.startsWith('/api/issues/'))).toEqual([]);
    expect(audit(state)).toMatchObject([{ action: 'release-checkout', outcome: 'skipped' }]);
  });
});

describe('409 storm: another controller takes the issues clipguard is about to check out', () => {
  it('every 409 is an outcome, each agent gets its next issue, no issue is checked out twice', async () => {
    const company = await seed.createCompany({ name: unique('Storm') });
    const agents: any[] = [];
    for (let i = 0; i < 3; i++) agents.push(await seed.createAgent(company.id, { name: `Mine${i}` }));
    // The rival controller's agents (role ceo: clipguard's dispatch rule leaves them out).
    const rivals: any[] = [];
    for (let i = 0; i < 6; i++) rivals.push(await seed.createAgent(company.id, { name: `Rival${i}`, role: 'ceo' }));
    await seed.createIssues(company.id, 10, (k) => ({ title: `Storm ${k}`, priority: k < 3 ? 'high' : 'medium' }));
    const state = tempDir();
    // The first two checkouts clipguard sends for each agent lose a real race: just before the request
    // reaches the server, a rival checks the same issue out.
    const attempts = new Map<string, number>();
    let rival = 0;
    const raced: string[] = [];
    proxy.reset(({ method, path, body }) => {
      const m = /^\/api\/issues\/([^/]+)\/checkout$/.exec(path);
      if (method !== 'POST' || !m) return { kind: 'pass' };
      const agentId = JSON.parse(body).agentId;
      const n = (attempts.get(agentId) ?? 0) + 1;
      attempts.set(agentId, n);
      if (n > 2) return { kind: 'pass' };
      return {
        kind: 'race',
        before: async () => {
          raced.push(m[1]);
          await seed.req('POST', `/issues/${m[1]}/checkout`, { agentId: rivals[rival++ % rivals.length].id, expectedStatuses: ['backlog', 'todo'] });
        },
      };
    });
    // Each raced checkout waits for the rival's own checkout on the real server first: the short per-attempt
    // timeout of the fault runs (1.5 s) is about stalls, not this, and a loaded machine can exceed it here.
    const r = await scan(['--company', company.issuePrefix, '--only', 'ops/idle-agent-backlog', '--apply'], { state, cwd: workDir({ paperclip: { timeoutMs: 30_000 } }) });
    expect(r.stderr).not.toMatch(NO_STACK);
    const conflicts = proxy.log.filter((e) => e.fault === 'race');
    expect(conflicts.map((e) => e.status)).toEqual(conflicts.map(() => 409));
    expect(conflicts.length).toBe(6);

    // Every 409 is in the audit log as its own skip, naming the issue, and the agent went on to its next issue.
    const log = audit(state).filter((e) => e.action === 'checkout');
    expect(log.filter((e) => e.outcome === 'failed')).toEqual([]);
    const skips = log.filter((e) => e.outcome === 'skipped' && /409 conflict on checkout/.test(e.detail));
    expect(skips).toHaveLength(conflicts.length);
    const skippedIds = skips.map((e) => /\(([0-9a-f-]{36})\): 409/.exec(e.detail)?.[1]);
    expect([...skippedIds].sort()).toEqual([...raced].sort());
    // Two per agent (the proxy raced each agent's first two checkouts), under that agent's subject.
    for (const a of agents) expect(skips.filter((e) => e.subject === `agent:${a.id}`)).toHaveLength(2);
    // The finding's action is the one applied to the issue finally taken; its detail still lists the 409s.
    const applied = log.filter((e) => e.outcome === 'applied');
    expect(applied).toHaveLength(3);
    expect(applied.map((e) => (e.detail.match(/409 conflict/g) ?? []).length).reduce((a, b) => a + b, 0)).toBe(conflicts.length);

    // The server: each of clipguard's agents holds one issue, none of the raced ones; no issue checked out twice.
    const issues = await seed.req('GET', `/companies/${company.id}/issues`);
    const mine = issues.filter((i: any) => i.status === 'in_progress' && agents.some((a) => a.id === i.assigneeAgentId));
    expect(mine).toHaveLength(3);
    expect(new Set(mine.map((i: any) => i.assigneeAgentId)).size).toBe(3);
    for (const i of mine) expect(raced).not.toContain(i.id);
    const perIssue = await checkoutsPerIssue(company.id);
    expect([...perIssue.values()].every((n) => n === 1), JSON.stringify([...perIssue])).toBe(true);
  });
});
