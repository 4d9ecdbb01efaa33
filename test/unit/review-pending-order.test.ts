// Review (stop 20), fixed (the executor completes pending re-checkouts after the resets and pauses): the completion of a half-done release + re-checkout (executor.ts resumePending) runs before
// every other action, outside actingOrder, while the dry-run's simulation (simulate.ts simulatePlan) plays the
// pending finding in actingOrder, after the session resets. bed7b2a put session resets first precisely because a
// re-checkout wakes the agent (Paperclip starts a run on checkout) and the reset then finds it running and is
// skipped, the woken run going on in the looping session. resumePending's checkout brings that back: a looping
// agent in error with a pending re-checkout gets both planned in the dry-run, and --apply completes the
// re-checkout, then skips the reset ("agent is running now").
//
// Why it matters: the dry-run promise (planned = applied on an unchanged world), and the woken run goes on in
// the loop the reset was meant to break (a paid run per heartbeat).
// Suggested fix: run the pending completions inside the actingOrder loop (at their finding's place, which the
// simulation already plays), or play them first in actingOrder / simulatePlan too and skip the reset there
// (the simpler: resumePending after the FIRST group, i.e. actingOrder yields reset-session, then pending, then rest).
import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/load.js';
import { runScan } from '../../src/scan.js';
import { actingConfig, faultWorld, halfDoneState, hoursAgo as ago } from '../helpers/fault-world.js';
import { fakeAgent, fakeCompany, fakeId, fakeIssue, type FakeWorld } from '../helpers/paperclip-fake.js';
import { sample } from '../helpers/samples.js';

const { serve } = faultWorld();

describe('a looping agent in error with a half-done re-checkout (review)', () => {
  it('the session reset the dry-run plans is applied, not skipped because the pending re-checkout woke the agent first', async () => {
    const co = fakeCompany();
    const agent = fakeAgent(co.id, 1, { name: 'Looper', status: 'error', errorReason: 'adapter_failed', createdAt: ago(100), updatedAt: ago(0.1) });
    // Released by an earlier --apply that stopped before the re-checkout: todo, nobody's.
    const issue = fakeIssue(co, 1, { title: 'Stuck work', status: 'todo', priority: 'high', assigneeAgentId: null, createdAt: ago(3), updatedAt: ago(0.5) });
    const w: FakeWorld = { company: co, agents: [agent], issues: [issue], comments: {}, activity: [] };
    const template = sample('42-heartbeat-runs-failing')[0];
    const runs = [2, 8, 14, 20, 26].map((m) => ({ ...template, id: fakeId(), companyId: co.id, agentId: agent.id, status: 'failed', error: 'adapter failed', errorCode: 'adapter_failed', exitCode: 1, createdAt: new Date(Date.now() - m * 60_000).toISOString(), startedAt: new Date(Date.now() - m * 60_000).toISOString(), finishedAt: new Date(Date.now() - m * 60_000 + 5_000).toISOString(), updatedAt: new Date(Date.now() - m * 60_000 + 5_000).toISOString(), contextSnapshot: { issueId: issue.id, taskId: issue.id, taskKey: issue.id, wakeReason: 'issue_assigned' } }));
    const { state } = halfDoneState(agent, issue, co.id, 0.5);
    const { proxy } = await serve(w);
    let checkedOut = false;
    proxy.decide = (r) => {
      if (r.method === 'GET' && r.path.startsWith(`/api/companies/${co.id}/heartbeat-runs`)) return { kind: 'status', status: 200, body: JSON.stringify(runs) };
      if (r.method === 'POST' && r.path === `/api/issues/${issue.id}/checkout`) checkedOut = true;
      // Paperclip wakes the assignee on checkout: at its next read the agent is running.
      if (checkedOut && r.method === 'GET' && r.path.startsWith(`/api/agents/${agent.id}`)) return { kind: 'race', before: async () => void (agent.status = 'running') };
      return { kind: 'pass' };
    };
    const overrides = { 'ops/agent-looping': { action: { enabled: true } } } as Config['rules']['overrides'];
    const dry = await runScan(actingConfig(proxy.url, { overrides, stateDir: state, apply: false }), { only: ['ops'] });
    const planned = dry.report.findings.flatMap((f) => f.actions.filter((a) => a.status === 'planned').map((a) => a.type)).sort();
    expect(planned).toEqual(['release-checkout', 'reset-session']);
    const applied = await runScan(actingConfig(proxy.url, { overrides, stateDir: state }), { only: ['ops'] });
    const outcomes = applied.report.findings.flatMap((f) => f.actions.map((a) => `${a.type} ${a.status}: ${a.detail}`)).sort();
    expect(outcomes.find((o) => o.startsWith('release-checkout'))).toMatch(/^release-checkout applied: /);
    // Fails here: "reset-session skipped: agent is running now: not disturbing its heartbeat".
    expect(outcomes.find((o) => o.startsWith('reset-session'))).toMatch(/^reset-session applied: /);
  });
});
