// `watch --live`: for servers where the live guard plugin cannot be installed, `watch` listens to Paperclip's
// live events (the WebSocket the board's pages use, /api/companies/{id}/events/ws) and, when an issue is
// created or edited or gets a comment, runs the secret rules on that issue within seconds: the same subjects
// (one-issue.ts), rules, planner, executor, ledger and audit log as the scan job it follows, under the lock
// `watch` holds. The scheduled jobs keep running beside it; after the socket was down (events are not replayed)
// the scan job runs once, so what was written meanwhile is not missed.
//
// An event's payload may carry the first 120 characters of a comment (a key among them): nothing of it is
// kept or logged; only its issue id is used, and the issue is read again.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WebSocket } from 'undici';
import type { Config } from '../config/load.js';
import { matchesSelector } from '../engine/evaluate.js';
import { BUILTIN_RULES_DIR } from '../engine/load.js';
import { runScan } from '../scan.js';
import { paperclipClient } from '../sources/index.js';
import type { PaperclipClient } from '../sources/paperclip/client.js';
import { ONE_ISSUE_RULES, oneIssueSubjects } from '../sources/paperclip/one-issue.js';
import type { StateLock } from './lock.js';

/** The activity actions that change an issue's text (a title or description edit, a new comment). */
export const LIVE_ACTIONS = new Set(['issue.created', 'issue.updated', 'issue.comment_added', 'issue.comment.created']);

/** The issue an event is about, or null: a live event (`{type, payload}`) from the company's socket. */
export function touchedIssue(raw: unknown): string | null {
  if (typeof raw !== 'string' || raw.length > 1_000_000) return null;
  let e: unknown;
  try {
    e = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!e || typeof e !== 'object') return null;
  const { type, payload } = e as { type?: unknown; payload?: unknown };
  if (type !== 'activity.logged' || !payload || typeof payload !== 'object') return null;
  const p = payload as { action?: unknown; entityType?: unknown; entityId?: unknown };
  if (typeof p.action !== 'string' || !LIVE_ACTIONS.has(p.action) || p.entityType !== 'issue') return null;
  return typeof p.entityId === 'string' && /^[A-Za-z0-9_-]{1,100}$/.test(p.entityId) ? p.entityId : null;
}

export interface LiveOptions {
  /** Whether to act (the scan job's `apply`), and the rules it selects (`only`, or all). */
  apply: boolean;
  only?: string[];
  lock: Pick<StateLock, 'lostTo'>;
  log: (fields: Record<string, unknown>) => void;
  /** After the socket was down: run the scan job once (events in between are not replayed). */
  onGap: () => void;
  /** Wait this long after an event for more on the same issue (the events of one write come within milliseconds; default 30). */
  settleMs?: number;
  /** For tests: reconnect delays. */
  retryMs?: (attempt: number) => number;
  /**
   * The key for the socket, when it is not the REST key: Paperclip's live-events socket takes an agent key (or
   * a board session), not a board API key; CLIPGUARD_LIVE_EVENTS_KEY. The REST reads and writes keep
   * PAPERCLIP_API_KEY (the board's, which may delete a comment the board wrote; an agent may not).
   */
  eventsKey?: string | null;
  /** Runs a live run one at a time with the watcher's job runs (Watcher.exclusive). */
  exclusive?: <T>(fn: () => Promise<T>) => Promise<T>;
}

/** Handshakes refused in a row, with the REST API answering, before a company's socket is given up. */
const REFUSED_AFTER = 3;

/** The rules a live run uses: the secret rules the scan job selects, by id, glob or tag as `only` does (none: `watch --live` is refused). */
export function liveRules(only: string[] | undefined): string[] {
  if (!only?.length) return ONE_ISSUE_RULES;
  return ONE_ISSUE_RULES.filter((id) => {
    const tags = builtinTags(id);
    return only.some((sel) => matchesSelector({ id, tags }, sel));
  });
}

function builtinTags(id: string): string[] {
  try {
    const r = JSON.parse(readFileSync(join(BUILTIN_RULES_DIR, `${id}.json`), 'utf8')) as { tags?: unknown };
    return Array.isArray(r.tags) ? r.tags.filter((t): t is string => typeof t === 'string') : [];
  } catch {
    return [];
  }
}

export class LiveWatch {
  private sockets = new Map<string, WebSocket>();
  private queue: { companyId: string; issueId: string }[] = [];
  private queued = new Set<string>();
  private busy: Promise<void> | null = null;
  private stopped = false;
  private client: PaperclipClient | null = null;
  private readonly ac = new AbortController();
  private timers = new Set<NodeJS.Timeout>();
  /** Live runs so far, for the log and tests. */
  runs = 0;

  constructor(
    private readonly config: Config,
    private readonly opts: LiveOptions,
  ) {}

  /** The companies to listen to: paperclip.companies (ids or issue prefixes), else every company the key sees. */
  async start(): Promise<string[]> {
    this.client = await paperclipClient(this.config, this.ac.signal);
    const all = (await this.client.listCompanies()) as { id?: unknown; issuePrefix?: unknown }[];
    const wanted = this.config.paperclip.companies;
    const ids = all
      .filter((c) => typeof c.id === 'string' && (!wanted.length || wanted.includes(c.id) || (typeof c.issuePrefix === 'string' && wanted.includes(c.issuePrefix))))
      .map((c) => c.id as string);
    for (const id of ids) this.connect(id, 0);
    return ids;
  }

  /** `upFirst`: the REST API answered just before this attempt (a refusal now is the key's, not a restart's). */
  private connect(companyId: string, attempt: number, upFirst = false): void {
    if (this.stopped) return;
    const base = new URL(this.config.paperclip.url);
    base.protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
    const url = `${base.origin}${base.pathname.replace(/\/+$/, '').replace(/\/api$/, '')}/api/companies/${encodeURIComponent(companyId)}/events/ws`;
    // The key goes in a header, never in the URL (a URL is logged by proxies). The server takes an agent key
    // here; a board key is refused (403), and a board without a key is let in only by a local_trusted server.
    const key = this.opts.eventsKey || this.config.paperclip.apiKey;
    const ws = new WebSocket(url, key ? { headers: { authorization: `Bearer ${key}` } } : undefined);
    this.sockets.set(companyId, ws);
    let opened = false;
    ws.addEventListener('open', () => {
      opened = true;
      this.opts.log({ event: 'live-connected', job: 'live', company: companyId, reconnect: attempt > 0 || undefined });
      // Reconnected: what was written while the socket was down reached no one.
      if (attempt > 0) this.opts.onGap();
    });
    ws.addEventListener('message', (m) => {
      const issueId = touchedIssue(typeof m.data === 'string' ? m.data : null);
      if (issueId) this.enqueue(companyId, issueId);
    });
    ws.addEventListener('close', (c) => {
      if (this.stopped) return;
      const next = opened ? 1 : attempt + 1;
      if (!opened && upFirst) {
        // Refused by a server whose REST API had just answered: this key is not let onto the socket.
        this.opts.log({ event: 'live-refused', job: 'live', company: companyId, note: 'the live-events socket refuses this key while the REST API answers: Paperclip takes an agent key there (CLIPGUARD_LIVE_EVENTS_KEY), or no key on a local_trusted server, not a board API key; live events off for this company, the scheduled jobs go on' });
        this.sockets.delete(companyId);
        return;
      }
      if (!opened && next > REFUSED_AFTER) {
        // Failed again and again: a server that is down, or one that refuses this key. Asked once it answers.
        void this.restAnswers().then((up) => (up ? this.connect(companyId, next, true) : this.retry(companyId, next, c.code)));
        return;
      }
      this.retry(companyId, next, c.code);
    });
    ws.addEventListener('error', () => {
      // Followed by `close`, which reconnects; the reason (a refused upgrade: 403) is in the close code.
    });
  }

  private async restAnswers(): Promise<boolean> {
    if (this.stopped || !this.client) return false;
    try {
      await this.client.health();
      await this.client.listCompanies();
      return true;
    } catch {
      return false;
    }
  }

  private retry(companyId: string, next: number, code: number): void {
    if (this.stopped) return;
    const delay = (this.opts.retryMs ?? ((n) => Math.min(5_000, 500 * 2 ** Math.min(n, 4))))(next);
    this.opts.log({ event: 'live-disconnected', job: 'live', company: companyId, code, retryInMs: delay });
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.connect(companyId, next);
    }, delay);
    this.timers.add(t);
  }

  private enqueue(companyId: string, issueId: string): void {
    const k = `${companyId}/${issueId}`;
    if (this.stopped || this.queued.has(k)) return;
    this.queued.add(k);
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.queue.push({ companyId, issueId });
      this.kick();
    }, this.opts.settleMs ?? 30);
    this.timers.add(t);
  }

  private kick(): void {
    if (this.busy || this.stopped) return;
    this.busy = this.drain().finally(() => {
      this.busy = null;
      if (this.queue.length) this.kick();
    });
  }

  /** One issue at a time (each run re-reads it); an event that comes during its run queues it again. */
  private async drain(): Promise<void> {
    for (let next = this.queue.shift(); next && !this.stopped; next = this.queue.shift()) {
      this.queued.delete(`${next.companyId}/${next.issueId}`);
      await this.scanIssue(next.companyId, next.issueId);
    }
  }

  private scanIssue(companyId: string, issueId: string): Promise<void> {
    const run = () => this.scanIssueNow(companyId, issueId);
    return this.opts.exclusive ? this.opts.exclusive(run) : run();
  }

  private async scanIssueNow(companyId: string, issueId: string): Promise<void> {
    const started = Date.now();
    const lost = this.opts.lock.lostTo();
    if (lost || !this.client) return;
    const cfg: Config = { ...this.config, actions: { ...this.config.actions, apply: this.opts.apply }, repos: [] };
    try {
      const now = new Date();
      const one = await oneIssueSubjects(this.client, companyId, issueId, cfg, now);
      const only = liveRules(this.opts.only);
      const r = await runScan(cfg, { only, subjects: one.subjects, statuses: [], client: this.client, now, lock: this.opts.lock, signal: this.ac.signal });
      this.runs++;
      const actions = Object.entries(r.report.summary.actions ?? {}).filter(([, n]) => n).map(([k, n]) => `${k}:${n}`).join(',');
      this.opts.log({ event: 'live', job: 'live', issue: one.identifier, ms: Date.now() - started, findings: r.report.summary.total, actions: actions || undefined });
    } catch (e) {
      if (this.stopped) return;
      // A server message or a read error: no ticket text (the subjects hold masked facts only).
      this.opts.log({ event: 'live-failed', job: 'live', issue: issueId, ms: Date.now() - started, error: String((e as Error).message).slice(0, 300) });
    }
  }

  /** Close the sockets; a live run in progress finishes (or is abandoned: its Paperclip calls are cancelled). */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const ws of this.sockets.values()) ws.close();
    const current = this.busy;
    if (current) {
      const done = await Promise.race([current.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), graceMs).unref())]);
      if (!done) this.ac.abort(new Error('shutdown: live run abandoned'));
    }
    await this.client?.close();
  }
}
