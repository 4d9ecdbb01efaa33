// Review 4, FIXED (resumePending: an answered refusal drops any attempt mark, an earlier run's too). Was (7751743, executor.ts resumePending): when the completion's checkout POST gets an answer
// that is not a success, the code drops "the mark" by saving the entry as it was read at the start of this run:
// `if (co.status >= 300) ctx.ledger.set(key, e)`. But `e` may carry the attempt mark of an EARLIER run whose answer
// was lost (a reset before the server got the POST). That mark then survives a definite refusal: the entry keeps
// `attemptedAt`, the completion is `failed` and kept for the next run. If a person then checks the issue out to the
// agent by hand, the next run takes that checkout for clipguard's own: "applied: already checked out again (by an
// earlier run of clipguard, whose answer was lost)", a clipguard.release-checkout entry in the activity log and the
// rule's key set applied.
//
// Why it matters: clipguard credits itself (audit log, the board's activity log) with a write it did not make; the
// mark is meant to say "a POST was sent and its answer maybe lost", and this run's answered refusal proves that the
// earlier lost POST did not land either (the issue was read back in todo).
// Suggested fix: on an answered refusal save the entry WITHOUT attemptedAt
// (`const { attemptedAt: _, ...resume } = e.resume!; ctx.ledger.set(key, { ...e, resume })`), not `e` as read.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runScan } from '../../src/scan.js';
import type { Finding } from '../../src/types.js';
import { actingConfig, faultWorld, halfDoneWorld } from '../helpers/fault-world.js';

const { serve } = faultWorld();

const pending = (fs: Finding[]) => fs.flatMap((f) => f.actions.filter((a) => a.type === 'release-checkout' && /earlier/.test(f.title)).map((a) => `${a.status}: ${a.detail}`));

describe('review4: a lost completion POST, then a refused one, then a checkout by a person', () => {
  it('is not credited to clipguard (failed: the first run\'s attempt mark survives the refusal)', async () => {
    const { agent, w, state, key } = halfDoneWorld();
    const { pc, proxy } = await serve(w);
    const mark = () => (JSON.parse(readFileSync(join(state, 'ledger.json'), 'utf8')) as { entries: Record<string, { resume?: { attemptedAt?: string } }> }).entries[key]?.resume?.attemptedAt;
    // Run 1: the completion's POST is cut before the server gets it (no answer): the mark stays, rightly.
    proxy.decide = (r) => (r.method === 'POST' && /\/checkout$/.test(r.path) ? { kind: 'reset' } : { kind: 'pass' });
    await runScan(actingConfig(proxy.url, { stateDir: state }), { only: ['ops'] });
    expect(w.issues[0].status).toBe('todo');
    expect(mark()).toBeTruthy();
    // Run 2: the issue is still todo (run 1's POST did not land); the server answers this run's POST with a refusal.
    proxy.reset((r) => (r.method === 'POST' && /\/checkout$/.test(r.path) ? { kind: 'status', status: 422, body: '{"error":"blocked"}' } : { kind: 'pass' }));
    const second = pending((await runScan(actingConfig(proxy.url, { stateDir: state }), { only: ['ops'] })).report.findings);
    expect(second).toEqual([expect.stringMatching(/^failed: .*HTTP 422/)]);
    expect(w.issues[0].status).toBe('todo');
    // A person fixes the agent (idle) and checks the issue out to it by hand.
    Object.assign(w.agents[0], { status: 'idle', errorReason: null });
    Object.assign(w.issues[0], { status: 'in_progress', assigneeAgentId: agent.id });
    proxy.reset();
    const activityBefore = pc.writes.filter((x) => /activity/.test(x)).length;
    const third = pending((await runScan(actingConfig(proxy.url, { stateDir: state }), { only: ['ops'] })).report.findings);
    const credited = pc.writes.filter((x) => /activity/.test(x)).length - activityBefore;
    // Fails here: { third: 'applied: ... (by an earlier run of clipguard, whose answer was lost)', credited: 1 }.
    expect({ third, credited }).toEqual({ third: [expect.stringMatching(/^skipped: .*by someone else/)], credited: 0 });
  });
});
