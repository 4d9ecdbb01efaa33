// The live guard's worker, run by the Paperclip server (its own Node, a minimal environment): each issue event
// goes through guardIssue (the same rules, planner and executor as `scan --apply`), the agent, run and budget
// events through guardCompany (company-events.ts), the scheduled jobs through jobs.ts. Two queues (queue.ts),
// tasks for the same issue or company coalesced in each: `queue` for the issue tasks and every acting run, one at
// a time; `reads` for the company reads (dry-runs), one at a time beside it. What it found (kinds and places,
// never a value) is kept in plugin state for `clipguard plugin status`.

import { homedir } from 'node:os';
import { join } from 'node:path';
import { definePlugin, runWorker, type PluginContext, type PluginEvent } from '@paperclipai/plugin-sdk';
import { PaperclipClient } from '../sources/paperclip/client.js';
import { checkText, guardIssue, type GuardFinding, type GuardResult } from './guard.js';
import { HostClient } from './host-client.js';
import { CHECK_TEXT_TOOL, manifest, type LiveGuardConfig } from './manifest.js';
import { registerUiData } from './ui-data.js';
import { CoalescingQueue } from './queue.js';
import { ISSUE_EVENTS, routeEvent } from './events.js';
import { BUDGET_RULES, ERROR_RULES, LOOP_RULES } from './company-guard.js';
import { checkCompany, loggedOutcome, setupCompanyGuard } from './company-events.js';
import { companyIds, setupJobs } from './jobs.js';

export { GUARDED_EVENTS } from './events.js';

/** Plugin state keys: per company, the open findings by issue; per instance, counters. */
export const FINDINGS_KEY = 'findings';
export const STATS_KEY = 'stats';

export interface GuardStats {
  events: number;
  ownSkipped: number;
  guarded: number;
  acted: number;
  errors: number;
  lastError: string | null;
  lastEventAt: string | null;
  /** Milliseconds from the event's time to the end of its handling, the last 50. */
  handledMs: number[];
  /** When this guard last knew itself running (a start, a guarded issue): a restart sweeps what changed since. */
  aliveAt: string | null;
  starts: number;
  /** Issues guarded by the sweep after a start. */
  caughtUp: number;
  /** Runs of the agent and budget rules for a company (see company-events.ts). */
  companyChecks: number;
  /** Events served by a task already waiting for the same issue or company (see queue.ts). */
  coalesced: number;
}

const NO_DELETE = 'the live guard has no paperclipUrl (the REST API) configured, and a plugin cannot delete a comment';

/** What the guard's handlers share (worker.ts makes it; company-events.ts and jobs.ts use it). */
export interface GuardCore {
  /** The issue tasks and every acting run (one at a time: the state lock, the ledger). */
  queue: CoalescingQueue;
  /** Reads of a company for its agent and budget rules and the jobs: one at a time, beside `queue`. */
  reads: CoalescingQueue;
  /** Runs `fn` (an acting run) in `queue`, as the company's acting task. */
  act<T>(key: string, fn: () => Promise<T>): Promise<T>;
  config(companyId: string): Promise<LiveGuardConfig>;
  stateDir(config: LiveGuardConfig): string;
  /** The guard's counters: one object in memory for the whole worker, read once from plugin state. */
  readStats(): Promise<GuardStats>;
  /**
   * Saves the counters in plugin state as they are when the write starts. One write at a time: one asked while
   * another is in flight is made once after it, for every caller that asked meanwhile, so no write of older
   * counts lands after a newer one and no count is lost.
   */
  writeStats(): Promise<void>;
  /**
   * Every event passes here first: counted (`events`, `lastEventAt`; the plugin's own in `ownSkipped`) and the
   * counts saved. `own`: the plugin's own write came back (not handled). `saved`: the save, which a handler that
   * has nothing more to do awaits (its task writes the counts again otherwise).
   */
  received(event: PluginEvent): Promise<{ own: boolean; saved: Promise<void> }>;
  /** Counts a failure in `stats` (the caller writes them back) and logs it: server words only, no ticket text. */
  failed(stats: GuardStats, what: string, e: unknown): void;
  /** Records the end of the handling of events that occurred at `occurredAt`. */
  handled(stats: GuardStats, occurredAt: string[]): void;
  /** The companies whose events this worker has handled (what a job falls back on, see jobs.ts). */
  known: Set<string>;
}

/** What an issue task's events carry: why it runs, and when each event it covers occurred. */
type IssueTask = { why: string; occurredAt: string[] };

export function setupGuard(ctx: PluginContext): GuardCore {
  const ownId = process.env.PAPERCLIP_PLUGIN_ID ?? null;
  const rest = new Map<string, PaperclipClient>();
  const queue = new CoalescingQueue();
  const known = new Set<string>();
  let acts = 0;

  const core: GuardCore = {
    queue,
    reads: new CoalescingQueue(),
    async act<T>(key: string, fn: () => Promise<T>): Promise<T> {
      let out!: T;
      // Never coalesced: each acting run is its caller's (a plan made just before it).
      await queue.enqueue<null>(`act:${key}:${++acts}`, 1, () => null, async () => {
        out = await fn();
      });
      return out;
    },
    config: async (companyId) => ((await ctx.config.get(companyId)) ?? {}) as LiveGuardConfig,
    stateDir: (config) => config.stateDir || join(homedir(), '.clipguard', 'live-guard'),
    readStats,
    writeStats,
    failed(stats, what, e) {
      stats.errors++;
      stats.lastError = `${new Date().toISOString()} ${what}: ${(e as Error)?.message ?? String(e)}`.slice(0, 300);
      ctx.logger.error('live guard failed', { what, error: String((e as Error)?.message ?? e).slice(0, 300) });
    },
    handled(stats, occurredAt) {
      const end = Date.now();
      const ms = occurredAt.map((t) => end - Date.parse(t)).filter((x) => Number.isFinite(x));
      stats.handledMs = [...stats.handledMs, ...ms].slice(-50);
    },
    known,
    async received(event) {
      // The companies seen are remembered on the way (what a job falls back on).
      known.add(event.companyId);
      const stats = await readStats();
      stats.events++;
      stats.lastEventAt = new Date().toISOString();
      // Its own writes through the plugin API (a PATCH; a copy or a flag when no REST URL is set) come back as
      // events marked as this plugin's: not guarded again (no loop). Its writes through the REST API come back
      // as the board's: guarded like anyone's, and the ledger and the re-reads make them no-ops.
      const own = event.actorType === 'plugin' && !!ownId && event.actorId === ownId;
      if (own) stats.ownSkipped++;
      const saved = writeStats();
      saved.catch(() => undefined); // a caller that does not await it: the next save carries the counts
      return { own, saved };
    },
  };

  for (const name of ISSUE_EVENTS) {
    ctx.events.on(name, async (event) => {
      const { own, saved } = await core.received(event);
      const route = routeEvent(event);
      if (own || route.kind !== 'issue') return saved;
      const stats = await readStats();
      const before = queue.coalesced;
      const task = queue.enqueue<IssueTask>(
        `issue:${event.companyId}:${route.issueId}`,
        0,
        (prev) => ({ why: prev ? `${prev.why.split(' +')[0]} +more` : event.eventType, occurredAt: [...(prev?.occurredAt ?? []), event.occurredAt] }),
        issueTask(event.companyId, route.issueId),
      );
      if (queue.coalesced > before) stats.coalesced++;
      await task;
    });
  }
  setupCompanyGuard(ctx, core);
  setupJobs(ctx, core);

  /**
   * An issue's task, for a live event and the catch-up sweep alike: one data shape per key, since either may join
   * the other's waiting task (the sweep's data once wiped a live event's, whose task then failed).
   */
  function issueTask(companyId: string, issueId: string): (d: IssueTask) => Promise<void> {
    return async (d) => {
      const s = await readStats();
      await guardOne(s, companyId, issueId, d.why);
      core.handled(s, d.occurredAt);
      await writeStats();
    };
  }

  /** One issue through the guard; counted in `stats`, whose caller writes them back. */
  async function guardOne(stats: GuardStats, companyId: string, issueId: string, why: string): Promise<void> {
    try {
      const config = await core.config(companyId);
      const client = new HostClient(ctx, companyId, config.paperclipUrl ? restClient(config.paperclipUrl) : null);
      const result = await guardIssue(client, issueId, {
        apply: config.apply === true,
        flag: config.flag === true,
        stateDir: core.stateDir(config),
        noCommentDelete: config.paperclipUrl ? undefined : NO_DELETE,
      });
      stats.guarded++;
      stats.aliveAt = new Date().toISOString();
      const applied = result.findings.flatMap((f) => f.actions.filter((a) => a.status === 'applied'));
      stats.acted += applied.length;
      // Side by side, and beside the kept findings: the next task (a burst's other comments) waits for these.
      await Promise.all([keepFindings(companyId, result), ...result.findings.flatMap((f) => f.actions.filter((a) => loggedOutcome(config.apply === true)(a) && !result.quiet?.has(a)).map((a) => logActivity(companyId, result, f, a)))]);
    } catch (e) {
      // The message of a failed read or write: server words, no ticket text.
      core.failed(stats, `${why} ${issueId}`, e);
    }
  }

  /**
   * After a start (a server restart, an upgrade): the server marks the plugin ready before its worker runs, and
   * events in between reach no one. The issues changed since this guard last knew itself alive (a comment moves
   * its issue's updatedAt too) go through the guard once, and each company's agent and budget rules run once
   * (when a REST URL is configured for it). A first install has no such time: what exists then is `scan`'s and
   * `watch`'s to check, not swept here.
   */
  async function catchUp(): Promise<void> {
    const stats = await readStats();
    const since = startedFrom ? Date.parse(startedFrom) - 60_000 : null;
    stats.aliveAt = new Date().toISOString();
    stats.starts++;
    const swept: Promise<void>[] = [];
    if (since !== null && Number.isFinite(since)) {
      for (const companyId of await companyIds(ctx, core)) {
        try {
          for (let offset = 0; ; offset += 500) {
            const page = await ctx.issues.list({ companyId, limit: 500, offset });
            for (const i of page) {
              if (Date.parse(String(i.updatedAt)) < since) continue;
              stats.caughtUp++;
              swept.push(
                // Last (lane 2): a sweep of hundreds of issues changed while the guard was down must not hold up
                // the redaction of a key written now, nor an acting run (a budget pause) planned now.
                queue.enqueue<IssueTask>(`issue:${companyId}:${i.id}`, 2, (prev) => prev ?? { why: 'catch-up after a start', occurredAt: [] }, issueTask(companyId, i.id)),
              );
            }
            if (page.length < 500) break;
          }
        } catch (e) {
          // A company the plugin was never configured for: the host refuses its reads outside its events.
          ctx.logger.warn('live guard catch-up skipped a company', { companyId, error: String((e as Error)?.message ?? e).slice(0, 300) });
          continue;
        }
        swept.push(checkCompany(ctx, core, companyId, [...ERROR_RULES, ...LOOP_RULES, ...BUDGET_RULES], null, 0));
      }
    }
    await writeStats();
    await Promise.allSettled(swept);
  }
  // It starts once setup has returned (host calls from inside setup are not relied on). The time it sweeps from
  // is the one kept before this start, whatever event is handled first (readStats keeps it).
  setTimeout(() => void catchUp().catch((e) => ctx.logger.error('live guard catch-up failed', { error: String((e as Error).message).slice(0, 300) })), 100);

  function restClient(url: string): PaperclipClient {
    let c = rest.get(url);
    if (!c) rest.set(url, (c = new PaperclipClient({ baseUrl: url, timeoutMs: 10_000, retries: 2 })));
    return c;
  }

  // The counters live in memory (read once from plugin state, so they survive a restart) and are saved on each
  // event and after each task. The saves are serialized and coalesced (writeStats): a burst of events costs one
  // write in flight and one after it, whatever its size.
  let statsCache: Promise<GuardStats> | null = null;
  /** `aliveAt` as kept before this start: what the catch-up sweeps from. */
  let startedFrom: string | null = null;
  function readStats(): Promise<GuardStats> {
    statsCache ??= (async () => {
      const s = (await ctx.state.get({ scopeKind: 'instance', stateKey: STATS_KEY })) as Partial<GuardStats> | null;
      startedFrom = s?.aliveAt ?? null;
      return { events: 0, ownSkipped: 0, guarded: 0, acted: 0, errors: 0, lastError: null, lastEventAt: null, handledMs: [], aliveAt: null, starts: 0, caughtUp: 0, companyChecks: 0, coalesced: 0, ...(s ?? {}) };
    })();
    return statsCache;
  }
  let writing: Promise<void> | null = null;
  let next: Promise<void> | null = null;
  function writeStats(): Promise<void> {
    if (next) return next; // a write after the one in flight is asked already: it carries these counts too
    if (writing) {
      next = writing.catch(() => undefined).then(() => {
        next = null;
        return writeNow();
      });
      return next;
    }
    return writeNow();
  }
  function writeNow(): Promise<void> {
    const w = readStats().then((s) => ctx.state.set({ scopeKind: 'instance', stateKey: STATS_KEY }, structuredClone(s)));
    writing = w;
    w.then(
      () => (writing === w ? (writing = null) : null),
      () => (writing === w ? (writing = null) : null),
    );
    return w;
  }

  /** The company's open findings by issue: this issue's replaced by what this run found (none: removed). */
  async function keepFindings(companyId: string, r: GuardResult): Promise<void> {
    const key = { scopeKind: 'company' as const, scopeId: companyId, stateKey: FINDINGS_KEY };
    const all = ((await ctx.state.get(key)) ?? {}) as Record<string, unknown>;
    const open = r.findings.filter((f) => !f.actions.length || f.actions.some((a) => a.status !== 'applied'));
    if (!open.length && !Object.hasOwn(all, r.issueId)) return; // nothing kept, nothing to keep
    const next = { ...all };
    if (open.length) next[r.issueId] = { identifier: r.identifier, mode: r.mode, at: new Date().toISOString(), findings: open };
    else delete next[r.issueId];
    await ctx.state.set(key, next);
  }

  async function logActivity(companyId: string, r: GuardResult, f: GuardFinding, a: GuardFinding['actions'][number]): Promise<void> {
    try {
      await ctx.activity.log({
        companyId,
        message: `clipguard live guard: ${a.type} ${a.status} on ${a.target} (${f.kind} in ${r.identifier}); rotate the key: redaction does not take it back`,
        entityType: 'issue',
        entityId: r.issueId,
        metadata: { rule: f.rule, kind: f.kind, line: f.line, action: a.type, outcome: a.status, target: a.target },
      });
    } catch {
      // The activity log is a courtesy copy; the guard's audit log is the record.
    }
  }

  ctx.tools.register(
    CHECK_TEXT_TOOL,
    { displayName: manifest.tools[0].displayName, description: manifest.tools[0].description, parametersSchema: manifest.tools[0].parametersSchema },
    async (params) => {
      const text = (params as { text?: unknown } | null)?.text;
      if (typeof text !== 'string') return { error: 'give the text to check as {"text": "..."}' };
      const r = checkText(text);
      const content = r.secrets.length
        ? `This text holds ${r.secrets.length} secret(s): ${r.secrets.map((s) => `${s.description} (${s.kind}) at line ${s.line}, column ${s.column}`).join('; ')}. Do not post it: remove the value and refer to the secret by name.`
        : 'No secret found in this text.';
      return { content, data: r };
    },
  );

  ctx.data.register('findings', async (params) => {
    const companyId = (params as { companyId?: unknown })?.companyId;
    if (typeof companyId !== 'string') return {};
    return (await ctx.state.get({ scopeKind: 'company', scopeId: companyId, stateKey: FINDINGS_KEY })) ?? {};
  });
  ctx.data.register('stats', async () => readStats());
  registerUiData(ctx, FINDINGS_KEY); // the UI slots' view of the findings
  return core;
}

const plugin = definePlugin({
  async setup(ctx) {
    setupGuard(ctx);
  },
  // The config is read on each event (ctx.config.get): a change needs no restart. Without this hook the host
  // restarts the worker on every config save (one per company at `plugin install`).
  async onConfigChanged() {},
  async onHealth() {
    return { status: 'ok', message: 'clipguard live guard' };
  },
});

export default plugin;
runWorker(plugin, import.meta.url);
