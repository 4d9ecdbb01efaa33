// The state lock: one acting clipguard per state directory. `watch` (for its whole life), `scan --apply` and
// `checklist --apply / --post-*` (for their run) hold `<stateDir>/state.lock`, which names the holder (pid,
// host, command, start time) and a random token written at acquisition. The ledger, the audit log and the
// kept reads are shared files that one process reads, changes and writes back: two writers would lose entries
// and act twice, so the state directory is the unit of exclusion, whatever server each run reads.
//
// The heartbeat is the file's mtime (touched, never rewritten: a paused holder that wakes up cannot overwrite
// the lock of the process that took it over). A lock whose pid is gone (same host), or whose heartbeat is older
// than `staleMs` (a hung or frozen holder), is taken over. Before each write action the holder asks `lostTo()`:
// the file no longer holding its token means another process took over, and this one must stop acting.

import { randomBytes } from 'node:crypto';
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, utimesSync, writeSync, constants } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fsErrorText, refuseTrackedStateDir, symlinkedStateDir } from '../actions/state-dir.js';

export interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
  /** What holds it, e.g. "scan --apply", "watch". */
  command?: string;
  /** Written at acquisition; the lock is this process's while the file holds it. */
  token?: string;
  /** The file's mtime: the last heartbeat (filled in by readLock). */
  heartbeatAt: string;
}

export class LockError extends Error {
  constructor(
    message: string,
    readonly holder: LockInfo | null,
    /** The state directory refused the lock file (read-only, full, no permission): no other process is involved. */
    readonly unwritable = false,
  ) {
    super(message);
    this.name = 'LockError';
  }
}

/** The lock of a state directory (one per directory, for every command that writes there). */
export const stateLockFile = (stateDir: string): string => join(stateDir, 'state.lock');

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
    const info = JSON.parse(readFileSync(file, 'utf8')) as LockInfo;
    if (!info || typeof info !== 'object' || typeof info.pid !== 'number') return null;
    return { ...info, heartbeatAt: statSync(file).mtime.toISOString() };
  } catch {
    return null;
  }
}

export function describeHolder(h: LockInfo): string {
  return `${h.command ?? 'clipguard'} (pid ${h.pid} on ${h.host}, since ${h.startedAt}, last heartbeat ${h.heartbeatAt})`;
}

export class StateLock {
  private timer: NodeJS.Timeout | null = null;
  private info: LockInfo | null = null;
  private lost: string | null = null;
  /** Called once when the heartbeat finds the lock taken over (watch stops its runs). */
  onLost: ((reason: string) => void) | null = null;

  constructor(
    readonly file: string,
    readonly staleMs = 10 * 60_000,
    readonly command = 'clipguard',
  ) {}

  /**
   * Take the lock now or throw LockError naming the live holder (also when the state directory cannot be
   * written). Returns a note when a stale lock was taken over.
   */
  acquire(now = new Date()): string | null {
    const link = symlinkedStateDir(dirname(this.file));
    if (link) throw new LockError(link, null, true);
    // Before the lock file is written into it: a state directory the checkout brought is refused (exit 2).
    refuseTrackedStateDir(dirname(this.file));
    try {
      mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    } catch (e) {
      throw new LockError(`cannot create the state directory ${dirname(this.file)} (${fsErrorText(e)}); give a writable one with --state-dir or CLIPGUARD_STATE_DIR`, null, true);
    }
    const info: LockInfo = { pid: process.pid, host: hostname(), command: this.command, token: randomBytes(16).toString('hex'), startedAt: now.toISOString(), heartbeatAt: now.toISOString() };
    let note: string | null = null;
    for (let attempt = 0; attempt < 3; attempt++) {
      let fd: number;
      try {
        // O_EXCL: exactly one process creates the file.
        fd = openSync(this.file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new LockError(`cannot create the state lock ${this.file} (${fsErrorText(e)}); the state directory must be writable (--state-dir, CLIPGUARD_STATE_DIR)`, null, true);
        const holder = readLock(this.file);
        const sameHost = !holder || holder.host === info.host;
        const dead = holder !== null && sameHost && !alive(holder.pid);
        // A file without a readable holder may be one being written this instant: stale only once it is old.
        const age = holder ? now.getTime() - Date.parse(holder.heartbeatAt) : now.getTime() - this.mtime();
        const stale = age > (holder ? this.staleMs : 5_000);
        if (!(dead || stale)) {
          throw new LockError(`the state directory ${dirname(this.file)} is in use by another clipguard: ${holder ? describeHolder(holder) : 'a lock being written'}`, holder);
        }
        note = `took over a stale lock from pid ${holder?.pid ?? '?'} (${dead ? 'process gone' : 'no heartbeat since ' + (holder?.heartbeatAt ?? 'its creation')})`;
        this.removeStale(holder);
        continue;
      }
      try {
        writeSync(fd, JSON.stringify({ pid: info.pid, host: info.host, command: info.command, token: info.token, startedAt: info.startedAt }));
      } catch (e) {
        closeSync(fd);
        try {
          unlinkSync(this.file);
        } catch {
          /* nothing to remove */
        }
        throw new LockError(`cannot write the state lock ${this.file} (${fsErrorText(e)}); the state directory must be writable (--state-dir, CLIPGUARD_STATE_DIR)`, null, true);
      }
      closeSync(fd);
      this.info = info;
      this.lost = null;
      this.timer = setInterval(() => this.beat(), Math.max(250, Math.floor(this.staleMs / 4)));
      this.timer.unref();
      return note;
    }
    throw new LockError(`could not take ${this.file}: other processes kept taking it over`, readLock(this.file));
  }

  /** acquire(), retried until `waitMs` has passed while another live process holds the lock. */
  async acquireWithin(waitMs: number): Promise<string | null> {
    const until = Date.now() + Math.max(0, waitMs);
    for (;;) {
      try {
        return this.acquire();
      } catch (e) {
        // Busy (a holder, or a lock file another process is writing this instant) is waited for; a state
        // directory that refuses the file is not.
        if (!(e instanceof LockError) || e.unwritable || Date.now() >= until) {
          if (e instanceof LockError && !e.unwritable) {
            throw new LockError(
              `${e.message}; waited ${Math.round(waitMs / 1000)} s (--lock-wait). Let it finish, stop it, or use another --state-dir; a lock whose process is gone, or whose heartbeat is older than ${Math.round(this.staleMs / 60_000)} min, is taken over.`,
              e.holder,
            );
          }
          throw e;
        }
        await new Promise((r) => setTimeout(r, Math.min(250, Math.max(10, until - Date.now()))));
      }
    }
  }

  /**
   * Null while the lock file still holds this process's token; otherwise why this process may no longer act
   * (it is remembered: a lost lock is never owned again by this object without a new acquire()).
   */
  lostTo(): string | null {
    if (this.lost) return this.lost;
    if (!this.info) return (this.lost = 'the state lock is not held');
    let raw: { token?: unknown; pid?: unknown; command?: unknown } | null = null;
    try {
      raw = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // A torn read of a lock being written by a taker is still not ours; an unreadable file is not proof.
      if (code !== 'ENOENT' && !(e instanceof SyntaxError)) return null;
      return (this.lost = code === 'ENOENT' ? `lost the state lock: ${this.file} was removed` : `lost the state lock: ${this.file} holds another process's lock`);
    }
    if (raw?.token === this.info.token) return null;
    return (this.lost = `lost the state lock to pid ${String(raw?.pid ?? '?')} (${String(raw?.command ?? 'clipguard')})`);
  }

  private beat(): void {
    if (!this.info) return;
    const lost = this.lostTo();
    if (lost) {
      if (this.timer) clearInterval(this.timer);
      this.timer = null;
      this.onLost?.(lost);
      return;
    }
    try {
      const t = new Date();
      utimesSync(this.file, t, t);
    } catch {
      // A state dir that turned read-only: the next write action finds out, with its own message.
    }
  }

  private mtime(): number {
    try {
      return statSync(this.file).mtimeMs;
    } catch {
      return 0;
    }
  }

  /**
   * Move a stale lock aside. Two processes may judge the same lock stale: the second one's rename can then
   * move the first one's fresh lock, so what was moved is checked and, when it is not the stale one, put back
   * (link fails if a third process created a lock meanwhile: that one stands).
   */
  private removeStale(stale: LockInfo | null): void {
    const aside = `${this.file}.stale.${process.pid}`;
    try {
      renameSync(this.file, aside);
    } catch {
      return; // someone else moved it first; the next attempt decides
    }
    let moved: { token?: unknown } | null = null;
    try {
      moved = JSON.parse(readFileSync(aside, 'utf8'));
    } catch {
      moved = null;
    }
    if (stale && moved?.token !== stale.token) {
      try {
        linkSync(aside, this.file);
      } catch {
        /* another lock stands: ours is the one to give up */
      }
    }
    try {
      unlinkSync(aside);
    } catch {
      /* gone */
    }
  }

  release(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.info && !this.lostTo()) {
      try {
        unlinkSync(this.file);
      } catch {
        /* already gone */
      }
    }
    this.info = null;
  }
}
