// The planner turns the actions rules ask for into concrete ones: which issue goes to which idle agent (at
// most one each per scan, highest priority then oldest, never one issue to two agents, an issue assigned
// to an agent only to that agent), what to release, what to pause. It never writes anything.

import type { Finding, FindingAction, Subject } from '../types.js';
import { compareIssues } from '../sources/paperclip/subjects.js';
import { maskText } from '../engine/mask.js';
import { subjectOfFinding } from '../engine/evaluate.js';
import { flagBody, flagEntry, flagSummary, type FlagEntry } from './flag.js';

export interface PlanLimits {
  maxPerScan: number;
  maxPerAgent: number;
  exec: Record<string, string[]>;
  /** The config file's actions.exec was not honoured: it is not trusted (said in the skip). */
  execUntrusted?: boolean;
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
  for (const f of findings) {
    const facts = index(f)?.facts ?? {};
    const companyId = (facts.company as any)?.id ?? (facts.agent as any)?.companyId ?? (facts.comment as any)?.companyId;
    for (const a of f.actions) if (companyId) a.params = { ...a.params, companyId };
  }
  applyLimits(findings, limits);
  // Targets and details quote titles and names people and agents wrote: they go to every report and the
  // audit log, so a secret in them is masked here, once, for all of them.
  for (const f of findings) for (const a of f.actions) Object.assign(a, { target: maskText(a.target), detail: maskText(a.detail) });
}

function planCheckouts(findings: Finding[], index: SubjectIndex): void {
  const wanting = findings.filter((f) => !f.suppressed && f.actions.some((a) => a.type === 'checkout' && a.status === 'planned'));
  if (!wanting.length) return;
  // Global dispatch: walk every candidate issue in priority order and give it to the first still-free
  // agent that may take it. An issue pre-assigned to an agent is only in that agent's candidate list.
  const agents = wanting.map((f) => ({ f, s: f.subject.type === 'agent' ? index(f) : undefined })).filter((x) => x.s);
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
      return { ...a, target: `issue:${issue.identifier}`, detail: `check out ${issue.identifier} (${issue.priority}) "${truncate(maskText(issue.title))}" to ${f.subject.label}`, params: { ...a.params, agentId: f.subject.id, issueId: issue.id, identifier: issue.identifier, fallbacks } };
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
      return held.slice(0, 1).map((i) => ({ ...a, target: `issue:${i.identifier}`, detail: `release ${i.identifier} and check it out again to ${agent?.name}`, params: { ...a.params, agentId: agent?.id, issueId: i.id, identifier: i.identifier } }));
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
      return [{ ...a, target: `agent:${agent.name}`, detail: `pause ${agent.name} (${agent.status})`, params: { ...a.params, agentId: agent.id } }];
    case 'resume': {
      // The reasons come from the rule's action.params (overridable in rules.overrides[id].action.params):
      // the planner sees a finding's action, never the rule's own params.
      const given = a.params?.resumeReasons;
      const reasons = Array.isArray(given) ? given.filter((r): r is string => typeof r === 'string') : ['manual'];
      if (!agent || !reasons.includes(agent.pauseReason)) return [];
      return [{ ...a, target: `agent:${agent.name}`, detail: `resume ${agent.name} (paused: ${agent.pauseReason})`, params: { ...a.params, agentId: agent.id } }];
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
      return [{ ...a, target: `comment:${c.id}`, detail: `post a redacted copy on ${issue.identifier}, then delete the original comment`, params: { ...a.params, issueId: issue.id, commentId: c.id } }];
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
