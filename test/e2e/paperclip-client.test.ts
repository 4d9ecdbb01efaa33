// PaperclipClient and readPaperclip against the REAL Paperclip server started by global-setup.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { PaperclipClient, PaperclipError, type RequestEvent, type WriteResult } from '../../src/sources/paperclip/client.js';
import { readPaperclip } from '../../src/sources/paperclip/read.js';
import { validateAgent, validateBudgetsOverview, validateComment, validateCompany, validateIssue, validateRun, type SchemaProblem } from '../../src/sources/paperclip/validate.js';
import { Seed, e2eUrl, waitFor } from './seed.js';

const STATUSES = ['backlog', 'todo', 'in_review', 'done', 'cancelled'];
const PRIORITIES = ['critical', 'high', 'medium', 'low'];
const N = 520; // > one page of 500

const url = e2eUrl();
const seed = new Seed(url);
const clients: PaperclipClient[] = [];
function client(opts: Partial<ConstructorParameters<typeof PaperclipClient>[0]> = {}) {
  const c = new PaperclipClient({ baseUrl: url, retryBaseMs: 50, ...opts });
  clients.push(c);
  return c;
}

let company: any;
let alice: any;
let bob: any;
let seeded: any[];

beforeAll(async () => {
  company = await seed.createCompany();
  alice = await seed.createAgent(company.id, { name: 'Alice', role: 'engineer' });
  bob = await seed.createAgent(company.id, { name: 'Bob', role: 'qa' });
  const t = Date.now();
  seeded = await seed.createIssues(company.id, N, (k) => ({ title: `Paged issue ${k}`, status: STATUSES[k % STATUSES.length], priority: PRIORITIES[k % PRIORITIES.length] }), 12);
  console.log(`[e2e] seeded ${N} issues in ${Date.now() - t} ms`);
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
});

describe('PaperclipClient on a real server', () => {
  it('reads every page of a company with more than 500 issues (limit/offset, stop at the short page)', async () => {
    const c = client();
    const events: RequestEvent[] = [];
    const c2 = client({ onRequest: (e) => events.push(e) });
    const t = Date.now();
    const all = (await c2.listIssues(company.id)) as any[];
    const ms = Date.now() - t;
    const ids = new Set(all.map((i) => i.id));
    expect(ids.size).toBe(all.length);
    for (const s of seeded) expect(ids.has(s.id)).toBe(true);
    expect(all.length).toBe(N);
    // 520 issues at 500 a page: one full page, one short page, nothing more.
    expect(c2.requestCount).toBe(2);
    expect(events.map((e) => e.path)).toEqual([
      expect.stringMatching(/limit=500&offset=0$/),
      expect.stringMatching(/limit=500&offset=500$/),
    ]);
    console.log(`[e2e] listIssues: ${all.length} issues, ${c2.requestCount} requests, ${ms} ms`);

    // Smaller pages give the same set.
    const t2 = Date.now();
    const small = (await c.listIssues(company.id, { pageSize: 100 })) as any[];
    console.log(`[e2e] listIssues pageSize=100: ${small.length} issues, ${c.requestCount} requests, ${Date.now() - t2} ms`);
    expect(new Set(small.map((i) => i.id))).toEqual(ids);
    expect(c.requestCount).toBe(6);
  });

  it('filters by status (one or several) and by updatedSince on the server', async () => {
    const c = client();
    const todo = (await c.listIssues(company.id, { status: 'todo' })) as any[];
    expect(todo.length).toBe(seeded.filter((i) => i.status === 'todo').length);
    expect(todo.every((i) => i.status === 'todo')).toBe(true);
    const two = (await c.listIssues(company.id, { status: ['todo', 'backlog'] })) as any[];
    expect(two.length).toBe(seeded.filter((i) => i.status === 'todo' || i.status === 'backlog').length);

    const since = new Date();
    await new Promise((r) => setTimeout(r, 20));
    const target = seeded[7];
    const p = (await c.patchIssue(target.id, { priority: 'critical', title: `${target.title} (touched)` })) as WriteResult<any>;
    expect(p.status).toBe(200);
    const changed = (await c.listIssues(company.id, { updatedSince: since })) as any[];
    expect(changed.map((i) => i.id)).toEqual([target.id]);
  });

  it('reads shapes the validator accepts (agents, issues, comments, company, budgets, runs)', async () => {
    const c = client();
    const problems: SchemaProblem[] = [];
    problems.push(...validateCompany(await c.getCompany(company.id)));
    for (const a of await c.listAgents(company.id)) problems.push(...validateAgent(a));
    problems.push(...validateAgent(await c.getAgent(alice.id)));
    for (const i of (await c.listIssues(company.id)).slice(0, 50)) problems.push(...validateIssue(i));
    problems.push(...validateIssue(await c.getIssue(seeded[0].id)));
    const cm = (await seed.addComment(seeded[1].id, 'shape check'));
    for (const x of await c.listComments(seeded[1].id)) problems.push(...validateComment(x));
    expect(cm.id).toBeTruthy();
    await seed.setAgentBudget(alice.id, 10_000);
    expect(validateBudgetsOverview(await c.budgetsOverview(company.id), company.id, problems)).not.toBeNull();
    for (const r of await c.listHeartbeatRuns(company.id, { limit: 10 })) problems.push(...validateRun(r));
    expect(problems).toEqual([]);
  });

  it('rejects a query string on the agents list, so the client never sends one', async () => {
    const r = await seed.call('GET', `/companies/${company.id}/agents?limit=1`);
    expect(r.status).toBe(400);
    const c = client();
    const events: RequestEvent[] = [];
    const c2 = client({ onRequest: (e) => events.push(e) });
    expect((await c2.listAgents(company.id)).length).toBeGreaterThanOrEqual(2);
    expect(events[0].path).toBe(`/api/companies/${company.id}/agents`);
    await c.close();
  });

  it('checkout: 200 for the first agent, 409 (not retried) for a second, then release puts it back', async () => {
    const c = client();
    const issue = await seed.createIssue(company.id, { title: 'Checkout me', status: 'todo' });
    const first = (await c.checkout(issue.id, alice.id, ['todo', 'backlog'])) as WriteResult<any>;
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ id: issue.id, status: 'in_progress', assigneeAgentId: alice.id, checkoutRunId: null });

    const before = c.requestCount;
    const second = (await c.checkout(issue.id, bob.id, ['todo', 'backlog', 'in_progress'])) as WriteResult<any>;
    expect(second.status).toBe(409);
    expect(second.body.error).toBe('Issue checkout conflict');
    expect(second.body.details).toMatchObject({ issueId: issue.id, assigneeAgentId: alice.id });
    expect(c.requestCount - before).toBe(1);

    const rel = (await c.release(issue.id)) as WriteResult<any>;
    expect(rel.status).toBe(200);
    expect(rel.body).toMatchObject({ status: 'todo', assigneeAgentId: null, checkoutRunId: null, executionRunId: null });
    const after = await c.getIssue(issue.id);
    expect(after).toMatchObject({ status: 'todo', assigneeAgentId: null });
    const activity = (await c.listActivity(company.id, { limit: 50, entityType: 'issue' })) as any[];
    expect(activity.some((a) => a.action === 'issue.released' && a.entityId === issue.id)).toBe(true);
    expect(activity.some((a) => a.action === 'issue.checked_out' && a.entityId === issue.id)).toBe(true);

    // Bob can take it now.
    expect((await c.checkout(issue.id, bob.id, ['todo'])).status).toBe(200);
    expect((await c.release(issue.id)).status).toBe(200);
  });

  it('reads that fail are typed errors: 404 is an http error and is not retried', async () => {
    const c = client();
    const err = await c.getIssue('00000000-0000-4000-8000-000000000000').catch((e) => e);
    expect(err).toBeInstanceOf(PaperclipError);
    expect(err).toMatchObject({ code: 'http', status: 404, method: 'GET', path: '/api/issues/00000000-0000-4000-8000-000000000000' });
    expect(err.message).toContain('Issue not found');
    expect(c.requestCount).toBe(1);
  });

  it('comments: every page in order, and a deleted comment comes back with deletedAt and an empty body', async () => {
    const c = client();
    const issue = await seed.createIssue(company.id, { title: 'Comment thread', status: 'backlog' });
    const made: any[] = [];
    for (let k = 0; k < 5; k++) {
      const r = (await c.addComment(issue.id, `comment ${k}`)) as WriteResult<any>;
      expect(r.status).toBe(201);
      made.push(r.body);
    }
    const all = (await c.listComments(issue.id)) as any[];
    expect(all.map((x) => x.id)).toEqual(made.map((x) => x.id));
    expect(all.map((x) => x.body)).toEqual(['comment 0', 'comment 1', 'comment 2', 'comment 3', 'comment 4']);

    // Server quirk (2026.916.1): `after=<id>` compares at millisecond precision, so the page after X starts
    // with X again.
    const raw = await seed.call('GET', `/issues/${issue.id}/comments?order=asc&limit=2&after=${made[1].id}`);
    expect(raw.body.map((x: any) => x.id)).toEqual([made[1].id, made[2].id]);

    // Keyset paging still returns each comment once: pages of 3 are [0,1,2] [2,3,4] [4] -> 3 requests.
    let before = c.requestCount;
    const paged = (await c.listComments(issue.id, { pageSize: 3 })) as any[];
    expect(paged.map((x) => x.id)).toEqual(made.map((x) => x.id));
    expect(c.requestCount - before).toBe(3);
    // Pages of 1 make no progress ([0] then [0] again): one unpaged request finishes the job.
    before = c.requestCount;
    const one = (await c.listComments(issue.id, { pageSize: 1 })) as any[];
    expect(one.map((x) => x.id)).toEqual(made.map((x) => x.id));
    expect(c.requestCount - before).toBe(3);

    const del = (await c.deleteComment(issue.id, made[1].id)) as WriteResult<any>;
    expect(del.status).toBe(200);
    const again = (await c.listComments(issue.id)) as any[];
    expect(again).toHaveLength(5);
    const gone = again.find((x) => x.id === made[1].id);
    expect(gone.deletedAt).toEqual(expect.any(String));
    expect(gone.body).toBe('');
    expect(validateComment(gone)).toEqual([]);
  });

  it('counts every request and reports each attempt to onRequest', async () => {
    const events: RequestEvent[] = [];
    const c = client({ onRequest: (e) => events.push(e) });
    await c.health();
    await c.listCompanies();
    await c.dashboard(company.id);
    await c.getIssue('00000000-0000-4000-8000-000000000000').catch(() => undefined);
    expect(c.requestCount).toBe(4);
    expect(events.map((e) => e.status)).toEqual([200, 200, 200, 404]);
    expect(events.every((e) => e.attempt === 1 && e.durationMs >= 0)).toBe(true);
  });

  it('writes: pause/resume, reset session, activity entries, patch', async () => {
    const c = client();
    const p = (await c.pauseAgent(bob.id)) as WriteResult<any>;
    expect(p.status).toBe(200);
    expect(p.body).toMatchObject({ status: 'paused', pauseReason: 'manual' });
    const r = (await c.resumeAgent(bob.id)) as WriteResult<any>;
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'idle', pauseReason: null });
    const rs = (await c.resetSession(bob.id)) as WriteResult<any>;
    expect(rs.status).toBeLessThan(300);
    const act = (await c.postActivity(company.id, { actorId: 'clipguard', action: 'clipguard.e2e', entityType: 'agent', entityId: bob.id, details: { note: 'e2e' } })) as WriteResult<any>;
    expect(act.status).toBe(201);
    const list = (await c.listActivity(company.id, { limit: 20, entityType: 'agent' })) as any[];
    expect(list.some((a) => a.action === 'clipguard.e2e' && a.entityId === bob.id)).toBe(true);
    const missing = (await c.patchIssue('00000000-0000-4000-8000-000000000000', { priority: 'low' })) as WriteResult<any>;
    expect(missing.status).toBe(404);
  });

  it('the writes the client retries are idempotent on the server (a repeat answers 200 again)', async () => {
    const c = client();
    const issue = await seed.createIssue(company.id, { title: 'Idempotency', status: 'backlog' });
    const cm = (await seed.addComment(issue.id, 'delete me twice'));
    expect((await c.deleteComment(issue.id, cm.id)).status).toBe(200);
    expect((await c.deleteComment(issue.id, cm.id)).status).toBe(200);
    expect((await c.pauseAgent(bob.id)).status).toBe(200);
    expect((await c.pauseAgent(bob.id)).body).toMatchObject({ status: 'paused' });
    expect((await c.resumeAgent(bob.id)).status).toBe(200);
    expect((await c.resumeAgent(bob.id)).body).toMatchObject({ status: 'idle' });
    expect((await c.resetSession(bob.id)).status).toBe(200);
    expect((await c.resetSession(bob.id)).status).toBe(200);
    expect((await c.patchIssue(issue.id, { priority: 'high' })).status).toBe(200);
    expect((await c.patchIssue(issue.id, { priority: 'high' })).body).toMatchObject({ priority: 'high', changes: {} });
  });

  it('an unknown bearer token is refused with 401 even in local_trusted, and never echoed', async () => {
    const key = 'pcp_board_0123456789abcdef0123456789abcdef0123456789abcdef';
    const c = client({ apiKey: key, retries: 0 });
    const err = await c.health().catch((e) => e);
    expect(err).toMatchObject({ code: 'http', status: 401 });
    const read = await readPaperclip({ client: c });
    expect(read.status).toBe('unavailable');
    expect(read.detail).toMatch(/HTTP 401 Agent token did not verify/);
    expect(JSON.stringify(read) + String(err) + JSON.stringify(err)).not.toContain(key);
  });
});

describe('readPaperclip on a real server', () => {
  it('reads a company snapshot: agents (one in error), all issues, comments of blocked issues, runs, budgets, costs', async () => {
    const broken = await seed.createErrorAgent(company.id);
    expect(broken.status).toBe('error');
    await seed.setAgentBudget(alice.id, 10_000);
    await seed.addCost(company.id, alice.id, 1234);
    const blocked = await seed.createIssue(company.id, { title: 'Blocked on a person', status: 'blocked', priority: 'high' });
    await seed.addComment(blocked.id, 'Waiting for the API key from ops.');

    const c = client();
    const t = Date.now();
    const read = await readPaperclip({ client: c, companies: [company.issuePrefix.toLowerCase()] });
    console.log(`[e2e] readPaperclip: ${read.detail} in ${Date.now() - t} ms`);
    expect(read.status).toBe('ok');
    expect(read.schemaProblems).toEqual([]);
    expect(read.errors).toEqual([]);
    expect(read.health!.status).toBe('ok');
    expect(read.companies).toHaveLength(1);
    const snap = read.companies[0];
    expect(snap.errors).toEqual([]);
    expect(snap.company.id).toBe(company.id);
    expect(snap.agents.find((a) => a.id === broken.id)).toMatchObject({ status: 'error', errorReason: expect.any(String) });
    expect(snap.issues.length).toBeGreaterThan(N);
    expect(Object.keys(snap.comments)).toContain(blocked.id);
    expect(snap.comments[blocked.id].map((x) => x.body)).toContain('Waiting for the API key from ops.');
    expect(snap.runs.some((r) => r.agentId === broken.id && r.status === 'failed')).toBe(true);
    expect(snap.budgets!.policies.some((p: any) => p.scopeType === 'agent' && p.scopeId === alice.id && p.observedAmount === 1234)).toBe(true);
    expect(snap.recentCosts!.byAgent.find((r) => r.agentId === alice.id)?.costCents).toBe(1234);
    expect(read.requestCount).toBe(c.requestCount);
    expect(read.detail).toMatch(new RegExp(`^${url.replace(/[.]/g, '\\.')}: 1 company, \\d+ agents, \\d+ issues, \\d+ requests$`));

    // Secret scanning asks for every issue's comments.
    const all = await readPaperclip({ client: client(), companies: [company.id], commentsFor: () => true });
    expect(Object.keys(all.companies[0].comments).length).toBe(all.companies[0].issues.length);
  });

  it('reports a company asked for that does not exist', async () => {
    const read = await readPaperclip({ client: client(), companies: ['NOPE-NOT-THERE'] });
    expect(read.status).toBe('ok');
    expect(read.companies).toEqual([]);
    // A missing company, with what the server has (a finding of its own), not a partial read error.
    expect(read.errors).toEqual([]);
    expect(read.missingCompanies).toHaveLength(1);
    expect(read.missingCompanies[0].wanted).toBe('NOPE-NOT-THERE');
    expect(read.missingCompanies[0].known!.length).toBeGreaterThan(0);
  });

  it('an unreachable server gives status unavailable (connection refused), never an exception', async () => {
    const port = await freePort();
    const c = client({ baseUrl: `http://127.0.0.1:${port}`, retries: 1 });
    const read = await readPaperclip({ client: c });
    expect(read.status).toBe('unavailable');
    expect(read.detail).toMatch(/connection refused/);
    expect(read.companies).toEqual([]);
    expect(read.requestCount).toBe(2);
  });

  it('waitFor settles a woken agent: assigning work to a non-quiet agent starts runs', async () => {
    // A non-quiet agent: the assignment wakes it and `true` exits 0.
    const loud = await seed.createAgent(company.id, { name: 'Loud', quiet: false });
    const issue = await seed.createIssue(company.id, { title: 'Wake me', status: 'todo', assigneeAgentId: loud.id });
    const c = client();
    const runs = await waitFor(
      async () => {
        const rs = (await c.listHeartbeatRuns(company.id, { agentId: loud.id })) as any[];
        const a = await c.getAgent(loud.id);
        return rs.length > 0 && rs.every((r) => r.status === 'succeeded') && a.status === 'idle' ? rs : null;
      },
      { timeoutMs: 30_000, what: 'the woken agent to finish its runs' },
    );
    // Newest first: the oldest run is the assignment wake (the server may add an `automation` follow-up run).
    expect(runs[runs.length - 1]).toMatchObject({ agentId: loud.id, status: 'succeeded', invocationSource: 'assignment' });
    console.log(`[e2e] runs of the woken agent: ${runs.map((r) => `${r.invocationSource}/${r.status}/${r.livenessState}`).join(', ')}`);
    const after = await c.getIssue(issue.id);
    console.log(`[e2e] after ${runs.length} 'true' run(s): issue ${after.status}, assignee ${after.assigneeAgentId === loud.id ? 'kept' : after.assigneeAgentId}`);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}
