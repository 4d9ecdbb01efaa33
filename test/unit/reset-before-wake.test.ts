// A looping agent in error: the session reset the dry-run plans is made before the re-checkout wakes the agent
// (found by an adversarial review: actions ran in severity order, the re-checkout first, and the reset found the
// agent running and skipped). A stateful fake Paperclip behind the fault proxy plays the wake on checkout.
import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/load.js';
import { runScan } from '../../src/scan.js';
import { actingConfig, faultWorld, hoursAgo } from '../helpers/fault-world.js';
import { fakeAgent, fakeCompany, fakeId, fakeIssue, type FakeWorld } from '../helpers/paperclip-fake.js';
import { sample } from '../helpers/samples.js';

const { serve } = faultWorld();
const ago = hoursAgo;

describe('an agent in error and in a failure loop (release-checkout, then reset-session)', () => {
  // Was: the two actions the handbook pairs for a looping agent in error ran in the report's order, severity first:
  // the re-checkout woke the agent, and the reset (warning) found it running and skipped.
  it('the reset the dry-run plans is applied', async () => {
    const co = fakeCompany();
    const agent = fakeAgent(co.id, 1, { name: 'Looper', status: 'error', errorReason: 'adapter_failed', createdAt: ago(100), updatedAt: ago(0.1) });
    const issue = fakeIssue(co, 1, { title: 'Stuck work', status: 'in_progress', assigneeAgentId: agent.id, startedAt: ago(2), createdAt: ago(3), updatedAt: ago(2) });
    const w: FakeWorld = { company: co, agents: [agent], issues: [issue], comments: {}, activity: [] };
    const template = sample('42-heartbeat-runs-failing')[0];
    // Five failed runs in a row on its issue, the newest 2 minutes ago.
    const runs = [2, 8, 14, 20, 26].map((m) => ({ ...template, id: fakeId(), companyId: co.id, agentId: agent.id, status: 'failed', error: 'adapter failed', errorCode: 'adapter_failed', exitCode: 1, createdAt: new Date(Date.now() - m * 60_000).toISOString(), startedAt: new Date(Date.now() - m * 60_000).toISOString(), finishedAt: new Date(Date.now() - m * 60_000 + 5_000).toISOString(), updatedAt: new Date(Date.now() - m * 60_000 + 5_000).toISOString(), contextSnapshot: { issueId: issue.id, taskId: issue.id, taskKey: issue.id, wakeReason: 'issue_assigned' } }));
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
    const dry = await runScan(actingConfig(proxy.url, { overrides, apply: false }), { only: ['ops'] });
    const planned = dry.report.findings.flatMap((f) => f.actions.filter((a) => a.status === 'planned').map((a) => a.type)).sort();
    expect(planned).toEqual(['release-checkout', 'reset-session']);
    const applied = await runScan(actingConfig(proxy.url, { overrides }), { only: ['ops'] });
    const done = applied.report.findings.flatMap((f) => f.actions.filter((a) => a.status === 'applied').map((a) => a.type)).sort();
    expect(done).toEqual(planned);
  });
});
