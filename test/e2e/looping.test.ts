// ops/agent-looping's other branch on a REAL Paperclip: runs that all succeed, one after the other, on the same
// issue, while the issue stays in progress (an agent going round in circles, the handbook's "stuck in a loop").
// The server makes the runs itself: a `process` agent running `true`, woken on demand with the issue as context,
// plus the follow-up runs Paperclip schedules on its own. The reset names the task the runs share.
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, tempDir } from '../helpers/cli.js';
import { e2eUrl, QUIET, Seed, unique, waitFor } from './seed.js';
import { writeTrustedConfig } from '../helpers/trust.js';

const LIVE = ['queued', 'running', 'scheduled_retry'];

describe('an agent looping on one issue (runs succeed, the issue stays in progress)', () => {
  const seed = new Seed();
  let company: any;
  let spinner: any;
  let issue: any;
  let sameIssueRuns: any[] = [];

  const runsOf = async (agentId: string): Promise<any[]> => seed.req('GET', `/companies/${company.id}/heartbeat-runs?agentId=${agentId}&limit=100`);

  beforeAll(async () => {
    company = await seed.createCompany({ name: unique('Loop') });
    spinner = await seed.createAgent(company.id, { name: 'Spinner', runtimeConfig: { heartbeat: { enabled: false, wakeOnDemand: true } } });
    // A control: holds an in-progress issue, never runs (quiet). No streak, never reported.
    const calm = await seed.createAgent(company.id, { name: 'Calm' });
    issue = await seed.createIssue(company.id, { title: 'Going round in circles', status: 'todo' });
    const calmIssue = await seed.createIssue(company.id, { title: 'Worked on once', status: 'todo' });
    await seed.req('POST', `/issues/${issue.id}/checkout`, { agentId: spinner.id, expectedStatuses: ['todo'] });
    await seed.req('POST', `/issues/${calmIssue.id}/checkout`, { agentId: calm.id, expectedStatuses: ['todo'] });
    // Wake Spinner on its issue until five runs after the checkout have finished on it.
    const startedAt = Date.parse((await seed.getIssue(issue.id)).startedAt);
    await waitFor(
      async () => {
        const runs = (await runsOf(spinner.id)).filter((r) => !LIVE.includes(r.status));
        sameIssueRuns = runs.filter((r) => r.contextSnapshot?.issueId === issue.id && Date.parse(r.createdAt) > startedAt);
        if (sameIssueRuns.length >= 5) return true;
        const live = (await runsOf(spinner.id)).some((r) => LIVE.includes(r.status));
        if (!live) await seed.call('POST', `/agents/${spinner.id}/wakeup`, { source: 'on_demand', triggerDetail: 'manual', reason: 'e2e: loop', payload: { issueId: issue.id } });
        return false;
      },
      { what: 'five finished runs of Spinner on its issue', timeoutMs: 120_000, intervalMs: 500 },
    );
    // Nobody wakes it from now on, and every run has settled: the history stays as it is while the scans run.
    await seed.req('PATCH', `/agents/${spinner.id}`, { runtimeConfig: QUIET });
    await waitFor(async () => !(await runsOf(spinner.id)).some((r) => LIVE.includes(r.status)), { what: 'Spinner\'s runs to settle', timeoutMs: 60_000, intervalMs: 500 });
    sameIssueRuns = (await runsOf(spinner.id)).filter((r) => r.contextSnapshot?.issueId === issue.id && Date.parse(r.createdAt) > startedAt);
  }, 240_000);

  function scan(extra: string[], stateDir: string, params: Record<string, unknown> = {}) {
    const cwd = tempDir();
    writeTrustedConfig(join(cwd, 'clipguard.config.json'), JSON.stringify({ repos: [], rules: { overrides: { 'ops/agent-looping': { params, action: { enabled: true } } } } }));
    const r = cli(['scan', '--paperclip', e2eUrl(), '--company', company.issuePrefix, '--only', 'ops/agent-looping', '--format', 'json', ...extra], { cwd, env: { CLIPGUARD_STATE_DIR: stateDir } });
    if (r.code === 2) throw new Error(`scan failed: ${r.stderr}`);
    return JSON.parse(r.stdout);
  }

  /**
   * A scan whose view of Spinner's history is known: the server can still start a follow-up run of its own
   * after the settle (a CI run saw a sixth one land between two scans), so the finished same-issue runs are
   * read right before and right after the scan, and a scan they agree on (nothing live) is the one judged.
   */
  async function settledScan(params: (runs: any[]) => Record<string, unknown> = () => ({})): Promise<{ report: any; runs: any[] }> {
    const startedAt = Date.parse((await seed.getIssue(issue.id)).startedAt);
    const read = async () => {
      const all = await runsOf(spinner.id);
      const ids = all.filter((r) => !LIVE.includes(r.status) && r.contextSnapshot?.issueId === issue.id && Date.parse(r.createdAt) > startedAt);
      return all.some((r) => LIVE.includes(r.status)) ? null : ids;
    };
    for (let attempt = 0; attempt < 5; attempt++) {
      const before = await read();
      if (before) {
        const report = scan([], tempDir(), params(before));
        const after = await read();
        if (after && after.map((r) => r.id).join() === before.map((r) => r.id).join()) return { report, runs: before };
      }
      await new Promise((r) => setTimeout(r, 2_000));
    }
    throw new Error('Spinner kept running during five attempts');
  }

  it('reports Spinner with its last five runs on the issue and plans a reset of that task; Calm is not reported', async () => {
    const issueNow = await seed.getIssue(issue.id);
    // Left in progress by the successful runs, unless the server's recovery sweep has blocked it already (a CI
    // run saw it blocked at this first read): the loop is the same runs either way.
    expect(['in_progress', 'blocked']).toContain(issueNow.status);
    const { report, runs } = await settledScan();
    expect(runs.length).toBeGreaterThanOrEqual(sameIssueRuns.length);
    const looping = report.findings.filter((f: any) => f.ruleId === 'ops/agent-looping');
    expect(looping.map((f: any) => f.subject.label.split(' ')[0])).toEqual(['Spinner']);
    const [f] = looping;
    const newestFive = [...runs].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt)).slice(0, 5);
    expect(newestFive.every((r) => r.status === 'succeeded')).toBe(true);
    // The status the issue has when the scan reads it: the server's recovery sweep may block an issue that
    // successful runs left in progress, at a time of its choosing (a CI run saw it blocked between the two reads).
    expect(f.message).toMatch(new RegExp(`${runs.length} run\\(s\\) in a row on ${issueNow.identifier} within \\d+ min while it stayed (in_progress|blocked)`));
    expect(f.message).toContain(`runs ${newestFive.map((r) => r.id).join(', ')}`);
    // The runs share the issue's task key, so the reset targets that task's session.
    const taskKey = newestFive[0].contextSnapshot?.taskKey;
    expect(taskKey).toBeTruthy();
    expect(f.actions).toMatchObject([{ type: 'reset-session', status: 'planned', target: 'agent:Spinner', params: { agentId: spinner.id, taskKey } }]);
    // The threshold is the rule's `runs` param: one more run than Spinner made, and it is not a loop (yet).
    const above = await settledScan((r) => ({ runs: r.length + 1 }));
    expect(above.report.findings).toEqual([]);
  });

  it('--apply resets the session once (the server records it); the next --apply is quiet for the cool-down', async () => {
    const state = tempDir();
    const first = scan(['--apply'], state);
    const acts = first.findings.flatMap((f: any) => f.actions);
    expect(acts).toMatchObject([{ type: 'reset-session', status: 'applied', target: 'agent:Spinner' }]);
    const resets = async () => (await seed.req('GET', `/companies/${company.id}/activity?entityType=agent&entityId=${spinner.id}&limit=100`)).filter((a: any) => a.action === 'agent.runtime_session_reset');
    expect(await resets()).toHaveLength(1);
    const second = scan(['--apply'], state);
    expect(second.findings.filter((f: any) => f.ruleId === 'ops/agent-looping')).toEqual([]);
    expect(await resets()).toHaveLength(1);
    const audit = readFileSync(join(state, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.outcome !== 'started'); // intents left out
    expect(audit.filter((e) => e.action === 'reset-session').map((e) => e.outcome)).toEqual(['applied']);
  });
});
