// Review 6, FIXED (worker.ts: one data shape and one run for an issue task, live or swept). What was wrong (src/plugin/worker.ts catchUp, the sweep's enqueue, and queue.ts CoalescingQueue.enqueue;
// the lane moved to 2 in 87d1642, the join itself older): the catch-up sweep and a live issue event queue the same
// key (`issue:<company>:<issue>`) with different data: the live task's `merge` builds `{ why, occurredAt }` and its
// `run` reads `d.why`; the sweep's merge is `() => null`. When the sweep joins a live task that is waiting (the guard
// busy with another issue), `had.data = merge(had.data)` replaces the live task's data with null, and the live task's
// run then throws (`Cannot read properties of null (reading 'why')`) before guardOne: the issue is not guarded at
// all, by the live event nor by the sweep (both waiters get the rejection).
//
// Scenario: the guard starts after a downtime (stats.aliveAt kept); within its first 100 ms (before the sweep) or
// while the sweep lists pages, a live event for issue A is being handled (its read slow) and one for issue B waits;
// B was also changed during the downtime, so the sweep queues B: it joins B's live task and nulls its data. B holds
// a key: it is never redacted (nor is it retried: the sweep's waiter is rejected too, and counted as settled).
//
// Why it matters: a live key written now is left in the issue, exactly at a start, when events queue up; and the
// error is the worker's own TypeError, not a server's.
// Suggested fix (checked: the sweep's merge `(prev) => prev ?? null` makes this test pass): one data shape for the key whatever queues it (the sweep's merge `(prev) => prev ?? { why:
// 'catch-up after a start', occurredAt: [] }`, the live run reading `d?.why`), or the sweep queues a task only for
// keys with none waiting.
import { createTestHarness } from '@paperclipai/plugin-sdk/testing';
import { describe, expect, it } from 'vitest';
import { manifest } from '../../src/plugin/manifest.js';
import { setupGuard, type GuardStats } from '../../src/plugin/worker.js';
import { tempDir } from '../helpers/cli.js';
import { fakeToken } from '../helpers/fake-secrets.js';

const CO = 'c0000000-0000-4000-8000-0000000000c0';
process.env.PAPERCLIP_PLUGIN_ID = 'p0000000-0000-4000-8000-0000000000f0';
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('review6: the catch-up sweep joining a waiting live issue task', () => {
  it("the live event's issue is still guarded (fails: its task's data is nulled, its run throws, the key stays)", async () => {
    const h = createTestHarness({ manifest: manifest as never, config: { apply: true, stateDir: tempDir() } });
    const ago = (min: number) => new Date(Date.now() - min * 60_000);
    const keyB = fakeToken('github-pat', 81);
    const mk = (n: number, description: string, at: Date) => ({ id: `i000000${n}-0000-4000-8000-000000000001`, companyId: CO, identifier: `LIV-${n}`, title: 'Deploy', description, status: 'todo', priority: 'medium', createdAt: at, updatedAt: at });
    const A = mk(1, 'clean', ago(200));
    const B = mk(2, `down: ${keyB}`, ago(2)); // changed while the guard was down: the sweep queues it
    h.seed({ companies: [{ id: CO, name: 'Live', issuePrefix: 'LIV' } as never], issues: [A, B] as never });
    await h.ctx.state.set({ scopeKind: 'instance', stateKey: 'stats' }, { aliveAt: ago(10).toISOString(), starts: 1 });
    // Issue A's read is slow: the guard is busy with it when the sweep starts (at 100 ms).
    const get = h.ctx.issues.get.bind(h.ctx.issues);
    h.ctx.issues.get = (async (id: string, co: string) => {
      if (id === A.id) await sleep(400);
      return get(id, co);
    }) as typeof h.ctx.issues.get;
    setupGuard(h.ctx);
    const emit = (id: string) => h.emit('issue.updated', {}, { companyId: CO, entityType: 'issue', entityId: id, actorType: 'user', actorId: 'local-board' });
    const a = emit(A.id).catch((e: unknown) => e);
    await sleep(10);
    const b = emit(B.id).catch((e: unknown) => e); // waits behind A's task (lane 0)
    const kept = () => h.getState({ scopeKind: 'instance', stateKey: 'stats' }) as GuardStats;
    for (let i = 0; i < 100 && kept().starts < 2; i++) await sleep(50);
    const [ea, eb] = await Promise.all([a, b]);
    expect(ea).toBeUndefined();
    // Fails here: B's task ran with the sweep's null data: TypeError, guardOne never called.
    expect(eb).toBeUndefined();
    expect((await get(B.id, CO))!.description).toBe('down: [REDACTED:github-pat]');
  });
});
