// ops/agent-looping's other branch on a REAL Paperclip: runs that all succeed, one after the other, on the same
// issue, while the issue stays in progress (an agent going round in circles, the handbook's "stuck in a loop").
// The server makes the runs itself: a `process` agent running `true`, woken on demand with the issue as context,
// plus the follow-up runs Paperclip schedules on its own. The reset names the task the runs share.
//
// The server's recovery can move the loop's start behind the test's back: it may block an issue that successful
// runs left in progress, and a later wake then checks it out again, which sets a new `startedAt` (paperclipai
// 2026.916.1, heartbeat.js shouldAutoCheckoutIssueForWake + issues.js checkout). The rule counts only the runs
// since the issue's status began, so a CI run saw 3 where the setup had made 6, and no finding. Every scan here
// is therefore judged on the loop as the rule sees it at that moment (`loopNow`), made again when it fell short
// (`ensureLoop`), and taken only when that view was the same before and after the scan.
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, tempDir } from '../helpers/cli.js';
import { e2eUrl, QUIET, Seed, unique, waitFor } from './seed.js';
import { writeTrustedConfig } from '../helpers/trust.js';

const LIVE = ['queued', 'running', 'scheduled_retry'];
const STREAK = 5; // the rule's default `runs`
const WAKEABLE = { heartbeat: { enabled: false, wakeOnDemand: true } };

describe('an agent looping on one issue (runs succeed, the issue stays in progress)', () => {
  const seed = new Seed();
  let company: any;
  let spinner: any;
  let issue: any;

  const runsOf = async (agentId: string): Promise<any[]> => seed.req('GET', `/companies/${company.id}/heartbeat-runs?agentId=${agentId}&limit=100`);

  /**
   * Spinner's loop as the rule counts it, or null while one of its runs is live: its finished runs, newest first,
   * while they are on the issue and started since the issue's status began (in progress: its `startedAt`; blocked:
   * no start, the rule's 60-minute window, which the test stays well inside). `key` tells two views apart.
   */
  async function loopNow(): Promise<{ issue: any; runs: any[]; key: string } | null> {
    const all = await runsOf(spinner.id);
    if (all.some((r) => LIVE.includes(r.status))) return null;
    const issueNow = await seed.getIssue(issue.id);
    const since = issueNow.status === 'in_progress' ? Date.parse(issueNow.startedAt) : -Infinity;
    const runs: any[] = [];
    for (const r of [...all].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))) {
      if (r.contextSnapshot?.issueId !== issue.id || Date.parse(r.createdAt) < since) break;
      runs.push(r);
    }
    return { issue: issueNow, runs, key: [issueNow.status, issueNow.startedAt, ...runs.map((r) => r.id)].join() };
  }

  /** Wakes Spinner on its issue until the loop the rule sees has STREAK runs, then leaves it quiet and settled. */
  async function ensureLoop(): Promise<void> {
    const settled = () => waitFor(loopNow, { what: "Spinner's runs to settle", timeoutMs: 60_000, intervalMs: 500 });
    if ((await settled()).runs.length >= STREAK) return;
    await seed.req('PATCH', `/agents/${spinner.id}`, { runtimeConfig: WAKEABLE });
    await waitFor(
      async () => {
        const now = await loopNow();
        if (now && now.runs.length >= STREAK) return true;
        if (now) await seed.call('POST', `/agents/${spinner.id}/wakeup`, { source: 'on_demand', triggerDetail: 'manual', reason: 'e2e: loop', payload: { issueId: issue.id } });
        return false;
      },
      { what: `${STREAK} finished runs of Spinner on its issue`, timeoutMs: 120_000, intervalMs: 500 },
    );
    // Nobody wakes it from now on; the scans wait for a settled view anyway.
    await seed.req('PATCH', `/agents/${spinner.id}`, { runtimeConfig: QUIET });
    await settled();
  }

  beforeAll(async () => {
    company = await seed.createCompany({ name: unique('Loop') });
    spinner = await seed.createAgent(company.id, { name: 'Spinner', runtimeConfig: WAKEABLE });
    // A control: holds an in-progress issue, never runs (quiet). No streak, never reported.
    const calm = await seed.createAgent(company.id, { name: 'Calm' });
    issue = await seed.createIssue(company.id, { title: 'Going round in circles', status: 'todo' });
    const calmIssue = await seed.createIssue(company.id, { title: 'Worked on once', status: 'todo' });
    await seed.req('POST', `/issues/${issue.id}/checkout`, { agentId: spinner.id, expectedStatuses: ['todo'] });
    await seed.req('POST', `/issues/${calmIssue.id}/checkout`, { agentId: calm.id, expectedStatuses: ['todo'] });
    await ensureLoop();
  }, 240_000);

  function scan(extra: string[], stateDir: string, params: Record<string, unknown> = {}) {
    const cwd = tempDir();
    writeTrustedConfig(join(cwd, 'clipguard.config.json'), JSON.stringify({ repos: [], rules: { overrides: { 'ops/agent-looping': { params, action: { enabled: true } } } } }));
    const r = cli(['scan', '--paperclip', e2eUrl(), '--company', company.issuePrefix, '--only', 'ops/agent-looping', '--format', 'json', ...extra], { cwd, env: { CLIPGUARD_STATE_DIR: stateDir } });
    if (r.code === 2) throw new Error(`scan failed: ${r.stderr}`);
    return JSON.parse(r.stdout);
  }

  /**
   * A scan whose view of the loop is known: the loop is made whole first, and the scan is taken only when the
   * loop read right before and right after it is the same (the server can start a follow-up run of its own, or
   * block and re-check out the issue, at any time).
   */
  async function settledScan(params: (runs: any[]) => Record<string, unknown> = () => ({})): Promise<{ report: any; issue: any; runs: any[] }> {
    for (let attempt = 0; attempt < 5; attempt++) {
      await ensureLoop();
      const before = await loopNow();
      if (before) {
        const report = scan([], tempDir(), params(before.runs));
        const after = await loopNow();
        if (after?.key === before.key) return { report, issue: before.issue, runs: before.runs };
      }
      await new Promise((r) => setTimeout(r, 2_000));
    }
    throw new Error('Spinner\'s loop kept changing during five attempts');
  }

  it('reports Spinner with its last five runs on the issue and plans a reset of that task; Calm is not reported', async () => {
    const { report, issue: issueNow, runs } = await settledScan();
    // Left in progress by the successful runs, unless the server's recovery sweep has blocked it already: the
    // loop is the same runs either way, and the message names the status the scan read.
    expect(['in_progress', 'blocked']).toContain(issueNow.status);
    expect(runs.length).toBeGreaterThanOrEqual(STREAK);
    const looping = report.findings.filter((f: any) => f.ruleId === 'ops/agent-looping');
    expect(looping.map((f: any) => f.subject.label.split(' ')[0])).toEqual(['Spinner']);
    const [f] = looping;
    const newestFive = runs.slice(0, STREAK);
    expect(newestFive.every((r) => r.status === 'succeeded')).toBe(true);
    expect(f.message).toMatch(new RegExp(`${runs.length} run\\(s\\) in a row on ${issueNow.identifier} within \\d+ min while it stayed ${issueNow.status}`));
    expect(f.message).toContain(`runs ${newestFive.map((r) => r.id).join(', ')}`);
    // The runs share the issue's task key, so the reset targets that task's session.
    const taskKey = newestFive[0].contextSnapshot?.taskKey;
    expect(taskKey).toBeTruthy();
    expect(f.actions).toMatchObject([{ type: 'reset-session', status: 'planned', target: 'agent:Spinner', params: { agentId: spinner.id, taskKey } }]);
    // The threshold is the rule's `runs` param: one more run than Spinner made, and it is not a loop (yet).
    const above = await settledScan((r) => ({ runs: r.length + 1 }));
    expect(above.report.findings).toEqual([]);
  }, 600_000);

  it('--apply resets the session once (the server records it); the next --apply is quiet for the cool-down', async () => {
    // The first --apply is judged on a loop that stayed the same through it; a try the server's recovery cut
    // short (the loop changed, nothing was applied) is made again with a fresh state dir.
    let state = '';
    let acts: any[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      await ensureLoop();
      const before = await loopNow();
      state = tempDir();
      acts = scan(['--apply'], state).findings.flatMap((f: any) => f.actions);
      const after = await loopNow();
      if (acts.some((a) => a.status === 'applied') || (before && after?.key === before.key)) break;
    }
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
