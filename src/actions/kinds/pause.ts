// pause: stop an agent at or over its budget's stop threshold (budget/agent-spend-exceeded) when the server
// did not; never a running agent (a later scan pauses it). A live state: the re-read decides, not the ledger.

import { failHttp, ok, skip, type ActionKind } from '../kind.js';
import type { Agent } from '../../sources/paperclip/records.js';

export const pause: ActionKind = {
  type: 'pause',
  needsPaperclip: true,
  liveState: true,
  // A budget pause keeps its key; a pause for another rule (a self-wake loop) names the rule, so the ledger
  // tells clipguard's loop pauses from its budget pauses (ledger.ts ledgerPauses) and never resumes them.
  ledgerKey: (_f, p) => ['pause', p.agentId ?? '', '', '', typeof p.for === 'string' && !p.for.startsWith('budget/') ? p.for : ''].join(':').replace(/:$/, ''),
  plan(f, a, s) {
    const agent = s?.facts.agent as Agent;
    // Paperclip normally pauses an over-budget agent itself; act only when it did not.
    if (!agent || agent.status === 'paused') return [];
    // The executor never disturbs a heartbeat: the plan says so rather than promising a pause it will skip.
    if (agent.status === 'running') return [{ ...a, status: 'skipped', target: `agent:${agent.name}`, detail: `pause ${agent.name}: not while it is running (its heartbeat is not disturbed); a later scan pauses it` }];
    return [{ ...a, target: `agent:${agent.name}`, detail: `pause ${agent.name} (${agent.status})`, params: { ...a.params, agentId: agent.id, for: f.ruleId } }];
  },
  simulate(world, f, a) {
    const agentId = typeof a.params?.agentId === 'string' ? a.params.agentId : null;
    if (agentId && world.paused.has(agentId)) return `already paused earlier in this plan (${world.paused.get(agentId)})`;
    if (agentId) world.paused.set(agentId, f.ruleId);
    return null;
  },
  async execute(ctx, _f, a) {
    const client = ctx.client!;
    const p = a.params ?? {};
    const agent = await client.getAgent(String(p.agentId));
    if (agent.status === 'running') return skip('agent is running now: not disturbing its heartbeat');
    if (agent.status === 'paused') return skip(`already paused (${agent.pauseReason})`);
    const r = await client.pauseAgent(String(p.agentId));
    return r.status < 300 ? ok('paused') : failHttp('', r);
  },
};
