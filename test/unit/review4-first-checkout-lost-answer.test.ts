// Review 4, FIXED (release-checkout.ts: its partial entry is marked attempted before the POST, unmarked on an answered refusal). Was (release-checkout.ts execute):
// the rule's own release + re-checkout saves its `partial` entry (released, re-checkout pending) WITHOUT the
// attempt mark, then POSTs the checkout. When the server makes that checkout and the answer is lost (a reset after
// the server answered), the next run finds the issue in progress with the agent and no mark: resumePending calls it
// "already checked out again by someone else", drops the rule's key, and the rule, seeing the agent (in error again)
// holding the issue, releases it and checks it out again within the hour that key is meant to hold. The completion's
// path marks before its POST (49bb1a3) exactly so that a lost answer is known as clipguard's own; the first POST
// of the same write does not.
//
// Why it matters: a second release + re-checkout (another wake of an agent in error) within the hour the ledger
// promises one; the audit log records clipguard's own write as someone else's.
// Suggested fix: write the partial entry with `attemptedAt` (release-checkout.ts: the checkout is POSTed right after
// it), and drop the mark on an answered refusal as resumePending does.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScan } from '../../src/scan.js';
import { actingConfig, errorHolderWorld, faultWorld } from '../helpers/fault-world.js';

const { serve } = faultWorld();

describe('review4: the rule\'s own re-checkout made by the server, its answer lost', () => {
  it('is known as clipguard\'s own on the next run: no second release + re-checkout within the hour (failed: "by someone else", released again)', async () => {
    const { agent, w, state } = errorHolderWorld();
    const { pc, proxy } = await serve(w);
    // Run 1: release, then the checkout is made by the server and the connection cut before the answer.
    proxy.decide = (r) => (r.method === 'POST' && /\/checkout$/.test(r.path) ? { kind: 'reset-after-forward' } : { kind: 'pass' });
    await runScan(actingConfig(proxy.url, { stateDir: state }), { only: ['ops'] });
    expect([w.issues[0].status, w.issues[0].assigneeAgentId]).toEqual(['in_progress', agent.id]); // the server made it
    // The woken agent fails again at once (still in error); run 2, nothing cut.
    proxy.reset();
    await runScan(actingConfig(proxy.url, { stateDir: state }), { only: ['ops'] });
    const releases = pc.writes.filter((x) => /^POST .*\/release$/.test(x)).length; // the server's record of both runs
    const audit = readFileSync(join(state, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { outcome: string; detail?: string });
    const calledSomeoneElse = audit.some((e) => /by someone else/.test(e.detail ?? ''));
    // Fails here: { releases: 2, calledSomeoneElse: true }.
    expect({ releases, calledSomeoneElse }).toEqual({ releases: 1, calledSomeoneElse: false });
  });
});
