// The live guard's queue (src/plugin/queue.ts) and its routing of events (src/plugin/events.ts). The queue's
// promise to the worker: one task at a time; an event is covered by a task of its key that STARTED after the
// event arrived (so the task's re-read sees the event's write); at most one task waits per key (a burst is one
// re-read); issue tasks before company tasks.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CoalescingQueue, type Lane } from '../../src/plugin/queue.js';
import { routeEvent } from '../../src/plugin/events.js';
import { BUDGET_RULES, ERROR_RULES, LOOP_RULES } from '../../src/plugin/company-guard.js';

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('the coalescing queue', () => {
  it('property: serial, every event covered by a task of its key started after it, at most one task waiting per key', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ key: fc.constantFrom('a', 'b', 'c'), lane: fc.constantFrom<Lane>(0, 1), waitTicks: fc.integer({ min: 0, max: 3 }), runTicks: fc.integer({ min: 0, max: 3 }), fails: fc.boolean() }), { minLength: 1, maxLength: 30 }),
        async (events) => {
          const q = new CoalescingQueue();
          let clock = 0;
          let running = 0;
          let maxRunning = 0;
          const starts: { key: string; at: number; covers: number[] }[] = [];
          const settled: Promise<void>[] = [];
          const coveredBy = new Map<number, { key: string; at: number }>();
          for (const [i, e] of events.entries()) {
            for (let t = 0; t < e.waitTicks; t++) await tick();
            const arrived = ++clock;
            settled.push(
              q
                .enqueue<number[]>(
                  e.key,
                  e.lane,
                  (prev) => [...(prev ?? []), i],
                  async (covers) => {
                    running++;
                    maxRunning = Math.max(maxRunning, running);
                    const start = { key: e.key, at: ++clock, covers };
                    starts.push(start);
                    for (const c of covers) coveredBy.set(c, start);
                    for (let t = 0; t < e.runTicks; t++) await tick();
                    running--;
                    if (e.fails) throw new Error('boom');
                  },
                )
                .catch(() => undefined)
                .then(() => {
                  const by = coveredBy.get(i);
                  expect(by, `event ${i} resolved without a task that covered it`).toBeDefined();
                  expect(by!.key).toBe(e.key);
                  expect(by!.at).toBeGreaterThan(arrived);
                }),
            );
          }
          await Promise.all(settled);
          expect(maxRunning).toBe(1);
          // Every event covered exactly once.
          expect(starts.flatMap((s) => s.covers).sort((x, y) => x - y)).toEqual(events.map((_, i) => i));
          expect(q.size).toBe(0);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a burst on one key while a task runs: one more task serves them all; issue tasks go before company tasks', async () => {
    const q = new CoalescingQueue();
    const ran: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = q.enqueue<number>('issue:1', 0, () => 1, async () => {
      ran.push('issue:1 first');
      await gate;
    });
    const company = q.enqueue<number>('company:x', 1, () => 1, async () => void ran.push('company:x'));
    const burst = Array.from({ length: 9 }, (_, n) => q.enqueue<number>('issue:1', 0, (p) => (p ?? 0) + 1, async (count) => void ran.push(`issue:1 again, ${count} events`)));
    await tick();
    release();
    await Promise.all([first, company, ...burst]);
    expect(ran).toEqual(['issue:1 first', 'issue:1 again, 9 events', 'company:x']);
    expect(q.coalesced).toBe(8);
  });

  it('the catch-up sweep (lane 2) waits behind live issue events; a live event on a swept issue takes its task to the front', async () => {
    const q = new CoalescingQueue();
    const ran: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const busy = q.enqueue<null>('issue:busy', 0, () => null, async () => {
      await gate;
    });
    const sweep = ['a', 'b', 'c'].map((k) => q.enqueue<string>(`issue:${k}`, 2, () => 'sweep', async (d) => void ran.push(`${k} ${d}`)));
    const live = q.enqueue<string>('issue:new', 0, () => 'live', async (d) => void ran.push(`new ${d}`));
    const joined = q.enqueue<string>('issue:c', 0, () => 'live', async () => undefined);
    await tick();
    release();
    await Promise.all([busy, ...sweep, live, joined]);
    expect(ran).toEqual(['c live', 'new live', 'a sweep', 'b sweep']);
  });

  it('an acting run (lane 1: a budget pause planned now) goes before the rest of a catch-up sweep (lane 2), after live issue events', async () => {
    const q = new CoalescingQueue();
    const ran: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const sweep = ['a', 'b', 'c'].map((k, n) =>
      q.enqueue<null>(`issue:${k}`, 2, () => null, async () => {
        ran.push(`sweep ${k}`);
        if (n === 0) await gate;
      }),
    );
    await tick(); // sweep a has started: the rest of the sweep waits
    const act = q.enqueue<null>('act:company:x:1', 1, () => null, async () => void ran.push('act'));
    const live = q.enqueue<null>('issue:new', 0, () => null, async () => void ran.push('live'));
    release();
    await Promise.all([...sweep, act, live]);
    expect(ran).toEqual(['sweep a', 'live', 'act', 'sweep b', 'sweep c']);
  });

  it('a re-armed delayed task: each joining event pushes its start back to its own delay, never past the cap', async () => {
    const q = new CoalescingQueue();
    const started: number[] = [];
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    let sent = 0;
    const joins: Promise<void>[] = [];
    // A join every 10 ms for 400 ms, each asking 50 ms more; the cap is 150 ms after the first.
    joins.push(q.enqueue<number>('company:x:late', 1, (p) => (p ?? 0) + 1, async () => void started.push(sent), 50, 150));
    for (; sent < 40; sent++) {
      await sleep(10);
      joins.push(q.enqueue<number>('company:x:late', 1, (p) => (p ?? 0) + 1, async () => void started.push(sent), 50, 150));
    }
    await Promise.all(joins);
    // Started while the stream went on (the cap), not after it; and not at the first event's own 50 ms (pushed back).
    expect(started.length).toBeGreaterThanOrEqual(2);
    expect(started[0]).toBeGreaterThan(5);
    expect(started[0]).toBeLessThan(40);
  });

  it('a delayed task waits, and events within the delay join it', async () => {
    const q = new CoalescingQueue();
    const seen: string[][] = [];
    const a = q.enqueue<string[]>('company:x', 1, (p) => [...(p ?? []), 'run.failed'], async (d) => void seen.push(d), 30);
    const b = q.enqueue<string[]>('company:x', 1, (p) => [...(p ?? []), 'budget.incident'], async (d) => void seen.push(d), 30);
    await tick();
    expect(seen).toEqual([]);
    await Promise.all([a, b]);
    expect(seen).toEqual([['run.failed', 'budget.incident']]);
  });
});

describe('which event checks what', () => {
  const ev = (eventType: string, payload: unknown = {}, entityType = 'agent', entityId = 'x') => routeEvent({ eventType: eventType as never, payload, entityType, entityId });
  it('issue events: the issue (a comment event by its payload)', () => {
    expect(ev('issue.comment.created', {}, 'issue', 'i1')).toEqual({ kind: 'issue', issueId: 'i1' });
    expect(ev('issue.comment.created', { issueId: 'i2' }, 'comment', 'c1')).toEqual({ kind: 'issue', issueId: 'i2' });
  });
  it('agent events: a status change checks the agent-in-error rule, any other update nothing', () => {
    expect(ev('agent.updated', { changedTopLevelKeys: ['status'] })).toEqual({ kind: 'company', rules: ERROR_RULES });
    expect(ev('agent.updated', { changedTopLevelKeys: ['name'] }).kind).toBe('none');
    expect(ev('agent.status_changed', { status: 'error' })).toEqual({ kind: 'company', rules: ERROR_RULES });
    expect(ev('agent.status_changed', { status: 'idle' }).kind).toBe('none');
    expect(ev('agent.status_changed', null)).toEqual({ kind: 'company', rules: ERROR_RULES });
  });
  it('a checkout by a person, the board or the system checks the agent-in-error rule; one by an agent, nothing', () => {
    // paperclipai 2026.916.1's payload: the details spread, then agentId overwritten by the actor's (null for a person).
    const co = (actorType?: 'agent' | 'user' | 'system' | 'plugin', actorId?: string, agentId: string | null = null) => routeEvent({ eventType: 'issue.checked_out', payload: { agentId, runId: null, responsibleUserId: null }, entityType: 'issue', entityId: 'i1', actorType, actorId });
    expect(co('user', 'local-board')).toEqual({ kind: 'company', rules: ERROR_RULES });
    expect(co('system', 'heartbeat')).toEqual({ kind: 'company', rules: ERROR_RULES });
    expect(co()).toEqual({ kind: 'company', rules: ERROR_RULES });
    expect(co('agent', 'a1', 'a1').kind).toBe('none');
  });
  it('runs and budgets', () => {
    expect(ev('agent.run.failed')).toEqual({ kind: 'company', rules: [...ERROR_RULES, ...LOOP_RULES, ...BUDGET_RULES] });
    expect(ev('agent.run.finished')).toEqual({ kind: 'company', rules: [...LOOP_RULES, ...BUDGET_RULES] });
    expect(ev('budget.incident.opened')).toEqual({ kind: 'company', rules: BUDGET_RULES });
    expect(ev('cost_event.created')).toEqual({ kind: 'company', rules: BUDGET_RULES });
    expect(ev('agent.run.cancelled').kind).toBe('none');
  });
});
