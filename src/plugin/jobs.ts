// The live guard's scheduled jobs (declared in manifest.ts, run by the server's scheduler, or by hand through
// POST /api/plugins/{id}/jobs/{jobId}/trigger): for each company with a REST URL configured,
//
// - compliance-scan: `clipguard scan --paperclip <url> --company <id> [--apply]`, every built-in rule (the same
//   runScan as the CLI); acting only when the company's config says apply. Its findings (rule, severity,
//   subject, message, actions) are kept in plugin state (COMPLIANCE_KEY), the last run replacing the one before.
// - daily-checklist: `clipguard checklist --paperclip <url> --company <id>`, the handbook's six items, kept in
//   plugin state (CHECKLIST_KEY); with apply also recorded in the company's activity log (as
//   `checklist --post-activity`). The checklist itself acts on nothing: the compliance scan does.
//
// Both read in the guard's read lane (one company read at a time, beside the issue tasks: a long scan does not hold
// up a redaction), and act in the guard's queue, one acting run at a time, only when the plan has something to do
// (checkThenAct): a job never races an event's task for the state lock.

import type { PluginContext, PluginJobContext } from '@paperclipai/plugin-sdk';
import { checkThenAct, companyConfig, type KeptFinding } from './company-guard.js';
import type { LiveGuardConfig } from './manifest.js';
import type { GuardCore } from './worker.js';
import { loggedOutcome, logActivity } from './company-events.js';

export const COMPLIANCE_JOB = 'compliance-scan';
export const CHECKLIST_JOB = 'daily-checklist';
export const COMPLIANCE_KEY = 'compliance';
export const CHECKLIST_KEY = 'checklist';
/** Findings kept per company and run (the most severe first); the counts cover them all. */
const KEEP = 200;

export interface KeptCompliance {
  at: string;
  trigger: string;
  mode: 'dry-run' | 'apply';
  total: number;
  bySeverity: Record<string, number>;
  actions: Record<string, number>;
  findings: KeptFinding[];
  unavailable: string[];
}

const SEVERITY_ORDER = ['critical', 'error', 'warning', 'info'];

export function setupJobs(ctx: PluginContext, core: GuardCore): void {
  ctx.jobs.register(COMPLIANCE_JOB, (job) => perCompany(ctx, core, job, 'compliance scan', complianceScan));
  ctx.jobs.register(CHECKLIST_JOB, (job) => perCompany(ctx, core, job, 'daily checklist', dailyChecklist));
  for (const [name, key] of [
    ['compliance', COMPLIANCE_KEY],
    ['checklist', CHECKLIST_KEY],
  ] as const) {
    ctx.data.register(name, async (params) => {
      const companyId = (params as { companyId?: unknown })?.companyId;
      if (typeof companyId !== 'string') return null;
      return (await ctx.state.get({ scopeKind: 'company', scopeId: companyId, stateKey: key })) ?? null;
    });
  }
}

type CompanyJob = (ctx: PluginContext, core: GuardCore, companyId: string, config: LiveGuardConfig & { paperclipUrl: string }, job: PluginJobContext) => Promise<void>;

/**
 * Runs `fn` for every company whose config has a REST URL, one at a time in the guard's queue. A company that
 * fails is counted and logged and the others still run; the job fails (the host records it) when one did.
 */
async function perCompany(ctx: PluginContext, core: GuardCore, job: PluginJobContext, what: string, fn: CompanyJob): Promise<void> {
  const failures: string[] = [];
  const companies = await companyIds(ctx, core);
  await core.reads.enqueue<null>(
    `job:${job.jobKey}`,
    1,
    () => null,
    async () => {
      const stats = await core.readStats();
      for (const id of companies) {
        let config: LiveGuardConfig;
        try {
          config = await core.config(id);
        } catch {
          continue; // a company the plugin was never configured for (its host scope is denied to a job)
        }
        if (!config.paperclipUrl) continue;
        try {
          await fn(ctx, core, id, { ...config, paperclipUrl: config.paperclipUrl }, job);
        } catch (e) {
          core.failed(stats, `${what} of company ${id}`, e);
          failures.push(`${id}: ${String((e as Error)?.message ?? e).slice(0, 200)}`);
        }
      }
      await core.writeStats();
    },
  );
  if (failures.length) throw new Error(`${what} failed for ${failures.length} compan${failures.length === 1 ? 'y' : 'ies'}: ${failures.join('; ')}`);
}

/**
 * The server's companies. A job runs outside any event's scope, and the host refuses a plugin's company list
 * there while an event's handling is open (the guard's event handlers wait for their task): asked again until the
 * guard's queue is quiet (up to 10 s), then the companies the guard has seen events of since it started.
 */
export async function companyIds(ctx: PluginContext, core: GuardCore): Promise<string[]> {
  for (let attempt = 0; ; attempt++) {
    try {
      return (await ctx.companies.list({ limit: 1000 })).map((c) => c.id);
    } catch (e) {
      if (attempt >= 40) {
        if (core.known.size) return [...core.known];
        throw e;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

const complianceScan: CompanyJob = async (ctx, core, companyId, config, job) => {
  const r = await checkThenAct(companyId, [], { apply: config.apply === true, paperclipUrl: config.paperclipUrl, stateDir: core.stateDir(config) }, (fn) => core.act(`compliance:${companyId}`, fn));
  const count = <K extends string>(xs: K[]) => xs.reduce<Record<string, number>>((m, x) => ((m[x] = (m[x] ?? 0) + 1), m), {});
  const sorted = [...r.findings].sort((a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity));
  const kept: KeptCompliance = {
    at: new Date().toISOString(),
    trigger: job.trigger,
    mode: r.mode,
    total: r.findings.length,
    bySeverity: count(r.findings.map((f) => f.severity)),
    actions: count(r.findings.flatMap((f) => f.actions.map((a) => a.status))),
    findings: sorted.slice(0, KEEP),
    unavailable: r.unavailable,
  };
  await ctx.state.set({ scopeKind: 'company', scopeId: companyId, stateKey: COMPLIANCE_KEY }, kept);
  const stats = await core.readStats();
  stats.acted += kept.actions.applied ?? 0;
  await Promise.all(r.findings.flatMap((f) => f.actions.filter((a) => loggedOutcome(config.apply === true)(a) && !r.quiet?.has(a)).map((a) => logActivity(ctx, companyId, f, a))));
};

const dailyChecklist: CompanyJob = async (ctx, core, companyId, config) => {
  const { publishChecklist, runChecklist } = await import('../checklist.js');
  const cfg = companyConfig(companyId, { apply: false, paperclipUrl: config.paperclipUrl, stateDir: core.stateDir(config) });
  const c = await runChecklist(cfg);
  // Publishing writes the audit log and the server: as an acting run, in the guard's queue.
  const published = config.apply === true ? await core.act(`checklist:${companyId}`, () => publishChecklist(c, cfg, { postActivity: true })) : { ok: true, lines: ['not published: the company is in dry-run'] };
  await ctx.state.set(
    { scopeKind: 'company', scopeId: companyId, stateKey: CHECKLIST_KEY },
    { at: new Date().toISOString(), date: c.date, mode: c.mode, ok: c.ok, items: c.items.map((i) => ({ n: i.n, title: i.title, status: i.status, detail: i.detail, findings: i.findings.slice(0, 20) })), published: published.lines },
  );
};
