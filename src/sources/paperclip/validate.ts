// The runtime check of what the server sent, against the record schemas of records.ts: a record with a
// problem is dropped from the snapshot and the problem is reported (the source subject carries it), so one
// odd record never crashes a scan nor feeds a rule garbage. Extra fields are fine (the server adds fields often).
import type * as z from 'zod';
import {
  ActivityRecord,
  AgentRecord,
  BudgetPolicyRecord,
  CommentRecord,
  CompanyRecord,
  CostRowRecord,
  IssueRecord,
  isJsonObject as isObj,
  ApprovalRecord,
  LiveRunRecord,
  RoutineRecord,
  RunRecord,
  type BudgetPolicy,
  type BudgetsOverview,
} from './records.js';

export interface SchemaProblem {
  /** "agent", "issue", "comment", "company", "budgets", "budget policy", "run", "activity", "cost row". */
  entity: string;
  id: string;
  /** Dotted path of the field, e.g. "runtimeConfig.heartbeat". */
  field: string;
  /** e.g. `agent 3f2a9c1e…: field "status" expected string, got number`. */
  message: string;
}


function get(rec: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = rec;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[k];
  }
  return cur;
}

/** `runtimeConfig.heartbeat.enabled`, `blockedBy[1].status`. */
function fieldName(path: readonly PropertyKey[]): string {
  return path.map((k, n) => (typeof k === 'number' ? `[${k}]` : n ? `.${String(k)}` : String(k))).join('');
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

function check(entity: string, rec: unknown, schema: z.ZodType, idField = 'id'): SchemaProblem[] {
  if (!isObj(rec)) {
    return [{ entity, id: '?', field: '(record)', message: `${entity} ?: expected an object, got ${rec === null ? 'null' : Array.isArray(rec) ? 'array' : typeof rec}` }];
  }
  const rawId = rec[idField];
  const id = typeof rawId === 'string' && rawId ? rawId : '?';
  const parsed = schema.safeParse(rec, { reportInput: false });
  if (parsed.success) return [];
  return parsed.error.issues.map((issue) => {
    const field = fieldName(issue.path);
    const expected = issue.message;
    return { entity, id, field, message: `${entity} ${shortId(id)}: field "${field}" expected ${expected}, got ${describeGot(expected, get(rec, issue.path))}` };
  });
}

export const validateAgent = (a: unknown) => check('agent', a, AgentRecord);
export const validateIssue = (i: unknown) => check('issue', i, IssueRecord);
export const validateComment = (c: unknown) => check('comment', c, CommentRecord);
export const validateCompany = (c: unknown) => check('company', c, CompanyRecord);
export const validateRun = (r: unknown) => check('run', r, RunRecord);
export const validateActivity = (a: unknown) => check('activity', a, ActivityRecord);
export const validateCostRow = (r: unknown) => check('cost row', r, CostRowRecord, 'agentId');
export const validateBudgetPolicy = (p: unknown) => check('budget policy', p, BudgetPolicyRecord, 'policyId');
export const validateLiveRun = (r: unknown) => check('live run', r, LiveRunRecord);
export const validateRoutine = (r: unknown) => check('routine', r, RoutineRecord);
export const validateApproval = (a: unknown) => check('approval', a, ApprovalRecord);

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
export function validateBudgetsOverview(o: unknown, companyId: string, problems: SchemaProblem[]): BudgetsOverview | null {
  if (!isObj(o)) {
    problems.push({ entity: 'budgets', id: companyId, field: '(record)', message: `budgets ${shortId(companyId)}: expected an object, got ${o === null ? 'null' : Array.isArray(o) ? 'array' : typeof o}` });
    return null;
  }
  let bad = false;
  for (const field of ['policies', 'activeIncidents']) {
    if (!Array.isArray(o[field])) {
      bad = true;
      problems.push({ entity: 'budgets', id: companyId, field, message: `budgets ${shortId(companyId)}: field "${field}" expected array, got ${describeGot('array', o[field])}` });
    }
  }
  if (bad) return null;
  const policies = keepValid<BudgetPolicy>(o.policies, validateBudgetPolicy, problems, 'budget policies');
  const activeIncidents = (o.activeIncidents as unknown[]).filter(isObj);
  return { ...o, policies, activeIncidents };
}

/**
 * Every record of a company snapshot written by hand (a rule fixture) checked as read.ts checks what the server
 * sends: a fixture that holds a record the server could never send would prove a rule against a world that
 * cannot happen. The fields read.ts adds itself (errors, unread, clipguard's pauses, kept secrets) are not records.
 */
export function snapshotProblems(snap: Record<string, unknown>): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  const list = (v: unknown, validate: (r: unknown) => SchemaProblem[], entity: string) => v == null || keepValid(v, validate, problems, entity);
  const byKey = (v: unknown, validate: (r: unknown) => SchemaProblem[], entity: string) => {
    if (v == null) return;
    if (!isObj(v)) problems.push({ entity, id: '?', field: '(map)', message: `${entity}: expected an object of lists by id, got ${Array.isArray(v) ? 'array' : typeof v}` });
    else for (const rows of Object.values(v)) list(rows, validate, entity);
  };
  problems.push(...validateCompany(snap.company));
  list(snap.agents, validateAgent, 'agents');
  list(snap.issues, validateIssue, 'issues');
  list(snap.runs, validateRun, 'runs');
  list(snap.liveRuns, validateLiveRun, 'live runs');
  list(snap.routines, validateRoutine, 'routines');
  list(snap.approvals, validateApproval, 'approvals');
  byKey(snap.comments, validateComment, 'comments');
  byKey(snap.activity, validateActivity, 'activity');
  if (isObj(snap.blockRuns)) for (const r of Object.values(snap.blockRuns)) problems.push(...validateRun(r));
  if (snap.budgets != null) validateBudgetsOverview(snap.budgets, String(isObj(snap.company) ? snap.company.id : '?'), problems);
  if (isObj(snap.recentCosts)) list(snap.recentCosts.byAgent, validateCostRow, 'cost rows');
  return problems;
}
