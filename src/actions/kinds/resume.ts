// resume: start an agent paused for one of `resumeReasons` (ops/paused-agent, off by default). A budget stop
// is never undone by clipguard, whatever resumeReasons says: not while the spend is at or over the stop
// threshold (the server records clipguard's own pause as `manual`). A live state, like pause.

import { overStop, overStopLive, stopCents } from '../budget-stop.js';
import { failHttp, ok, skip, type ActionKind } from '../kind.js';
import type { Agent } from '../../sources/paperclip/records.js';
import { isBudgetRule } from '../../sources/paperclip/model.js';

export const resume: ActionKind = {
  type: 'resume',
  needsPaperclip: true,
  liveState: true,
  plan(_f, a, s) {
    const facts = s?.facts ?? {};
    const agent = facts.agent as Agent;
    // The reasons come from the rule's action.params (overridable in rules.overrides[id].action.params):
    // the planner sees a finding's action, never the rule's own params.
    const given = a.params?.resumeReasons;
    const reasons = Array.isArray(given) ? given.filter((r): r is string => typeof r === 'string') : ['manual'];
    if (!agent || agent.pauseReason == null || !reasons.includes(agent.pauseReason)) return [];
    const why = overStop(agent.name, facts.budget);
    const pause = facts.pause as { reasonText?: string; byClipguardFor?: string | null } | undefined;
    // A pause clipguard made for a loop is lifted by a person who fixed the cause, never by clipguard.
    const loopPause = typeof pause?.byClipguardFor === 'string' && !isBudgetRule(pause.byClipguardFor);
    if (loopPause) return [{ ...a, status: 'skipped', target: `agent:${agent.name}`, detail: `not resumed: clipguard paused it for ${pause!.byClipguardFor}; resume it by hand once the cause is fixed` }];
    if (why) return [{ ...a, status: 'skipped', target: `agent:${agent.name}`, detail: `not resumed: ${why}${pause?.reasonText?.startsWith('paused by clipguard') ? ` (${pause.reasonText})` : ''}` }];
    return [{ ...a, target: `agent:${agent.name}`, detail: `resume ${agent.name} (${pause?.reasonText || `paused: ${agent.pauseReason}`})`, params: { ...a.params, agentId: agent.id, stopCents: stopCents(facts.budget) } }];
  },
  async execute(ctx, _f, a) {
    const client = ctx.client!;
    const p = a.params ?? {};
    const agent = await client.getAgent(String(p.agentId));
    if (agent.status === 'running') return skip('agent is running now: not disturbing its heartbeat');
    if (agent.status !== 'paused') return skip(`agent is ${agent.status} now`);
    // A budget stop is never undone by clipguard: not while the live spend is at or over the stop threshold.
    const over = overStopLive(agent, p);
    if (over) return skip(`not resumed: ${over}`);
    const r = await client.resumeAgent(String(p.agentId));
    return r.status < 300 ? ok('resumed') : failHttp('', r);
  },
};
