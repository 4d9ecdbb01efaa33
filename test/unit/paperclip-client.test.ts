// PaperclipClient, validate and readPaperclip against small loopback node:http servers that REPLAY real
// responses of paperclipai@2026.916.1 (fixtures/paperclip-samples/) and inject faults around them.
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { inspect } from 'node:util';
import { PaperclipClient, PaperclipError, parseRetryAfter, type PaperclipClientOptions, type RequestEvent, type WriteResult } from '../../src/sources/paperclip/client.js';
import { readPaperclip } from '../../src/sources/paperclip/read.js';
import { paperclipSubjects } from '../../src/sources/paperclip/subjects.js';
import { validateAgent, validateBudgetsOverview, validateComment, validateCompany, validateIssue, validateRun, type SchemaProblem } from '../../src/sources/paperclip/validate.js';
import { sample, sampleText } from '../helpers/samples.js';

// ------------------------------------------------------------------ recorded responses

const text = sampleText;

const health = sample('01-health');
const company = sample('35-company-get');
const CID = company.id as string;
const agents: any[] = sample('06-agents-list');
const issues: any[] = sample('10-issues-list-all');
const comments: any[] = sample('21-comments-list');
const runs: any[] = sample('41-heartbeat-runs');
const budgets = sample('34-budgets-overview-after-spend');
const costs: any[] = sample('33-costs-by-agent-after-spend');
const recoveryActivity: any[] = sample('45-issue-activity-recovery-settled');
const snap0 = (read: { companies: any[] }) => read.companies[0];
const KEY = 'pcp_board_0123456789abcdef0123456789abcdef0123456789abcdef';

/** `n` issues cloned from a real list row, with ids in ascending order (as `sortField=id&sortDir=asc` returns them). */
function manyIssues(n: number): any[] {
  return Array.from({ length: n }, (_, k) => ({
    ...issues[0],
    id: `00000000-0000-4000-8000-${String(k).padStart(12, '0')}`,
    identifier: `ACM-${k + 1}`,
    issueNumber: k + 1,
  }));
}

// ------------------------------------------------------------------ loopback servers

interface Seen {
  method: string;
  url: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}
type Handler = (req: Seen, res: ServerResponse, n: number) => void | Promise<void>;

interface TestServer {
  url: string;
  port: number;
  seen: Seen[];
  maxInFlight: number;
  close(): Promise<void>;
}

const servers: TestServer[] = [];
const clients: PaperclipClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(handler: Handler): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const seen: Seen[] = [];
  let inFlight = 0;
  const state = { maxInFlight: 0 };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', async () => {
      const u = new URL(req.url ?? '/', 'http://x');
      const s: Seen = { method: req.method ?? 'GET', url: req.url ?? '/', path: u.pathname, query: u.searchParams, headers: req.headers, body };
      seen.push(s);
      inFlight++;
      state.maxInFlight = Math.max(state.maxInFlight, inFlight);
      res.on('close', () => inFlight--);
      try {
        await handler(s, res, seen.length);
      } catch (e) {
        if (!res.headersSent) json(res, 599, { error: String(e) });
      }
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const t: TestServer = {
    url: `http://127.0.0.1:${port}`,
    port,
    seen,
    get maxInFlight() {
      return state.maxInFlight;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
  servers.push(t);
  return t;
}

async function waitUntil(cond: () => boolean, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const s = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(s), ...headers });
  res.end(s);
}

/** The recorded server: routes of the real API answered with the recorded bodies. */
function replay(overrides: Partial<Record<string, (s: Seen) => unknown>> = {}, allIssues: any[] = issues): Handler {
  return (s, res) => {
    const p = s.path;
    const m = (re: RegExp) => re.exec(p);
    const route = Object.keys(overrides).find((k) => new RegExp(`^${k}$`).test(`${s.method} ${p}`));
    if (route) {
      const v = overrides[route]!(s);
      if (v instanceof Reply) return json(res, v.status, v.body, v.headers);
      return json(res, 200, v);
    }
    if (s.method === 'GET' && p === '/api/health') return json(res, 200, health);
    if (s.method === 'GET' && p === '/api/companies') return json(res, 200, [company]);
    if (s.method === 'GET' && m(/^\/api\/companies\/[^/]+$/)) return json(res, 200, company);
    if (s.method === 'GET' && m(/^\/api\/companies\/[^/]+\/agents$/)) {
      if ([...s.query.keys()].length) return json(res, 400, { error: `Unsupported query parameter: ${[...s.query.keys()][0]}` });
      return json(res, 200, agents);
    }
    if (s.method === 'GET' && m(/^\/api\/companies\/[^/]+\/issues$/)) {
      const limit = Number(s.query.get('limit') ?? 500);
      const offset = Number(s.query.get('offset') ?? 0);
      const status = s.query.get('status')?.split(',');
      const rows = allIssues.filter((i) => !status || status.includes(i.status));
      return json(res, 200, rows.slice(offset, offset + limit));
    }
    if (s.method === 'GET' && m(/^\/api\/issues\/[^/]+\/comments$/)) return json(res, 200, comments);
    if (s.method === 'GET' && m(/^\/api\/issues\/[^/]+$/)) return json(res, 200, sample('16-issue-get-after-checkout'));
    if (s.method === 'GET' && m(/^\/api\/companies\/[^/]+\/heartbeat-runs$/)) return json(res, 200, runs);
    // The server filters the activity log by entity; the recorded entries are of one issue the recovery sweep blocked.
    if (s.method === 'GET' && m(/^\/api\/companies\/[^/]+\/activity$/)) return json(res, 200, recoveryActivity.filter((a) => !s.query.get('entityId') || a.entityId === s.query.get('entityId')));
    if (s.method === 'GET' && m(/^\/api\/companies\/[^/]+\/budgets\/overview$/)) return json(res, 200, budgets);
    if (s.method === 'GET' && m(/^\/api\/companies\/[^/]+\/costs\/by-agent$/)) return json(res, 200, costs);
    if (s.method === 'POST' && m(/^\/api\/issues\/[^/]+\/checkout$/)) return json(res, 200, sample('15-issue-checkout'));
    if (s.method === 'POST' && m(/^\/api\/issues\/[^/]+\/release$/)) return json(res, 200, sample('18-issue-release'));
    if (s.method === 'POST' && m(/^\/api\/issues\/[^/]+\/comments$/)) return json(res, 201, sample('20-comment-create'));
    return json(res, 404, { error: 'API route not found' });
  };
}

class Reply {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {}
}

function client(url: string, opts: Partial<PaperclipClientOptions> = {}): PaperclipClient {
  const c = new PaperclipClient({ baseUrl: url, retryBaseMs: 1, timeoutMs: 2_000, ...opts });
  clients.push(c);
  return c;
}

async function closedPort(): Promise<number> {
  const s = await serve(() => undefined);
  await s.close();
  servers.splice(servers.indexOf(s), 1);
  return s.port;
}

// ------------------------------------------------------------------ tests

describe('replaying recorded responses', () => {
  it('parses every read the rules use', async () => {
    const s = await serve(replay());
    const c = client(s.url);
    expect((await c.health()).status).toBe('ok');
    expect(await c.listCompanies()).toEqual([company]);
    expect((await c.getCompany(CID)).issuePrefix).toBe('ACM');
    expect(((await c.listAgents(CID)) as any[]).map((a) => a.name)).toEqual(['Carol', 'Alice', 'Bob']);
    expect(((await c.listIssues(CID)) as any[]).map((i) => i.identifier)).toEqual(['ACM-2', 'ACM-3', 'ACM-1']);
    expect((await c.getIssue('ACM-2')).status).toBe('in_progress');
    expect(((await c.listComments(comments[0].issueId)) as any[])[0].body).toBe('First comment from the board (seed.sh).');
    expect(await c.listHeartbeatRuns(CID, { limit: 1000 })).toHaveLength(2);
    expect((await c.budgetsOverview(CID)).activeIncidents).toHaveLength(1);
    expect(((await c.costsByAgent(CID, { from: new Date('2026-11-01T00:00:00Z'), to: '2026-11-30T23:59:59.999Z' })) as any[])[0].costCents).toBe(3234);
    expect(c.requestCount).toBe(10);

    // What went over the wire.
    const q = (k: number) => Object.fromEntries(s.seen[k].query);
    expect(s.seen[3].url).toBe(`/api/companies/${CID}/agents`); // no query string, ever
    expect(q(4)).toEqual({ includeBlockedBy: 'true', sortField: 'id', sortDir: 'asc', limit: '500', offset: '0' });
    expect(q(6)).toEqual({ order: 'asc', limit: '500' });
    expect(q(7)).toEqual({ limit: '1000', summary: 'true' });
    expect(q(9)).toEqual({ from: '2026-11-01T00:00:00.000Z', to: '2026-11-30T23:59:59.999Z' });
    expect(s.seen.every((x) => x.headers.authorization === undefined)).toBe(true);
    expect(s.seen.every((x) => x.headers.accept === 'application/json')).toBe(true);
  });

  it('the recorded records pass validation', () => {
    const problems: SchemaProblem[] = [
      ...validateCompany(company),
      ...validateCompany(sample('02-company-create')),
      ...agents.flatMap(validateAgent),
      ...issues.flatMap(validateIssue),
      ...validateIssue(sample('16-issue-get-after-checkout')),
      ...comments.flatMap(validateComment),
      ...validateComment(sample('20-comment-create')),
      ...runs.flatMap(validateRun),
    ];
    expect(validateBudgetsOverview(budgets, CID, problems)?.policies).toHaveLength(2);
    expect(validateBudgetsOverview(sample('26-budgets-overview'), CID, problems)?.policies).toHaveLength(2);
    expect(problems).toEqual([]);
  });

  it('sends the bearer key only when one is given', async () => {
    const s = await serve(replay());
    await client(s.url, { apiKey: KEY }).health();
    await client(s.url, { apiKey: '' }).health();
    expect(s.seen[0].headers.authorization).toBe(`Bearer ${KEY}`);
    expect(s.seen[1].headers.authorization).toBeUndefined();
  });

  it('accepts a base URL with a trailing slash or /api', async () => {
    const s = await serve(replay());
    await client(`${s.url}/`).health();
    await client(`${s.url}/api/`).health();
    expect(s.seen.map((x) => x.path)).toEqual(['/api/health', '/api/health']);
  });

  it('writes return {status, body}, 409 included, and send the documented bodies', async () => {
    const s = await serve(
      replay({
        'POST /api/issues/conflicted/checkout': () => new Reply(409, sample('17-issue-checkout-conflict')),
      }),
    );
    const c = client(s.url);
    const ok = (await c.checkout(issues[0].id, agents[2].id, ['todo', 'backlog'])) as WriteResult<any>;
    expect(ok.status).toBe(200);
    expect(ok.body.status).toBe('in_progress');
    expect(JSON.parse(s.seen[0].body)).toEqual({ agentId: agents[2].id, expectedStatuses: ['todo', 'backlog'] });
    const conflict = (await c.checkout('conflicted', agents[1].id, ['todo'])) as WriteResult<any>;
    expect(conflict).toEqual({ status: 409, body: sample('17-issue-checkout-conflict') });
    expect(c.requestCount).toBe(2); // the 409 was not retried
    const rel = (await c.release(issues[0].id)) as WriteResult<any>;
    expect(rel.status).toBe(200);
    expect(JSON.parse(s.seen[2].body)).toEqual({});
    const cm = (await c.addComment(issues[0].id, 'hello')) as WriteResult<any>;
    expect(cm.status).toBe(201);
    expect(JSON.parse(s.seen[3].body)).toEqual({ body: 'hello' });
    await c.resetSession(agents[0].id, 'task-1');
    expect(s.seen[4]).toMatchObject({ method: 'POST', path: `/api/agents/${agents[0].id}/runtime-state/reset-session`, body: '{"taskKey":"task-1"}' });
    await c.postActivity(CID, { actorId: 'clipguard', action: 'clipguard.flag', entityType: 'issue', entityId: 'x' });
    expect(JSON.parse(s.seen[5].body)).toMatchObject({ actorType: 'system', actorId: 'clipguard' });
    await c.deleteComment('i1', 'c1');
    expect(s.seen[6]).toMatchObject({ method: 'DELETE', path: '/api/issues/i1/comments/c1' });
  });
});

describe('paging', () => {
  it('reads all pages of issues (limit 500) and stops at the short page', async () => {
    const all = manyIssues(1234);
    const s = await serve(replay({}, all));
    const c = client(s.url);
    const got = (await c.listIssues(CID)) as any[];
    expect(got).toHaveLength(1234);
    expect(got.map((i) => i.id)).toEqual(all.map((i) => i.id));
    expect(s.seen.map((x) => x.query.get('offset'))).toEqual(['0', '500', '1000']);
    expect(s.seen.every((x) => x.query.get('limit') === '500')).toBe(true);
    expect(c.requestCount).toBe(3);
  });

  it('an exact multiple of the page size costs one more (empty) page', async () => {
    const s = await serve(replay({}, manyIssues(1000)));
    const c = client(s.url);
    expect(await c.listIssues(CID)).toHaveLength(1000);
    expect(c.requestCount).toBe(3);
  });

  it('passes status and updatedSince through, and drops a row seen twice when pages shift', async () => {
    const all = manyIssues(600);
    // The second page starts one row early (an issue was inserted before the offset meanwhile).
    const s = await serve((q, res) => {
      const offset = Number(q.query.get('offset'));
      json(res, 200, offset === 0 ? all.slice(0, 500) : all.slice(499, 600));
    });
    const c = client(s.url);
    const got = (await c.listIssues(CID, { status: ['todo', 'blocked'], updatedSince: new Date('2026-11-01T00:00:00Z') })) as any[];
    expect(got).toHaveLength(600);
    expect(new Set(got.map((i) => i.id)).size).toBe(600);
    expect(s.seen[0].query.get('status')).toBe('todo,blocked');
    expect(s.seen[0].query.get('updatedSince')).toBe('2026-11-01T00:00:00.000Z');
  });

  it('comments: keyset pages after the last id; the real server repeats the anchor, which is dropped', async () => {
    const many = Array.from({ length: 7 }, (_, k) => ({ ...comments[0], id: `c${k}`, body: `comment ${k}` }));
    const s = await serve((q, res) => {
      const limit = Number(q.query.get('limit') ?? 1e9);
      const after = q.query.get('after');
      const start = after ? many.findIndex((x) => x.id === after) : 0; // inclusive, like 2026.916.1
      json(res, 200, many.slice(start, start + limit));
    });
    const c = client(s.url);
    const got = (await c.listComments('i', { pageSize: 3 })) as any[];
    expect(got.map((x) => x.id)).toEqual(many.map((x) => x.id));
    expect(s.seen.map((x) => x.query.get('after'))).toEqual([null, 'c2', 'c4', 'c6']);
    // Pages of one never progress: one unpaged request instead.
    const one = (await client(s.url).listComments('i', { pageSize: 1 })) as any[];
    expect(one.map((x) => x.id)).toEqual(many.map((x) => x.id));
    expect(s.seen.slice(4).map((x) => x.url)).toEqual(['/api/issues/i/comments?order=asc&limit=1', '/api/issues/i/comments?order=asc&limit=1&after=c0', '/api/issues/i/comments?order=asc']);
  });
});

describe('faults', () => {
  it.each([500, 502, 503])('retries a read after %i, then succeeds', async (status) => {
    const s = await serve((q, res, n) => (n <= 2 ? json(res, status, { error: 'Internal server error' }) : replay()(q, res, n)));
    const events: RequestEvent[] = [];
    const c = client(s.url, { onRequest: (e) => events.push(e) });
    expect((await c.listAgents(CID)).length).toBe(3);
    expect(c.requestCount).toBe(3);
    expect(events.map((e) => [e.attempt, e.status])).toEqual([
      [1, status],
      [2, status],
      [3, 200],
    ]);
    expect(events[0].retryInMs).toBeGreaterThanOrEqual(0);
  });

  it('gives up after `retries` and throws an http error with the status', async () => {
    const s = await serve((q, res) => json(res, 503, { status: 'unhealthy', error: 'database_unreachable' }));
    const c = client(s.url, { retries: 2 });
    const err = await c.health().catch((e) => e);
    expect(err).toBeInstanceOf(PaperclipError);
    expect(err).toMatchObject({ code: 'http', status: 503, method: 'GET', path: '/api/health', attempts: 3 });
    expect(err.message).toContain('database_unreachable');
    expect(c.requestCount).toBe(3);
  });

  it('honours Retry-After in seconds on 429', async () => {
    const s = await serve((q, res, n) => (n === 1 ? json(res, 429, { error: 'Too many concurrent issue-list requests', retryAfterSeconds: 1 }, { 'retry-after': '1' }) : replay()(q, res, n)));
    const c = client(s.url);
    const t = Date.now();
    expect(await c.listIssues(CID)).toHaveLength(3);
    expect(Date.now() - t).toBeGreaterThanOrEqual(950);
    expect(c.requestCount).toBe(2);
  });

  it('honours Retry-After as an HTTP date, and caps a long one', async () => {
    const s = await serve((q, res, n) => (n === 1 ? json(res, 503, { error: 'busy' }, { 'retry-after': new Date(Date.now() + 3_600_000).toUTCString() }) : replay()(q, res, n)));
    const c = client(s.url, { maxRetryDelayMs: 300 });
    const events: RequestEvent[] = [];
    const c2 = client(s.url, { maxRetryDelayMs: 300, onRequest: (e) => events.push(e) });
    const t = Date.now();
    expect((await c2.health()).status).toBe('ok');
    const ms = Date.now() - t;
    expect(ms).toBeGreaterThanOrEqual(280);
    expect(ms).toBeLessThan(2_000);
    expect(events[0].retryInMs).toBe(300);
    expect(parseRetryAfter(new Date(Date.now() + 5_000).toUTCString())).toBeGreaterThan(3_000);
    expect(parseRetryAfter('2')).toBe(2_000);
    expect(parseRetryAfter('soon')).toBeNull();
    await c.close();
  });

  it.each([400, 401, 403, 404, 409, 422])('never retries a read answered %i', async (status) => {
    const s = await serve((q, res) => json(res, status, { error: `nope ${status}` }));
    const c = client(s.url);
    const err = await c.getIssue('ACM-9').catch((e) => e);
    expect(err).toMatchObject({ code: 'http', status, path: '/api/issues/ACM-9' });
    expect(err.message).toBe(`GET ${s.url}/api/issues/ACM-9: HTTP ${status} nope ${status}`);
    expect(c.requestCount).toBe(1);
  });

  it('retries a read after a connection reset', async () => {
    const s = await serve((q, res, n) => {
      if (n === 1) res.socket?.destroy();
      else return replay()(q, res, n);
    });
    const c = client(s.url);
    expect((await c.health()).status).toBe('ok');
    expect(c.requestCount).toBe(2);
  });

  it('a refused connection is `unavailable` after all attempts', async () => {
    const port = await closedPort();
    const c = client(`http://127.0.0.1:${port}`, { retries: 2 });
    const err = await c.health().catch((e) => e);
    expect(err).toMatchObject({ code: 'unavailable', attempts: 3 });
    expect(err.message).toMatch(/connection refused \(ECONNREFUSED\)/);
    expect(c.requestCount).toBe(3);
  });

  it('a server that stalls past the timeout gives a `timeout` error (retried, then thrown)', async () => {
    const s = await serve(() => undefined); // never answers
    const c = client(s.url, { timeoutMs: 200, retries: 1 });
    const t = Date.now();
    const err = (await c.listCompanies().catch((e) => e)) as any;
    expect(err).toMatchObject({ code: 'timeout', method: 'GET', path: '/api/companies', attempts: 2 });
    expect(err.message).toContain('within 200 ms');
    expect(Date.now() - t).toBeGreaterThanOrEqual(390);
    expect(Date.now() - t).toBeLessThan(3_000);
  });

  it('an aborted signal ends the call in flight at once, with no retry, and refuses new calls without a request', async () => {
    const s = await serve(() => undefined); // never answers
    const ac = new AbortController();
    const c = client(s.url, { timeoutMs: 10_000, retries: 3, signal: ac.signal });
    const pending = c.listCompanies().catch((e) => e);
    await waitUntil(() => s.seen.length === 1);
    ac.abort(new Error('deadline of 50 ms exceeded'));
    const err = await pending;
    expect(err).toBeInstanceOf(PaperclipError);
    expect(err).toMatchObject({ code: 'aborted', method: 'GET', path: '/api/companies', attempts: 1 });
    expect(err.message).toContain('abandoned: deadline of 50 ms exceeded');
    const next = (await c.addComment('i1', 'hello').catch((e) => e)) as WriteResult<any>;
    expect(next).toMatchObject({ code: 'aborted', attempts: 0 });
    expect(s.seen.length).toBe(1);
    expect(c.requestCount).toBe(1);
  });

  it('an abort during the backoff between retries ends the call without the next attempt', async () => {
    const s = await serve((q, res) => json(res, 503, { error: 'busy' }, { 'retry-after': '5' }));
    const ac = new AbortController();
    const c = client(s.url, { retries: 3, signal: ac.signal });
    const pending = c.listCompanies().catch((e) => e);
    await waitUntil(() => s.seen.length === 1);
    ac.abort(new Error('shutdown'));
    expect(await pending).toMatchObject({ code: 'aborted' });
    expect(s.seen.length).toBe(1);
  });

  it('a body that stalls half-way also times out', async () => {
    const s = await serve((q, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('[{"id":');
    });
    const c = client(s.url, { timeoutMs: 200, retries: 0 });
    await expect(c.listAgents(CID)).rejects.toMatchObject({ code: 'timeout' });
  });

  it('truncated JSON (complete per content-length) is a schema error and is not retried', async () => {
    const s = await serve((q, res) => json(res, 200, text('06-agents-list').slice(0, 700)));
    const c = client(s.url);
    const err = (await c.listAgents(CID).catch((e) => e)) as any;
    expect(err).toMatchObject({ code: 'schema', method: 'GET', path: `/api/companies/${CID}/agents` });
    expect(err.message).toMatch(/invalid JSON/);
    expect(c.requestCount).toBe(1);
  });

  it('a body cut short by a closed connection is retried, then `unavailable`', async () => {
    const s = await serve((q, res) => {
      const body = text('06-agents-list');
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length) });
      res.write(body.slice(0, 500));
      setTimeout(() => res.socket?.destroy(), 10);
    });
    const c = client(s.url, { retries: 1 });
    await expect(c.listAgents(CID)).rejects.toMatchObject({ code: 'unavailable', attempts: 2 });
  });

  it('the wrong top-level shape is a schema error', async () => {
    const s = await serve((q, res) => json(res, 200, { agents: agents }));
    await expect(client(s.url).listAgents(CID)).rejects.toMatchObject({ code: 'schema', message: expect.stringContaining('expected a JSON array, got an object') });
  });
});

describe('writes and retries', () => {
  it('a non-idempotent write is not repeated after a 5xx or a reset (it may have been applied)', async () => {
    const s = await serve((q, res, n) => {
      if (n === 1) json(res, 503, { error: 'busy' });
      else res.socket?.destroy();
    });
    const c = client(s.url);
    expect(await c.addComment('i1', 'once')).toMatchObject({ status: 503 });
    await expect(c.checkout('i1', 'a1', ['todo'])).rejects.toMatchObject({ code: 'unavailable' });
    expect(s.seen).toHaveLength(2);
  });

  it('a non-idempotent write is retried on 429 (refused before processing)', async () => {
    const s = await serve((q, res, n) => (n === 1 ? json(res, 429, { error: 'slow down' }, { 'retry-after': '0' }) : json(res, 201, sample('20-comment-create'))));
    const c = client(s.url);
    expect((await c.addComment('i1', 'x')).status).toBe(201);
    expect(s.seen).toHaveLength(2);
  });

  it('a non-idempotent write is retried when the connection is refused (never sent)', async () => {
    const port = await closedPort();
    const c = client(`http://127.0.0.1:${port}`, { retries: 2 });
    await expect(c.release('i1')).rejects.toMatchObject({ code: 'unavailable', attempts: 3 });
    expect(c.requestCount).toBe(3);
  });

  it('idempotent writes (delete, pause, resume, reset, patch without comment) are retried on 5xx', async () => {
    let n = 0;
    const s = await serve((q, res) => (++n % 2 === 1 ? json(res, 502, { error: 'bad gateway' }) : json(res, 200, { ok: true })));
    const c = client(s.url);
    for (const w of [() => c.deleteComment('i', 'c'), () => c.pauseAgent('a'), () => c.resumeAgent('a'), () => c.resetSession('a'), () => c.patchIssue('i', { priority: 'low' })]) {
      expect((await w()).status).toBe(200);
    }
    expect(s.seen).toHaveLength(10);
    // ...but a patch that adds a comment is not.
    const s2 = await serve((q, res) => json(res, 500, { error: 'Internal server error' }));
    expect((await client(s2.url).patchIssue('i', { status: 'blocked', comment: 'why' })).status).toBe(500);
    expect(s2.seen).toHaveLength(1);
  });
});

describe('the API key never shows in errors', () => {
  const leaks = (e: unknown) => [String(e), (e as Error).message, inspect(e, { depth: 5 }), JSON.stringify(e), JSON.stringify((e as { body?: unknown }).body ?? null)].some((s) => s.includes(KEY) || s.includes(KEY.slice(10, 40)));

  it('even when the server echoes the Authorization header back', async () => {
    const s = await serve((q, res, n) => {
      const auth = String(q.headers.authorization);
      if (q.path === '/api/health') return json(res, 401, { error: `Agent token did not verify: ${auth}`, details: { header: auth } });
      if (q.path === '/api/companies') return json(res, 500, `crash while handling ${auth}`);
      if (q.path.endsWith('/agents')) return json(res, 200, `not json ${auth}`);
      return json(res, 404, { error: `no route for token ${KEY}` });
    });
    const events: RequestEvent[] = [];
    const c = client(s.url, { apiKey: KEY, retries: 1, onRequest: (e) => events.push(e) });
    const errors = await Promise.all([c.health(), c.listCompanies(), c.listAgents(CID), c.getIssue('x'), c.getCompany(KEY)].map((p) => p.catch((e) => e)));
    expect(errors.every((e) => e instanceof PaperclipError)).toBe(true);
    for (const e of errors) expect(leaks(e), inspect(e)).toBe(false);
    expect(errors[0].message).toContain('Agent token did not verify: Bearer ***');
    expect(JSON.stringify(events)).not.toContain(KEY);
    // Error bodies of writes are scrubbed too (callers quote them in findings).
    const w = (await c.addComment('x', 'hi')) as WriteResult<any>;
    expect(w.status).toBe(404);
    expect(JSON.stringify(w)).not.toContain(KEY);
    expect(s.seen.every((x) => x.headers.authorization === `Bearer ${KEY}`)).toBe(true);
  });

  it('nor in URL credentials, timeouts or network failures', async () => {
    const port = await closedPort();
    const c = client(`http://user:${KEY}@127.0.0.1:${port}`, { apiKey: KEY, retries: 0 });
    const e1 = await c.health().catch((e) => e);
    expect(e1.code).toBe('unavailable');
    expect(leaks(e1)).toBe(false);
    const s = await serve(() => undefined);
    const e2 = await client(s.url, { apiKey: KEY, retries: 0, timeoutMs: 100 }).health().catch((e) => e);
    expect(e2.code).toBe('timeout');
    expect(leaks(e2)).toBe(false);
    const read = await readPaperclip({ client: c });
    expect(JSON.stringify(read)).not.toContain(KEY);
  });
});

describe('readPaperclip', () => {
  const NOW = new Date('2026-11-24T12:00:00Z');
  const LATER = '2026-11-24T11:00:00.000Z';

  it('reads a snapshot from the recorded server', async () => {
    // Blocking an issue bumps its updatedAt on the server (the list was recorded before that).
    const withBlocked = issues.map((i) => (i.id === comments[0].issueId ? { ...i, status: 'blocked', updatedAt: LATER } : i));
    const s = await serve(replay({}, withBlocked));
    const c = client(s.url);
    const read = await readPaperclip({ client: c, now: NOW });
    expect(read.status).toBe('ok');
    expect(read.schemaProblems).toEqual([]);
    expect(read.detail).toBe(`${s.url}: 1 company, 3 agents, 3 issues, 9 requests`);
    // health, companies, then per company: agents, issues, runs, budgets, recent costs, comments of the 1
    // blocked issue, and its activity (its comments show no server block, so the activity must tell).
    expect(read.requestCount).toBe(9);
    expect(snap0(read).activity).toEqual({ [comments[0].issueId]: [] });
    // The run history of every agent comes from one bounded request per company, never one per agent.
    const runQueries = s.seen.filter((x) => x.path.endsWith('/heartbeat-runs')).map((x) => Object.fromEntries(x.query));
    expect(runQueries).toEqual([{ limit: '1000', summary: 'true' }]);
    const snap = read.companies[0];
    expect(snap.company.id).toBe(CID);
    expect(snap.agents).toHaveLength(3);
    expect(Object.keys(snap.comments)).toEqual([comments[0].issueId]); // only the blocked issue
    expect(snap.runs).toHaveLength(2);
    expect(snap.budgets!.policies).toHaveLength(2);
    expect(snap.recentCosts).toMatchObject({ from: '2026-11-17T12:00:00.000Z', to: '2026-11-24T12:00:00.000Z' });
    expect(snap.errors).toEqual([]);
    const costQueries = s.seen.filter((x) => x.path.endsWith('/costs/by-agent')).map((x) => Object.fromEntries(x.query));
    // Only the burn-rate window: the month's spend comes with the budgets overview.
    expect(costQueries).toEqual([{ from: '2026-11-17T12:00:00.000Z', to: '2026-11-24T12:00:00.000Z' }]);
  });

  it('a blocked issue whose comments cannot be read is `unread`: ops/blocked-without-reason stays quiet, the failure is a partial-read error', async () => {
    const blockedId = comments[0].issueId;
    const withBlocked = issues.map((i) => (i.id === blockedId ? { ...i, status: 'blocked', updatedAt: LATER } : i));
    const s = await serve(replay({ 'GET /api/issues/[^/]+/comments': () => new Reply(500, { error: 'Internal server error' }) }, withBlocked));
    const read = await readPaperclip({ client: client(s.url, { retries: 0 }), now: NOW });
    expect(snap0(read).unread).toEqual([blockedId]);
    expect(snap0(read).errors.join('\n')).toMatch(/comments of .*HTTP 500/);
    const subjects = paperclipSubjects(read.companies, { now: NOW, budget: { companyMonthlyCents: null, forecastWindowDays: 7 } });
    const blocked = subjects.find((x) => x.type === 'issue' && (x.facts.issue as any).id === blockedId)!;
    expect(blocked.facts.blocked).toMatchObject({ bySystem: false, commentsSinceBlocked: 0, evidenceRead: false });
    // The same issue, its comments read (none since the block): evidence read, and the rule's condition holds.
    const ok = await readPaperclip({ client: client((await serve(replay({ 'GET /api/issues/[^/]+/comments': () => [] }, withBlocked))).url), now: NOW });
    expect(snap0(ok).unread).toEqual([]);
    const again = paperclipSubjects(ok.companies, { now: NOW, budget: { companyMonthlyCents: null, forecastWindowDays: 7 } }).find((x) => x.type === 'issue' && (x.facts.issue as any).id === blockedId)!;
    expect(again.facts.blocked).toMatchObject({ bySystem: false, commentsSinceBlocked: 0, evidenceRead: true });
  });

  it('a block the recovery sweep left without a comment is found in the activity, and its run is read by id when the list lacks it', async () => {
    // Recorded: EXP-1 blocked after a failed run (only an issue.execution_recovery_settled entry says so), EXP-2
    // blocked for a missing disposition (recovery field and system comments: no activity read needed).
    const blockedIssues: any[] = sample('48-issues-list-server-blocked');
    const allRuns: any[] = sample('42-heartbeat-runs-failing');
    const exp1 = blockedIssues.find((i) => i.identifier === 'EXP-1');
    const causing = recoveryActivity[0].runId as string;
    const listed = allRuns.filter((r) => r.id !== causing); // the causing run fell out of the newest-N list
    const s = await serve(
      replay(
        {
          [`GET /api/companies/${CID}/heartbeat-runs`]: () => listed,
          [`GET /api/issues/${exp1.id}/comments`]: () => [],
          'GET /api/issues/[^/]+/comments': () => sample('47-comments-missing-disposition'),
          [`GET /api/heartbeat-runs/${causing}`]: () => allRuns.find((r) => r.id === causing),
        },
        blockedIssues,
      ),
    );
    const read = await readPaperclip({ client: client(s.url), now: NOW });
    const snap = snap0(read);
    expect(snap.errors).toEqual([]);
    expect(Object.keys(snap.activity)).toEqual([exp1.id]);
    expect(Object.keys(snap.blockRuns)).toEqual([causing]);
    expect(s.seen.filter((x) => x.path.includes('/activity')).length).toBe(1);
    expect(s.seen.filter((x) => x.path.includes('/heartbeat-runs')).map((x) => x.path)).toEqual([`/api/companies/${CID}/heartbeat-runs`, `/api/heartbeat-runs/${causing}`]);
  });

  it('a causing run the server no longer has (404) is not a partial failure', async () => {
    const blockedIssues: any[] = sample('48-issues-list-server-blocked');
    const s = await serve(replay({ [`GET /api/companies/${CID}/heartbeat-runs`]: () => [], 'GET /api/issues/[^/]+/comments': () => [] }, blockedIssues));
    const read = await readPaperclip({ client: client(s.url), now: NOW });
    expect(snap0(read).errors).toEqual([]);
    expect(snap0(read).blockRuns).toEqual({});
    expect(s.seen.some((x) => x.path.startsWith('/api/heartbeat-runs/'))).toBe(true);
  });

  it('the burn window never starts before the month does', async () => {
    const s = await serve(replay());
    const read = await readPaperclip({ client: client(s.url), now: new Date('2026-11-03T06:00:00Z') });
    expect(read.companies[0].recentCosts).toMatchObject({ from: '2026-11-01T00:00:00.000Z' });
  });

  it('drops a record whose field changed type and names the field', async () => {
    const bad = agents.map((a, k) => (k === 1 ? { ...a, status: 3 } : k === 2 ? { ...a, budgetMonthlyCents: '5000' } : a));
    const badIssues = issues.map((i, k) => (k === 0 ? { ...i, priority: 'urgent' } : i));
    const s = await serve(replay({ [`GET /api/companies/${CID}/agents`]: () => bad }, badIssues));
    const read = await readPaperclip({ client: client(s.url), now: NOW });
    expect(read.status).toBe('ok');
    expect(read.companies[0].agents.map((a) => a.name)).toEqual(['Carol']);
    expect(read.companies[0].issues).toHaveLength(2);
    expect(read.schemaProblems).toEqual([
      { entity: 'agent', id: agents[1].id, field: 'status', message: `agent ${agents[1].id.slice(0, 8)}…: field "status" expected string, got number` },
      { entity: 'agent', id: agents[2].id, field: 'budgetMonthlyCents', message: `agent ${agents[2].id.slice(0, 8)}…: field "budgetMonthlyCents" expected integer, got string` },
      {
        entity: 'issue',
        id: issues[0].id,
        field: 'priority',
        message: `issue ${issues[0].id.slice(0, 8)}…: field "priority" expected one of critical, high, medium, low, got "urgent"`,
      },
    ]);
    expect(read.detail).toMatch(/3 schema problems$/);
  });

  it('a budgets overview of the wrong shape is reported, not fatal', async () => {
    const s = await serve(replay({ [`GET /api/companies/${CID}/budgets/overview`]: () => ({ ...budgets, policies: { a: 1 } }) }));
    const read = await readPaperclip({ client: client(s.url), now: NOW });
    expect(read.companies[0].budgets).toBeNull();
    expect(read.schemaProblems.map((p) => [p.entity, p.field])).toEqual([['budgets', 'policies']]);
  });

  it('a failing call for one company is a partial error, the rest is read', async () => {
    const s = await serve(replay({ [`GET /api/companies/${CID}/budgets/overview`]: () => new Reply(500, { error: 'Internal server error' }) }));
    const c = client(s.url, { retries: 1 });
    const read = await readPaperclip({ client: c, now: NOW });
    expect(read.status).toBe('ok');
    expect(read.companies[0].budgets).toBeNull();
    expect(read.companies[0].agents).toHaveLength(3);
    expect(read.companies[0].errors).toEqual([`budgets overview: HTTP 500 Internal server error (GET /api/companies/${CID}/budgets/overview, after 2 attempts)`]);
    expect(read.detail).toMatch(/1 partial failure$/);
  });

  it('selects companies by id or issue prefix and reports the missing ones', async () => {
    const s = await serve(replay());
    const byPrefix = await readPaperclip({ client: client(s.url), companies: ['acm', 'NOPE'], now: NOW });
    expect(byPrefix.companies.map((x) => x.company.id)).toEqual([CID]);
    // Not a partial read error (that was reported as a garbled source/paperclip-schema problem): a missing
    // company, with what the server has, for a finding of its own.
    expect(byPrefix.errors).toEqual([]);
    expect(byPrefix.missingCompanies).toEqual([{ wanted: 'NOPE', known: [{ issuePrefix: 'ACM', name: 'Acme Offline Co' }] }]);
    const byId = await readPaperclip({ client: client(s.url), companies: [CID], now: NOW });
    expect(byId.companies).toHaveLength(1);
  });

  it('with an agent key (companies list forbidden) reads the company by id', async () => {
    const s = await serve(replay({ 'GET /api/companies': () => new Reply(403, { error: 'Board access required' }) }));
    const read = await readPaperclip({ client: client(s.url, { apiKey: KEY }), companies: [CID], now: NOW });
    expect(read.status).toBe('ok');
    expect(read.companies).toHaveLength(1);
  });

  it('commentsFor adds comments (secret scanning) and fetches descriptions the list truncated', async () => {
    const cut = issues.map((i, k) => ({ ...i, updatedAt: LATER, ...(k === 1 ? { description: 'x'.repeat(1200), descriptionTruncated: true } : {}) }));
    const full = { ...sample('16-issue-get-after-checkout'), id: issues[1].id, description: `${'x'.repeat(1300)} sk-live-secret` };
    const s = await serve(replay({ [`GET /api/issues/${issues[1].id}`]: () => full }, cut));
    const read = await readPaperclip({ client: client(s.url), commentsFor: () => true, now: NOW });
    const snap = read.companies[0];
    expect(Object.keys(snap.comments).sort()).toEqual(issues.map((i) => i.id).sort());
    expect(snap.issues[1].description).toContain('sk-live-secret');
    expect(snap.issues[1].descriptionTruncated).toBe(false);
    expect(read.requestCount).toBe(7 + 3 + 1); // 7 reads, 3 comment lists, 1 full issue
  });

  it('asks no comments of an issue never updated since it was created (a comment would have bumped updatedAt)', async () => {
    const mixed = issues.map((i, k) => ({ ...i, createdAt: i.createdAt, updatedAt: k === 0 ? LATER : i.createdAt }));
    const s = await serve(replay({}, mixed));
    const read = await readPaperclip({ client: client(s.url), commentsFor: () => true, now: NOW });
    const asked = s.seen.filter((x) => x.path.endsWith('/comments')).map((x) => x.path);
    expect(asked).toEqual([`/api/issues/${issues[0].id}/comments`]);
    expect(read.companies[0].comments[issues[1].id]).toEqual([]);
    expect(Object.keys(read.companies[0].comments).sort()).toEqual(issues.map((i) => i.id).sort());
  });

  it('keeps requests in flight bounded', async () => {
    const many = manyIssues(40).map((i) => ({ ...i, status: 'blocked' }));
    const s = await serve(async (q, res, n) => {
      await new Promise((r) => setTimeout(r, 15));
      return replay({}, many)(q, res, n);
    });
    const read = await readPaperclip({ client: client(s.url), now: NOW, requestConcurrency: 4 });
    expect(Object.keys(read.companies[0].comments)).toHaveLength(40);
    expect(s.maxInFlight).toBeLessThanOrEqual(4);
    expect(s.maxInFlight).toBeGreaterThan(1);
  });

  it.each([
    ['connection refused', async () => `http://127.0.0.1:${await closedPort()}`, /connection refused \(ECONNREFUSED\), after 2 attempts$/],
    ['a timeout', async () => (await serve(() => undefined)).url, /no complete answer within 150 ms \(timeout\), after 2 attempts$/],
  ])('an unreachable server (%s) is status unavailable with a clear detail, never a throw', async (_what, url, detail) => {
    const u = await url();
    const read = await readPaperclip({ client: client(u, { retries: 1, timeoutMs: 150 }), now: NOW });
    expect(read.status).toBe('unavailable');
    expect(read.detail.startsWith(`${u}: `)).toBe(true);
    expect(read.detail).toMatch(detail);
    expect(read.companies).toEqual([]);
    expect(read.health).toBeNull();
    expect(read.requestCount).toBe(2);
  });

  it('a server answering 503 with a health body everywhere (database down) is unavailable, and its own health report is kept', async () => {
    const s = await serve((q, res) => json(res, 503, { status: 'unhealthy', error: 'database_unreachable' }));
    const read = await readPaperclip({ client: client(s.url, { retries: 1, timeoutMs: 150 }), now: NOW });
    expect(read.status).toBe('unavailable');
    expect(read.detail).toBe(`${s.url}: cannot list companies: HTTP 503 database_unreachable (GET /api/companies, after 2 attempts); health check: HTTP 503 database_unreachable (GET /api/health, after 2 attempts)`);
    expect(read.companies).toEqual([]);
    expect(read.health).toEqual({ status: 'unhealthy', error: 'database_unreachable' });
    expect(read.requestCount).toBe(4);
  });

  it('a companies list that is not a list makes the read unavailable, with the reason', async () => {
    const s = await serve(replay({ 'GET /api/companies': () => ({ companies: [] }) }));
    const read = await readPaperclip({ client: client(s.url), now: NOW });
    expect(read.status).toBe('unavailable');
    expect(read.detail).toMatch(/cannot list companies: unexpected answer to GET \/api\/companies: expected a JSON array/);
  });
});
