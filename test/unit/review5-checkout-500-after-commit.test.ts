// Review 5, FIXED (release-checkout.ts and executor.ts resumePending: the mark is dropped only on a 4xx refusal; a 5xx keeps it). What is wrong (release-checkout.ts execute, 3a17d90 / e70b2bc; the same in executor.ts resumePending,
// 7fe7206): after the checkout POST, ANY answer >= 300 is taken as "an answer came: nothing made, so no mark" and the
// attempt mark is dropped. A 5xx does not say that nothing was made: Paperclip's checkout route commits the checkout
// (svc.checkout) and only then awaits logActivity(db, ...) (routes/issues.js POST /issues/:id/checkout), so a failure
// there (a database hiccup on the activity insert) answers 500 for a checkout that was made. Without the mark, the
// next run reads the issue in progress with the agent and calls it "already checked out again by someone else": it
// drops the entry and frees the rule's key, and the rule, seeing the agent (in error again) holding the issue,
// releases it and checks it out again within the hour the key is meant to hold: review 4's
// review4-first-checkout-lost-answer, through a 5xx instead of a lost answer.
//
// Scenario: run 1 releases the issue of an agent in error; the server makes the checkout and answers 500; the woken
// agent fails again; run 2 (nothing faulty).
//
// Why it matters: a second release + re-checkout (another wake of an agent in error) within the hour the ledger
// promises one, and the audit log records clipguard's own write as someone else's ("a server that lies").
// Suggested fix: drop the mark only on a definite refusal (4xx: 409, 422, ...); on a 5xx keep it, or better re-read
// the issue (GET) after an answer that is not a success or a 4xx and decide by what was made (in progress with the
// agent: clipguard's own, applied).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScan } from '../../src/scan.js';
import type { FaultProxy } from '../helpers/fault-proxy.js';
import type { FakeWorld } from '../helpers/paperclip-fake.js';
import { actingConfig, errorHolderWorld, faultWorld, halfDoneWorld } from '../helpers/fault-world.js';

const { serve } = faultWorld();

/** The server makes the checkout, then answers 500 (as routes/issues.js does when logActivity throws after svc.checkout). */
const madeThen500 =
  (w: FakeWorld, agentId: string): FaultProxy['decide'] =>
  (r) => {
    if (r.method !== 'POST' || !/\/checkout$/.test(r.path)) return { kind: 'pass' };
    Object.assign(w.issues[0], { status: 'in_progress', assigneeAgentId: agentId, startedAt: new Date().toISOString(), updatedAt: new Date().toISOString() });
    return { kind: 'status', status: 500, body: '{"error":"Internal server error"}' };
  };

describe("review5: the rule's re-checkout made by the server, answered 500 (its activity insert failed after the commit)", () => {
  it("is known as clipguard's own on the next run: no second release within the hour (fails: \"by someone else\", released again)", async () => {
    const { agent, w, state } = errorHolderWorld();
    const { pc, proxy } = await serve(w);
    // Run 1: the server commits the checkout, then answers 500 (as routes/issues.js does when logActivity throws after svc.checkout).
    proxy.decide = madeThen500(w, agent.id);
    await runScan(actingConfig(proxy.url, { stateDir: state }), { only: ['ops'] });
    expect([w.issues[0].status, w.issues[0].assigneeAgentId]).toEqual(['in_progress', agent.id]); // the server made it
    // The woken agent fails again at once (still in error); run 2, nothing faulty.
    proxy.reset();
    await runScan(actingConfig(proxy.url, { stateDir: state }), { only: ['ops'] });
    const releases = pc.writes.filter((x) => /^POST .*\/release$/.test(x)).length;
    const audit = readFileSync(join(state, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { outcome: string; detail?: string });
    const calledSomeoneElse = audit.some((e) => /by someone else/.test(e.detail ?? ''));
    // Fails here: { releases: 2, calledSomeoneElse: true }.
    expect({ releases, calledSomeoneElse }).toEqual({ releases: 1, calledSomeoneElse: false });
  });

  it("the completion of a half-done re-checkout, made by the server and answered 500: its mark stays; the next run records it as its own", async () => {
    const { agent, w, state, key } = halfDoneWorld();
    const { pc, proxy } = await serve(w);
    proxy.decide = madeThen500(w, agent.id);
    await runScan(actingConfig(proxy.url, { stateDir: state }), { only: ['ops'] });
    const entry = () => JSON.parse(readFileSync(join(state, 'ledger.json'), 'utf8')).entries[key];
    expect(entry()).toMatchObject({ status: 'partial', resume: { attemptedAt: expect.any(String) } });
    proxy.reset();
    const second = await runScan(actingConfig(proxy.url, { stateDir: state }), { only: ['ops'] });
    const completion = second.report.findings.filter((f) => /earlier run left half-done/.test(f.title)).flatMap((f) => f.actions);
    expect(completion.map((a) => a.status)).toEqual(['applied']);
    expect(completion[0].detail).toMatch(/answer was lost/);
    expect(entry()).toMatchObject({ status: 'applied' });
    expect(pc.writes.filter((x) => /^POST .*\/(release|checkout)$/.test(x))).toEqual([]); // the proxy answered run 1's POST; run 2 writes none
  });
});
