// What the executor re-reads before a release + re-checkout, and that every decision reaches the audit log: each
// 409 on checkout as its own skip, the planner's skips in apply mode (not in dry-run), and the Paperclip activity
// entry of a half-done release + checkout completed by a later run. A loopback server answers with responses
// recorded from paperclipai@2026.916.1 (fixtures/paperclip-samples/), changed only where a test says so.
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { executeActions } from '../../src/actions/executor.js';
import { Ledger } from '../../src/actions/ledger.js';
import { pendingFindings } from '../../src/actions/pending.js';
import { PaperclipClient } from '../../src/sources/paperclip/client.js';
import type { Finding, FindingAction } from '../../src/types.js';
import { tempDir } from '../helpers/cli.js';
import { sample } from '../helpers/samples.js';

const errorAgent = sample('49-agent-get-error');
const idleAgent = sample('06-agents-list').find((a: any) => a.status === 'idle');
const heldIssue = sample('16-issue-get-after-checkout');
const todoIssues = sample('10-issues-list-all').filter((i: any) => i.status === 'todo');
const conflict = sample('17-issue-checkout-conflict');
const checkedOut = sample('15-issue-checkout');
const released = sample('18-issue-release');

type Handler = (method: string, path: string, body: any) => { status: number; body: unknown } | undefined;
interface Seen {
  method: string;
  path: string;
  body: any;
}

let server: Server | null = null;
let client: PaperclipClient | null = null;
afterEach(async () => {
  await client?.close();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = client = null;
});

async function serve(handler: Handler): Promise<Seen[]> {
  const seen: Seen[] = [];
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const body = raw ? JSON.parse(raw) : undefined;
      seen.push({ method: req.method ?? '', path, body });
      const r = handler(req.method ?? '', path, body) ?? { status: 404, body: { error: 'API route not found' } };
      res.writeHead(r.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(r.body));
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  client = new PaperclipClient({ baseUrl: `http://127.0.0.1:${(server!.address() as { port: number }).port}`, retries: 0 });
  return seen;
}

// The decisions (each action's intent, outcome `started`, written before it, is left out here).
const audit = (state: string) => readFileSync(join(state, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.outcome !== 'started');
const writes = (seen: Seen[]) => seen.filter((s) => s.method !== 'GET').map((s) => `${s.method} ${s.path}`);

function finding(ruleId: string, agentId: string, actions: FindingAction[]): Finding {
  return { ruleId, severity: 'warning', title: 't', message: 'm', subject: { type: 'agent', id: agentId, label: agentId }, location: null, fingerprint: `${ruleId}#${agentId}`, tags: ['ops'], actions };
}

const releaseCheckout = (agentId: string, companyId: string): FindingAction => ({
  type: 'release-checkout',
  status: 'planned',
  target: `issue:${heldIssue.identifier}`,
  detail: '',
  params: { agentId, issueId: heldIssue.id, identifier: heldIssue.identifier, companyId },
});

/** The pending completions a scan of `companyId` shows for the ledger in `state` (the executor makes only those). */
const shownPending = (state: string, companyId: string) => pendingFindings(new Ledger(join(state, 'ledger.json')), [{ type: 'company', id: companyId, label: 'Co', source: 'paperclip', facts: {} }]);
const apply = (findings: Finding[], state: string, activityLog = false) => executeActions(findings, { mode: 'apply', client, stateDir: state, activityLog, now: new Date(), env: {} });

describe('release + re-checkout re-reads that the agent is still in error', () => {
  // The recorded issue in progress, held by whichever agent the test uses.
  const held = (agentId: string) => ({ ...heldIssue, assigneeAgentId: agentId });

  for (const status of ['idle', 'paused']) {
    it(`an agent that is ${status} now (no longer in error) is left alone: skipped, nothing written`, async () => {
      const agent = { ...errorAgent, status };
      const seen = await serve((m, p) => {
        if (m === 'GET' && p === `/api/agents/${agent.id}`) return { status: 200, body: agent };
        if (m === 'GET' && p === `/api/issues/${heldIssue.id}`) return { status: 200, body: held(agent.id) };
        if (m === 'POST' && p.endsWith('/release')) return { status: 200, body: released };
        if (m === 'POST' && p.endsWith('/checkout')) return { status: 200, body: checkedOut };
      });
      const state = tempDir();
      const f = finding('ops/error-agent-holding-issue', agent.id, [releaseCheckout(agent.id, agent.companyId)]);
      await apply([f], state);
      expect(f.actions[0].status).toBe('skipped');
      expect(f.actions[0].detail).toContain(`agent is ${status} now, no longer in error: the world has moved`);
      expect(writes(seen)).toEqual([]);
      expect(audit(state)).toMatchObject([{ action: 'release-checkout', outcome: 'skipped' }]);
    });
  }

  it('an agent still in error gets the SOP: release, then checkout to the same agent', async () => {
    const agent = errorAgent;
    const seen = await serve((m, p) => {
      if (m === 'GET' && p === `/api/agents/${agent.id}`) return { status: 200, body: agent };
      if (m === 'GET' && p === `/api/issues/${heldIssue.id}`) return { status: 200, body: held(agent.id) };
      if (m === 'POST' && p.endsWith('/release')) return { status: 200, body: released };
      if (m === 'POST' && p.endsWith('/checkout')) return { status: 200, body: { ...checkedOut, assigneeAgentId: agent.id } };
    });
    const f = finding('ops/error-agent-holding-issue', agent.id, [releaseCheckout(agent.id, agent.companyId)]);
    await apply([f], tempDir());
    expect(f.actions[0].status, f.actions[0].detail).toBe('applied');
    expect(writes(seen)).toEqual([`POST /api/issues/${heldIssue.id}/release`, `POST /api/issues/${heldIssue.id}/checkout`]);
  });
});

describe('every 409 on checkout is its own skipped audit entry', () => {
  it('two 409s, then the third candidate is taken: two skips naming the issues, one applied checkout', async () => {
    const agent = idleAgent;
    const [first, second, third] = todoIssues.concat(todoIssues.map((i: any, k: number) => ({ ...i, id: `${i.id.slice(0, -1)}${k}`, identifier: `${i.identifier}${k}` }))).slice(0, 3);
    const byId = new Map([first, second, third].map((i) => [i.id, { ...i, assigneeAgentId: null, blockedBy: [] }]));
    const seen = await serve((m, p) => {
      if (m === 'GET' && p === `/api/agents/${agent.id}`) return { status: 200, body: agent };
      if (m === 'GET' && p === `/api/companies/${agent.companyId}/issues`) return { status: 200, body: [] };
      const g = /^\/api\/issues\/([^/]+)$/.exec(p);
      if (m === 'GET' && g && byId.has(g[1])) return { status: 200, body: byId.get(g[1]) };
      const c = /^\/api\/issues\/([^/]+)\/checkout$/.exec(p);
      if (m === 'POST' && c) return c[1] === third.id ? { status: 200, body: { ...checkedOut, id: third.id, assigneeAgentId: agent.id } } : { status: 409, body: conflict };
    });
    const state = tempDir();
    const f = finding('ops/idle-agent-backlog', agent.id, [
      {
        type: 'checkout',
        status: 'planned',
        target: `issue:${first.identifier}`,
        detail: `check out ${first.identifier}`,
        params: { agentId: agent.id, issueId: first.id, identifier: first.identifier, companyId: agent.companyId, fallbacks: [second, third].map((i) => ({ id: i.id, identifier: i.identifier })) },
      },
    ]);
    await apply([f], state);
    // The finding's action: applied, to the issue finally taken.
    expect(f.actions[0]).toMatchObject({ status: 'applied', target: `issue:${third.identifier}` });
    expect(writes(seen).filter((w) => w.endsWith('/checkout'))).toHaveLength(3);
    const log = audit(state);
    expect(log.map((e) => `${e.action}:${e.outcome}:${e.target}`)).toEqual([
      `checkout:skipped:issue:${first.identifier}`,
      `checkout:skipped:issue:${second.identifier}`,
      `checkout:applied:issue:${third.identifier}`,
    ]);
    expect(log[0].detail).toContain(`${first.identifier} (${first.id}): 409 conflict on checkout (Issue checkout conflict)`);
    expect(log[1].detail).toContain(`${second.identifier} (${second.id}): 409`);
    expect(log.every((e) => e.rule === 'ops/idle-agent-backlog' && e.subject === `agent:${agent.id}`)).toBe(true);
  });
});

describe("the planner's skips reach the audit log in apply mode", () => {
  const planned = (): Finding[] => [
    finding('ops/idle-agent-backlog', 'a-late', [{ type: 'checkout', status: 'skipped', target: 'agent:Late', detail: 'every assignable issue went to another idle agent this scan' }]),
    finding('ops/agent-looping', 'a-busy', [{ type: 'reset-session', status: 'skipped', target: 'agent:Busy', detail: "reset Busy's session; skipped: limit of 3 actions per agent (actions.maxPerAgent)" }]),
  ];

  it('apply: each planner skip is an audit entry, outcome skipped, with its reason; nothing is sent', async () => {
    const seen = await serve(() => undefined);
    const state = tempDir();
    const findings = planned();
    await apply(findings, state);
    expect(seen).toEqual([]);
    expect(findings.map((f) => f.actions[0].status)).toEqual(['skipped', 'skipped']);
    expect(audit(state)).toMatchObject([
      // Session resets are acted on first (simulate.ts actingOrder), their skips recorded first too.
      { mode: 'apply', rule: 'ops/agent-looping', subject: 'agent:a-busy', action: 'reset-session', outcome: 'skipped', detail: expect.stringContaining('limit of 3 actions per agent') },
      { mode: 'apply', rule: 'ops/idle-agent-backlog', subject: 'agent:a-late', action: 'checkout', outcome: 'skipped', detail: 'every assignable issue went to another idle agent this scan' },
    ]);
  });

  it('the same skip for the same reason on the next runs (watch) is recorded once; a new reason is recorded again', async () => {
    await serve(() => undefined);
    const state = tempDir();
    await apply(planned(), state);
    await apply(planned(), state);
    await apply(planned(), state);
    expect(audit(state)).toHaveLength(2);
    const changed = planned();
    changed[1].actions[0].detail = "reset Busy's session; skipped: limit of 20 actions per scan (actions.maxPerScan)";
    await apply(changed, state);
    expect(audit(state).map((e) => e.detail)).toEqual([
      expect.stringContaining('limit of 3 actions per agent'),
      'every assignable issue went to another idle agent this scan',
      expect.stringContaining('limit of 20 actions per scan'),
    ]);
  });

  it('dry-run decides but does nothing to the world, so it writes no audit log', async () => {
    const state = tempDir();
    await executeActions(planned(), { mode: 'dry-run', client: null, stateDir: state, activityLog: false, now: new Date(), env: {} });
    expect(existsSync(join(state, 'audit.jsonl'))).toBe(false);
  });
});

describe('a half-done release + checkout completed by a later run', () => {
  it('is recorded in the audit log and posted to the Paperclip activity log, like the one-run path', async () => {
    const agent = errorAgent;
    const issue = { ...released, status: 'todo', assigneeAgentId: null };
    const seen = await serve((m, p) => {
      if (m === 'GET' && p === `/api/issues/${issue.id}`) return { status: 200, body: issue };
      if (m === 'GET' && p === `/api/agents/${agent.id}`) return { status: 200, body: agent };
      if (m === 'POST' && p === `/api/issues/${issue.id}/checkout`) return { status: 200, body: { ...checkedOut, assigneeAgentId: agent.id } };
      if (m === 'POST' && p === `/api/companies/${agent.companyId}/activity`) return { status: 201, body: {} };
    });
    const state = tempDir();
    const params = { agentId: agent.id, issueId: issue.id, identifier: issue.identifier, companyId: agent.companyId };
    const key = ['release-checkout', agent.id, issue.id, ''].join(':');
    // The ledger as doReleaseCheckout leaves it between its two writes.
    writeFileSync(
      join(state, 'ledger.json'),
      JSON.stringify({ version: 1, entries: { [key]: { status: 'partial', at: new Date().toISOString(), resume: { type: 'checkout-after-release', params, rule: 'ops/error-agent-holding-issue', target: `issue:${issue.identifier}`, fingerprint: 'fp-half' } } } }),
    );
    await apply(shownPending(state, agent.companyId), state, true);
    expect(writes(seen)).toEqual([`POST /api/issues/${issue.id}/checkout`, `POST /api/companies/${agent.companyId}/activity`]);
    const posted = seen.find((s) => s.path.endsWith('/activity'))!.body;
    expect(posted).toMatchObject({ actorType: 'system', actorId: 'clipguard', action: 'clipguard.release-checkout', entityType: 'issue', entityId: issue.id, details: { rule: 'ops/error-agent-holding-issue', target: `issue:${issue.identifier}`, outcome: 'applied', fingerprint: 'fp-half' } });
    expect(audit(state)).toMatchObject([{ action: 'release-checkout', outcome: 'applied', detail: 'completed the re-checkout an earlier run left half-done', fingerprint: 'fp-half' }]);
  });

  // The ledger as doReleaseCheckout leaves it between its two writes, for `agent` and the released issue.
  function halfDone(agent: any, issue: any): { state: string; key: string } {
    const state = tempDir();
    const params = { agentId: agent.id, issueId: issue.id, identifier: issue.identifier, companyId: agent.companyId };
    const key = ['release-checkout', agent.id, issue.id, ''].join(':');
    writeFileSync(join(state, 'ledger.json'), JSON.stringify({ version: 1, entries: { [key]: { status: 'partial', at: new Date().toISOString(), resume: { type: 'checkout-after-release', params, rule: 'ops/error-agent-holding-issue', target: `issue:${issue.identifier}` } } } }));
    return { state, key };
  }
  const ledgerStatus = (state: string, key: string) => JSON.parse(readFileSync(join(state, 'ledger.json'), 'utf8')).entries[key]?.status;

  for (const [status, kept] of [['running', true], ['paused', false]] as const) {
    it(`re-reads the agent first: ${status} now, ${kept ? 'nothing is written and the entry waits for a later run' : 'it is skipped, the issue not given back'}`, async () => {
      const agent = { ...errorAgent, status };
      const issue = { ...released, status: 'todo', assigneeAgentId: null };
      const seen = await serve((m, p) => {
        if (m === 'GET' && p === `/api/issues/${issue.id}`) return { status: 200, body: issue };
        if (m === 'GET' && p === `/api/agents/${agent.id}`) return { status: 200, body: agent };
        if (m === 'POST') return { status: 200, body: { ...checkedOut, assigneeAgentId: agent.id } };
      });
      const { state, key } = halfDone(agent, issue);
      await apply(shownPending(state, agent.companyId), state);
      expect(writes(seen)).toEqual([]);
      if (kept) {
        expect(ledgerStatus(state, key)).toBe('partial');
        // The skip is recorded, as the report shows it (review3-pending-unrecorded-skip), and nothing begun.
        expect(audit(state)).toMatchObject([{ action: 'release-checkout', outcome: 'skipped', detail: expect.stringMatching(/running now: kept for a later run/) }]);
      } else {
        // Done with: not tried again, and the rule's own key is free (nothing was done under it).
        expect(ledgerStatus(state, key)).toBeUndefined();
        expect(audit(state)).toMatchObject([{ action: 'release-checkout', outcome: 'skipped', detail: 'agent is paused now: the world has moved' }]);
      }
    });
  }

  it('the kill switch stops it too: no request at all, the entry kept', async () => {
    const agent = errorAgent;
    const issue = { ...released, status: 'todo', assigneeAgentId: null };
    const seen = await serve(() => ({ status: 200, body: {} }));
    const { state, key } = halfDone(agent, issue);
    await executeActions([], { mode: 'apply', client, stateDir: state, activityLog: false, now: new Date(), env: { CLIPGUARD_KILL_SWITCH: '1' } });
    expect(seen).toEqual([]);
    expect(ledgerStatus(state, key)).toBe('partial');
  });
});
