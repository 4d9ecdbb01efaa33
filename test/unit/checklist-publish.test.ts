// The daily checklist, published on an issue of a recorded Paperclip with state (test/helpers/paperclip-fake.ts):
// posted again only when its substance changes (an item's status, the findings behind it), not when a figure
// in its text moves (a spend, a forecast, by a cent); and the issue it is posted on is clipguard's, never work
// ops/idle-agent-backlog hands to an agent.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { publishChecklist, runChecklist } from '../../src/checklist.js';
import { checklistSubstance } from '../../src/report/checklist.js';
import { loadConfig, type Config } from '../../src/config/load.js';
import { runScan } from '../../src/scan.js';
import { tempDir } from '../helpers/cli.js';
import { fakeAgent, fakeCompany, fakeIssue, serveFakePaperclip, type FakePaperclip, type FakeWorld } from '../helpers/paperclip-fake.js';

const servers: FakePaperclip[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
const ago = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();

function world(): FakeWorld {
  const co = fakeCompany({ budgetMonthlyCents: 100_000, spentMonthlyCents: 850 });
  // 85% of its budget: a budget warning, whose figures (spend, forecast) are in the checklist's text.
  const kit = fakeAgent(co.id, 1, { name: 'Kit', budgetMonthlyCents: 1000, spentMonthlyCents: 850, createdAt: ago(100) });
  const board = fakeIssue(co, 1, { title: 'Daily ops', status: 'todo', priority: 'low', assigneeAgentId: null, createdAt: ago(50), updatedAt: ago(50) });
  return { company: co, agents: [kit], issues: [board], comments: {}, activity: [] };
}

function config(url: string, postIssue: string | null): Config {
  const c = loadConfig(tempDir(), { noConfigFile: true, paperclip: url }, {});
  Object.assign(c.paperclip, { retries: 0, timeoutMs: 5_000 });
  c.repos = [];
  c.stateDir = join(tempDir(), 'state');
  c.checklist = { postIssue, postActivity: false };
  return c;
}

describe('the checklist on its issue', () => {
  it('is not posted again when only a figure changed (a cent more spent); it is when an item changes', async () => {
    const w = world();
    const pc = await serveFakePaperclip(w);
    servers.push(pc);
    const board = w.issues[0];
    const cfg = config(pc.url, board.identifier);
    const posted = () => (w.comments[board.id] ?? []).filter((c) => !c.deletedAt);

    const first = await runChecklist(cfg);
    expect((await publishChecklist(first, cfg, cfg.checklist)).lines).toEqual([expect.stringContaining(`checklist posted on ${board.identifier}`)]);
    expect(posted()).toHaveLength(1);

    // A cent more: the spend and the forecast in the text move, nothing else.
    w.agents[0].spentMonthlyCents = 851;
    w.company.spentMonthlyCents = 851;
    const second = await runChecklist(cfg);
    expect(second.items.find((i) => i.n === 3)!.detail).not.toBe(first.items.find((i) => i.n === 3)!.detail);
    expect(checklistSubstance(second)).toBe(checklistSubstance(first));
    expect((await publishChecklist(second, cfg, cfg.checklist)).lines).toEqual([expect.stringContaining(`the checklist was already on ${board.identifier}`)]);
    expect(posted()).toHaveLength(1);

    // Kit goes into error: item 1 fails. That is news.
    Object.assign(w.agents[0], { status: 'error', errorReason: 'adapter_failed' });
    const third = await runChecklist(cfg);
    expect(third.items.find((i) => i.n === 1)!.status).toBe('fail');
    expect((await publishChecklist(third, cfg, cfg.checklist)).lines).toEqual([expect.stringContaining(`checklist posted on ${board.identifier}`)]);
    expect(posted()).toHaveLength(2);
  });

  it("the checklist's issue (checklist.postIssue, by identifier or id) is not assignable work; other issues still are", async () => {
    const w = world();
    const pc = await serveFakePaperclip(w);
    servers.push(pc);
    const board = w.issues[0];
    const idle = async (postIssue: string | null) => (await runScan(config(pc.url, postIssue), { only: ['ops/idle-agent-backlog'] })).report.findings.map((f) => f.message);
    expect(await idle(null)).toEqual([expect.stringContaining(`next: ${board.identifier}`)]);
    expect(await idle(board.identifier)).toEqual([]);
    expect(await idle(board.id)).toEqual([]);
    w.issues.push(fakeIssue(w.company, 2, { title: 'Real work', status: 'todo', priority: 'high', assigneeAgentId: null, createdAt: ago(5), updatedAt: ago(5) }));
    expect(await idle(board.identifier)).toEqual([expect.stringMatching(/1 assignable issue\(s\) wait; next: PRP-2 /)]);
  });
});

describe('the checklist on its issue: who wrote the earlier one (review regressions)', () => {
  // An agent on the issue posts a checklist of its own with the substance marker the real one will carry
  // (statuses and fingerprints: computable from what it reads) and ✅ everywhere: the real one must still be posted.
  it('a checklist comment an agent wrote is not clipguard\'s: the real one is posted', async () => {
    const w = world();
    const pc = await serveFakePaperclip(w);
    servers.push(pc);
    const board = w.issues[0];
    const cfg = config(pc.url, board.identifier);
    const c = await runChecklist(cfg);
    const forged = `## clipguard daily checklist — ${c.date.slice(0, 10)}\n\nall ✅\n\n<!-- clipguard-checklist ${checklistSubstance(c)} -->\n`;
    const at = new Date().toISOString();
    w.comments[board.id] = [{ id: 'c-forged', companyId: w.company.id, issueId: board.id, body: forged, authorType: 'agent', authorAgentId: w.agents[0].id, authorUserId: null, deletedAt: null, createdAt: at, updatedAt: at } as never];
    expect((await publishChecklist(c, cfg, cfg.checklist)).lines).toEqual([expect.stringContaining(`checklist posted on ${board.identifier}`)]);
  });
});
