// Review 4, FIXED (pendingFindings takes only the companies the scan read; resumePending makes only what the plan shows; checkThenAct counts this company's entries). Was (78e9859 adds events that check a company: every failed run twice; the cause is older: company-guard.ts
// checkThenAct, scan.ts pendingFindings, executor.ts resumePending). What is wrong: the live guard keeps ONE state directory (one ledger) for
// every company, and a company's check (`runScan --company B`) plans and makes the completions of EVERY half-done
// release + re-checkout in that ledger, whatever company they belong to (the entry carries its companyId; nothing
// filters on it). checkThenAct also goes to the acting run whenever the ledger holds any pending entry. So an event of
// company B (here a status change of one of B's agents; any company event does it) makes the guard
// check out company A's issue to company A's agent, under company B's settings (B says apply, A says dry-run), and
// report it into company B: B's activity log gets an entry naming A's issue, B's kept findings (plugin status, the
// UI) show A's agent and issue.
//
// Why it matters: "dry-run unless the company's config says apply" is broken for A (its operator switched acting
// off; a write is made there anyway, on another company's event); and the guard leaks one company's issues and
// agents into another company's activity log and plugin state: the host scopes the plugin per company for this reason.
// Suggested fix: pendingFindings and resumePending take only the entries of the companies being scanned
// (`resume.params.companyId` in `config.paperclip.companies` when it is set; keep the rest for their own runs), and
// checkThenAct counts only this company's pending entries.
import { createServer, type Server } from 'node:http';
import { createTestHarness } from '@paperclipai/plugin-sdk/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { manifest } from '../../src/plugin/manifest.js';
import { setupGuard } from '../../src/plugin/worker.js';
import { halfDoneState, hoursAgo as ago } from '../helpers/fault-world.js';
import { fakeAgent, fakeCompany, fakeIssue, serveFakePaperclip, type FakePaperclip, type FakeWorld } from '../helpers/paperclip-fake.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

/** One REST API over two recorded companies (what one Paperclip server holding both is): each path goes to the world of its company, issue or agent. */
async function twoCompanies(a: FakeWorld, b: FakeWorld): Promise<{ url: string; pa: FakePaperclip; pb: FakePaperclip }> {
  const pa = await serveFakePaperclip(a);
  const pb = await serveFakePaperclip(b);
  closers.push(() => pa.close(), () => pb.close());
  const owner = (path: string): FakePaperclip => {
    const id = /^\/api\/(?:companies|issues|agents)\/([^/?]+)/.exec(path)?.[1];
    const inB = id === b.company.id || b.issues.some((i) => i.id === id || i.identifier === id) || b.agents.some((x) => x.id === id);
    return inB ? pb : pa;
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = chunks.length ? Buffer.concat(chunks) : undefined;
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'content-length' && k !== 'connection') headers[k] = v;
      fetch(owner(req.url ?? '/').url + (req.url ?? '/'), { method: req.method, headers, body })
        .then(async (r) => {
          res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' });
          res.end(Buffer.from(await r.arrayBuffer()));
        })
        .catch(() => res.destroy());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => new Promise<void>((r) => server.close(() => r())));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, pa, pb };
}

describe('review4: an event of company B and a half-done re-checkout of company A in the guard\'s one ledger', () => {
  it('B\'s check leaves A alone (failed: it checks A\'s issue out under B\'s "apply" and reports it to B)', async () => {
    const coA = fakeCompany({ name: 'Alpha', issuePrefix: 'ALP' });
    const agentA = fakeAgent(coA.id, 1, { status: 'error', errorReason: 'adapter_failed', createdAt: ago(100), updatedAt: ago(1) });
    const issueA = fakeIssue(coA, 1, { title: 'Alpha secret project', status: 'todo', assigneeAgentId: null, createdAt: ago(10), updatedAt: ago(0.5) });
    const coB = fakeCompany({ name: 'Beta', issuePrefix: 'BET' });
    const agentB = fakeAgent(coB.id, 1, { status: 'idle', createdAt: ago(100), updatedAt: ago(1) });
    const issueB = fakeIssue(coB, 1, { status: 'in_progress', assigneeAgentId: agentB.id, createdAt: ago(10), updatedAt: ago(0.1) });
    const a: FakeWorld = { company: coA, agents: [agentA], issues: [issueA], comments: {}, activity: [] };
    const b: FakeWorld = { company: coB, agents: [agentB], issues: [issueB], comments: {}, activity: [] };
    const { url, pa } = await twoCompanies(a, b);
    // The guard's state directory (shared by its companies) holds a release + re-checkout of A's that an earlier acting run left half-done.
    const { state } = halfDoneState(agentA, issueA, coA.id);
    const h = createTestHarness({ manifest: manifest as never, config: {} });
    h.seed({ companies: [{ id: coA.id, name: 'Alpha', issuePrefix: 'ALP' } as never, { id: coB.id, name: 'Beta', issuePrefix: 'BET' } as never] });
    // Per company, as the host keeps it: A's operator has switched acting off since; B acts.
    h.ctx.config.get = (async (companyId?: string) => ({ paperclipUrl: url, stateDir: state, apply: companyId === coB.id })) as never;
    setupGuard(h.ctx);
    // One of B's agents changes status (agent.updated, as the server publishes it).
    await h.emit('agent.updated' as never, { changedTopLevelKeys: ['status'] }, { companyId: coB.id, entityType: 'agent', entityId: agentB.id });
    const bState = JSON.stringify(h.getState({ scopeKind: 'company', scopeId: coB.id, stateKey: 'ops' }) ?? {});
    const bActivity = (h.activity as { companyId?: string; message?: string }[]).filter((e) => e.companyId === coB.id).map((e) => e.message ?? '');
    // Fails here: { writesToA: ['POST /api/issues/<A's issue>/checkout'], aInBsState: true, aInBsActivity: true }.
    expect({
      writesToA: pa.writes,
      aInBsState: bState.includes(issueA.identifier) || bState.includes(agentA.id),
      aInBsActivity: bActivity.some((m) => m.includes(issueA.identifier)),
    }).toEqual({ writesToA: [], aInBsState: false, aInBsActivity: false });
  }, 60_000);
});
