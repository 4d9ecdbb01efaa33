// The budget hard stop during a run, on a REAL Paperclip (issue 24; Paperclip #11276: a hard stop did not end a
// run in progress, $5.11 spent against a $0.50 cap; #769). An agent with a $0.50 budget policy that does not
// hard-stop (hardStopEnabled false: the server only warns) is running a real process (`sleep`), and $5.11 is
// spent meanwhile. budget/over-stop-live-run reports it with the overrun in money; --apply pauses it although it is
// running, and the pause route itself cancels the run and kills the process (the action's detail says the
// pause ended the run: it was no longer live when the action looked again, before any cancel of its own).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, tempDir } from '../helpers/cli.js';
import { e2eUrl, Seed, unique, waitFor } from './seed.js';

const RULE = 'budget/over-stop-live-run';
// A duration no other process on the machine sleeps for: how the test finds the agent's process.
const SLEEP = String(600 + (process.pid % 97) + 0.25);

const seed = new Seed();

/** The agent's `sleep` processes, by their command line (the server runs them as its own children). */
function sleepers(): string[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.trim().endsWith(`sleep ${SLEEP}`));
}

describe('an agent over its stop threshold with a run in progress, on a real Paperclip', () => {
  let company: any;
  let burner: any;
  let calm: any;
  let capped: any;
  let run: any;
  let cappedRun: any;
  const state = tempDir();

  function scan(extra: string[] = []) {
    const r = cli(['scan', '--paperclip', e2eUrl(), '--company', company.issuePrefix, '--only', RULE, 'budget/agent-spend-exceeded', '--format', 'json', ...extra], { cwd: tempDir(), env: { CLIPGUARD_STATE_DIR: state } });
    if (r.code === 2) throw new Error(`scan failed: ${r.stderr}`);
    return JSON.parse(r.stdout);
  }

  beforeAll(async () => {
    company = await seed.createCompany({ name: unique('HardStop') });
    burner = await seed.createAgent(company.id, { name: 'Burner', adapterConfig: { command: 'sleep', args: [SLEEP] }, runtimeConfig: { heartbeat: { enabled: false, wakeOnDemand: true } } });
    // A control: running under its budget. Its run is not ended.
    calm = await seed.createAgent(company.id, { name: 'Calm', budgetMonthlyCents: 10_000, adapterConfig: { command: 'sleep', args: [SLEEP] }, runtimeConfig: { heartbeat: { enabled: false, wakeOnDemand: true } } });
    await seed.req('POST', `/companies/${company.id}/budgets/policies`, { scopeType: 'agent', scopeId: burner.id, amount: 50, hardStopEnabled: false });
    // With a hard-stop policy (what budgetMonthlyCents at creation makes), this server stops the run itself:
    // the rule must stay quiet for Capped.
    capped = await seed.createAgent(company.id, { name: 'Capped', budgetMonthlyCents: 50, adapterConfig: { command: 'sleep', args: [SLEEP] }, runtimeConfig: { heartbeat: { enabled: false, wakeOnDemand: true } } });
    for (const a of [burner, calm, capped]) await seed.req('POST', `/agents/${a.id}/wakeup`, { source: 'on_demand', triggerDetail: 'manual', reason: 'e2e: a long run' });
    const live = () => seed.req('GET', `/companies/${company.id}/live-runs`) as Promise<any[]>;
    await waitFor(async () => (await live()).filter((r) => r.status === 'running' && r.processStartedAt).length === 3, { what: 'the three runs to start their process', timeoutMs: 60_000 });
    run = (await live()).find((r) => r.agentId === burner.id);
    cappedRun = (await live()).find((r) => r.agentId === capped.id);
    // The spend lands while the runs go on.
    await seed.addCost(company.id, burner.id, 511);
    await seed.addCost(company.id, calm.id, 100);
    await seed.addCost(company.id, capped.id, 511);
    await waitFor(async () => (await seed.getAgent(burner.id)).spentMonthlyCents === 511, { what: 'the spend to be booked' });
    await waitFor(async () => (await seed.getAgent(capped.id)).status === 'paused', { what: 'the server to stop Capped', timeoutMs: 30_000 });
  }, 120_000);

  afterAll(async () => {
    // Leave no sleeping process behind, whatever a failed test left.
    for (const a of [burner, calm, capped]) if (a) await seed.call('POST', `/agents/${a.id}/pause`);
  });

  it("with a hard-stop policy this server pauses the agent and cancels its run itself: the rule is quiet for it", async () => {
    const agent = await seed.getAgent(capped.id);
    expect(agent).toMatchObject({ status: 'paused', pauseReason: 'budget' });
    expect(await seed.req('GET', `/heartbeat-runs/${cappedRun.id}`)).toMatchObject({ status: 'cancelled' });
    await waitFor(() => sleepers().length === 2, { what: "Capped's process to be killed", timeoutMs: 30_000 });
    expect(scan().findings.filter((f: any) => f.ruleId === RULE && f.subject.id === capped.id)).toEqual([]);
  });

  it('the dry-run names the overrun in money and plans a pause that ends the run; nothing is written', async () => {
    expect((await seed.getAgent(burner.id)).status).toBe('running');
    const report = scan();
    const hard = report.findings.filter((f: any) => f.ruleId === RULE);
    expect(hard).toHaveLength(1);
    expect(hard[0].severity).toBe('critical');
    expect(hard[0].message).toMatch(new RegExp(`^Burner is \\$4\\.61 over its stop threshold \\(\\$5\\.11 of \\$0\\.50, 1022%, stop at 100%\\) and still has 1 live run\\(s\\): run ${run.id} \\(running \\d+ min\\); status running$`));
    expect(hard[0].actions).toMatchObject([{ type: 'pause', status: 'planned', target: 'agent:Burner', params: { agentId: burner.id, runIds: [run.id], endLiveRuns: true } }]);
    // The plain budget pause still leaves a running agent alone; the hard stop is the one that acts.
    const plain = report.findings.find((f: any) => f.ruleId === 'budget/agent-spend-exceeded');
    expect(plain.actions).toMatchObject([{ type: 'pause', status: 'skipped' }]);
    // Calm runs under budget: not reported.
    expect(report.findings.some((f: any) => f.subject.id === calm.id)).toBe(false);
    expect(report.findings.some((f: any) => f.ruleId === RULE && f.subject.id === capped.id)).toBe(false);
    expect((await seed.getAgent(burner.id)).status).toBe('running');
    expect(sleepers()).toHaveLength(2);
    // Nothing was written: no audit log.
    expect(() => readFileSync(join(state, 'audit.jsonl'))).toThrow();
  });

  it('--apply pauses the running agent; the pause route cancels its run and kills the process; Calm keeps running; a second --apply does nothing', async () => {
    expect(sleepers()).toHaveLength(2);
    const report = scan(['--apply']);
    const [act] = report.findings.filter((f: any) => f.ruleId === RULE).flatMap((f: any) => f.actions);
    expect(act).toMatchObject({ type: 'pause', status: 'applied' });
    // The run was gone when the action looked after the pause: the server's pause ended it, not a cancel of ours.
    expect(act.detail).toContain(`paused; the pause ended run(s) ${run.id}; no run of the agent is live`);
    expect(act.detail).not.toContain('cancelled the run(s) the pause left');
    const agent = await seed.getAgent(burner.id);
    expect(agent.status).toBe('paused');
    const after = await seed.req('GET', `/heartbeat-runs/${run.id}`);
    expect(after).toMatchObject({ status: 'cancelled', errorCode: 'agent_paused' });
    await waitFor(() => sleepers().length === 1, { what: "Burner's process to be killed", timeoutMs: 30_000 });
    expect((await seed.getAgent(calm.id)).status).toBe('running');
    const audit = readFileSync(join(state, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(audit.filter((e) => e.rule === RULE).map((e) => e.outcome)).toEqual(['started', 'applied']);
    // Recorded as clipguard's pause: the paused-agent finding will say so.
    const entries = await seed.req('GET', `/companies/${company.id}/activity?entityType=agent&entityId=${burner.id}&limit=50`);
    expect(entries.some((e: any) => e.action === 'clipguard.pause')).toBe(true);
    const second = scan(['--apply']);
    expect(second.findings.filter((f: any) => f.ruleId === RULE)).toEqual([]);
    const audit2 = readFileSync(join(state, 'audit.jsonl'), 'utf8').trim().split('\n');
    expect(audit2.length).toBe(audit.length);
  });
});
