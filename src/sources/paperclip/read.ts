// Reads one snapshot of a Paperclip server: health, then for each company its agents, all issues, the
// comments of the issues that need them, recent heartbeat runs, budgets and costs. Never throws: an
// unreachable server gives `status: 'unavailable'` with a detail saying why (a server that answers its health
// check with an error but says why, 503 `{"status":"unhealthy",...}`, is reachable: that answer is kept as
// `health`, and the rest of the read decides whether the source is available); a failing call for one company
// is recorded in that company's `errors`; a record of the wrong shape is dropped and listed in
// `schemaProblems`.

import { PaperclipReadCache, type ReadSecrets } from './cache.js';
import { PaperclipError, type PaperclipClient } from './client.js';
import { systemBlock, type CompanySnapshot } from './model.js';
import { readRunLogs, type RunLogDetector, type RunLogEntry } from './run-logs.js';
import {
  keepValid,
  validateAgent,
  validateBudgetsOverview,
  validateComment,
  validateCompany,
  validateCostRow,
  validateActivity,
  validateApproval,
  validateIssue,
  validateLiveRun,
  validateRoutine,
  validateRun,
  type SchemaProblem,
} from './validate.js';
import type { Activity, Agent, Approval, Comment, Company, CostRow, Issue, LiveRun, Routine, Run } from './records.js';
import { isJsonObject, type JsonObject } from './json.js';

export type { CompanySnapshot } from './model.js';

export interface PaperclipRead {
  status: 'ok' | 'unavailable';
  detail: string;
  health: JsonObject | null;
  companies: CompanySnapshot[];
  schemaProblems: SchemaProblem[];
  /** HTTP requests this read sent (retries included). */
  requestCount: number;
  /** Failures outside a company: a company that could not be read. */
  errors: string[];
  /**
   * Companies the user named (`--company`, config, PAPERCLIP_COMPANY_ID) that the server does not have, each
   * with the companies it does have (null when the key cannot list them): reported as the named source not
   * being readable, whatever rules run, never as a partial read.
   */
  missingCompanies: MissingCompany[];
}

export interface MissingCompany {
  wanted: string;
  /** What the server has instead (issue prefix and name as the server sent them: untrusted text). */
  known: { issuePrefix: unknown; name: unknown }[] | null;
}

export interface ReadPaperclipOptions {
  client: PaperclipClient;
  /** Company ids or issue prefixes (case-insensitive). Empty or absent: every company the key can see. */
  companies?: string[];
  /** Issues whose comments are read besides the blocked ones (e.g. `() => true` for secret scanning). */
  commentsFor?: (issue: Issue) => boolean;
  /**
   * Issues whose full description is fetched when the list row truncated it (`descriptionTruncated`, list rows
   * stop at 1200 characters). Default: the issues `commentsFor` selects (those are the ones scanned for text).
   */
  fullDescriptionFor?: (issue: Issue) => boolean;
  now?: Date;
  /** Companies read at the same time. Default 3. */
  companyConcurrency?: number;
  /** Requests in flight at once across the whole read. Default 6 (the server answers 429 above 8 concurrent issue lists). */
  requestConcurrency?: number;
  /** Days of spend behind the burn rate. Default 7. */
  burnWindowDays?: number;
  /** Heartbeat runs read per company. Default 1000 (the server's maximum). */
  runLimit?: number;
  /**
   * The previous reads of a long-running process (`watch`): only issues changed since then are listed, and only
   * their comments and descriptions re-read, so an unchanged company costs a fixed number of requests.
   */
  cache?: PaperclipReadCache;
  /** Runs fetched one by one (GET /heartbeat-runs/{id}) per company for server blocks whose run is not in the list. Default 20. */
  blockRunLimit?: number;
  /**
   * Only check that the server answers and has the companies named (health and the company list): for a
   * Paperclip the user named while no selected rule reads it, so that it is still reported when it does not.
   */
  probeOnly?: boolean;
  /**
   * Read the logs, events and records of finished runs and detect secrets in them (a rule on `run` subjects):
   * at most `maxRuns` not read before per company, newest first. Remembered in `cache.runLogs` when there is a
   * cache, so a later read takes only the runs finished since.
   */
  runLogs?: { detect: RunLogDetector; maxRuns: number };
  /**
   * Also read the comments of the issues that runs of the last `wakeCommentsHours` (default 24) were woken on
   * by a comment (`contextSnapshot.wakeCommentId`): who wrote it tells a run the agent's own comment woke.
   */
  wakeComments?: boolean;
  wakeCommentsHours?: number;
  /** Read each company's live runs (a rule uses the agent's `liveRuns` fact). */
  liveRuns?: boolean;
  /** Read each company's routines and approvals (a rule is about routines). */
  routines?: boolean;
}

const DAY = 86_400_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function readPaperclip(opts: ReadPaperclipOptions): Promise<PaperclipRead> {
  const before = opts.client.requestCount;
  try {
    return await read(opts);
  } catch (e) {
    // Not expected (every call is guarded); a bug here must still not take the scan down.
    return {
      status: 'unavailable',
      detail: `${opts.client.baseUrl}: read failed: ${why(e)}`,
      health: null,
      companies: [],
      schemaProblems: [],
      requestCount: opts.client.requestCount - before,
      errors: [],
      missingCompanies: [],
    };
  }
}

async function read(opts: ReadPaperclipOptions): Promise<PaperclipRead> {
  const { client } = opts;
  const now = opts.now ?? new Date();
  const startCount = client.requestCount;
  const schemaProblems: SchemaProblem[] = [];
  const errors: string[] = [];
  const missingCompanies: MissingCompany[] = [];
  const limit = limiter(opts.requestConcurrency ?? 6);
  const base = client.baseUrl;
  const result = (status: PaperclipRead['status'], detail: string, health: JsonObject | null, companies: CompanySnapshot[]): PaperclipRead => ({
    status,
    detail,
    health,
    companies,
    schemaProblems,
    requestCount: client.requestCount - startCount,
    errors,
    missingCompanies,
  });

  let health: JsonObject;
  // The health check's own failure, when the server answered it with an error but said why.
  let healthError = '';
  try {
    health = await client.health();
  } catch (e) {
    // A server whose database is down answers 503 {"status":"unhealthy","error":"database_unreachable",...}:
    // reachable, and saying what is wrong. That body is its health (ops/server-health reports it); whether the
    // source is available is up to the reads below. No answer, or an error without such a body: unavailable.
    const body = e instanceof PaperclipError && e.code === 'http' ? e.body : undefined;
    if (!isHealthBody(body)) return result('unavailable', `${base}: ${why(e)}`, null, []);
    health = body;
    healthError = why(e);
  }
  const unhealthy = typeof health?.status === 'string' && health.status !== 'ok' ? `; server reports status "${health.status}"${typeof health.error === 'string' ? ` (${health.error})` : ''}` : '';

  let listed: unknown[];
  try {
    listed = await selectCompanies(client, opts.companies ?? [], errors, missingCompanies);
  } catch (e) {
    return result('unavailable', `${base}: cannot list companies: ${why(e)}${healthError ? `; health check: ${healthError}` : unhealthy}`, health, []);
  }
  const companies = keepValid<Company>(listed, validateCompany, schemaProblems, 'companies');
  if (opts.probeOnly) {
    const detail = `${base}: answers, ${plural(companies.length, 'company', 'companies')} (health and company list only: no selected rule reads more)${unhealthy}`;
    return result('ok', detail, health, []);
  }

  const snapshots = await mapBounded(companies, opts.companyConcurrency ?? 3, (c) => readCompany(client, c, { ...opts, now }, limit, schemaProblems));
  // An answer over a byte limit stopped the whole read (the client sends nothing after it): what was read is
  // not the server's state, so nothing of it is evaluated, and the limit is what the finding names.
  if (client.limitExceeded) return result('unavailable', `${base}: ${why(client.limitExceeded)}`, health, []);
  const agents = snapshots.reduce((n, s) => n + s.agents.length, 0);
  const issues = snapshots.reduce((n, s) => n + s.issues.length, 0);
  const partial = snapshots.reduce((n, s) => n + s.errors.length, 0) + errors.length;
  const requests = client.requestCount - startCount;
  const detail =
    `${base}: ${plural(snapshots.length, 'company', 'companies')}, ${plural(agents, 'agent')}, ${plural(issues, 'issue')}, ${plural(requests, 'request')}` +
    (partial ? `; ${plural(partial, 'partial failure')}` : '') +
    (schemaProblems.length ? `; ${plural(schemaProblems.length, 'schema problem')}` : '') +
    unhealthy;
  return result('ok', detail, health, snapshots);
}

async function selectCompanies(client: PaperclipClient, wanted: string[], errors: string[], missing: MissingCompany[]): Promise<unknown[]> {
  const want = wanted.map((w) => w.trim()).filter(Boolean);
  let all: unknown[];
  try {
    all = await client.listCompanies();
  } catch (e) {
    // An agent key cannot list companies (board only) but can read its own company by id.
    const denied = e instanceof PaperclipError && (e.status === 401 || e.status === 403);
    if (!denied || !want.length || !want.every((w) => UUID.test(w))) throw e;
    const out: unknown[] = [];
    for (const id of want) {
      try {
        out.push(await client.getCompany(id));
      } catch (err) {
        if (err instanceof PaperclipError && err.status === 404) missing.push({ wanted: id, known: null });
        else errors.push(`company ${id}: ${why(err)}`);
      }
    }
    if (!out.length && !missing.length) throw e;
    return out;
  }
  if (!want.length) return all;
  const out: unknown[] = [];
  const objects = all.filter(isJsonObject);
  for (const w of want) {
    const lw = w.toLowerCase();
    const c = objects.find((x) => (x.id === w || (typeof x.issuePrefix === 'string' && x.issuePrefix.toLowerCase() === lw)));
    if (!c) missing.push({ wanted: w, known: objects.map((x) => ({ issuePrefix: x.issuePrefix, name: x.name })) });
    else if (!out.includes(c)) out.push(c);
  }
  return out;
}

async function readCompany(
  client: PaperclipClient,
  company: Company,
  opts: ReadPaperclipOptions & { now: Date },
  limit: Limiter,
  problems: SchemaProblem[],
): Promise<CompanySnapshot> {
  const id: string = company.id;
  const errors: string[] = [];
  const { start } = monthWindow(opts.now);
  const burnDays = opts.burnWindowDays ?? 7;
  const recentFrom = new Date(Math.max(opts.now.getTime() - burnDays * DAY, start.getTime()));
  const attempt = async <T>(what: string, f: () => Promise<T>): Promise<T | null> => {
    try {
      return await f();
    } catch (e) {
      errors.push(`${what}: ${why(e)}`);
      return null;
    }
  };

  // `held`: what an earlier read kept, however old; `cached`: the same when the list may be read incrementally
  // (not when the hourly full list is due).
  const held = opts.cache?.held(client.baseUrl, id) ?? null;
  const cached = opts.cache?.lookup(client.baseUrl, id, opts.now) ?? null;
  const since = cached ? PaperclipReadCache.since(cached) : null;
  // Asked for only when a selected rule needs them (sources/needs.ts): one request each per company.
  const optional = Promise.all([
    opts.liveRuns ? attempt('live runs', () => limit(() => client.listLiveRuns(id))) : null,
    opts.routines ? attempt('routines', () => limit(() => client.listRoutines(id))) : null,
    opts.routines ? attempt('approvals', () => limit(() => client.listApprovals(id))) : null,
  ]);
  const [agentsRaw, issuesRaw, runsRaw, budgetsRaw, recentRaw] = await Promise.all([
    attempt('agents', () => limit(() => client.listAgents(id))),
    // Pages are read one after the other inside listIssues; one slot of the limiter is held meanwhile.
    attempt('issues', () => limit(() => client.listIssues(id, since ? { updatedSince: since } : {}))),
    attempt('heartbeat runs', () => limit(() => client.listHeartbeatRuns(id, { limit: opts.runLimit ?? 1000, summary: true }))),
    attempt('budgets overview', () => limit(() => client.budgetsOverview(id))),
    attempt('recent costs', () => limit(() => client.costsByAgent(id, { from: recentFrom, to: opts.now }))),
  ]);

  const before = problems.length;
  const agents = agentsRaw ? keepValid<Agent>(agentsRaw, validateAgent, problems, 'agents') : [];
  const afterAgents = problems.length;
  const listed = issuesRaw ? keepValid<Issue>(issuesRaw, validateIssue, problems, 'issues') : [];
  // Read whole, every record valid: one not in the list is gone (pending completions plan by it).
  const agentsWhole = agentsRaw !== null && afterAgents === before;
  const issuesWhole = issuesRaw !== null && problems.length === afterAgents;
  // With a cache and an incremental list, `listed` holds only the changed issues.
  const incremental = Boolean(cached && since && issuesRaw);
  let issues = incremental ? PaperclipReadCache.merge(cached!, listed) : held && issuesRaw ? PaperclipReadCache.relist(held, listed) : listed;
  // What the previous read kept of an issue still holds when the issue's updatedAt is the same (a comment
  // added or deleted bumps it), also on a full list: the list asks a little before the newest updatedAt
  // (slack), so an issue in `listed` is not necessarily a changed one.
  const unchanged = (i: Issue, entry: { updatedAt: string } | undefined) => held !== null && issuesRaw !== null && entry !== undefined && entry.updatedAt === i.updatedAt;
  const runs = runsRaw ? keepValid<Run>(runsRaw, validateRun, problems, 'heartbeat runs') : [];
  const budgets = budgetsRaw ? validateBudgetsOverview(budgetsRaw, id, problems) : null;
  const [liveRaw, routinesRaw, approvalsRaw] = await optional;
  const liveRuns = liveRaw ? keepValid<LiveRun>(liveRaw, validateLiveRun, problems, 'live runs') : null;
  const routines = routinesRaw ? keepValid<Routine>(routinesRaw, validateRoutine, problems, 'routines') : null;
  const approvals = approvalsRaw ? keepValid<Approval>(approvalsRaw, validateApproval, problems, 'approvals') : null;
  const recentCosts = recentRaw ? { byAgent: keepValid<CostRow>(recentRaw, validateCostRow, problems, 'cost rows'), from: recentFrom.toISOString(), to: opts.now.toISOString() } : null;

  // Comments: blocked issues always (rules tell people's blocks from the server's by them), plus whatever the caller asks for.
  const extra = opts.commentsFor;
  const wakeIssues = new Set<string>();
  if (opts.wakeComments) {
    const since = opts.now.getTime() - (opts.wakeCommentsHours ?? 24) * 3_600_000;
    for (const r of runs) if (typeof r.contextSnapshot?.wakeCommentId === 'string' && typeof r.contextSnapshot?.issueId === 'string' && Date.parse(r.createdAt) >= since) wakeIssues.add(r.contextSnapshot.issueId);
  }
  const needComments = issues.filter((i) => i.status === 'blocked' || wakeIssues.has(i.id) || (extra ? safe(extra, i) : false));
  // Keyed by ids the server chose: no prototype (an issue `constructor` or `__proto__` is an issue like any other).
  const comments: Record<string, Comment[]> = Object.create(null);
  const unread: string[] = [];
  const commentsRead = new Map<string, { updatedAt: string; comments: Comment[] }>();
  await Promise.all(
    needComments.map(async (i) => {
      // Posting or deleting a comment bumps the issue's updatedAt (test/e2e/redact.test.ts checks it), so an
      // issue never updated since it was created has no comments: no request for the untouched backlog.
      if (typeof i.createdAt === 'string' && i.createdAt === i.updatedAt) {
        comments[i.id] = [];
        return;
      }
      const prev = held?.comments.get(i.id);
      if (unchanged(i, prev)) {
        comments[i.id] = prev!.comments;
        commentsRead.set(i.id, prev!);
        return;
      }
      const cs = await attempt(`comments of ${i.identifier ?? i.id}`, () => limit(() => client.listComments(i.id)));
      if (cs) {
        comments[i.id] = keepValid<Comment>(cs, validateComment, problems, 'comments');
        commentsRead.set(i.id, { updatedAt: i.updatedAt, comments: comments[i.id] });
      } else unread.push(i.id);
    }),
  );

  // Server blocks that left no comment and no recovery field (a failed run, then the recovery sweep): the
  // issue's activity tells. Only those issues: they are the ones ops/blocked-without-reason would otherwise
  // comment on, and a comment wakes the assignee.
  const activity: Record<string, Activity[]> = Object.create(null);
  const activityRead = new Map<string, { updatedAt: string; rows: Activity[] }>();
  const unexplained = issues.filter((i) => i.status === 'blocked' && !systemBlock(i, comments[i.id] ?? [], []).bySystem);
  await Promise.all(
    unexplained.map(async (i) => {
      const prev = held?.activity.get(i.id);
      if (unchanged(i, prev)) {
        activity[i.id] = prev!.rows;
        activityRead.set(i.id, prev!);
        return;
      }
      const rows = await attempt(`activity of ${i.identifier ?? i.id}`, () => limit(() => client.listActivity(id, { entityType: 'issue', entityId: i.id, limit: 20 })));
      if (rows) {
        activity[i.id] = keepValid<Activity>(rows, validateActivity, problems, 'activity');
        activityRead.set(i.id, { updatedAt: i.updatedAt, rows: activity[i.id] });
      } else unread.push(i.id);
    }),
  );

  // clipguard's own pauses (`clipguard.pause` entries it wrote in the activity log): the server records a
  // board pause as `manual`, so only these tell a budget stop clipguard made from a person's pause, also with
  // a fresh state directory. Only paused agents are asked about (one request each; most companies have none).
  const clipguardPauses: Record<string, { at: string; rule: string }[]> = Object.create(null); // keyed by agent ids: no prototype
  await Promise.all(
    agents
      .filter((a) => a.status === 'paused' && a.pauseReason === 'manual')
      .map(async (a) => {
        const rows = await attempt(`activity of agent ${a.name ?? a.id}`, () => limit(() => client.listActivity(id, { entityType: 'agent', entityId: a.id, limit: 50 })));
        const own = (rows ? keepValid<Activity>(rows, validateActivity, problems, 'activity') : []).filter((r) => r.action === 'clipguard.pause' && r.actorId === 'clipguard' && (r.details?.outcome ?? 'applied') === 'applied');
        if (own.length) clipguardPauses[a.id] = own.map((r) => ({ at: String(r.createdAt), rule: typeof r.details?.rule === 'string' ? r.details.rule : 'budget' }));
      }),
  );

  // The run behind each server block, when the runs list (newest 1000) no longer has it: bounded per company.
  const runsListed = new Set(runs.map((r) => r.id));
  const missing = [
    ...new Set(
      issues
        .filter((i) => i.status === 'blocked')
        .map((i) => systemBlock(i, comments[i.id] ?? [], activity[i.id] ?? []).runId)
        .filter((r): r is string => typeof r === 'string' && !runsListed.has(r)),
    ),
  ].slice(0, opts.blockRunLimit ?? 20);
  const blockRuns: Record<string, Run> = Object.create(null);
  await Promise.all(
    missing.map(async (runId) => {
      // A run the server no longer has (404) is not a failure of the read: the finding just names its id.
      const r = await attempt(`heartbeat run ${runId}`, () => limit(() => client.getHeartbeatRun(runId).catch((e) => (e instanceof PaperclipError && e.status === 404 ? null : Promise.reject(e)))));
      if (!r) return;
      const p = validateRun(r);
      if (p.length) problems.push(...p);
      else blockRuns[runId] = r as Run;
    }),
  );

  // Full descriptions where the list row cut them and the text matters (secret scanning). A cached row keeps
  // the full description it was given, so only changed issues are fetched again.
  const fullFor = opts.fullDescriptionFor ?? extra;
  if (fullFor) {
    const cut = issues.filter((i) => i.descriptionTruncated === true && safe(fullFor, i));
    const full = new Map<string, string>();
    await Promise.all(
      cut.map(async (i) => {
        const f = await attempt(`issue ${i.identifier ?? i.id}`, () => limit(() => client.getIssue(i.id)));
        if (f && typeof f.description === 'string') full.set(i.id, f.description);
      }),
    );
    if (full.size) issues = issues.map((i) => (full.has(i.id) ? { ...i, description: full.get(i.id)!, descriptionTruncated: false } : i));
  }

  // Run logs: the finished runs not read before (run-logs.ts); what was found in them is remembered.
  let runLogs: Record<string, RunLogEntry> | undefined;
  let runLogsPending: number | undefined;
  if (opts.runLogs && runsRaw) {
    const memory = opts.cache?.runLogs ?? null;
    const r = await readRunLogs(client, runs, { detect: opts.runLogs.detect, maxRuns: opts.runLogs.maxRuns, limit, known: memory?.held(client.baseUrl, id) ?? null });
    errors.push(...r.errors);
    runLogs = r.logs;
    runLogsPending = r.pending;
    memory?.store(client.baseUrl, id, runs.map((x) => x.id), r.logs);
  }

  let secrets: ReadSecrets | undefined;
  if (opts.cache) {
    // A list that failed (a 500, a reset) leaves what was kept as it was: it still says what the server held
    // at its cursor, so the next read asks for the changes since then, not for everything (a full re-read
    // after every failure would hit a struggling server hardest).
    if (issuesRaw) secrets = opts.cache.store(client.baseUrl, id, { issues, comments: commentsRead, activity: activityRead, fullAt: incremental ? cached!.fullAt : opts.now.getTime() });
  }

  return { company, agents, issues, comments, runs, activity, blockRuns, budgets, recentCosts, errors, listed: { agents: agentsWhole, issues: issuesWhole }, unread, clipguardPauses, liveRuns, routines, approvals, ...(secrets ? { secrets } : {}), ...(runLogs ? { runLogs, runLogsPending } : {}) };
}

// ------------------------------------------------------------------ helpers

export function monthWindow(now: Date): { start: Date; end: Date } {
  return {
    start: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)),
    end: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)),
  };
}

/** An error answer to GET /api/health that is still a health report: a JSON object with a string `status`. */
function isHealthBody(body: unknown): body is { status: string } {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && typeof (body as { status?: unknown }).status === 'string' && (body as { status: string }).status !== '';
}

/** Why a call failed, in words for a report (never contains the API key: PaperclipError messages are scrubbed). */
function why(e: unknown): string {
  if (e instanceof PaperclipError) {
    const tries = e.attempts > 1 ? `, after ${e.attempts} attempts` : '';
    if (e.code === 'http') return `${e.reason} (${e.method} ${e.path}${tries})`;
    if (e.code === 'schema') return `unexpected answer to ${e.method} ${e.path}: ${e.reason}`;
    if (e.code === 'too-large') return `${e.reason} (${e.method} ${e.path})`;
    return `${e.reason}${tries}`;
  }
  return (e as Error)?.message ?? String(e);
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function safe(f: (i: Issue) => boolean, i: Issue): boolean {
  try {
    return Boolean(f(i));
  } catch {
    return false;
  }
}

type Limiter = <T>(f: () => Promise<T>) => Promise<T>;

/** At most `n` tasks at once; the others wait in order. */
function limiter(n: number): Limiter {
  let active = 0;
  const queue: (() => void)[] = [];
  const next = () => {
    if (active >= n) return;
    const run = queue.shift();
    if (run) {
      active++;
      run();
    }
  };
  return <T>(f: () => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      queue.push(() => {
        f()
          .then(resolve, reject)
          .finally(() => {
            active--;
            next();
          });
      });
      next();
    });
}

async function mapBounded<T, R>(items: T[], n: number, f: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let i = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(n, items.length)) }, async () => {
    while (i < items.length) {
      const k = i++;
      out[k] = await f(items[k]);
    }
  });
  await Promise.all(workers);
  return out;
}
