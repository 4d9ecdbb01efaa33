// The budget hard stop during a run (issue 24; Paperclip #11276, #769): what the plan says for a running agent
// over its stop threshold, and what the action does against a server that does not keep its word (a pause
// that leaves the run going, a cancel it refuses) or a world that moved (the budget raised since the scan).
// The real server's behaviour (its pause cancels the run and kills the process) is test/e2e/hard-stop.test.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planActions } from '../../src/actions/planner.js';
import { pause } from '../../src/actions/kinds/pause.js';
import type { ActionContext } from '../../src/actions/kind.js';
import { loadConfig } from '../../src/config/load.js';
import { activateRules, Evaluator } from '../../src/engine/evaluate.js';
import { BUILTIN_RULES_DIR, loadRulePacks } from '../../src/engine/load.js';
import { subjectsFromInput } from '../../src/rule-tests.js';
import { checklistFrom } from '../../src/checklist.js';
import { liveRunFacts, liveRunsByAgent } from '../../src/facts/live-runs.js';
import { fakeToken } from '../helpers/fake-secrets.js';
import { sourceNeeds } from '../../src/sources/needs.js';
import type { Finding, FindingAction } from '../../src/types.js';

const NOW = new Date('2026-11-15T12:00:00Z');
const fixture = JSON.parse(readFileSync(join(BUILTIN_RULES_DIR, '../fixtures/budget/over-stop-live-run/running-over-budget.json'), 'utf8'));
const rules = loadRulePacks([BUILTIN_RULES_DIR]).rules;

async function plan(input: any, ids: string[]) {
  const active = activateRules(rules.filter((r) => ids.includes(r.id)));
  const subjects = subjectsFromInput(input, loadConfig(process.cwd(), { noConfigFile: true }, {}), NOW);
  const findings = await new Evaluator(active).evaluate(subjects, { now: NOW });
  planActions(findings, subjects, { maxPerScan: 100, maxPerAgent: 100, exec: {} });
  return findings;
}
const actionsOf = (fs: Finding[], rule: string, label: string) => fs.filter((f) => f.ruleId === rule && f.subject.label.startsWith(label)).flatMap((f) => f.actions);

describe('the plan', () => {
  it('a running agent over its stop: the plain budget pause stays skipped, the hard stop plans the pause with its runs', async () => {
    const fs = await plan(fixture.input, ['budget/agent-spend-exceeded', 'budget/over-stop-live-run']);
    expect(actionsOf(fs, 'budget/agent-spend-exceeded', 'Dan')).toMatchObject([{ type: 'pause', status: 'skipped' }]);
    expect(actionsOf(fs, 'budget/over-stop-live-run', 'Dan')).toMatchObject([{ type: 'pause', status: 'planned', params: { endLiveRuns: true, runIds: ['r-dan'], stopCents: 10000 } }]);
    // Gus is paused (by the server) and its run goes on: the hard stop ends the run.
    const [gus] = actionsOf(fs, 'budget/over-stop-live-run', 'Gus');
    expect(gus).toMatchObject({ status: 'planned', detail: expect.stringMatching(/^end Gus's live run\(s\) r-gus: it is paused and its run goes on/) });
  });

  it('an idle agent with a queued run over its stop: both pauses are planned, the hard stop after the plain one is not moot (it checks the run ended)', async () => {
    const input = structuredClone(fixture.input);
    const snap = input.paperclip.companies[0];
    snap.agents.find((a: any) => a.id === 'a-dan').status = 'idle';
    snap.liveRuns.find((r: any) => r.id === 'r-dan').status = 'queued';
    const fs = await plan(input, ['budget/agent-spend-exceeded', 'budget/over-stop-live-run']);
    expect([...actionsOf(fs, 'budget/agent-spend-exceeded', 'Dan'), ...actionsOf(fs, 'budget/over-stop-live-run', 'Dan')].map((a) => a.status)).toEqual(['planned', 'planned']);
  });

  it('a rule that asks a hard stop of an agent under its stop threshold gets a plain pause (never of a running agent)', async () => {
    const input = structuredClone(fixture.input);
    input.paperclip.companies[0].agents.find((a: any) => a.id === 'a-fay').status = 'idle';
    const hardOnAll = { ...rules.find((r) => r.id === 'budget/over-stop-live-run')!, id: 'team/pause-anyone', conditions: { all: [{ fact: 'liveRuns', path: '$.count', operator: 'greaterThan', value: 0 }] } };
    const active = activateRules([hardOnAll as any]);
    const subjects = subjectsFromInput(input, loadConfig(process.cwd(), { noConfigFile: true }, {}), NOW);
    const fs = await new Evaluator(active).evaluate(subjects, { now: NOW });
    planActions(fs, subjects, { maxPerScan: 100, maxPerAgent: 100, exec: {} });
    const fay = fs.find((f) => f.subject.label.startsWith('Fay'))!.actions[0];
    expect(fay.status).toBe('planned');
    expect(fay.params).not.toHaveProperty('endLiveRuns');
    expect(fay.detail).toBe('pause Fay (idle)');
  });

  it('the daily checklist fails its budget item on the hard stop and counts an agent with both budget findings once', async () => {
    const fs = await plan(fixture.input, ['budget/agent-spend-exceeded', 'budget/over-stop-live-run']);
    const config = loadConfig(process.cwd(), { noConfigFile: true }, {});
    const subjects = subjectsFromInput(fixture.input, config, NOW);
    const report = { findings: fs, sources: [{ name: 'paperclip', status: 'ok', detail: '' }] } as any;
    const item = checklistFrom({ report, subjects } as any, config).items[2];
    expect(item.status).toBe('fail');
    // Dan (both rules), Eve (spend only), Gus (hard stop only): three agents.
    expect(item.detail).toContain('3 over budget');
    const onlyHard = fs.filter((f) => f.ruleId === 'budget/over-stop-live-run');
    expect(checklistFrom({ report: { ...report, findings: onlyHard }, subjects } as any, config).items[2].status).toBe('fail');
  });

  it('the live runs are read only when a selected rule uses the liveRuns fact; routines only for a routine rule', () => {
    const needs = (ids: string[]) => sourceNeeds(activateRules(rules.filter((r) => ids.includes(r.id))));
    expect(needs(['budget/agent-spend-exceeded', 'ops/agent-looping'])).toMatchObject({ paperclip: true, liveRuns: false, routines: false });
    expect(needs(['budget/over-stop-live-run'])).toMatchObject({ paperclip: true, liveRuns: true, routines: false });
    expect(needs(['ops/routine-without-approval'])).toMatchObject({ paperclip: true, liveRuns: false, routines: true });
    expect(needs(['ops/issue-burst', 'ops/issue-burst-company'])).toMatchObject({ paperclip: true, liveRuns: false, routines: false });
  });
});

/** A server with one agent and its runs; `pauseCancels` false is a server whose pause leaves the runs going. */
function server(o: { status?: string; spent?: number; pauseCancels?: boolean; refuseCancel?: boolean; cancelFails?: boolean }) {
  const agent: Record<string, unknown> = { id: 'a1', companyId: 'c1', name: 'Dan', status: o.status ?? 'running', spentMonthlyCents: o.spent ?? 12_000, pauseReason: o.status === 'paused' ? 'budget' : null };
  let runs = [{ id: 'r1', agentId: 'a1', status: 'running' }, { id: 'r-other', agentId: 'a2', status: 'running' }];
  const writes: string[] = [];
  const client = {
    getAgent: async () => ({ ...agent }),
    listLiveRuns: async () => runs.map((r) => ({ ...r })),
    pauseAgent: async () => {
      writes.push('pause');
      agent.status = 'paused';
      agent.pauseReason = 'manual';
      if (o.pauseCancels !== false) runs = runs.filter((r) => r.agentId !== 'a1');
      return { status: 200, body: agent };
    },
    cancelRun: async (id: string) => {
      writes.push(`cancel ${id}`);
      if (o.refuseCancel) return { status: 403, body: { error: 'Board access required' } };
      if (!o.cancelFails) runs = runs.filter((r) => r.id !== id);
      return { status: 200, body: {} };
    },
  };
  return { client, writes, runs: () => runs };
}

const action = (): FindingAction => ({ type: 'pause', status: 'planned', target: 'agent:Dan', detail: '', params: { endLiveRuns: true, agentId: 'a1', companyId: 'c1', runIds: ['r1'], stopCents: 10_000 } });
const run = (client: object) => pause.execute({ client, ledger: null, record: () => true } as unknown as ActionContext, {} as Finding, action(), 'k');

describe('the liveRuns fact', () => {
  it("keeps a run's id, status, issue and start, never its text (an agent's output snippet can hold a key); finished rows a server pads in are not live", () => {
    const key = fakeToken('github-pat', 77);
    const rows = [
      { id: 'r1', agentId: 'a1', status: 'running', startedAt: '2026-11-15T11:30:00.000Z', issueId: 'i1', lastAssistantSnippet: `export GH=${key}`, currentStatusMessage: key },
      { id: 'r0', agentId: 'a1', status: 'succeeded', startedAt: '2026-11-15T10:00:00.000Z' },
      { id: 'r2', agentId: 'a2', status: 'queued', startedAt: null },
    ];
    const f = liveRunFacts('a1', liveRunsByAgent(rows as any[]), NOW);
    expect(JSON.stringify(f)).not.toContain(key);
    expect(f).toEqual({ read: true, count: 1, runIds: ['r1'], runs: [{ id: 'r1', status: 'running', issueId: 'i1', startedAt: '2026-11-15T11:30:00.000Z', minutes: 30 }], summary: 'run r1 (running 30 min)' });
    expect(liveRunFacts('a2', liveRunsByAgent(rows as any[]), NOW).summary).toBe('run r2 (queued)');
    expect(liveRunFacts('a1', liveRunsByAgent(null), NOW)).toMatchObject({ read: false, count: 0 });
  });
});

describe('the hard stop against the server', () => {
  it('the pause ends the run (as the real server does): one write, the detail says the pause ended it', async () => {
    const s = server({});
    expect(await run(s.client)).toMatchObject({ status: 'applied', detail: 'paused; the pause ended run(s) r1; no run of the agent is live' });
    expect(s.writes).toEqual(['pause']);
  });

  it('a server whose pause leaves the run going: the run is cancelled, another agent\'s run is left alone', async () => {
    const s = server({ pauseCancels: false });
    expect(await run(s.client)).toMatchObject({ status: 'applied', detail: 'paused; cancelled the run(s) the pause left; no run of the agent is live' });
    expect(s.writes).toEqual(['pause', 'cancel r1']);
    expect(s.runs().map((r) => r.id)).toEqual(['r-other']);
  });

  it('an agent already paused whose run goes on: no second pause, the run is cancelled', async () => {
    const s = server({ status: 'paused', pauseCancels: false });
    expect(await run(s.client)).toMatchObject({ status: 'applied', detail: expect.stringMatching(/^already paused \(budget\); cancelled the run/) });
    expect(s.writes).toEqual(['cancel r1']);
  });

  it('after the plain budget pause of the same run (its pause ended the run): the hard stop confirms it, no write', async () => {
    const s = server({});
    await s.client.pauseAgent();
    s.writes.length = 0;
    expect(await run(s.client)).toMatchObject({ status: 'applied', detail: expect.stringMatching(/^already paused \(.*\); run\(s\) r1 had ended already; no run of the agent is live$/) });
    expect(s.writes).toEqual([]);
  });

  it('a cancel the server refuses, or one that does not take: failed, naming the run', async () => {
    const refused = server({ pauseCancels: false, refuseCancel: true });
    expect(await run(refused.client)).toMatchObject({ status: 'failed', detail: expect.stringContaining('run(s) r1 still live after a cancel (refused: r1 (HTTP 403))') });
    const lying = server({ pauseCancels: false, cancelFails: true });
    expect(await run(lying.client)).toMatchObject({ status: 'failed', detail: expect.stringContaining('run(s) r1 still live after a cancel') });
  });

  it('no stop threshold in the plan (no budget): nothing is written', async () => {
    const s = server({});
    const a = action();
    delete a.params!.stopCents;
    expect(await pause.execute({ client: s.client } as unknown as ActionContext, {} as Finding, a, 'k')).toMatchObject({ status: 'skipped' });
    expect(s.writes).toEqual([]);
  });

  it('the budget was raised since the scan (spend under the stop now): nothing is written', async () => {
    const s = server({ spent: 9_000 });
    expect(await run(s.client)).toMatchObject({ status: 'skipped', detail: expect.stringContaining('under the stop threshold (10000 cents) now') });
    expect(s.writes).toEqual([]);
  });
});
