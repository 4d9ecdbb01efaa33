// reset-session: clear the session of an agent stuck in a loop (ops/agent-looping), for the runs' task when
// they share one; not while it runs, and not when a successful run since the scan shows the loop broke.

import { failHttp, ok, skip, type ActionKind } from '../kind.js';
import { jsonObjects } from '../../sources/paperclip/json.js';
import type { Agent } from '../../sources/paperclip/records.js';
import type { LoopFacts } from '../../facts/loop.js';

export const resetSession: ActionKind = {
  type: 'reset-session',
  needsPaperclip: true,
  // A session reset for one task is not one for another (the agent's other sessions are untouched).
  ledgerKey: (_f, p) => (typeof p.taskKey === 'string' && p.taskKey ? ['reset-session', p.agentId ?? '', '', '', p.taskKey].join(':') : ['reset-session', p.agentId ?? '', p.issueId ?? '', p.commentId ?? ''].join(':')),
  plan(_f, a, s) {
    const facts = s?.facts ?? {};
    const agent = facts.agent as Agent;
    if (!agent) return [];
    if (agent.status === 'running') return [{ ...a, status: 'skipped', target: `agent:${agent.name}`, detail: `reset ${agent.name}'s session: not while it is running (its heartbeat is not disturbed)` }];
    const loop: Partial<LoopFacts> = (facts.loop as LoopFacts | undefined) ?? {};
    const taskKey: string | null = loop.taskKey ?? null;
    const runIds: string[] = loop.runIds ?? [];
    // A self-wake streak: its runs succeed, so a newer successful run does not show the loop broke (see execute).
    const selfWake = loop.by === 'self-wake';
    return [{ ...a, target: `agent:${agent.name}`, detail: `reset ${agent.name}'s session${taskKey ? ` for task ${taskKey}` : ''}`, params: { ...a.params, agentId: agent.id, taskKey, newestRunId: runIds[0] ?? null, ...(selfWake ? { selfWake: true } : {}) } }];
  },
  async execute(ctx, _f, a) {
    const client = ctx.client!;
    const p = a.params ?? {};
    const agentId = String(p.agentId);
    const agent = await client.getAgent(agentId);
    if (agent.status === 'running') return skip('agent is running now: not disturbing its heartbeat');
    // The streak the scan saw may be over: a successful run since then means the loop broke by itself.
    // In a self-wake loop every run succeeds, and between the comment-woken runs the server starts follow-up
    // runs of its own: a newer successful run says nothing about the loop being over, so only a failure
    // streak's reset is called off by one (and only then are the runs read).
    if (typeof p.companyId === 'string' && p.selfWake !== true) {
      const [newest] = jsonObjects(await client.listHeartbeatRuns(p.companyId, { agentId, limit: 1 }));
      if (newest && p.newestRunId && newest.id !== p.newestRunId && newest.status === 'succeeded') return skip(`agent ran successfully since (run ${newest.id}): no reset needed`);
    }
    const taskKey = typeof p.taskKey === 'string' && p.taskKey ? p.taskKey : undefined;
    const r = await client.resetSession(agentId, taskKey);
    return r.status < 300 ? ok(`session reset${taskKey ? ` for task ${taskKey}` : ''}; ops/agent-looping stays quiet for this agent during its cool-down`) : failHttp('', r);
  },
};
