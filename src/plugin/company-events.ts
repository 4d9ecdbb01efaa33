// The agent, run and budget events of the live guard (events.ts says which event checks which rules): one task
// per company in the guard's read lane, coalesced (every event of a company that arrives while its task waits
// joins it) and started SETTLE_MS after the first of them (a failed run's company once more LATE_SETTLE_MS later,
// for the agent-in-error rule), then guardCompany (the same read, rules, planner and
// executor as `clipguard scan --company <id> --only <rules> [--apply]`), acting in the guard's queue only when
// its plan has something to do (checkThenAct). Dry-run unless the company's config says apply. What it found is
// kept in plugin state (OPS_KEY, per company and rule) for `plugin status`.
//
// Its own writes go through the REST API as the board: a release and checkout come back as issue events (the
// secret rules find nothing new), a pause, a session reset and a run cancel as no event the guard handles; the
// run a re-checkout wakes comes back as agent.run.* events, and then the ledger (one release-checkout per agent
// and issue an hour, one pause per finding) and the executor's re-reads make the next task plan nothing new.

import type { PluginContext } from '@paperclipai/plugin-sdk';
import { COMPANY_EVENTS, routeEvent } from './events.js';
import { checkThenAct, ERROR_RULES, type CompanyResult, type KeptFinding } from './company-guard.js';
import type { GuardCore } from './worker.js';

/** Plugin state key (company scope): the findings of the agent and budget rules, by rule. */
export const OPS_KEY = 'ops';
/**
 * How long a company's task waits after its first event: the server publishes agent.run.failed before it sets
 * the agent's status to error, and a run's end brings several events (finished, costs, a budget incident).
 */
export const SETTLE_MS = 1500;
/**
 * A failed run's second look, this long after its first check (a later failure joining it pushes it back to its own
 * 10 s, for at most 30 s after the first, so a stream of failures cannot hold it off): the server sets the agent to `error` after it
 * publishes agent.run.failed, and publishes no event for that change; on a busy server that comes later than
 * SETTLE_MS, and the first check sees the agent not in error yet. Coalesced per company like the first.
 */
export const LATE_SETTLE_MS = 10_000;

export interface KeptOps {
  rules: Record<string, { at: string; mode: CompanyResult['mode']; findings: KeptFinding[] }>;
  /** Why the last task could not read the company (no REST URL configured, the REST API down), or null. */
  unavailable: string | null;
  at: string;
}

export function setupCompanyGuard(ctx: PluginContext, core: GuardCore): void {
  for (const name of COMPANY_EVENTS) {
    ctx.events.on(name, async (event) => {
      const { own, saved } = await core.received(event);
      const route = routeEvent(event);
      if (own || route.kind !== 'company') return saved;
      await checkCompany(ctx, core, event.companyId, route.rules, event.occurredAt);
      // Awaited, so the event's company scope stays open for the second look's calls to the host.
      if (event.eventType === 'agent.run.failed') await checkCompany(ctx, core, event.companyId, ERROR_RULES, null, LATE_SETTLE_MS, 'late', LATE_SETTLE_MS * 3);
    });
  }
  ctx.data.register('ops', async (params) => {
    const companyId = (params as { companyId?: unknown })?.companyId;
    if (typeof companyId !== 'string') return {};
    return (await ctx.state.get({ scopeKind: 'company', scopeId: companyId, stateKey: OPS_KEY })) ?? {};
  });
}

/**
 * Queue (or join) the company's task for these rules; resolves when the task that covers it has run. The task
 * waits in the guard's read lane (`core.reads`: company reads one at a time, beside the issue tasks), and only
 * an action to take goes to the guard's queue (checkThenAct): a company read never holds up a redaction.
 */
export function checkCompany(ctx: PluginContext, core: GuardCore, companyId: string, rules: string[], occurredAt: string | null, delayMs = SETTLE_MS, keySuffix = '', rearmForMs = 0): Promise<void> {
  const before = core.reads.coalesced;
  // The second looks wait in their own task (`keySuffix`): an event joining a waiting task waits as long as it does.
  const task = core.reads.enqueue<{ rules: string[]; occurredAt: string[] }>(
    `company:${companyId}${keySuffix ? `:${keySuffix}` : ''}`,
    1,
    (prev) => ({ rules: [...new Set([...(prev?.rules ?? []), ...rules])], occurredAt: [...(prev?.occurredAt ?? []), ...(occurredAt ? [occurredAt] : [])] }),
    async (d) => {
      const stats = await core.readStats();
      try {
        const config = await core.config(companyId);
        if (!config.paperclipUrl) {
          await keepOps(ctx, companyId, null, 'no paperclipUrl configured: the agent and budget rules read runs, costs and budgets through the REST API (clipguard plugin install sets it)');
        } else {
          const r = await checkThenAct(companyId, d.rules, { apply: config.apply === true, paperclipUrl: config.paperclipUrl, stateDir: core.stateDir(config) }, (fn) => core.act(`company:${companyId}`, fn));
          stats.companyChecks++;
          stats.acted += r.findings.reduce((n, f) => n + f.actions.filter((a) => a.status === 'applied').length, 0);
          await keepOps(ctx, companyId, r, r.unavailable.length ? r.unavailable.join('; ') : null);
          await Promise.all(r.findings.flatMap((f) => f.actions.filter((a) => loggedOutcome(config.apply === true)(a) && !r.quiet?.has(a)).map((a) => logActivity(ctx, companyId, f, a))));
        }
      } catch (e) {
        core.failed(stats, `company ${companyId} (${d.rules.join(', ')})`, e);
      }
      core.handled(stats, d.occurredAt);
      await core.writeStats();
    },
    delayMs,
    rearmForMs,
  );
  if (core.reads.coalesced > before) void core.readStats().then((s) => void s.coalesced++);
  return task;
}

/** The rules that ran replace their kept findings; the other rules' stay. */
async function keepOps(ctx: PluginContext, companyId: string, r: CompanyResult | null, unavailable: string | null): Promise<void> {
  const key = { scopeKind: 'company' as const, scopeId: companyId, stateKey: OPS_KEY };
  const prev = ((await ctx.state.get(key)) ?? { rules: {} }) as KeptOps;
  const at = new Date().toISOString();
  const rules = { ...(prev.rules ?? {}) };
  if (r)
    for (const id of r.rules) {
      const findings = r.findings.filter((f) => f.rule === id);
      if (findings.length) rules[id] = { at, mode: r.mode, findings };
      else delete rules[id];
    }
  await ctx.state.set(key, { rules, unavailable, at } satisfies KeptOps);
}

/**
 * The outcomes worth an activity entry: what an acting company's run did or failed to do. A company in dry-run
 * writes nothing to Paperclip, this log included (the planner already marks `failed` a redaction it knows cannot
 * be made; its decision is in the plugin's state).
 */
export const loggedOutcome = (apply: boolean) => (a: { status: string }): boolean => apply && (a.status === 'applied' || a.status === 'failed');

export async function logActivity(ctx: PluginContext, companyId: string, f: KeptFinding, a: KeptFinding['actions'][number]): Promise<void> {
  const [type, id] = f.subject.split(':');
  try {
    await ctx.activity.log({
      companyId,
      message: `clipguard live guard: ${a.type} ${a.status} on ${a.target} (${f.rule})`,
      entityType: type,
      entityId: id,
      metadata: { rule: f.rule, action: a.type, outcome: a.status, target: a.target, detail: a.detail },
    });
  } catch {
    // The activity log is a courtesy copy; the guard's audit log is the record.
  }
}
