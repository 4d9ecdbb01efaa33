// The executor is the only code that writes to the world. Dry-run unless --apply. Before each action it
// re-reads live state and skips when the world has moved; it never acts on a `running` agent (the handbook:
// don't disturb a heartbeat); a 409 is an outcome, not an error; a kill switch stops everything; circuit
// breakers (per agent and for the server) contain failures; every decision is appended to the audit log
// and, when configured, to the company's Paperclip activity log.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Finding, FindingAction } from '../types.js';
import type { detectSecrets } from '../detectors/secrets/index.js';
import type { ActingClient } from '../sources/paperclip/client.js';
import { AuditLog, type AuditEntry } from './audit.js';
import { maskText } from '../engine/mask.js';
import { Ledger } from './ledger.js';
import { actionKind, ledgerKey } from './registry.js';
import { fail, ok, skip, type ActionContext, type Outcome } from './kind.js';
import { probeStateDir, writeProblem, type StateProblem } from './state-dir.js';
import { agentVerdict, CHECKOUT_FROM, issueVerdict, RESUME_KEY } from './pending.js';
import { actingOrder, calming } from './simulate.js';
import { overStopLive } from './budget-stop.js';

export interface ExecutorOptions {
  mode: 'dry-run' | 'apply';
  client: ActingClient | null;
  stateDir: string;
  activityLog: boolean;
  now: Date;
  env?: NodeJS.ProcessEnv;
  /** Consecutive failures before an agent's (or the server's) circuit opens. */
  breaker?: { perAgent: number; server: number };
  secretOptions?: Parameters<typeof detectSecrets>[1];
  /** Once aborted (a `watch` run past its deadline), no further action starts; each is recorded as skipped. */
  signal?: AbortSignal;
  /**
   * Asked before each action: null while this process still holds the state lock, else why it lost it (another
   * process took it over). Once it answers, no further action starts.
   */
  owner?: () => string | null;
  /** A state-directory problem found before the executor ran (the lock could not be created): nothing is done. */
  stateProblem?: StateProblem;
  /**
   * How many independent actions (ActionKind.independent: one comment's redaction) may run at once; default 1.
   * Any other action waits until those in flight are done, and starts alone.
   */
  concurrency?: number;
}

/** What stopped the executor from acting, if anything (the scan reports it as a finding), and how many actions it skipped for it. */
export interface ExecutorResult {
  problem: StateProblem | null;
  skipped: number;
  /**
   * The planner's decisions not to act (skipped, or failed: known not doable) that an earlier run recorded already
   * for the same finding and reason (the ledger): not recorded again, and not worth another activity entry (the live
   * guard meets the same redaction it cannot make on every event of the issue).
   */
  repeated?: Set<FindingAction>;
}

/** The ledger key of a planner decision not to act: one per finding, action and target (its reason in the entry). */
export function plannerKey(f: Pick<Finding, 'fingerprint'>, a: FindingAction): string {
  return `planner-${a.status === 'skipped' ? 'skip' : 'fail'}:${f.fingerprint}:${a.type}:${a.target}`;
}

/** Whether the ledger recorded this planner decision (skipped or failed), with this reason, already. */
export function plannerRecorded(ledger: Ledger, f: Pick<Finding, 'fingerprint'>, a: FindingAction): boolean {
  const last = ledger.get(plannerKey(f, a));
  return last?.status === a.status && last.detail === (a.detail || `${a.status} by the planner`);
}

export const KILL_SWITCH_ENV = 'CLIPGUARD_KILL_SWITCH';
export const KILL_SWITCH_FILE = 'KILL';

export function killSwitchOn(stateDir: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const v = env[KILL_SWITCH_ENV];
  if (v && v !== '0' && v.toLowerCase() !== 'false') return `kill switch: $${KILL_SWITCH_ENV} is set`;
  if (existsSync(join(stateDir, KILL_SWITCH_FILE))) return `kill switch: ${join(stateDir, KILL_SWITCH_FILE)} exists`;
  return null;
}

class Circuit {
  private agentFails = new Map<string, number>();
  private serverFails = 0;
  constructor(private limits: { perAgent: number; server: number }) {}
  open(agentId: string | null): string | null {
    if (this.serverFails >= this.limits.server) return `circuit open: ${this.serverFails} consecutive server failures this scan`;
    if (agentId && (this.agentFails.get(agentId) ?? 0) >= this.limits.perAgent) return `circuit open for this agent: ${this.agentFails.get(agentId)} failures this scan`;
    return null;
  }
  record(agentId: string | null, ok: boolean, serverFault: boolean): void {
    if (ok) {
      this.serverFails = 0;
      if (agentId) this.agentFails.set(agentId, 0);
      return;
    }
    if (serverFault) this.serverFails++;
    if (agentId) this.agentFails.set(agentId, (this.agentFails.get(agentId) ?? 0) + 1);
  }
}

export async function executeActions(findings: Finding[], opts: ExecutorOptions): Promise<ExecutorResult> {
  const result: ExecutorResult = { problem: null, skipped: 0, repeated: new Set() };
  if (opts.mode !== 'apply') return result;
  const audit = new AuditLog(join(opts.stateDir, 'audit.jsonl'));
  const ledger = new Ledger(join(opts.stateDir, 'ledger.json'));
  // Before anything is written or done: the state dir takes writes and the audit log opens for append.
  // Otherwise no action runs (each is skipped with the reason), rather than an action done and then not recorded.
  const toWrite = ledger.pending().length > 0 || findings.some((f) => f.actions.some((a) => a.status !== 'applied'));
  // The probe says why in its own words (and errno); a problem known before (the lock could not be created
  // there) stands when the probe passes or there was nothing to write.
  if (toWrite) result.problem = probeStateDir(opts.stateDir) ?? openAudit(audit);
  result.problem ??= opts.stateProblem ?? null;
  const circuit = new Circuit(opts.breaker ?? { perAgent: 3, server: 5 });
  const ctx: Ctx = { opts, audit, ledger, circuit, result, settled: new Set() };
  // Independent actions in flight (at most `width`): each records its own outcome when it ends.
  const width = Math.max(1, Math.floor(opts.concurrency ?? 1));
  const inFlight = new Set<Promise<void>>();
  try {
    // Session resets and pauses first (simulate.ts plays the same order): an action that wakes the agent (a
    // re-checkout, a comment) would find it running and the reset or pause skipped. The completions of half-done
    // re-checkouts wake their agent too: they come right after that group, before the rest.
    let resumed = false;
    const resume = async () => {
      resumed = true;
      await Promise.all(inFlight);
      if (!stopReason(ctx)) await resumePending(ctx, findings);
    };
    for (const [f, a] of actingOrder(findings)) {
      if (!resumed && !calming(a.type)) await resume();
      if (ctx.settled.has(a)) continue;
      // The planner's own decisions not to act (caps, an issue given to another agent, a missing command) are
      // decisions too: recorded as skipped, with its reason, like the executor's. The same skip for the same
      // reason comes back on every run of `watch` while the finding stands: it is recorded once (the ledger
      // remembers it; again once its entry is pruned, after 7 days), so the audit log does not grow by the
      // same line every 15 minutes for months.
      // So are the actions it knows cannot be done (a redaction of a comment only its agent author may delete):
      // `failed` in the dry-run and here alike, recorded the same way, never tried.
      if ((a.status === 'skipped' || a.status === 'failed') && !ctx.result.problem) {
        const status = a.status;
        const detail = a.detail || `${status} by the planner`;
        if (plannerRecorded(ledger, f, a)) result.repeated!.add(a);
        else {
          record(ctx, f, a, status === 'skipped' ? skip(detail) : fail(detail));
          ledger.set(plannerKey(f, a), { status, at: new Date().toISOString(), detail });
        }
      }
      if (a.status !== 'planned') continue;
      const side = width > 1 && actionKind(a.type).independent?.(a) === true;
      if (!side) await Promise.all(inFlight);
      while (inFlight.size >= width) await Promise.race(inFlight);
      const agentId = (a.params?.agentId as string) ?? null;
      const stop = stopReason(ctx);
      const open = stop ? null : circuit.open(agentId);
      const finish = (out: Outcome, closesIntent = false) => {
        a.status = out.status;
        // Outcome details can quote server answers: masked like everything else that reaches a report.
        a.detail = maskText(a.detail ? `${a.detail}: ${out.detail}` : out.detail);
        record(ctx, f, a, out, closesIntent);
      };
      if (stop) {
        if (ctx.result.problem) ctx.result.skipped++;
        finish(skip(stop));
      } else if (open) finish(skip(open));
      else if (!record(ctx, f, a, { status: 'started', detail: 'about to act' })) {
        // The intent could not be written: the action is not taken (stopReason now says why, for the rest too).
        ctx.result.skipped++;
        finish(skip(stopReason(ctx)!));
      } else {
        const run = (async () => {
          let out: Outcome;
          try {
            out = await perform(ctx, f, a);
            circuit.record(agentId, out.status !== 'failed', out.serverFault === true);
          } catch (e) {
            const err = e as { code?: string; status?: number; message: string };
            const serverFault = err.code === 'unavailable' || err.code === 'timeout' || (err.status ?? 0) >= 500;
            circuit.record(agentId, false, serverFault);
            out = { status: 'failed', detail: err.message };
          }
          finish(out, true);
        })();
        if (!side) await run;
        else {
          const tracked: Promise<void> = run.finally(() => inFlight.delete(tracked));
          inFlight.add(tracked);
        }
      }
    }
    if (!resumed) await resume();
    await Promise.all(inFlight);
    // Pruning writes the ledger: not by a run that lost the state lock (or must stop for another reason).
    if (!stopReason(ctx)) ledger.prune();
    stopReason(ctx); // a ledger write that failed on the last action (or the prune) is this run's problem too
  } finally {
    // An exception out of the loop leaves none in flight writing to a closed audit log.
    await Promise.allSettled(inFlight);
    audit.close();
  }
  return result;
}

/**
 * Open the audit log for append when it exists (a preflight: the first intent must not be the write that
 * fails); a new one is created by the first entry, in the directory the probe just wrote to.
 */
function openAudit(audit: AuditLog): StateProblem | null {
  try {
    if (existsSync(audit.file)) audit.open();
    return null;
  } catch (e) {
    return writeProblem(audit.file, e, 'opening the audit log');
  }
}

/**
 * Why no action may start now, or null: the run was abandoned, the state dir stopped taking writes, another
 * process took the state lock over (recorded as this run's problem), or the kill switch is on.
 */
function stopReason(ctx: Ctx): string | null {
  const { opts, result } = ctx;
  // A ledger that could not be saved would forget what was done: nothing more is done (the outcome of the
  // action that wrote it is in the audit log already).
  if (!result.problem && ctx.ledger.writeError) result.problem = writeProblem(ctx.ledger.file, ctx.ledger.writeError, 'saving the idempotency ledger');
  if (opts.signal?.aborted) return `run abandoned before this action: ${abortReason(opts.signal)}`;
  if (result.problem) return result.problem.kind === 'state-lock-lost' ? result.problem.message : `not acting: ${result.problem.message}`;
  const lost = opts.owner?.() ?? null;
  if (lost) {
    result.problem = { kind: 'state-lock-lost', path: join(opts.stateDir, 'state.lock'), message: lost };
    return lost;
  }
  return killSwitchOn(opts.stateDir, opts.env);
}

interface Ctx {
  opts: ExecutorOptions;
  audit: AuditLog;
  ledger: Ledger;
  circuit: Circuit;
  result: ExecutorResult;
  /** The pending completions' actions resumePending settled and recorded: the loop records them no second time. */
  settled: Set<FindingAction>;
}

/**
 * Append to the audit log; false (and the run's problem set) when the write failed. `closesIntent`: the entry is
 * the outcome of an action whose intent this run wrote.
 */
function audited(ctx: Ctx, entry: AuditEntry, closesIntent = false): boolean {
  // Once the state dir refuses writes, or the lock went to another process, this one writes nothing more there
  // (the report carries what happened), but for the outcome of an action it began: a dangling intent reads "maybe
  // done", so that line is still written if it can be. Not after the audit log itself failed (a line after a torn
  // one is torn too), nor once another process holds the state dir.
  const p = ctx.result.problem;
  if (p && !(closesIntent && p.kind !== 'state-lock-lost' && p.path !== ctx.audit.file)) return false;
  try {
    ctx.audit.append(entry);
    return true;
  } catch (e) {
    ctx.result.problem ??= writeProblem(ctx.audit.file, e, 'appending to the audit log');
    return false;
  }
}

function record(ctx: Ctx, f: Finding, a: FindingAction, out: Outcome | { status: 'started'; detail: string }, closesIntent = false): boolean {
  const entry: AuditEntry = {
    time: new Date().toISOString(),
    mode: 'apply',
    rule: f.ruleId,
    subject: `${f.subject.type}:${f.subject.id}`,
    action: a.type,
    target: a.target,
    outcome: out.status,
    detail: out.detail,
    fingerprint: f.fingerprint,
  };
  return audited(ctx, entry, closesIntent);
}

async function activity(ctx: Ctx, companyId: unknown, a: FindingAction, f: Finding, entityType: string, entityId: string, outcome: string): Promise<void> {
  if (!ctx.opts.activityLog || !ctx.opts.client || typeof companyId !== 'string') return;
  try {
    await ctx.opts.client.postActivity(companyId, {
      actorType: 'system',
      actorId: 'clipguard',
      action: `clipguard.${a.type}`,
      entityType,
      entityId,
      details: { rule: f.ruleId, target: a.target, outcome, fingerprint: f.fingerprint },
    });
  } catch {
    // The activity log is a courtesy copy; the local audit log is the record.
  }
}

const abortReason = (signal: AbortSignal): string => (signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? 'aborted'));

async function perform(ctx: Ctx, f: Finding, a: FindingAction): Promise<Outcome> {
  const kind = actionKind(a.type);
  const key = ledgerKey(f, a);
  const done = ctx.ledger.get(key);
  // The planner marks these skipped already (the dry-run shows it); this guards a caller that did not.
  if (done?.status === 'applied' && !kind.liveState) return skip(`already done at ${done.at} (idempotency ledger)`);
  const client = ctx.opts.client;
  const p = a.params ?? {};
  if (kind.needsPaperclip && !client) return skip('Paperclip is not connected');
  const actx: ActionContext = { client, ledger: ctx.ledger, secretOptions: ctx.opts.secretOptions, record: (g, b, out) => record(ctx, g, b, out), lostTo: ctx.opts.owner };
  const out = await kind.execute(actx, f, a, key);
  if (out.status === 'applied') {
    ctx.ledger.set(key, { status: 'applied', at: new Date().toISOString() });
    const companyId = (p.companyId as string) ?? null;
    await activity(ctx, companyId, a, f, p.issueId ? 'issue' : p.routineId ? 'routine' : 'agent', String(p.issueId ?? p.routineId ?? p.agentId ?? ''), out.status);
  }
  return out;
}

/**
 * Finish multi-step actions a previous run left half-done (e.g. the server died between release and checkout). The
 * scan planned each as a finding of its own (pending.ts), which gets the outcome.
 */
async function resumePending(ctx: Ctx, findings: Finding[]): Promise<void> {
  const client = ctx.opts.client;
  if (!client) return;
  // The kill switch stops these writes too; the entries wait for a run without it.
  if (killSwitchOn(ctx.opts.stateDir, ctx.opts.env)) return;
  const planned = new Map<string, FindingAction>();
  for (const f of findings) for (const a of f.actions) if (typeof a.params?.[RESUME_KEY] === 'string') planned.set(a.params[RESUME_KEY] as string, a);
  for (const [key, e] of ctx.ledger.pending()) {
    if (stopReason(ctx)) return; // kept for the next run
    const p = e.resume!.params;
    const shown = planned.get(key);
    // Only what the plan shows (pendingFindings: the companies this run read); the rest waits for its own run.
    if (!shown) continue;
    // Its planned action is done here: the loop over the findings does not run it again. What the plan showed: planned, or skipped with the scan's reason. A skipped one is still re-read, so that an
    // entry the world has closed (the issue went elsewhere, the agent moved on) goes; it is never checked out here.
    const shownPlanned = shown.status === 'planned';
    // Once its outcome is in the audit log here, the loop does not record it again; on the paths that record
    // nothing here (kept for a later run), the loop records the skip as it records the planner's.
    const settle = () => ctx.settled.add(shown);
    const report = (out: Outcome) => {
      if (!shownPlanned) return;
      shown.status = out.status;
      shown.detail = maskText(`${shown.detail}: ${out.detail}`);
      if (shown.params) delete shown.params[RESUME_KEY];
    };
    // The completion's audit lines: its intent, and its outcome.
    const line = (outcome: AuditEntry['outcome'], detail: string): AuditEntry => ({ time: new Date().toISOString(), mode: 'apply', rule: e.resume!.rule, subject: `agent:${p.agentId}`, action: 'release-checkout', target: e.resume!.target, outcome, detail });
    let out!: Outcome;
    let intended = false; // this run wrote the completion's intent: its outcome closes it
    try {
      const issue = await client.getIssue(String(p.issueId));
      const byIssue = issueVerdict(issue, e.resume!);
      if (byIssue?.kind === 'own') {
        // clipguard's own re-checkout, whose answer an earlier run lost (it marked the attempt before the POST).
        // Recorded as made only where the plan showed it; otherwise the entry goes as one the world has closed.
        out = shownPlanned ? ok(byIssue.why) : skip(`${byIssue.why}; not recorded as this run's: its plan showed it skipped`);
      } else if (byIssue?.kind === 'done') {
        // Someone else made the re-checkout: nothing of clipguard's to complete, nor to credit it with in the
        // activity log. The entry goes (not `applied`: the key is the rule's own, and its release + re-checkout of
        // an agent in error holding the issue again is a new action this plan may hold).
        ctx.ledger.delete(key);
        const done = skip(byIssue.why);
        report(done);
        settle();
        audited(ctx, line(done.status, done.detail));
        continue;
      } else if (byIssue?.kind === 'later') {
        report(skip(byIssue.why));
        continue;
      } else if (byIssue) out = skip(byIssue.why);
      else {
        // Re-read the agent as every other action does: a running agent is never disturbed (kept for a later
        // run), and one paused or terminated meanwhile does not get the issue back.
        const agent = await client.getAgent(String(p.agentId));
        // Against the threshold the plan showed (this scan's, in its params), not the one saved at the release.
        const over = overStopLive(agent, shown.params ?? p);
        const byAgent = agentVerdict(agent.status);
        if (byAgent?.later) {
          report(skip(`agent ${byAgent.why}`));
          continue;
        }
        if (byAgent) {
          out = skip(`agent ${byAgent.why}`);
        } else if (over) {
          // Work is never handed to an agent at or over its stop threshold, this re-checkout included.
          out = skip(over);
        } else if (!shownPlanned) {
          continue; // the dry-run did not show this re-checkout: kept for a later run that does
        } else {
          // A stop that came during the re-reads (the kill switch, a lost lock): nothing is begun.
          const stop = stopReason(ctx);
          if (stop) {
            report(skip(stop));
            return;
          }
          if (!audited(ctx, line('started', 'about to complete the re-checkout an earlier run left half-done'))) {
            report(skip(stopReason(ctx) ?? 'the audit log takes no writes'));
            return;
          }
          intended = true;
          // Marked before the POST: should its answer be lost, the next run knows the re-checkout it finds is its own.
          ctx.ledger.set(key, { ...e, resume: { ...e.resume!, attemptedAt: new Date().toISOString() } });
          // Only a mark that could not be saved stops it here (no write it could not account for); any other stop
          // was asked just before the intent, and a write whose intent and mark are recorded is made.
          const unsaved = ctx.ledger.writeError ? stopReason(ctx) : null;
          if (unsaved) out = skip(unsaved);
          else {
            const co = await client.checkout(String(p.issueId), String(p.agentId), CHECKOUT_FROM);
            // A refusal (4xx) says nothing was made, so the mark goes (a later hand-made re-checkout is not
            // clipguard's). A 5xx does not (the server commits the checkout before its activity entry): it stays.
            if (co.status >= 300 && co.status < 500) {
              const { attemptedAt: _answered, ...resume } = e.resume!;
              ctx.ledger.set(key, { ...e, resume }); // an earlier run's mark too: this answer says what was made
            }
            out = co.status < 300 ? ok('completed the re-checkout an earlier run left half-done') : co.status === 409 ? skip('409 on the pending re-checkout') : fail(`HTTP ${co.status}`);
          }
        }
      }
    } catch (err) {
      // The issue or the agent is gone (404): nothing is left to hand back, and an entry kept for it would be
      // tried on every run for good (partial entries are never pruned by age, ledger.ts). Said, and settled.
      if ((err as { status?: number })?.status === 404) out = skip(`${String((err as { path?: unknown }).path ?? '').includes('/agents/') ? 'the agent' : 'the issue'} is gone (HTTP 404): nothing to hand back`);
      else {
        report(skip(`not completed: ${(err as Error)?.message ?? String(err)}; kept for the next run`));
        continue; // still unreachable: keep the entry for the next run
      }
    }
    report(out);
    settle();
    const fingerprint = e.resume!.fingerprint ?? '';
    // Only a re-checkout clipguard made holds the rule's key as done; one the world closed frees it; a failed one
    // (or one whose mark could not be saved) keeps its entry for the next run.
    if (out.status === 'applied') ctx.ledger.set(key, { status: 'applied', at: new Date().toISOString() });
    else if (out.status !== 'failed' && !stopReason(ctx)) ctx.ledger.delete(key);
    audited(ctx, { ...line(out.status, out.detail), ...(fingerprint ? { fingerprint } : {}) }, intended);
    // The board sees the completion in the activity log, as it sees a release + checkout done in one run.
    if (out.status === 'applied') {
      const a = { type: 'release-checkout', status: 'applied', target: e.resume!.target, detail: out.detail, params: p } as FindingAction;
      await activity(ctx, p.companyId, a, { ruleId: e.resume!.rule, fingerprint } as Finding, 'issue', String(p.issueId), out.status);
    }
  }
}
