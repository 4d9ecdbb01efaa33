// Two clipguards (separate state directories: a `watch` and a `checklist --post-issue`, or two watchers) posting the
// day's checklist on its issue at the same moment converge on one comment, as flags and blocked-issue comments do:
// each comment wakes the issue's assignee (a paid run). A stateful fake Paperclip behind the fault proxy plays the
// other process's checklist landing just before this POST. e2e twin: test/e2e/write-races.test.ts.
import { describe, expect, it } from 'vitest';
import { publishChecklist, runChecklist } from '../../src/checklist.js';
import { renderChecklistMarkdown } from '../../src/report/checklist.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { actingConfig, faultWorld, hoursAgo } from '../helpers/fault-world.js';
import { fakeAgent, fakeCompany, fakeId, fakeIssue, type FakeWorld } from '../helpers/paperclip-fake.js';

const { serve } = faultWorld();

function world(): FakeWorld {
  const co = fakeCompany();
  const kit = fakeAgent(co.id, 1, { name: 'Kit', createdAt: hoursAgo(100) });
  const board = fakeIssue(co, 1, { title: 'Daily ops', status: 'todo', priority: 'low', assigneeAgentId: null, createdAt: hoursAgo(50), updatedAt: hoursAgo(50) });
  return { company: co, agents: [kit], issues: [board], comments: { [board.id]: [] }, activity: [] };
}

/** The other process's comment: the board's, `body`, created at `at`. */
const boardComment = (issue: any, body: string, at: number) => ({ id: fakeId(), companyId: issue.companyId, issueId: issue.id, body, authorType: 'user', authorUserId: 'local-board', authorAgentId: null, deletedAt: null, createdAt: new Date(at).toISOString(), updatedAt: new Date().toISOString() });

/** A world with the checklist's issue, served behind the fault proxy, and a config that posts the checklist there. */
async function posting() {
  const w = world();
  const board = w.issues[0];
  const { proxy } = await serve(w);
  const cfg = actingConfig(proxy.url, { apply: false });
  cfg.checklist = { postIssue: board.identifier, postActivity: false };
  return { w, board, proxy, cfg };
}

async function race(other: (body: string, now: number) => { body: string; at: number } | null) {
  const { w, board, proxy, cfg } = await posting();
  let raced = false;
  proxy.decide = (r) => {
    if (raced || r.method !== 'POST' || !/^\/api\/issues\/[^/]+\/comments$/.test(r.path)) return { kind: 'pass' };
    raced = true;
    const o = other(JSON.parse(r.body).body, Date.now());
    return o ? { kind: 'race', before: async () => void w.comments[board.id].push(boardComment(board, o.body, o.at)) } : { kind: 'pass' };
  };
  const c = await runChecklist(cfg);
  const published = await publishChecklist(c, cfg, cfg.checklist);
  const live = () => w.comments[board.id].filter((x) => !x.deletedAt);
  return { w, cfg, c, published, live, board };
}

describe('the daily checklist, posted by two clipguards at the same moment', () => {
  it('the other process posted the same checklist just before: one comment stays, the earliest; this one says it deleted its own', async () => {
    const { published, live, cfg, c, board } = await race((body, now) => ({ body, at: now - 1 }));
    expect(live()).toHaveLength(1);
    expect(live()[0].createdAt < new Date().toISOString()).toBe(true);
    expect(published.ok).toBe(true);
    expect(published.lines).toEqual([expect.stringMatching(/^checklist on PRP-1: posted as comment \S+, then deleted it again: comment \S+, posted at the same moment by another process, says the same$/)]);
    // The audit log has the intent before the write and the outcome naming both comments.
    const audit = readFileSync(join(cfg.stateDir, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(audit.map((e) => e.outcome)).toEqual(['started', 'applied']);
    expect(audit[1].detail).toContain(`comment ${live()[0].id}, posted at the same moment`);
    // Idempotent across runs: the next publication finds the one left and posts nothing.
    const again = await publishChecklist(c, cfg, cfg.checklist);
    expect(again.lines).toEqual([`the checklist was already on ${board.identifier} (comment ${live()[0].id})`]);
    expect(live()).toHaveLength(1);
  });

  it('the other process posted later: this one stays, nothing deleted (that one deletes its own)', async () => {
    const { published, live } = await race((body, now) => ({ body, at: now + 60_000 }));
    expect(live()).toHaveLength(2);
    expect(published.lines).toEqual([expect.stringMatching(/^checklist posted on PRP-1 \(comment \S+\)$/)]);
  });

  it('the checklist posted just before says something else: this one is news and stays', async () => {
    // Another process's checklist of the same day with another substance (it saw an agent in error).
    const { published, live } = await race((body, now) => ({ body: body.replace(/<!-- clipguard-checklist [0-9a-f]+ -->/, `<!-- clipguard-checklist ${'0'.repeat(32)} -->`), at: now - 1 }));
    expect(live()).toHaveLength(2);
    expect(published.lines).toEqual([expect.stringMatching(/^checklist posted on PRP-1 \(comment \S+\)$/)]);
  });

  it('the same checklist posted earlier, then another, then this one: X, Y, X again is news, not a duplicate', async () => {
    const { w, board, cfg } = await posting();
    const c = await runChecklist(cfg);
    const x = renderChecklistMarkdown(c);
    const y = x.replace(/<!-- clipguard-checklist [0-9a-f]+ -->/, `<!-- clipguard-checklist ${'0'.repeat(32)} -->`);
    // The earlier X said the same in other figures (its text differs: postCommentOnce takes an identical text for an earlier post of this one).
    w.comments[board.id].push(boardComment(board, x.replace('|\n', '| (a cent less)\n'), Date.now() - 3_000), boardComment(board, y, Date.now() - 2_000));
    const published = await publishChecklist(c, cfg, cfg.checklist);
    expect(published.lines).toEqual([expect.stringMatching(/^checklist posted on PRP-1 \(comment \S+\)$/)]);
    expect(w.comments[board.id].filter((k) => !k.deletedAt)).toHaveLength(3);
  });

  it('an agent\'s comment with the same text posted just before is not taken for the checklist: this one stays', async () => {
    const { w, board, proxy, cfg } = await posting();
    let raced = false;
    proxy.decide = (r) => {
      if (raced || r.method !== 'POST' || !/\/comments$/.test(r.path)) return { kind: 'pass' };
      raced = true;
      const forged = { ...boardComment(board, JSON.parse(r.body).body, Date.now() - 1), authorType: 'agent', authorUserId: null, authorAgentId: w.agents[0].id };
      return { kind: 'race', before: async () => void w.comments[board.id].push(forged) };
    };
    const c = await runChecklist(cfg);
    const p = await publishChecklist(c, cfg, cfg.checklist);
    expect(p.lines).toEqual([expect.stringMatching(/^checklist posted on PRP-1 \(comment \S+\)$/)]);
    expect(w.comments[board.id].filter((k) => !k.deletedAt)).toHaveLength(2);
  });

  it('the read after posting fails (a 503): the checklist is posted all the same, said applied, with what is not known', async () => {
    const { w, board, proxy, cfg } = await posting();
    let posted = false;
    proxy.decide = (r) => {
      if (r.method === 'POST' && /\/comments$/.test(r.path)) posted = true;
      return posted && r.method === 'GET' && /\/comments/.test(r.path) ? { kind: 'status', status: 503, body: '{"error":"busy"}' } : { kind: 'pass' };
    };
    const p = await publishChecklist(await runChecklist(cfg), cfg, cfg.checklist);
    expect(p.ok).toBe(true);
    expect(p.lines).toEqual([expect.stringMatching(/^checklist posted on PRP-1 \(comment \S+\); whether another process posted it at the same moment is not known \(.*503/)]);
    expect(w.comments[board.id].filter((k) => !k.deletedAt)).toHaveLength(1);
  });
});
