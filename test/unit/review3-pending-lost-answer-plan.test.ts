// Review 3, FIXED (executor.ts resumePending / planner.ts skipCompleted). Was: After 49bb1a3, a completion whose answer an earlier run lost is recorded as clipguard's own: the
// executor (resumePending) sets the rule's ledger key `applied`, and the rule's own release-checkout of the same agent
// and issue (ops/error-agent-holding-issue: the agent still in error, holding the issue clipguard checked out to it
// again) is then skipped by perform() "already done (idempotency ledger)". The dry-run does not know that: pending.ts
// plans the completion ("record the re-checkout ... whose answer was lost"), and the planner's skipDone reads the
// rule's key as `partial` (not applied), skipRepeats runs over the scan's findings only (not limits.pending), and the
// simulation's release-checkout does not look at world.handed. So the dry-run shows "release PRP-1 and check it out
// again" planned, and --apply on the unchanged world skips it.
//
// Why it matters: the dry-run promise (every planned action is what --apply does on an unchanged world).
// Suggested fix: in planActions, treat the key of a planned pending completion (its RESUME_KEY) as applied for
// skipDone (e.g. a LedgerView that answers `applied` for the RESUME_KEYs of limits.pending actions whose status is
// planned), or let skipRepeats see the pending actions and match a rule action whose ledgerKey equals a pending
// action's RESUME_KEY: "done by the completion of the half-done re-checkout".
import { describe, expect, it } from 'vitest';
import { runScan } from '../../src/scan.js';
import type { Finding } from '../../src/types.js';
import { actingConfig, faultWorld, halfDoneWorld } from '../helpers/fault-world.js';

const { serve } = faultWorld();

const actions = (fs: Finding[]) => fs.flatMap((f) => f.actions.filter((a) => a.type === 'release-checkout').map((a) => `${f.ruleId} ${/earlier/.test(f.title) ? 'completion' : 'rule'}: ${a.status}`)).sort();

describe('review3: the dry-run after a lost completion answer', () => {
  it('shows what --apply then does (fails: plans the rule\'s release + re-checkout, which --apply skips as already done)', async () => {
    const { w, state } = halfDoneWorld();
    const { pc, proxy } = await serve(w);
    // Run 1: the completion's checkout is made by the server, its answer lost (attemptedAt marked).
    proxy.decide = (r) => (r.method === 'POST' && /\/checkout$/.test(r.path) ? { kind: 'reset-after-forward' } : { kind: 'pass' });
    await runScan(actingConfig(proxy.url, { stateDir: state }), { only: ['ops'] });
    expect(w.issues[0].status).toBe('in_progress');
    expect(w.agents[0].status).toBe('error'); // the agent is still in error, holding the issue: the rule fires
    proxy.reset();
    // Run 2: the dry-run. Run 3: --apply on the same world (the dry-run writes nothing).
    const writes = pc.writes.length;
    const dry = actions((await runScan(actingConfig(proxy.url, { stateDir: state, apply: false }), { only: ['ops'] })).report.findings);
    expect(pc.writes.length).toBe(writes);
    const applied = actions((await runScan(actingConfig(proxy.url, { stateDir: state }), { only: ['ops'] })).report.findings);
    // What --apply does: the completion recorded (applied), the rule's release-checkout skipped as done.
    expect(applied).toEqual(['ops/error-agent-holding-issue completion: applied', 'ops/error-agent-holding-issue rule: skipped']);
    // Fails here: the dry-run shows the rule's release-checkout planned.
    expect(dry.map((x) => x.replace(/: planned$/, ': applied'))).toEqual(applied);
  });
});
