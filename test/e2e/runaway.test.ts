// Runaway work creation on a REAL Paperclip (issue 24; Paperclip #4388: agents created routines without board
// approval and filed 400+ issues in 48 hours). Seeded through the API with the agents' own keys: a burst of
// issues by one agent (a few by another, many by the board), a routine an agent created for itself with a
// schedule, one the board created, and one an agent created that the board approved.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, tempDir } from '../helpers/cli.js';
import { writeTrustedConfig } from '../helpers/trust.js';
import { e2eUrl, Seed, unique } from './seed.js';

const seed = new Seed();
const ROUTINE_RULE = 'ops/routine-without-approval';

/** A call with an agent's API key, as the agent's own tools make it. */
async function asAgent(key: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${seed.api}${path}`, {
    method,
    headers: { accept: 'application/json', authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} as agent -> HTTP ${res.status}: ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

function configDir(overrides: Record<string, unknown>): string {
  const dir = tempDir();
  writeTrustedConfig(join(dir, 'clipguard.config.json'), JSON.stringify({ repos: [], rules: { overrides } }));
  return dir;
}

describe('runaway work creation, on a real Paperclip', () => {
  let company: any;
  let maker: any;
  let calm: any;
  let makerKey: string;
  let agentRoutine: any;
  let approvedRoutine: any;
  let boardRoutine: any;

  function scan(cwd: string, only: string[], extra: string[] = [], state = tempDir()) {
    const r = cli(['scan', '--paperclip', e2eUrl(), '--company', company.issuePrefix, '--only', ...only, '--format', 'json', ...extra], { cwd, env: { CLIPGUARD_STATE_DIR: state } });
    if (r.code === 2) throw new Error(`scan failed: ${r.stderr}`);
    // The agent's key is in no report.
    expect(r.stdout).not.toContain(makerKey);
    return JSON.parse(r.stdout);
  }

  beforeAll(async () => {
    company = await seed.createCompany({ name: unique('Runaway') });
    maker = await seed.createAgent(company.id, { name: 'Maker' });
    calm = await seed.createAgent(company.id, { name: 'Calm' });
    makerKey = (await seed.req('POST', `/agents/${maker.id}/keys`, { name: 'e2e' })).token;
    const calmKey = (await seed.req('POST', `/agents/${calm.id}/keys`, { name: 'e2e' })).token;
    // The burst: 30 issues by Maker, 3 by Calm, 12 by the board.
    for (let k = 0; k < 30; k++) await asAgent(makerKey, 'POST', `/companies/${company.id}/issues`, { title: `Follow-up ${k}`, allowDuplicate: true });
    for (let k = 0; k < 3; k++) await asAgent(calmKey, 'POST', `/companies/${company.id}/issues`, { title: `Calm ${k}`, allowDuplicate: true });
    await seed.createIssues(company.id, 12);
    // Routines: Maker makes one for itself, every minute; Calm makes one the board approves; the board makes one.
    agentRoutine = await asAgent(makerKey, 'POST', `/companies/${company.id}/routines`, { title: 'File a follow-up every minute', assigneeAgentId: maker.id });
    await asAgent(makerKey, 'POST', `/routines/${agentRoutine.id}/triggers`, { kind: 'schedule', cronExpression: '0 3 * * *', timezone: 'UTC' });
    approvedRoutine = await asAgent(calmKey, 'POST', `/companies/${company.id}/routines`, { title: 'Nightly triage', assigneeAgentId: calm.id });
    const approval = await seed.req('POST', `/companies/${company.id}/approvals`, { type: 'request_board_approval', payload: { title: 'Nightly triage', routineId: approvedRoutine.id } });
    await seed.req('POST', `/approvals/${approval.id}/approve`, { decisionNote: 'e2e: fine' });
    boardRoutine = await seed.req('POST', `/companies/${company.id}/routines`, { title: 'Weekly report', assigneeAgentId: calm.id });
  }, 120_000);

  it('ops/issue-burst names Maker (30 issues, no baseline) and not Calm; the company rule counts agents only', () => {
    const cwd = configDir({ 'ops/issue-burst': { params: { minIssues: 20 } }, 'ops/issue-burst-company': { params: { minIssues: 30 } } });
    const report = scan(cwd, ['ops/issue-burst', 'ops/issue-burst-company']);
    const agentFindings = report.findings.filter((f: any) => f.ruleId === 'ops/issue-burst');
    expect(agentFindings.map((f: any) => f.subject.id)).toEqual([maker.id]);
    expect(agentFindings[0].message).toMatch(/^Maker created 30 issue\(s\) in the last 24 h, 30x its baseline of 0 per 24 h over the 7 days before; newest: [A-Z]+-\d+/);
    const [companyFinding] = report.findings.filter((f: any) => f.ruleId === 'ops/issue-burst-company');
    // 33 by agents (the board's 12 are not counted): over 30.
    expect(companyFinding.message).toContain('created 33 issue(s) in the last 24 h');
    expect(companyFinding.message).toContain('top creators: Maker 30, Calm 3');
    // With the defaults (50 and 100 in 24 h) nothing fires: the thresholds are the rule's params.
    expect(scan(tempDir(), ['ops/issue-burst', 'ops/issue-burst-company']).findings).toEqual([]);
  });

  it("reports only the agent's unapproved routine; the action is off by default, so the dry-run plans nothing", () => {
    const report = scan(tempDir(), [ROUTINE_RULE]);
    const found = report.findings.filter((f: any) => f.ruleId === ROUTINE_RULE);
    expect(found.map((f: any) => f.subject.id)).toEqual([agentRoutine.id]);
    expect(found[0].message).toBe(`routine "File a follow-up every minute" was created by agent Maker on ${agentRoutine.createdAt} without board approval and is active (schedules: "0 3 * * *"; approval: none)`);
    expect(found[0].actions).toEqual([]);
    expect([approvedRoutine.id, boardRoutine.id].some((id) => found.some((f: any) => f.subject.id === id))).toBe(false);
  });

  it('switched on: the dry-run plans the pause, --apply pauses the routine and asks the board once; the agent re-activates it and the next --apply pauses it again without a second request; the board approves and the rule is quiet', async () => {
    const cwd = configDir({ [ROUTINE_RULE]: { action: { enabled: true } } });
    const state = tempDir();
    const dry = scan(cwd, [ROUTINE_RULE], [], state);
    expect(dry.findings[0].actions).toMatchObject([{ type: 'disable-routine', status: 'planned', target: 'routine:File a follow-up every minute' }]);
    expect((await seed.req('GET', `/routines/${agentRoutine.id}`)).status).toBe('active');

    const applied = scan(cwd, [ROUTINE_RULE], ['--apply'], state);
    const [act] = applied.findings[0].actions;
    expect(act).toMatchObject({ type: 'disable-routine', status: 'applied' });
    expect(act.detail).toMatch(/paused the routine; asked the board to approve it \(approval [0-9a-f-]{36}\)/);
    expect((await seed.req('GET', `/routines/${agentRoutine.id}`)).status).toBe('paused');
    const requests = async () => ((await seed.req('GET', `/companies/${company.id}/approvals`)) as any[]).filter((a) => a.payload?.routineId === agentRoutine.id);
    const [request] = await requests();
    expect(request).toMatchObject({ type: 'request_board_approval', status: 'pending', payload: { source: 'clipguard', createdByAgentId: maker.id } });
    expect(request.payload.title).toBe('Approve routine "File a follow-up every minute"');
    // Paused: not reported, nothing to do.
    expect(scan(cwd, [ROUTINE_RULE], ['--apply'], state).findings).toEqual([]);

    // Paperclip lets the routine's assignee set it active again, with no board step.
    await asAgent(makerKey, 'PATCH', `/routines/${agentRoutine.id}`, { status: 'active' });
    const again = scan(cwd, [ROUTINE_RULE], ['--apply'], state);
    expect(again.findings[0].actions[0].detail).toContain(`paused the routine; the board's approval request ${request.id} is already open`);
    expect((await seed.req('GET', `/routines/${agentRoutine.id}`)).status).toBe('paused');
    expect(await requests()).toHaveLength(1);

    const audit = readFileSync(join(state, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(audit.filter((e) => e.action === 'disable-routine').map((e) => e.outcome)).toEqual(['started', 'applied', 'started', 'applied']);
    // The board sees both in the company's activity log, on the routine.
    const entries = (await seed.req('GET', `/companies/${company.id}/activity?entityType=routine&entityId=${agentRoutine.id}&limit=50`)) as any[];
    expect(entries.filter((e) => e.action === 'clipguard.disable-routine' && e.actorId === 'clipguard')).toHaveLength(2);

    // The board approves it and sets it active: the rule is quiet.
    await seed.req('POST', `/approvals/${request.id}/approve`, {});
    await seed.req('PATCH', `/routines/${agentRoutine.id}`, { status: 'active' });
    expect(scan(cwd, [ROUTINE_RULE], ['--apply'], state).findings).toEqual([]);
    expect((await seed.req('GET', `/routines/${agentRoutine.id}`)).status).toBe('active');
  });
});
