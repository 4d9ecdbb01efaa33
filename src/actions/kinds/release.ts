// release: give back an issue its assignee holds without working on it (ops/stale-in-progress), so it can be
// handed out again; `whenAssignee` limits it to assignees in those states, and a running one is never disturbed.

import { failHttp, ok, skip, type ActionKind } from '../kind.js';
import type { Agent, Issue } from '../../sources/paperclip/records.js';
import type { IssueSummary } from '../../facts/agent-work.js';

export const release: ActionKind = {
  type: 'release',
  needsPaperclip: true,
  plan(_f, a, s) {
    const facts = s?.facts ?? {};
    const agent = facts.agent as Agent;
    const issue = (facts.issue as Issue | undefined) ?? ((facts.heldIssues as IssueSummary[]) ?? [])[0];
    if (!issue) return [];
    const target = `issue:${issue.identifier}`;
    // `whenAssignee` limits the release to assignees in those states (stale work: an idle assignee only;
    // an assignee in error is the release-checkout SOP's, a running one is never disturbed).
    const when = a.params?.whenAssignee as string[] | undefined;
    const assignee = (facts.assignee as Agent) ?? agent ?? null;
    if (when && !when.includes(assignee?.status)) {
      return [{ ...a, status: 'skipped', target, detail: `release ${issue.identifier}: not while its assignee ${assignee?.name ?? 'nobody'} is ${assignee?.status ?? 'unknown'} (only when ${when.join(' or ')})` }];
    }
    return [{ ...a, target, detail: `release ${issue.identifier} from ${assignee?.name ?? 'nobody'} so it can be handed out again`, params: { ...a.params, issueId: issue.id, agentId: issue.assigneeAgentId } }];
  },
  simulate(world, _f, a) {
    const p = a.params ?? {};
    const agentId = typeof p.agentId === 'string' ? p.agentId : null;
    const when = p.whenAssignee as string[] | undefined;
    if (agentId && world.paused.has(agentId) && when && !when.includes('paused')) return `this plan pauses its assignee first (${world.paused.get(agentId)}); released only when ${when.join(' or ')}`;
    return null;
  },
  async execute(ctx, _f, a) {
    const client = ctx.client!;
    const p = a.params ?? {};
    const issue = await client.getIssue(String(p.issueId));
    if (issue.status !== 'in_progress') return skip(`issue is ${issue.status} now`);
    if (p.agentId && issue.assigneeAgentId !== p.agentId) return skip(`issue changed hands (now ${issue.assigneeAgentId ?? 'unassigned'})`);
    if (typeof issue.assigneeAgentId === 'string' && issue.assigneeAgentId) {
      const agent = await client.getAgent(issue.assigneeAgentId);
      if (agent.status === 'running') return skip('assignee is running now: not disturbing its heartbeat');
      const when = p.whenAssignee as string[] | undefined;
      if (when && !when.includes(String(agent.status))) return skip(`assignee is ${agent.status} now (released only when ${when.join(' or ')})`);
    }
    const r = await client.release(String(p.issueId));
    return r.status < 300 ? ok('released') : failHttp('', r);
  },
};
