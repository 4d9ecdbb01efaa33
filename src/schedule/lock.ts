// One `watch` per state dir: a lock file holding the owner's pid and a heartbeat time. A lock whose pid is
// gone, or whose heartbeat is older than `staleMs` (a hung or frozen owner), is taken over, so a crashed
// process never leaves the lock stuck.

import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync, writeSync, constants } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';

export interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
  heartbeatAt: string;
}

export class LockError extends Error {
  constructor(
    message: string,
    readonly holder: LockInfo | null,
  ) {
    super(message);
    this.name = 'LockError';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function readLock(file: string): LockInfo | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LockInfo;
  } catch {
    return null;
  }
}

export class StateLock {
  private timer: NodeJS.Timeout | null = null;
  private info: LockInfo | null = null;
  constructor(
    readonly file: string,
    readonly staleMs = 10 * 60_000,
  ) {}

  /** Take the lock or throw LockError naming the live holder. Returns a note when a stale lock was taken over. */
  acquire(now = new Date()): string | null {
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const info: LockInfo = { pid: process.pid, host: hostname(), startedAt: now.toISOString(), heartbeatAt: now.toISOString() };
    let note: string | null = null;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        // O_EXCL: exactly one process creates the file.
        const fd = openSync(this.file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
        writeSync(fd, JSON.stringify(info));
        closeSync(fd);
        this.info = info;
        this.timer = setInterval(() => this.beat(), Math.max(1000, Math.floor(this.staleMs / 4)));
        this.timer.unref();
        return note;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const holder = readLock(this.file);
        const sameHost = !holder || holder.host === info.host;
        const dead = holder && sameHost && !alive(holder.pid);
        const stale = !holder || now.getTime() - Date.parse(holder.heartbeatAt) > this.staleMs;
        if (!(dead || stale)) {
          throw new LockError(`another clipguard watch holds ${this.file} (pid ${holder!.pid} on ${holder!.host}, since ${holder!.startedAt}); stop it first, or use another stateDir`, holder);
        }
        note = `took over a stale lock from pid ${holder?.pid ?? '?'} (${dead ? 'process gone' : 'no heartbeat since ' + holder?.heartbeatAt})`;
        // Move it aside atomically, so two processes racing for a stale lock cannot both delete a fresh one.
        try {
          renameSync(this.file, `${this.file}.stale.${process.pid}`);
          unlinkSync(`${this.file}.stale.${process.pid}`);
        } catch {
          /* someone else took it over first; the next attempt decides */
        }
      }
    }
    throw new LockError(`could not take ${this.file}`, readLock(this.file));
  }

  private beat(): void {
    if (!this.info) return;
    this.info.heartbeatAt = new Date().toISOString();
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.info), { mode: 0o600 });
    renameSync(tmp, this.file);
  }

  release(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const holder = readLock(this.file);
    if (holder && holder.pid === process.pid && existsSync(this.file)) unlinkSync(this.file);
    this.info = null;
  }
}
