// Review 3, FIXED (executor.ts resumePending / planner.ts skipCompleted). Was: In resumePending (src/actions/executor.ts, after `ctx.ledger.set(key, {... attemptedAt })`) the
// guard `if (stopReason(ctx)) return; // the mark could not be saved` also fires for every other stop: the kill
// switch turned on, the run abandoned (signal), the state lock lost. It fires AFTER the intent was audited and the
// attempt mark was saved, and BEFORE the POST. Then (1) the completion's action was already added to ctx.settled,
// so the loop does not record it either: the --apply report keeps it `planned` and the audit log holds a `started`
// intent with no outcome; (2) the ledger entry carries attemptedAt for a checkout that was never POSTed, so if a
// person later checks the issue out to the agent, the next run credits clipguard with it ("by an earlier run of
// clipguard, whose answer was lost": activity entry, key applied). Here the kill switch is turned on while the
// completion re-reads the agent (the kill switch is the operator's "stop now": it must stop cleanly).
//
// Why it matters: the audit log promises an outcome for every intent; the report under --apply must not show as
// planned a write that was not made; the mark must mean "POST sent".
// Suggested fix: check stopReason(ctx) before the intent and the mark (as the loop does: stop → skip(stop),
// recorded), and after the mark return only on a ledger write error, clearing nothing; on any return after
// settled.add, set the shown action to skip(stopReason) so the report and audit say why.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KILL_SWITCH_FILE } from '../../src/actions/executor.js';
import { runScan } from '../../src/scan.js';
import type { Finding } from '../../src/types.js';
import { actingConfig, faultWorld, halfDoneWorld } from '../helpers/fault-world.js';

const { serve } = faultWorld();

const pending = (fs: Finding[]) => fs.flatMap((f) => f.actions.filter((a) => a.type === 'release-checkout' && /earlier/.test(f.title)).map((a) => a.status));

describe('review3: the kill switch turned on while a pending completion re-reads its agent', () => {
  it('stops it cleanly: skipped, recorded, no attempt mark (fails: left planned, intent without outcome, marked attempted)', async () => {
    const { agent, issue, w, state, key } = halfDoneWorld();
    const { pc, proxy } = await serve(w);
    // The scan's reads are done by the time the executor's issue re-read comes: the agent's re-read turns the switch on.
    let reread = false;
    proxy.decide = (r) => {
      if (r.method === 'GET' && r.path.endsWith(`/issues/${issue.id}`)) reread = true;
      return reread && r.method === 'GET' && r.path.endsWith(`/agents/${agent.id}`) ? { kind: 'race', before: async () => writeFileSync(join(state, KILL_SWITCH_FILE), '') } : { kind: 'pass' };
    };
    const writes = pc.writes.length;
    const applied = pending((await runScan(actingConfig(proxy.url, { stateDir: state }), { only: ['ops'] })).report.findings);
    expect(existsSync(join(state, KILL_SWITCH_FILE))).toBe(true);
    expect(pc.writes.length).toBe(writes); // no checkout made: the switch did stop the write
    const file = join(state, 'audit.jsonl');
    const audit = (existsSync(file) ? readFileSync(file, 'utf8') : '').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { action: string; outcome: string });
    const entry = (JSON.parse(readFileSync(join(state, 'ledger.json'), 'utf8')) as { entries: Record<string, { resume?: { attemptedAt?: string } }> }).entries[key];
    const outcomes = audit.filter((e) => e.action === 'release-checkout').map((e) => e.outcome);
    // Fails here: { leftPlanned: true, intentWithoutOutcome: true, marked: true }.
    expect({ leftPlanned: applied.includes('planned'), intentWithoutOutcome: outcomes.at(-1) === 'started', marked: Boolean(entry?.resume?.attemptedAt) }).toEqual({ leftPlanned: false, intentWithoutOutcome: false, marked: false });
  });
});
