// The live guard's work queue: one task at a time (each takes the state directory's lock and reads, changes and
// writes back the kept findings), and tasks for the same key (an issue, a company's agent rules) coalesced: an
// event whose key already has a task waiting (not started) joins it, so a burst of ten comments on one issue is
// served by one re-read of the issue, not ten. A task re-reads everything when it starts, so it covers every event
// that joined it (each was published after its write was stored); an event that arrives once its key's task has
// started gets a new task, which starts after it: no write is missed.
//
// Three lanes: the issue tasks of live events (a key to redact, seconds count) go first, then the acting runs (lane
// 1: a plan made just before, a budget pause or an agent's recovery among them), then the catch-up's sweep of issues
// after a start (lane 2: hundreds of issue re-reads must not hold up a pause). A task may wait `delayMs` before it can start (the company
// reads), so events of a run that follow each other within that window share one read (the server also publishes a
// run's end before it settles the agent's status).
//
// A task runs in the async context of the event that made it (AsyncResource.bind): the host scopes a plugin's
// calls to the company of the event being handled, and that handler waits for the task, so its scope is open.

import { AsyncResource } from 'node:async_hooks';

export type Lane = 0 | 1 | 2;

interface Task<T> {
  key: string;
  lane: Lane;
  data: T;
  ready: boolean;
  /** A delayed task's timer, until it is ready. */
  timer?: ReturnType<typeof setTimeout>;
  /** A delayed task that an event joining it pushes back to the event's own delay, until `until` (epoch ms). */
  rearm?: { delayMs: number; until: number };
  run: (data: T) => Promise<void>;
  waiters: { resolve: () => void; reject: (e: unknown) => void }[];
}

export class CoalescingQueue {
  private readonly waiting = new Map<string, Task<unknown>>();
  private readonly order: Task<unknown>[] = [];
  private busy = false;
  /** Events that joined a waiting task instead of making their own. */
  coalesced = 0;

  /**
   * Queue `run` for `key`, or join the task already waiting for it: `merge` folds this event's data into the
   * task's (`undefined` for a new task). Resolves when the task that covers this event has run.
   */
  enqueue<T>(key: string, lane: Lane, merge: (prev: T | undefined) => T, run: (data: T) => Promise<void>, delayMs = 0, rearmForMs = 0): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const had = this.waiting.get(key) as Task<T> | undefined;
      if (had) {
        // Each event its own delay (a failed run's second look), within the cap, so a stream cannot hold it off; a
        // look already due but waiting behind another task is pushed back too (it would run as soon as that ends).
        if (had.rearm) {
          had.ready = false;
          this.arm(had as Task<unknown>, Math.min(Date.now() + had.rearm.delayMs, had.rearm.until));
        }
        // A live event joining a catch-up task (lane 2) takes it to the front lane: it waits no longer than its own.
        if (lane < had.lane) had.lane = lane;
        had.data = merge(had.data);
        had.waiters.push({ resolve, reject });
        this.coalesced++;
        return;
      }
      const task: Task<T> = { key, lane, data: merge(undefined), ready: delayMs <= 0, run: AsyncResource.bind(run), waiters: [{ resolve, reject }] };
      if (rearmForMs > 0 && delayMs > 0) task.rearm = { delayMs, until: Date.now() + rearmForMs };
      this.waiting.set(key, task as Task<unknown>);
      this.order.push(task as Task<unknown>);
      if (task.ready) this.pump();
      else this.arm(task as Task<unknown>, Date.now() + delayMs);
    });
  }

  /** (Re)set when a delayed task becomes ready. */
  private arm(task: Task<unknown>, at: number): void {
    clearTimeout(task.timer);
    task.timer = setTimeout(() => {
      task.ready = true;
      this.pump();
    }, Math.max(0, at - Date.now()));
    task.timer.unref?.();
  }

  /** Tasks not started yet. */
  get size(): number {
    return this.order.length;
  }

  private pump(): void {
    if (this.busy) return;
    let next: Task<unknown> | undefined;
    for (const t of this.order) if (t.ready && (!next || t.lane < next.lane)) next = t; // the first of the lowest lane
    if (!next) return;
    this.busy = true;
    this.order.splice(this.order.indexOf(next), 1);
    // From here on an event for this key makes a new task: this one's reads may have passed its write.
    this.waiting.delete(next.key);
    const done = (e?: unknown, failed = false) => {
      for (const w of next.waiters) if (failed) w.reject(e);
      else w.resolve();
      this.busy = false;
      this.pump();
    };
    let p: Promise<void>;
    try {
      p = next.run(next.data);
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then(
      () => done(),
      (e: unknown) => done(e, true),
    );
  }
}
