// Review 3, FIXED (executor.ts resumePending / planner.ts skipCompleted). Was: Since 7c416f6 resumePending (src/actions/executor.ts ~line 327) adds every shown completion to
// ctx.settled before it knows whether it will record an outcome, and the loop then passes it by. Three paths settle
// it and record nothing: the agent running at the re-read (`report(skip(...)); continue`: no audit line), a completion
// the plan showed skipped (`!shownPlanned ... continue`), and a stop between the intent and the POST (`return` after
// audited()/the attempt mark failed: the --apply report keeps the action `planned`). Before 7c416f6 the loop recorded
// the first two as the planner's skip (plannerKey, once per reason), as it records every other planner decision not
// to act ("decisions too: recorded as skipped"). Here: the agent is running at the scan; the dry-run and --apply both
// show "complete the re-checkout ...: running now: kept for a later run", and the audit log has no line for it.
//
// Why it matters: an --apply whose report says skipped leaves no trace of that decision in the audit log (an
// operator reading audit.jsonl for why PRP-1 stayed unassigned finds nothing), and in the stop case the --apply
// report shows as planned a write that was never made.
// Suggested fix: add to ctx.settled only where resumePending records the outcome itself (the audited() paths);
// elsewhere leave the action to the loop (set its status/detail and let the planner-skip path record it once), and
// on the `return` paths mark the shown action skipped with stopReason(ctx).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScan } from '../../src/scan.js';
import type { Finding } from '../../src/types.js';
import { actingConfig, faultWorld, halfDoneWorld } from '../helpers/fault-world.js';

const { serve } = faultWorld();

const pending = (fs: Finding[]) => fs.flatMap((f) => f.actions.filter((a) => a.type === 'release-checkout').map((a) => `${a.status}: ${a.detail}`));

describe('review3: a pending completion skipped by --apply', () => {
  it('is recorded in the audit log (fails: the report says skipped, the audit log has no line)', async () => {
    const { w, state } = halfDoneWorld({ agent: { status: 'running', errorReason: null } });
    const { pc } = await serve(w);
    const applied = pending((await runScan(actingConfig(pc.url, { stateDir: state }), { only: ['ops'] })).report.findings);
    expect(applied).toEqual([expect.stringMatching(/^skipped: complete the re-checkout .*running now/)]);
    const file = join(state, 'audit.jsonl');
    const audit = (existsSync(file) ? readFileSync(file, 'utf8') : '').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { action: string; outcome: string });
    // Fails here: no release-checkout line at all (no audit log: nothing was recorded by the run).
    expect(audit.filter((e) => e.action === 'release-checkout').map((e) => e.outcome)).toEqual(['skipped']);
  });
});
