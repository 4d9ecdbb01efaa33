// Review 6, FIXED (ledger.ts: `changed` cleared after each save, and every save merges). What was wrong (src/actions/ledger.ts Ledger.save / mergedIntoFile, commit daf620e): after a takeover of
// the state lock, a save merges `changed` into the file as it is now, but `changed` holds EVERY key this process set
// or deleted since its start, also those it changed (and saved, whole map) while it still held the lock. So a key
// this process touched before the takeover and the new holder touched after it is put back to this process's old
// value: a delete erases the new holder's entry, a set overwrites it.
//
// Scenario (runScan --apply, the lock given a lostTo): the ledger holds two half-done re-checkouts. The first (agent
// 2's issue, its entry saved before a release whose answer was an error: `releaseSentAt`) finds the issue still in
// progress with its agent: `done`, run 1 deletes the entry (saved while it holds the lock). The second's completion
// POST is in flight when another process takes the lock over and, releasing agent 2's issue again (the agent is in
// error holding it), saves that release's `partial` entry under the same key (the rule's own key). Run 1's POST
// returns; its save after the POST merges `changed` = {first key: deleted, second key: applied} into the file and
// deletes the new holder's entry. Should the new holder's checkout then be answered 5xx or lost (it keeps its mark
// and saves nothing more for that key: release-checkout.ts), or should it die there, the issue is left released
// with no record, unless the new holder happens to save its ledger again later in its run (it writes its whole map,
// which still holds the entry): so the loss is for good when that action was its last ledger write, or it died.
// The same root cause overwrites an entry the new holder changed with this run's older value (a mark it saved before
// the takeover over the new holder's `applied`: the next run records and posts the re-checkout again).
//
// Why it matters: "the ledger never loses an entry that still matters (a released issue must never be left
// without a record)", after a second process took the lock: exactly what daf620e set out to fix, for any key this
// run touched before the takeover (a deleted pending entry, a pause, a planner decision: all rewritten stale).
// Suggested fix: the merge writes only what changed since this process last wrote its whole map while holding the
// lock: clear `changed` after each save that wrote `this.entries` (lostTo() null), so that after a takeover only
// the keys changed since are merged. (Checked: with `this.changed.clear()` after a whole-map write this test passes.)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScan } from '../../src/scan.js';
import { actingConfig, faultWorld, halfDoneWorld, hoursAgo } from '../helpers/fault-world.js';
import { fakeAgent, fakeIssue } from '../helpers/paperclip-fake.js';

const { serve } = faultWorld();

describe('review6: the merge after a takeover re-applies changes made before it', () => {
  it("a key deleted before the takeover and saved again by the new holder after it stays (fails: run 1's merge deletes it)", async () => {
    const { co, w, state, key } = halfDoneWorld();
    // Agent 2, in error, still holding its issue: an earlier run's release of it was answered 500 and not made.
    const agent2 = fakeAgent(co.id, 2, { status: 'error', errorReason: 'adapter_failed', createdAt: hoursAgo(100), updatedAt: hoursAgo(1) });
    const issue2 = fakeIssue(co, 2, { title: 'Other', status: 'in_progress', assigneeAgentId: agent2.id, createdAt: hoursAgo(10), updatedAt: hoursAgo(2), startedAt: hoursAgo(2) });
    w.agents.push(agent2);
    w.issues.push(issue2);
    const file = join(state, 'ledger.json');
    const read = () => JSON.parse(readFileSync(file, 'utf8')) as { entries: Record<string, { status: string; at?: string; resume?: Record<string, unknown> }> };
    const key2 = ['release-checkout', agent2.id, issue2.id, ''].join(':');
    const resume2 = { type: 'checkout-after-release', params: { agentId: agent2.id, issueId: issue2.id, identifier: issue2.identifier, stopCents: null, companyId: co.id }, rule: 'ops/error-agent-holding-issue', target: `issue:${issue2.identifier}`, fingerprint: 'fp2' };
    const l0 = read();
    // Agent 2's entry first: run 1 settles it before the completion of the other.
    writeFileSync(file, JSON.stringify({ version: 1, entries: { [key2]: { status: 'partial', at: hoursAgo(2), resume: { ...resume2, releaseSentAt: hoursAgo(2) } }, ...l0.entries } }));
    const { pc, proxy } = await serve(w);
    let takenOver = false;
    proxy.decide = (r) =>
      r.method === 'POST' && r.path === `/api/issues/${w.issues[0].id}/checkout` && !takenOver
        ? {
            kind: 'race',
            before: async () => {
              // Run 1 has settled agent 2's entry (the issue still with its agent): deleted, while it held the lock.
              expect(read().entries[key2]).toBeUndefined();
              takenOver = true;
              // The new holder releases agent 2's issue (still in error holding it) and saves its partial entry; its
              // re-checkout is then in flight.
              const l = read();
              l.entries[key2] = { status: 'partial', at: new Date().toISOString(), resume: { ...resume2, attemptedAt: new Date().toISOString() } };
              writeFileSync(file, JSON.stringify(l));
            },
          }
        : { kind: 'pass' };
    const lock = { lostTo: () => (takenOver ? 'lost the state lock to pid 4242 (watch)' : null) };
    await runScan(actingConfig(proxy.url, { stateDir: state }), { only: ['ops'], lock });
    expect(takenOver).toBe(true);
    expect(pc.writes.filter((x) => /checkout$/.test(x))).toHaveLength(1);
    // Run 1's own completion is merged in (daf620e).
    expect(read().entries[key]?.status).toBe('applied');
    // Fails here: run 1's merge re-applied its delete of key2 (made before the takeover) over the new holder's entry.
    expect(read().entries[key2]?.status).toBe('partial');
  });
});
