// Two clipguards (separate state directories: a `watch` and a `scan --apply`) asking the board to approve one routine
// at the same moment. Paperclip 2026.916.1 has no route to withdraw or cancel an approval request (approve, reject
// and request-revision are the board's decisions, resubmit reopens one the board sent back), so the later request
// cannot go again as a duplicate comment does: it says in a comment whose duplicate it is, and a rejected duplicate
// does not take the board's approval back (standingRequest). Was: the newest request decided, so a board that
// approved the first and rejected the second as a duplicate had its routine paused again by the next run.
// A stateful fake Paperclip behind the fault proxy plays the other process's request; e2e twin:
// test/e2e/write-races.test.ts.
import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/load.js';
import { runScan } from '../../src/scan.js';
import { standingRequest } from '../../src/facts/routine.js';
import { actingConfig, agentRoutineWorld, faultWorld } from '../helpers/fault-world.js';
import { fakeId } from '../helpers/paperclip-fake.js';

const { serve } = faultWorld();
const RULE = 'ops/routine-without-approval';
const overrides = { [RULE]: { action: { enabled: true } } } as Config['rules']['overrides'];

async function race(otherAt: (now: number) => number) {
  const { co, routine, w } = agentRoutineWorld();
  const { proxy } = await serve(w);
  let other: any = null;
  proxy.decide = (r) => {
    if (other || r.method !== 'POST' || r.path !== `/api/companies/${co.id}/approvals`) return { kind: 'pass' };
    const b = JSON.parse(r.body);
    other = { id: fakeId(), companyId: co.id, type: b.type, requestedByAgentId: null, requestedByUserId: 'local-board', status: 'pending', payload: b.payload, decisionNote: null, decidedByUserId: null, decidedAt: null, createdAt: new Date(otherAt(Date.now())).toISOString(), updatedAt: new Date().toISOString() };
    return { kind: 'race', before: async () => void w.approvals!.push(other) };
  };
  const cfg = actingConfig(proxy.url, { overrides });
  const r = await runScan(cfg, { only: [RULE] });
  const mine = w.approvals!.find((a) => a.id !== other?.id)!;
  return { w, routine, other, mine, cfg, detail: r.report.findings.flatMap((f) => f.actions.map((a) => `${a.status}: ${a.detail}`)) };
}

describe('two clipguards ask the board to approve one routine at the same moment', () => {
  it("the other process's request was filed just before: this one says in a comment that it is a duplicate, and the action says so", async () => {
    const { w, other, mine, routine, detail } = await race((now) => now - 1);
    expect(w.approvals).toHaveLength(2);
    expect(routine.status).toBe('paused');
    expect(detail).toEqual([expect.stringMatching(new RegExp(`^applied: .*: paused the routine; asked the board to approve it \\(approval ${mine.id}\\); approval ${other.id}, filed at the same moment by another process, asks the same: a comment on this one says it is a duplicate, and a decision on either counts$`))]);
    expect(w.approvalComments?.[mine.id]?.map((c) => c.body)).toEqual([expect.stringMatching(new RegExp(`^Duplicate of approval ${other.id}, filed for the same routine at the same moment by another clipguard process\\.`))]);
    expect(w.approvalComments?.[other.id]).toBeUndefined();
  });

  it('the other process filed later: this one is the first, no comment (that one comments on its own)', async () => {
    const { w, mine, detail } = await race((now) => now + 60_000);
    expect(w.approvals).toHaveLength(2);
    expect(detail).toEqual([expect.stringMatching(new RegExp(`: paused the routine; asked the board to approve it \\(approval ${mine.id}\\)$`))]);
    expect(w.approvalComments).toBeUndefined();
  });

  it('the board approves the first and rejects the duplicate, then sets the routine active: the next run leaves it active (either order of decisions)', async () => {
    for (const approveFirst of [true, false]) {
      const { w, other, mine, routine, cfg } = await race((now) => now - 1);
      const [yes, no] = approveFirst ? [other, mine] : [mine, other];
      Object.assign(yes, { status: 'approved', decidedAt: new Date(Date.now() + 1000).toISOString() });
      Object.assign(no, { status: 'rejected', decidedAt: new Date(Date.now() + 2000).toISOString() });
      routine.status = 'active';
      const next = await runScan(cfg, { only: [RULE] });
      expect(next.report.findings).toEqual([]);
      expect(routine.status).toBe('active');
      expect(w.approvals).toHaveLength(2);
    }
  });

  it('the board rejects both: the routine stays paused, and the next run (the agent set it active) pauses it again and files one new request', async () => {
    const { w, other, mine, routine, cfg } = await race((now) => now - 1);
    for (const a of [other, mine]) Object.assign(a, { status: 'rejected', decidedAt: new Date(Date.now() + 1000).toISOString() });
    routine.status = 'active';
    const next = await runScan(cfg, { only: [RULE] });
    expect(next.report.findings.flatMap((f) => f.actions.map((a) => a.status))).toEqual(['applied']);
    expect(routine.status).toBe('paused');
    expect(w.approvals).toHaveLength(3);
  });
});

describe('the read after filing fails', () => {
  it('a 503 on the approvals list after the request was filed: the routine is paused all the same, the detail says what is not known', async () => {
    const { routine, w } = agentRoutineWorld();
    const { proxy } = await serve(w);
    let filed = false;
    proxy.decide = (r) => {
      if (r.method === 'POST' && r.path.endsWith('/approvals')) filed = true;
      return filed && r.method === 'GET' && r.path.endsWith('/approvals') ? { kind: 'status', status: 503, body: '{"error":"busy"}' } : { kind: 'pass' };
    };
    const r = await runScan(actingConfig(proxy.url, { overrides }), { only: [RULE] });
    expect(r.report.findings.flatMap((f) => f.actions.map((a) => `${a.status}: ${a.detail}`))).toEqual([expect.stringMatching(/^applied: .*: paused the routine; asked the board to approve it \(approval \S+\); whether another process filed one at the same moment is not known \(.*503/)]);
    expect(routine.status).toBe('paused');
    expect(w.approvals).toHaveLength(1);
  });
});

describe('standingRequest: the board answer a routine has', () => {
  const req = (id: string, status: string, createdAt: string, decidedAt: string | null = null) => ({ id, type: 'request_board_approval', status, payload: { routineId: 'r' }, createdAt, decidedAt });
  const t = (m: number) => new Date(Date.UTC(2026, 10, 14, 9, m)).toISOString();
  it('a request filed after an earlier one was decided is the board\'s newest word: a rejection then takes the approval back', () => {
    expect(standingRequest([req('a', 'approved', t(0), t(1)), req('b', 'rejected', t(2), t(3))])?.id).toBe('b');
  });
  it('a request filed while an earlier one was open is a duplicate: its rejection does not take the approval back; its approval counts', () => {
    expect(standingRequest([req('a', 'approved', t(0), t(5)), req('b', 'rejected', t(1), t(6))])?.id).toBe('a');
    expect(standingRequest([req('a', 'rejected', t(0), t(5)), req('b', 'approved', t(1), t(4))])?.id).toBe('b');
    expect(standingRequest([req('a', 'pending', t(0)), req('b', 'rejected', t(1), t(4))])?.id).toBe('a');
    // Filed in the same millisecond: the id orders them, as byPostingOrder does for comments.
    expect(standingRequest([req('b', 'rejected', t(0), t(4)), req('a', 'approved', t(0), t(3))])?.id).toBe('a');
  });
  it('a decided request with no decidedAt is taken as decided before the next one (the rejection counts: the safe side)', () => {
    expect(standingRequest([req('a', 'approved', t(0)), req('b', 'rejected', t(2))])?.id).toBe('b');
  });
});
