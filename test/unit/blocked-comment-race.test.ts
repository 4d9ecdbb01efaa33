// Two clipguards (separate state directories: the live guard and a `watch`) asking for the blocker of one issue at the
// same moment converge on one comment, as flags and redacted copies do: each comment wakes the assignee (a paid run).
// A stateful fake Paperclip behind the fault proxy plays the other process's comment landing just before this POST.
import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/load.js';
import { runScan } from '../../src/scan.js';
import { actingConfig, faultWorld, hoursAgo } from '../helpers/fault-world.js';
import { fakeCompany, fakeId, fakeIssue, type FakeWorld } from '../helpers/paperclip-fake.js';

const { serve } = faultWorld();
const TEXT = 'Ops here: what does this wait for?';
const overrides = { 'ops/blocked-without-reason': { params: { comment: TEXT } } } as Config['rules']['overrides'];

async function race(otherAt: (now: number) => number) {
  const co = fakeCompany();
  const issue = fakeIssue(co, 1, { title: 'Blocked, nobody says why', status: 'blocked', createdAt: hoursAgo(9), updatedAt: hoursAgo(8), blockedTransitionAt: hoursAgo(8) });
  const w: FakeWorld = { company: co, agents: [], issues: [issue], comments: { [issue.id]: [] }, activity: [] };
  const { proxy } = await serve(w);
  let raced = false;
  proxy.decide = (r) => {
    if (r.method !== 'POST' || r.path !== `/api/issues/${issue.id}/comments` || raced) return { kind: 'pass' };
    raced = true;
    const other = { id: fakeId(), companyId: co.id, issueId: issue.id, body: TEXT, authorType: 'user', authorUserId: 'local-board', authorAgentId: null, deletedAt: null, createdAt: new Date(otherAt(Date.now())).toISOString(), updatedAt: new Date().toISOString() };
    return { kind: 'race', before: async () => void w.comments[issue.id].push(other) };
  };
  const r = await runScan(actingConfig(proxy.url, { overrides }), { only: ['ops/blocked-without-reason'] });
  const live = w.comments[issue.id].filter((c) => !c.deletedAt);
  return { live, detail: r.report.findings.flatMap((f) => f.actions.map((a) => `${a.status}: ${a.detail}`)) };
}

describe('the blocked-issue comment, asked by two clipguards at the same moment', () => {
  it('one comment stays, the one posted first; this process deletes its own and says so', async () => {
    const { live, detail } = await race((now) => now - 1);
    expect(live.map((c) => c.body)).toEqual([TEXT]);
    expect(live[0].authorUserId).toBe('local-board');
    expect(detail).toEqual([expect.stringMatching(/^applied: .*then deleted it again: comment .*, posted at the same moment by another process, asks already$/)]);
  });

  it('the other process posted later: this comment stays, nothing deleted (that one deletes its own)', async () => {
    const { live, detail } = await race((now) => now + 60_000);
    expect(live).toHaveLength(2);
    expect(detail).toEqual(['applied: comment on PRP-1 asking for the blocker: asked for the blocker in a comment']);
  });
});
