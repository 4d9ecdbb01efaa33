// Turns what the Paperclip source read (a snapshot) into subjects with the facts rules look at.
// Pure and synchronous: the same snapshot always gives the same subjects, which is what rule fixtures
// and the engine benchmark rely on.

import type { Subject } from '../../types.js';
import { redactSecrets, type RedactSpan } from '../../detectors/secrets/redact.js';
import { budgetFacts, type BudgetInputs } from './budget.js';
import { ASSIGNABLE, compareIssues, isBudgetRule, own, isAssignableTo, issueText, redactIssueFields, sinceBlocked, systemBlock, unresolvedBlocker, type ClipguardPause, type CompanySnapshot } from './model.js';
import { FACT_PARAM_DEFAULTS, type FactParams } from '../fact-params.js';
import { agentConfigSecrets } from './agent-config.js';
import type { Agent, Company, Issue, Run, Comment } from './records.js';
import { runLogEntry, runSubjectFacts, type RunLogDetector } from './run-logs.js';
import { liveRunFacts, liveRunsByAgent } from './live-runs.js';
import { companyCreationFacts, creationFacts, creationIndex, routineSubjects } from './runaway.js';

// The `blocked` fact of every issue that is not blocked (most of them): one shared, frozen object.
const NOT_BLOCKED = Object.freeze({ bySystem: false, systemReason: null, runId: null, run: null, runSummary: null, blockedSince: null, commentsSinceBlocked: 0, evidenceRead: true, waitingOn: null });

/**
 * What subjects are built from: a company's snapshot as read.ts reads it (rule fixtures give only some of it).
 * `runLogs`: what was found in each run's log, events and record (read.ts, run-logs.ts): masked `secrets`, or,
 * in rule fixtures, the raw texts (`log`, `events`, `record`), detected when the subjects are built.
 */
export type SnapshotCompany = Pick<CompanySnapshot, 'company' | 'agents' | 'issues'> &
  Partial<Omit<CompanySnapshot, 'company' | 'agents' | 'issues' | 'errors' | 'runLogs'>> & { runLogs?: Record<string, unknown> };

export interface SubjectOptions {
  now: Date;
  /**
   * Detector over free text (secrets); returns masked matches with `line`/`column` relative to the text.
   * `spans` gives where the secrets of each text are (offsets and kinds, never the secret): the subjects'
   * ticket texts are masked with them, so that no rule, message or report shows a key the detector found.
   */
  detectSecrets?: ((text: string) => Record<string, unknown>[]) & { many?: (texts: readonly string[]) => Record<string, unknown>[][]; spans?: (texts: readonly string[]) => RedactSpan[][] };
  /** Config `budget.*`: thresholds (defaults 80 and 100) and the currency of the formatted amounts (default USD). */
  budget: { companyMonthlyCents: number | null; forecastWindowDays: number; warnPercent?: number; stopPercent?: number; currency?: string };
  /**
   * The windows of the `loop` fact (`runs`, `windowMinutes`, `cooldownMinutes`) and of the `dispatchMissed`
   * fact (`intervals`, `defaultCeoIntervalSec`), from the params of the rules that use them (factParamsOf):
   * a condition cannot compare across the elements of a run list, so they apply where the lists are built.
   */
  factParams?: FactParams;
  /** When clipguard last reset each agent's session (agent id -> ISO time), from the executor's ledger. */
  sessionResets?: Record<string, string>;
  /** The pauses clipguard made by agent id, from the executor's ledger (the activity log's are in the snapshot). */
  clipguardPauses?: Record<string, ClipguardPause[]>;
  /**
   * Issues clipguard keeps for itself (ids or identifiers: the checklist's `checklist.postIssue`): never
   * assignable work, so ops/idle-agent-backlog does not hand them to an agent.
   */
  reservedIssues?: string[];
}

const FAILED_RUN = new Set(['failed', 'timed_out']);
const LIVE_RUN = new Set(['queued', 'running', 'scheduled_retry']);
const MINUTE = 60_000;

function runIssueId(r: Run): string | null {
  const id = r.contextSnapshot?.issueId ?? r.issueId;
  return typeof id === 'string' ? id : null;
}

/** When the run last did something: finished, else started, else queued. */
function runTime(r: Run): number {
  return Date.parse(r.finishedAt ?? r.startedAt ?? r.createdAt);
}

/**
 * When the issue entered its current status, where the record says (startedAt for in_progress, completedAt,
 * cancelledAt); null when it does not. updatedAt is no use: the server bumps it on every run of the issue.
 */
function statusSince(issue: Issue): number | null {
  const at = issue.status === 'in_progress' ? issue.startedAt : issue.status === 'done' ? issue.completedAt : issue.status === 'cancelled' ? issue.cancelledAt : null;
  const t = typeof at === 'string' ? Date.parse(at) : NaN;
  return Number.isNaN(t) ? null : t;
}

/**
 * Run streaks of one agent, newest first: its last finished runs that all failed, its last finished runs
 * on one issue within the window while the issue kept its status, and its finished runs within the window that
 * a comment it wrote itself woke (`selfWoken`). Runs before clipguard's last session reset
 * of the agent do not count (the reset started a fresh session), and in-flight runs are not judged yet.
 */
export function loopFacts(
  agentRuns: Run[],
  issuesById: Map<string, Issue>,
  o: { now: Date; runs: number; windowMinutes: number; cooldownMinutes: number; resetAt: string | null; selfWoken?: (r: Run) => string | null },
) {
  const resetMs = o.resetAt ? Date.parse(o.resetAt) : -Infinity;
  const finished = agentRuns.filter((r) => !LIVE_RUN.has(r.status) && Date.parse(r.createdAt) > resetMs);
  // Runs woken by a comment the agent wrote itself (Paperclip #13513, #5935): each run writes the comment that
  // starts the next. Counted within the window; runs woken otherwise in between (the server's own follow-up
  // runs, a person's comment) do not break the count: they do not stop the agent answering itself.
  const selfWake: Run[] = [];
  const selfWakeComments: string[] = [];
  if (o.selfWoken) {
    const since = o.now.getTime() - o.windowMinutes * MINUTE;
    for (const r of finished) {
      if (Date.parse(r.createdAt) < since) break;
      const c = o.selfWoken(r);
      if (!c) continue;
      selfWake.push(r);
      selfWakeComments.push(c);
    }
  }
  const failed: Run[] = [];
  for (const r of finished) {
    if (!FAILED_RUN.has(r.status)) break;
    failed.push(r);
  }
  const same: Run[] = [];
  const issueId = finished.length ? runIssueId(finished[0]) : null;
  const issue = issueId ? (issuesById.get(issueId) ?? null) : null;
  if (issueId) {
    const since = Math.max(o.now.getTime() - o.windowMinutes * MINUTE, (issue && statusSince(issue)) ?? -Infinity);
    for (const r of finished) {
      if (runIssueId(r) !== issueId || Date.parse(r.createdAt) < since) break;
      same.push(r);
    }
  }
  const byFailure = failed.length >= same.length && failed.length >= selfWake.length;
  // Runs woken by the agent's own comments on one issue are also a streak on that issue (with the server's own
  // follow-up runs between them, a longer one): past the threshold, the more telling reason wins.
  const bySelfWake = !byFailure && (selfWake.length >= same.length || selfWake.length >= o.runs);
  const streak = (byFailure ? failed : bySelfWake ? selfWake : same).slice(0, o.runs);
  // The reset can target the task's session only when every run of the streak shares one task key.
  const keys = new Set(streak.map((r) => r.contextSnapshot?.taskKey ?? null));
  const taskKey = keys.size === 1 ? [...keys][0] : null;
  const streakIssues = new Set(streak.map(runIssueId));
  const streakIssueId = streakIssues.size === 1 ? [...streakIssues][0] : null;
  const label = issue?.identifier ?? issueId;
  const lastError = failed[0]?.error ? String(failed[0].error).slice(0, 200) : null;
  const reason = !streak.length
    ? 'no run streak'
    : byFailure
      ? `its last ${failed.length} run(s) failed${lastError ? ` (${lastError})` : ''}`
      : bySelfWake
        ? `${selfWake.length} of its runs within ${o.windowMinutes} min were woken by comments it wrote itself${streakIssueLabel(selfWake, issuesById)}`
        : `${same.length} run(s) in a row on ${label} within ${o.windowMinutes} min${issue ? ` while it stayed ${issue.status}` : ''}`;
  const resetAge = o.resetAt ? o.now.getTime() - Date.parse(o.resetAt) : Infinity;
  return {
    failedStreak: failed.length,
    sameIssueStreak: same.length,
    issueId: streakIssueId,
    issueIdentifier: streakIssueId ? (issuesById.get(streakIssueId)?.identifier ?? streakIssueId) : null,
    runIds: streak.map((r) => r.id),
    taskKey,
    lastError,
    /** Which streak `runIds` and `reason` are about. */
    by: !streak.length ? 'none' : byFailure ? 'failure' : bySelfWake ? 'self-wake' : 'same-issue',
    selfWakeStreak: selfWake.length,
    selfWakeCommentIds: selfWakeComments.slice(0, o.runs),
    reason,
    windowMinutes: o.windowMinutes,
    lastResetAt: o.resetAt,
    coolingDown: resetAge >= 0 && resetAge < o.cooldownMinutes * MINUTE,
  };
}

/** " on ACM-3" when every run of the streak is on one issue, " on ACM-3, ACM-4" for a few, else "". */
function streakIssueLabel(runs: Run[], issuesById: Map<string, Issue>): string {
  const ids = [...new Set(runs.map(runIssueId).filter((x): x is string => typeof x === 'string'))];
  if (!ids.length) return '';
  const labels = ids.slice(0, 3).map((id) => issuesById.get(id)?.identifier ?? id);
  return ` on ${labels.join(', ')}${ids.length > 3 ? ` and ${ids.length - 3} more` : ''}`;
}

/**
 * Runs woken by the agent's own comments, newest first: the finished runs within the window whose waking
 * comment (`contextSnapshot.wakeCommentId`) the agent wrote (runs woken otherwise in between do not count and
 * do not break the count). Unlike the `loop` fact, clipguard's
 * session resets do not restart the count: a loop that a reset did not stop is what ops/agent-self-wake-runaway
 * pauses (Paperclip #5713: 44 runs overnight). A comment that was not read is not counted (under-reports).
 */
export function selfWakeFacts(agentRuns: Run[], issuesById: Map<string, Issue>, o: { now: Date; windowMinutes: number; resets: string[]; selfWoken: (r: Run) => string | null }) {
  const since = o.now.getTime() - o.windowMinutes * MINUTE;
  const streak: { r: Run; c: string }[] = [];
  for (const r of agentRuns) {
    if (LIVE_RUN.has(r.status)) continue;
    if (Date.parse(r.createdAt) < since) break;
    const c = o.selfWoken(r);
    if (c) streak.push({ r, c });
  }
  const issueIds = [...new Set(streak.map((s) => runIssueId(s.r)).filter((x): x is string => typeof x === 'string'))];
  const firstAt = streak.length ? streak[streak.length - 1].r.createdAt : null;
  const lastAt = streak.length ? streak[0].r.createdAt : null;
  // A reset between the first and the newest run of the streak: the agent went on waking itself after it.
  const inStreak = (t: string) => firstAt !== null && lastAt !== null && Date.parse(t) >= Date.parse(firstAt) && Date.parse(t) < Date.parse(lastAt);
  return {
    streak: streak.length,
    runIds: streak.slice(0, 10).map((s) => s.r.id),
    commentIds: streak.slice(0, 10).map((s) => s.c),
    issueIds,
    issues: streakIssueLabel(streak.map((s) => s.r), issuesById).replace(/^ on /, '') || 'no issue',
    windowMinutes: o.windowMinutes,
    firstAt,
    lastAt,
    resetsDuring: o.resets.filter(inStreak).length,
  };
}

const NOT_PAUSED = Object.freeze({ reason: null, reasonText: '', byClipguard: false, byClipguardAt: null, byClipguardFor: null, advice: '' });
// The server records a board pause as `manual`; clipguard's own record of it is written just after the pause
// (ledger entry, activity entry), so a pause is clipguard's when its `pausedAt` is at most this much before.
const OWN_PAUSE_SLACK_MS = 5 * 60_000;

/**
 * The clipguard pause that explains the agent's current pause, if any: a record made at or shortly after the
 * agent's `pausedAt`. A later pause by someone else (a newer `pausedAt`) is not clipguard's.
 */
export function ownPause(agent: { pausedAt?: unknown }, pauses: ClipguardPause[] | undefined): ClipguardPause | null {
  const pausedAt = typeof agent.pausedAt === 'string' ? Date.parse(agent.pausedAt) : NaN;
  if (!pauses?.length || Number.isNaN(pausedAt)) return null;
  let best: ClipguardPause | null = null;
  for (const p of pauses) {
    const t = Date.parse(p.at);
    if (t < pausedAt - 1000 || t - pausedAt > OWN_PAUSE_SLACK_MS) continue;
    // A loop's pause of the same agent wins over a budget pause (pause.ts keeps both when both rules fire):
    // clipguard never lifts it; among pauses of one kind, the earliest.
    const loopOverBudget = best !== null && isBudgetPause(best) && !isBudgetPause(p);
    const earlierOfKind = best !== null && isBudgetPause(best) === isBudgetPause(p) && t < Date.parse(best.at);
    if (best === null || loopOverBudget || earlierOfKind) best = p;
  }
  return best;
}

/** A pause clipguard made for budget (the activity log's `budget`, or a budget rule's id). */
export function isBudgetPause(p: ClipguardPause): boolean {
  return isBudgetRule(p.rule);
}

/**
 * What to do about a paused agent, by its pause reason (API.md: PAUSE_REASONS manual, budget, system,
 * company_archived): the finding of ops/paused-agent carries it, with the routes to call. The server records
 * clipguard's own pause (a board call) as `manual`: `own` (see ownPause) says it was clipguard's, for budget.
 */
export function pauseFacts(agent: Agent, company: Company, budget: ReturnType<typeof budgetFacts>, incidents: Record<string, unknown>[], own: ClipguardPause | null = null) {
  const reason: string | null = typeof agent.pauseReason === 'string' ? agent.pauseReason : null;
  const resume = `POST /api/agents/${agent.id}/resume`;
  const activity = `GET /api/companies/${company.id}/activity?entityType=agent&entityId=${agent.id}`;
  const facts = (advice: string, reasonText = `reason: ${reason ?? 'none recorded'}`) => ({ reason, reasonText, byClipguard: own !== null, byClipguardAt: own?.at ?? null, byClipguardFor: own?.rule ?? null, advice });
  if (own && reason === 'manual' && !isBudgetPause(own)) {
    // A pause for a loop (ops/agent-self-wake-runaway): nothing clipguard reads says the cause is gone.
    return facts(
      `clipguard paused it (${own.rule}): it kept waking itself with its own comments. Find out why (its instructions, the comments it posts: GET /api/companies/${company.id}/heartbeat-runs?agentId=${agent.id}), fix that, then resume it by hand (${resume}); clipguard does not resume it`,
      `paused by clipguard for ${own.rule} on ${own.at.slice(0, 10)}`,
    );
  }
  if (own && reason === 'manual') {
    const day = own.at.slice(0, 10);
    const over = budget.level === 'exceeded';
    return facts(
      over
        ? `clipguard paused it (${own.rule}): it has spent ${budget.spentText} of ${budget.budgetText} (${budget.percent}%, stop at ${budget.stopPercent}%); clipguard will not resume it while it is at or over that. Raise its budget (PATCH /api/agents/${agent.id}/budgets {"budgetMonthlyCents":...}, above ${budget.spentText} spent) or wait for the month to roll over (after ${budget.monthEnd}, UTC), then resume it (${resume})`
        : `clipguard paused it (${own.rule}); its spend (${budget.spentText}${budget.budgetCents > 0 ? ` of ${budget.budgetText}, ${budget.percent}%` : ''}) is now under the stop threshold: resume it (${resume})`,
      `paused by clipguard for budget on ${day}`,
    );
  }
  switch (reason) {
    case 'budget': {
      if (budget.monthRolledOverSincePause) return facts(`the month has rolled over since the pause (its spend starts again from zero): resume it (${resume})`);
      const open = incidents.find((i) => i?.scopeId === agent.id && i?.status === 'open');
      const raise = open
        ? `raise the budget and resume in one step: POST /api/companies/${company.id}/budget-incidents/${open.id}/resolve {"action":"raise_budget_and_resume","amount":<cents above ${budget.spentText} spent>}`
        : `raise the budget (PATCH /api/agents/${agent.id}/budgets {"budgetMonthlyCents":...}, above ${budget.spentText} spent), then resume it (${resume})`;
      return facts(`${raise}; or wait for the month to roll over (after ${budget.monthEnd}, UTC) and resume it then. A resume while the hard stop is still exceeded starts no run`);
    }
    case 'manual':
      return facts(`someone paused it by hand: resume it when the reason for pausing is gone (${resume}), or enable this rule's resume action`);
    case 'system':
      return facts(`the server paused it: find why in its activity (${activity}) and fix that before resuming it (${resume})`);
    case 'company_archived':
      return facts(`its company is archived: nothing to do for the agent unless the company is brought back (PATCH /api/companies/${company.id} {"status":"active"}); then resume it (${resume})`);
    default:
      return facts(`no known pause reason (${reason ?? 'none'}): check the agent's activity (${activity}), then resume it if it should run (${resume})`);
  }
}

/** An issue as the agent facts list it (assignable, held, missed dispatches). */
export type IssueSummary = ReturnType<typeof issueSummary>;
/** The `loop` fact of an agent. */
export type LoopFacts = ReturnType<typeof loopFacts>;

export function issueSummary(i: Issue) {
  return { id: i.id, identifier: i.identifier, title: i.title, status: i.status, priority: i.priority, assigneeAgentId: i.assigneeAgentId ?? null, createdAt: i.createdAt, updatedAt: i.updatedAt };
}

/** "run 2df62859… (failed: HTTP adapter …)" for a message; the id alone when the run is unknown. */
function runSummary(runId: string | null, run: Run | null): string {
  if (!runId) return 'an unknown run';
  if (!run) return `run ${runId}`;
  return `run ${runId} (${run.status}${run.error ? `: ${String(run.error).slice(0, 160)}` : ''})`;
}

export function paperclipSubjects(companies: SnapshotCompany[], opts: SubjectOptions): Subject[] {
  const out: Subject[] = [];
  for (const snap of companies) {
    const company = snap.company;
    // Agent configurations and ticket texts are detected first, and masked with what was found in them,
    // before any fact is built (an agent is also an issue's `assignee`).
    const config = agentConfigSecrets(snap.agents ?? [], opts.detectSecrets);
    const agents = config.agents;
    const tickets = ticketSecrets(snap, opts.detectSecrets);
    const issues = tickets.issues;
    const unread = new Set(snap.unread ?? []);
    const runs = snap.runs ?? [];
    const agentById = new Map(agents.map((a) => [a.id, a]));
    // Assignable issues, best first: the ones nobody holds (shared by every agent) and, per agent, the ones
    // already assigned to it. Filtering the whole waiting list per agent would cost agents x issues.
    const statusById = new Map<string, string>(issues.map((i) => [i.id, i.status]));
    const statusOf = (id: string) => statusById.get(id);
    // The issue clipguard posts its checklist on (and any it keeps for itself) is not work for an agent.
    const reserved = new Set(opts.reservedIssues ?? []);
    const waiting = issues.filter((i) => ASSIGNABLE.has(i.status) && !reserved.has(i.id) && !reserved.has(i.identifier)).sort(compareIssues);
    const openToAll: Issue[] = [];
    const waitingFor = new Map<string, Issue[]>();
    for (const i of waiting) {
      if (i.assigneeAgentId && !i.assigneeUserId) {
        const list = waitingFor.get(i.assigneeAgentId) ?? [];
        list.push(i);
        waitingFor.set(i.assigneeAgentId, list);
      } else if (isAssignableTo(i, '', statusOf)) {
        openToAll.push(i);
      }
    }
    const runById = new Map(runs.map((r) => [r.id, r]));
    const runsByAgent = new Map<string, Run[]>();
    for (const r of runs) {
      const list = runsByAgent.get(r.agentId) ?? [];
      list.push(r);
      runsByAgent.set(r.agentId, list);
    }
    const held = new Map<string, (ReturnType<typeof issueSummary> & { waitingOn?: string })[]>();
    for (const i of issues) {
      if (i.status === 'in_progress' && i.assigneeAgentId) {
        const list = held.get(i.assigneeAgentId) ?? [];
        // `waitingOn`: a release + re-checkout of it would stop half-way (the checkout is refused, 422).
        const waits = blockerLabel(unresolvedBlocker(i, statusOf));
        list.push(waits ? { ...issueSummary(i), waitingOn: waits } : issueSummary(i));
        held.set(i.assigneeAgentId, list);
      }
    }
    const budgetIn: BudgetInputs = { now: opts.now, budgets: snap.budgets ?? null, recentCosts: snap.recentCosts ?? null, ...opts.budget };
    const prefix = company.issuePrefix ?? company.name;
    const created = creationIndex(issues);
    const liveByAgent = liveRunsByAgent(snap.liveRuns);

    out.push({
      type: 'company',
      id: company.id,
      label: `${company.name} (${prefix})`,
      source: 'paperclip',
      facts: {
        company,
        budget: budgetFacts('company', company, budgetIn),
        agentCounts: {
          total: agents.length,
          idle: agents.filter((a) => a.status === 'idle').length,
          running: agents.filter((a) => a.status === 'running').length,
          error: agents.filter((a) => a.status === 'error').length,
          paused: agents.filter((a) => a.status === 'paused').length,
        },
        companyIssueCreation: companyCreationFacts(created, agentById, opts.now, opts.factParams?.companyIssueCreation ?? FACT_PARAM_DEFAULTS.companyIssueCreation),
      },
    });
    out.push(...routineSubjects(company, snap.routines, snap.approvals, agentById));

    const issueById = new Map(issues.map((i) => [i.id, i]));
    const loopOpts = { ...(opts.factParams?.loop ?? FACT_PARAM_DEFAULTS.loop) };
    const dispatchParams = opts.factParams?.dispatchMissed ?? FACT_PARAM_DEFAULTS.dispatchMissed;
    const selfWakeParams = opts.factParams?.selfWake ?? FACT_PARAM_DEFAULTS.selfWake;
    // Who wrote each comment read (deleted ones too: they still woke someone), to tell a run the agent's own
    // comment woke. Comments are read for the issues recent runs were woken on (read.ts wakeCommentsFor).
    const commentAgent = new Map<string, string>();
    for (const list of Object.values(snap.comments ?? {})) for (const c of list ?? []) if (c && typeof c.id === 'string' && typeof c.authorAgentId === 'string') commentAgent.set(c.id, c.authorAgentId);
    const selfWoken = (r: Run): string | null => {
      const c = r.contextSnapshot?.wakeCommentId;
      return typeof c === 'string' && commentAgent.get(c) === r.agentId ? c : null;
    };
    // The CEO's timer is the dispatch heartbeat; without one, the handbook's 900 s.
    const timerOf = (a: Agent) => (a.runtimeConfig?.heartbeat?.enabled === true ? (a.runtimeConfig.heartbeat.intervalSec ?? 0) : 0);
    const ceo = agents.find((a) => a.role === 'ceo' && timerOf(a) > 0);
    const ceoIntervalSec: number = ceo ? timerOf(ceo) : dispatchParams.defaultCeoIntervalSec;
    const thresholdMinutes = (dispatchParams.intervals * ceoIntervalSec) / 60;
    const waitingSince = new Map<Issue, number>();

    for (const agent of agents) {
      const hb = agent.runtimeConfig?.heartbeat ?? {};
      const agentRuns = runsByAgent.get(agent.id) ?? [];
      const recentRuns = agentRuns.slice(0, 20).map((r) => ({
        id: r.id,
        agentId: r.agentId,
        status: r.status,
        issueId: runIssueId(r),
        taskKey: r.contextSnapshot?.taskKey ?? null,
        createdAt: r.createdAt,
        finishedAt: r.finishedAt ?? null,
        error: r.error ?? null,
      }));
      // The best 200 are enough for both facts: 50 offered for dispatch, and the (at most 10) missed dispatches,
      // which are looked for among the issues the CEO should have handed out first.
      const assignable = firstAssignable(openToAll, waitingFor.get(agent.id) ?? [], agent.id, 200, statusOf);
      const agentBudget = budgetFacts('agent', agent, budgetIn);
      out.push({
        type: 'agent',
        id: agent.id,
        label: `${agent.name} (${prefix})`,
        source: 'paperclip',
        facts: {
          agent,
          company,
          configSecrets: config.ofAgent.get(String(agent.id)) ?? NO_SECRETS,
          assignableIssues: assignable.slice(0, 50).map(issueSummary),
          heldIssues: held.get(agent.id) ?? [],
          budget: agentBudget,
          pause:
            agent.status === 'paused'
              ? pauseFacts(agent, company, agentBudget, snap.budgets?.activeIncidents ?? [], ownPause(agent, [...(own(snap.clipguardPauses, agent.id) ?? []), ...(own(opts.clipguardPauses, agent.id) ?? [])]))
              : NOT_PAUSED,
          heartbeat: { enabled: hb.enabled === true, intervalSec: typeof hb.intervalSec === 'number' ? hb.intervalSec : null, wakeOnDemand: hb.wakeOnDemand !== false },
          recentRuns,
          liveRuns: liveRunFacts(agent.id, liveByAgent, opts.now),
          issueCreation: creationFacts(created.get(agent.id) ?? [], opts.now, opts.factParams?.issueCreation ?? FACT_PARAM_DEFAULTS.issueCreation),
          loop: loopFacts(agentRuns, issueById, { now: opts.now, ...loopOpts, resetAt: own(opts.sessionResets, agent.id) ?? null, selfWoken }),
          selfWake: selfWakeFacts(agentRuns, issueById, { now: opts.now, windowMinutes: selfWakeParams.windowMinutes, resets: [own(opts.sessionResets, agent.id)].filter((x): x is string => typeof x === 'string'), selfWoken }),
          dispatchMissed: dispatchMissedFacts(agent, agentRuns, assignable, { now: opts.now, ceoIntervalSec, thresholdMinutes, waitingSince }),
        },
      });
    }

    // One subject per run whose log was read (read.ts; raw texts in rule fixtures): its agent masked, its issue.
    if (snap.runLogs) {
      const detect: RunLogDetector | undefined = opts.detectSecrets?.many && opts.detectSecrets.spans ? { many: opts.detectSecrets.many, spans: opts.detectSecrets.spans } : undefined;
      for (const r of runs) {
        const raw = own(snap.runLogs, r.id);
        if (raw === undefined) continue;
        const agent = agentById.get(r.agentId) ?? null;
        const issueId = runIssueId(r);
        const issue = issueId ? (issueById.get(issueId) ?? null) : null;
        const who = agent?.name ?? `agent ${String(r.agentId).slice(0, 8)}`;
        out.push({ type: 'run', id: r.id, label: `${String(r.id).slice(0, 8)} (${who}, ${prefix})`, source: 'paperclip', facts: runSubjectFacts(r, agent, issue, company, runLogEntry(raw, detect)) });
      }
    }

    for (const issue of issues) {
      const cs = tickets.commentsOf(issue.id);
      let summary: ReturnType<typeof issueSummary> | undefined;
      const isBlocked = issue.status === 'blocked';
      const blockedSince = isBlocked ? sinceBlocked(issue) : null;
      const sys = isBlocked ? systemBlock(issue, cs, own(snap.activity, issue.id) ?? []) : null;
      const blockRun = sys?.runId ? (runById.get(sys.runId) ?? own(snap.blockRuns, sys.runId) ?? null) : null;
      const assigneeRuns = issue.assigneeAgentId ? (runsByAgent.get(issue.assigneeAgentId) ?? []) : [];
      const issueFacts = {
        issue,
        company,
        assignee: issue.assigneeAgentId ? (agentById.get(issue.assigneeAgentId) ?? null) : null,
        // One shared frozen value for the (many) issues that are not blocked: no object per issue.
        blocked: sys
          ? {
              ...sys,
              run: blockRun ? { id: blockRun.id, agentId: blockRun.agentId, status: blockRun.status, error: blockRun.error ?? null, finishedAt: blockRun.finishedAt ?? null } : null,
              runSummary: sys.bySystem ? runSummary(sys.runId, blockRun) : null,
              blockedSince,
              // As instants, as the comment action's re-read compares them (strings with and without milliseconds differ).
              commentsSinceBlocked: blockedSince ? cs.filter((c) => !c.deletedAt && c.authorType !== 'system' && Date.parse(c.createdAt) >= Date.parse(blockedSince)).length : 0,
              // False when the comments or activity that would show who blocked it, or why, could not be read:
              // "no reason recorded" is then unknown, not true (and a comment would wake the assignee).
              evidenceRead: !unread.has(issue.id),
              // An unresolved issue in its blockedBy is a recorded reason: it waits for that issue.
              waitingOn: blockerLabel(unresolvedBlocker(issue, statusOf)),
            }
          : NOT_BLOCKED,
        lastRunOfAssigneeAt: assigneeRuns[0]?.createdAt ?? null,
        stale: staleFacts(issue, issue.assigneeAgentId ? (agentById.get(issue.assigneeAgentId) ?? null) : null, assigneeRuns, opts.now),
        secrets: tickets.ofIssue.get(issue.id) ?? NO_SECRETS,
      };
      out.push({ type: 'issue', id: issue.id, label: issue.identifier ?? issue.id, source: 'paperclip', facts: issueFacts });
      for (const c of cs) {
        if (c.deletedAt || !c.body) continue;
        const facts = { comment: c, issue: (summary ??= issueSummary(issue)), secrets: tickets.ofComment.get(c.id) ?? NO_SECRETS };
        out.push({ type: 'comment', id: c.id, label: `${issue.identifier ?? issue.id} comment ${String(c.id).slice(0, 8)}`, source: 'paperclip', facts });
      }
    }
  }
  return out;
}

function blockerLabel(b: { id?: string; identifier?: string; status: string } | undefined): string | null {
  return b ? `${b.identifier ?? b.id ?? 'an issue'} (${b.status})` : null;
}

const NO_SECRETS = Object.freeze([]) as unknown as Record<string, unknown>[];

interface TicketSecrets {
  /** The company's issues, those with a secret in their text replaced by a copy with it masked. */
  issues: Issue[];
  /** The comments of an issue, those with a secret in their body replaced by a copy with it masked. */
  commentsOf(issueId: string): Comment[];
  /** The `secrets` fact of each issue and comment with one (placed: field and line). */
  ofIssue: Map<string, Record<string, unknown>[]>;
  ofComment: Map<string, Record<string, unknown>[]>;
}

/**
 * The secrets facts of every ticket text of a company (kept ones from watch's cache, the others detected in
 * one batch), and the texts masked with the spans found in them. An issue is detected as one text, its title
 * and description joined (issueText): a key in the title whose context word is in the description is only
 * found that way, so the title is masked with the spans of that same text, never on its own.
 */
function ticketSecrets(snap: SnapshotCompany, detect: SubjectOptions['detectSecrets']): TicketSecrets {
  const issues = snap.issues ?? [];
  const comments = snap.comments;
  const out: TicketSecrets = { issues, commentsOf: (id) => own(comments, id) ?? [], ofIssue: new Map(), ofComment: new Map() };
  if (!detect) return out;
  const known = snap.secrets;
  // What has a secret: masked below (a few texts among many).
  const dirtyIssues: Issue[] = [];
  const dirtyComments: { issueId: string; c: Comment }[] = [];
  const take = (issue: Issue, c: Comment | null, found: Record<string, unknown>[]) => {
    if (!found.length) return;
    if (c === null) {
      out.ofIssue.set(issue.id, placed(found, titleOrDescription));
      dirtyIssues.push(issue);
    } else {
      out.ofComment.set(c.id, placed(found, inBody));
      if (typeof c.body === 'string') dirtyComments.push({ issueId: issue.id, c });
    }
  };
  // The texts to detect, and whose each is (its issue; its comment, or null for the issue's own text).
  const texts: string[] = [];
  const ofIssue: Issue[] = [];
  const ofComment: (Comment | null)[] = [];
  for (const issue of issues) {
    const kept = own(known?.issues, issue.id);
    if (kept) take(issue, null, kept);
    else texts.push(issueText(issue)), ofIssue.push(issue), ofComment.push(null);
    for (const c of own(comments, issue.id) ?? []) {
      if (c.deletedAt || !c.body) continue;
      const keptC = own(known?.comments, c.id);
      if (keptC) take(issue, c, keptC);
      else texts.push(String(c.body)), ofIssue.push(issue), ofComment.push(c);
    }
  }
  if (texts.length) {
    const found = detect.many ? detect.many(texts) : texts.map((t) => detect(t));
    found.forEach((f, k) => take(ofIssue[k], ofComment[k], f));
  }
  if (!detect.spans || (!dirtyIssues.length && !dirtyComments.length)) return out;
  // Spans detected again on the text the subjects will hold. A row watch kept is masked already, and gives none.
  const spans = detect.spans([...dirtyIssues.map(issueText), ...dirtyComments.map(({ c }) => c.body as string)]);
  const maskedIssue = new Map<string, Issue>();
  dirtyIssues.forEach((i, k) => spans[k].length && maskedIssue.set(i.id, { ...i, ...redactIssueFields(i, spans[k]) }));
  const maskedComment = new Map<string, Comment>();
  const touched = new Set<string>();
  dirtyComments.forEach(({ issueId, c }, k) => {
    const s = spans[dirtyIssues.length + k];
    if (!s.length) return;
    maskedComment.set(c.id, { ...c, body: redactSecrets(c.body, s) });
    touched.add(issueId);
  });
  if (maskedIssue.size) out.issues = issues.map((i) => maskedIssue.get(i.id) ?? i);
  if (touched.size) {
    const lists = new Map([...touched].map((id) => [id, (own(comments, id) ?? []).map((c) => maskedComment.get(c.id) ?? c)]));
    out.commentsOf = (id) => lists.get(id) ?? own(comments, id) ?? [];
  }
  return out;
}

/** Where in its text a match is: the `field`, and its `line` counted within that field. */
type Place = (m: Record<string, unknown>) => { field: string; line?: number };
// Issue texts are detected as "title\ndescription" (issueText): line 1 is the title, line n the description's line n-1.
const titleOrDescription: Place = (m) => (Number(m.line) === 1 ? { field: 'title' } : { field: 'description', line: Number(m.line) - 1 });

/** The first `n` issues assignable to the agent from two lists sorted by compareIssues, in that order. */
function firstAssignable(open: Issue[], own: Issue[], agentId: string, n: number, statusOf: (id: string) => string | undefined): Issue[] {
  const mine = own.filter((i) => isAssignableTo(i, agentId, statusOf));
  const out: Issue[] = [];
  let a = 0;
  let b = 0;
  while (out.length < n && (a < open.length || b < mine.length)) {
    if (b >= mine.length || (a < open.length && compareIssues(open[a], mine[b]) <= 0)) out.push(open[a++]);
    else out.push(mine[b++]);
  }
  return out;
}

// Most issues are not in progress: one shared frozen `stale` value per assignee status, not one per issue.
const NOT_STALE = new Map<unknown, object>();
function notStale(assigneeStatus: unknown) {
  let v = NOT_STALE.get(assigneeStatus);
  if (!v) {
    v = Object.freeze({ minutesWithoutAssigneeRun: null, since: null, lastAssigneeRunAt: null, assigneeStatus });
    if (NOT_STALE.size < 64) NOT_STALE.set(assigneeStatus, v);
  }
  return v as { minutesWithoutAssigneeRun: null; since: null; lastAssigneeRunAt: null; assigneeStatus: string | null };
}

/**
 * How long an in-progress issue's assignee has not run: since its newest run did something, or since the
 * issue went in progress if that is later (or the assignee never ran). A run in flight counts as running now.
 */
export function staleFacts(issue: Issue, assignee: Agent | null, assigneeRuns: Run[], now: Date) {
  if (issue.status !== 'in_progress' || !issue.assigneeAgentId) return notStale(assignee?.status ?? null);
  const last = assigneeRuns[0] ?? null;
  const lastAt = last ? (LIVE_RUN.has(last.status) ? now.getTime() : runTime(last)) : NaN;
  const started = Date.parse(issue.startedAt ?? issue.createdAt);
  const since = Math.max(Number.isNaN(lastAt) ? -Infinity : lastAt, Number.isNaN(started) ? -Infinity : started);
  const ok = Number.isFinite(since);
  return {
    minutesWithoutAssigneeRun: ok ? Math.max(0, Math.floor((now.getTime() - since) / MINUTE)) : null,
    since: ok ? new Date(since).toISOString() : null,
    lastAssigneeRunAt: last ? new Date(runTime(last)).toISOString() : null,
    assigneeStatus: assignee?.status ?? null,
  };
}

/**
 * The dispatches the CEO's heartbeat missed for one agent: issues it could take that have waited longer than
 * the threshold while it sat idle the whole time (idle since its last run ended, or since it was created).
 * An issue waits since its last update (creation, release, edit): an edit restarts the clock, so this
 * under-reports rather than blames the CEO for time it cannot see.
 */
export function dispatchMissedFacts(agent: Agent, agentRuns: Run[], assignable: Issue[], o: { now: Date; ceoIntervalSec: number; thresholdMinutes: number; waitingSince?: Map<Issue, number> }) {
  const base = { ceoIntervalSec: o.ceoIntervalSec, thresholdMinutes: o.thresholdMinutes };
  if (agent.status !== 'idle') return { ...base, idleSince: null, issues: [] };
  const last = agentRuns[0] ?? null;
  if (last && LIVE_RUN.has(last.status)) return { ...base, idleSince: null, issues: [] };
  const idleSince = Math.max(last ? runTime(last) : -Infinity, Date.parse(agent.createdAt) || -Infinity);
  const issues: (ReturnType<typeof issueSummary> & { waitingSince: string; waitedMinutes: number })[] = [];
  for (const i of assignable) {
    // The issues open to all are the same for every idle agent of the company: parse their times once.
    let waitingSince = o.waitingSince?.get(i);
    if (waitingSince === undefined) {
      waitingSince = Math.max(Date.parse(i.createdAt) || -Infinity, Date.parse(i.updatedAt) || -Infinity);
      o.waitingSince?.set(i, waitingSince);
    }
    const waitedMs = o.now.getTime() - waitingSince;
    // Compared in milliseconds: a short CEO interval (seconds) must not be rounded away.
    if (!Number.isFinite(waitingSince) || waitedMs < o.thresholdMinutes * MINUTE || idleSince > waitingSince) continue;
    issues.push({ ...issueSummary(i), waitingSince: new Date(waitingSince).toISOString(), waitedMinutes: Math.floor(waitedMs / MINUTE) });
    if (issues.length === 10) break;
  }
  return { ...base, idleSince: Number.isFinite(idleSince) ? new Date(idleSince).toISOString() : null, issues };
}

const inBody: Place = () => ({ field: 'body' });

/**
 * Each match with its place (field, and line within it). A `clipguard-ignore` in ticket text is not honoured:
 * inline ignores belong to files under review, and anyone (or any agent) who can write a ticket could exempt a
 * key with one. Waivers and baselines, which the operator keeps, are what silence a Paperclip finding.
 */
function placed(matches: Record<string, unknown>[], place: Place) {
  return matches.length === 0 ? matches : matches.map(({ inlineIgnored: _i, ignoreRules: _r, ignoreReason: _w, ...m }) => ({ ...m, ...place(m), inlineIgnored: false }));
}
