// The live guard's worker, run by the Paperclip server (its own Node, a minimal environment): each issue event
// goes through guardIssue (the same rules, planner and executor as `scan --apply`), one at a time, and what it
// found (kinds and places, never a value) is kept in plugin state for `clipguard plugin status`.

import { homedir } from 'node:os';
import { join } from 'node:path';
import { definePlugin, runWorker, type PluginContext, type PluginEvent } from '@paperclipai/plugin-sdk';
import { PaperclipClient } from '../sources/paperclip/client.js';
import { checkText, guardIssue, type GuardFinding, type GuardResult } from './guard.js';
import { HostClient } from './host-client.js';
import { CHECK_TEXT_TOOL, manifest, type LiveGuardConfig } from './manifest.js';
import { registerUiData } from './ui-data.js';

export const GUARDED_EVENTS = ['issue.created', 'issue.updated', 'issue.comment.created'] as const;

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
}

const NO_DELETE = 'the live guard has no paperclipUrl (the REST API) configured, and a plugin cannot delete a comment';

export function setupGuard(ctx: PluginContext): void {
  const ownId = process.env.PAPERCLIP_PLUGIN_ID ?? null;
  const rest = new Map<string, PaperclipClient>();
  let chain: Promise<unknown> = Promise.resolve();
  // One event at a time: each takes the state directory's lock, and the kept findings are read, changed and
  // written back.
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = chain.then(fn, fn);
    chain = next.catch(() => undefined);
    return next;
  };

  for (const name of GUARDED_EVENTS) {
    ctx.events.on(name, (event) => serial(() => onEvent(event)));
  }

  async function onEvent(event: PluginEvent): Promise<void> {
    const stats = await readStats();
    stats.events++;
    stats.lastEventAt = new Date().toISOString();
    // Its own writes through the plugin API (a PATCH; a copy or a flag when no REST URL is set) come back as
    // events marked as this plugin's: not guarded again (no loop). Copies posted as the board come back as the
    // board's: guarded, and they hold nothing.
    if (event.actorType === 'plugin' && ownId && event.actorId === ownId) {
      stats.ownSkipped++;
      return;
    }
    const issueId = event.entityType === 'issue' || !event.entityType ? event.entityId : ((event.payload as { issueId?: string } | null)?.issueId ?? undefined);
    if (!issueId) return writeStats(stats);
    await guardOne(stats, event.companyId, issueId, event.eventType);
    const ms = Date.now() - Date.parse(event.occurredAt);
    if (Number.isFinite(ms)) stats.handledMs = [...stats.handledMs, ms].slice(-50);
    await writeStats(stats);
  }

  /** One issue through the guard; counted in `stats`, whose caller writes them back. */
  async function guardOne(stats: GuardStats, companyId: string, issueId: string, why: string): Promise<void> {
    try {
      const config = (await ctx.config.get(companyId)) as LiveGuardConfig;
      const client = new HostClient(ctx, companyId, config.paperclipUrl ? restClient(config.paperclipUrl) : null);
      const result = await guardIssue(client, issueId, {
        apply: config.apply === true,
        flag: config.flag === true,
        stateDir: config.stateDir || join(homedir(), '.clipguard', 'live-guard'),
        noCommentDelete: config.paperclipUrl ? undefined : NO_DELETE,
      });
      stats.guarded++;
      stats.aliveAt = new Date().toISOString();
      const applied = result.findings.flatMap((f) => f.actions.filter((a) => a.status === 'applied'));
      stats.acted += applied.length;
      await keepFindings(companyId, result);
      for (const f of result.findings) for (const a of f.actions.filter((x) => x.status === 'applied' || x.status === 'failed')) await logActivity(companyId, result, f, a);
    } catch (e) {
      stats.errors++;
      // The message of a failed read or write: server words, no ticket text.
      stats.lastError = `${new Date().toISOString()} ${why} ${issueId}: ${(e as Error).message}`.slice(0, 300);
      ctx.logger.error('live guard failed on an issue', { why, issueId, error: (e as Error).message.slice(0, 300) });
    }
  }

  /**
   * After a start (a server restart, an upgrade): the server marks the plugin ready before its worker runs, and
   * events in between reach no one. The issues changed since this guard last knew itself alive (a comment moves
   * its issue's updatedAt too) go through the guard once. A first install has no such time: the issues that
   * exist then are `scan`'s and `watch`'s to check, not swept here.
   */
  async function catchUp(): Promise<void> {
    const stats = await readStats();
    const since = stats.aliveAt ? Date.parse(stats.aliveAt) - 60_000 : null;
    stats.aliveAt = new Date().toISOString();
    stats.starts++;
    if (since !== null && Number.isFinite(since)) {
      for (const co of await ctx.companies.list({ limit: 1000 })) {
        for (let offset = 0; ; offset += 500) {
          const page = await ctx.issues.list({ companyId: co.id, limit: 500, offset });
          for (const i of page) {
            if (Date.parse(String(i.updatedAt)) < since) continue;
            stats.caughtUp++;
            await guardOne(stats, co.id, i.id, 'catch-up after a start');
          }
          if (page.length < 500) break;
        }
      }
    }
    await writeStats(stats);
  }
  // First in the queue, so the events that arrive meanwhile wait behind it (and do not move `aliveAt` before it
  // is read); it starts once setup has returned (host calls from inside setup are not relied on). Not awaited.
  void serial(async () => {
    await new Promise((r) => setTimeout(r, 100));
    await catchUp();
  }).catch((e) => ctx.logger.error('live guard catch-up failed', { error: String((e as Error).message).slice(0, 300) }));

  function restClient(url: string): PaperclipClient {
    let c = rest.get(url);
    if (!c) rest.set(url, (c = new PaperclipClient({ baseUrl: url, timeoutMs: 10_000, retries: 2 })));
    return c;
  }

  // The counters live in memory (read once from plugin state, so they survive a restart) and are written back
  // after each guarded event; an event of its own only counts: no host round trip for it (a burst of redactions
  // brings as many events of its own as it handles).
  let statsCache: GuardStats | null = null;
  async function readStats(): Promise<GuardStats> {
    if (!statsCache) {
      const s = (await ctx.state.get({ scopeKind: 'instance', stateKey: STATS_KEY })) as GuardStats | null;
      statsCache = { events: 0, ownSkipped: 0, guarded: 0, acted: 0, errors: 0, lastError: null, lastEventAt: null, handledMs: [], aliveAt: null, starts: 0, caughtUp: 0, ...(s ?? {}) };
    }
    return statsCache;
  }
  async function writeStats(s: GuardStats): Promise<void> {
    statsCache = s;
    await ctx.state.set({ scopeKind: 'instance', stateKey: STATS_KEY }, s);
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
