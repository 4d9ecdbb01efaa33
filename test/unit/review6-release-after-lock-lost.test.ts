// Review 6, FIXED (release-checkout.ts: no release once the lock is lost). What was wrong (src/actions/kinds/release-checkout.ts execute, the pre-release save of 6a01e98, with the
// ledger merge of daf620e): the save made right before the release asks the lock (Ledger.save calls lostTo) and, the
// lock lost, merges its entry into the new holder's file; execute then checks only `ctx.ledger.writeError` and sends
// the release anyway. An action whose intent was written before the takeover releases and re-checks out an issue
// after another process holds the state dir, whatever that process did meanwhile.
//
// Scenario: run 1 plans the release + re-checkout of an agent in error; its intent is written and it re-reads the
// agent and the issue (reads are retried with backoff: a slow or flapping server, exactly when a heartbeat goes stale
// and the lock is taken over). Meanwhile run 2 takes the lock over and makes the same release + re-checkout (the
// ledger: `applied`). Run 1's re-read of the issue then finds it in progress with the agent (run 2's re-checkout, the
// agent's status not yet changed) and releases and checks it out again: two releases and two re-checkouts for one
// finding, the agent woken twice, the second by a process that knew it had lost the lock (its own save said so).
//
// Why it matters: "every write re-reads state first, is idempotent"; lock.ts: "the file no longer holding its token
// means another process took over, and this one must stop acting". The pre-release save is the natural point to
// ask, and it already does ask, but the answer is not used.
// Suggested fix: refuse the release when the lock is lost at that save, as when the save failed (e.g. execute checks
// `ctx.lost?.()`/the executor's stopReason after the set: "not released: another process holds the state lock"),
// or `ctx.ledger.get(key)` re-read from the file shows the action applied meanwhile. (Checked: `if (ctx.ledger.writeError ||
// ctx.ledger.lostTo?.()) return skip(...)` makes this pass; its merged pre-release entry is then settled by the next run.)
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScan } from '../../src/scan.js';
import { actingConfig, faultWorld, hoursAgo as ago } from '../helpers/fault-world.js';
import { fakeAgent, fakeCompany, fakeIssue, type FakeWorld } from '../helpers/paperclip-fake.js';
import { tempDir } from '../helpers/cli.js';
import { readFileSync } from 'node:fs';

const { serve } = faultWorld();

describe('review6: a release + re-checkout whose lock is taken over during its re-reads', () => {
  it('is not made again by the run that lost the lock (fails: released and checked out twice)', async () => {
    const co = fakeCompany();
    const agent = fakeAgent(co.id, 1, { status: 'error', errorReason: 'adapter_failed', createdAt: ago(100), updatedAt: ago(1) });
    const issue = fakeIssue(co, 1, { title: 'Ship it', status: 'in_progress', priority: 'high', assigneeAgentId: agent.id, startedAt: ago(2), createdAt: ago(10), updatedAt: ago(0.5) });
    const w: FakeWorld = { company: co, agents: [agent], issues: [issue], comments: {}, activity: [] };
    const state = join(tempDir(), 'state');
    const { pc, proxy } = await serve(w);
    const audit = () => {
      try {
        return readFileSync(join(state, 'audit.jsonl'), 'utf8');
      } catch {
        return '';
      }
    };
    let takenOver = false;
    proxy.decide = (r) =>
      // Run 1's re-read of the issue (its intent written): run 2 takes the lock over and acts first.
      !takenOver && r.method === 'GET' && r.path === `/api/issues/${issue.id}` && audit().includes('"started"')
        ? {
            kind: 'race',
            before: async () => {
              takenOver = true;
              await runScan(actingConfig(proxy.url, { stateDir: state }), { only: ['ops'], lock: { lostTo: () => null } });
            },
          }
        : { kind: 'pass' };
    await runScan(actingConfig(proxy.url, { stateDir: state }), { only: ['ops'], lock: { lostTo: () => (takenOver ? 'lost the state lock to pid 4242 (watch)' : null) } });
    expect(takenOver).toBe(true);
    const handouts = pc.writes.filter((x) => /\/(release|checkout)$/.test(x));
    // Run 2's release + re-checkout: made once. Fails here: run 1 made them again after losing the lock.
    expect(handouts).toHaveLength(2);
  });
});
