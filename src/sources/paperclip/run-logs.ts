// Secrets in heartbeat-run logs (Paperclip issue #13463: the run prompt teaches agents to write
// `curl -H "Authorization: Bearer …"`, and what a run prints is kept). A run keeps three things an agent's
// output reaches: its log (GET /api/heartbeat-runs/{id}/log: NDJSON lines {ts, stream, chunk, seq}, paged by
// byte offset, at most 1 MiB a page), its events (GET /api/heartbeat-runs/{id}/events: message and payload,
// paged by sequence) and its record (GET /api/heartbeat-runs/{id}: error, resultJson, stdout/stderr excerpts).
// No Paperclip API edits or deletes any of them, so the remedy is to rotate the key, not to redact.
//
// Each finished run is read once: what was found in it (masked facts, never the text) is remembered by run
// id, in memory and, for `watch`, in `<stateDir>/paperclip/<hash>.runs.json` beside the kept reads, so a
// later scan reads only the runs that finished since. A run still in flight is not read (its log grows).
// The text read is detected and dropped at once: only the masked facts (kind, place, line, a 4-character
// preview) leave this module.

import { hash } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { RedactSpan } from '../../detectors/secrets/redact.js';
import { writePrivateFileAtomic } from '../../util/private-file.js';
import { PaperclipError, type PaperclipClient } from './client.js';
import type { Agent, Company, Issue, Run } from './records.js';
import { isJsonObject, type JsonObject } from './json.js';
import { LIVE_RUN } from './model.js';

/** What this module needs of the secret detector: masked facts, and where they are (to tell repeats apart). */
export interface RunLogDetector {
  many(texts: readonly string[]): Record<string, unknown>[][];
  spans(texts: readonly string[]): RedactSpan[][];
}

/** What was found in one run: masked secrets facts, each with its place; `truncated` when not all was read. */
export interface RunLogEntry {
  secrets: Record<string, unknown>[];
  truncated: boolean;
}

/** A run's texts as the server gave them (also the shape rule fixtures use). */
export interface RawRunLog {
  /** The log's NDJSON content. */
  log?: string;
  events?: unknown[];
  /** The run record (GET /api/heartbeat-runs/{id}). */
  record?: unknown;
  truncated?: boolean;
}

const PAGE_BYTES = 1024 * 1024;
const MAX_LOG_BYTES = 8 * PAGE_BYTES;
const EVENT_PAGE = 200;
const MAX_EVENTS = 2000;
/**
 * Log bytes read per company and scan: every answer counts against the scan's byte limit
 * (paperclip.maxScanBytes, 256 MiB), and going over it stops the whole read. Past this, the remaining runs are
 * left for the next scan, like those past `maxRuns`.
 */
export const LOG_BYTES_PER_SCAN = 32 * PAGE_BYTES;

/** Thrown inside a run's read when the company's log budget for this scan is spent: the run is left pending. */
class BudgetSpent extends Error {}

/** The texts of a run, each with the place its findings name. */
export function runTexts(raw: RawRunLog): { place: string; text: string }[] {
  const out: { place: string; text: string }[] = [];
  if (typeof raw.log === 'string' && raw.log) {
    // One text per stream, its chunks joined: a process writes in pieces, and a key can straddle two chunks.
    const streams = new Map<string, string[]>();
    const add = (stream: string, chunk: string) => {
      const list = streams.get(stream) ?? [];
      list.push(chunk);
      streams.set(stream, list);
    };
    for (const line of raw.log.split('\n')) {
      if (!line.trim()) continue;
      let rec: { chunk?: unknown; stream?: unknown } | null;
      try {
        rec = JSON.parse(line);
      } catch {
        add('unparsed', `${line}\n`); // a torn page edge or another format: still scanned
        continue;
      }
      if (rec && typeof rec.chunk === 'string') add(typeof rec.stream === 'string' ? rec.stream.slice(0, 20) : 'log', rec.chunk);
      else add('unparsed', `${line}\n`);
    }
    for (const [stream, chunks] of streams) out.push({ place: `log (${stream})`, text: chunks.join('') });
  }
  for (const ev of raw.events ?? []) {
    if (!isJsonObject(ev)) continue;
    const parts = [typeof ev.message === 'string' ? ev.message : null, ev.payload != null ? JSON.stringify(ev.payload, null, 1) : null].filter((p): p is string => Boolean(p));
    if (parts.length) out.push({ place: `event ${Number.isFinite(Number(ev.seq)) ? Number(ev.seq) : '?'} (${String(ev.eventType ?? 'event').slice(0, 40)})`, text: parts.join('\n') });
  }
  const r = raw.record;
  if (isJsonObject(r)) {
    if (typeof r.error === 'string' && r.error) out.push({ place: 'run error', text: r.error });
    if (r.resultJson != null) out.push({ place: 'run result', text: JSON.stringify(r.resultJson, null, 1) });
    // The excerpts are copies of the log's first output: read only when the log itself was not.
    if (!raw.log) {
      if (typeof r.stdoutExcerpt === 'string' && r.stdoutExcerpt) out.push({ place: 'stdout excerpt', text: r.stdoutExcerpt });
      if (typeof r.stderrExcerpt === 'string' && r.stderrExcerpt) out.push({ place: 'stderr excerpt', text: r.stderrExcerpt });
    }
  }
  return out;
}

/**
 * The masked secrets of a run's texts. A key the run printed and the server copied (the log, an event, the
 * result) is one finding, at its first place, with the others in `also`: it is told apart from another key by
 * a hash of its value, made and dropped here.
 */
export function scanRunTexts(texts: { place: string; text: string }[], detect: RunLogDetector): Record<string, unknown>[] {
  if (!texts.length) return [];
  const found = detect.many(texts.map((t) => t.text));
  if (!found.some((f) => f.length)) return [];
  const spans = detect.spans(texts.map((t) => t.text));
  const first = new Map<string, Record<string, unknown>>();
  const out: Record<string, unknown>[] = [];
  texts.forEach((t, k) => {
    found[k].forEach((m, i) => {
      const s = spans[k][i];
      const value = s ? hash('sha256', t.text.slice(s.start, s.end), 'hex') : `${k}:${i}`;
      const seen = first.get(value);
      if (seen) {
        if (!String(seen.also).split(', ').includes(t.place)) seen.also = seen.also ? `${seen.also}, ${t.place}` : t.place;
        return;
      }
      // Inline ignores are not honoured in text an agent wrote (see subjects.ts placed()).
      const { inlineIgnored: _i, ignoreRules: _r, ignoreReason: _w, ...rest } = m;
      const fact = { ...rest, place: t.place, also: '', inlineIgnored: false, fingerprintKey: `${t.place.replace(/^event \S+/, 'event')}:${String(m.fingerprintKey)}` };
      first.set(value, fact);
      out.push(fact);
    });
  });
  return out;
}

/** The entry of a run given either as read (`secrets`) or raw (rule fixtures): detected here when raw. */
export function runLogEntry(v: unknown, detect: RunLogDetector | undefined): RunLogEntry {
  const o = (v ?? {}) as Record<string, unknown>;
  if (Array.isArray(o.secrets)) return { secrets: o.secrets as Record<string, unknown>[], truncated: o.truncated === true };
  return { secrets: detect ? scanRunTexts(runTexts(o as RawRunLog), detect) : [], truncated: o.truncated === true };
}

/**
 * The `run` subjects: one per run whose log was read (this scan or an earlier one), with the run (no free text:
 * its `error` may hold a key), its agent (masked), its issue and the secrets found.
 */
export function runSubjectFacts(run: Run, agent: Agent | null, issue: Issue | null, company: Company, entry: RunLogEntry) {
  const issueId = run.contextSnapshot?.issueId ?? (typeof run.issueId === 'string' ? run.issueId : null);
  return {
    run: {
      id: run.id,
      agentId: run.agentId,
      status: run.status,
      invocationSource: run.invocationSource ?? null,
      issueId,
      createdAt: run.createdAt,
      startedAt: run.startedAt ?? null,
      finishedAt: run.finishedAt ?? null,
      logBytes: typeof run.logBytes === 'number' ? run.logBytes : null,
      truncated: entry.truncated,
    },
    agent: agent ? { id: agent.id, name: agent.name, role: agent.role, status: agent.status } : { id: run.agentId, name: `agent ${String(run.agentId).slice(0, 8)}`, role: null, status: null },
    issue: issue ? { id: issue.id, identifier: issue.identifier, title: issue.title, status: issue.status, assigneeAgentId: issue.assigneeAgentId ?? null } : null,
    company,
    secrets: entry.secrets,
  };
}

// ------------------------------------------------------------------ reading

type Limiter = <T>(f: () => Promise<T>) => Promise<T>;

export interface RunLogReadResult {
  /** runId -> what was found, for the runs read this scan and those remembered. */
  logs: Record<string, RunLogEntry>;
  /** Finished runs not read yet (past `maxRuns` this scan). */
  pending: number;
  errors: string[];
}

/**
 * The finished runs of `runs` (the company's list, newest first) not remembered yet, newest first and at most
 * `maxRuns`, read and detected; the remembered ones as they were. Never throws: a run that cannot be read is an
 * error of the read (reported) and is read again next time.
 */
export async function readRunLogs(
  client: PaperclipClient,
  runs: Run[],
  o: { detect: RunLogDetector; maxRuns: number; limit: Limiter; known?: Map<string, RunLogEntry> | null; logBytes?: number },
): Promise<RunLogReadResult> {
  const logs: Record<string, RunLogEntry> = Object.create(null); // keyed by run ids: no prototype
  const errors: string[] = [];
  const fresh: Run[] = [];
  for (const r of runs) {
    if (LIVE_RUN.has(r.status)) continue;
    const k = o.known?.get(r.id);
    if (k) logs[r.id] = k;
    else fresh.push(r);
  }
  const todo = fresh.slice(0, Math.max(0, o.maxRuns));
  const budget = { left: o.logBytes ?? LOG_BYTES_PER_SCAN };
  let spent = 0;
  await Promise.all(
    todo.map(async (r) => {
      try {
        const raw = await readRun(client, r.id, o.limit, budget);
        if (raw === null) return; // the run is gone
        logs[r.id] = { secrets: scanRunTexts(runTexts(raw), o.detect), truncated: raw.truncated === true };
      } catch (e) {
        if (e instanceof BudgetSpent) spent++;
        else errors.push(`run log of ${r.id}: ${e instanceof PaperclipError ? `${e.reason} (${e.method} ${e.path})` : (e as Error).message}`);
      }
    }),
  );
  return { logs, pending: fresh.length - todo.length + spent, errors };
}

async function readRun(client: PaperclipClient, runId: string, limit: Limiter, budget: { left: number }): Promise<RawRunLog | null> {
  const notFound = (e: unknown) => e instanceof PaperclipError && e.status === 404;
  let record: JsonObject;
  try {
    record = await limit(() => client.getHeartbeatRun(runId));
  } catch (e) {
    if (notFound(e)) return null;
    throw e;
  }
  let log = '';
  let truncated = false;
  if (record.logRef || (typeof record.logBytes === 'number' && record.logBytes > 0)) {
    let offset = 0;
    // At most the pages MAX_LOG_BYTES takes at full size: a server that answers empty pages, or creeps its
    // offset forward a byte at a time, is not read page after page without end.
    for (let pages = 0; ; pages++) {
      if (budget.left <= 0) throw new BudgetSpent();
      if (pages >= MAX_LOG_BYTES / PAGE_BYTES) {
        truncated = true;
        break;
      }
      let page: JsonObject;
      try {
        page = await limit(() => client.getRunLog(runId, { offset, limitBytes: PAGE_BYTES }));
      } catch (e) {
        if (notFound(e)) break; // the run kept no log
        throw e;
      }
      const content = typeof page.content === 'string' ? page.content : '';
      budget.left -= content.length;
      log += content;
      const next = Number(page.nextOffset);
      if (!content || page.nextOffset == null || !Number.isFinite(next) || next <= offset) break;
      if (next >= MAX_LOG_BYTES) {
        truncated = true;
        break;
      }
      offset = next;
    }
  }
  const events: unknown[] = [];
  let after = 0;
  for (;;) {
    const page = await limit(() => client.listRunEvents(runId, { afterSeq: after, limit: EVENT_PAGE }));
    events.push(...page);
    const tail = page[page.length - 1];
    const last = Number(isJsonObject(tail) ? tail.seq : NaN);
    if (page.length < EVENT_PAGE || !Number.isFinite(last) || last <= after) break;
    if (events.length >= MAX_EVENTS) {
      truncated = true;
      break;
    }
    after = last;
  }
  return { log, events, record, truncated };
}

// ------------------------------------------------------------------ memory

const FILE_VERSION = 1;

/**
 * Which runs were read, and what was found in them (masked), per server and company. With a directory (watch's
 * kept reads), kept across processes in `<hash>.runs.json`, 0600; a file made under another detector
 * signature, of another version or torn is not used (the runs are read again).
 */
export class RunLogMemory {
  private companies = new Map<string, Map<string, RunLogEntry>>();
  constructor(
    readonly dir: string | null,
    readonly signature: string,
  ) {}

  private key(baseUrl: string, companyId: string): string {
    return `${baseUrl}\u0000${companyId}`;
  }

  file(baseUrl: string, companyId: string): string | null {
    return this.dir ? join(this.dir, `${hash('sha256', this.key(baseUrl, companyId), 'hex').slice(0, 32)}.runs.json`) : null;
  }

  held(baseUrl: string, companyId: string): Map<string, RunLogEntry> {
    const k = this.key(baseUrl, companyId);
    let m = this.companies.get(k);
    if (!m) {
      m = this.load(baseUrl, companyId);
      this.companies.set(k, m);
    }
    return m;
  }

  /** Keep what is known of the runs still listed (older ones left the server's list: forgotten). */
  store(baseUrl: string, companyId: string, listed: readonly string[], logs: Record<string, RunLogEntry>): void {
    const prev = this.held(baseUrl, companyId);
    const next = new Map<string, RunLogEntry>();
    for (const id of listed) if (Object.hasOwn(logs, id)) next.set(id, logs[id]);
    this.companies.set(this.key(baseUrl, companyId), next);
    const same = prev.size === next.size && [...next].every(([id, e]) => prev.get(id) === e);
    const f = this.file(baseUrl, companyId);
    if (!f || (same && existsSync(f))) return;
    // Nothing known (a company without finished runs): no file, rather than an empty one.
    if (!next.size) {
      try {
        rmSync(f, { force: true });
      } catch {
        /* not a file clipguard wrote (a directory): the load refuses whatever is there */
      }
      return;
    }
    try {
      writePrivateFileAtomic(f, JSON.stringify({ version: FILE_VERSION, signature: this.signature, baseUrl, companyId, runs: Object.fromEntries(next) }));
    } catch {
      try {
        rmSync(f, { force: true });
      } catch {
        /* not kept: the next process reads these runs again */
      }
    }
  }

  private load(baseUrl: string, companyId: string): Map<string, RunLogEntry> {
    const f = this.file(baseUrl, companyId);
    const empty = new Map<string, RunLogEntry>();
    if (!f || !existsSync(f)) return empty;
    try {
      const d = JSON.parse(readFileSync(f, 'utf8'));
      if (!d || d.version !== FILE_VERSION || d.signature !== this.signature || d.baseUrl !== baseUrl || d.companyId !== companyId) return empty;
      if (!d.runs || typeof d.runs !== 'object' || Array.isArray(d.runs)) return empty;
      const out = new Map<string, RunLogEntry>();
      // Only the shape this module writes: masked facts with string kind, place and preview, a numeric line.
      const fact = (m: Record<string, unknown>) => m && typeof m === 'object' && typeof m.kind === 'string' && typeof m.place === 'string' && typeof m.preview === 'string' && typeof m.description === 'string' && Number.isFinite(m.line);
      for (const [id, e] of Object.entries(d.runs as Record<string, { secrets?: unknown; truncated?: unknown } | null>)) {
        if (!e || !Array.isArray(e.secrets) || typeof e.truncated !== 'boolean' || !e.secrets.every(fact)) return empty;
        out.set(id, { secrets: e.secrets as Record<string, unknown>[], truncated: e.truncated });
      }
      return out;
    } catch {
      return empty;
    }
  }
}
