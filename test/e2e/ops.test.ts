// The agent lifecycle on a REAL Paperclip server: dispatch to idle agents, the error-recovery SOP,
// running agents left alone, 409 races between two controllers, and a second --apply doing nothing.
import { describe, expect, it, beforeAll } from 'vitest';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, cli, tempDir } from '../helpers/cli.js';
import { e2eUrl, Seed, waitFor, unique } from './seed.js';

const url = () => e2eUrl();

function scan(args: string[], stateDir: string) {
  const r = cli(['scan', '--paperclip', url(), '--format', 'json', ...args], { cwd: tempDir(), env: { CLIPGUARD_STATE_DIR: stateDir } });
  if (r.code === 2) throw new Error(`scan failed: ${r.stderr}`);
  return { ...r, report: JSON.parse(r.stdout) };
}

function scanAsync(args: string[], stateDir: string): Promise<any> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [BIN, 'scan', '--paperclip', url(), '--format', 'json', ...args], { cwd: tempDir(), env: { ...process.env, NO_COLOR: '1', CLIPGUARD_STATE_DIR: stateDir } });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('exit', (code) => (code === 2 ? reject(new Error(err)) : resolve(JSON.parse(out))));
  });
}

describe('ops lifecycle on a real Paperclip', () => {
  const seed = new Seed();
  let company: any;
  const agents: Record<string, any> = {};
  const issues: Record<string, any> = {};

  beforeAll(async () => {
    company = await seed.createCompany({ name: unique('Ops') });
    agents.ceo = await seed.createAgent(company.id, { name: 'Ceo', role: 'ceo', runtimeConfig: { heartbeat: { enabled: true, intervalSec: 900, wakeOnDemand: false } } });
    agents.alice = await seed.createAgent(company.id, { name: 'Alice', role: 'engineer' });
    agents.bob = await seed.createAgent(company.id, { name: 'Bob', role: 'engineer' });
    // An agent in error (failed http run) made quiet afterwards, holding an in-progress issue.
    agents.carol = await seed.createErrorAgent(company.id, { name: 'Carol' });
    await seed.req('PATCH', `/agents/${agents.carol.id}`, { runtimeConfig: { heartbeat: { enabled: false, wakeOnDemand: false } } });
    issues.stuck = await seed.createIssue(company.id, { title: 'Stuck work', priority: 'high' });
    await seed.req('POST', `/issues/${issues.stuck.id}/checkout`, { agentId: agents.carol.id, expectedStatuses: ['backlog', 'todo'] });
    // A running agent: its process adapter sleeps, so it stays `running` for the whole test.
    agents.runner = await seed.createAgent(company.id, { name: 'Runner', role: 'engineer', adapterConfig: { command: 'sleep', args: ['600'] }, runtimeConfig: { heartbeat: { enabled: false, wakeOnDemand: true } } });
    await seed.req('POST', `/agents/${agents.runner.id}/wakeup`, { source: 'on_demand', triggerDetail: 'manual', reason: 'e2e: keep running' });
    await waitFor(async () => (await seed.getAgent(agents.runner.id)).status === 'running', { what: 'Runner to be running', timeoutMs: 60_000 });
    issues.low = await seed.createIssue(company.id, { title: 'Low', priority: 'low' });
    issues.critical = await seed.createIssue(company.id, { title: 'Critical', priority: 'critical' });
    issues.highOld = await seed.createIssue(company.id, { title: 'High old', priority: 'high', status: 'todo' });
    issues.highNew = await seed.createIssue(company.id, { title: 'High new', priority: 'high', status: 'todo' });
    issues.forBob = await seed.createIssue(company.id, { title: 'Bob only', priority: 'low', assigneeAgentId: agents.bob.id });
    const carol = await seed.getAgent(agents.carol.id);
    expect(carol.status).toBe('error');
  });

  it('dry-run reports the idle agents and the error agent, and changes nothing', async () => {
    const state = tempDir();
    const { report, code } = scan(['--company', company.issuePrefix, '--only', 'ops'], state);
    expect(code).toBe(1); // the error agent is an error-level finding
    expect(report.mode).toBe('dry-run');
    const idle = report.findings.filter((f: any) => f.ruleId === 'ops/idle-agent-backlog');
    expect(idle.map((f: any) => f.subject.label.split(' ')[0]).sort()).toEqual(['Alice', 'Bob']);
    for (const f of idle) expect(f.actions[0]).toMatchObject({ type: 'checkout', status: 'planned' });
    const alice = idle.find((f: any) => f.subject.label.startsWith('Alice'));
    expect(alice.actions[0].target).toBe(`issue:${issues.critical.identifier}`);
    const err = report.findings.find((f: any) => f.ruleId === 'ops/error-agent-holding-issue');
    expect(err.actions[0]).toMatchObject({ type: 'release-checkout', status: 'planned', target: `issue:${issues.stuck.identifier}` });
    expect(report.findings.some((f: any) => f.subject.label.startsWith('Runner') && f.ruleId === 'ops/idle-agent-backlog')).toBe(false);
    expect((await seed.getIssue(issues.critical.id)).status).toBe('backlog');
    expect((await seed.getIssue(issues.stuck.id)).assigneeAgentId).toBe(agents.carol.id);
    // The real server's records (a CEO on a 900 s timer, an agent in error, a running one, an issue in progress)
    // pass the type checks of every field the rules read: none is left out as a schema problem.
    const shapes = scan(['--company', company.issuePrefix, '--only', 'source'], state).report;
    expect(shapes.findings.filter((f: any) => f.ruleId === 'source/paperclip-schema')).toEqual([]);
  });

  it('--apply dispatches by priority, recovers the error agent, leaves the running agent alone; a second --apply does nothing', async () => {
    const state = tempDir();
    const first = scan(['--company', company.issuePrefix, '--only', 'ops', '--apply'], state).report;
    expect(first.mode).toBe('apply');
    const applied = first.findings.flatMap((f: any) => f.actions).filter((a: any) => a.status === 'applied');
    expect(applied.map((a: any) => a.type).sort()).toEqual(['checkout', 'checkout', 'release-checkout']);

    const critical = await seed.getIssue(issues.critical.id);
    expect(critical).toMatchObject({ status: 'in_progress', assigneeAgentId: agents.alice.id });
    // Bob's candidates are the unassigned high issues and his own low one; the oldest high goes first.
    const bobIssue = await seed.getIssue(issues.highOld.id);
    expect(bobIssue).toMatchObject({ status: 'in_progress', assigneeAgentId: agents.bob.id });
    expect((await seed.getIssue(issues.highNew.id)).status).toBe('todo');
    // Error SOP: released and checked out again to the same agent.
    const stuck = await seed.getIssue(issues.stuck.id);
    expect(stuck).toMatchObject({ status: 'in_progress', assigneeAgentId: agents.carol.id });
    const activity = await seed.req('GET', `/companies/${company.id}/activity?entityType=issue&entityId=${issues.stuck.id}&limit=50`);
    const actions = activity.map((a: any) => a.action);
    expect(actions).toContain('issue.released');
    expect(actions.filter((a: string) => a === 'issue.checked_out').length).toBeGreaterThanOrEqual(2);
    // clipguard's own entries in the activity log, for the board.
    const mine = (await seed.req('GET', `/companies/${company.id}/activity?limit=200`)).filter((a: any) => String(a.action).startsWith('clipguard.'));
    expect(mine.length).toBe(3);
    // Nothing for the running agent, and the CEO took no ticket.
    const all = await seed.req('GET', `/companies/${company.id}/issues`);
    expect(all.filter((i: any) => i.assigneeAgentId === agents.runner.id)).toEqual([]);
    expect(all.filter((i: any) => i.assigneeAgentId === agents.ceo.id)).toEqual([]);
    expect((await seed.getAgent(agents.runner.id)).status).toBe('running');
    // The audit log has every decision, one JSON object per line.
    const audit = readFileSync(join(state, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.outcome !== 'started'); // intents left out
    expect(audit.filter((e) => e.outcome === 'applied')).toHaveLength(3);

    const second = scan(['--company', company.issuePrefix, '--only', 'ops', '--apply'], state).report;
    expect(second.findings.flatMap((f: any) => f.actions).filter((a: any) => a.status === 'applied')).toEqual([]);
    expect(second.findings.filter((f: any) => f.ruleId === 'ops/error-agent-holding-issue')).toHaveLength(1); // Carol is still in error: quiet agents never run
  });
});

describe('two controllers racing for the same issues (409s)', () => {
  const seed = new Seed();

  it('checks no issue out twice, gives each agent at most one, and records 409s as outcomes', async () => {
    const company = await seed.createCompany({ name: unique('Race') });
    const agents = [];
    for (let i = 0; i < 6; i++) agents.push(await seed.createAgent(company.id, { name: `Racer${i}` }));
    await seed.createIssues(company.id, 8, (k) => ({ title: `Race ${k}`, priority: k < 4 ? 'high' : 'low' }));
    const [a, b] = await Promise.all([
      scanAsync(['--company', company.issuePrefix, '--only', 'ops/idle-agent-backlog', '--apply'], tempDir()),
      scanAsync(['--company', company.issuePrefix, '--only', 'ops/idle-agent-backlog', '--apply'], tempDir()),
    ]);
    const issues = await seed.req('GET', `/companies/${company.id}/issues`);
    const taken = issues.filter((i: any) => i.status === 'in_progress');
    expect(taken).toHaveLength(6); // six agents, one issue each
    expect(new Set(taken.map((i: any) => i.assigneeAgentId)).size).toBe(6);
    const outcomes = [...a.findings, ...b.findings].flatMap((f: any) => f.actions);
    // Paperclip answers 200 to a checkout of an issue the same agent already holds (idempotent), so when both
    // controllers pick the same pair at the same instant both record it applied; never two agents per issue.
    const applied = outcomes.filter((x: any) => x.status === 'applied');
    const owner = new Map<string, string>();
    for (const x of applied) {
      expect(owner.get(x.target) ?? x.params.agentId).toBe(x.params.agentId);
      owner.set(x.target, x.params.agentId);
    }
    expect(owner.size).toBe(6);
    // Every action of the loser is an outcome (skipped with a reason), never a failure.
    expect(outcomes.filter((x: any) => x.status === 'failed')).toEqual([]);
    for (const x of outcomes.filter((x: any) => x.status === "skipped")) expect(x.detail).toMatch(/409|no longer idle|taken|running|no candidate|already holds|already done/);
  });
});

describe('a todo issue with an unresolved blocker is never handed out', () => {
  it('the idle agent gets the blocker, not the blocked critical issue; once the blocker is done, the blocked one is next', async () => {
    const seed = new Seed();
    const company = await seed.createCompany({ name: unique('Blocked') });
    const lea = await seed.createAgent(company.id, { name: 'Lea', role: 'engineer' });
    const blocker = await seed.createIssue(company.id, { title: 'Blocker', status: 'todo', priority: 'low' });
    const blocked = await seed.createIssue(company.id, { title: 'Blocked', status: 'todo', priority: 'critical', blockedByIssueIds: [blocker.id] });
    const plan = () => {
      const { report } = scan(['--company', company.issuePrefix, '--only', 'ops/idle-agent-backlog'], tempDir());
      return report.findings.find((f: any) => f.subject.label.startsWith('Lea'))?.actions[0]?.target;
    };
    expect(plan()).toBe(`issue:${blocker.identifier}`);
    // The real list rows' blockedBy entries pass the type checks (each blocker's id and status).
    const shapes = scan(['--company', company.issuePrefix, '--only', 'source'], tempDir()).report;
    expect(shapes.findings.filter((f: any) => f.ruleId === 'source/paperclip-schema')).toEqual([]);

    // --apply: Lea checks the blocker out (Paperclip would refuse the blocked one with 422).
    const { report } = scan(['--company', company.issuePrefix, '--only', 'ops/idle-agent-backlog', '--apply'], tempDir());
    expect(report.findings.flatMap((f: any) => f.actions).map((a: any) => [a.status, a.target])).toEqual([['applied', `issue:${blocker.identifier}`]]);
    expect(await seed.getIssue(blocker.id)).toMatchObject({ status: 'in_progress', assigneeAgentId: lea.id });
    expect((await seed.getIssue(blocked.id)).status).toBe('todo');

    // The blocker is done and Lea is idle again: the blocked issue is assignable now.
    await seed.req('PATCH', `/issues/${blocker.id}`, { status: 'done' });
    expect(plan()).toBe(`issue:${blocked.identifier}`);
  });
});
