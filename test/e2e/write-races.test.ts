// On the REAL Paperclip: writes that race a second writer. An issue redaction and an edit at the same moment. Paperclip's PATCH of an issue takes no
// precondition (no If-Match, no expected updatedAt), so an edit stored between clipguard's re-read and its PATCH is
// overwritten; the PATCH's answer says what each field held just before (`changes[field].from`), and clipguard
// writes the lost text back, redacted. A fault-injecting proxy (test/helpers/fault-proxy.ts) stores the other
// writer's edit on the real server just before clipguard's PATCH reaches it. Was (found by the review helper): the
// edit was lost and the redaction said `applied`. And two clipguards (separate state directories) flagging one issue
// at the same moment: was, two identical flag comments (each waking the assignee); now the earliest stays.
// Unit twin: test/unit/write-races.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { tempDir } from '../helpers/cli.js';
import { writeTrustedConfig } from '../helpers/trust.js';
import { cliAsync } from '../helpers/cli-async.js';
import { fakeToken } from '../helpers/fake-secrets.js';
import { FaultProxy, startProxy } from '../helpers/fault-proxy.js';
import { e2eUrl, Seed, unique } from './seed.js';

const seed = new Seed();
let proxy: FaultProxy;
beforeAll(async () => {
  proxy = await startProxy(e2eUrl());
});
afterAll(async () => {
  await proxy?.stop();
});

describe('an issue redaction and an edit at the same moment (real server)', () => {
  it('the edit stored between the re-read and the PATCH is written back, its new key redacted, and a second --apply does nothing', async () => {
    const company = await seed.createCompany({ name: unique('Race') });
    const issue = await seed.createIssue(company.id, { title: 'Deploy', description: `Steps:\nexport TOKEN=${fakeToken('github-pat', 12)}` });
    const second = fakeToken('openai-api-key', 12);
    let raced = false;
    proxy.reset(({ method, path }) => {
      if (raced || method !== 'PATCH' || path !== `/api/issues/${issue.id}`) return { kind: 'pass' };
      raced = true;
      // The assignee appends its progress (and, carelessly, another key) on the real server, from the read it had.
      return { kind: 'race', before: async () => void (await seed.req('PATCH', `/issues/${issue.id}`, { description: `${issue.description}\nProgress: step 2 done, OPENAI_API_KEY=${second}` })) };
    });
    const state = tempDir();
    const run = () => cliAsync(['scan', '--paperclip', proxy.url, '--company', company.issuePrefix, '--only', 'security/secret-in-issue', '--apply', '--format', 'json'], { cwd: tempDir(), env: { CLIPGUARD_STATE_DIR: join(state, 's') } });
    const r = await run();
    expect(raced).toBe(true);
    const actions = JSON.parse(r.stdout).findings.flatMap((f: any) => f.actions);
    expect(actions.map((a: any) => `${a.type} ${a.status}`)).toEqual(['redact applied']);
    expect(actions[0].detail).toMatch(/overwritten and has been written back, redacted/);
    expect((await seed.getIssue(issue.id)).description).toBe('Steps:\nexport TOKEN=[REDACTED:github-pat]\nProgress: step 2 done, OPENAI_API_KEY=[REDACTED:openai-api-key]');
    expect(r.stdout + r.stderr).not.toContain(second);
    // Nothing left to do.
    const again = JSON.parse((await run()).stdout).findings.flatMap((f: any) => f.actions);
    expect(again).toEqual([]);
  }, 120_000);
});

describe('two clipguards flag one issue at the same moment (real server)', () => {
  it('the other process\'s identical flag lands just before this one\'s POST: one flag comment stays, the earliest', async () => {
    const company = await seed.createCompany({ name: unique('Flags') });
    const issue = await seed.createIssue(company.id, { title: 'Deploy', description: `export TOKEN=${fakeToken('github-pat', 14)}` });
    let other: any = null;
    proxy.reset(({ method, path, body }) => {
      if (other || method !== 'POST' || path !== `/api/issues/${issue.id}/comments`) return { kind: 'pass' };
      // The other process's flag: the same text (a pure function of the findings), posted by the board as well.
      return { kind: 'race', before: async () => void (other = await seed.req('POST', `/issues/${issue.id}/comments`, { body: JSON.parse(body).body })) };
    });
    const cwd = tempDir();
    writeTrustedConfig(join(cwd, 'clipguard.config.json'), JSON.stringify({ repos: [], rules: { overrides: { 'security/secret-in-issue': { actions: { redact: { enabled: false }, flag: { enabled: true } } } } } }));
    const r = await cliAsync(['scan', '--paperclip', proxy.url, '--company', company.issuePrefix, '--only', 'security/secret-in-issue', '--apply', '--format', 'json'], { cwd, env: { CLIPGUARD_STATE_DIR: join(cwd, 'state') } });
    expect(other?.id).toBeTruthy();
    const actions = JSON.parse(r.stdout).findings.flatMap((f: any) => f.actions);
    expect(actions.map((a: any) => `${a.type} ${a.status}`)).toEqual(['flag applied']);
    expect(actions[0].detail).toMatch(/then deleted it again: comment .* posted at the same moment by another process/);
    const flags = ((await seed.req('GET', `/issues/${issue.id}/comments`)) as any[]).filter((c) => !c.deletedAt && String(c.body).includes('<!-- clipguard-flag'));
    expect(flags.map((c) => c.id)).toEqual([other.id]);
  }, 120_000);
});

describe('two clipguards post the daily checklist at the same moment (real server)', () => {
  // Was: two processes with their own state directories (a `watch` and a `checklist --post-issue`) each read the
  // issue, found no checklist of the day, and both posted it: two comments, each waking the assignee.
  it("the other process's checklist lands just before this one's POST: one stays, the earliest; the next run posts nothing", async () => {
    const company = await seed.createCompany({ name: unique('Checklists') });
    await seed.createAgent(company.id, { name: 'Kit', role: 'engineer' });
    const board = await seed.createIssue(company.id, { title: 'Daily ops', status: 'in_review', priority: 'low' });
    let other: any = null;
    proxy.reset(({ method, path, body }) => {
      if (other || method !== 'POST' || !new RegExp(`^/api/issues/(${board.id}|${board.identifier})/comments$`).test(path)) return { kind: 'pass' };
      return { kind: 'race', before: async () => void (other = await seed.req('POST', `/issues/${board.id}/comments`, { body: JSON.parse(body).body })) };
    });
    const cwd = tempDir();
    writeTrustedConfig(join(cwd, 'clipguard.config.json'), JSON.stringify({ paperclip: { url: proxy.url, companies: [company.issuePrefix] }, repos: [], stateDir: join(cwd, 'state') }));
    const r = await cliAsync(['checklist', '--post-issue', board.identifier], { cwd });
    expect(other?.id).toBeTruthy();
    expect(r.stderr).toMatch(new RegExp(`checklist on ${board.identifier}: posted as comment \\S+, then deleted it again: comment ${other.id}, posted at the same moment by another process, says the same`));
    const live = async () => ((await seed.req('GET', `/issues/${board.id}/comments?order=asc`)) as any[]).filter((c) => !c.deletedAt && String(c.body).startsWith('## clipguard daily checklist'));
    expect((await live()).map((c) => c.id)).toEqual([other.id]);
    const again = await cliAsync(['checklist', '--post-issue', board.identifier], { cwd });
    expect(again.stderr).toContain(`the checklist was already on ${board.identifier} (comment ${other.id})`);
    expect((await live()).map((c) => c.id)).toEqual([other.id]);
  }, 180_000);
});

describe('two clipguards ask the board to approve one routine at the same moment (real server)', () => {
  // Was: two processes with their own state directories each re-read the approvals, found none open, and both filed a
  // request; the newest request decided, so a board that approved the first and rejected the second as a duplicate
  // had its routine paused again on the next run. Paperclip 2026.916.1 has no route to withdraw or cancel a request
  // (approve, reject and request-revision are the board's; resubmit reopens one sent back): the later request
  // stays open, says in a comment whose duplicate it is, and a decision on either counts.
  it('the later request says it is a duplicate; the board approves the first and rejects the second; the next --apply leaves the routine active', async () => {
    const company = await seed.createCompany({ name: unique('Routines') });
    const maker = await seed.createAgent(company.id, { name: 'Maker' });
    const key = (await seed.req('POST', `/agents/${maker.id}/keys`, { name: 'e2e' })).token;
    const res = await fetch(`${seed.api}/companies/${company.id}/routines`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ title: 'File a follow-up every minute', assigneeAgentId: maker.id }) });
    expect(res.status).toBeLessThan(300);
    const routine = (await res.json()) as any;
    let other: any = null;
    proxy.reset(({ method, path, body }) => {
      if (other || method !== 'POST' || path !== `/api/companies/${company.id}/approvals`) return { kind: 'pass' };
      // The other process's request: the same body, filed by the board as well.
      return { kind: 'race', before: async () => void (other = await seed.req('POST', `/companies/${company.id}/approvals`, JSON.parse(body))) };
    });
    const cwd = tempDir();
    writeTrustedConfig(join(cwd, 'clipguard.config.json'), JSON.stringify({ repos: [], rules: { overrides: { 'ops/routine-without-approval': { action: { enabled: true } } } } }));
    const run = () => cliAsync(['scan', '--paperclip', proxy.url, '--company', company.issuePrefix, '--only', 'ops/routine-without-approval', '--apply', '--format', 'json'], { cwd, env: { CLIPGUARD_STATE_DIR: join(cwd, 'state') } });
    const r = await run();
    expect(other?.id).toBeTruthy();
    const actions = JSON.parse(r.stdout).findings.flatMap((f: any) => f.actions);
    expect(actions.map((a: any) => `${a.type} ${a.status}`)).toEqual(['disable-routine applied']);
    expect(actions[0].detail).toMatch(new RegExp(`: paused the routine; asked the board to approve it \\(approval (\\S+)\\); approval ${other.id}, filed at the same moment by another process, asks the same: a comment on this one says it is a duplicate, and a decision on either counts$`));
    const requests = ((await seed.req('GET', `/companies/${company.id}/approvals`)) as any[]).filter((a) => a.payload?.routineId === routine.id);
    expect(requests).toHaveLength(2);
    const mine = requests.find((a) => a.id !== other.id);
    expect((await seed.req('GET', `/approvals/${other.id}/comments`)) as any[]).toEqual([]);
    expect(((await seed.req('GET', `/approvals/${mine.id}/comments`)) as any[]).map((c) => c.body)).toEqual([expect.stringContaining(`Duplicate of approval ${other.id}`)]);
    // The board approves the first, rejects the duplicate, and sets the routine active: approved, the rule is quiet.
    await seed.req('POST', `/approvals/${other.id}/approve`, {});
    await seed.req('POST', `/approvals/${mine.id}/reject`, { decisionNote: 'duplicate' });
    await seed.req('PATCH', `/routines/${routine.id}`, { status: 'active' });
    const again = await run();
    expect(JSON.parse(again.stdout).findings).toEqual([]);
    expect((await seed.req('GET', `/routines/${routine.id}`)).status).toBe('active');
  }, 180_000);
});
