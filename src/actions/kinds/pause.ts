// pause: stop an agent at or over its budget's stop threshold (budget/agent-spend-exceeded) when the server
// did not; never a running agent (a later scan pauses it). A live state: the re-read decides, not the ledger.
//
// With `endLiveRuns` (budget/over-stop-live-run, Paperclip #11276 and #769) the hard stop also ends the run in
// progress: an agent over its stop threshold is paused although it is running, because a run that goes on
// keeps spending. The pause route cancels the agent's active runs (POST /api/agents/:id/pause calls
// cancelActiveForAgent; test/e2e/hard-stop.test.ts proves it on the real server, process killed). The action
// re-reads the live runs after the pause and cancels any still live itself (POST /api/heartbeat-runs/:id/cancel:
// a server whose pause does not, or a paused agent whose run went on).

import type { ActingClient } from '../../sources/paperclip/client.js';
import { budgetMovedUnder, budgetPlanParams, overStopLive } from '../budget-stop.js';
import { fail, failHttp, ok, skip, type ActionContext, type ActionKind, type Outcome } from '../kind.js';
import type { FindingAction } from '../../types.js';

const LIVE = new Set(['queued', 'running']);
import type { Agent } from '../../sources/paperclip/records.js';
import { jsonObjects, type JsonObject } from '../../sources/paperclip/json.js';
import { isBudgetRule } from '../../sources/paperclip/model.js';

export const pause: ActionKind = {
  type: 'pause',
  needsPaperclip: true,
  liveState: true,
  // A budget pause keeps its key; a pause for another rule (a self-wake loop) names the rule, so the ledger
  // tells clipguard's loop pauses from its budget pauses (ledger.ts ledgerPauses) and never resumes them. The
  // hard stop is its own step after a plain pause of the same agent in one plan (it checks the runs ended), so
  // it is not merged into it as a repeat.
  // The hard stop's key names its (budget) rule, so ledgerPauses reads it as a budget pause.
  ledgerKey: (_f, p) =>
    p.endLiveRuns === true
      ? ['pause', p.agentId ?? '', '', '', typeof p.for === 'string' && p.for ? p.for : 'budget/over-stop-live-run'].join(':')
      : ['pause', p.agentId ?? '', '', '', typeof p.for === 'string' && !isBudgetRule(p.for) ? p.for : ''].join(':').replace(/:$/, ''),
  plan(f, a, s) {
    const facts = s?.facts ?? {};
    const agent = facts.agent as Agent;
    if (!agent) return [];
    const live = facts.liveRuns as { count?: number; runIds?: string[] } | undefined;
    // The hard stop is for an agent at or over its stop threshold only, whatever rule asks for it.
    if (a.params?.endLiveRuns === true && live?.count && (facts.budget as { level?: string } | undefined)?.level === 'exceeded') {
      const ids = live.runIds ?? [];
      const params = { ...a.params, agentId: agent.id, runIds: ids, ...budgetPlanParams(facts.budget), for: f.ruleId };
      const detail =
        agent.status === 'paused'
          ? `end ${agent.name}'s live run(s) ${ids.join(', ')}: it is paused and its run goes on (POST /api/heartbeat-runs/{id}/cancel)`
          : `pause ${agent.name} (${agent.status}) and end its live run(s) ${ids.join(', ')} (the pause route cancels them; any left are cancelled)`;
      return [{ ...a, target: `agent:${agent.name}`, detail, params }];
    }
    // Paperclip normally pauses an over-budget agent itself; act only when it did not.
    if (agent.status === 'paused') return [];
    // The executor never disturbs a heartbeat: the plan says so rather than promising a pause it will skip.
    if (agent.status === 'running') return [{ ...a, status: 'skipped', target: `agent:${agent.name}`, detail: `pause ${agent.name}: not while it is running (its heartbeat is not disturbed); a later scan pauses it` }];
    // A plain pause: `endLiveRuns` without a stop exceeded and a live run is not a hard stop.
    const { endLiveRuns: _hard, ...rest } = a.params ?? {};
    // A budget rule's pause carries the figures it was planned on: the re-read judges a changed budget again.
    const budget = isBudgetRule(f.ruleId) ? budgetPlanParams(facts.budget) : {};
    return [{ ...a, target: `agent:${agent.name}`, detail: `pause ${agent.name} (${agent.status})`, params: { ...rest, ...budget, agentId: agent.id, for: f.ruleId } }];
  },
  simulate(world, f, a) {
    const agentId = typeof a.params?.agentId === 'string' ? a.params.agentId : null;
    const earlier = agentId ? world.paused.get(agentId) : undefined;
    // A hard stop after a plain pause of the same agent still runs: it checks that the runs ended.
    if (agentId && earlier !== undefined && a.params?.endLiveRuns !== true) {
      // A loop's pause after a budget pause is still made: it is recorded under its own rule (execute), so the
      // pause reads as the loop's, which clipguard never lifts, not as a budget pause a raised budget would end.
      if (isBudgetRule(earlier) && !isBudgetRule(f.ruleId)) {
        a.detail = `${a.detail}; paused earlier in this plan (${earlier}): recorded as a pause for ${f.ruleId} too, which clipguard never lifts`;
        world.paused.set(agentId, f.ruleId);
        return null;
      }
      return `already paused earlier in this plan (${earlier})`;
    }
    if (agentId && earlier === undefined) world.paused.set(agentId, f.ruleId);
    return null;
  },
  async execute(ctx, _f, a) {
    const client = ctx.client!;
    const p = a.params ?? {};
    if (p.endLiveRuns === true) return hardStop(ctx, a);
    const agent = await client.getAgent(String(p.agentId));
    if (agent.status === 'running') return skip('agent is running now: not disturbing its heartbeat');
    if (agent.status === 'paused') {
      // Paused by clipguard for budget in this run or a recent one (its ledger says so): a loop's pause is kept
      // as the loop's (the outcome writes its ledger entry and its clipguard.pause activity entry).
      const rule = typeof p.for === 'string' ? p.for : '';
      if (rule && !isBudgetRule(rule) && budgetPausedByClipguard(ctx, String(p.agentId))) {
        return ok(`already paused by clipguard for budget; kept as a pause for ${rule}, which clipguard never lifts`);
      }
      return skip(`already paused (${agent.pauseReason})`);
    }
    const moved = budgetMovedUnder(agent, p);
    if (moved) return skip(moved);
    const r = await client.pauseAgent(String(p.agentId));
    return r.status < 300 ? ok('paused') : failHttp('', r);
  },
};

/** The agent's live runs, from the company's list (every agent's runs are in it). */
async function liveRunsOf(client: ActingClient, companyId: string, agentId: string): Promise<JsonObject[]> {
  return jsonObjects(await client.listLiveRuns(companyId)).filter((r) => r.agentId === agentId && LIVE.has(String(r.status)));
}

/**
 * Pause (unless paused), then make sure no run of the agent is live: the pause route cancels them; any left
 * are cancelled one by one, and a run still live after that is a failure the finding shows.
 */
async function hardStop(ctx: ActionContext, a: FindingAction): Promise<Outcome> {
  const client = ctx.client!;
  const p = a.params ?? {};
  const agentId = String(p.agentId);
  const companyId = String(p.companyId);
  const agent = await client.getAgent(agentId);
  // The budget may have been raised since the scan: then it is not over the stop, and nothing is stopped.
  if (typeof p.stopCents !== 'number') return skip('no stop threshold to hold the agent to (no budget)');
  if (!overStopLive(agent, p)) return skip(`its spend (${agent.spentMonthlyCents} cents) is under the stop threshold (${p.stopCents} cents) now`);
  const moved = budgetMovedUnder(agent, p);
  if (moved) return skip(moved);
  const before = await liveRunsOf(client, companyId, agentId);
  const steps: string[] = [];
  if (agent.status !== 'paused') {
    const r = await client.pauseAgent(agentId);
    if (r.status >= 300) return failHttp('pause: ', r);
    steps.push('paused');
  } else steps.push(`already paused (${agent.pauseReason})`);
  let left = await liveRunsOf(client, companyId, agentId);
  const endedByPause = before.filter((b) => !left.some((l) => l.id === b.id)).map((r) => r.id);
  if (endedByPause.length) steps.push(`the pause ended run(s) ${endedByPause.join(', ')}`);
  if (left.length) {
    const refused: string[] = [];
    for (const run of left) {
      const r = await client.cancelRun(String(run.id));
      if (r.status >= 300) refused.push(`${run.id} (HTTP ${r.status})`);
    }
    left = await liveRunsOf(client, companyId, agentId);
    if (left.length) return fail(`${steps.join('; ')}; run(s) ${left.map((r) => r.id).join(', ')} still live after a cancel${refused.length ? ` (refused: ${refused.join(', ')})` : ''}`);
    steps.push('cancelled the run(s) the pause left');
  }
  // Planned runs that had ended by themselves before this action: nothing to stop, said as such.
  const planned: string[] = Array.isArray(p.runIds) ? (p.runIds as string[]) : [];
  const gone = planned.filter((id) => !before.some((b) => b.id === id));
  if (gone.length) steps.push(`run(s) ${gone.join(', ')} had ended already`);
  return ok(`${steps.join('; ')}; no run of the agent is live`);
}

/** An applied budget pause of the agent in the ledger (within its TTL): clipguard's own, recent. */
function budgetPausedByClipguard(ctx: ActionContext, agentId: string): boolean {
  return ctx.ledger.applied(`pause:${agentId}:`).some(([key]) => {
    const rule = key.split(':').slice(4).join(':');
    return (rule === '' || isBudgetRule(rule)) && ctx.ledger.get(key) !== null;
  });
}
