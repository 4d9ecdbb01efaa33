// Paperclip's model as clipguard reads it, in one place: the helpers that the read, the watch cache, the
// subject builder, the planner and the executor share about issues (order, assignability, blockers, the
// text scanned for secrets and how its fields are redacted), and the secrets a read keeps per text.
// Depends on no other Paperclip module, so none of them import each other in a circle.
import { redactSecrets, type RedactSpan } from '../../detectors/secrets/redact.js';
import type { Activity, Agent, Approval, BudgetsOverview, Comment, Company, CostRow, Issue, LiveRun, Routine, Run } from './records.js';
import { isJsonObject } from './json.js';
import type { RunLogEntry } from './run-logs.js';
import { byCodeUnits } from '../../util/compare.js';

/** The masked secret facts of one text, as kept by watch's cache. */
export type KeptSecrets = Record<string, unknown>[];

/** The secrets facts of every text of a read, by issue id and by comment id. */
export interface ReadSecrets {
  issues: Record<string, KeptSecrets>;
  comments: Record<string, KeptSecrets>;
}

/** A pause clipguard made: when (ISO) and for which rule. */
export interface ClipguardPause {
  at: string;
  rule: string;
}

/** One company as read.ts reads it: the records rules and subjects work on. */
export interface CompanySnapshot {
  company: Company;
  agents: Agent[];
  issues: Issue[];
  /** issueId -> comments, oldest first (only for the issues that need them). */
  comments: Record<string, Comment[]>;
  /** Heartbeat runs, newest first (summary=true, limit 1000): one request per company, whatever the agent count. */
  runs: Run[];
  /**
   * issueId -> activity entries, newest first, for blocked issues whose comments and recovery field do not show
   * a server block: the execution-recovery sweep blocks an issue after a failed run without any comment, and
   * only its activity (`issue.execution_recovery_settled`, actor `system`) says so.
   */
  activity: Record<string, Activity[]>;
  /** runId -> full run (GET /heartbeat-runs/{id}) for runs that caused a server block but are not in `runs`. */
  blockRuns: Record<string, Run>;
  /** GET /companies/{id}/budgets/overview. */
  budgets: BudgetsOverview | null;
  /** costs/by-agent over the burn-rate window (the last `burnWindowDays`, never before this month started). */
  recentCosts: { byAgent: CostRow[]; from: string; to: string } | null;
  /** Per-company partial failures, e.g. `issues: GET /api/...: HTTP 500 Internal server error`. */
  errors: string[];
  /**
   * Whether the agent and issue lists were read whole, every record valid: then one not in them is gone (what a
   * re-read would answer with a 404). Absent: not known.
   */
  listed?: { agents: boolean; issues: boolean };
  /** Issues whose comments or activity could not be read: what they say (who blocked it, why) is unknown. */
  unread: string[];
  /** agentId -> clipguard's own pauses of that agent (its `clipguard.pause` activity entries), for agents paused `manual`. */
  clipguardPauses: Record<string, ClipguardPause[]>;
  /**
   * With a cache: the secrets facts of every issue text and comment body, kept from an earlier read where the
   * text is unchanged (the cache holds it masked, so it cannot be detected again). Without: absent.
   */
  secrets?: ReadSecrets;
  /** runId -> the secrets found in the run's log, events and record (masked): when a rule reads runs (run-logs.ts). */
  runLogs?: Record<string, RunLogEntry>;
  /** Finished runs whose logs are left for a later scan (past the per-scan bound). */
  runLogsPending?: number;
  /** GET /companies/{id}/live-runs (queued and running), when asked (`liveRuns`); null when not read. */
  liveRuns?: LiveRun[] | null;
  /** GET /companies/{id}/routines and /approvals, when asked (`routines`); null when not read. */
  routines?: Routine[] | null;
  approvals?: Approval[] | null;
}

export const PRIORITY_ORDER: Record<string, number> = { critical: 0, high: 1, medium: 2, low: 3 };
export const ASSIGNABLE = new Set(['backlog', 'todo']);

/** Priority first (critical > high > medium > low), then oldest, then identifier for a stable order. */
type Ordered = { priority?: unknown; createdAt?: unknown; identifier?: unknown };
export function compareIssues(a: Ordered, b: Ordered): number {
  return (PRIORITY_ORDER[String(a.priority)] ?? 9) - (PRIORITY_ORDER[String(b.priority)] ?? 9) || byCodeUnits(String(a.createdAt), String(b.createdAt)) || byCodeUnits(String(a.identifier), String(b.identifier));
}

/**
 * Waiting, not held by someone else, and not blocked: a checkout of an issue with an unresolved blocker is
 * refused (422). `blockedBy` comes with the list rows (read with includeBlockedBy); `statusOf` gives a
 * blocker's current status from the same read, since a row kept by watch's cache can carry an older one.
 */
export function isAssignableTo(issue: Pick<Issue, 'status' | 'assigneeUserId' | 'assigneeAgentId' | 'blockedBy'>, agentId: string, statusOf?: (id: string) => string | undefined): boolean {
  if (!ASSIGNABLE.has(issue.status)) return false;
  if (issue.assigneeUserId) return false;
  if (issue.assigneeAgentId && issue.assigneeAgentId !== agentId) return false;
  return !unresolvedBlocker(issue, statusOf);
}

/** The first blocker of the issue that is neither done nor cancelled (its status from `statusOf` when known). */
export function unresolvedBlocker(issue: { blockedBy?: unknown }, statusOf?: (id: string) => string | undefined): { id?: string; identifier?: string; status: string } | undefined {
  const blockers = Array.isArray(issue.blockedBy) ? issue.blockedBy : [];
  for (const b of blockers) {
    if (!b) continue;
    const status = (typeof b.id === 'string' && statusOf?.(b.id)) || b.status;
    if (status !== 'done' && status !== 'cancelled') return { ...b, status };
  }
  return undefined;
}

const SYSTEM_BLOCK_ACTIONS = new Set(['issue.execution_recovery_settled', 'issue.successful_run_handoff_escalated']);

/**
 * Was the issue blocked by the server (a run that ended without a disposition, the execution-recovery sweep
 * after a failed run), and by which run? The evidence, in order: the active recovery action (its
 * `evidence.sourceRunId` is the run that left no disposition), a system comment since the block
 * (`createdByRunId` or `metadata.sourceRunId`), a system activity entry that blocked it (the sweep leaves
 * only that). A person's block has none of these.
 */
export function systemBlock(issue: Issue, comments: readonly Comment[], activity: readonly Activity[] = []): { bySystem: boolean; systemReason: string | null; runId: string | null } {
  const since = sinceBlocked(issue);
  const sys = comments.filter((c) => c.authorType === 'system' && !c.deletedAt && c.createdAt >= since);
  const recovery = isObj(issue.activeRecoveryAction) ? issue.activeRecoveryAction : isObj(issue.executionState?.blocker) ? issue.executionState.blocker : null;
  const act = activity.find(
    (a) => a.actorType === 'system' && a.createdAt >= since && (SYSTEM_BLOCK_ACTIONS.has(a.action) || a.details?.status === 'blocked' || a.details?.outcome === 'blocked'),
  );
  if (!sys.length && !recovery && !act) return { bySystem: false, systemReason: null, runId: null };
  const withRun = [...sys].reverse().find((c) => c.createdByRunId || c.metadata?.sourceRunId || c.metadata?.runId);
  const runId =
    (isObj(recovery?.evidence) ? recovery.evidence.sourceRunId : undefined) ??
    recovery?.runId ??
    withRun?.createdByRunId ??
    withRun?.metadata?.sourceRunId ??
    withRun?.metadata?.runId ??
    act?.runId ??
    act?.details?.sourceRunId ??
    act?.details?.latestRunId ??
    issue.originRunId ??
    null;
  const c = sys[sys.length - 1];
  const firstLine = (t: unknown) => String(t ?? '').split('\n').find((l) => l.trim()) ?? '';
  const systemReason = c
    ? firstLine(c.body).slice(0, 300)
    : recovery
      ? String(recovery.kind ?? recovery.cause ?? recovery.reason ?? 'execution recovery')
      : `${act?.action}${act?.details?.outcome ? ` (${act.details.outcome})` : ''}`;
  return { bySystem: true, systemReason, runId: typeof runId === 'string' ? runId : null };
}

export const isObj = isJsonObject;

/**
 * `record[key]` when it is the record's own entry. Records here are keyed by ids the server (or a rule fixture)
 * chose: an issue whose id is `constructor` or `toString` must not find Object.prototype's.
 */
export function own<T>(record: Record<string, T> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** A pause or an action for budget: the activity log's `budget`, or a budget rule's id. */
export function isBudgetRule(rule: string): boolean {
  return rule === 'budget' || rule.startsWith('budget/');
}

export function sinceBlocked(issue: { blockedTransitionAt?: unknown; updatedAt?: unknown }): string {
  const t = blockStartedAt(issue);
  return Number.isNaN(t) ? '' : new Date(t).toISOString();
}

/**
 * When the issue became blocked, less a few seconds (a comment made in the same PATCH as the status change
 * counts): `blockedTransitionAt` when the server gives it, else `updatedAt` (the last change, which hides a
 * reason commented before a later edit, so only a fallback).
 */
export function blockStartedAt(issue: { blockedTransitionAt?: unknown; updatedAt?: unknown }): number {
  const at = typeof issue.blockedTransitionAt === 'string' ? Date.parse(issue.blockedTransitionAt) : NaN;
  const t = Number.isNaN(at) ? Date.parse(String(issue.updatedAt)) : at;
  return t - 5000;
}

/** What the issue subject scans for secrets (and watch's cache keeps facts of): the title, a newline, the description. */
export function issueText(i: { title?: unknown; description?: unknown }): string {
  return `${typeof i.title === 'string' ? i.title : ''}\n${typeof i.description === 'string' ? i.description : ''}`;
}

/**
 * The issue's title and description with the secrets found in its issueText redacted, as `[REDACTED:kind]`:
 * each span maps back to the field it lies in (one that crosses the newline between them, to both). The only
 * way clipguard masks or redacts an issue's fields, so masking, every output and the redact action use the
 * spans of the text the finding came from. Returns only the fields that change.
 */
export function redactIssueFields(i: { title?: unknown; description?: unknown }, spans: readonly RedactSpan[]): { title?: string; description?: string } {
  const title = typeof i.title === 'string' ? i.title : '';
  const from = title.length + 1; // where the description starts in issueText
  const out: { title?: string; description?: string } = {};
  if (typeof i.title === 'string') {
    const inTitle = spans.filter((s) => s.start < title.length && s.end > s.start).map((s) => ({ kind: s.kind, start: s.start, end: Math.min(s.end, title.length) }));
    if (inTitle.length) out.title = redactSecrets(title, inTitle);
  }
  if (typeof i.description === 'string') {
    const d = i.description;
    const inDesc = spans.filter((s) => s.end > from && s.end > s.start).map((s) => ({ kind: s.kind, start: Math.max(s.start, from) - from, end: Math.min(s.end - from, d.length) }));
    if (inDesc.length) out.description = redactSecrets(d, inDesc);
  }
  return out;
}

/** Run statuses: a failure (loop streaks), and not finished yet (in flight: not judged, counts as running now). */
export const FAILED_RUN = new Set(['failed', 'timed_out']);
export const LIVE_RUN = new Set(['queued', 'running', 'scheduled_retry']);
export const MINUTE = 60_000;

/** The issue a run worked on: its context's, else its own field. */
export function runIssueId(r: Run): string | null {
  const id = r.contextSnapshot?.issueId ?? r.issueId;
  return typeof id === 'string' ? id : null;
}

/** When the run last did something: finished, else started, else queued. */
export function runTime(r: Run): number {
  return Date.parse(r.finishedAt ?? r.startedAt ?? r.createdAt);
}

/**
 * When the issue entered its current status, where the record says (startedAt for in_progress, completedAt,
 * cancelledAt); null when it does not. updatedAt is no use: the server bumps it on every run of the issue.
 */
export function statusSince(issue: Issue): number | null {
  const at = issue.status === 'in_progress' ? issue.startedAt : issue.status === 'done' ? issue.completedAt : issue.status === 'cancelled' ? issue.cancelledAt : null;
  const t = typeof at === 'string' ? Date.parse(at) : NaN;
  return Number.isNaN(t) ? null : t;
}
