// `clipguard watch`: the scheduled compliance scan and the daily checklist, unattended, for months.
// node-cron schedules each job (cron + timezone, validated at start); a job never overlaps itself; one
// `watch` per state dir (lock with stale detection); after downtime one catch-up run, not a burst; a small
// random jitter; a deadline per run shorter than its period; graceful shutdown on SIGTERM/SIGINT.

import { join } from 'node:path';
import cron from 'node-cron';
import type { Config } from '../config/load.js';
import { runScan } from '../scan.js';
import { PaperclipReadCache } from '../sources/paperclip/cache.js';
import { textGuard } from '../sources/index.js';
import { publishChecklist, runChecklist } from '../checklist.js';
import { StateLock, stateLockFile } from './lock.js';
import { fsErrorText, refuseTrackedStateDir } from '../actions/state-dir.js';
import { loadState, saveState, type WatchState } from './state.js';
import { SEVERITIES, type Report } from '../types.js';
import { keepRunsOf, recordOf, rulesLine, writeRunReport, type RunRecord } from './run-reports.js';
import { plain } from '../report/sanitize.js';

export interface JobDef {
  name: string;
  type: 'scan' | 'checklist';
  cron: string;
  timezone?: string;
  /** Act (scan --apply) on this job's runs; default false (dry-run). */
  apply?: boolean;
  only?: string[];
  deadlineMs?: number;
}

export interface WatchOptions {
  logFormat: 'text' | 'json';
  /** Each scheduled run starts after a random delay in [0, jitterMs) ms (catch-up and --once runs start at once). */
  jitterMs: number;
  /** For tests: the jitter's random source, a number in [0, 1) (default Math.random). */
  random?: () => number;
  log: (line: string) => void;
  /** For tests: a function that runs one job (default: the real scan / checklist). */
  runner?: (job: JobDef, config: Config, cache: PaperclipReadCache, signal: AbortSignal, lock: StateLock) => Promise<RunSummary>;
  /** Called once when the state lock was taken over by another process (the watcher has stopped acting). */
  onLockLost?: (reason: string) => void;
  /** How long start() and once() wait for another holder of the state lock (default 0: refused at once). */
  lockWaitMs?: number;
  /** For tests: the lock's stale time (default 10 min; the heartbeat beats every quarter of it). */
  lockStaleMs?: number;
  /** Called after every run with its record (metrics). */
  onRun?: (record: RunRecord) => void;
}

export interface RunSummary {
  ok: boolean;
  findings: number;
  bySeverity?: Record<string, number>;
  actions?: Record<string, number>;
  requests?: number;
  note?: string;
  /** The run's report: what its report file lists (by rule, by severity, actions, sources). */
  report?: Report;
  /** A checklist run's items (a failed item makes `watch --once` exit 1). */
  checklist?: RunRecord['checklist'];
}

export function localTimezone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

export function defaultJobs(): JobDef[] {
  return [
    { name: 'compliance-scan', type: 'scan', cron: '*/15 * * * *' },
    { name: 'daily-checklist', type: 'checklist', cron: '0 9 * * *', timezone: localTimezone() },
  ];
}

export class ScheduleError extends Error {}

/** Jobs from config (`schedule.jobs`), validated: a bad cron or timezone is an error naming the job and field. */
export function jobsFromConfig(config: Config): JobDef[] {
  keepReadsOf(config); // validated at start, like the jobs
  try {
    keepRunsOf(config.schedule);
  } catch (e) {
    throw new ScheduleError((e as Error).message);
  }
  const raw = (config.schedule as { jobs?: unknown }).jobs;
  const jobs = raw === undefined ? defaultJobs() : raw;
  if (!Array.isArray(jobs) || !jobs.length) throw new ScheduleError('schedule.jobs: must be a non-empty array of {name, type: "scan"|"checklist", cron, timezone?, apply?}');
  const names = new Set<string>();
  return jobs.map((job: unknown, i: number) => {
    const j = (job ?? {}) as Record<string, unknown>;
    const where = `schedule.jobs[${i}]${j.name ? ` (${String(j.name)})` : ''}`;
    if (!job || typeof job !== 'object') throw new ScheduleError(`${where}: must be an object`);
    if (typeof j.name !== 'string' || !j.name) throw new ScheduleError(`${where}.name: required`);
    if (names.has(j.name)) throw new ScheduleError(`${where}.name: duplicate job name`);
    names.add(j.name);
    if (j.type !== 'scan' && j.type !== 'checklist') throw new ScheduleError(`${where}.type: must be "scan" or "checklist"`);
    const v = cron.validateDetailed(String(j.cron ?? ''));
    if (!v.valid) throw new ScheduleError(`${where}.cron: invalid cron expression ${JSON.stringify(j.cron)}: ${v.errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`);
    if (j.timezone !== undefined) {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: String(j.timezone) });
      } catch {
        throw new ScheduleError(`${where}.timezone: unknown time zone ${JSON.stringify(j.timezone)} (use an IANA name such as Asia/Taipei)`);
      }
    }
    // Only `true` acts: "yes" or 1 would act through a truthiness test while looking like a typo.
    if (j.apply !== undefined && typeof j.apply !== 'boolean') throw new ScheduleError(`${where}.apply: must be true or false (got ${JSON.stringify(j.apply)})`);
    if (j.deadlineMs !== undefined && !(typeof j.deadlineMs === 'number' && Number.isInteger(j.deadlineMs) && j.deadlineMs > 0)) {
      throw new ScheduleError(`${where}.deadlineMs: must be a positive whole number of milliseconds (got ${JSON.stringify(j.deadlineMs)})`);
    }
    if ((j.deadlineMs as number) > MAX_TIMER_MS) throw new ScheduleError(`${where}.deadlineMs: at most ${MAX_TIMER_MS} ms (~24.8 days, the longest timer Node keeps; got ${j.deadlineMs})`);
    return j as unknown as JobDef;
  });
}

/**
 * `schedule.keepReads` (default true): keep what watch read of Paperclip, masked, in `<stateDir>/paperclip/`
 * so that a restart or `watch --once` reads only what changed. False keeps it in memory only.
 */
export function keepReadsOf(config: Config): boolean {
  const v = (config.schedule as { keepReads?: unknown }).keepReads;
  if (v !== undefined && typeof v !== 'boolean') throw new ScheduleError(`schedule.keepReads: must be true or false (got ${JSON.stringify(v)})`);
  return v !== false;
}

/** The longest delay a Node timer takes (2^31 - 1 ms, ~24.8 days): a longer one fires at once. */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * A run's deadline: `deadlineMs`, else 80% of the period (shorter than the period, as a deadline must be), at
 * most MAX_TIMER_MS: a yearly job's 80% (~292 days) would overflow the timer, which then fires at once and
 * fails every run as late.
 */
export function deadlineOf(job: JobDef, period?: number): number {
  return job.deadlineMs ?? Math.min(MAX_TIMER_MS, Math.max(1, Math.floor((period ?? periodMs(job)) * 0.8)));
}

/** The period of a job: the gap between its next two fire times. */
export function periodMs(job: JobDef): number {
  const task = cron.createTask(job.cron, () => undefined, { timezone: job.timezone, name: `period-${job.name}` });
  try {
    const [a, b] = task.getNextRuns(2);
    return a && b ? b.getTime() - a.getTime() : 15 * 60_000;
  } finally {
    void task.destroy();
  }
}

async function defaultRunner(job: JobDef, config: Config, cache: PaperclipReadCache, signal: AbortSignal, lock: StateLock): Promise<RunSummary> {
  const cfg: Config = { ...config, actions: { ...config.actions, apply: job.apply === true }, repos: config.repos ? [...config.repos] : null };
  if (job.type === 'checklist') {
    const c = await runChecklist(cfg, { signal, paperclipCache: cache, lock });
    signal.throwIfAborted();
    const lost = lock.lostTo();
    if (lost) throw new Error(`the checklist was not published: ${lost}`);
    const published = await publishChecklist(c, cfg, config.checklist);
    const marks = c.items.map((i) => `${i.n}:${i.status}`).join(' ');
    // The checklist is for the board: one computed but not delivered is a failed run (lastError says why).
    if (!published.ok) throw new Error(`the checklist ran (${marks}) but publishing failed: ${published.lines.join('; ')}`);
    const note = marks + (c.ok ? '' : ' (checklist has failures)') + published.lines.map((l) => `; ${l}`).join('');
    const checklist = { ok: c.ok, items: c.items.map((i) => ({ n: i.n, title: i.title, status: i.status, detail: i.detail })) };
    return { ok: true, findings: c.report.summary.total, bySeverity: c.report.summary.bySeverity, actions: c.report.summary.actions, requests: c.requests, note, report: c.report, checklist };
  }
  const r = await runScan(cfg, { only: job.only, paperclipCache: cache, signal, lock });
  // A run that could not act (a state dir that takes no writes, a lock taken over) is a failed run.
  const stopped = r.report.findings.find((f) => f.ruleId === 'source/state-dir-unwritable' || f.ruleId === 'source/state-lock-lost');
  if (stopped) throw new Error(stopped.message);
  const down = r.report.sources.filter((s) => s.status === 'unavailable').map((s) => s.name);
  // A kept read that could not be used (corrupt, other detector settings) is said once: this run read in full.
  const refused = [...cache.refused.values()];
  cache.refused.clear();
  const notes = [...(down.length ? [`unavailable: ${down.join(', ')}`] : []), ...refused.map((why) => `kept read not used: ${why}`)];
  return { ok: true, findings: r.report.summary.total, bySeverity: r.report.summary.bySeverity, actions: r.report.summary.actions, requests: r.requestCount, note: notes.length ? notes.join('; ') : undefined, report: r.report };
}

function runBase(job: JobDef, reason: string, started: number, outcome: 'ok' | 'failed') {
  const now = Date.now();
  return { job: job.name, type: job.type, reason, startedAt: new Date(started).toISOString(), finishedAt: new Date(now).toISOString(), ms: now - started, outcome };
}

/** The jitter before a scheduled run: a whole number of ms in [0, maxMs), from `random()` in [0, 1). */
export function jitterDelay(maxMs: number, random: () => number = Math.random): number {
  if (!(maxMs >= 1)) return 0;
  const max = Math.floor(maxMs);
  return Math.min(max - 1, Math.max(0, Math.floor(random() * max)));
}

export class Watcher {
  private tasks: ReturnType<typeof cron.schedule>[] = [];
  private running = new Map<string, Promise<void>>();
  /** Aborts the current run of each job (its deadline, or a shutdown whose grace ran out). */
  private aborts = new Map<string, AbortController>();
  private state: WatchState;
  private lock: StateLock;
  private stopping = false;
  /** Set once start() or once() took the state lock (a test may run jobs without it). */
  private lockHeld = false;
  /** Scheduled runs waiting out their jitter: a stop cancels them (no new runs). */
  private jittering = new Map<NodeJS.Timeout, () => void>();
  /**
   * Paperclip reads shared by this process's runs and kept (masked) in `<stateDir>/paperclip/` for the next
   * process, so a repeat scan asks only for what changed, also after a restart or in `watch --once`.
   */
  private cache: PaperclipReadCache;
  readonly stateFile: string;
  /** Jobs whose last run in this process had findings at or above failOn, or a failed checklist item. */
  private failing = new Set<string>();

  constructor(
    readonly config: Config,
    readonly jobs: JobDef[],
    readonly opts: WatchOptions,
  ) {
    // Before its state, kept reads and run reports are read (or pruned): not a state directory the checkout brought.
    refuseTrackedStateDir(config.stateDir);
    this.stateFile = join(config.stateDir, 'state.json');
    this.lock = new StateLock(stateLockFile(config.stateDir), opts.lockStaleMs, 'watch');
    // A holder that was paused past the stale time and taken over must not act again: its runs are abandoned
    // and it stops (the other process acts now).
    this.lock.onLost = (reason) => {
      this.log({ event: 'lock-lost', job: '-', note: `${reason}: stopping` });
      for (const ac of this.aborts.values()) ac.abort(new Error(reason));
      void this.stop(0).then(() => this.opts.onLockLost?.(reason));
    };
    this.state = loadState(this.stateFile);
    this.cache = new PaperclipReadCache({ guard: textGuard(config), dir: keepReadsOf(config) ? join(config.stateDir, 'paperclip') : null });
    // Reads kept for companies this state dir no longer scans (a month without a write) are removed.
    this.cache.pruneKept();
  }

  private log(fields: Record<string, unknown>): void {
    this.opts.log(this.opts.logFormat === 'json' ? JSON.stringify({ time: new Date().toISOString(), ...fields }) : textLogLine(new Date(), fields));
  }

  /** Run a job unless it is already running (noOverlap across timer, catch-up and --once runs). */
  async runJob(job: JobDef, reason: 'scheduled' | 'catch-up' | 'once', extra: Record<string, unknown> = {}): Promise<void> {
    if (this.stopping) return;
    if (this.running.has(job.name)) {
      this.log({ event: 'skipped', job: job.name, reason: 'previous run still going (noOverlap)', ...extra });
      return;
    }
    const p = this.execute(job, reason, extra).finally(() => this.running.delete(job.name));
    this.running.set(job.name, p);
    await p;
  }

  /** A cron slot fired: wait out the jitter (so many watchers do not hit Paperclip on the same second), then run. */
  private async scheduled(job: JobDef, slot: Date | undefined): Promise<void> {
    if (this.stopping) return;
    const jitterMs = jitterDelay(this.opts.jitterMs, this.opts.random);
    if (jitterMs > 0) {
      const waited = await new Promise<boolean>((resolve) => {
        const t = setTimeout(() => {
          this.jittering.delete(t);
          resolve(true);
        }, jitterMs);
        this.jittering.set(t, () => resolve(false));
      });
      if (!waited) return;
    }
    await this.runJob(job, 'scheduled', { slot: slot?.toISOString(), jitterMs });
  }

  private async execute(job: JobDef, reason: string, extra: Record<string, unknown> = {}): Promise<void> {
    const started = Date.now();
    const deadline = deadlineOf(job);
    const js = (this.state.jobs[job.name] ??= {});
    js.lastRunAt = new Date(started).toISOString();
    js.runs = (js.runs ?? 0) + 1;
    let timer: NodeJS.Timeout | undefined;
    let work: Promise<RunSummary> | undefined;
    let late = false;
    let rec: RunRecord | undefined;
    const ac = new AbortController();
    this.aborts.set(job.name, ac);
    try {
      const run = () => (this.opts.runner ?? defaultRunner)(job, this.config, this.cache, ac.signal, this.lock);
      work = this.gated ? this.exclusive(run) : run();
      const timeout = new Promise<never>((_, rej) => {
        timer = setTimeout(() => {
          late = true;
          const e = new Error(`deadline of ${deadline} ms exceeded`);
          // Cancels the run's Paperclip calls and stops it before its next action (see ScanOptions.signal).
          ac.abort(e);
          rej(e);
        }, deadline);
      });
      const r = await Promise.race([work, timeout]);
      js.lastSuccessAt = new Date().toISOString();
      js.lastError = undefined;
      const sev = r.bySeverity ? SEVERITIES.filter((s) => r.bySeverity![s]).map((s) => `${s}:${r.bySeverity![s]}`).join(',') : undefined;
      rec = recordOf({ ...runBase(job, reason, started, 'ok'), requests: r.requests, note: r.note }, r.report, r.checklist);
      const rules = r.report ? rulesLine(rec.byRule) : undefined;
      // `failing`: why `watch --once` exits 1 for this run (the run itself finished: event ok).
      this.log({ event: 'ok', job: job.name, reason, ...extra, ms: rec.ms, findings: r.findings, severities: sev, rules, failing: rec.failed ? rec.failReasons.join(', ') : undefined, actions: r.actions ? Object.entries(r.actions).filter(([, n]) => n).map(([k, n]) => `${k}:${n}`).join(',') : undefined, requests: r.requests, note: r.note });
    } catch (e) {
      const error = (e as Error).message;
      js.lastError = error;
      js.failures = (js.failures ?? 0) + 1;
      rec = recordOf({ ...runBase(job, reason, started, 'failed'), error }, undefined);
      this.log({ event: 'failed', job: job.name, reason, ...extra, ms: rec.ms, error });
    } finally {
      clearTimeout(timer);
      this.state.cursors = this.cache.cursors();
      const unsaved = this.save();
      if (unsaved) this.log({ event: 'failed', job: job.name, reason, error: unsaved });
    }
    if (rec) this.recordRun(job, rec);
    if (late && work) {
      // The abort ends Paperclip calls and actions at once, but not a git or file read in progress: the job
      // stays "running" (so the next run is skipped, not overlapped) until it ends, or for one more deadline at most.
      let grace: NodeJS.Timeout | undefined;
      const settled = await Promise.race([
        work.then(() => true, () => true),
        new Promise<false>((res) => (grace = setTimeout(() => res(false), deadline))),
      ]);
      clearTimeout(grace);
      this.log({ event: settled ? 'late-run-ended' : 'late-run-abandoned', job: job.name, ms: Date.now() - started });
    }
    this.aborts.delete(job.name);
  }

  /** Keep the run's report in <stateDir>/runs/ (unless the lock was lost: the directory is another process's) and tell onRun. */
  private recordRun(job: JobDef, rec: RunRecord): void {
    if (rec.failed) this.failing.add(job.name);
    else this.failing.delete(job.name);
    if (!(this.lockHeld && this.lock.lostTo())) {
      try {
        writeRunReport(this.config.stateDir, rec, keepRunsOf(this.config.schedule));
      } catch (e) {
        this.log({ event: 'warning', job: job.name, note: `the run report was not kept in ${this.config.stateDir}/runs (${fsErrorText(e)})` });
      }
    }
    try {
      this.opts.onRun?.(rec);
    } catch (e) {
      this.log({ event: 'warning', job: job.name, note: `metrics: ${(e as Error).message}` });
    }
  }

  /** Some job's last run had findings at or above failOn, or a checklist item failed (`watch --once` exits 1). */
  findingsFailed(): boolean {
    return this.failing.size > 0;
  }

  /**
   * Save the job state; on a full disk or a read-only state dir, the reason (logged as a failed run: the
   * watcher goes on, and the state is saved by the next run that can). Nothing is saved by a watcher that lost
   * its lock: the state dir is the other process's now.
   */
  private save(): string | null {
    if (this.lockHeld && this.lock.lostTo()) return null;
    try {
      saveState(this.stateFile, this.state);
      return null;
    } catch (e) {
      return `the watch state could not be saved to ${this.stateFile} (${fsErrorText(e)})`;
    }
  }

  /** Acquire the lock, schedule every job, and do one catch-up run per job that missed its period. */
  async start(): Promise<void> {
    const note = await this.lock.acquireWithin(this.opts.lockWaitMs ?? 0);
    this.lockHeld = true;
    if (note) this.log({ event: 'lock', job: '-', note });
    for (const job of this.jobs) {
      // The jitter is ours (scheduled), not node-cron's maxRandomDelay: it is logged with the run, and a stop
      // cancels a run still waiting it out.
      const task = cron.schedule(job.cron, (ctx) => this.scheduled(job, ctx?.date), {
        name: `clipguard-${job.name}`,
        timezone: job.timezone,
        noOverlap: false, // ours (runJob) logs a skip in the log format; node-cron's own warning is a raw console line
      });
      this.tasks.push(task);
      this.log({ event: 'scheduled', job: job.name, cron: job.cron, timezone: job.timezone ?? localTimezone(), next: task.getNextRun()?.toISOString(), apply: job.apply === true });
      const period = periodMs(job);
      const deadline = deadlineOf(job, period);
      if (deadline >= period) {
        // Allowed (noOverlap still holds: a run that is still going makes the next one skip), but said.
        this.log({ event: 'warning', job: job.name, note: `deadlineMs ${deadline} is not shorter than the period (${period} ms): runs that take that long make the next ones skip` });
      }
    }
    const now = Date.now();
    const due = this.jobs.filter((job) => {
      const last = this.state.jobs[job.name]?.lastSuccessAt;
      return !last || now - Date.parse(last) > periodMs(job);
    });
    for (const job of due) void this.runJob(job, 'catch-up');
  }

  async once(): Promise<boolean> {
    await this.lock.acquireWithin(this.opts.lockWaitMs ?? 0);
    this.lockHeld = true;
    try {
      for (const job of this.jobs) await this.runJob(job, 'once');
    } finally {
      this.lock.release();
    }
    return this.jobs.every((j) => !this.state.jobs[j.name]?.lastError);
  }

  /** Stop scheduling, let a current run finish within `graceMs` (else abandon it), save state, release the lock. */
  async stop(graceMs = 10_000, signal?: string): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (signal) this.log({ event: 'signal', job: '-', signal, note: 'shutting down' });
    for (const t of this.tasks) await t.destroy();
    for (const [t, cancel] of this.jittering) {
      clearTimeout(t);
      cancel();
    }
    this.jittering.clear();
    const current = [...this.running.values()];
    if (current.length) {
      this.log({ event: 'stopping', job: '-', waiting: current.length });
      const finished = await Promise.race([Promise.allSettled(current).then(() => true), new Promise<false>((r) => setTimeout(() => r(false), graceMs).unref())]);
      if (!finished) {
        // Out of grace: abandon the runs (no action starts after this) and give them a moment to record it.
        for (const ac of this.aborts.values()) ac.abort(new Error(`shutdown: run abandoned after ${graceMs} ms of grace`));
        await Promise.race([Promise.allSettled(current), new Promise((r) => setTimeout(r, 2_000).unref())]);
      }
    }
    const unsaved = this.save();
    if (unsaved) this.log({ event: 'warning', job: '-', note: unsaved });
    this.lock.release();
    this.log({ event: 'stopped', job: '-' });
  }

  jobState(): WatchState {
    return this.state;
  }

  /**
   * With `watch --live`: the jobs' runs and the live runs on one issue, one at a time (set before start()). Two
   * runs of one process acting at once on the same new comment would both redact it; one after the other, the
   * second finds it done. A live event that comes during a scheduled run waits for it.
   */
  gated = false;
  private gate: Promise<unknown> = Promise.resolve();
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.gate.then(fn, fn);
    this.gate = next.catch(() => undefined);
    return next;
  }

  /** The state lock this watcher holds (`watch --live` acts under it too). */
  get stateLock(): StateLock {
    return this.lock;
  }
}

/**
 * One line of the text log. Its values carry server answers, error messages and file names: no control
 * character (an ANSI escape from a hostile name or answer) reaches the terminal, and one event stays one line.
 */
export function textLogLine(time: Date, fields: Record<string, unknown>): string {
  const { event, job, ...rest } = fields;
  const pairs = Object.entries(rest).filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  return plain(`${time.toISOString()} ${String(job ?? '-')} ${String(event)} ${pairs.join(' ')}`.replace(/\s*[\r\n]+\s*/g, ' ')).trimEnd();
}
