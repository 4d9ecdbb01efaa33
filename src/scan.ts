// The scan pipeline: sources -> subjects -> engine -> findings -> suppressions -> planner -> executor -> report.

import { readFileSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { gitRoot } from './util/git-root.js';
import type { Config } from './config/load.js';
import type { PaperclipReadCache } from './sources/paperclip/cache.js';
import type { ActingClient } from './sources/paperclip/client.js';
import { activateRules, Evaluator, matchesSelector, type ActiveRule } from './engine/evaluate.js';
import { loadRulePacks, RulePackError, withoutActionsFrom } from './engine/load.js';
import { ruleActions, type LoadedRule } from './engine/rule.js';
import { applySuppressions, loadWaivers, readBaseline, writeBaseline } from './engine/suppress.js';
import type { ExecutorResult } from './actions/executor.js';
import { Ledger, ledgerPauses, sessionResets } from './actions/ledger.js';
import { refuseTrackedStateDir, stateProblemFinding } from './actions/state-dir.js';
import type { StateLock } from './schedule/lock.js';
import type { StateProblem } from './actions/state-dir.js';
import { readSources, secretOptions, type SourceOutput } from './sources/index.js';
import { sourceNeeds } from './sources/needs.js';
import { factParamsOf } from './sources/fact-params.js';
import type { BudgetRow, BudgetSection, Finding, FindingAction, Report, Severity, Subject } from './types.js';
import { SEVERITIES, severityRank } from './types.js';
import { VERSION } from './version.js';
import { nearest } from './engine/shape.js';
import { UserFileError } from './util/json-file.js';
import type { BudgetFacts } from './facts/budget.js';
import type { Agent, Company } from './sources/paperclip/records.js';
import { byCodeUnits } from './util/compare.js';
import { maskDeep } from './engine/mask.js';

export interface ScanOptions {
  only?: string[];
  explain?: boolean;
  baseline?: string;
  writeBaseline?: string;
  gitRange?: string;
  now?: Date;
  /** Subjects supplied by the caller (precommit, i18n, rule tests, the live guard) instead of reading sources. */
  subjects?: Subject[];
  /**
   * With `subjects`: the Paperclip the actions re-read and write (the live guard's plugin client). Without it,
   * supplied subjects have no Paperclip and its actions are skipped ("Paperclip is not connected").
   */
  client?: ActingClient;
  /** Why this run cannot delete a comment (the live guard without a REST URL): see PlanLimits.noCommentDelete. */
  noCommentDelete?: string;
  /** Independent actions (comment redactions) run at once: ExecutorOptions.concurrency (default 1). */
  actionConcurrency?: number;
  statuses?: Report['sources'];
  /** Validate only the rules `only` selects (the pre-commit hook; a scan validates every loaded rule). */
  validateOnlySelected?: boolean;
  /** Kept across the runs of `watch`: Paperclip is then read incrementally. */
  paperclipCache?: PaperclipReadCache;
  /**
   * Abandons the scan (a `watch` run past its deadline, or a shutdown): Paperclip calls in flight are
   * cancelled, nothing is evaluated after a cut-short read, no action starts after the abort, and runScan
   * rejects with the signal's reason.
   */
  signal?: AbortSignal;
  /**
   * The state lock this process already holds (`watch`). Without it, a scan that acts takes the state
   * directory's lock itself for the whole run, waiting up to `lockWaitMs` (default 30 s) for another holder.
   */
  lock?: Pick<StateLock, 'lostTo'>;
  /** Known before the scan: the state directory takes no writes (the lock could not be created there). */
  stateProblem?: StateProblem;
  lockWaitMs?: number;
  /** How the holder is named in the lock (what a second process's message shows), e.g. "scan --apply". */
  lockCommand?: string;
}

/** How long a second acting clipguard waits for the state lock before giving up (exit 2). */
export const DEFAULT_LOCK_WAIT_MS = 30_000;

export interface ScanResult {
  report: Report;
  rules: ActiveRule[];
  subjects: Subject[];
  requestCount: number;
  /** With `writeBaseline`: how many fingerprints the baseline file holds. */
  baselineWritten?: number;
  /** `--apply`: the planner's decisions not to act that an earlier run recorded already (ExecutorResult.repeated), among the report's actions. */
  repeated?: ReadonlySet<FindingAction>;
}

export function loadActiveRules(config: Config, only?: string[], validateOnlySelected = false): { all: LoadedRule[]; active: ActiveRule[] } {
  const select = validateOnlySelected && only?.length ? (id: string, tags: string[]) => only.some((sel) => matchesSelector({ id, tags }, sel)) : undefined;
  const loaded = loadRulePacks(config.rules.packs, { select });
  const { problems, unselected } = loaded;
  if (problems.length) throw new RulePackError(problems);
  // Packs an untrusted config file named report like any other, but their rules ask for no action.
  const rules = withoutActionsFrom(loaded.rules, config.rules.actionlessPacks);
  for (const [id, o] of Object.entries(config.rules.overrides)) {
    const rule = rules.find((r) => r.id === id);
    if (!rule && !unselected.includes(id)) throw new RulePackError([{ file: config.file ?? 'config', ruleId: id, field: 'rules.overrides', message: 'no rule with this id is loaded (see `clipguard rules list`)' }]);
    // A misspelt param would silently keep the default: the rule's own params are the only ones it reads.
    const known = Object.keys(rule?.params ?? {});
    const unknown = rule ? Object.keys(o.params ?? {}).filter((k) => !known.includes(k)) : [];
    if (unknown.length) {
      throw new RulePackError([{ file: config.file ?? 'config', ruleId: id, field: `rules.overrides.params.${unknown[0]}`, message: `unknown param (this rule's params: ${known.length ? known.join(', ') : 'none'}; see \`clipguard explain ${id}\`)` }]);
    }
    // Likewise an action the rule does not have: switching it on would silently do nothing.
    const types = rule ? ruleActions(rule).map((a) => a.type as string) : [];
    const foreign = rule ? Object.keys(o.actions ?? {}).filter((t) => !types.includes(t)) : [];
    if (foreign.length) {
      throw new RulePackError([{ file: config.file ?? 'config', ruleId: id, field: `rules.overrides.actions.${foreign[0]}`, message: `this rule has no ${foreign[0]} action (its actions: ${types.length ? types.join(', ') : 'none'}; see \`clipguard explain ${id}\`)` }]);
    }
  }
  // Each selector must match a rule: a misspelt one next to a good one would otherwise narrow the run silently.
  const unmatched = (only ?? []).filter((sel) => !rules.some((r) => matchesSelector(r, sel)));
  if (unmatched.length) {
    const names = [...rules.map((r) => r.id), ...rules.map((r) => r.id.split('/')[0]), ...rules.flatMap((r) => r.tags)];
    const why = unmatched.map((sel) => {
      const near = nearest(sel, names);
      return `no rule matches "${sel}"${near.length ? ` (did you mean ${near.map((x) => `"${x}"`).join(' or ')}?)` : ''}`;
    });
    throw new UserFileError('--only', `${why.join('; ')}; give a rule id (clipguard rules list), an area such as "budget", or a tag`);
  }
  const active = activateRules(rules, config.rules.overrides, only);
  // Two rules giving one windowed fact different windows: a config error now, not at the first scan.
  factParamsOf(active);
  return { all: rules, active };
}

export async function runScan(config: Config, opts: ScanOptions = {}): Promise<ScanResult> {
  // One acting clipguard per state directory: a scan that acts holds the lock from before it reads (so a second
  // one waits, then sees the world the first one left) until it has acted. A dry-run writes nothing: no lock.
  if (!config.actions.apply || opts.lock) return scanLocked(config, opts);
  const { LockError, StateLock, stateLockFile } = await import('./schedule/lock.js');
  const lock = new StateLock(stateLockFile(config.stateDir), undefined, opts.lockCommand ?? 'scan --apply');
  try {
    await lock.acquireWithin(opts.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS);
  } catch (e) {
    if (!(e instanceof LockError && e.unwritable)) throw e;
    // A state dir that takes no writes: the scan still reports, and acts on nothing (the executor's own check
    // of the state dir reports why as a finding; should that check pass, this lock's error stops every action).
    const why = `not acting: ${e.message}`;
    return scanLocked(config, { ...opts, lock: { lostTo: () => why }, stateProblem: { kind: 'state-dir-unwritable', path: config.stateDir, message: e.message } });
  }
  try {
    return await scanLocked(config, { ...opts, lock });
  } finally {
    lock.release();
  }
}

async function scanLocked(config: Config, opts: ScanOptions): Promise<ScanResult> {
  const startedAt = new Date();
  const now = opts.now ?? startedAt;
  const { active } = loadActiveRules(config, opts.only, opts.validateOnlySelected);
  const evaluator = new Evaluator(active);
  // What to read follows the subjects of the rules `--only` selected (sourceNeeds); the source rules it did not
  // select still report a named source that could not be read (readSources probes a named Paperclip no selected
  // rule reads).
  if (config.repos === null) {
    const root = gitRoot(process.cwd());
    config.repos = root ? [root] : [];
  }

  // The state a scan reads (the ledger here, and for the planner) must not be the checkout's. The pre-commit
  // hook hands its subjects in and reads no state unless a finding asks for an action (below).
  if (!opts.subjects) refuseTrackedStateDir(config.stateDir);
  let sources: SourceOutput;
  if (opts.subjects) {
    sources = { statuses: opts.statuses ?? [], subjects: opts.subjects, paperclip: null, requestCount: 0 };
  } else {
    sources = await readSources({
      config,
      now,
      needs: { ...sourceNeeds(active), gitRange: opts.gitRange },
      paperclipCache: opts.paperclipCache,
      factParams: factParamsOf(active),
      sessionResets: sessionResets(join(config.stateDir, 'ledger.json')),
      clipguardPauses: ledgerPauses(join(config.stateDir, 'ledger.json')),
      signal: opts.signal,
    });
  }
  try {
    return await evaluateAndAct(config, opts, { startedAt, now, active, evaluator, sources });
  } finally {
    await (sources.paperclip as { close?: () => Promise<void> } | null)?.close?.();
  }
}

async function evaluateAndAct(
  config: Config,
  opts: ScanOptions,
  { startedAt, now, active, evaluator, sources }: { startedAt: Date; now: Date; active: ActiveRule[]; evaluator: Evaluator; sources: SourceOutput },
): Promise<ScanResult> {
  // A read cut short by the abort looks like a partial outage: evaluating it would report (and could act on)
  // a state that is not the server's.
  opts.signal?.throwIfAborted();

  let findings = await evaluator.evaluate(sources.subjects, { now, explain: opts.explain });
  const waiversFile = config.waivers;
  findings = applySuppressions(findings, {
    now,
    waivers: waiversFile ? loadWaivers(waiversFile) : [],
    waiversFile: waiversFile ?? undefined,
    baseline: opts.baseline ? readBaseline(resolve(opts.baseline)) : undefined,
    readLine: lineReader(config.repos ?? []),
    rulesRun: new Set(active.map((r) => r.id)),
  });
  findings.sort(compareFindings);

  const mode = config.actions.apply ? 'apply' : 'dry-run';
  // The planner and the executor (with every action kind, ~25 modules) load only when they have work: a
  // finding with an action to plan, or a run that acts (which also resumes what an earlier run left pending).
  // With neither, both are no-ops (the planner only rewrites actions; the dry-run executor returns at once):
  // the pre-commit hook and `clipguard i18n` do not pay for them.
  // Read once, for the planner and for what an earlier --apply left pending.
  let ledger: Ledger | undefined;
  const readLedger = () => (ledger ??= new Ledger(join(config.stateDir, 'ledger.json')));
  // A release + re-checkout an earlier --apply left half-done is completed by the next one: a write the dry-run
  // shows as well (one finding each), wherever a Paperclip is connected to complete it. Made before the plan, which
  // plays them where the executor acts them (the issue they hand out is not handed out again).
  let pending: Finding[] = [];
  if ((opts.client ?? sources.paperclip) && readLedger().pending().length) {
    const { pendingFindings } = await import('./actions/pending.js');
    // A completion is its rule's action: with --only, made (and shown) by a run that selected that rule.
    pending = pendingFindings(readLedger(), sources.subjects, opts.only?.length ? new Set(active.map((r) => r.id)) : undefined);
  }
  if (findings.some((f) => f.actions.length)) {
    const { planActions } = await import('./actions/planner.js');
    if (opts.subjects) refuseTrackedStateDir(config.stateDir);
    // The planner reads the ledger (read-only: a dry-run writes nothing) so that what it would skip shows as
    // skipped in the dry-run too: the plan is what --apply does.
    planActions(findings, sources.subjects, { maxPerScan: config.actions.maxPerScan, maxPerAgent: config.actions.maxPerAgent, exec: config.actions.exec, execUntrusted: config.untrusted.includes('actions.exec'), ledger: readLedger(), noCommentDelete: opts.noCommentDelete, pending });
  }
  if (pending.length) {
    findings.push(...pending);
    findings.sort(compareFindings);
  }
  const lock = opts.lock;
  let acted: ExecutorResult = { problem: null, skipped: 0 };
  if (mode === 'apply') {
    const { executeActions } = await import('./actions/executor.js');
    acted = await executeActions(findings, { mode, client: opts.client ?? sources.paperclip, stateDir: config.stateDir, activityLog: config.paperclip.activityLog, now, secretOptions: secretOptions(config), signal: opts.signal, owner: lock ? () => lock.lostTo() : undefined, stateProblem: opts.stateProblem, concurrency: opts.actionConcurrency });
  }
  // What kept the executor from acting (a state dir that takes no writes, a lock taken over) is reported, whatever --only selected.
  if (acted.problem) {
    findings.push(stateProblemFinding(acted.problem, config.stateDir, acted.skipped));
    findings.sort(compareFindings);
  }

  const baselineWritten = opts.writeBaseline ? writeBaseline(resolve(opts.writeBaseline), findings) : undefined;
  const report = buildReport({ startedAt, finishedAt: new Date(), mode, sources: sources.statuses, findings, failOn: config.failOn });
  if (active.some((r) => r.tags.includes('budget'))) report.budget = budgetSection(sources.subjects, config.budget.currency);
  // The report's actions are copies (params masked): the repeated decisions, as the report has them.
  const repeated = acted.repeated?.size ? new Set(findings.flatMap((f, i) => f.actions.flatMap((a, j) => (acted.repeated!.has(a) ? [report.findings[i].actions[j]] : [])))) : undefined;
  return { report, rules: active, subjects: sources.subjects, requestCount: sources.requestCount, baselineWritten, repeated };
}

/**
 * Report order: severity, then rule id, subject label, line and fingerprint. Strings compare by UTF-16 code
 * units, not `localeCompare`: the order is then the same on every machine whatever its locale (LANG), and no
 * process pays ICU's collator start-up for a sort.
 */
export function compareFindings(a: Finding, b: Finding): number {
  return severityRank(b.severity) - severityRank(a.severity) || byCodeUnits(a.ruleId, b.ruleId) || byCodeUnits(a.subject.label, b.subject.label) || (a.location?.line ?? 0) - (b.location?.line ?? 0) || byCodeUnits(a.fingerprint, b.fingerprint);
}

export function buildReport(p: { startedAt: Date; finishedAt: Date; mode: 'dry-run' | 'apply'; sources: Report['sources']; findings: Finding[]; failOn: Severity }): Report {
  const active = p.findings.filter((f) => !f.suppressed);
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, active.filter((f) => f.severity === s).length])) as Record<Severity, number>;
  const actions = { planned: 0, applied: 0, skipped: 0, failed: 0 };
  for (const f of p.findings) for (const a of f.actions) actions[a.status]++;
  return {
    version: 1,
    tool: { name: 'clipguard', version: VERSION },
    startedAt: p.startedAt.toISOString(),
    finishedAt: p.finishedAt.toISOString(),
    mode: p.mode,
    sources: p.sources,
    findings: p.findings.map(reportedFinding),
    summary: {
      total: active.length,
      suppressed: p.findings.length - active.length,
      bySeverity,
      actions,
      failOn: p.failOn,
      failed: active.some((f) => severityRank(f.severity) >= severityRank(p.failOn)),
    },
  };
}

/** Budget figures for every company and agent read, for the budget report (not only flagged ones). */
export function budgetSection(subjects: Subject[], currency: string): BudgetSection {
  const row = (name: string, status: string | undefined, b: BudgetFacts): BudgetRow => ({
    name,
    status,
    spentCents: b.spentCents,
    budgetCents: b.budgetCents,
    percent: b.percent,
    warnPercent: b.warnPercent,
    stopPercent: b.stopPercent,
    forecastCents: b.forecastCents,
    projectedCrossDate: b.projectedCrossDate,
    level: b.level,
  });
  const companies = subjects
    .filter((s) => s.type === 'company')
    .map((c) => {
      const company = c.facts.company as Company;
      const agents = subjects
        .filter((s) => s.type === 'agent' && (s.facts.agent as Agent).companyId === company.id)
        .map((s) => row((s.facts.agent as Agent).name, (s.facts.agent as Agent).status, s.facts.budget as BudgetFacts))
        .sort((a, b) => b.percent - a.percent || a.name.localeCompare(b.name));
      return { id: company.id, ...row(company.name, company.status, c.facts.budget as BudgetFacts), agents };
    });
  return { currency, companies };
}

/** Reads line N of a repo file for inline ignores; bounded, cached, never outside the given roots. */
function lineReader(roots: string[]) {
  const cache = new Map<string, string[] | null>();
  return (file: string, line: number): string | null => {
    let lines = cache.get(file);
    if (lines === undefined) {
      lines = null;
      for (const root of roots.length ? roots : [process.cwd()]) {
        const abs = isAbsolute(file) ? file : resolve(root, file);
        if (!abs.startsWith(resolve(root) + '/')) continue;
        try {
          // A symlink (or a symlinked directory) in the work tree may point anywhere: only a file whose real
          // path is inside the repository is read.
          const real = realpathSync(abs);
          if (!real.startsWith(realpathSync(root) + '/')) continue;
          if (statSync(real).isFile() && statSync(real).size < 5 * 1024 * 1024) {
            lines = readFileSync(real, 'utf8').split('\n');
            break;
          }
        } catch {
          /* not a readable file */
        }
      }
      cache.set(file, lines);
    }
    return lines?.[line - 1] ?? null;
  };
}

/**
 * A finding as the report carries it: its actions' params masked like their target and detail, and a command's
 * argv left out (the detail names the command, masked with the whole line as context; an argument alone, such as
 * a password after `-p`, has none). The executor keeps its own copy.
 */
function reportedFinding(f: Finding): Finding {
  if (!f.actions.some((a) => a.params)) return f;
  return { ...f, actions: f.actions.map((a) => (a.params ? { ...a, params: maskDeep(Object.fromEntries(Object.entries(a.params).filter(([k]) => k !== 'argv'))) as Record<string, unknown> } : a)) };
}
