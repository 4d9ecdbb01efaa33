// A small, careful client for the Paperclip REST API (npm `paperclipai`), on undici.
//
// - One keep-alive connection pool per client; call close() when done.
// - Reads throw a typed PaperclipError; writes return {status, body} for every HTTP answer (a 409 is an
//   outcome, not an exception) and throw only when no HTTP answer came back.
// - Retries with exponential backoff and full jitter on 429, 5xx, network errors and timeouts, honouring
//   Retry-After (seconds or an HTTP date, capped). Never on other 4xx.
// - Writes that are not idempotent (checkout, release, addComment, postActivity, and a patchIssue that adds a
//   comment) are retried only when the request cannot have reached the server: the connection was refused
//   or could not be made, or the server answered 429 (a refusal before any processing). A 5xx, a reset or a
//   timeout after the request was sent is reported as is: repeating it could double a comment, wake an
//   agent twice, or release an issue an agent has taken again meanwhile. Idempotent writes (deleteComment,
//   patchIssue without a comment, pauseAgent, resumeAgent, resetSession) are retried like reads.
// - Error messages never contain the API key (nor URL credentials): every message is scrubbed.
// - What is read is bounded: each answer is streamed against a byte limit (`maxResponseBytes`, also checked
//   against Content-Length before reading), and all answers of the client (one scan) against another
//   (`maxScanBytes`). Going over one is not transient: it is never retried, the calls in flight are cancelled
//   and every later call of this client fails at once with the same `too-large` error (`limitExceeded`), so
//   a server that sends without end costs at most one limit of memory, once.

import { Pool, type Dispatcher } from 'undici';
import { isJsonObject, type JsonObject } from './json.js';

/** `aborted`: the caller's signal ended the call (a `watch` run past its deadline, or a shutdown). */
/** `too-large`: an answer, or the answers of this client together, went over a byte limit (see the header). */
export type PaperclipErrorCode = 'unavailable' | 'http' | 'schema' | 'timeout' | 'aborted' | 'too-large';

export class PaperclipError extends Error {
  override readonly name = 'PaperclipError';
  readonly code: PaperclipErrorCode;
  readonly status?: number;
  readonly method: string;
  readonly path: string;
  /** The message without the "METHOD path: " prefix, e.g. "connection refused (ECONNREFUSED)". */
  readonly reason: string;
  /** Attempts made (1 + retries) before giving up. */
  attempts = 1;
  /** The parsed error body of an HTTP error (`{error, code?, details?}`), when there was one. */
  readonly body?: unknown;

  constructor(init: { code: PaperclipErrorCode; status?: number; method: string; path: string; reason: string; body?: unknown; origin?: string }) {
    super(`${init.method} ${init.origin ?? ''}${init.path}: ${init.reason}`);
    this.code = init.code;
    this.method = init.method;
    this.path = init.path;
    this.reason = init.reason;
    if (init.status !== undefined) this.status = init.status;
    if (init.body !== undefined) this.body = init.body;
  }

  toJSON() {
    return { name: this.name, code: this.code, status: this.status, method: this.method, path: this.path, message: this.message, attempts: this.attempts };
  }
}

export interface RequestEvent {
  method: string;
  /** Path with query string, e.g. `/api/companies/<id>/issues?limit=500&offset=0`. */
  path: string;
  /** 1-based attempt number of this logical call. */
  attempt: number;
  /** HTTP status, or undefined when no answer came back. */
  status?: number;
  /** PaperclipError code of a failed attempt (no answer, or an answer that will be retried or thrown). */
  error?: PaperclipErrorCode;
  durationMs: number;
  /** Delay before the next attempt, when one follows. */
  retryInMs?: number;
}

export interface PaperclipClientOptions {
  /** e.g. `http://127.0.0.1:3100` (a trailing `/api` is accepted too). */
  baseUrl: string;
  /** Board or agent key, sent as `Authorization: Bearer <key>`. Omit in `local_trusted` mode. */
  apiKey?: string;
  /** Per-attempt timeout covering connect, headers and body. Default 10 000 ms. */
  timeoutMs?: number;
  /** Connect timeout. Default min(timeoutMs, 5000). */
  connectTimeoutMs?: number;
  /** Retries after the first attempt. Default 3. */
  retries?: number;
  /** First backoff step (doubles per retry, full jitter). Default 250 ms. */
  retryBaseMs?: number;
  /** Cap on any single wait, Retry-After included. Default 10 000 ms. */
  maxRetryDelayMs?: number;
  /** Max parallel connections to the server. Default 8. */
  connections?: number;
  /** Called after every attempt (for logs and metrics). Must not throw. */
  onRequest?: (e: RequestEvent) => void;
  /**
   * Ends every call of this client when aborted: the request in flight is cancelled, no retry or backoff
   * follows, and no new call starts. Each call then throws a PaperclipError with code `aborted`.
   */
  signal?: AbortSignal;
  /** Bytes one answer may have (body, before decoding). Default 32 MiB (`DEFAULT_MAX_RESPONSE_BYTES`). */
  maxResponseBytes?: number;
  /** Bytes all answers of this client may have together (a client serves one scan). Default 256 MiB. */
  maxScanBytes?: number;
}

/**
 * 32 MiB an answer: the largest real ones are a 1,000-row issue page (about 2-4 MB with 1,200-character
 * descriptions) and 1,000 heartbeat-run summaries (about 1-2 MB); 500 comments of 60 KB each would still fit.
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;
/** 256 MiB a scan: about 100,000 issues with a comment each read in full (a 5,000-issue company reads ~10 MB). */
export const DEFAULT_MAX_SCAN_BYTES = 256 * 1024 * 1024;

/** The answer to a write: the HTTP status and the parsed body (null when empty or not JSON). */
export interface WriteResult<T = unknown> {
  status: number;
  body: T;
}

export interface ListIssuesOptions {
  /** One status or several (sent as CSV). */
  status?: string | string[];
  /** Only issues updated strictly after this instant (server-side filter `updatedSince`). */
  updatedSince?: string | Date;
  /** Page size, 1..1000. Default 500. */
  pageSize?: number;
  /** Safety stop. Default 1000 pages. */
  maxPages?: number;
}

export interface ActivityEntry {
  actorType?: 'agent' | 'user' | 'system' | 'plugin';
  actorId: string;
  action: string;
  entityType: string;
  entityId: string;
  agentId?: string;
  details?: Record<string, unknown>;
}

type Retry = 'always' | 'unsent';

interface CallOptions {
  query?: Record<string, string | number | boolean | undefined | null>;
  body?: unknown;
  /** 'always': retry on 429/5xx/network/timeout (reads, idempotent writes). 'unsent': only when it cannot have reached the server. */
  retry: Retry;
}

interface RawResult {
  status: number;
  /** Attempts made for this answer (set by call()). */
  attempts?: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

const RETRYABLE_STATUS = (s: number) => s === 429 || (s >= 500 && s <= 599);
/** Network errors that happen before a request can have been sent. */
const UNSENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'EADDRNOTAVAIL']);

/**
 * What the executor and the action kinds use of a Paperclip: the reads they re-check before acting and the
 * writes they make. The REST client is one; the live guard's plugin worker (src/plugin/) supplies another,
 * over the plugin SDK's host services, so the same action modules act from inside the server.
 */
export type ActingClient = Pick<
  PaperclipClient,
  'getIssue' | 'listComments' | 'addComment' | 'deleteComment' | 'patchIssue' | 'postActivity' | 'getAgent' | 'listIssues' | 'listHeartbeatRuns' | 'checkout' | 'release' | 'pauseAgent' | 'resumeAgent' | 'resetSession' | 'listLiveRuns' | 'cancelRun' | 'getRoutine' | 'listApprovals' | 'patchRoutine' | 'createApproval' | 'addApprovalComment'
>;

export class PaperclipClient {
  readonly baseUrl: string;
  private readonly origin: string;
  private readonly prefix: string;
  private readonly apiKey: string | undefined;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly retryBaseMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly onRequest?: (e: RequestEvent) => void;
  private readonly signal?: AbortSignal;
  private readonly pool: Pool;
  private closed = false;
  private count = 0;
  private readonly maxResponseBytes: number;
  private readonly maxScanBytes: number;
  private bytes = 0;
  private limitError: PaperclipError | null = null;
  /** Cancels the attempts in flight once a byte limit is exceeded. */
  private readonly stopped = new AbortController();

  constructor(opts: PaperclipClientOptions) {
    let url: URL;
    try {
      url = new URL(opts.baseUrl);
    } catch {
      throw new Error(`invalid Paperclip URL: ${redactUrl(opts.baseUrl)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`invalid Paperclip URL (http or https only): ${redactUrl(opts.baseUrl)}`);
    const basePath = url.pathname.replace(/\/+$/, '').replace(/\/api$/, '');
    this.origin = url.origin;
    this.prefix = `${basePath}/api`;
    this.baseUrl = `${url.origin}${basePath}`;
    this.apiKey = opts.apiKey ? opts.apiKey : undefined;
    this.timeoutMs = positive(opts.timeoutMs, 10_000);
    this.retries = Math.max(0, Math.floor(opts.retries ?? 3));
    this.retryBaseMs = Math.max(0, opts.retryBaseMs ?? 250);
    this.maxRetryDelayMs = Math.max(0, opts.maxRetryDelayMs ?? 10_000);
    this.onRequest = opts.onRequest;
    this.signal = opts.signal;
    this.maxResponseBytes = positive(opts.maxResponseBytes, DEFAULT_MAX_RESPONSE_BYTES);
    this.maxScanBytes = positive(opts.maxScanBytes, DEFAULT_MAX_SCAN_BYTES);
    this.pool = new Pool(this.origin, {
      connections: positive(opts.connections, 8),
      connectTimeout: positive(opts.connectTimeoutMs, Math.min(this.timeoutMs, 5_000)),
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 120_000,
    });
  }

  /** HTTP requests sent so far (every attempt, retries included). */
  get requestCount(): number {
    return this.count;
  }

  /** Body bytes read so far, all answers together. */
  get bytesRead(): number {
    return this.bytes;
  }

  /** The first byte limit exceeded (after it, every call fails with it at once), or null. */
  get limitExceeded(): PaperclipError | null {
    return this.limitError;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.close().catch(() => this.pool.destroy().catch(() => undefined));
  }

  // ---------------------------------------------------------------- reads

  health(): Promise<JsonObject> {
    return this.readObject('GET', '/health');
  }

  listCompanies(): Promise<unknown[]> {
    return this.readArray('/companies');
  }

  getCompany(id: string): Promise<JsonObject> {
    return this.readObject('GET', `/companies/${seg(id)}`);
  }

  /** The agents list rejects any query parameter with 400, so none is ever sent. Terminated agents are not listed. */
  listAgents(companyId: string): Promise<unknown[]> {
    return this.readArray(`/companies/${seg(companyId)}/agents`);
  }

  getAgent(id: string): Promise<JsonObject> {
    return this.readObject('GET', `/agents/${seg(id)}`);
  }

  /**
   * Every issue of a company, all pages (limit/offset, ordered by id so that concurrent updates do not
   * reorder the pages; duplicates are dropped). Stops at the first short page. List rows truncate
   * `description` to 1200 characters (`descriptionTruncated: true`): use getIssue() for the full text.
   */
  async listIssues(companyId: string, opts: ListIssuesOptions = {}): Promise<unknown[]> {
    const pageSize = Math.min(1000, Math.max(1, Math.floor(opts.pageSize ?? 500)));
    const maxPages = opts.maxPages ?? 1000;
    const status = Array.isArray(opts.status) ? opts.status.join(',') : opts.status;
    const updatedSince = opts.updatedSince instanceof Date ? opts.updatedSince.toISOString() : opts.updatedSince;
    const out: unknown[] = [];
    const seen = new Set<string>();
    for (let page = 0, offset = 0; page < maxPages; page++) {
      const rows = await this.readArray(`/companies/${seg(companyId)}/issues`, {
        status: status || undefined,
        updatedSince: updatedSince || undefined,
        // Each row's blockers (id, identifier, status): without them a blocked `todo` issue looks assignable.
        includeBlockedBy: true,
        sortField: 'id',
        sortDir: 'asc',
        limit: pageSize,
        offset,
      });
      for (const r of rows) {
        const id = r && typeof r === 'object' ? (r as { id?: unknown }).id : undefined;
        if (typeof id === 'string') {
          if (seen.has(id)) continue;
          seen.add(id);
        }
        out.push(r);
      }
      if (rows.length < pageSize) return out;
      offset += rows.length;
    }
    return out;
  }

  getIssue(id: string): Promise<JsonObject> {
    return this.readObject('GET', `/issues/${seg(id)}`);
  }

  /**
   * Every comment of an issue, oldest first, all pages (keyset paging with `after=<last id>`, 500 a page).
   * Deleted comments come back with `deletedAt` and an empty body.
   *
   * The server compares the anchor's timestamp at millisecond precision against microsecond timestamps, so
   * a page after X starts with X itself again (and any comment of the same millisecond): rows are
   * de-duplicated by id, and a full page with nothing new falls back to one unpaged request.
   */
  async listComments(issueId: string, opts: { pageSize?: number; maxPages?: number } = {}): Promise<unknown[]> {
    const pageSize = Math.min(500, Math.max(1, Math.floor(opts.pageSize ?? 500)));
    const maxPages = opts.maxPages ?? 1000;
    const path = `/issues/${seg(issueId)}/comments`;
    const out: unknown[] = [];
    const seen = new Set<string>();
    const add = (rows: unknown[]) => {
      let fresh = 0;
      for (const r of rows) {
        const id = r && typeof r === 'object' ? (r as { id?: unknown }).id : undefined;
        if (typeof id === 'string') {
          if (seen.has(id)) continue;
          seen.add(id);
        }
        out.push(r);
        fresh++;
      }
      return fresh;
    };
    let after: string | undefined;
    for (let page = 0; page < maxPages; page++) {
      const rows = await this.readArray(path, { order: 'asc', limit: pageSize, after });
      const fresh = add(rows);
      if (rows.length < pageSize) return out;
      const last = rows[rows.length - 1] as { id?: unknown } | null;
      if (fresh === 0 || !last || typeof last.id !== 'string') break;
      after = last.id;
    }
    // Paging made no progress (or ran out of pages): one request without a limit returns them all.
    out.length = 0;
    seen.clear();
    add(await this.readArray(path, { order: 'asc' }));
    return out;
  }

  /**
   * Heartbeat runs, newest first. `summary` (default true) drops the heavy fields; `limit` is clamped to 1..1000
   * by the server. There is no paging (checked on 2026.916.1: no offset or cursor; `limit=0` or no limit returns
   * every run, unknown parameters are ignored), so callers always send a limit: the newest N runs are the history.
   */
  listHeartbeatRuns(companyId: string, opts: { agentId?: string; limit?: number; summary?: boolean } = {}): Promise<unknown[]> {
    return this.readArray(`/companies/${seg(companyId)}/heartbeat-runs`, {
      agentId: opts.agentId,
      limit: opts.limit,
      summary: opts.summary === false ? undefined : 'true',
    });
  }

  /** One heartbeat run with its full fields (`error`, `errorCode`, `retryExhaustedReason`, ...); 404 "Heartbeat run not found". */
  getHeartbeatRun(runId: string): Promise<JsonObject> {
    return this.readObject('GET', `/heartbeat-runs/${seg(runId)}`);
  }

  /**
   * One page of a run's log (`{content, nextOffset?}`: NDJSON lines `{ts, stream, chunk, seq}` from byte
   * `offset`, at most `limitBytes`, the server's cap 1 MiB). 404 when the run kept no log.
   */
  getRunLog(runId: string, opts: { offset?: number; limitBytes?: number } = {}): Promise<JsonObject> {
    return this.readObject('GET', `/heartbeat-runs/${seg(runId)}/log`, { offset: opts.offset ?? 0, limitBytes: opts.limitBytes ?? 1024 * 1024 });
  }

  /** A run's events after sequence `afterSeq`, oldest first, at most `limit` (the server's default 200). */
  listRunEvents(runId: string, opts: { afterSeq?: number; limit?: number } = {}): Promise<unknown[]> {
    return this.readArray(`/heartbeat-runs/${seg(runId)}/events`, { afterSeq: opts.afterSeq ?? 0, limit: opts.limit ?? 200 });
  }

  budgetsOverview(companyId: string): Promise<JsonObject> {
    return this.readObject('GET', `/companies/${seg(companyId)}/budgets/overview`);
  }

  /** Spend per agent with `from <= occurredAt <= to` (both bounds inclusive on the server). */
  costsByAgent(companyId: string, range: { from: string | Date; to: string | Date }): Promise<unknown[]> {
    return this.readArray(`/companies/${seg(companyId)}/costs/by-agent`, { from: iso(range.from), to: iso(range.to) });
  }

  /** Activity log, newest first; `limit` 1..500 (server default 100). */
  listActivity(companyId: string, opts: { limit?: number; entityType?: string; entityId?: string; agentId?: string } = {}): Promise<unknown[]> {
    return this.readArray(`/companies/${seg(companyId)}/activity`, { limit: opts.limit, entityType: opts.entityType, entityId: opts.entityId, agentId: opts.agentId });
  }

  /**
   * The company's live runs (queued or running), newest first, at most 50 (the server's cap). Without
   * `minCount` the server pads nothing in: every row is live.
   */
  listLiveRuns(companyId: string): Promise<unknown[]> {
    return this.readArray(`/companies/${seg(companyId)}/live-runs`);
  }

  /** Every routine of a company, with its triggers; `createdByAgentId` says an agent made it. */
  listRoutines(companyId: string): Promise<unknown[]> {
    return this.readArray(`/companies/${seg(companyId)}/routines`);
  }

  getRoutine(id: string): Promise<JsonObject> {
    return this.readObject('GET', `/routines/${seg(id)}`);
  }

  /** The company's approvals (every status); `status` narrows them. */
  listApprovals(companyId: string, status?: string): Promise<unknown[]> {
    return this.readArray(`/companies/${seg(companyId)}/approvals`, { status });
  }

  dashboard(companyId: string): Promise<JsonObject> {
    return this.readObject('GET', `/companies/${seg(companyId)}/dashboard`);
  }

  // ---------------------------------------------------------------- writes

  /** 200 with the issue in progress, or 409 "Issue checkout conflict" when someone else holds it (do not retry). Not retried once sent. */
  checkout(issueId: string, agentId: string, expectedStatuses: string[]): Promise<WriteResult> {
    return this.write('POST', `/issues/${seg(issueId)}/checkout`, { agentId, expectedStatuses }, 'unsent');
  }

  /** in_progress -> todo, assignee and run locks cleared. Not retried once sent (an agent may re-take the issue between attempts). */
  release(issueId: string): Promise<WriteResult> {
    return this.write('POST', `/issues/${seg(issueId)}/release`, {}, 'unsent');
  }

  /** 201 with the comment. Wakes the assignee agent (costs a run). Not retried once sent. */
  addComment(issueId: string, body: string): Promise<WriteResult> {
    return this.write('POST', `/issues/${seg(issueId)}/comments`, { body }, 'unsent');
  }

  /** Soft delete (the comment keeps its row, with `deletedAt` and an empty body). Idempotent: retried. */
  deleteComment(issueId: string, commentId: string): Promise<WriteResult> {
    return this.write('DELETE', `/issues/${seg(issueId)}/comments/${seg(commentId)}`, undefined, 'always');
  }

  /** Idempotent (retried) unless the patch adds a comment. */
  patchIssue(issueId: string, patch: Record<string, unknown>): Promise<WriteResult> {
    const addsComment = patch != null && typeof patch === 'object' && 'comment' in patch && patch.comment != null;
    return this.write('PATCH', `/issues/${seg(issueId)}`, patch, addsComment ? 'unsent' : 'always');
  }

  /** Board only. Cancels the agent's active runs. Idempotent: retried. */
  pauseAgent(id: string): Promise<WriteResult> {
    return this.write('POST', `/agents/${seg(id)}/pause`, undefined, 'always');
  }

  /** Board only. Cancels one heartbeat run (queued or running); a finished run is returned as it is. Idempotent: retried. */
  cancelRun(runId: string): Promise<WriteResult> {
    return this.write('POST', `/heartbeat-runs/${seg(runId)}/cancel`, {}, 'always');
  }

  /** Routine update (`status: "paused"` stops its triggers). Idempotent: retried. */
  patchRoutine(id: string, patch: Record<string, unknown>): Promise<WriteResult> {
    return this.write('PATCH', `/routines/${seg(id)}`, patch, 'always');
  }

  /** A board approval request (the board's inbox). Not retried once sent (a second would be a second request). */
  createApproval(companyId: string, body: { type: string; payload: Record<string, unknown>; issueIds?: string[] }): Promise<WriteResult> {
    return this.write('POST', `/companies/${seg(companyId)}/approvals`, body, 'unsent');
  }

  /** A comment on an approval request (shown with it in the board's inbox). Not retried once sent. */
  addApprovalComment(approvalId: string, body: string): Promise<WriteResult> {
    return this.write('POST', `/approvals/${seg(approvalId)}/comments`, { body }, 'unsent');
  }

  /** Board only. Idempotent: retried. */
  resumeAgent(id: string): Promise<WriteResult> {
    return this.write('POST', `/agents/${seg(id)}/resume`, undefined, 'always');
  }

  /** Clears the agent's adapter session (for one task key, or all). Idempotent: retried. */
  resetSession(agentId: string, taskKey?: string): Promise<WriteResult> {
    return this.write('POST', `/agents/${seg(agentId)}/runtime-state/reset-session`, taskKey ? { taskKey } : {}, 'always');
  }

  /** Board only. Records an activity entry without waking anyone. Not retried once sent. */
  postActivity(companyId: string, entry: ActivityEntry): Promise<WriteResult> {
    return this.write('POST', `/companies/${seg(companyId)}/activity`, { actorType: 'system', ...entry }, 'unsent');
  }

  // ---------------------------------------------------------------- plumbing

  private async readArray(path: string, query?: CallOptions['query']): Promise<unknown[]> {
    const { value, fullPath } = await this.readJson('GET', path, query);
    if (!Array.isArray(value)) throw this.schemaError('GET', fullPath, `expected a JSON array, got ${kindOf(value)}`);
    return value;
  }

  private async readObject(method: string, path: string, query?: CallOptions['query']): Promise<JsonObject> {
    const { value, fullPath } = await this.readJson(method, path, query);
    if (!isJsonObject(value)) throw this.schemaError(method, fullPath, `expected a JSON object, got ${kindOf(value)}`);
    return value;
  }

  private async readJson(method: string, path: string, query?: CallOptions['query']): Promise<{ value: unknown; fullPath: string }> {
    const fullPath = this.fullPath(path, query);
    const res = await this.call(method, fullPath, { retry: 'always' });
    if (res.status < 200 || res.status > 299) {
      const body = tryJson(res.text);
      const e = this.err({
        code: 'http',
        status: res.status,
        method,
        path: fullPath,
        reason: `HTTP ${res.status}${errorText(body, res.text)}`,
        body: body === undefined ? undefined : this.scrubDeep(body),
      });
      e.attempts = res.attempts ?? 1;
      throw e;
    }
    if (res.text.trim() === '') throw this.schemaError(method, fullPath, 'empty response body, expected JSON');
    try {
      return { value: JSON.parse(res.text), fullPath };
    } catch (e) {
      throw this.schemaError(method, fullPath, `invalid JSON (${(e as Error).message}; ${res.text.length} bytes)`);
    }
  }

  private async write(method: string, path: string, body: unknown, retry: Retry): Promise<WriteResult> {
    const fullPath = this.fullPath(path);
    const res = await this.call(method, fullPath, { body, retry });
    const parsed = tryJson(res.text);
    const answer = parsed === undefined ? null : parsed;
    // Error bodies end up in findings and logs: scrub the key from them (success bodies are data).
    return { status: res.status, body: res.status >= 300 && answer !== null ? (this.scrubDeep(answer) ?? null) : answer };
  }

  private schemaError(method: string, path: string, what: string): PaperclipError {
    return this.err({ code: 'schema', method, path, reason: what });
  }

  private fullPath(path: string, query?: CallOptions['query']): string {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null && v !== '') qs.append(k, String(v));
    const s = qs.toString();
    return `${this.prefix}${path}${s ? `?${s}` : ''}`;
  }

  /** One logical call: attempts, backoff, Retry-After. Resolves with any HTTP answer that is not retried. */
  private async call(method: string, path: string, opts: CallOptions): Promise<RawResult> {
    if (this.closed) throw this.err({ code: 'unavailable', method, path, reason: 'client is closed' });
    if (this.limitError) throw this.err({ code: 'too-large', method, path, reason: `not sent: ${this.limitError.reason}` });
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    let payload: string | undefined;
    if (opts.body !== undefined) {
      payload = JSON.stringify(opts.body);
      headers['content-type'] = 'application/json';
    }
    for (let attempt = 1; ; attempt++) {
      if (this.signal?.aborted) throw this.abortedError(method, path, attempt - 1);
      const started = Date.now();
      const last = attempt > this.retries;
      let res: RawResult | undefined;
      let err: PaperclipError | undefined;
      let unsent = false;
      try {
        res = await this.attempt(method, path, headers, payload);
      } catch (e) {
        const f = this.classify(e, method, path);
        err = f.error;
        unsent = f.unsent;
      }
      const durationMs = Date.now() - started;
      if (err?.code === 'aborted') {
        this.emit({ method, path, attempt, error: 'aborted', durationMs });
        err.attempts = attempt;
        throw err;
      }
      let retryable: boolean;
      if (err?.code === 'too-large') retryable = false;
      else if (res) retryable = RETRYABLE_STATUS(res.status) && (opts.retry === 'always' || res.status === 429);
      else retryable = opts.retry === 'always' || unsent;
      if (!retryable || last) {
        this.emit({ method, path, attempt, status: res?.status, error: err?.code, durationMs });
        if (err) {
          err.attempts = attempt;
          throw err;
        }
        res!.attempts = attempt;
        return res!;
      }
      const wait = this.delay(attempt, res);
      this.emit({ method, path, attempt, status: res?.status, error: err?.code ?? 'http', durationMs, retryInMs: wait });
      await sleep(wait, this.signal);
    }
  }

  private abortedError(method: string, path: string, attempts: number): PaperclipError {
    const e = this.err({ code: 'aborted', method, path, reason: `abandoned: ${reasonText(this.signal?.reason)}` });
    e.attempts = attempts;
    return e;
  }

  private async attempt(method: string, path: string, headers: Record<string, string>, payload: string | undefined): Promise<RawResult> {
    this.count++;
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(new TimeoutFlag(this.timeoutMs)), this.timeoutMs);
    // The caller's signal cancels this attempt through its own controller. A listener removed in `finally`,
    // not AbortSignal.any: that one keeps a dependant per request on the long-lived signal (nodejs/node#55351).
    const onAbort = () => ac.abort(this.signal!.reason);
    this.signal?.addEventListener('abort', onAbort, { once: true });
    const onLimit = () => ac.abort(this.limitError);
    this.stopped.signal.addEventListener('abort', onLimit, { once: true });
    try {
      const r = await this.pool.request({ method: method as Dispatcher.HttpMethod, path, headers, body: payload, signal: ac.signal });
      const text = await this.readBody(r, method, path);
      return { status: r.statusCode, headers: r.headers, text };
    } catch (e) {
      if (this.signal?.aborted) throw this.abortedError(method, path, 1);
      if (e instanceof PaperclipError) throw e;
      if (this.limitError) throw this.err({ code: 'too-large', method, path, reason: `cancelled: ${this.limitError.reason}` });
      if (ac.signal.aborted) throw new TimeoutFlag(this.timeoutMs);
      throw e;
    } finally {
      clearTimeout(timer);
      this.signal?.removeEventListener('abort', onAbort);
      this.stopped.signal.removeEventListener('abort', onLimit);
    }
  }

  /**
   * The body as text, streamed against the limits: a Content-Length over the limit is refused before reading,
   * and reading stops at the first chunk past a limit (the connection is dropped, nothing more is buffered).
   */
  private async readBody(r: Dispatcher.ResponseData, method: string, path: string): Promise<string> {
    const over = (reason: string): PaperclipError => {
      r.body.destroy();
      const e = this.err({ code: 'too-large', method, path, reason });
      if (!this.limitError) {
        this.limitError = e;
        this.stopped.abort();
      }
      return e;
    };
    const perAnswer = `the limit per answer (paperclip.maxResponseBytes); not read further, not retried`;
    const declared = Number(r.headers['content-length']);
    if (Number.isFinite(declared) && declared > this.maxResponseBytes) throw over(`the answer declares ${declared} bytes (Content-Length), over ${bytesText(this.maxResponseBytes)}, ${perAnswer}`);
    const chunks: Buffer[] = [];
    let n = 0;
    for await (const chunk of r.body as AsyncIterable<Buffer>) {
      n += chunk.length;
      this.bytes += chunk.length;
      if (n > this.maxResponseBytes) throw over(`the answer is larger than ${bytesText(this.maxResponseBytes)}, ${perAnswer}`);
      if (this.bytes > this.maxScanBytes) throw over(`this scan has read more than ${bytesText(this.maxScanBytes)} from the server, the limit per scan (paperclip.maxScanBytes); not read further`);
      chunks.push(chunk);
    }
    return Buffer.concat(chunks, n).toString('utf8');
  }

  private classify(e: unknown, method: string, path: string): { error: PaperclipError; unsent: boolean } {
    if (e instanceof PaperclipError) return { error: e, unsent: false };
    const code = errCode(e);
    if (e instanceof TimeoutFlag || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
      return { error: this.err({ code: 'timeout', method, path, reason: `no complete answer within ${this.timeoutMs} ms (timeout)` }), unsent: false };
    }
    if (code === 'UND_ERR_CONNECT_TIMEOUT') {
      return { error: this.err({ code: 'timeout', method, path, reason: 'could not connect (connect timeout)' }), unsent: true };
    }
    const what =
      code === 'ECONNREFUSED'
        ? 'connection refused'
        : code === 'ECONNRESET' || code === 'UND_ERR_SOCKET'
          ? 'connection reset by the server'
          : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
            ? 'host not found'
            : ((e as Error)?.message ?? String(e));
    return {
      error: this.err({ code: 'unavailable', method, path, reason: `${what}${code && !what.includes(code) ? ` (${code})` : ''}` }),
      unsent: UNSENT_CODES.has(code),
    };
  }

  /** Backoff for the retry after `attempt`: Retry-After when the server sent one, else exponential with full jitter; capped. */
  private delay(attempt: number, res: RawResult | undefined): number {
    const ra = res ? parseRetryAfter(res.headers['retry-after']) : null;
    if (ra !== null) return Math.min(ra, this.maxRetryDelayMs);
    const ceiling = Math.min(this.maxRetryDelayMs, this.retryBaseMs * 2 ** (attempt - 1));
    return Math.round(Math.random() * ceiling);
  }

  /** Every PaperclipError is made here: path and reason scrubbed of the key. */
  private err(init: { code: PaperclipErrorCode; status?: number; method: string; path: string; reason: string; body?: unknown }): PaperclipError {
    return new PaperclipError({ ...init, origin: this.origin, path: this.scrub(init.path), reason: this.scrub(init.reason) });
  }

  private emit(e: RequestEvent): void {
    if (!this.onRequest) return;
    try {
      this.onRequest({ ...e, path: this.scrub(e.path) });
    } catch {
      // A logging hook must not break a request.
    }
  }

  /** Remove the API key (and any URL credentials) from text that may end up in a message or a log. */
  private scrub(s: string): string {
    let out = s;
    if (this.apiKey) out = out.split(this.apiKey).join('***');
    return out.replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi, '$1***');
  }

  private scrubDeep(v: unknown): unknown {
    if (!this.apiKey) return v;
    try {
      return JSON.parse(this.scrub(JSON.stringify(v)));
    } catch {
      return undefined;
    }
  }
}

// ------------------------------------------------------------------ helpers

class TimeoutFlag extends Error {
  constructor(readonly ms: number) {
    super(`timed out after ${ms} ms`);
  }
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date. Null when absent or unparseable. */
export function parseRetryAfter(v: string | string[] | undefined, now = Date.now()): number | null {
  const s = (Array.isArray(v) ? v[0] : v)?.trim();
  if (!s) return null;
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const t = Date.parse(s);
  if (Number.isNaN(t)) return null;
  return Math.max(0, t - now);
}

function errCode(e: unknown): string {
  const c = (e as { code?: unknown })?.code;
  if (typeof c === 'string') return c;
  const cause = (e as { cause?: { code?: unknown } })?.cause?.code;
  return typeof cause === 'string' ? cause : '';
}

function tryJson(text: string): unknown {
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function errorText(body: unknown, text: string): string {
  const e = (body as { error?: unknown } | undefined)?.error;
  if (typeof e === 'string' && e) return ` ${e.slice(0, 300)}`;
  const t = text.trim();
  return t && body === undefined ? ` ${t.slice(0, 200)}` : '';
}

function kindOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : typeof v;
}

function seg(s: string): string {
  return encodeURIComponent(String(s));
}

function iso(d: string | Date): string {
  return d instanceof Date ? d.toISOString() : d;
}

/** 33554432 -> "32 MiB"; other sizes in bytes. */
function bytesText(n: number): string {
  return n >= 1024 * 1024 && n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MiB` : `${n} bytes`;
}

function positive(v: number | undefined, dflt: number): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : dflt;
}

function redactUrl(s: string): string {
  return String(s).replace(/\/\/[^/@]*@/, '//***@');
}

/** Resolves after `ms`, or at once when `signal` aborts (the next loop turn then throws). */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((r) => {
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      r();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

function reasonText(reason: unknown): string {
  return reason instanceof Error ? reason.message : reason === undefined ? 'aborted' : String(reason);
}
