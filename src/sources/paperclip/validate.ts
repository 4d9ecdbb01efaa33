// Light runtime checks of the Paperclip fields rules rely on. Not a full schema: unknown and extra fields
// are fine (the server adds fields often); a field rules read that is missing or has the wrong type or an
// unknown enum value is a problem. A record with a problem is dropped from the snapshot and the problem is
// reported (the source subject carries it), so one odd record never crashes a scan nor feeds a rule garbage.

export const AGENT_STATUSES = ['active', 'paused', 'idle', 'running', 'error', 'pending_approval', 'terminated'] as const;
export const ISSUE_STATUSES = ['backlog', 'todo', 'in_progress', 'in_review', 'done', 'blocked', 'cancelled'] as const;
export const ISSUE_PRIORITIES = ['critical', 'high', 'medium', 'low'] as const;
export const COMMENT_AUTHOR_TYPES = ['user', 'agent', 'system'] as const;
export const COMPANY_STATUSES = ['active', 'paused', 'archived'] as const;
export const BUDGET_SCOPE_TYPES = ['company', 'agent', 'project'] as const;
export const BUDGET_POLICY_STATUSES = ['ok', 'warning', 'hard_stop'] as const;
export const HEARTBEAT_RUN_STATUSES = ['queued', 'scheduled_retry', 'running', 'succeeded', 'interrupted', 'failed', 'cancelled', 'timed_out'] as const;
export const ACTIVITY_ACTOR_TYPES = ['agent', 'user', 'system', 'plugin'] as const;

export interface SchemaProblem {
  /** "agent", "issue", "comment", "company", "budgets", "budget policy", "run", "activity", "cost row". */
  entity: string;
  id: string;
  /** Dotted path of the field, e.g. "runtimeConfig.heartbeat". */
  field: string;
  /** e.g. `agent 3f2a9c1e…: field "status" expected string, got number`. */
  message: string;
}

type Rec = Record<string, unknown>;
type Check = (v: unknown) => string | null; // null: fine; else what was expected

const str: Check = (v) => (typeof v === 'string' ? null : 'string');
const nonEmpty: Check = (v) => (typeof v === 'string' && v.length > 0 ? null : 'non-empty string');
const strOrNull: Check = (v) => (v === null || typeof v === 'string' ? null : 'string or null');
const optStrOrNull: Check = (v) => (v === undefined || v === null || typeof v === 'string' ? null : 'string or null');
const int: Check = (v) => (typeof v === 'number' && Number.isInteger(v) ? null : 'integer');
const num: Check = (v) => (typeof v === 'number' && Number.isFinite(v) ? null : 'number');
const bool: Check = (v) => (typeof v === 'boolean' ? null : 'boolean');
const arr: Check = (v) => (Array.isArray(v) ? null : 'array');
const optObj: Check = (v) => (v === undefined || v === null || isObj(v) ? null : 'object or null');
const optBool: Check = (v) => (v === undefined || v === null || typeof v === 'boolean' ? null : 'boolean');
const optNum: Check = (v) => (v === undefined || v === null || (typeof v === 'number' && Number.isFinite(v)) ? null : 'number');
const optArr: Check = (v) => (v === undefined || v === null || Array.isArray(v) ? null : 'array');
const date: Check = (v) => (typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? null : 'ISO date string');
const optDate: Check = (v) => (v === undefined || v === null ? null : date(v));
const oneOf =
  (values: readonly string[]): Check =>
  (v) =>
    typeof v !== 'string' ? 'string' : values.includes(v) ? null : `one of ${values.join(', ')}`;

const AGENT: [string, Check][] = [
  ['id', nonEmpty],
  ['companyId', nonEmpty],
  ['name', str],
  ['role', str],
  ['status', oneOf(AGENT_STATUSES)],
  ['budgetMonthlyCents', int],
  ['spentMonthlyCents', int],
  ['pauseReason', optStrOrNull],
  // budget facts (month rolled over since the pause), the paused-agent message
  ['pausedAt', optDate],
  ['errorReason', optStrOrNull],
  // dispatch-missed: idle since the last run, or since the agent was created
  ['createdAt', date],
  ['runtimeConfig', optObj],
  ['runtimeConfig.heartbeat', optObj],
  // heartbeat-policy and the CEO's dispatch interval. Absent is fine (the server omits what was never set:
  // recorded agents have no intervalSec); a string "900" or "yes" would read as "no timer" and misfire.
  ['runtimeConfig.heartbeat.enabled', optBool],
  ['runtimeConfig.heartbeat.intervalSec', optNum],
  ['runtimeConfig.heartbeat.wakeOnDemand', optBool],
];

const ISSUE: [string, Check][] = [
  ['id', nonEmpty],
  ['identifier', str],
  ['title', str],
  ['description', optStrOrNull],
  ['status', oneOf(ISSUE_STATUSES)],
  ['priority', oneOf(ISSUE_PRIORITIES)],
  ['assigneeAgentId', optStrOrNull],
  // assignability (an issue held by a user goes to no agent) and the blockers a checkout would refuse
  ['assigneeUserId', optStrOrNull],
  ['blockedBy', optArr],
  // when the issue entered its status (loops, stale work) and became blocked (blocked-without-reason)
  ['startedAt', optDate],
  ['completedAt', optDate],
  ['cancelledAt', optDate],
  ['blockedTransitionAt', optDate],
  // the evidence of a server block (server-blocked-issue)
  ['activeRecoveryAction', optObj],
  ['executionState', optObj],
  ['originRunId', optStrOrNull],
  ['descriptionTruncated', optBool],
  // who created it (ops/issue-burst: the rate of issues an agent creates)
  ['createdByAgentId', optStrOrNull],
  ['createdAt', date],
  ['updatedAt', date],
];

/** Each blocker in `blockedBy` (list rows read with includeBlockedBy, and GET /issues/{id}): its id and status. */
const BLOCKER: [string, Check][] = [
  ['id', nonEmpty],
  ['identifier', optStrOrNull],
  ['status', str],
];

const COMMENT: [string, Check][] = [
  ['id', nonEmpty],
  ['body', str],
  ['authorType', oneOf(COMMENT_AUTHOR_TYPES)],
  ['createdAt', date],
  ['deletedAt', optDate],
  // who wrote it (the redacted copy names them) and the run behind a system comment (server-blocked-issue)
  ['authorAgentId', optStrOrNull],
  ['authorUserId', optStrOrNull],
  ['createdByRunId', optStrOrNull],
  ['metadata', optObj],
];

const COMPANY: [string, Check][] = [
  ['id', nonEmpty],
  ['name', str],
  ['status', oneOf(COMPANY_STATUSES)],
  ['issuePrefix', str],
  ['budgetMonthlyCents', int],
  ['spentMonthlyCents', int],
];

const BUDGET_POLICY: [string, Check][] = [
  ['scopeType', oneOf(BUDGET_SCOPE_TYPES)],
  ['scopeId', nonEmpty],
  ['windowKind', str],
  ['amount', int],
  ['observedAmount', num],
  ['warnPercent', num],
  ['hardStopEnabled', bool],
  ['isActive', bool],
  ['status', oneOf(BUDGET_POLICY_STATUSES)],
];

// The loop, stale-work and dispatch rules read these: a run with an unknown status or a bad date would make
// a failure streak or an idle time silently wrong, so such a run is dropped and reported instead.
const RUN: [string, Check][] = [
  ['id', nonEmpty],
  ['agentId', nonEmpty],
  ['status', oneOf(HEARTBEAT_RUN_STATUSES)],
  ['createdAt', date],
  ['startedAt', optDate],
  ['finishedAt', optDate],
  ['error', optStrOrNull],
  ['contextSnapshot', optObj],
  ['contextSnapshot.issueId', optStrOrNull],
  ['contextSnapshot.taskKey', optStrOrNull],
];

const ACTIVITY: [string, Check][] = [
  ['id', nonEmpty],
  ['actorType', oneOf(ACTIVITY_ACTOR_TYPES)],
  ['action', str],
  ['createdAt', date],
  ['runId', optStrOrNull],
  ['details', optObj],
];

export const ROUTINE_STATUSES = ['active', 'paused', 'archived'] as const;
export const APPROVAL_STATUSES = ['pending', 'revision_requested', 'approved', 'rejected', 'cancelled'] as const;

// GET /companies/{id}/live-runs: the hard stop ends these (budget/over-stop-live-run).
const LIVE_RUN: [string, Check][] = [
  ['id', nonEmpty],
  ['agentId', nonEmpty],
  ['status', oneOf(HEARTBEAT_RUN_STATUSES)],
  ['createdAt', date],
  ['startedAt', optDate],
  ['issueId', optStrOrNull],
];

// ops/routine-without-approval: who made it, whether it runs.
const ROUTINE: [string, Check][] = [
  ['id', nonEmpty],
  ['title', str],
  ['status', oneOf(ROUTINE_STATUSES)],
  ['createdByAgentId', optStrOrNull],
  ['createdByUserId', optStrOrNull],
  ['assigneeAgentId', optStrOrNull],
  ['createdAt', date],
  ['triggers', optArr],
];

// A board approval names the routine it approves in its payload (payload.routineId).
const APPROVAL: [string, Check][] = [
  ['id', nonEmpty],
  ['type', str],
  ['status', oneOf(APPROVAL_STATUSES)],
  ['payload', optObj],
  ['decidedByUserId', optStrOrNull],
];

const COST_ROW: [string, Check][] = [
  ['agentId', nonEmpty],
  ['costCents', num],
];

function isObj(v: unknown): v is Rec {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function get(rec: Rec, path: string): unknown {
  let cur: unknown = rec;
  for (const k of path.split('.')) {
    if (!isObj(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

function describeGot(expected: string, v: unknown): string {
  if (v === undefined) return 'nothing (missing)';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  // An unknown enum value or a bad date: show the value; a plain type mismatch: the type.
  if (typeof v === 'string' && (expected.startsWith('one of') || expected.includes('date'))) return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'number' && expected === 'integer') return `number ${v}`;
  return typeof v;
}

export function shortId(id: unknown): string {
  if (typeof id !== 'string' || !id) return '?';
  return id.length > 12 ? `${id.slice(0, 8)}…` : id;
}

function check(entity: string, rec: unknown, checks: [string, Check][], idField = 'id'): SchemaProblem[] {
  if (!isObj(rec)) {
    return [{ entity, id: '?', field: '(record)', message: `${entity} ?: expected an object, got ${rec === null ? 'null' : Array.isArray(rec) ? 'array' : typeof rec}` }];
  }
  const rawId = rec[idField];
  const id = typeof rawId === 'string' && rawId ? rawId : '?';
  const out: SchemaProblem[] = [];
  for (const [field, c] of checks) {
    const v = get(rec, field);
    const expected = c(v);
    if (expected) out.push({ entity, id, field, message: `${entity} ${shortId(id)}: field "${field}" expected ${expected}, got ${describeGot(expected, v)}` });
  }
  return out;
}

export const validateAgent = (a: unknown) => check('agent', a, AGENT);
export const validateIssue = (i: unknown) => {
  const out = check('issue', i, ISSUE);
  if (out.length || !isObj(i) || !Array.isArray(i.blockedBy)) return out;
  const id = typeof i.id === 'string' && i.id ? i.id : '?';
  i.blockedBy.forEach((b, k) => {
    const field = `blockedBy[${k}]`;
    if (!isObj(b)) {
      out.push({ entity: 'issue', id, field, message: `issue ${shortId(id)}: field "${field}" expected object, got ${describeGot('object', b)}` });
      return;
    }
    for (const [name, c] of BLOCKER) {
      const expected = c(b[name]);
      if (expected) out.push({ entity: 'issue', id, field: `${field}.${name}`, message: `issue ${shortId(id)}: field "${field}.${name}" expected ${expected}, got ${describeGot(expected, b[name])}` });
    }
  });
  return out;
};
export const validateComment = (c: unknown) => check('comment', c, COMMENT);
export const validateCompany = (c: unknown) => check('company', c, COMPANY);
export const validateRun = (r: unknown) => check('run', r, RUN);
export const validateActivity = (a: unknown) => check('activity', a, ACTIVITY);
export const validateLiveRun = (r: unknown) => check('live run', r, LIVE_RUN);
export const validateRoutine = (r: unknown) => check('routine', r, ROUTINE);
export const validateApproval = (a: unknown) => check('approval', a, APPROVAL);
export const validateCostRow = (r: unknown) => check('cost row', r, COST_ROW, 'agentId');
export const validateBudgetPolicy = (p: unknown) => check('budget policy', p, BUDGET_POLICY, 'policyId');

/** Keep the records without problems; report the others. */
export function keepValid<T>(records: unknown, validate: (r: unknown) => SchemaProblem[], problems: SchemaProblem[], entity = 'records'): T[] {
  if (!Array.isArray(records)) {
    problems.push({ entity, id: '?', field: '(list)', message: `${entity}: expected an array, got ${records === null ? 'null' : typeof records}` });
    return [];
  }
  const out: T[] = [];
  for (const r of records) {
    const p = validate(r);
    if (p.length) problems.push(...p);
    else out.push(r as T);
  }
  return out;
}

/**
 * The budgets overview: the object itself must have `policies` (array) and `activeIncidents` (array); a bad
 * policy is dropped from `policies` and reported. Returns null (and a problem) when the overview is unusable.
 */
export function validateBudgetsOverview(o: unknown, companyId: string, problems: SchemaProblem[]): any | null {
  if (!isObj(o)) {
    problems.push({ entity: 'budgets', id: companyId, field: '(record)', message: `budgets ${shortId(companyId)}: expected an object, got ${o === null ? 'null' : Array.isArray(o) ? 'array' : typeof o}` });
    return null;
  }
  let bad = false;
  for (const field of ['policies', 'activeIncidents']) {
    const e = arr(o[field]);
    if (e) {
      bad = true;
      problems.push({ entity: 'budgets', id: companyId, field, message: `budgets ${shortId(companyId)}: field "${field}" expected ${e}, got ${describeGot(e, o[field])}` });
    }
  }
  if (bad) return null;
  const policies = keepValid<any>(o.policies, validateBudgetPolicy, problems, 'budget policies');
  return { ...o, policies };
}
