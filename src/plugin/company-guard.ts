// The live guard beyond issues: an agent, run or budget event -> the rules about agents and budgets for that
// event's company, read and acted on exactly as `clipguard scan --paperclip <url> --company <id> --only <rules>
// [--apply]` does (runScan: the Paperclip read, the subject builders, the engine, the planner, the executor with
// its re-reads, ledger, caps, circuit breakers and audit log). The reads these rules need (heartbeat runs, costs,
// budget policies, live runs) and the writes they make (release, checkout, pause, cancel a run, reset a session)
// have no plugin host service: they go to the server's REST API at the URL the operator gave (`paperclipUrl`).
//
// What it returns, and what the worker keeps in plugin state, are the findings' rule, subject, message (built from
// masked facts, as every report prints them) and actions.

import { join } from 'node:path';
import { loadConfig, type Config } from '../config/load.js';
import { Ledger } from '../actions/ledger.js';
import { runScan } from '../scan.js';
import type { Finding, FindingAction } from '../types.js';
import { plannerRecorded } from '../actions/executor.js';

/** What one kind of event re-checks (rule ids or areas, as `--only` takes them). */
export const ERROR_RULES = ['ops/error-agent-holding-issue'];
export const LOOP_RULES = ['ops/agent-looping', 'ops/agent-self-wake-runaway'];
export const BUDGET_RULES = ['budget'];

export interface CompanySettings {
  apply: boolean;
  /** The server's REST API (the board's reach). */
  paperclipUrl: string;
  /** Ledger, audit log and state lock, shared with the issue guard. */
  stateDir: string;
}

/** One finding as the plugin keeps and shows it. */
export interface KeptFinding {
  rule: string;
  severity: string;
  subject: string;
  message: string;
  actions: { type: string; status: string; target: string; detail: string }[];
}

export interface CompanyResult {
  mode: 'dry-run' | 'apply';
  /** The rules that ran (ids, expanded from areas). */
  rules: string[];
  findings: KeptFinding[];
  /** A source that could not be read (the REST API down, the company not found): the run evaluated nothing of it. */
  unavailable: string[];
  /**
   * Actions of `findings` that get no activity entry: the planner's decisions an earlier acting run recorded
   * already for the same finding and reason (ledger), and, when the acting run was not needed, the plan's.
   */
  quiet?: ReadonlySet<KeptFinding['actions'][number]>;
  /** The dry-run holds a planner decision not to act that the ledger has not recorded (the acting run records it). */
  unrecorded?: boolean;
}

/**
 * The config of `clipguard scan --paperclip <url> --company <id>` with no config file, in the guard's state
 * directory: the built-in rules and their default actions, acting only when the operator switched it on.
 */
export function companyConfig(companyId: string, s: CompanySettings): Config {
  const config = loadConfig(s.stateDir, { noConfigFile: true, paperclip: s.paperclipUrl, company: [companyId] }, { CLIPGUARD_STATE_DIR: s.stateDir });
  config.repos = [];
  config.actions.apply = s.apply;
  // The worker writes one activity entry per action it took (company-events.ts), through the plugin API.
  config.paperclip.activityLog = false;
  return config;
}

export async function guardCompany(companyId: string, only: string[], s: CompanySettings, now = new Date()): Promise<CompanyResult> {
  const config = companyConfig(companyId, s);
  const { report, rules, repeated } = await runScan(config, { only, now, lockCommand: 'live guard (plugin)' });
  const ran = rules.filter((r) => r.selected).map((r) => r.id);
  const mine = report.findings.filter((f) => ran.includes(f.ruleId));
  const quiet = new Set<KeptFinding['actions'][number]>();
  const findings = mine.map((f) => kept(f, repeated, quiet));
  // The dry-run reads the ledger read only (as the planner does): a decision not to act it has not recorded yet.
  const ledger = report.mode === 'dry-run' ? new Ledger(join(s.stateDir, 'ledger.json')) : null;
  const unrecorded = !!ledger && mine.some((f) => f.actions.some((a) => (a.status === 'skipped' || a.status === 'failed') && !plannerRecorded(ledger, f, a)));
  return {
    mode: report.mode,
    rules: ran,
    // The source rules report a source that could not be read, also when not selected: kept as `unavailable`.
    findings,
    unavailable: report.sources.filter((x) => x.status === 'unavailable').map((x) => `${x.name}: ${x.detail}`.slice(0, 300)),
    quiet,
    unrecorded,
  };
}

/**
 * guardCompany in two steps, so that a read of the company (the slow part: agents, issues, runs, costs, budgets)
 * does not hold up the guard's other work: first the dry-run, which writes nothing and takes no lock, wherever the
 * caller runs it; then, only when acting is on and that plan holds an action to take (or the ledger an action an
 * earlier run left half-done), the acting run inside `act` (the worker's queue: one acting run at a time, the
 * state lock), which reads the company again and re-reads before each write as `scan --apply` does. The
 * dry-run is the plan `--apply` follows on an unchanged world: with nothing planned there is nothing to do.
 */
export async function checkThenAct(companyId: string, only: string[], s: CompanySettings, act: (fn: () => Promise<CompanyResult>) => Promise<CompanyResult>): Promise<CompanyResult> {
  const look = await guardCompany(companyId, only, { ...s, apply: false });
  if (!s.apply) return look;
  const planned = look.findings.some((f) => f.actions.some((a) => a.status === 'planned'));
  // A planner decision not to act (a redaction it knows cannot be made) that no run recorded yet: the acting run
  // records it in the audit log, once, and it gets its one activity entry. Otherwise the plan's decisions were
  // recorded by an earlier run: no activity entry again on every event.
  // A half-done completion of this company's, left by a rule this check runs (pendingFindings leaves other companies'
  // to their own checks, and other rules' to a check that runs them: its findings are kept and logged by rule).
  const pending = new Ledger(join(s.stateDir, 'ledger.json')).pending().some(([, e]) => e.resume?.params.companyId === companyId && look.rules.includes(e.resume.rule));
  if (!planned && !look.unrecorded && !pending) return { ...look, mode: 'apply', quiet: new Set(look.findings.flatMap((f) => f.actions)) };
  return act(() => guardCompany(companyId, only, s));
}

export function kept(f: Finding, repeated?: ReadonlySet<FindingAction>, quiet?: Set<KeptFinding['actions'][number]>): KeptFinding {
  return {
    rule: f.ruleId,
    severity: f.severity,
    subject: `${f.subject.type}:${f.subject.id}`,
    message: f.message.slice(0, 500),
    actions: f.actions.map((a) => {
      const k = { type: a.type, status: a.status, target: a.target, detail: a.detail.slice(0, 300) };
      if (repeated?.has(a)) quiet?.add(k);
      return k;
    }),
  };
}
