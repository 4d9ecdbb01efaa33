// What one read of a company left behind, so that the next read (the next `watch` cycle, or the first one
// after a restart) asks the server only for what changed: issues updated since the newest `updatedAt` seen
// (server-side `updatedSince`), and the comments and full descriptions of those issues only. Adding or
// deleting a comment bumps its issue's `updatedAt` on Paperclip 2026.916.1, so an issue whose `updatedAt` is
// unchanged has unchanged comments.
//
// Ticket text can hold secrets, and the cache is written to disk (`<stateDir>/paperclip/`, 0600 files in a
// 0700 directory) so that a restart or `watch --once` stays incremental. So nothing is kept as read: every
// string of every kept record passes through the secret detector and what it finds is replaced by
// `[REDACTED:kind]` (the same masking the redact action posts), and the `secrets` facts of each kept text are
// kept beside it, computed once on the text as read. A later scan takes those facts for the unchanged texts
// instead of detecting again on the masked copy (which would find nothing). The facts are masked already
// (kind, line, preview, a fingerprint of the line around the secret), never the secret.
//
// Kept facts are only valid for the detector settings that made them (allowlist, extra patterns, clipguard
// version): the `signature` of the guard says which, and an entry made under another one is not used (a full
// read follows). The whole issue list is read again every `fullEveryMs` (default 1 h): an issue that leaves
// the list without a newer `updatedAt` (deleted, moved to another company) is only noticed that way. The
// comments, activity and full descriptions of the issues whose `updatedAt` is unchanged are still not re-read.

import { hash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { RedactSpan } from '../../detectors/secrets/redact.js';
import { writePrivateFileAtomic } from '../../util/private-file.js';
import { issueText, own, redactIssueFields, type KeptSecrets, type ReadSecrets } from './model.js';
import * as z from 'zod';
import type { Activity, Comment, Issue } from './records.js';
import { isJsonObject } from './json.js';
import { RunLogMemory } from './run-logs.js';
import { byCodeUnits } from '../../util/compare.js';

/** Masked matches, as the `secrets` fact of a subject holds them. */
export type { KeptSecrets, ReadSecrets };

/** What the cache needs of the secret detector, with the settings of this process's config. */
export interface TextGuard {
  /** Identifies the detector settings: facts kept under another signature are not reused. */
  signature: string;
  /** The masked `secrets` facts of each text. */
  secrets(texts: readonly string[]): KeptSecrets[];
  /** Where the secrets of each text are (kind and offsets): for texts whose parts are kept apart (an issue's title and description). */
  spans(texts: readonly string[]): RedactSpan[][];
  /** Each text with every secret the detector finds in it replaced by `[REDACTED:kind]`. */
  mask(texts: readonly string[]): string[];
}

export interface CachedCompany {
  /** The list rows, masked; `description` is the full one (and `descriptionTruncated` false) where it was fetched. */
  issues: Map<string, Issue>;
  /** issueId -> the secrets facts of its title and description as read at this updatedAt (`full`: the whole description). */
  texts: Map<string, { updatedAt: string; full: boolean; secrets: KeptSecrets }>;
  /** issueId -> comments (masked) as read when the issue had this updatedAt, with each comment body's secrets facts. */
  comments: Map<string, { updatedAt: string; comments: Comment[]; secrets: KeptSecrets[] }>;
  /** issueId -> the activity rows (masked) of a blocked issue (who blocked it), as read when it had this updatedAt. */
  activity: Map<string, { updatedAt: string; rows: Activity[] }>;
  /** When the last full issue list was read (ms since epoch). */
  fullAt: number;
}

/** What a read hands the cache: its final issues (raw where fresh), and the comments and activity it used. */
export interface ReadResult {
  issues: Issue[];
  comments: Map<string, { updatedAt: string; comments: Comment[] }>;
  activity: Map<string, { updatedAt: string; rows: Activity[] }>;
  fullAt: number;
}


// What a kept file holds, as store() writes it: the rows only as far as the cache itself reads them.
const stamped = { updatedAt: z.string() };
const CacheFile = z.object({
  version: z.literal(1),
  signature: z.string(),
  baseUrl: z.string(),
  companyId: z.string(),
  fullAt: z.number(),
  issues: z.array(z.looseObject({ id: z.string(), updatedAt: z.string(), descriptionTruncated: z.unknown().optional() })),
  texts: z.record(z.string(), z.object({ ...stamped, full: z.boolean(), secrets: z.array(z.record(z.string(), z.unknown())) })),
  comments: z.record(z.string(), z.object({ ...stamped, comments: z.array(z.looseObject({})), secrets: z.array(z.array(z.record(z.string(), z.unknown()))) })),
  activity: z.record(z.string(), z.object({ ...stamped, rows: z.array(z.looseObject({})) })),
});

/** Slack under the newest `updatedAt` seen: the server filters strictly after, at millisecond precision. */
const SINCE_SLACK_MS = 2_000;
const FILE_VERSION = 1;

export class PaperclipReadCache {
  private companies = new Map<string, CachedCompany>();
  readonly fullEveryMs: number;
  readonly dir: string | null;
  readonly guard: TextGuard;
  /** Why the last load of a kept file was refused (for the log), by company key. */
  readonly refused = new Map<string, string>();
  /** Which heartbeat runs' logs were read, and what was found in them, masked (run-logs.ts): kept in the same directory. */
  readonly runLogs: RunLogMemory;

  constructor(opts: { guard: TextGuard; fullEveryMs?: number; dir?: string | null }) {
    this.fullEveryMs = opts.fullEveryMs ?? 60 * 60_000;
    this.guard = opts.guard;
    this.dir = opts.dir ?? null;
    this.runLogs = new RunLogMemory(this.dir, this.guard.signature);
  }

  private key(baseUrl: string, companyId: string): string {
    return `${baseUrl}\u0000${companyId}`;
  }

  /** The file that keeps one company of one server (named by a hash: a base URL is no file name). */
  file(baseUrl: string, companyId: string): string | null {
    return this.dir ? join(this.dir, `${hash('sha256', this.key(baseUrl, companyId), 'hex').slice(0, 32)}.json`) : null;
  }

  /** The previous read of this company (from memory, else from disk), however old; null when there is none. */
  held(baseUrl: string, companyId: string): CachedCompany | null {
    const k = this.key(baseUrl, companyId);
    let c = this.companies.get(k);
    if (!c) {
      c = this.load(baseUrl, companyId) ?? undefined;
      if (c) this.companies.set(k, c);
    }
    return c ?? null;
  }

  /** Whether the whole issue list is to be read again (every `fullEveryMs`). */
  fullDue(c: CachedCompany, now: Date): boolean {
    return now.getTime() - c.fullAt >= this.fullEveryMs;
  }

  /** The previous read of this company, unless there is none or a full list is due. */
  lookup(baseUrl: string, companyId: string, now: Date): CachedCompany | null {
    const c = this.held(baseUrl, companyId);
    return c && !this.fullDue(c, now) ? c : null;
  }

  /**
   * Keep what this read of the company saw, masked, and give back the secrets facts of all its texts: kept
   * ones where the text is unchanged since they were made, detected now on the text as read otherwise.
   */
  store(baseUrl: string, companyId: string, read: ReadResult): ReadSecrets {
    const prev = this.companies.get(this.key(baseUrl, companyId)) ?? null;
    // Keyed by ids the server chose: no prototype (see subjects.ts own()).
    const out: ReadSecrets = { issues: Object.create(null), comments: Object.create(null) };
    const entry: CachedCompany = { issues: new Map(), texts: new Map(), comments: new Map(), activity: new Map(), fullAt: read.fullAt };

    // Issue texts (title + description, as the issue subject scans them): detect where not known for this version.
    const detect: Issue[] = [];
    for (const i of read.issues) {
      const full = i.descriptionTruncated !== true;
      const t = prev?.texts.get(i.id);
      if (t && t.updatedAt === i.updatedAt && t.full === full) {
        out.issues[i.id] = t.secrets;
        entry.texts.set(i.id, t);
      } else detect.push(i);
    }

    // Comments: an entry the read took from here is kept as it is; fresh ones are detected and masked.
    const fresh: [string, { updatedAt: string; comments: Comment[] }][] = [];
    for (const [id, e] of read.comments) {
      const kept = prev?.comments.get(id);
      if (kept && kept.comments === e.comments) {
        kept.comments.forEach((c, k) => (out.comments[c.id] = kept.secrets[k]));
        entry.comments.set(id, kept);
      } else fresh.push([id, e]);
    }
    const bodies = fresh.flatMap(([, e]) => e.comments.map((c) => (typeof c.body === 'string' ? c.body : '')));

    // The new issue texts and comment bodies, detected in one batch (one keyword pass over all of them).
    const texts = [...detect.map(issueText), ...bodies];
    const found = texts.length ? this.guard.secrets(texts) : [];
    detect.forEach((i, k) => {
      out.issues[i.id] = found[k];
      entry.texts.set(i.id, { updatedAt: i.updatedAt, full: i.descriptionTruncated !== true, secrets: found[k] });
    });
    let n = detect.length;
    // Masking keeps each record's shape (only strings with a secret change): a masked issue is still an Issue.
    const toMask: unknown[] = [];
    const slots: ((masked: never) => void)[] = [];
    for (const [id, e] of fresh) {
      const secrets = e.comments.map((c) => (out.comments[c.id] = found[n++]));
      const kept = { updatedAt: e.updatedAt, comments: [] as Comment[], secrets };
      entry.comments.set(id, kept);
      e.comments.forEach((c, k) => {
        toMask.push(c);
        slots.push((m: Comment) => (kept.comments[k] = m));
      });
    }

    // What this read did not ask for but an earlier one kept still holds while its issue's updatedAt is the same:
    // kept too, so that two jobs with different needs (an ops scan reads only blocked issues' comments, a
    // security scan all of them) do not wipe each other's reads.
    const now = new Map(read.issues.map((i) => [i.id, i.updatedAt]));
    for (const [id, kept] of prev?.comments ?? []) {
      if (entry.comments.has(id) || now.get(id) !== kept.updatedAt) continue;
      entry.comments.set(id, kept);
    }
    for (const [id, kept] of prev?.activity ?? []) if (!read.activity.has(id) && now.get(id) === kept.updatedAt) entry.activity.set(id, kept);

    // Rows and activity: whatever did not come from here is masked before it is kept. An issue's title and
    // description are masked first with the spans of their text as the facts were made on it (issueText: a
    // key in the title may be a key only for a word in the description), then, like every string, alone.
    const dirty = read.issues.filter((i) => prev?.issues.get(i.id) !== i && out.issues[i.id]?.length);
    const spans = dirty.length ? this.guard.spans(dirty.map(issueText)) : [];
    const joint = new Map(dirty.map((i, k) => [i.id, spans[k].length ? { ...i, ...redactIssueFields(i, spans[k]) } : i]));
    for (const i of read.issues) {
      if (prev?.issues.get(i.id) === i) entry.issues.set(i.id, i);
      else {
        toMask.push(joint.get(i.id) ?? i);
        slots.push((m: Issue) => entry.issues.set(i.id, m));
      }
    }
    for (const [id, a] of read.activity) {
      const kept = prev?.activity.get(id);
      if (kept && kept.rows === a.rows) entry.activity.set(id, kept);
      else {
        const rows: Activity[] = [];
        entry.activity.set(id, { updatedAt: a.updatedAt, rows });
        a.rows.forEach((r, k) => {
          toMask.push(activityFacts(r));
          slots.push((m: Activity) => (rows[k] = m));
        });
      }
    }
    const masked = maskRecords(toMask, this.guard);
    masked.forEach((m, k) => slots[k](m as never));
    // Rows went in read order; keep id order, as a full list gives.
    entry.issues = new Map([...entry.issues.entries()].sort(([a], [b]) => byCodeUnits(a, b)));

    this.companies.set(this.key(baseUrl, companyId), entry);
    const same = (a: Map<string, unknown>, b: Map<string, unknown>) => a.size === b.size && [...a.keys()].every((k) => b.has(k));
    const unchanged = prev !== null && toMask.length === 0 && detect.length === 0 && prev.fullAt === entry.fullAt && same(prev.issues, entry.issues) && same(prev.comments, entry.comments) && same(prev.activity, entry.activity);
    this.save(baseUrl, companyId, entry, unchanged);
    return out;
  }

  /** Where reading stands per kept company ("<baseUrl> <companyId>" -> the next `updatedSince`), for watch's state file. */
  cursors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, c] of this.companies) {
      const since = PaperclipReadCache.since(c);
      if (since) out[k.replace('\u0000', ' ')] = since;
    }
    return out;
  }

  forget(baseUrl: string, companyId: string): void {
    this.companies.delete(this.key(baseUrl, companyId));
    const f = this.file(baseUrl, companyId);
    if (f) removeQuietly(f);
  }

  /** The `updatedSince` to ask with: just under the newest `updatedAt` in the cached issues (null: read all). */
  static since(c: CachedCompany): string | null {
    let max = -Infinity;
    for (const i of c.issues.values()) {
      const t = Date.parse(i.updatedAt);
      if (t > max) max = t;
    }
    return Number.isFinite(max) ? new Date(max - SINCE_SLACK_MS).toISOString() : null;
  }

  /**
   * The cached issues with the changed ones applied (hidden ones dropped), in id order like a full list. A
   * listed row whose `updatedAt` is the cached one's (the slack lists a few unchanged issues again) keeps the
   * full description the cache holds, so that it is not fetched again.
   */
  static merge(c: CachedCompany, changed: Issue[]): Issue[] {
    const next = new Map(c.issues);
    for (const i of changed) {
      if (i.hiddenAt) next.delete(i.id);
      else next.set(i.id, withHeldDescription(c, i));
    }
    return [...next.values()].sort((a, b) => byCodeUnits(a.id, b.id));
  }

  /** A full list read again (the hourly one): the listed rows, each unchanged one with the full description held. */
  static relist(c: CachedCompany, listed: Issue[]): Issue[] {
    return listed.map((i) => withHeldDescription(c, i));
  }

  // ---------------------------------------------------------------- disk

  /**
   * Remove kept files not written for `maxAgeMs` (default 31 days): a company no longer scanned (removed from
   * `paperclip.companies`, deleted on the server). A scanned company's file is rewritten by each run at least
   * an hour after its last full list, so it is only that old when nothing scanned it for a month (a weekly
   * `watch --once` keeps its read). Returns the files removed.
   */
  pruneKept(now = Date.now(), maxAgeMs = 31 * 86_400_000): string[] {
    if (!this.dir || !existsSync(this.dir)) return [];
    const removed: string[] = [];
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    for (const name of names) {
      if (!/^[0-9a-f]{32}(?:\.runs)?\.json(?:\.\d+\.tmp)?$/.test(name)) continue; // only what save() writes
      const f = join(this.dir, name);
      try {
        if (now - statSync(f).mtimeMs > maxAgeMs) {
          rmSync(f, { force: true });
          removed.push(f);
        }
      } catch {
        // Gone meanwhile, or unreadable: nothing to prune.
      }
    }
    return removed;
  }

  private save(baseUrl: string, companyId: string, c: CachedCompany, unchanged: boolean): void {
    const f = this.file(baseUrl, companyId);
    if (!f || (unchanged && existsSync(f))) return; // an unchanged company costs no write
    const body = {
      version: FILE_VERSION,
      signature: this.guard.signature,
      baseUrl,
      companyId,
      fullAt: c.fullAt,
      issues: [...c.issues.values()],
      texts: Object.fromEntries(c.texts),
      comments: Object.fromEntries(c.comments),
      activity: Object.fromEntries(c.activity),
    };
    try {
      writePrivateFileAtomic(f, JSON.stringify(body));
    } catch {
      // Not kept: the next process reads this company in full, which is correct, only slower.
      removeQuietly(f);
    }
  }

  private load(baseUrl: string, companyId: string): CachedCompany | null {
    const f = this.file(baseUrl, companyId);
    if (!f || !existsSync(f)) return null;
    const refuse = (why: string) => {
      this.refused.set(this.key(baseUrl, companyId), why);
      return null;
    };
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(f, 'utf8'));
    } catch (e) {
      return refuse(`${f}: unreadable (${(e as Error).message}); reading in full`);
    }
    const version = isJsonObject(raw) ? raw.version : undefined;
    if (version !== FILE_VERSION) return refuse(`${f}: another format (version ${JSON.stringify(version)}); reading in full`);
    // The file as parsed, once it has the shape (zod's own copy would turn a key `__proto__` into a prototype).
    const d = CacheFile.safeParse(raw).success ? (raw as z.infer<typeof CacheFile>) : null;
    if (d && d.signature !== this.guard.signature) return refuse(`${f}: made with other secret-detection settings or another clipguard version; reading in full`);
    if (d && (d.baseUrl !== baseUrl || d.companyId !== companyId)) return refuse(`${f}: kept for another server or company; reading in full`);
    const shapeOk =
      d !== null &&
      Object.values(d.comments).every((e) => e.secrets.length === e.comments.length) &&
      // Every kept row has the facts of its text: the invariant store() keeps.
      d.issues.every((i) => own(d.texts, i.id)?.updatedAt === i.updatedAt && own(d.texts, i.id)?.full === (i.descriptionTruncated !== true));
    if (!shapeOk) return refuse(`${f}: not the shape clipguard writes; reading in full`);
    // The rows were checked when they were read (validate.ts) and masked, which keeps their shape: the file,
    // private to this state directory and signed with the detector settings, gives them back as they were kept.
    return {
      issues: new Map(d.issues.map((i) => [i.id, i as Issue])),
      texts: new Map(Object.entries(d.texts)),
      comments: new Map(Object.entries(d.comments).map(([k, e]) => [k, e as { updatedAt: string; comments: Comment[]; secrets: KeptSecrets[] }])),
      activity: new Map(Object.entries(d.activity).map(([k, e]) => [k, e as { updatedAt: string; rows: Activity[] }])),
      fullAt: d.fullAt,
    };
  }
}

/**
 * What is kept of an activity row: who did what, when, in which run, and the outcome fields the block
 * evidence reads (subjects.ts systemBlock), never the rest of `details`. Paperclip copies an issue's title
 * (issue.created) and the before/after values of its edits there, each alone: a key whose context was in the
 * other field would not be found in them, so they are not kept.
 */
function activityFacts(r: Activity): Activity {
  const d = r.details !== null && typeof r.details === 'object' ? r.details : null;
  const details = d ? Object.fromEntries(['status', 'outcome', 'sourceRunId', 'latestRunId'].filter((k) => Object.hasOwn(d, k) && (typeof d[k] === 'string' || d[k] === null)).map((k) => [k, d[k]])) : d;
  return { id: r.id, companyId: r.companyId, actorType: r.actorType, actorId: r.actorId, action: r.action, entityType: r.entityType, entityId: r.entityId, agentId: r.agentId ?? null, runId: r.runId ?? null, details, createdAt: r.createdAt };
}

/** A truncated list row of an unchanged issue, with the full description the cache holds for it. */
function withHeldDescription(c: CachedCompany, i: Issue): Issue {
  const held = c.issues.get(i.id);
  const keepFull = held && held.updatedAt === i.updatedAt && i.descriptionTruncated === true && held.descriptionTruncated !== true;
  return keepFull ? { ...i, description: held.description, descriptionTruncated: false } : i;
}

/** Remove a kept file if it is there; one that cannot be removed is refused by its content or signature later. */
function removeQuietly(f: string): void {
  try {
    rmSync(f, { force: true });
  } catch {
    // ENOTDIR and the like: there is no file to remove.
  }
}

// Strings that cannot hold a secret the detector would find and that are most of a record: ids and times.
const PLAIN = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d))$/i;

/**
 * Deep copies of the records with every string the detector finds a secret in masked (keys too: a metadata
 * key can be anything). The distinct strings of all records are detected in one batch.
 */
export function maskRecords(records: readonly unknown[], guard: TextGuard): unknown[] {
  if (!records.length) return [];
  const candidates = new Set<string>();
  const collect = (v: unknown, depth: number): void => {
    if (typeof v === 'string') {
      if (v.length >= 8 && !PLAIN.test(v)) candidates.add(v);
    } else if (v !== null && typeof v === 'object' && depth < 64) {
      if (Array.isArray(v)) for (const x of v) collect(x, depth + 1);
      else
        for (const [k, x] of Object.entries(v)) {
          collect(k, depth + 1);
          collect(x, depth + 1);
        }
    }
  };
  for (const r of records) collect(r, 0);
  const list = [...candidates];
  const masked = guard.mask(list);
  const swap = new Map<string, string>();
  list.forEach((s, k) => {
    if (masked[k] !== s) swap.set(s, masked[k]);
  });
  const copy = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return swap.get(v) ?? v;
    if (v === null || typeof v !== 'object') return v;
    // Deeper than any Paperclip record: dropped rather than kept unmasked.
    if (depth >= 64) return null;
    if (Array.isArray(v)) return v.map((x) => copy(x, depth + 1));
    // fromEntries defines each key as its own (an assignment of "__proto__" would set the prototype instead).
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [swap.get(k) ?? k, copy(x, depth + 1)]));
  };
  return records.map((r) => copy(r, 0));
}
