// checkout: give an idle agent the most urgent issue it may take (ops/idle-agent-backlog). Planned for all
// findings at once (planCheckouts): highest priority then oldest, at most one issue per agent and one agent
// per issue, an issue assigned to an agent only to that agent, never to an agent at or over its stop threshold.

import type { Finding, FindingAction, Subject } from '../../types.js';
import { compareIssues, unresolvedBlocker } from '../../sources/paperclip/model.js';
import { isJsonObject, type JsonObject } from '../../sources/paperclip/json.js';
import { maskText } from '../../engine/mask.js';
import { overStop, overStopLive, stopCents } from '../budget-stop.js';
import { errText, failHttp, ok, skip, truncate, type ActionKind, type Outcome } from '../kind.js';
import type { IssueSummary } from '../../facts/agent-work.js';
import { byCodeUnits } from '../../util/compare.js';

const MAX_FALLBACKS = 25;

/** Global dispatch over every finding that asks for a checkout (run by the planner before the per-finding plans). */
export function planCheckouts(findings: Finding[], index: (f: Finding) => Subject | undefined): void {
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
  const candidates = new Map<string, IssueSummary[]>(agents.map(({ f, s }) => [f.subject.id, (s!.facts.assignableIssues as IssueSummary[]) ?? []]));
  const all = new Map<string, IssueSummary>();
  for (const list of candidates.values()) for (const i of list) all.set(i.id, i);
  const ordered = [...all.values()].sort(compareIssues);
  // Which agents may take each issue, in name order (an inverted index of the candidate lists).
  const byName = [...agents].sort((a, b) => byCodeUnits(a.f.subject.label, b.f.subject.label));
  const takers = new Map<string, typeof agents>();
  for (const x of byName) {
    for (const i of candidates.get(x.f.subject.id) ?? []) {
      const list = takers.get(i.id) ?? [];
      if (list[list.length - 1] !== x) list.push(x);
      takers.set(i.id, list);
    }
  }
  const given = new Map<string, IssueSummary>();
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

export const checkout: ActionKind = {
  type: 'checkout',
  needsPaperclip: true,
  planBefore: planCheckouts,
  // planCheckouts planned it already, over every finding.
  plan: (_f, a) => [a],
  simulate(world, _f, a) {
    const p = a.params ?? {};
    const agentId = typeof p.agentId === 'string' ? p.agentId : null;
    const issueId = typeof p.issueId === 'string' ? p.issueId : null;
    if (agentId && world.paused.has(agentId)) return `this plan pauses the agent first (${world.paused.get(agentId)}): no work is handed to it`;
    if (issueId && world.handed.has(issueId)) return `this plan already hands ${String(p.identifier ?? issueId)} out`;
    // An issue an earlier action of this plan hands the agent (a pending re-checkout completed first): --apply's
    // re-read finds the agent holding it in progress, and skips.
    const holds = agentId ? [...world.handed.values()].find((h) => h.agentId === agentId) : undefined;
    if (holds) return `this plan checks ${holds.identifier} out to the agent first: it holds that in progress`;
    if (issueId && agentId) world.handed.set(issueId, { agentId, identifier: String(p.identifier ?? issueId) });
    return null;
  },
  async execute(ctx, f, a): Promise<Outcome> {
    const client = ctx.client!;
    const p = a.params ?? {};
    const agentId = String(p.agentId);
    const tried: string[] = [];
    const candidates = [{ id: String(p.issueId), identifier: String(p.identifier) }, ...((p.fallbacks as { id: string; identifier: string }[]) ?? [])];
    for (const c of candidates) {
      const agent = await client.getAgent(agentId);
      if (agent.status === 'running') return skip('agent is running now: not disturbing its heartbeat');
      if (agent.status !== 'idle') return skip(`agent is ${agent.status} now, no longer idle`);
      const over = overStopLive(agent, p);
      if (over) return skip(over);
      // Another controller may have given this agent work meanwhile (an agent that never wakes stays idle).
      if (typeof p.companyId === 'string') {
        const busy = (await client.listIssues(p.companyId, { status: 'in_progress' })).find((i) => isJsonObject(i) && i.assigneeAgentId === agentId) as JsonObject | undefined;
        if (busy) return skip(`agent already holds ${String(busy.identifier)} in progress${tried.length ? ` (${tried.join('; ')})` : ''}`);
      }
      const issue = await client.getIssue(c.id);
      if (issue.status !== 'backlog' && issue.status !== 'todo' || (issue.assigneeAgentId && issue.assigneeAgentId !== agentId)) {
        tried.push(`${c.identifier}: taken (${issue.status})`);
        continue;
      }
      const blocker = unresolvedBlocker(issue);
      if (blocker) {
        tried.push(`${c.identifier}: blocked by ${blocker.identifier ?? blocker.id} (${blocker.status})`);
        continue;
      }
      const r = await client.checkout(c.id, agentId, ['backlog', 'todo']);
      if (r.status === 409) {
        tried.push(`${c.identifier}: 409 conflict (someone else took it)`);
        // Each 409 is recorded as its own skip (issue 9), whatever issue the agent finally gets.
        ctx.record(f, { ...a, target: `issue:${c.identifier}` }, skip(`${c.identifier} (${c.id}): 409 conflict on checkout (${errText(r.body) || 'someone else took it'}); trying the agent's next issue`));
        continue;
      }
      if (r.status === 422) {
        // This issue cannot be taken now (e.g. a blocker added since the re-read): the next candidate can.
        tried.push(`${c.identifier}: 422 ${errText(r.body)}`.trim());
        continue;
      }
      if (r.status >= 200 && r.status < 300) {
        a.target = `issue:${c.identifier}`;
        return ok(`${c.identifier} checked out to the agent${tried.length ? ` after ${tried.join('; ')}` : ''}`);
      }
      return failHttp(`checkout ${c.identifier}: `, r);
    }
    return skip(`no candidate issue left: ${tried.join('; ')}`);
  },
};
