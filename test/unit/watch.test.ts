import { existsSync, readFileSync, writeFileSync, mkdirSync, utimesSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config/load.js';
import { deadlineOf, jobsFromConfig, periodMs, ScheduleError, Watcher, type JobDef } from '../../src/schedule/watch.js';
import { LockError, StateLock } from '../../src/schedule/lock.js';
import { tempDir } from '../helpers/cli.js';

function config(stateDir = tempDir()): Config {
  const c = loadConfig(stateDir, { noConfigFile: true }, {});
  c.stateDir = stateDir;
  return c;
}

const quiet = { logFormat: 'json' as const, jitterMs: 0 };

describe('schedule config', () => {
  it('defaults to a 15-minute scan and a 09:00 checklist', () => {
    const jobs = jobsFromConfig(config());
    expect(jobs.map((j) => [j.name, j.cron])).toEqual([
      ['compliance-scan', '*/15 * * * *'],
      ['daily-checklist', '0 9 * * *'],
    ]);
    expect(periodMs(jobs[0])).toBe(15 * 60_000);
    expect(periodMs(jobs[1])).toBe(24 * 3600_000);
  });

  it('rejects a bad cron expression or timezone with the job and field', () => {
    const c = config();
    c.schedule = { jobs: [{ name: 'scan', type: 'scan', cron: '61 * * * *' }] };
    expect(() => jobsFromConfig(c)).toThrow(ScheduleError);
    expect(() => jobsFromConfig(c)).toThrow(/schedule\.jobs\[0\] \(scan\)\.cron: invalid cron expression/);
    c.schedule = { jobs: [{ name: 'scan', type: 'scan', cron: '*/5 * * * *', timezone: 'Mars/Olympus' }] };
    expect(() => jobsFromConfig(c)).toThrow(/timezone: unknown time zone "Mars\/Olympus"/);
  });

  it('the default deadline is shorter than the period, and a configured one that is not is said at start', async () => {
    expect(deadlineOf({ name: 'fast', type: 'scan', cron: '*/2 * * * * *' })).toBe(1600);
    expect(deadlineOf({ name: 'q', type: 'scan', cron: '*/15 * * * *' })).toBe(720_000);
    const lines: string[] = [];
    const job: JobDef = { name: 'slow', type: 'scan', cron: '*/2 * * * * *', deadlineMs: 5_000 };
    const w = new Watcher(config(), [job], { ...quiet, log: (l) => lines.push(l), runner: async () => ({ ok: true, findings: 0 }) });
    await w.start();
    await w.stop();
    const warning = lines.map((l) => JSON.parse(l)).find((l) => l.event === 'warning');
    expect(warning).toMatchObject({ job: 'slow', note: 'deadlineMs 5000 is not shorter than the period (2000 ms): runs that take that long make the next ones skip' });
  });

  it('rejects a deadline that is not a positive whole number of milliseconds', () => {
    const c = config();
    for (const bad of [0, -5, 1.5, '3000', null]) {
      c.schedule = { jobs: [{ name: 'scan', type: 'scan', cron: '*/5 * * * *', deadlineMs: bad }] };
      expect(() => jobsFromConfig(c)).toThrow(/schedule\.jobs\[0\] \(scan\)\.deadlineMs: must be a positive whole number/);
    }
    c.schedule = { jobs: [{ name: 'scan', type: 'scan', cron: '*/5 * * * *', deadlineMs: 3000 }] };
    expect(jobsFromConfig(c)[0].deadlineMs).toBe(3000);
    // Past the longest Node timer (2^31 - 1 ms) a timeout fires at once: refused, and the default is capped there.
    c.schedule = { jobs: [{ name: 'scan', type: 'scan', cron: '*/5 * * * *', deadlineMs: 2 ** 31 }] };
    expect(() => jobsFromConfig(c)).toThrow(/schedule\.jobs\[0\] \(scan\)\.deadlineMs: at most 2147483647 ms/);
    expect(deadlineOf({ name: 'yearly', type: 'scan', cron: '0 0 1 1 *' })).toBe(2 ** 31 - 1);
  });
});

describe('schedule.keepReads', () => {
  it('is a boolean, checked at start; true (the default) keeps the reads in <stateDir>/paperclip, false in memory only', async () => {
    const c = config();
    c.schedule = { keepReads: 'yes' };
    expect(() => jobsFromConfig(c)).toThrow(/schedule\.keepReads: must be true or false \(got "yes"\)/);
    const dirs: (string | null)[] = [];
    const job: JobDef = { name: 'scan', type: 'scan', cron: '*/15 * * * *' };
    for (const keepReads of [undefined, true, false]) {
      const k = config();
      k.schedule = keepReads === undefined ? {} : { keepReads };
      const w = new Watcher(k, [job], { ...quiet, log: () => undefined, runner: async (_j, _c, cache) => (dirs.push(cache.dir === null ? null : cache.dir.slice(k.stateDir.length)), { ok: true, findings: 0 }) });
      await w.runJob(job, 'once');
    }
    expect(dirs).toEqual(['/paperclip', '/paperclip', null]);
  });
});

describe('watch', () => {
  it('never overlaps a job with itself', async () => {
    const lines: string[] = [];
    let concurrent = 0;
    let maxConcurrent = 0;
    const job: JobDef = { name: 'slow', type: 'scan', cron: '*/15 * * * *' };
    const w = new Watcher(config(), [job], {
      ...quiet,
      log: (l) => lines.push(l),
      runner: async () => {
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        await new Promise((r) => setTimeout(r, 100));
        concurrent--;
        return { ok: true, findings: 0 };
      },
    });
    await Promise.all([w.runJob(job, 'scheduled'), w.runJob(job, 'scheduled'), w.runJob(job, 'catch-up')]);
    expect(maxConcurrent).toBe(1);
    expect(lines.filter((l) => l.includes('"skipped"'))).toHaveLength(2);
  });

  it('does exactly one catch-up run after downtime, and none when the last success is recent', async () => {
    const dir = tempDir();
    const job: JobDef = { name: 'scan', type: 'scan', cron: '*/15 * * * *' };
    let runs = 0;
    const runner = async () => {
      runs++;
      return { ok: true, findings: 0 };
    };
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'state.json'), JSON.stringify({ version: 1, jobs: { scan: { lastSuccessAt: new Date(Date.now() - 5 * 3600_000).toISOString() } }, cursors: {} }));
    const w1 = new Watcher(config(dir), [job], { ...quiet, log: () => {}, runner });
    await w1.start();
    await new Promise((r) => setTimeout(r, 200));
    await w1.stop();
    expect(runs).toBe(1);
    const w2 = new Watcher(config(dir), [job], { ...quiet, log: () => {}, runner });
    await w2.start();
    await new Promise((r) => setTimeout(r, 200));
    await w2.stop();
    expect(runs).toBe(1);
    expect(existsSync(join(dir, 'state.lock'))).toBe(false);
  });

  it('a run past its deadline is failed and the watcher goes on', async () => {
    const lines: string[] = [];
    const job: JobDef = { name: 'stuck', type: 'scan', cron: '*/15 * * * *', deadlineMs: 50 };
    const w = new Watcher(config(), [job], { ...quiet, log: (l) => lines.push(l), runner: () => new Promise(() => {}) });
    await w.runJob(job, 'once');
    expect(lines.join()).toContain('deadline of 50 ms exceeded');
    expect(w.jobState().jobs.stuck.lastError).toContain('deadline');
  });

  it('the deadline aborts the run\'s signal, so a run that honours it ends at once (late-run-ended, not abandoned)', async () => {
    const lines: string[] = [];
    const job: JobDef = { name: 'cancellable', type: 'scan', cron: '*/15 * * * *', deadlineMs: 50 };
    let reason: unknown;
    const runner = (_j: JobDef, _c: unknown, _cache: unknown, signal: AbortSignal) =>
      new Promise<never>((_, rej) => signal.addEventListener('abort', () => rej((reason = signal.reason))));
    const w = new Watcher(config(), [job], { ...quiet, log: (l) => lines.push(l), runner });
    await w.runJob(job, 'once');
    expect(String(reason)).toContain('deadline of 50 ms exceeded');
    expect(lines.some((l) => l.includes('late-run-ended'))).toBe(true);
    expect(lines.some((l) => l.includes('late-run-abandoned'))).toBe(false);
  });

  it('a shutdown whose grace runs out aborts the current run', async () => {
    const job: JobDef = { name: 'long', type: 'scan', cron: '*/15 * * * *', deadlineMs: 60_000 };
    let aborted: unknown;
    const runner = (_j: JobDef, _c: unknown, _cache: unknown, signal: AbortSignal) =>
      new Promise<never>((_, rej) => signal.addEventListener('abort', () => rej((aborted = signal.reason))));
    const w = new Watcher(config(), [job], { ...quiet, log: () => {}, runner });
    const run = w.runJob(job, 'scheduled');
    await w.stop(50);
    await run;
    expect(String(aborted)).toContain('shutdown: run abandoned after 50 ms of grace');
    expect(w.jobState().jobs.long.lastError).toContain('shutdown');
  });

  it('a late run keeps the job busy until it ends: the next run is skipped, not overlapped', async () => {
    const lines: string[] = [];
    const job: JobDef = { name: 'slow', type: 'scan', cron: '*/15 * * * *', deadlineMs: 50 };
    let active = 0;
    let maxActive = 0;
    const runner = async () => {
      maxActive = Math.max(maxActive, ++active);
      await new Promise((r) => setTimeout(r, 80));
      active--;
      return { ok: true, findings: 0 };
    };
    const w = new Watcher(config(), [job], { ...quiet, log: (l) => lines.push(l), runner });
    const first = w.runJob(job, 'scheduled');
    await new Promise((r) => setTimeout(r, 60)); // past the deadline, before the run ends
    await w.runJob(job, 'scheduled');
    await first;
    expect(maxActive).toBe(1);
    expect(lines.some((l) => l.includes('skipped'))).toBe(true);
    expect(lines.some((l) => l.includes('late-run-ended'))).toBe(true);
  });

  it('survives 1,000 consecutive failing runs with flat memory', async () => {
    const job: JobDef = { name: 'failing', type: 'scan', cron: '*/15 * * * *' };
    const w = new Watcher(config(), [job], { ...quiet, log: () => {}, runner: async () => { throw new Error('connect ECONNREFUSED 127.0.0.1:3100'); } });
    for (let i = 0; i < 100; i++) await w.runJob(job, 'scheduled');
    global.gc?.();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 1000; i++) await w.runJob(job, 'scheduled');
    global.gc?.();
    const after = process.memoryUsage().heapUsed;
    expect(w.jobState().jobs.failing.failures).toBe(1100);
    // Flat: growth well under what retaining 1,000 errors and log lines would cost.
    expect(after - before).toBeLessThan(32 * 1024 * 1024);
  });
});

describe('state lock', () => {
  it('refuses a second holder while the first is alive, and takes over a dead one', () => {
    const dir = tempDir();
    const a = new StateLock(join(dir, 'state.lock'));
    a.acquire();
    expect(() => new StateLock(join(dir, 'state.lock')).acquire()).toThrow(LockError);
    a.release();
    // A lock left by a process that no longer exists (a crash) is stale.
    const child = spawn(process.execPath, ['-e', '0']);
    return new Promise<void>((resolve) => {
      child.on('exit', () => {
        writeFileSync(join(dir, 'state.lock'), JSON.stringify({ pid: child.pid, host: hostname(), startedAt: new Date().toISOString(), heartbeatAt: new Date().toISOString() }));
        const b = new StateLock(join(dir, 'state.lock'));
        expect(b.acquire()).toMatch(/took over a stale lock from pid \d+ \(process gone\)/);
        expect(JSON.parse(readFileSync(join(dir, 'state.lock'), 'utf8')).pid).toBe(process.pid);
        b.release();
        resolve();
      });
    });
  });

  it('takes over a lock whose heartbeat is too old (a frozen holder)', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'state.lock'), JSON.stringify({ pid: process.pid, host: 'elsewhere', startedAt: '2026-01-01T00:00:00Z' }));
    // The heartbeat is the file's mtime (touched by the holder, never rewritten).
    utimesSync(join(dir, 'state.lock'), new Date('2026-01-01T00:00:00Z'), new Date('2026-01-01T00:00:00Z'));
    const l = new StateLock(join(dir, 'state.lock'), 60_000);
    expect(l.acquire()).toContain('no heartbeat since 2026-01-01T00:00:00.000Z');
    l.release();
  });
});
