// Safety actions stick, against a recorded Paperclip with state (test/helpers/paperclip-fake.ts): a budget stop
// clipguard made is never undone by clipguard (the README's resumeReasons ["manual"] included, with a fresh state
// directory too: its `clipguard.pause` activity entry says the pause is its own), the finding names the real
// reason, a person's resume does not make the next pause impossible, and no work goes to an agent at or over
// its stop threshold. And ops/blocked-without-reason: a blockedBy issue is a reason; the comment posted is the
// rule's params.comment (overrides included), the one text `explain` shows.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config/load.js';
import { runScan } from '../../src/scan.js';
import { executeActions } from '../../src/actions/executor.js';
import { PaperclipClient } from '../../src/sources/paperclip/client.js';
import { cli, tempDir } from '../helpers/cli.js';
import { fakeToken } from '../helpers/fake-secrets.js';
import { fakeAgent, fakeCompany, fakeIssue, serveFakePaperclip, type FakePaperclip, type FakeWorld } from '../helpers/paperclip-fake.js';

const servers: FakePaperclip[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const ago = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();

function config(url: string, stateDir: string, apply: boolean, overrides: Record<string, unknown> = {}): Config {
  const c = loadConfig(tempDir(), { noConfigFile: true, paperclip: url }, {});
  Object.assign(c.paperclip, { retries: 0, timeoutMs: 5_000 });
  c.repos = [];
  c.stateDir = stateDir;
  c.actions.apply = apply;
  c.rules.overrides = { 'ops/paused-agent': { action: { enabled: true, params: { resumeReasons: ['manual'] } } }, ...overrides } as Config['rules']['overrides'];
  return c;
}

const acts = (r: Awaited<ReturnType<typeof runScan>>) => r.report.findings.flatMap((f) => f.actions.map((a) => `${f.ruleId} ${a.type} ${a.target} ${a.status}`));

function company(): FakeWorld {
  const co = fakeCompany();
  const over = fakeAgent(co.id, 1, { name: 'Over', budgetMonthlyCents: 1000, spentMonthlyCents: 1300, createdAt: ago(100) });
  const under = fakeAgent(co.id, 2, { name: 'Under', budgetMonthlyCents: 1000, spentMonthlyCents: 100, createdAt: ago(100) });
  const critical = fakeIssue(co, 1, { title: 'Critical fix', status: 'todo', priority: 'critical', assigneeAgentId: null, createdAt: ago(5), updatedAt: ago(5) });
  return { company: co, agents: [over, under], issues: [critical], comments: {}, activity: [] };
}

describe('a budget stop clipguard made sticks', () => {
  it('the README config pauses the agent at 130%, hands the critical issue to the agent under budget, and never resumes the paused one (same or fresh state directory); the finding says clipguard paused it for budget', async () => {
    const pc = await serveFakePaperclip(company());
    servers.push(pc);
    const [over, under] = pc.world.agents;
    const state = join(tempDir(), 'state');
    const dry = await runScan(config(pc.url, state, false), { only: ['ops', 'budget'] });
    expect(acts(dry).filter((a) => a.includes('planned'))).toEqual(['budget/agent-spend-exceeded pause agent:Over planned', 'ops/idle-agent-backlog checkout issue:PRP-1 planned'].map((s) => s.replace('PRP-1', pc.world.issues[0].identifier)));
    const checkout = dry.report.findings.find((f) => f.ruleId === 'ops/idle-agent-backlog' && f.actions[0]?.status === 'planned')!;
    expect(checkout.subject.id).toBe(under.id);
    const overFinding = dry.report.findings.find((f) => f.ruleId === 'ops/idle-agent-backlog' && f.subject.id === over.id)!;
    expect(overFinding.actions[0]).toMatchObject({ status: 'skipped', detail: expect.stringContaining('at or over the stop threshold (100%)') });

    const first = await runScan(config(pc.url, state, true), { only: ['ops', 'budget'] });
    expect(acts(first).filter((a) => a.endsWith('applied')).sort()).toEqual(acts(dry).filter((a) => a.endsWith('planned')).map((a) => a.replace(/planned$/, 'applied')).sort());
    expect(over).toMatchObject({ status: 'paused', pauseReason: 'manual' });
    expect(pc.world.issues[0]).toMatchObject({ status: 'in_progress', assigneeAgentId: under.id });
    expect(pc.world.activity.filter((a) => a.action === 'clipguard.pause').map((a) => a.entityId)).toEqual([over.id]);

    for (const dir of [state, join(tempDir(), 'fresh-state')]) {
      const again = await runScan(config(pc.url, dir, true), { only: ['ops', 'budget'] });
      expect(acts(again).filter((a) => a.endsWith('applied'))).toEqual([]);
      const paused = again.report.findings.find((f) => f.ruleId === 'ops/paused-agent')!;
      expect(paused.message).toContain(`Over is paused (paused by clipguard for budget on ${new Date().toISOString().slice(0, 10)}`);
      expect(paused.message).not.toContain('by hand');
      expect(paused.actions).toEqual([expect.objectContaining({ type: 'resume', status: 'skipped', detail: expect.stringMatching(/^not resumed: Over has spent \$13\.00 of \$10\.00 \(130%\), at or over the stop threshold \(100%\)/) })]);
      expect(over.status).toBe('paused');
    }
  });

  it('someone resumes the agent clipguard paused: the next --apply pauses it again (the ledger does not make a re-pause impossible)', async () => {
    const pc = await serveFakePaperclip(company());
    servers.push(pc);
    const over = pc.world.agents[0];
    const state = join(tempDir(), 'state');
    await runScan(config(pc.url, state, true), { only: ['budget'] });
    expect(over.status).toBe('paused');
    Object.assign(over, { status: 'idle', pauseReason: null, pausedAt: null });
    const dry = await runScan(config(pc.url, state, false), { only: ['budget'] });
    expect(acts(dry)).toEqual(['budget/agent-spend-exceeded pause agent:Over planned']);
    const again = await runScan(config(pc.url, state, true), { only: ['budget'] });
    expect(acts(again)).toEqual(['budget/agent-spend-exceeded pause agent:Over applied']);
    expect(over.status).toBe('paused');
  });

  it('a pause made by a person after clipguard\'s is the person\'s: the finding says so, and resumeReasons ["manual"] resumes it when the agent is under its threshold', async () => {
    const w = company();
    const under = w.agents[1];
    Object.assign(under, { status: 'paused', pauseReason: 'manual', pausedAt: ago(1) });
    // clipguard paused it two days ago (an old entry): this pause is not that one.
    w.activity.push({ id: 'act-1', companyId: w.company.id, actorType: 'system', actorId: 'clipguard', action: 'clipguard.pause', entityType: 'agent', entityId: under.id, agentId: null, runId: null, details: { rule: 'budget/agent-spend-exceeded', outcome: 'applied' }, createdAt: ago(48) });
    const pc = await serveFakePaperclip(w);
    servers.push(pc);
    const r = await runScan(config(pc.url, join(tempDir(), 's'), false), { only: ['ops/paused-agent'] });
    expect(r.report.findings[0].message).toContain('(reason: manual,');
    expect(r.report.findings[0].message).toContain('someone paused it by hand');
    expect(acts(r)).toEqual(['ops/paused-agent resume agent:Under planned']);
  });

  it('the executor re-reads the spend: an agent that crossed its threshold since the scan gets no work', async () => {
    const w = company();
    const pc = await serveFakePaperclip(w);
    servers.push(pc);
    // The scan sees Under at 10%: the critical issue is planned for it.
    const dry = await runScan(config(pc.url, join(tempDir(), 's'), false), { only: ['ops/idle-agent-backlog'] });
    const action = dry.report.findings.flatMap((f) => f.actions).find((a) => a.status === 'planned')!;
    expect(action.params).toMatchObject({ agentId: w.agents[1].id, stopCents: 1000 });
    // By the time the checkout runs it has spent $11.00 of $10.00.
    w.agents[1].spentMonthlyCents = 1100;
    const client = new PaperclipClient({ baseUrl: pc.url, retries: 0 });
    try {
      await executeActions(dry.report.findings, { mode: 'apply', client, stateDir: join(tempDir(), 's2'), activityLog: false, now: new Date(), env: {} });
    } finally {
      await client.close();
    }
    expect(action).toMatchObject({ status: 'skipped', detail: expect.stringContaining('its spend (1100 cents) is at or over the stop threshold (1000 cents) now') });
    expect(w.issues[0]).toMatchObject({ status: 'todo', assigneeAgentId: null });
  });
});

describe('ops/blocked-without-reason', () => {
  function blockedWorld(): FakeWorld {
    const co = fakeCompany();
    const dep = fakeIssue(co, 1, { title: 'Headless browser', status: 'in_progress', assigneeAgentId: null, createdAt: ago(10), updatedAt: ago(10) });
    const waiting = fakeIssue(co, 2, { title: 'Waits on a dependency', status: 'blocked', createdAt: ago(9), updatedAt: ago(8), blockedTransitionAt: ago(8), blockedBy: [{ id: dep.id, identifier: dep.identifier, title: dep.title, status: dep.status, priority: dep.priority }] });
    const silent = fakeIssue(co, 3, { title: 'Blocked, nobody says why', status: 'blocked', createdAt: ago(9), updatedAt: ago(8), blockedTransitionAt: ago(8) });
    return { company: co, agents: [], issues: [dep, waiting, silent], comments: {}, activity: [] };
  }

  it('an issue blocked by an unresolved issue has its reason: no finding; the other is asked with the params.comment of the overrides', async () => {
    const w = blockedWorld();
    const pc = await serveFakePaperclip(w);
    servers.push(pc);
    const text = 'Ops here: what does this wait for? (custom text from the overrides)';
    const overrides = { 'ops/blocked-without-reason': { params: { comment: text } } };
    const r = await runScan(config(pc.url, join(tempDir(), 's'), true, overrides), { only: ['ops/blocked-without-reason'] });
    expect(r.report.findings.map((f) => f.subject.label)).toEqual([w.issues[2].identifier]);
    expect(acts(r)).toEqual([`ops/blocked-without-reason comment issue:${w.issues[2].identifier} applied`]);
    expect(w.comments[w.issues[2].id].map((c) => c.body)).toEqual([text]);
    expect(w.comments[w.issues[1].id] ?? []).toEqual([]);
  });

  it('without overrides the comment is the rule file\'s params.comment, the text `clipguard explain` shows', async () => {
    const w = blockedWorld();
    const pc = await serveFakePaperclip(w);
    servers.push(pc);
    await runScan(config(pc.url, join(tempDir(), 's'), true), { only: ['ops/blocked-without-reason'] });
    const posted = w.comments[w.issues[2].id].map((c) => c.body);
    expect(posted).toHaveLength(1);
    const explain = cli(['explain', 'ops/blocked-without-reason'], { cwd: tempDir() });
    expect(explain.stdout).toContain(JSON.stringify(posted[0]));
  });
});

describe('what the plan shows skipped, --apply skips', () => {
  it('an agent in error holding an issue that waits for an unresolved one: not released (its re-checkout would be refused), in the plan and by the executor', async () => {
    const co = fakeCompany();
    const broken = fakeAgent(co.id, 1, { name: 'Broken', status: 'error', errorReason: 'adapter_failed', createdAt: ago(100) });
    const dep = fakeIssue(co, 1, { title: 'Dependency', status: 'in_review', createdAt: ago(9), updatedAt: ago(9) });
    const held = fakeIssue(co, 2, { title: 'Held', status: 'in_progress', assigneeAgentId: broken.id, startedAt: ago(3), createdAt: ago(9), updatedAt: ago(3), blockedBy: [{ id: dep.id, identifier: dep.identifier, title: dep.title, status: dep.status, priority: dep.priority }] });
    const pc = await serveFakePaperclip({ company: co, agents: [broken], issues: [dep, held], comments: {}, activity: [] });
    servers.push(pc);
    const dry = await runScan(config(pc.url, join(tempDir(), 's'), false), { only: ['ops/error-agent-holding-issue'] });
    const action = dry.report.findings[0].actions[0];
    expect(action).toMatchObject({ type: 'release-checkout', status: 'skipped', detail: expect.stringContaining(`waits for ${dep.identifier} (in_review)`) });
    // The executor, handed the action as planned (an older plan, another caller), refuses the release too.
    Object.assign(action, { status: 'planned', params: { agentId: broken.id, issueId: held.id, identifier: held.identifier } });
    const client = new PaperclipClient({ baseUrl: pc.url, retries: 0 });
    try {
      await executeActions(dry.report.findings, { mode: 'apply', client, stateDir: join(tempDir(), 's2'), activityLog: false, now: new Date(), env: {} });
    } finally {
      await client.close();
    }
    expect(action).toMatchObject({ status: 'skipped', detail: expect.stringContaining('not released: it waits for') });
    expect(pc.writes).toEqual([]);
    expect(held).toMatchObject({ status: 'in_progress', assigneeAgentId: broken.id });
  });

  it('an over-budget agent that is running: the pause is skipped in the dry-run, and --apply does not pause it', async () => {
    const w = company();
    w.agents[0].status = 'running';
    const pc = await serveFakePaperclip(w);
    servers.push(pc);
    const state = join(tempDir(), 's');
    const dry = await runScan(config(pc.url, state, false), { only: ['budget/agent-spend-exceeded'] });
    expect(acts(dry)).toEqual(['budget/agent-spend-exceeded pause agent:Over skipped']);
    const applied = await runScan(config(pc.url, state, true), { only: ['budget/agent-spend-exceeded'] });
    expect(acts(applied)).toEqual(['budget/agent-spend-exceeded pause agent:Over skipped']);
    expect(pc.writes).toEqual([]);
  });

  it('an issue with a secret in its title and one in its description: one redaction planned (the other shown skipped, naming it), and --apply redacts both with it', async () => {
    const w = company();
    const a = fakeToken('github-pat', 11);
    const b = fakeToken('openai-api-key', 12);
    Object.assign(w.issues[0], { title: `Deploy with ${a}`, description: `Steps:\n1. export OPENAI_API_KEY=${b}\n2. run it` });
    const pc = await serveFakePaperclip(w);
    servers.push(pc);
    const state = join(tempDir(), 's');
    const dry = await runScan(config(pc.url, state, false), { only: ['security/secret-in-issue'] });
    const id = w.issues[0].identifier;
    expect(acts(dry).sort()).toEqual([`security/secret-in-issue redact issue:${id} planned`, `security/secret-in-issue redact issue:${id} skipped`]);
    const applied = await runScan(config(pc.url, state, true), { only: ['security/secret-in-issue'] });
    expect(acts(applied).sort()).toEqual([`security/secret-in-issue redact issue:${id} applied`, `security/secret-in-issue redact issue:${id} skipped`]);
    expect(w.issues[0].title).toBe('Deploy with [REDACTED:github-pat]');
    expect(w.issues[0].description).not.toContain(b);
  });

  it('a key written again into an issue redacted minutes ago is redacted again (the ledger does not hold a redaction done for its hour)', async () => {
    const w = company();
    const a = fakeToken('github-pat', 21);
    Object.assign(w.issues[0], { description: `export TOKEN=${a}` });
    const pc = await serveFakePaperclip(w);
    servers.push(pc);
    const state = join(tempDir(), 's');
    const id = w.issues[0].identifier;
    const first = await runScan(config(pc.url, state, true), { only: ['security/secret-in-issue'] });
    expect(acts(first)).toEqual([`security/secret-in-issue redact issue:${id} applied`]);
    // The live guard sees an edit seconds later; a watch run within the ledger's hour the same.
    const b = fakeToken('gitlab-pat', 22);
    w.issues[0].description = `export TOKEN=[REDACTED:github-pat]\nand the new one: ${b}`;
    const dry = await runScan(config(pc.url, state, false), { only: ['security/secret-in-issue'] });
    expect(acts(dry)).toEqual([`security/secret-in-issue redact issue:${id} planned`]);
    const again = await runScan(config(pc.url, state, true), { only: ['security/secret-in-issue'] });
    expect(acts(again)).toEqual([`security/secret-in-issue redact issue:${id} applied`]);
    expect(w.issues[0].description).toBe('export TOKEN=[REDACTED:github-pat]\nand the new one: [REDACTED:gitlab-pat]');
  });
});

describe('the dry-run reads the ledger (read only)', () => {
  it('a comment whose delete the server refused before (the ledger remembers): the dry-run shows the redaction failed with the reason, --apply the same, nothing written', async () => {
    const co = fakeCompany();
    const issue = fakeIssue(co, 1, { title: 'Deploy', status: 'todo', createdAt: ago(9), updatedAt: ago(8) });
    const comment = { id: 'c0000000-0000-4000-8000-000000000001', companyId: co.id, issueId: issue.id, body: `use ${fakeToken('github-pat', 77)} for it`, authorType: 'user', authorUserId: 'local-board', authorAgentId: null, deletedAt: null, createdAt: ago(8), updatedAt: ago(8) };
    const pc = await serveFakePaperclip({ company: co, agents: [], issues: [issue], comments: { [issue.id]: [comment] }, activity: [] });
    servers.push(pc);
    const state = join(tempDir(), 'state');
    mkdirSync(state, { recursive: true });
    const at = new Date(Date.now() - 10 * 60_000).toISOString();
    writeFileSync(join(state, 'ledger.json'), JSON.stringify({ version: 1, entries: { [`redact-refused:${issue.id}:${comment.id}`]: { status: 'refused', at, detail: 'HTTP 403 Only the comment author can delete comments' } } }));
    const redacts = (r: Awaited<ReturnType<typeof runScan>>) => r.report.findings.flatMap((f) => f.actions.filter((a) => a.type === 'redact').map((a) => `${a.status} ${a.detail}`));
    const dry = await runScan(config(pc.url, state, false), { only: ['security/secret-in-comment'] });
    const reason = `failed Paperclip refused to delete it at ${at} (HTTP 403 Only the comment author can delete comments); the key stays in comment ${comment.id}: rotate it.`;
    expect(redacts(dry)).toEqual([reason]);
    const applied = await runScan(config(pc.url, state, true), { only: ['security/secret-in-comment'] });
    expect(redacts(applied)).toEqual([reason]);
    expect(pc.writes).toEqual([]);
  });

  it('an action the ledger records as done is skipped in the dry-run with the ledger\'s reason, and --apply does not do it; the dry-run writes nothing', async () => {
    const co = fakeCompany();
    const silent = fakeIssue(co, 1, { title: 'Blocked, nobody says why', status: 'blocked', createdAt: ago(9), updatedAt: ago(8), blockedTransitionAt: ago(8) });
    const pc = await serveFakePaperclip({ company: co, agents: [], issues: [silent], comments: {}, activity: [] });
    servers.push(pc);
    const state = join(tempDir(), 'state');
    // The comment clipguard posted ten minutes ago was deleted by someone: the finding is back, the ledger says done.
    mkdirSync(state, { recursive: true });
    const at = new Date(Date.now() - 10 * 60_000).toISOString();
    const ledger = join(state, 'ledger.json');
    writeFileSync(ledger, JSON.stringify({ version: 1, entries: { [`comment::${silent.id}:`]: { status: 'applied', at } } }));
    const before = readFileSync(ledger, 'utf8');
    const dry = await runScan(config(pc.url, state, false), { only: ['ops/blocked-without-reason'] });
    expect(dry.report.findings[0].actions).toEqual([expect.objectContaining({ type: 'comment', status: 'skipped', detail: expect.stringContaining(`already done at ${at} (idempotency ledger)`) })]);
    expect(readFileSync(ledger, 'utf8')).toBe(before);
    expect(existsSync(join(state, 'audit.jsonl'))).toBe(false);
    const applied = await runScan(config(pc.url, state, true), { only: ['ops/blocked-without-reason'] });
    expect(acts(applied)).toEqual([`ops/blocked-without-reason comment issue:${silent.identifier} skipped`]);
    expect(pc.writes).toEqual([]);
  });
});
