// A recorded Paperclip with state: a loopback HTTP server that answers the routes clipguard reads and writes
// with the records of fixtures/paperclip-samples/ (paperclipai@2026.916.1) as templates, and applies writes
// with the semantics /work/shared/paperclip/API.md gives them: checkout (atomic, 409 on conflict, 422 on an
// unresolved blocker), release (in_progress -> todo, unassigned), pause (`manual`, pausedAt) / resume, comments
// (soft delete), PATCH of an issue, activity entries. Just enough for the planner + executor property tests:
// what a dry-run plans and what --apply then does are compared against it.
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { sample } from './samples.js';

export interface FakeWorld {
  company: any;
  agents: any[];
  issues: any[];
  /** issueId -> comments, oldest first. */
  comments: Record<string, any[]>;
  activity: any[];
  /** Heartbeat runs that are live (queued, running): GET /companies/{id}/live-runs; the pause route cancels an agent's. */
  liveRuns?: any[];
  /** GET /companies/{id}/routines; PATCH /routines/{id}. */
  routines?: any[];
  /** GET / POST /companies/{id}/approvals; POST /approvals/{id}/approve | reject. */
  approvals?: any[];
  /** approvalId -> comments: GET / POST /approvals/{id}/comments. */
  approvalComments?: Record<string, any[]>;
}

export interface FakePaperclip {
  url: string;
  world: FakeWorld;
  /** Every write the server accepted (method and path), in order. */
  writes: string[];
  close(): Promise<void>;
}

const COMPANY = sample('02-company-create');
const AGENT = sample('06-agents-list')[0];
const ISSUE = sample('10-issues-list-all')[0];
const COMMENT = sample('21-comments-list')[0];
const HEALTH = sample('01-health');

let seq = 0;
const uuid = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
export const fakeId = () => uuid(++seq + 0x100000);

export function fakeCompany(fields: Record<string, unknown> = {}): any {
  return { ...COMPANY, id: fakeId(), name: 'Prop Co', issuePrefix: 'PRP', budgetMonthlyCents: 0, spentMonthlyCents: 0, ...fields };
}

export function fakeAgent(companyId: string, n: number, fields: Record<string, unknown> = {}): any {
  return { ...AGENT, id: fakeId(), companyId, name: `Agent${n}`, urlKey: `agent${n}`, role: 'engineer', reportsTo: null, orgChainHealth: undefined, status: 'idle', pauseReason: null, pausedAt: null, errorReason: null, budgetMonthlyCents: 0, spentMonthlyCents: 0, ...fields };
}

export function fakeIssue(company: any, n: number, fields: Record<string, unknown> = {}): any {
  return { ...ISSUE, id: fakeId(), companyId: company.id, issueNumber: n, identifier: `${company.issuePrefix}-${n}`, title: `Task ${n}`, description: `Do task ${n}.`, blockedBy: [], ...fields };
}

export async function serveFakePaperclip(world: FakeWorld): Promise<FakePaperclip> {
  const writes: string[] = [];
  const sockets = new Set<Socket>();
  const now = () => new Date().toISOString();
  const agentById = (id: string) => world.agents.find((a) => a.id === id);
  const issueBy = (id: string) => world.issues.find((i) => i.id === id || i.identifier === id);
  const withBlockers = (i: any) => ({ ...i, blockedBy: (i.blockedBy ?? []).map((b: any) => ({ ...b, status: issueBy(b.id)?.status ?? b.status })) });
  const touch = (i: any) => (i.updatedAt = now());

  const route = (method: string, path: string, q: URLSearchParams, body: any): [number, unknown] => {
    const m = (re: RegExp) => re.exec(path);
    let r: RegExpExecArray | null;
    if (method === 'GET' && path === '/api/health') return [200, HEALTH];
    if (method === 'GET' && path === '/api/companies') return [200, [world.company]];
    if ((r = m(/^\/api\/companies\/([^/]+)$/)) && method === 'GET') return r[1] === world.company.id ? [200, world.company] : [404, { error: 'Company not found' }];
    if ((r = m(/^\/api\/companies\/([^/]+)\/(agents|issues|heartbeat-runs|budgets\/overview|costs\/by-agent|activity|live-runs|routines|approvals)$/))) {
      if (r[1] !== world.company.id) return [404, { error: 'Company not found' }];
      switch (`${method} ${r[2]}`) {
        case 'GET agents':
          return [200, world.agents];
        case 'GET issues': {
          const statuses = q.get('status')?.split(',');
          const since = q.get('updatedSince');
          const rows = world.issues.filter((i) => (!statuses || statuses.includes(i.status)) && (!since || i.updatedAt >= since)).map(withBlockers);
          const offset = Number(q.get('offset') ?? 0);
          const limit = Number(q.get('limit') ?? 500);
          return [200, rows.slice(offset, offset + limit)];
        }
        case 'GET heartbeat-runs':
          return [200, []];
        case 'GET budgets/overview':
          return [200, { companyId: world.company.id, policies: [], activeIncidents: [], pausedAgentCount: world.agents.filter((a) => a.status === 'paused').length, pausedProjectCount: 0, pendingApprovalCount: 0 }];
        case 'GET costs/by-agent':
          return [200, []];
        case 'GET live-runs':
          return [200, (world.liveRuns ?? []).filter((x) => x.status === 'queued' || x.status === 'running')];
        case 'GET routines':
          return [200, world.routines ?? []];
        case 'GET approvals':
          return [200, world.approvals ?? []];
        case 'POST approvals': {
          const ap = { id: fakeId(), companyId: world.company.id, type: body.type, requestedByAgentId: null, requestedByUserId: 'local-board', status: 'pending', payload: body.payload, decisionNote: null, decidedByUserId: null, decidedAt: null, createdAt: now(), updatedAt: now() };
          (world.approvals ??= []).push(ap);
          return [201, ap];
        }
        case 'GET activity': {
          const rows = world.activity.filter((a) => (!q.get('entityType') || a.entityType === q.get('entityType')) && (!q.get('entityId') || a.entityId === q.get('entityId')));
          return [200, rows.slice().reverse().slice(0, Number(q.get('limit') ?? 100))];
        }
        case 'POST activity': {
          const entry = { id: fakeId(), companyId: world.company.id, actorType: body.actorType ?? 'system', actorId: body.actorId, action: body.action, entityType: body.entityType, entityId: body.entityId, agentId: null, runId: null, details: body.details ?? null, createdAt: now() };
          world.activity.push(entry);
          return [201, entry];
        }
      }
    }
    if ((r = m(/^\/api\/agents\/([^/]+)(\/pause|\/resume|\/runtime-state\/reset-session)?$/))) {
      const a = agentById(r[1]);
      if (!a) return [404, { error: 'Agent not found' }];
      if (method === 'GET' && !r[2]) return [200, a];
      if (method === 'POST' && r[2] === '/pause') {
        Object.assign(a, { status: 'paused', pauseReason: 'manual', pausedAt: now(), errorReason: null, updatedAt: now() });
        // As the real pause route (cancelActiveForAgent; test/e2e/hard-stop.test.ts): the agent's live runs end.
        for (const run of world.liveRuns ?? []) if (run.agentId === a.id && (run.status === 'queued' || run.status === 'running')) Object.assign(run, { status: 'cancelled', finishedAt: now() });
        return [200, a];
      }
      if (method === 'POST' && r[2] === '/resume') {
        Object.assign(a, { status: 'idle', pauseReason: null, pausedAt: null, errorReason: null, updatedAt: now() });
        return [200, a];
      }
      if (method === 'POST' && r[2] === '/runtime-state/reset-session') return [200, { ok: true }];
    }
    if ((r = m(/^\/api\/issues\/([^/]+)(\/checkout|\/release|\/comments)?(?:\/([^/]+))?$/))) {
      const i = issueBy(r[1]);
      if (!i) return [404, { error: 'Issue not found' }];
      const sub = r[2];
      if (method === 'GET' && !sub) return [200, withBlockers(i)];
      if (method === 'PATCH' && !sub) {
        // As paperclipai 2026.916.1 answers (services/issue-change-receipt.js buildIssueChanges): what each field
        // held just before, a description (and a title over 200 code points) cut to its first 200 code points.
        const cut = (v: unknown) => (typeof v === 'string' ? Array.from(v).slice(0, 200).join('') : v);
        const long = (k: string, a: unknown, b: unknown) => k === 'description' || (k === 'title' && [a, b].some((v) => typeof v === 'string' && Array.from(v).length > 200));
        const changes: Record<string, unknown> = {};
        for (const k of Object.keys(body ?? {})) if (JSON.stringify(i[k]) !== JSON.stringify(body[k])) changes[k] = long(k, i[k], body[k]) ? { from: cut(i[k]), to: cut(body[k]), updated: true } : { from: i[k], to: body[k] };
        Object.assign(i, body);
        touch(i);
        return [200, { ...withBlockers(i), changes }];
      }
      if (method === 'POST' && sub === '/checkout') {
        const blockers = withBlockers(i).blockedBy.filter((b: any) => b.status !== 'done' && b.status !== 'cancelled');
        if (blockers.length) return [422, { error: 'Issue is blocked by unresolved blockers', details: { unresolvedBlockerIssueIds: blockers.map((b: any) => b.id) } }];
        if (!body?.expectedStatuses?.includes(i.status) || (i.assigneeAgentId && i.assigneeAgentId !== body.agentId)) return [409, { error: 'Issue checkout conflict', details: { issueId: i.id, status: i.status, assigneeAgentId: i.assigneeAgentId } }];
        Object.assign(i, { status: 'in_progress', assigneeAgentId: body.agentId, assigneeUserId: null, startedAt: now() });
        touch(i);
        return [200, withBlockers(i)];
      }
      if (method === 'POST' && sub === '/release') {
        Object.assign(i, { status: i.status === 'in_progress' ? 'todo' : i.status, assigneeAgentId: null, checkoutRunId: null, executionRunId: null });
        touch(i);
        return [200, withBlockers(i)];
      }
      if (sub === '/comments') {
        const list = (world.comments[i.id] ??= []);
        if (method === 'GET' && !r[3]) {
          const rows = q.get('order') === 'asc' ? list : list.slice().reverse();
          const after = q.get('after');
          const from = after ? rows.findIndex((c) => c.id === after) + 1 : 0;
          return [200, rows.slice(from, from + Number(q.get('limit') ?? 500))];
        }
        if (method === 'POST' && !r[3]) {
          const c = { ...COMMENT, id: fakeId(), companyId: i.companyId, issueId: i.id, body: body.body, authorType: 'user', authorUserId: 'local-board', authorAgentId: null, deletedAt: null, createdAt: now(), updatedAt: now() };
          list.push(c);
          touch(i);
          return [201, c];
        }
        if (method === 'DELETE' && r[3]) {
          const c = list.find((x) => x.id === r![3]);
          if (!c) return [404, { error: 'Comment not found' }];
          // As Paperclip: only the author deletes; the board is the user `local-board`.
          if (c.authorUserId !== 'local-board') return [403, { error: 'Only the comment author can delete comments' }];
          Object.assign(c, { deletedAt: now(), body: '' });
          touch(i);
          return [200, c];
        }
      }
    }
    if ((r = m(/^\/api\/heartbeat-runs\/([^/]+)\/cancel$/)) && method === 'POST') {
      const run = (world.liveRuns ?? []).find((x) => x.id === r![1]);
      if (!run) return [404, { error: 'Heartbeat run not found' }];
      if (run.status === 'queued' || run.status === 'running') Object.assign(run, { status: 'cancelled', finishedAt: now() });
      return [200, run];
    }
    if ((r = m(/^\/api\/approvals\/([^/]+)\/(comments|approve|reject)$/))) {
      const ap = (world.approvals ?? []).find((x) => x.id === r![1]);
      if (!ap) return [404, { error: 'Approval not found' }];
      if (r[2] === 'comments') {
        if (method === 'GET') return [200, world.approvalComments?.[ap.id] ?? []];
        if (method === 'POST') {
          const c = { id: fakeId(), companyId: ap.companyId, approvalId: ap.id, authorAgentId: null, authorUserId: 'local-board', body: body.body, createdAt: now(), updatedAt: now() };
          ((world.approvalComments ??= {})[ap.id] ??= []).push(c);
          return [201, c];
        }
      }
      // As Paperclip: the board decides a pending or revision_requested request once.
      if (method === 'POST' && (ap.status === 'pending' || ap.status === 'revision_requested')) {
        Object.assign(ap, { status: r[2] === 'approve' ? 'approved' : 'rejected', decidedByUserId: 'local-board', decidedAt: now(), updatedAt: now() });
        return [200, ap];
      }
      if (method === 'POST') return [422, { error: 'Only pending or revision requested approvals can be decided' }];
    }
    if ((r = m(/^\/api\/routines\/([^/]+)$/))) {
      const rt = (world.routines ?? []).find((x) => x.id === r![1]);
      if (!rt) return [404, { error: 'Routine not found' }];
      if (method === 'GET') return [200, rt];
      if (method === 'PATCH') {
        Object.assign(rt, body, { updatedByUserId: 'local-board', updatedAt: now() });
        return [200, rt];
      }
    }
    return [404, { error: 'API route not found' }];
  };

  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://x');
      let body: any;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = undefined;
      }
      const [status, out] = route(req.method ?? 'GET', u.pathname, u.searchParams, body);
      if (req.method !== 'GET' && status < 300) writes.push(`${req.method} ${u.pathname}`);
      const s = JSON.stringify(out);
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(s) });
      res.end(s);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    world,
    writes,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
