// Review 5, FIXED (ledger.ts: after a takeover a save merges only this process's changes into the file as it is). What is wrong (executor.ts resumePending, the save after the completion's POST; ledger.ts Ledger.save
// writes the whole in-memory map read at the run's start): a run whose state lock is taken over while its completion
// POST is in flight (or, since 7fe7206 "after the mark only an unsaved mark stops the POST", right after it saved
// the attempt mark: it no longer stops there) makes the POST and then saves the ledger
// (`ctx.ledger.set(key, { status: 'applied' })`) without asking whether it still holds the lock (stopReason would
// say it does not). Ledger.save writes this process's whole map: every entry that the process which took the lock
// over saved meanwhile is erased. (The same save follows any in-flight action of the main loop, perform(); this is
// the completion path that 7fe7206 made reach it from a lost lock known before the POST.)
//
// Scenario: run 1 (a frozen `scan --apply`, or a watch whose lock went stale) completes a half-done re-checkout;
// while its POST is in flight another process takes the lock over and, doing its own release + re-checkout of
// another agent's issue, saves that action's `partial` entry (the issue released, its re-checkout pending: the only
// record that the issue was left without its agent). Run 1's POST returns and its ledger save erases that entry.
//
// Why it matters: "a second process ... the ledger must never lose an entry that still matters": the other
// process's half-done release is forgotten, and its issue stays released for good (no pending completion, and the
// rule no longer sees the agent holding it). The lock exists because "two writers would lose entries" (lock.ts).
// Suggested fix: a run that lost the lock writes no more to the ledger (its mark, on disk, already tells the next
// run that the re-checkout it finds is clipguard's own: it records it then): `if (out.status === 'applied' &&
// !stopReason(ctx))` before the set (checked: this test then passes), and the same in perform(); or Ledger.save
// merging only this process's changed keys into the file as read at save time.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScan } from '../../src/scan.js';
import { actingConfig, faultWorld, halfDoneWorld, hoursAgo } from '../helpers/fault-world.js';
import { fakeAgent, fakeIssue } from '../helpers/paperclip-fake.js';

const { serve } = faultWorld();

describe('review5: the state lock taken over right after a completion saved its mark', () => {
  it("the other process's entries saved meanwhile stay in the ledger (fails: run 1's ledger save after its POST erases them)", async () => {
    const { co, w, state, key } = halfDoneWorld();
    // The other process's own half-done release + re-checkout: another agent's issue, released, not checked out again.
    const agent2 = fakeAgent(co.id, 2, { status: 'error', errorReason: 'adapter_failed', createdAt: hoursAgo(100), updatedAt: hoursAgo(1) });
    const issue2 = fakeIssue(co, 2, { title: 'Other', status: 'todo', assigneeAgentId: null, createdAt: hoursAgo(10), updatedAt: hoursAgo(0.1) });
    w.agents.push(agent2);
    w.issues.push(issue2);
    const { pc, proxy } = await serve(w);
    const file = join(state, 'ledger.json');
    const read = () => JSON.parse(readFileSync(file, 'utf8')) as { entries: Record<string, { status: string; resume?: { attemptedAt?: string } }> };
    const key2 = ['release-checkout', agent2.id, issue2.id, ''].join(':');
    let takenOver = false;
    // While run 1's completion POST is in flight (its intent and mark saved), another process takes the lock over and
    // saves its own partial entry (its release made, its re-checkout pending).
    proxy.decide = (r) =>
      r.method === 'POST' && r.path === `/api/issues/${w.issues[0].id}/checkout` && !takenOver
        ? {
            kind: 'race',
            before: async () => {
              expect(read().entries[key]?.resume?.attemptedAt).toBeTruthy();
              takenOver = true;
              const l = read();
              l.entries[key2] = { status: 'partial', at: new Date().toISOString(), resume: { type: 'checkout-after-release', params: { agentId: agent2.id, issueId: issue2.id, identifier: issue2.identifier, stopCents: null, companyId: co.id }, rule: 'ops/error-agent-holding-issue', target: `issue:${issue2.identifier}`, fingerprint: 'fp2', attemptedAt: new Date().toISOString() } } as never;
              writeFileSync(file, JSON.stringify(l));
            },
          }
        : { kind: 'pass' };
    const lock = { lostTo: () => (takenOver ? 'lost the state lock to pid 4242 (watch)' : null) };
    await runScan(actingConfig(proxy.url, { stateDir: state }), { only: ['ops'], lock });
    expect(takenOver).toBe(true);
    // Fails here: run 1 (which knew it had lost the lock) saved its own map after its POST: the other process's entry is gone.
    expect(read().entries[key2]?.status).toBe('partial');
    // And run 1's own completion is recorded beside it (merged into the file as the new holder left it).
    expect(read().entries[key]?.status).toBe('applied');
    expect(pc.writes.filter((x) => /checkout$/.test(x))).toHaveLength(1);
  });
});
