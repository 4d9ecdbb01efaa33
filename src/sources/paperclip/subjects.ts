// Turns what the Paperclip source read (a snapshot) into subjects with the facts rules look at.
// Pure and synchronous: the same snapshot always gives the same subjects, which is what rule fixtures
// and the engine benchmark rely on.

import type { Subject } from '../../types.js';
import { redactSecrets, type RedactSpan } from '../../detectors/secrets/redact.js';
import { ASSIGNABLE, compareIssues, isAssignableTo, issueText, own, redactIssueFields, runIssueId, unresolvedBlocker, type ClipguardPause, type CompanySnapshot } from './model.js';
import { FACT_PARAM_DEFAULTS, type FactParams } from '../fact-params.js';
import { agentConfigSecrets } from './agent-config.js';
import type { Issue, Run, Comment } from './records.js';
import { runLogEntry, runSubjectFacts, type RunLogDetector } from './run-logs.js';
import { issueSummary } from '../../facts/agent-work.js';
import { blockedFacts, blockerLabel } from '../../facts/blocked.js';
import { budgetFacts, type BudgetInputs } from '../../facts/budget.js';
import { flaggedFacts } from '../../facts/flagged.js';
import { ceoTimerSec, dispatchMissedFacts } from '../../facts/dispatch-missed.js';
import { companyCreationFacts, creationFacts, creationIndex } from '../../facts/issue-creation.js';
import { liveRunFacts, liveRunsByAgent } from '../../facts/live-runs.js';
import { loopFacts } from '../../facts/loop.js';
import { NOT_PAUSED, ownPause, pauseFacts } from '../../facts/pause.js';
import { routineSubjects } from '../../facts/routine.js';
import { selfWakeFacts } from '../../facts/self-wake.js';
import { lastRunOfAssigneeAt, staleFacts } from '../../facts/stale.js';

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
        listed: snap.listed ?? null,
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
    const ceo = agents.find((a) => a.role === 'ceo' && ceoTimerSec(a) > 0);
    const ceoIntervalSec: number = ceo ? ceoTimerSec(ceo) : dispatchParams.defaultCeoIntervalSec;
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
      // Parsed once per issue: a company's runs mostly share a few issues.
      const flaggedByIssue = new Map<string, ReturnType<typeof flaggedFacts>>();
      const flaggedOf = (issueId: string) => {
        let f = flaggedByIssue.get(issueId);
        if (!f) flaggedByIssue.set(issueId, (f = flaggedFacts(own(snap.comments, issueId))));
        return f;
      };
      for (const r of runs) {
        const raw = own(snap.runLogs, r.id);
        if (raw === undefined) continue;
        const agent = agentById.get(r.agentId) ?? null;
        const issueId = runIssueId(r);
        const issue = issueId ? (issueById.get(issueId) ?? null) : null;
        const who = agent?.name ?? `agent ${String(r.agentId).slice(0, 8)}`;
        const facts = { ...runSubjectFacts(r, agent, issue, company, runLogEntry(raw, detect)), flagged: issueId ? flaggedOf(issueId) : flaggedFacts(undefined) };
        out.push({ type: 'run', id: r.id, label: `${String(r.id).slice(0, 8)} (${who}, ${prefix})`, source: 'paperclip', facts });
      }
    }

    for (const issue of issues) {
      const cs = tickets.commentsOf(issue.id);
      let summary: ReturnType<typeof issueSummary> | undefined;
      const assigneeRuns = issue.assigneeAgentId ? (runsByAgent.get(issue.assigneeAgentId) ?? []) : [];
      const assignee = issue.assigneeAgentId ? (agentById.get(issue.assigneeAgentId) ?? null) : null;
      // The keys clipguard's flags on the issue already named (read from its comments, when they were read).
      const flagged = flaggedFacts(own(snap.comments, issue.id));
      const issueFacts = {
        issue,
        company,
        assignee,
        blocked: blockedFacts(issue, {
          comments: cs,
          activity: issue.status === 'blocked' ? (own(snap.activity, issue.id) ?? []) : [],
          runOf: (id) => runById.get(id) ?? own(snap.blockRuns, id) ?? null,
          evidenceRead: !unread.has(issue.id),
          statusOf,
        }),
        lastRunOfAssigneeAt: lastRunOfAssigneeAt(assigneeRuns),
        stale: staleFacts(issue, assignee, assigneeRuns, opts.now),
        secrets: tickets.ofIssue.get(issue.id) ?? NO_SECRETS,
        flagged,
      };
      out.push({ type: 'issue', id: issue.id, label: issue.identifier ?? issue.id, source: 'paperclip', facts: issueFacts });
      for (const c of cs) {
        if (c.deletedAt || !c.body) continue;
        const facts = { comment: c, issue: (summary ??= issueSummary(issue)), secrets: tickets.ofComment.get(c.id) ?? NO_SECRETS, flagged };
        out.push({ type: 'comment', id: c.id, label: `${issue.identifier ?? issue.id} comment ${String(c.id).slice(0, 8)}`, source: 'paperclip', facts });
      }
    }
  }
  return out;
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

const inBody: Place = () => ({ field: 'body' });

/**
 * Each match with its place (field, and line within it). A `clipguard-ignore` in ticket text is not honoured:
 * inline ignores belong to files under review, and anyone (or any agent) who can write a ticket could exempt a
 * key with one. Waivers and baselines, which the operator keeps, are what silence a Paperclip finding.
 */
function placed(matches: Record<string, unknown>[], place: Place) {
  return matches.length === 0 ? matches : matches.map(({ inlineIgnored: _i, ignoreRules: _r, ignoreReason: _w, ...m }) => ({ ...m, ...place(m), inlineIgnored: false }));
}
