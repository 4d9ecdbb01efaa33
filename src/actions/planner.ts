// The planner turns the actions rules ask for into concrete ones: which issue goes to which idle agent (at
// most one each per scan, highest priority then oldest, never one issue to two agents, an issue assigned
// to an agent only to that agent, never to an agent at or over its budget's stop threshold), what to release,
// what to pause. It never writes anything. Its plan is what --apply does (simulate.ts): what the executor
// would skip (the ledger says done, an earlier action of the plan makes it moot) is skipped in the plan.

import type { Finding, FindingAction, Subject } from '../types.js';
import { compareIssues } from '../sources/paperclip/model.js';
import { maskText } from '../engine/mask.js';
import { subjectOfFinding } from '../engine/evaluate.js';
import { cannotDelete, keyStays, nonUserAuthor, RUN_KEY_KIND, runKeyNote } from './comment-author.js';
import { flagBody, flagEntry, flagSummary, type FlagEntry } from './flag.js';
import { pushLeakReason } from '../sources/git-leaks.js';
import { simulatePlan, skipDone, skipRepeats, type LedgerView } from './simulate.js';

export interface PlanLimits {
  maxPerScan: number;
  maxPerAgent: number;
  exec: Record<string, string[]>;
  /** The config file's actions.exec was not honoured: it is not trusted (said in the skip). */
  execUntrusted?: boolean;
  /** The idempotency ledger, read only: what it records as done is planned as skipped. */
  ledger?: LedgerView;
}

interface BudgetFact {
  level?: string;
  spentText?: string;
  budgetText?: string;
  percent?: number;
  stopPercent?: number;
  budgetCents?: number;
}

/**
 * Why the agent gets no work and is not resumed: its spend is at or over budget.stopPercent (the budget
 * fact's `exceeded`). Null when it is under.
 */
export function overStop(name: string, budget: unknown): string | null {
  const b = budget as BudgetFact | undefined;
  if (b?.level !== 'exceeded') return null;
  return `${name} has spent ${b.spentText} of ${b.budgetText} (${b.percent}%), at or over the stop threshold (${b.stopPercent}%)`;
}

/** The spend (cents) at which the executor's re-read refuses work and resumes for the agent. */
function stopCents(budget: unknown): number | null {
  const b = budget as BudgetFact | undefined;
  return b && typeof b.budgetCents === 'number' && b.budgetCents > 0 && typeof b.stopPercent === 'number' ? Math.round((b.budgetCents * b.stopPercent) / 100) : null;
}

type SubjectIndex = (f: Finding) => Subject | undefined;
const MAX_FALLBACKS = 25;
const key = (type: string, id: string) => `${type}:${id}`;

export function planActions(findings: Finding[], subjects: Subject[], limits: PlanLimits): void {
  // The evaluator remembers each finding's subject; a finding made elsewhere (rule tests, a baseline) is
  // looked up by id. Only the subjects such findings name are indexed: a scan has hundreds of thousands.
  const unknown = findings.filter((f) => !subjectOfFinding.has(f));
  const named = new Set(unknown.map((f) => f.subject.id));
  const byKey = new Map<string, Subject>();
  if (named.size) for (const s of subjects) if (named.has(s.id)) byKey.set(key(s.type, s.id), s);
  const index: SubjectIndex = (f) => {
    const s = subjectOfFinding.get(f);
    return s && s.type === f.subject.type && s.id === f.subject.id ? s : byKey.get(key(f.subject.type, f.subject.id));
  };
  planCheckouts(findings, index);
  for (const f of findings) {
    if (f.suppressed) {
      f.actions = [];
      continue;
    }
    const s = index(f);
    f.actions = f.actions.flatMap((a) => (a.type === 'checkout' ? [a] : planOne(f, a, s, limits)));
  }
  groupFlags(findings);
  skipDone(findings, limits.ledger);
  skipRepeats(findings);
  for (const f of findings) {
    const facts = index(f)?.facts ?? {};
    const companyId = (facts.company as any)?.id ?? (facts.agent as any)?.companyId ?? (facts.comment as any)?.companyId;
    for (const a of f.actions) if (companyId) a.params = { ...a.params, companyId };
  }
  applyLimits(findings, limits);
  simulatePlan(findings);
  // Targets and details quote titles and names people and agents wrote: they go to every report and the
  // audit log, so a secret in them is masked here, once, for all of them.
  for (const f of findings) for (const a of f.actions) Object.assign(a, { target: maskText(a.target), detail: maskText(a.detail) });
}

function planCheckouts(findings: Finding[], index: SubjectIndex): void {
  const wanting = findings.filter((f) => !f.suppressed && f.actions.some((a) => a.type === 'checkout' && a.status === 'planned'));
  if (!wanting.length) return;
  // Global dispatch: walk every candidate issue in priority order and give it to the first still-free
  // agent that may take it. An issue pre-assigned to an agent is only in that agent's candidate list.
  const all0 = wanting.map((f) => ({ f, s: f.subject.type === 'agent' ? index(f) : undefined })).filter((x) => x.s);
  // An agent at or over its stop threshold gets no work (the budget rule pauses it): its issues go to others.
  const agents = all0.filter(({ f, s }) => {
    const why = overStop(f.subject.label, s!.facts.budget);
    if (why) f.actions = f.actions.map((a) => (a.type === 'checkout' ? ({ ...a, status: 'skipped', target: `agent:${f.subject.label}`, detail: `no work for ${f.subject.label}: ${why}` } as FindingAction) : a));
    return !why;
  });
  const candidates = new Map<string, any[]>(agents.map(({ f, s }) => [f.subject.id, (s!.facts.assignableIssues as any[]) ?? []]));
  const all = new Map<string, any>();
  for (const list of candidates.values()) for (const i of list) all.set(i.id, i);
  const ordered = [...all.values()].sort(compareIssues);
  // Which agents may take each issue, in name order (an inverted index of the candidate lists).
  const byName = [...agents].sort((a, b) => a.f.subject.label.localeCompare(b.f.subject.label));
  const takers = new Map<string, typeof agents>();
  for (const x of byName) {
    for (const i of candidates.get(x.f.subject.id) ?? []) {
      const list = takers.get(i.id) ?? [];
      if (list[list.length - 1] !== x) list.push(x);
      takers.set(i.id, list);
    }
  }
  const given = new Map<string, any>();
  const taken = new Set<string>();
  for (const issue of ordered) {
    // A pre-assigned issue is only in its assignee's list; otherwise the first free agent in name order.
    const pick = (takers.get(issue.id) ?? []).find(({ f }) => !given.has(f.subject.id));
    if (!pick) continue;
    given.set(pick.f.subject.id, issue);
    taken.add(issue.id);
  }
  for (const { f } of agents) {
    const issue = given.get(f.subject.id);
    f.actions = f.actions.map((a) => {
      if (a.type !== 'checkout') return a;
      if (!issue) return { ...a, status: 'skipped', target: `agent:${f.subject.label}`, detail: 'every assignable issue went to another idle agent this scan' } as FindingAction;
      // Fallbacks for a 409 at execution time: this agent's other candidates, not given to anyone else. They
      // are shared by every agent (each is re-read before use), so a short list runs dry in a 409 storm while
      // free issues remain: keep enough of them (bounded, the list travels in the report).
      const fallbacks = (candidates.get(f.subject.id) ?? []).filter((i) => i.id !== issue.id && !taken.has(i.id)).slice(0, MAX_FALLBACKS).map((i) => ({ id: i.id, identifier: i.identifier }));
      const stop = stopCents(index(f)?.facts.budget);
      return { ...a, target: `issue:${issue.identifier}`, detail: `check out ${issue.identifier} (${issue.priority}) "${truncate(maskText(issue.title))}" to ${f.subject.label}`, params: { ...a.params, agentId: f.subject.id, issueId: issue.id, identifier: issue.identifier, fallbacks, stopCents: stop } };
    });
  }
}

function truncate(s: string, n = 60): string {
  return s && s.length > n ? s.slice(0, n - 1) + '…' : (s ?? '');
}

function planOne(f: Finding, a: FindingAction, s: Subject | undefined, limits: PlanLimits): FindingAction[] {
  const facts = s?.facts ?? {};
  const agent = facts.agent as any;
  switch (a.type) {
    case 'release-checkout': {
      const held = (facts.heldIssues as any[]) ?? [];
      const why = overStop(agent?.name, facts.budget);
      return held.slice(0, 1).map((i) =>
        why || i.waitingOn
          ? ({ ...a, status: 'skipped', target: `issue:${i.identifier}`, detail: why ? `not checked out again to ${agent?.name}: ${why}` : `not released: ${i.identifier} waits for ${i.waitingOn}, so its re-checkout would be refused (422) and leave it released` } as FindingAction)
          : { ...a, target: `issue:${i.identifier}`, detail: `release ${i.identifier} and check it out again to ${agent?.name}`, params: { ...a.params, agentId: agent?.id, issueId: i.id, identifier: i.identifier, stopCents: stopCents(facts.budget) } },
      );
    }
    case 'release': {
      const issue = (facts.issue as any) ?? ((facts.heldIssues as any[]) ?? [])[0];
      if (!issue) return [];
      const target = `issue:${issue.identifier}`;
      // `whenAssignee` limits the release to assignees in those states (stale work: an idle assignee only;
      // an assignee in error is the release-checkout SOP's, a running one is never disturbed).
      const when = a.params?.whenAssignee as string[] | undefined;
      const assignee = (facts.assignee as any) ?? agent ?? null;
      if (when && !when.includes(assignee?.status)) {
        return [{ ...a, status: 'skipped', target, detail: `release ${issue.identifier}: not while its assignee ${assignee?.name ?? 'nobody'} is ${assignee?.status ?? 'unknown'} (only when ${when.join(' or ')})` }];
      }
      return [{ ...a, target, detail: `release ${issue.identifier} from ${assignee?.name ?? 'nobody'} so it can be handed out again`, params: { ...a.params, issueId: issue.id, agentId: issue.assigneeAgentId } }];
    }
    case 'reset-session': {
      if (!agent) return [];
      if (agent.status === 'running') return [{ ...a, status: 'skipped', target: `agent:${agent.name}`, detail: `reset ${agent.name}'s session: not while it is running (its heartbeat is not disturbed)` }];
      const loop = (facts.loop as any) ?? {};
      const taskKey: string | null = loop.taskKey ?? null;
      const runIds: string[] = loop.runIds ?? [];
      return [
        {
          ...a,
          target: `agent:${agent.name}`,
          detail: `reset ${agent.name}'s session${taskKey ? ` for task ${taskKey}` : ''}`,
          params: { ...a.params, agentId: agent.id, taskKey, newestRunId: runIds[0] ?? null },
        },
      ];
    }
    case 'pause':
      // Paperclip normally pauses an over-budget agent itself; act only when it did not.
      if (!agent || agent.status === 'paused') return [];
      // The executor never disturbs a heartbeat: the plan says so rather than promising a pause it will skip.
      if (agent.status === 'running') return [{ ...a, status: 'skipped', target: `agent:${agent.name}`, detail: `pause ${agent.name}: not while it is running (its heartbeat is not disturbed); a later scan pauses it` }];
      return [{ ...a, target: `agent:${agent.name}`, detail: `pause ${agent.name} (${agent.status})`, params: { ...a.params, agentId: agent.id } }];
    case 'resume': {
      // The reasons come from the rule's action.params (overridable in rules.overrides[id].action.params):
      // the planner sees a finding's action, never the rule's own params.
      const given = a.params?.resumeReasons;
      const reasons = Array.isArray(given) ? given.filter((r): r is string => typeof r === 'string') : ['manual'];
      if (!agent || !reasons.includes(agent.pauseReason)) return [];
      // A budget stop is never undone by clipguard, whatever resumeReasons says: not while the spend is at or
      // over the stop threshold (the server records clipguard's own pause as `manual`).
      const why = overStop(agent.name, facts.budget);
      const pause = facts.pause as { reasonText?: string } | undefined;
      if (why) return [{ ...a, status: 'skipped', target: `agent:${agent.name}`, detail: `not resumed: ${why}${pause?.reasonText?.startsWith('paused by clipguard') ? ` (${pause.reasonText})` : ''}` }];
      return [{ ...a, target: `agent:${agent.name}`, detail: `resume ${agent.name} (${pause?.reasonText || `paused: ${agent.pauseReason}`})`, params: { ...a.params, agentId: agent.id, stopCents: stopCents(facts.budget) } }];
    }
    case 'comment': {
      const issue = facts.issue as any;
      return issue ? [{ ...a, target: `issue:${issue.identifier}`, detail: `comment on ${issue.identifier} asking for the blocker`, params: { ...a.params, issueId: issue.id } }] : [];
    }
    case 'redact': {
      if (f.subject.type === 'issue') {
        const issue = facts.issue as any;
        return [{ ...a, target: `issue:${issue.identifier}`, detail: `replace each secret in ${issue.identifier} with [REDACTED:<kind>]`, params: { ...a.params, issueId: issue.id } }];
      }
      const c = facts.comment as any;
      const issue = facts.issue as any;
      const params = { ...a.params, issueId: issue.id, commentId: c.id };
      // A comment no user wrote (an agent's: most leaks) is beyond the board's reach: that is known now, so the
      // dry-run says it, and --apply does not try (no copy beside a live original) and reports the same failure.
      const author = nonUserAuthor(c);
      if (author) {
        const runKey = ((facts.secrets as { kind?: string }[] | undefined) ?? []).some((m) => m.kind === RUN_KEY_KIND);
        return [{ ...a, status: 'failed', target: `comment:${c.id}`, detail: `${cannotDelete(author)}; ${keyStays(String(c.id))}${runKey ? runKeyNote(null) : ''}`, params }];
      }
      return [{ ...a, target: `comment:${c.id}`, detail: `post a redacted copy on ${issue.identifier}, then delete the original comment`, params }];
    }
    case 'flag': {
      // One entry per finding here; groupFlags below makes one comment per issue out of them.
      const issue = facts.issue as any;
      const entry = flagEntry(f.subject.type, facts, a.params?.item);
      if (!issue || !entry) return [];
      return [{ ...a, target: `issue:${issue.identifier}`, detail: '', params: { ...a.params, issueId: issue.id, identifier: issue.identifier, entries: [entry] } }];
    }
    case 'exec': {
      // The command's name is in the rule's action.params.command (overridable in rules.overrides[id].action.params);
      // its argv only ever comes from the config's actions.exec.
      const name = typeof a.params?.command === 'string' ? a.params.command : '';
      if (!name) return [{ ...a, status: 'skipped', target: 'exec:', detail: 'the rule names no command: set action.params.command (rules.overrides[id].action.params.command) to a name in actions.exec of the config' }];
      // Own entries only: "toString" or "constructor" must not find Object.prototype.
      if (!Object.hasOwn(limits.exec, name) || !Array.isArray(limits.exec[name]) || !limits.exec[name].length) return [{ ...a, status: 'skipped', target: `exec:${name}`, detail: `no command "${name}" in actions.exec of the config${limits.execUntrusted ? ' (the config file is not trusted: its actions.exec is ignored; see clipguard trust --help)' : ''}` }];
      return [{ ...a, target: `exec:${name}`, detail: `run ${limits.exec[name].join(' ')}`, params: { ...a.params, argv: limits.exec[name] } }];
    }
    case 'push': {
      // Repository, branch and upstream come from the scan's own read (the git source), never from params a
      // rule or config could supply; the executor re-reads all of it before pushing.
      const g = (facts.source as any)?.git;
      if (!g || typeof g.dir !== 'string') return [];
      const target = `git:${g.dir}${g.branch ? `@${g.branch}` : ''}`;
      if (!g.branch) return [{ ...a, status: 'skipped', target, detail: 'detached HEAD: no branch to push' }];
      if (!g.upstream) return [{ ...a, status: 'skipped', target, detail: `no upstream: set one with git push -u <remote> ${g.branch}` }];
      // The action refuses to push a leak; the git source read the same commits, so the plan says so already.
      const leaks = Array.isArray(g.leakKinds) ? (g.leakKinds as string[]) : [];
      if (leaks.length) return [{ ...a, status: 'skipped', target, detail: pushLeakReason(leaks) }];
      const head = (g.commits as { sha?: unknown }[] | undefined)?.[0]?.sha;
      return [{ ...a, target, detail: `push ${g.ahead} commit(s) of ${g.branch} to ${g.upstream} (never forced)`, params: { repo: g.dir, branch: g.branch, upstream: g.upstream, head: typeof head === 'string' ? head : null } }];
    }
    default:
      return [{ ...a, target: a.target || `${f.subject.type}:${f.subject.label}` }];
  }
}

/**
 * One flag comment per issue, however many secrets it and its comments hold: each comment wakes the assignee
 * (and costs a run). The first planned flag on an issue carries every entry and the comment's text; the
 * others are skipped, naming it.
 */
function groupFlags(findings: Finding[]): void {
  const carriers = new Map<string, FindingAction>();
  for (const f of findings) {
    for (const a of f.actions) {
      if (a.type !== 'flag' || a.status !== 'planned') continue;
      const issueId = String(a.params?.issueId);
      const carrier = carriers.get(issueId);
      if (!carrier) carriers.set(issueId, a);
      else {
        carrier.params!.entries = [...(carrier.params!.entries as FlagEntry[]), ...(a.params!.entries as FlagEntry[])];
        Object.assign(a, { status: 'skipped', detail: `in the one flag comment planned for ${a.params!.identifier} (one comment per issue)` });
      }
    }
  }
  for (const a of carriers.values()) {
    const entries = a.params!.entries as FlagEntry[];
    a.params!.body = flagBody(entries);
    a.detail = `comment on ${a.params!.identifier} asking to rotate ${flagSummary(entries)}`;
  }
}

/** Cap write actions per scan and per agent (blast radius); the rest are skipped, saying why. */
function applyLimits(findings: Finding[], limits: PlanLimits): void {
  let total = 0;
  const perAgent = new Map<string, number>();
  // Most severe first, so the cap keeps what matters.
  const order = ['critical', 'error', 'warning', 'info'];
  const sorted = [...findings].sort((a, b) => order.indexOf(a.severity) - order.indexOf(b.severity));
  for (const f of sorted) {
    for (const a of f.actions) {
      if (a.status !== 'planned') continue;
      const agentId = (a.params?.agentId as string) ?? (f.subject.type === 'agent' ? f.subject.id : null);
      const n = agentId ? (perAgent.get(agentId) ?? 0) : 0;
      if (total >= limits.maxPerScan) {
        Object.assign(a, { status: 'skipped', detail: `${a.detail}; skipped: limit of ${limits.maxPerScan} actions per scan (actions.maxPerScan)` });
      } else if (agentId && n >= limits.maxPerAgent) {
        Object.assign(a, { status: 'skipped', detail: `${a.detail}; skipped: limit of ${limits.maxPerAgent} actions per agent (actions.maxPerAgent)` });
      } else {
        total++;
        if (agentId) perAgent.set(agentId, n + 1);
      }
    }
  }
}
