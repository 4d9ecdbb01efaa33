// The budget pause re-reads the agent's budget and spend before it pauses: a budget the board raised (or a new month)
// between the scan and the action means no pause; on an unchanged world the plan stands (found by an adversarial
// review: the plain pause re-read the status only). A stateful fake Paperclip behind the fault proxy.
import { describe, expect, it } from 'vitest';
import { runScan } from '../../src/scan.js';
import { actingConfig, faultWorld, hoursAgo } from '../helpers/fault-world.js';
import { fakeAgent, fakeCompany, type FakeWorld } from '../helpers/paperclip-fake.js';

const { serve } = faultWorld();
const ago = hoursAgo;
const config = (url: string, apply: boolean) => actingConfig(url, { apply });

async function setup(change?: (agent: Record<string, unknown>) => void) {
  const co = fakeCompany();
  const agent = fakeAgent(co.id, 1, { budgetMonthlyCents: 1000, spentMonthlyCents: 1300, createdAt: ago(100) });
  const w: FakeWorld = { company: co, agents: [agent], issues: [], comments: {}, activity: [] };
  const { pc, proxy } = await serve(w);
  // The board acts just before the executor's re-read of the agent (GET /api/agents/{id}).
  if (change) proxy.decide = (r) => (r.method === 'GET' && r.path.startsWith(`/api/agents/${agent.id}`) ? { kind: 'race', before: async () => change(agent as unknown as Record<string, unknown>) } : { kind: 'pass' });
  return { agent, pc, proxy };
}

const only = { only: ['budget/agent-spend-exceeded'] };
const actions = (r: Awaited<ReturnType<typeof runScan>>) => r.report.findings.flatMap((f) => f.actions.filter((a) => a.type === 'pause').map((a) => `${a.status}: ${a.detail}`));

describe('the budget pause re-reads the budget and the spend', () => {
  it('a budget raised between the scan and the pause: the agent is not paused, and the finding says why', async () => {
    const { agent, pc, proxy } = await setup((a) => void (a.budgetMonthlyCents = 5000));
    const r = await runScan(config(proxy.url, true), only);
    expect(proxy.log.filter((l) => l.fault === 'race').length).toBeGreaterThan(0);
    expect(pc.writes.filter((x) => x.endsWith('/pause'))).toEqual([]);
    expect(agent.status).toBe('idle');
    expect(actions(r)).toEqual([expect.stringMatching(/^skipped: pause Agent1 \(idle\): its budget or spend changed since the scan \(now 1300 of 5000 cents; stop threshold 5000 cents\)/)]);
  });

  it('a new month (spend back to 0) between the scan and the pause: not paused', async () => {
    const { agent, pc, proxy } = await setup((a) => void (a.spentMonthlyCents = 0));
    await runScan(config(proxy.url, true), only);
    expect(pc.writes.filter((x) => x.endsWith('/pause'))).toEqual([]);
    expect(agent.status).toBe('idle');
  });

  it('a budget raised but still under the spend: paused, as planned', async () => {
    const { agent, pc, proxy } = await setup((a) => void (a.budgetMonthlyCents = 1200));
    await runScan(config(proxy.url, true), only);
    expect(pc.writes.filter((x) => x.endsWith('/pause'))).toHaveLength(1);
    expect(agent.status).toBe('paused');
  });

  it('on an unchanged world the dry-run plans the pause and --apply makes it', async () => {
    const { agent, pc } = await setup();
    const dry = await runScan(config(pc.url, false), only);
    expect(actions(dry)).toEqual([expect.stringMatching(/^planned: pause /)]);
    const applied = await runScan(config(pc.url, true), only);
    expect(actions(applied)).toEqual([expect.stringMatching(/^applied: /)]);
    expect(agent.status).toBe('paused');
  });
});
