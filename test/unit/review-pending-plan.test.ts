// Review (stop 20), fixed (pending.ts plans from the scan's issue; resumePending frees the rule's key unless it made the re-checkout): the dry-run's plan of a half-done release + re-checkout (src/actions/pending.ts
// pendingFindings) looks at the agent only, never at the issue, while --apply (executor.ts resumePending) first
// re-reads the issue. On an unchanged world where the released issue went to another agent meanwhile (someone
// assigned it by hand after the earlier run stopped), the dry-run says "complete the re-checkout of PRP-1 to
// Agent1" (planned) and --apply says "issue went to another agent meanwhile" (skipped). And when someone checked
// the issue out to the same agent by hand, --apply reports `applied` ("already checked out again") and writes a
// `clipguard.release-checkout` activity entry to Paperclip for a re-checkout clipguard did not make; in that same
// world the rule's own release + re-checkout (planned by the dry-run: the agent in error holds the issue) is then
// skipped as "already done" because the completion wrote `applied` under the same ledger key.
//
// Why it matters: the dry-run promise (planned = applied on an unchanged world); the board's activity log credits
// clipguard with a write it did not make.
// Suggested fix: pendingFindings reads the issue from the scan's subjects (sources.subjects has it) and plans as
// resumePending decides: skipped "went to another agent" / "already checked out again" (and the ledger entry
// cleared as done without an activity entry); the completion's ledger key should not be the rule's action's key.
import { describe, expect, it } from 'vitest';
import { runScan } from '../../src/scan.js';
import type { Finding } from '../../src/types.js';
import { actingConfig, faultWorld, halfDoneState, hoursAgo as ago } from '../helpers/fault-world.js';
import { fakeAgent, fakeCompany, fakeIssue, type FakeWorld } from '../helpers/paperclip-fake.js';

const { serve } = faultWorld();

function halfDone(assignee: 'other' | 'same'): { w: FakeWorld; state: string } {
  const co = fakeCompany();
  const agent = fakeAgent(co.id, 1, { status: 'error', errorReason: 'adapter_failed', createdAt: ago(100), updatedAt: ago(1) });
  const other = fakeAgent(co.id, 2, { status: 'idle', createdAt: ago(100), updatedAt: ago(1) });
  const issue = fakeIssue(co, 1, { title: 'Ship it', status: 'in_progress', priority: 'high', assigneeAgentId: assignee === 'other' ? other.id : agent.id, createdAt: ago(10), updatedAt: ago(0.5) });
  const w: FakeWorld = { company: co, agents: [agent, other], issues: [issue], comments: {}, activity: [] };
  const { state } = halfDoneState(agent, issue, co.id);
  return { w, state };
}

const pending = (fs: Finding[]) => fs.flatMap((f) => f.actions.filter((a) => a.type === 'release-checkout').map((a) => `${a.status}: ${a.detail}`));

describe('a half-done re-checkout whose issue moved on before the scan (review)', () => {
  it('the issue went to another agent: the dry-run does not plan what --apply skips', async () => {
    const { w, state } = halfDone('other');
    const { pc } = await serve(w);
    const dry = pending((await runScan(actingConfig(pc.url, { stateDir: state, apply: false }), { only: ['ops'] })).report.findings);
    const applied = pending((await runScan(actingConfig(pc.url, { stateDir: state }), { only: ['ops'] })).report.findings);
    expect(applied).toEqual([expect.stringMatching(/^skipped: .*issue went to another agent meanwhile$/)]);
    // Fails here: ["planned: complete the re-checkout of PRP-1 to Agent1 that an earlier --apply left half-done ..."].
    expect(dry).toEqual([expect.stringMatching(/^skipped: /)]);
  });

  it('the issue was checked out again by hand: no activity entry credits clipguard with it', async () => {
    const { w, state } = halfDone('same');
    const { pc } = await serve(w);
    const applied = pending((await runScan(actingConfig(pc.url, { stateDir: state }), { only: ['ops'] })).report.findings).filter((x) => x.includes('complete the re-checkout'));
    // Skipped, not applied: clipguard made no re-checkout.
    expect(applied).toEqual([expect.stringMatching(/^skipped: .*already checked out again by someone else: nothing left to complete$/)]);
    // clipguard made no re-checkout for the completion, and credits itself with none: the only writes are the rule's
    // own release + re-checkout of the agent in error holding the issue (the SOP), and that action's one activity entry.
    // (Before the fix: a `clipguard.release-checkout` activity entry for the hand-made checkout, and nothing else.)
    expect(pc.writes.map((x) => x.replace(/[0-9a-f-]{36}/g, '<id>'))).toEqual(['POST /api/issues/<id>/release', 'POST /api/issues/<id>/checkout', 'POST /api/companies/<id>/activity']);
  });

  // The same world seen by the dry-run: the agent in error holds the issue, so ops/error-agent-holding-issue plans
  // its own release + re-checkout of it beside the pending completion; --apply completes the pending entry first
  // (marking the ledger key applied), and the rule's release-checkout is then "already done (idempotency ledger)".
  it('the issue was checked out again by hand: what the dry-run plans is what --apply does', async () => {
    const { w, state } = halfDone('same');
    const { pc } = await serve(w);
    const dry = pending((await runScan(actingConfig(pc.url, { stateDir: state, apply: false }), { only: ['ops'] })).report.findings);
    const applied = pending((await runScan(actingConfig(pc.url, { stateDir: state }), { only: ['ops'] })).report.findings);
    // The rule's own release + re-checkout of the issue (the SOP case: an agent in error holding it).
    const release = (xs: string[]) => xs.find((x) => /^\w+: release PRP-1 and check it out again/.test(x)) ?? '(none)';
    const status = (x: string) => x.split(':')[0];
    expect(status(release(dry))).toBe('planned');
    // Fails here: "skipped: release PRP-1 and check it out again to Agent1: already done at <this run> (idempotency
    // ledger)": the completion marked the rule's ledger key done, so the release the dry-run planned is not made.
    expect(release(applied)).toMatch(/^applied: /);
  });
});
