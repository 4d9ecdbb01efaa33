// Self-wake loops on a REAL Paperclip (issues #13513, #5935: an agent's own comment wakes it again; #5713: a loop
// detector that pauses). Echo is a `process` agent whose every run posts a comment on its issue with the run's
// own key (so the comment is Echo's, attributed to the run). Paperclip 2026.916.1 does not wake an agent on its
// own comment, so the wake #13513 describes is made here the way the server makes it: a wake-up of Echo on the
// issue carrying that comment (`payload.commentId`, which the server records as `contextSnapshot.wakeCommentId`).
// Peer, the control, is woken by the board's comments (the server's own comment wake). Between these runs the
// server adds follow-up runs of its own (finish_successful_run_handoff), as it does in production.
import { beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, tempDir } from '../helpers/cli.js';
import { writeTrustedConfig } from '../helpers/trust.js';
import { e2eUrl, QUIET, Seed, unique, waitFor } from './seed.js';

const LIVE = ['queued', 'running', 'scheduled_retry'];
const WAKEABLE = { heartbeat: { enabled: false, wakeOnDemand: true } };

describe('an agent woken again and again by its own comments', () => {
  const seed = new Seed();
  const work = tempDir('clipguard-selfwake-');
  let company: any;
  let echo: any;
  let peer: any;
  let issue: any;
  let peerIssue: any;
  const selfWoken: { runId: string; commentId: string }[] = [];

  const runsOf = async (agentId: string): Promise<any[]> => seed.req('GET', `/companies/${company.id}/heartbeat-runs?agentId=${agentId}&limit=100`);
  const settle = (agentId: string) =>
    waitFor(async () => ((await runsOf(agentId)).some((r) => LIVE.includes(r.status)) ? null : true), { what: `runs of ${agentId} to settle`, timeoutMs: 90_000, intervalMs: 400 });

  /** Wake Echo on its issue with its newest own comment, once its runs settled; returns the run that comment woke. */
  async function selfWake(): Promise<void> {
    await settle(echo.id);
    // The newest comment Echo posted that has not woken it yet (its runs post one each).
    const own = await waitFor(
      async () => {
        const comments = await seed.req('GET', `/issues/${issue.id}/comments`);
        return comments.filter((c: any) => c.authorAgentId === echo.id && !selfWoken.some((s) => s.commentId === c.id)).sort((a: any, b: any) => Date.parse(b.createdAt) - Date.parse(a.createdAt))[0];
      },
      { what: 'a comment Echo posted in its run', timeoutMs: 90_000, intervalMs: 400 },
    );
    await settle(echo.id);
    await seed.req('POST', `/agents/${echo.id}/wakeup`, { source: 'on_demand', triggerDetail: 'manual', reason: 'e2e: woken by its own comment', payload: { issueId: issue.id, commentId: own.id } });
    const run = await waitFor(async () => (await runsOf(echo.id)).find((r) => r.contextSnapshot?.wakeCommentId === own.id && !LIVE.includes(r.status)), {
      what: `the run woken by Echo's comment ${own.id}`,
      timeoutMs: 90_000,
      intervalMs: 400,
    });
    selfWoken.push({ runId: run.id, commentId: own.id });
    await settle(echo.id);
  }

  beforeAll(async () => {
    company = await seed.createCompany({ name: unique('SelfWake') });
    echo = await seed.createAgent(company.id, { name: 'Echo', adapterConfig: { command: 'sh', args: [join(work, 'post.sh')] }, runtimeConfig: WAKEABLE });
    peer = await seed.createAgent(company.id, { name: 'Peer', runtimeConfig: WAKEABLE });
    issue = await seed.createIssue(company.id, { title: 'Hand it back to myself', status: 'todo' });
    peerIssue = await seed.createIssue(company.id, { title: 'Answer the board', status: 'todo' });
    // Echo's command: post a comment on its issue as itself (the run's key and run id, as agents do).
    writeFileSync(
      join(work, 'post.sh'),
      `#!/bin/sh\ncurl -s -o /dev/null -w "comment %{http_code}\\n" -X POST "$PAPERCLIP_API_URL/api/issues/${issue.id}/comments" -H "Authorization: Bearer $PAPERCLIP_API_KEY" -H "X-Paperclip-Run-Id: $PAPERCLIP_RUN_ID" -H "content-type: application/json" -d '{"body":"Handing this back to myself for the next step."}'\n`,
    );
    // Paperclip runs the command in its sandbox: it must be able to read the script (mkdtemp makes 0700).
    chmodSync(work, 0o755);
    chmodSync(join(work, 'post.sh'), 0o755);
    await seed.req('POST', `/issues/${issue.id}/checkout`, { agentId: echo.id, expectedStatuses: ['todo'] });
    await seed.req('POST', `/issues/${peerIssue.id}/checkout`, { agentId: peer.id, expectedStatuses: ['todo'] });
    for (let k = 0; k < 5; k++) await selfWake();
    // Peer: woken by the board's comments (the server wakes the assignee on a comment by someone else).
    for (let k = 0; k < 5; k++) {
      await settle(peer.id);
      const c = await seed.addComment(peerIssue.id, `Board note ${k + 1}: please look again.`);
      await waitFor(async () => (await runsOf(peer.id)).find((r) => r.contextSnapshot?.wakeCommentId === c.id && !LIVE.includes(r.status)), { what: `Peer's run for board comment ${k + 1}`, timeoutMs: 90_000, intervalMs: 400 });
    }
    await seed.req('PATCH', `/agents/${peer.id}`, { runtimeConfig: QUIET });
    await settle(peer.id);
  }, 600_000);

  function scan(only: string, extra: string[], state: string, overrides: Record<string, unknown> = {}) {
    const cwd = tempDir();
    writeTrustedConfig(join(cwd, 'clipguard.config.json'), JSON.stringify({ repos: [], rules: { overrides } }));
    const r = cli(['scan', '--paperclip', e2eUrl(), '--company', company.issuePrefix, '--only', only, '--format', 'json', ...extra], { cwd, env: { CLIPGUARD_STATE_DIR: state } });
    if (r.code === 2) throw new Error(`scan failed: ${r.stderr}`);
    return JSON.parse(r.stdout);
  }

  const runaway = { 'ops/agent-self-wake-runaway': { params: { pauseRuns: 5 }, action: { enabled: true } } };

  it('the server recorded the wakes: each of those runs names Echo\'s own comment, and Peer\'s runs name the board\'s', async () => {
    const comments = await seed.req('GET', `/issues/${issue.id}/comments`);
    for (const s of selfWoken) expect(comments.find((c: any) => c.id === s.commentId)?.authorAgentId).toBe(echo.id);
    const peerWoken = (await runsOf(peer.id)).filter((r) => r.contextSnapshot?.wakeCommentId);
    expect(peerWoken.length).toBeGreaterThanOrEqual(5);
    const board = await seed.req('GET', `/issues/${peerIssue.id}/comments`);
    for (const r of peerWoken) expect(board.find((c: any) => c.id === r.contextSnapshot.wakeCommentId)?.authorAgentId ?? null).toBeNull();
  });

  it('ops/agent-looping names the self-wake and plans a session reset (dry-run); the runaway rule plans a pause past pauseRuns; Peer is no self-wake', () => {
    const looping = scan('ops/agent-looping', [], tempDir(), { 'ops/agent-looping': { action: { enabled: true } } });
    const f = looping.findings.find((x: any) => x.subject.label.startsWith('Echo '));
    expect(f.message).toMatch(new RegExp(`^Echo looks stuck in a loop: ${selfWoken.length} of its runs within 60 min were woken by comments it wrote itself on ${issue.identifier}; runs `));
    const newest = [...selfWoken].reverse().map((s) => s.runId);
    expect(f.message).toContain(`runs ${newest.join(', ')}`);
    expect(f.actions).toMatchObject([{ type: 'reset-session', status: 'planned', target: 'agent:Echo', params: { agentId: echo.id, taskKey: issue.id, selfWake: true } }]);
    for (const p of looping.findings.filter((x: any) => x.subject.label.startsWith('Peer '))) expect(p.message).not.toContain('wrote itself');

    const r = scan('ops/agent-self-wake-runaway', [], tempDir(), runaway);
    expect(r.findings.map((x: any) => x.subject.label)).toEqual([`Echo (${company.issuePrefix})`]);
    expect(r.findings[0].message).toContain(`Echo woke itself ${selfWoken.length} time(s) with its own comments within 720 min on ${issue.identifier} (0 clipguard session reset(s) did not stop it)`);
    expect(r.findings[0].actions).toMatchObject([{ type: 'pause', status: 'planned', target: 'agent:Echo' }]);
    // Under pauseRuns: nothing.
    expect(scan('ops/agent-self-wake-runaway', [], tempDir(), { 'ops/agent-self-wake-runaway': { params: { pauseRuns: selfWoken.length + 1 } } }).findings).toEqual([]);
  });

  it('--apply resets the session; two more self-wakes after it; --apply then pauses Echo, says the reset did not stop it, and never resumes it', async () => {
    const state = tempDir();
    const first = scan('ops/agent-looping', ['--apply'], state, { 'ops/agent-looping': { action: { enabled: true } } });
    expect(first.findings.find((x: any) => x.subject.label.startsWith('Echo ')).actions).toMatchObject([{ type: 'reset-session', status: 'applied' }]);
    const resets = (await seed.req('GET', `/companies/${company.id}/activity?entityType=agent&entityId=${echo.id}&limit=100`)).filter((a: any) => a.action === 'agent.runtime_session_reset');
    expect(resets).toHaveLength(1);
    await selfWake();
    await selfWake();
    // Nobody wakes Echo from now on (the pause would skip a running agent, as it must).
    await seed.req('PATCH', `/agents/${echo.id}`, { runtimeConfig: QUIET });
    await settle(echo.id);

    const dry = scan('ops/agent-self-wake-runaway', [], state, runaway);
    expect(dry.findings[0].message).toContain(`Echo woke itself ${selfWoken.length} time(s)`);
    expect(dry.findings[0].message).toContain('(1 clipguard session reset(s) did not stop it)');
    expect((await seed.getAgent(echo.id)).status).not.toBe('paused'); // the dry-run wrote nothing
    const applied = scan('ops/agent-self-wake-runaway', ['--apply'], state, runaway);
    expect(applied.findings[0].actions).toMatchObject([{ type: 'pause', status: 'applied', target: 'agent:Echo' }]);
    expect((await seed.getAgent(echo.id)).status).toBe('paused');
    // Paused: the rule is quiet, and a second --apply does nothing.
    expect(scan('ops/agent-self-wake-runaway', ['--apply'], state, runaway).findings).toEqual([]);

    // ops/paused-agent says clipguard paused it for the loop, and its resume action (on, for manual pauses)
    // does not resume it: from the ledger here, and from the activity log with a fresh state directory.
    for (const dir of [state, tempDir()]) {
      const paused = scan('ops/paused-agent', ['--apply'], dir, { 'ops/paused-agent': { action: { enabled: true, params: { resumeReasons: ['manual'] } } } });
      const p = paused.findings.find((x: any) => x.subject.label.startsWith('Echo '));
      expect(p.message).toContain('paused by clipguard for ops/agent-self-wake-runaway');
      expect(p.actions).toMatchObject([{ type: 'resume', status: 'skipped' }]);
      expect(p.actions[0].detail).toContain('clipguard paused it for ops/agent-self-wake-runaway');
      expect((await seed.getAgent(echo.id)).status).toBe('paused');
    }
  });
});
