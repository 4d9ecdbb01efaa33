// Review 3, FIXED (executor.ts resumePending / planner.ts skipCompleted). Was: resumePending (src/actions/executor.ts, the `attemptedAt` mark before the POST, 49bb1a3) keeps the
// mark when the POST got a definite refusal: `fail(HTTP 4xx)` → `continue` leaves the partial entry with attemptedAt
// set. The mark is meant for a LOST answer (the write may have been made); here the server answered that it did not
// make it. If a person then checks the issue out to the same agent by hand, the next run takes that checkout for
// clipguard's own: it reports "applied: already checked out again (by an earlier run of clipguard ...)", writes a
// clipguard.release-checkout activity entry crediting clipguard with the person's write, and sets the rule's key
// applied (the rule's own release + re-checkout of that agent is then skipped as "already done" for the ledger TTL).
//
// Why it matters: the audit log and the board's activity log say clipguard made a write it did not make.
// Suggested fix: when the checkout POST returns any HTTP answer that is not a success (the server answered: nothing
// lost), clear `attemptedAt` again (save the entry without it) before `continue`; keep it only on the catch path
// (no answer: reset, timeout).
import { describe, expect, it } from 'vitest';
import { runScan } from '../../src/scan.js';
import type { Finding } from '../../src/types.js';
import { actingConfig, faultWorld, halfDoneWorld } from '../helpers/fault-world.js';

const { serve } = faultWorld();

const pending = (fs: Finding[]) => fs.flatMap((f) => f.actions.filter((a) => a.type === 'release-checkout' && /earlier/.test(f.title)).map((a) => `${a.status}: ${a.detail}`));

describe('review3: a pending re-checkout the server refused, then made by a person', () => {
  it('is not credited to clipguard (fails: "by an earlier run of clipguard, whose answer was lost")', async () => {
    const { agent, w, state } = halfDoneWorld();
    const { proxy } = await serve(w);
    // Run 1: the server refuses the completion's checkout (a definite answer: not made).
    proxy.decide = (r) => (r.method === 'POST' && /\/checkout$/.test(r.path) ? { kind: 'status', status: 422, body: '{"error":"blocked"}' } : { kind: 'pass' });
    const first = pending((await runScan(actingConfig(proxy.url, { stateDir: state }), { only: ['ops'] })).report.findings);
    expect(first).toEqual([expect.stringMatching(/^failed: .*HTTP 422/)]);
    expect(w.issues[0].status).toBe('todo');
    // A person checks the issue out to the agent by hand.
    Object.assign(w.issues[0], { status: 'in_progress', assigneeAgentId: agent.id });
    proxy.reset();
    const second = pending((await runScan(actingConfig(proxy.url, { stateDir: state }), { only: ['ops'] })).report.findings);
    // Fails here: 'applied: ... already checked out again (by an earlier run of clipguard, whose answer was lost)'.
    expect(second).toEqual([expect.stringMatching(/^skipped: .*by someone else/)]);
  });
});
