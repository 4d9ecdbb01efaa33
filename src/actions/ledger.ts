// The idempotency ledger: what clipguard already did (or started doing), persisted in the state dir, so a
// repeated or interrupted `scan --apply` never does an action twice. Written atomically (tmp + rename).

import { readFileSync } from 'node:fs';
import { writePrivateFileAtomic } from '../util/private-file.js';

export interface LedgerEntry {
  /**
   * `skipped` / `failed`: a planner decision already in the audit log, with its reason (see executeActions). `refused`: the
   * server refused a write for good (deleting another user's comment), with its answer; not tried again until pruned (7 days).
   */
  status: 'started' | 'partial' | 'applied' | 'skipped' | 'failed' | 'refused';
  at: string;
  /** For `skipped` and `failed`: the reason recorded. */
  detail?: string;
  /** For a multi-step action interrupted half-way (release done, checkout not): what is left. */
  resume?: { type: string; params: Record<string, unknown>; rule: string; target: string; fingerprint?: string; attemptedAt?: string; releaseSentAt?: string };
}

/**
 * Entries that record a standing state, never forgotten by age: a half-done action (`partial`, above), and a pause
 * clipguard made (applied `pause:`): with the activity log off it is the only record that the pause is clipguard's,
 * and forgotten it would read as a person's, which ops/paused-agent may resume (a runaway loop or a budget stop
 * undone by clipguard itself, after 7 days). One key per agent and rule, so they do not pile up.
 */
function standing(key: string, e: LedgerEntry): boolean {
  return e.status === 'partial' || (e.status === 'applied' && key.startsWith('pause:'));
}

export class Ledger {
  private entries: Record<string, LedgerEntry> = {};
  /**
   * The last write that failed (a full disk, a read-only state dir), or null. The entries stay right in memory
   * for this run; the executor stops acting once the ledger cannot be saved (see executeActions).
   */
  writeError: unknown = null;
  /** The keys this process set (its entry) or deleted (null) since its last save: what a save merges. */
  private readonly changed = new Map<string, LedgerEntry | null>();
  constructor(
    readonly file: string,
    readonly ttlMs = 60 * 60 * 1000,
  ) {
    try {
      this.entries = this.onDisk() ?? {};
    } catch {
      // An unreadable ledger must not stop the scan: start empty; re-read-before-act still prevents repeats.
      this.entries = {};
    }
  }

  get(key: string, now = Date.now()): LedgerEntry | null {
    const e = this.entries[key];
    if (!e) return null;
    if (e.status === 'applied' && now - Date.parse(e.at) > this.ttlMs) return null;
    return e;
  }

  set(key: string, entry: LedgerEntry): void {
    this.entries[key] = entry;
    this.changed.set(key, entry);
    this.save();
  }

  delete(key: string): void {
    delete this.entries[key];
    this.changed.set(key, null);
    this.save();
  }

  /** Applied entries whose key starts with `prefix` (e.g. every `reset-session:` done), newest state per key. */
  applied(prefix: string): [string, LedgerEntry][] {
    return Object.entries(this.entries).filter(([k, e]) => k.startsWith(prefix) && e.status === 'applied');
  }

  pending(): [string, LedgerEntry][] {
    return Object.entries(this.entries).filter(([, e]) => e.status === 'partial' && e.resume);
  }

  /**
   * Forgets entries older than 7 days (the ledger's window, if longer), except standing ones (clipguard's pauses, and a
   * `partial` one): a half-done action
   * (an issue released, its re-checkout not made) is the only record that the issue was left without its agent, and
   * the pending finding every report shows for it (pending.ts) comes from it. It goes when the world settles it (the
   * completion, or the issue or agent taken, paused or gone: executor.ts resumePending), never by age: one that still
   * cannot be completed after 7 days (an agent running all week, a server unreachable) is what must stay in sight.
   */
  prune(now = Date.now()): void {
    let gone = 0;
    for (const [k, e] of Object.entries(this.entries)) if (!standing(k, e) && now - Date.parse(e.at) > Math.max(this.ttlMs, 7 * 86_400_000)) (delete this.entries[k], this.changed.set(k, null), gone++);
    // Saved: the executor prunes last, after its last write (before, the pruned entries stayed on disk, so a planner
    // decision was never recorded again after 7 days, nor a refused write tried again, as the entries say).
    if (gone) this.save();
  }

  /**
   * Merges this process's changes into the file as it is now, not the whole map it read at its start: a process
   * whose lock was taken over while an action was in flight still saves that action, and neither it nor the new
   * holder erases what the other saved (an entry may be the only record of an issue left without its agent).
   */
  private save(): void {
    try {
      const entries = this.onDisk() ?? { ...this.entries };
      for (const [k, e] of this.changed) {
        if (e) entries[k] = e;
        else delete entries[k];
      }
      writePrivateFileAtomic(this.file, JSON.stringify({ version: 1, entries }, null, 1));
      this.entries = entries;
      this.changed.clear();
    } catch (e) {
      this.writeError = e;
    }
  }

  /** The file's entries now; null when it is missing or unreadable as a ledger (then this process's map stands). */
  private onDisk(): Record<string, LedgerEntry> | null {
    try {
      const entries = JSON.parse(readFileSync(this.file, 'utf8')).entries;
      return entries && typeof entries === 'object' && !Array.isArray(entries) ? entries : null;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || e instanceof SyntaxError) return null;
      throw e;
    }
  }
}

/**
 * When clipguard last reset each agent's session (agent id -> ISO time), read from the ledger's applied
 * `reset-session:<agentId>:...` entries. The loop fact starts counting runs after it and keeps
 * ops/agent-looping quiet for its cool-down, so a reset is not repeated on every scan.
 */
export function sessionResets(file: string): Record<string, string> {
  // Keyed by agent ids: no prototype, so an agent `constructor` has no reset unless one is recorded.
  const out: Record<string, string> = Object.create(null);
  for (const [key, e] of new Ledger(file).applied('reset-session:')) {
    const agentId = key.split(':')[1];
    if (agentId && (!out[agentId] || out[agentId] < e.at)) out[agentId] = e.at;
  }
  return out;
}

/**
 * The pauses clipguard made, by agent id, from the ledger's applied `pause:<agentId>:...` entries (the only
 * pausing rule is budget/agent-spend-exceeded). The activity log's `clipguard.pause` entries say the same and
 * outlive a fresh state directory; the subjects read both.
 */
export function ledgerPauses(file: string): Record<string, { at: string; rule: string }[]> {
  // Keyed by agent ids: no prototype (an agent `constructor` is an agent like any other).
  const out: Record<string, { at: string; rule: string }[]> = Object.create(null);
  for (const [key, e] of new Ledger(file).applied('pause:')) {
    const parts = key.split(':');
    const agentId = parts[1];
    // `pause:<agent>::` is a budget pause; `pause:<agent>:::<rule>` one for that rule (pause.ts ledgerKey).
    if (agentId) (out[agentId] ??= []).push({ at: e.at, rule: parts.slice(4).join(':') || 'budget/agent-spend-exceeded' });
  }
  return out;
}
