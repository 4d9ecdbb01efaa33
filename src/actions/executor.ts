// The executor is the only code that writes to the world. Dry-run unless --apply. Before each action it
// re-reads live state and skips when the world has moved; it never acts on a `running` agent (the handbook:
// don't disturb a heartbeat); a 409 is an outcome, not an error; a kill switch stops everything; circuit
// breakers (per agent and for the server) contain failures; every decision is appended to the audit log
// and, when configured, to the company's Paperclip activity log.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Finding, FindingAction } from '../types.js';
import { detectSecrets, redactSecrets, type SecretMatch } from '../detectors/secrets/index.js';
import type { PaperclipClient } from '../sources/paperclip/client.js';
import { AuditLog, type AuditEntry } from './audit.js';
import { maskText } from '../engine/mask.js';
import { Ledger, LIVE_STATE_ACTIONS, ledgerKey } from './ledger.js';
import { postCommentOnce } from './post-comment.js';
import { cannotDelete, keyStays, nonUserAuthor, refusedEarlier, refusedKey, RUN_KEY_KIND, runKeyNote as sharedRunKeyNote } from './comment-author.js';
import { pushState } from '../sources/git.js';
import { pushLeakReason, secretKindsInRange } from '../sources/git-leaks.js';
import { blockStartedAt, issueText, redactIssueFields, unresolvedBlocker } from '../sources/paperclip/model.js';
import { probeStateDir, writeProblem, type StateProblem } from './state-dir.js';

export interface ExecutorOptions {
  mode: 'dry-run' | 'apply';
  client: PaperclipClient | null;
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
}

/** What stopped the executor from acting, if anything (the scan reports it as a finding), and how many actions it skipped for it. */
export interface ExecutorResult {
  problem: StateProblem | null;
  skipped: number;
}

export const KILL_SWITCH_ENV = 'CLIPGUARD_KILL_SWITCH';
export const KILL_SWITCH_FILE = 'KILL';

export function killSwitchOn(stateDir: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const v = env[KILL_SWITCH_ENV];
  if (v && v !== '0' && v.toLowerCase() !== 'false') return `kill switch: $${KILL_SWITCH_ENV} is set`;
  if (existsSync(join(stateDir, KILL_SWITCH_FILE))) return `kill switch: ${join(stateDir, KILL_SWITCH_FILE)} exists`;
  return null;
}

/** `serverFault`: the server answered 5xx to a write (counts toward the server's circuit, not only the agent's). */
type Outcome = { status: 'applied' | 'skipped' | 'failed'; detail: string; serverFault?: boolean };

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
  const result: ExecutorResult = { problem: null, skipped: 0 };
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
  const ctx: Ctx = { opts, audit, ledger, circuit, result };
  try {
    if (!stopReason(ctx)) await resumePending(ctx);
    for (const f of findings) {
      for (const a of f.actions) {
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
          const key = `planner-${status === 'skipped' ? 'skip' : 'fail'}:${f.fingerprint}:${a.type}:${a.target}`;
          const last = ledger.get(key);
          if (last?.status !== status || last.detail !== detail) {
            record(ctx, f, a, status === 'skipped' ? skip(detail) : fail(detail));
            ledger.set(key, { status, at: new Date().toISOString(), detail });
          }
        }
        if (a.status !== 'planned') continue;
        const agentId = (a.params?.agentId as string) ?? null;
        const stop = stopReason(ctx);
        const open = stop ? null : circuit.open(agentId);
        let out: Outcome;
        if (stop) {
          out = skip(stop);
          if (ctx.result.problem) ctx.result.skipped++;
        } else if (open) out = skip(open);
        else if (!record(ctx, f, a, { status: 'started', detail: 'about to act' })) {
          // The intent could not be written: the action is not taken (stopReason now says why, for the rest too).
          out = skip(stopReason(ctx)!);
          ctx.result.skipped++;
        } else {
          try {
            out = await perform(ctx, f, a);
            circuit.record(agentId, out.status !== 'failed', out.serverFault === true);
          } catch (e) {
            const err = e as { code?: string; status?: number; message: string };
            const serverFault = err.code === 'unavailable' || err.code === 'timeout' || (err.status ?? 0) >= 500;
            circuit.record(agentId, false, serverFault);
            out = { status: 'failed', detail: err.message };
          }
        }
        a.status = out.status;
        // Outcome details can quote server answers: masked like everything else that reaches a report.
        a.detail = maskText(a.detail ? `${a.detail}: ${out.detail}` : out.detail);
        record(ctx, f, a, out);
      }
    }
    ledger.prune();
    stopReason(ctx); // a ledger write that failed on the last action is this run's problem too
  } finally {
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
}

/** Append to the audit log; false (and the run's problem set) when the write failed. */
function audited(ctx: Ctx, entry: AuditEntry): boolean {
  // Once the state dir refuses writes, or the lock went to another process, this one writes nothing more there
  // (the report carries what happened).
  if (ctx.result.problem) return false;
  try {
    ctx.audit.append(entry);
    return true;
  } catch (e) {
    ctx.result.problem = writeProblem(ctx.audit.file, e, 'appending to the audit log');
    return false;
  }
}

function record(ctx: Ctx, f: Finding, a: FindingAction, out: Outcome | { status: 'started'; detail: string }): boolean {
  return audited(ctx, {
    time: new Date().toISOString(),
    mode: 'apply',
    rule: f.ruleId,
    subject: `${f.subject.type}:${f.subject.id}`,
    action: a.type,
    target: a.target,
    outcome: out.status,
    detail: out.detail,
    fingerprint: f.fingerprint,
  });
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
const ok = (detail: string): Outcome => ({ status: 'applied', detail });
const skip = (detail: string): Outcome => ({ status: 'skipped', detail });
const fail = (detail: string): Outcome => ({ status: 'failed', detail });
/** A write the server refused: a 5xx is the server's fault, a 4xx this action's. */
const failHttp = (what: string, r: { status: number; body: unknown }): Outcome => ({ status: 'failed', detail: `${what}HTTP ${r.status} ${errText(r.body)}`.trim(), serverFault: r.status >= 500 });

async function perform(ctx: Ctx, f: Finding, a: FindingAction): Promise<Outcome> {
  const key = ledgerKey(f, a);
  const done = ctx.ledger.get(key);
  // The planner marks these skipped already (the dry-run shows it); this guards a caller that did not.
  if (done?.status === 'applied' && !LIVE_STATE_ACTIONS.has(a.type)) return skip(`already done at ${done.at} (idempotency ledger)`);
  const client = ctx.opts.client;
  const p = a.params ?? {};
  if (['checkout', 'release-checkout', 'release', 'pause', 'resume', 'comment', 'redact', 'flag', 'reset-session'].includes(a.type) && !client) {
    return skip('Paperclip is not connected');
  }
  let out: Outcome;
  switch (a.type) {
    case 'checkout':
      out = await doCheckout(ctx, f, a);
      break;
    case 'release-checkout':
      out = await doReleaseCheckout(ctx, f, a, key);
      break;
    case 'release':
      out = await doRelease(ctx, p);
      break;
    case 'pause':
    case 'resume':
      out = await doPauseResume(ctx, a.type, p);
      break;
    case 'comment':
      out = await doComment(ctx, p);
      break;
    case 'redact':
      out = p.commentId ? await doRedactComment(ctx, p) : await doRedactIssue(ctx, p);
      break;
    case 'flag':
      out = await doFlag(ctx, p);
      break;
    case 'reset-session':
      out = await doResetSession(ctx, p);
      break;
    case 'exec':
      out = await doExec(p);
      break;
    case 'push':
      out = await doPush(ctx, p);
      break;
    default:
      out = skip(`action ${a.type} is not executable here`);
  }
  if (out.status === 'applied') {
    ctx.ledger.set(key, { status: 'applied', at: new Date().toISOString() });
    const companyId = (p.companyId as string) ?? null;
    await activity(ctx, companyId, a, f, p.issueId ? 'issue' : 'agent', String(p.issueId ?? p.agentId ?? ''), out.status);
  }
  return out;
}

async function doCheckout(ctx: Ctx, f: Finding, a: FindingAction): Promise<Outcome> {
  const client = ctx.opts.client!;
  const p = a.params ?? {};
  const agentId = String(p.agentId);
  const tried: string[] = [];
  const candidates = [{ id: String(p.issueId), identifier: String(p.identifier) }, ...(((p.fallbacks as { id: string; identifier: string }[]) ?? []))];
  for (const c of candidates) {
    const agent = await client.getAgent(agentId);
    if (agent.status === 'running') return skip('agent is running now: not disturbing its heartbeat');
    if (agent.status !== 'idle') return skip(`agent is ${agent.status} now, no longer idle`);
    const over = overStopLive(agent, p);
    if (over) return skip(over);
    // Another controller may have given this agent work meanwhile (an agent that never wakes stays idle).
    if (typeof p.companyId === 'string') {
      const busy = (await client.listIssues(p.companyId, { status: 'in_progress' })).find((i: any) => i.assigneeAgentId === agentId);
      if (busy) return skip(`agent already holds ${busy.identifier} in progress${tried.length ? ` (${tried.join('; ')})` : ''}`);
    }
    const issue = await client.getIssue(c.id);
    if (!['backlog', 'todo'].includes(issue.status) || (issue.assigneeAgentId && issue.assigneeAgentId !== agentId)) {
      tried.push(`${c.identifier}: taken (${issue.status})`);
      continue;
    }
    const blocker = unresolvedBlocker(issue);
    if (blocker) {
      tried.push(`${c.identifier}: blocked by ${blocker.identifier ?? blocker.id} (${blocker.status})`);
      continue;
    }
    const r = await client.checkout(c.id, agentId, ['backlog', 'todo']);
    if (r.status === 409) {
      tried.push(`${c.identifier}: 409 conflict (someone else took it)`);
      // Each 409 is recorded as its own skip (issue 9), whatever issue the agent finally gets.
      record(ctx, f, { ...a, target: `issue:${c.identifier}` }, skip(`${c.identifier} (${c.id}): 409 conflict on checkout (${errText(r.body) || 'someone else took it'}); trying the agent's next issue`));
      continue;
    }
    if (r.status === 422) {
      // This issue cannot be taken now (e.g. a blocker added since the re-read): the next candidate can.
      tried.push(`${c.identifier}: 422 ${errText(r.body)}`.trim());
      continue;
    }
    if (r.status >= 200 && r.status < 300) {
      a.target = `issue:${c.identifier}`;
      return ok(`${c.identifier} checked out to the agent${tried.length ? ` after ${tried.join('; ')}` : ''}`);
    }
    return failHttp(`checkout ${c.identifier}: `, r);
  }
  return skip(`no candidate issue left: ${tried.join('; ')}`);
}

async function doReleaseCheckout(ctx: Ctx, f: Finding, a: FindingAction, key: string): Promise<Outcome> {
  const client = ctx.opts.client!;
  const p = a.params ?? {};
  const agent = await client.getAgent(String(p.agentId));
  if (agent.status === 'running') return skip('agent is running now: not disturbing its heartbeat');
  // The SOP is for an agent in error; one that recovered (idle), was paused, ... since the scan is left alone.
  if (agent.status !== 'error') return skip(`agent is ${agent.status} now, no longer in error: the world has moved, nothing to recover`);
  const over = overStopLive(agent, p);
  if (over) return skip(over);
  const issue = await client.getIssue(String(p.issueId));
  if (issue.status !== 'in_progress' || issue.assigneeAgentId !== p.agentId) return skip(`issue is ${issue.status}, assigned to ${issue.assigneeAgentId ?? 'nobody'}: nothing to recover`);
  // A blocked issue cannot be checked out again (422): releasing it would leave it released.
  const waits = unresolvedBlocker(issue);
  if (waits) return skip(`not released: it waits for ${waits.identifier ?? waits.id} (${waits.status}), so its re-checkout would be refused`);
  const rel = await client.release(String(p.issueId));
  if (rel.status >= 300) return failHttp('release: ', rel);
  // Between the two writes the issue is released but not re-checked-out: record that, so a crash here is
  // completed by the next run instead of leaving the issue orphaned.
  ctx.ledger.set(key, { status: 'partial', at: new Date().toISOString(), resume: { type: 'checkout-after-release', params: p, rule: f.ruleId, target: a.target, fingerprint: f.fingerprint } });
  const co = await client.checkout(String(p.issueId), String(p.agentId), ['todo', 'backlog']);
  if (co.status === 409) {
    ctx.ledger.delete(key);
    return skip('released; the re-checkout got 409: someone else took the issue');
  }
  if (co.status >= 300) return { ...failHttp('released, but checkout failed: ', co), detail: `released, but checkout failed: HTTP ${co.status} ${errText(co.body)} (will be retried next run)` };
  return ok('released and checked out again to the same agent');
}

/** Finish multi-step actions a previous run left half-done (e.g. the server died between release and checkout). */
async function resumePending(ctx: Ctx): Promise<void> {
  const client = ctx.opts.client;
  if (!client) return;
  // The kill switch stops these writes too; the entries wait for a run without it.
  if (killSwitchOn(ctx.opts.stateDir, ctx.opts.env)) return;
  for (const [key, e] of ctx.ledger.pending()) {
    if (stopReason(ctx)) return; // kept for the next run
    const p = e.resume!.params;
    let out: Outcome;
    try {
      const issue = await client.getIssue(String(p.issueId));
      if (issue.status === 'in_progress' && issue.assigneeAgentId === p.agentId) out = ok('already checked out again');
      else if (issue.assigneeAgentId && issue.assigneeAgentId !== p.agentId) out = skip('issue went to another agent meanwhile');
      else {
        // Re-read the agent as every other action does: a running agent is never disturbed (kept for a later
        // run), and one paused or terminated meanwhile does not get the issue back.
        const agent = await client.getAgent(String(p.agentId));
        if (agent.status === 'running') continue;
        if (agent.status !== 'error' && agent.status !== 'idle') {
          out = skip(`agent is ${agent.status} now: the world has moved`);
        } else {
          const intent = { time: new Date().toISOString(), mode: 'apply' as const, rule: e.resume!.rule, subject: `agent:${p.agentId}`, action: 'release-checkout', target: e.resume!.target, outcome: 'started' as const, detail: 'about to complete the re-checkout an earlier run left half-done' };
          if (!audited(ctx, intent)) return;
          const co = await client.checkout(String(p.issueId), String(p.agentId), ['todo', 'backlog']);
          out = co.status < 300 ? ok('completed the re-checkout an earlier run left half-done') : co.status === 409 ? skip('409 on the pending re-checkout') : fail(`HTTP ${co.status}`);
        }
      }
    } catch (err) {
      continue; // still unreachable: keep the entry for the next run
    }
    if (out.status === 'failed') continue;
    ctx.ledger.set(key, { status: 'applied', at: new Date().toISOString() });
    const fingerprint = e.resume!.fingerprint ?? '';
    audited(ctx, { time: new Date().toISOString(), mode: 'apply', rule: e.resume!.rule, subject: `agent:${p.agentId}`, action: 'release-checkout', target: e.resume!.target, outcome: out.status, detail: out.detail, ...(fingerprint ? { fingerprint } : {}) });
    // The board sees the completion in the activity log, as it sees a release + checkout done in one run.
    if (out.status === 'applied') {
      const a = { type: 'release-checkout', status: 'applied', target: e.resume!.target, detail: out.detail, params: p } as FindingAction;
      await activity(ctx, p.companyId, a, { ruleId: e.resume!.rule, fingerprint } as Finding, 'issue', String(p.issueId), out.status);
    }
  }
}

async function doRelease(ctx: Ctx, p: Record<string, unknown>): Promise<Outcome> {
  const client = ctx.opts.client!;
  const issue = await client.getIssue(String(p.issueId));
  if (issue.status !== 'in_progress') return skip(`issue is ${issue.status} now`);
  if (p.agentId && issue.assigneeAgentId !== p.agentId) return skip(`issue changed hands (now ${issue.assigneeAgentId ?? 'unassigned'})`);
  if (issue.assigneeAgentId) {
    const agent = await client.getAgent(issue.assigneeAgentId);
    if (agent.status === 'running') return skip('assignee is running now: not disturbing its heartbeat');
    const when = p.whenAssignee as string[] | undefined;
    if (when && !when.includes(agent.status)) return skip(`assignee is ${agent.status} now (released only when ${when.join(' or ')})`);
  }
  const r = await client.release(String(p.issueId));
  return r.status < 300 ? ok('released') : failHttp('', r);
}

async function doResetSession(ctx: Ctx, p: Record<string, unknown>): Promise<Outcome> {
  const client = ctx.opts.client!;
  const agentId = String(p.agentId);
  const agent = await client.getAgent(agentId);
  if (agent.status === 'running') return skip('agent is running now: not disturbing its heartbeat');
  // The streak the scan saw may be over: a successful run since then means the loop broke by itself.
  if (typeof p.companyId === 'string') {
    const [newest] = await client.listHeartbeatRuns(p.companyId, { agentId, limit: 1 });
    if (newest && p.newestRunId && newest.id !== p.newestRunId && newest.status === 'succeeded') return skip(`agent ran successfully since (run ${newest.id}): no reset needed`);
  }
  const taskKey = typeof p.taskKey === 'string' && p.taskKey ? p.taskKey : undefined;
  const r = await client.resetSession(agentId, taskKey);
  return r.status < 300 ? ok(`session reset${taskKey ? ` for task ${taskKey}` : ''}; ops/agent-looping stays quiet for this agent during its cool-down`) : failHttp('', r);
}

/**
 * The re-read agent's spend against the stop threshold the planner computed (`stopCents`): work is never
 * handed to, and a pause never undone for, an agent at or over it, even if its spend grew since the scan.
 */
function overStopLive(agent: { spentMonthlyCents?: unknown }, p: Record<string, unknown>): string | null {
  const stop = typeof p.stopCents === 'number' && p.stopCents > 0 ? p.stopCents : null;
  const spent = Number(agent.spentMonthlyCents);
  return stop !== null && Number.isFinite(spent) && spent >= stop ? `its spend (${spent} cents) is at or over the stop threshold (${stop} cents) now` : null;
}

async function doPauseResume(ctx: Ctx, type: 'pause' | 'resume', p: Record<string, unknown>): Promise<Outcome> {
  const client = ctx.opts.client!;
  const agent = await client.getAgent(String(p.agentId));
  if (agent.status === 'running') return skip('agent is running now: not disturbing its heartbeat');
  if (type === 'pause') {
    if (agent.status === 'paused') return skip(`already paused (${agent.pauseReason})`);
    const r = await client.pauseAgent(String(p.agentId));
    return r.status < 300 ? ok('paused') : failHttp('', r);
  }
  if (agent.status !== 'paused') return skip(`agent is ${agent.status} now`);
  // A budget stop is never undone by clipguard: not while the live spend is at or over the stop threshold.
  const over = overStopLive(agent, p);
  if (over) return skip(`not resumed: ${over}`);
  const r = await client.resumeAgent(String(p.agentId));
  return r.status < 300 ? ok('resumed') : failHttp('', r);
}

async function doComment(ctx: Ctx, p: Record<string, unknown>): Promise<Outcome> {
  const client = ctx.opts.client!;
  const issue = await client.getIssue(String(p.issueId));
  if (issue.status !== 'blocked') return skip(`issue is ${issue.status} now`);
  const waits = unresolvedBlocker(issue);
  if (waits) return skip(`it waits for ${waits.identifier ?? waits.id} (${waits.status}) now: that is its reason`);
  const since = blockStartedAt(issue);
  const comments = await client.listComments(String(p.issueId));
  if (comments.some((c: any) => !c.deletedAt && c.authorType !== 'system' && Date.parse(c.createdAt) >= since)) return skip('a comment was added meanwhile');
  // The text is the rule's `comment` param (see effectiveActions): no second default here.
  const body = typeof p.comment === 'string' ? p.comment.trim() : '';
  if (!body) return skip('no comment text: set params.comment of the rule (rules.overrides[id].params.comment)');
  const r = await client.addComment(String(p.issueId), body);
  return r.status < 300 ? ok('asked for the blocker in a comment') : failHttp('', r);
}

async function doRedactIssue(ctx: Ctx, p: Record<string, unknown>): Promise<Outcome> {
  const client = ctx.opts.client!;
  // Re-read the full issue: list rows truncate descriptions to 1200 characters. Detected as the finding was, on
  // the title and description joined (a key in the title may be one only for a word in the description), each
  // span then redacted in the field it lies in. A `clipguard-ignore` in ticket text is not honoured (placed() in
  // subjects.ts): whoever writes a ticket cannot keep a key in it.
  const issue = await client.getIssue(String(p.issueId));
  const ms = detectSecrets(issueText(issue), ctx.opts.secretOptions);
  const patch = redactIssueFields(issue, ms);
  const fields = Object.keys(patch);
  if (!fields.length) return skip('no secret left in the issue (already redacted?)');
  const r = await client.patchIssue(String(p.issueId), patch);
  // Redaction stops further spread only: the key was exposed, and Paperclip's activity log keeps the old values.
  return r.status < 300 ? ok(`redacted ${ms.length} secret(s) in ${fields.join(' and ')}; rotate the key(s): Paperclip's activity log keeps the old ${fields.join(' and ')}`) : failHttp('', r);
}

async function doRedactComment(ctx: Ctx, p: Record<string, unknown>): Promise<Outcome> {
  const client = ctx.opts.client!;
  const issueId = String(p.issueId);
  const comments = await client.listComments(issueId);
  const c = comments.find((x: any) => x.id === p.commentId);
  if (!c || c.deletedAt || !c.body) return skip('comment already deleted');
  // Every secret, `clipguard-ignore` or not: ignores in ticket text are not honoured (see doRedactIssue).
  const ms = detectSecrets(c.body, ctx.opts.secretOptions);
  if (!ms.length) return skip('no secret left in the comment');
  const body = redactedCopy(c, ms);
  const stays = `${keyStays(String(c.id))}${runKeyNote(c.body, ms)}`;
  // Paperclip lets only a comment's author delete it, and clipguard acts as the board (a user). A comment no
  // user wrote (an agent's, most leaks, or the server's) is beyond its reach: a copy would only put the same
  // words in a second place beside the live original (and wake the assignee), so none is posted, and one an
  // earlier version left there is deleted (clipguard wrote it). A user's comment the server already refused
  // to let clipguard delete (the ledger remembers) is not tried again.
  const author = nonUserAuthor(c);
  const refused = ctx.ledger.get(refusedKey(issueId, String(c.id)));
  if (author || refused) {
    const why = author ? cannotDelete(author) : refusedEarlier(refused!.at, refused!.detail);
    return fail(`${why}; ${stays}${await deleteCopies(client, issueId, body, comments)}`);
  }
  // Copy first, delete second: if the copy is not stored, the original stays and the finding says so. The copy
  // is the same text for the same original, so one already on the issue (an earlier run whose answer was lost)
  // is used, not posted twice.
  const posted = await postCommentOnce(client, issueId, body, comments);
  if ('error' in posted) return fail(`the redacted copy could not be stored (${posted.error}); the original comment was left in place`);
  const copyId = posted.id;
  const del = await client.deleteComment(issueId, String(p.commentId));
  if (del.status === 403) {
    // Another user's comment (or a rule of the server's): the original stays, so the copy goes again.
    const reason = `HTTP 403 ${errText(del.body)}`.trim();
    ctx.ledger.set(refusedKey(issueId, String(c.id)), { status: 'refused', at: new Date().toISOString(), detail: reason });
    const undo = await client.deleteComment(issueId, copyId);
    const copy = undo.status < 300 ? `The redacted copy ${copyId} was deleted again.` : `The redacted copy ${copyId} could not be deleted (HTTP ${undo.status}): the next run tries again.`;
    return fail(`Paperclip refused to delete the original (${reason}); ${stays} ${copy}`);
  }
  if (del.status >= 300) return fail(`the redacted copy was stored (${copyId}) but deleting the original failed: HTTP ${del.status}`);
  return ok(`posted redacted copy ${copyId} and deleted the original`);
}

/**
 * Delete the redacted copies of a comment that cannot be deleted (posted by an earlier version, which then
 * failed on the original): they are clipguard's own, and beside the live original they are only noise.
 */
async function deleteCopies(client: PaperclipClient, issueId: string, body: string, comments: any[]): Promise<string> {
  const said: string[] = [];
  for (const copy of comments.filter((x) => !x.deletedAt && x.body === body && typeof x.id === 'string')) {
    const r = await client.deleteComment(issueId, copy.id);
    said.push(r.status < 300 ? ` Deleted the redacted copy ${copy.id} an earlier run had posted beside it.` : ` The redacted copy ${copy.id} an earlier run posted beside it could not be deleted (HTTP ${r.status}).`);
  }
  return said.join('');
}

/**
 * A Paperclip run key (the PAPERCLIP_API_KEY a run gets) is a signed JWT, not a stored key: it cannot be revoked,
 * and the end of its run does not end it. Say until when it works (its `exp`, not a secret) and what ends it sooner.
 */
function runKeyNote(text: string, ms: SecretMatch[]): string {
  const runKeys = ms.filter((m) => m.kind === RUN_KEY_KIND);
  if (!runKeys.length) return '';
  const exps = runKeys.map((m) => {
    try {
      const exp = JSON.parse(Buffer.from(text.slice(m.start, m.end).split('.')[1], 'base64url').toString('utf8')).exp;
      return typeof exp === 'number' && Number.isFinite(exp) ? exp : null;
    } catch {
      return null;
    }
  });
  const last = exps.every((e) => e !== null) ? Math.max(...(exps as number[])) : null;
  return sharedRunKeyNote(last !== null && last < 8.64e12 ? new Date(last * 1000).toISOString() : null);
}

/**
 * Post the flag comment (its text was made by the planner from masked facts: it holds no key). Re-read first:
 * an issue that is gone is skipped, and the same text already on the issue (an earlier run, or one whose
 * answer was lost) is that flag, not a reason to post it twice. A redaction in the same run does not stop it:
 * the key was exposed either way.
 */
async function doFlag(ctx: Ctx, p: Record<string, unknown>): Promise<Outcome> {
  const client = ctx.opts.client!;
  const issueId = String(p.issueId);
  const body = typeof p.body === 'string' ? p.body : '';
  if (!body) return skip('no flag comment was planned for this finding');
  try {
    await client.getIssue(issueId);
  } catch (e) {
    if ((e as { status?: number }).status === 404) return skip('the issue is gone');
    throw e;
  }
  const posted = await postCommentOnce(client, issueId, body, await client.listComments(issueId));
  if ('error' in posted) return { status: 'failed', detail: `the flag comment could not be posted (${posted.error})`, serverFault: !/^HTTP 4/.test(posted.error) };
  if (posted.reused) return skip(`already flagged: comment ${posted.id} on the issue asks for the rotation`);
  return ok(`posted comment ${posted.id} asking to rotate the key(s)`);
}

/**
 * The replacement comment. Its first 120 UTF-16 units are ASCII whatever the original holds (the header alone
 * is longer), so Paperclip's activity snippet never cuts a surrogate pair in it.
 */
function redactedCopy(c: { body: string; createdAt?: unknown; authorAgentId?: unknown; authorUserId?: unknown; authorType?: unknown }, ms: SecretMatch[]): string {
  const author = c.authorAgentId ? `agent ${c.authorAgentId}` : c.authorUserId ? `user ${c.authorUserId}` : String(c.authorType ?? 'someone');
  const kinds = [...new Set(ms.map((m) => m.kind))].join(', ');
  const header = `clipguard replaced a comment that contained ${ms.length} secret(s) (${kinds}). Rotate the exposed key(s). It was written by ${asciiOnly(author)} at ${asciiOnly(String(c.createdAt))}. The comment, redacted:\n\n`;
  return header + redactSecrets(c.body, ms);
}

const asciiOnly = (s: string): string => s.replace(/[^\x20-\x7e]/g, '?');

function doExec(p: Record<string, unknown>): Promise<Outcome> {
  const argv = p.argv as string[] | undefined;
  if (!argv?.length) return Promise.resolve(skip('no command configured'));
  // argv array, no shell: nothing in a finding or a rule can inject a command.
  return new Promise((resolve) => {
    execFile(argv[0], argv.slice(1), { timeout: 120_000, shell: false }, (err, _stdout, stderr) => {
      resolve(err ? fail(`${argv[0]} failed: ${(err as NodeJS.ErrnoException).code ?? err.message} ${String(stderr).slice(0, 200)}`) : ok(`${argv[0]} exited 0`));
    });
  });
}

const PUSH_TIMEOUT_MS = 120_000;

/**
 * Push the scanned branch to its upstream, re-read live first; never forced. One explicit refspec,
 * `<commit>:<upstream ref>`, with the commit the re-read found (and the scan saw): no `--force`, no `+`,
 * so a remote that moved on rejects it (non-fast-forward) and the push fails, saying so.
 */
async function doPush(ctx: Ctx, p: Record<string, unknown>): Promise<Outcome> {
  const repo = p.repo;
  if (typeof repo !== 'string' || !repo) return skip('no repository to push');
  let s;
  try {
    s = await pushState(repo);
  } catch (e) {
    return fail(`could not read ${repo}: ${(e as Error).message.slice(0, 200)}`);
  }
  if (!s.head) return skip('no commit to push');
  if (!s.branch) return skip('detached HEAD: no branch to push');
  if (typeof p.branch === 'string' && p.branch !== s.branch) return skip(`branch is ${s.branch} now, the scan saw ${p.branch}`);
  if (!s.remote || !s.remoteRef) return skip(`no upstream: set one with git push -u <remote> ${s.branch}`);
  if (s.remote === '.') return skip(`upstream ${s.upstream} is a local branch: no remote to push to`);
  if (s.ahead === 0) return skip(`nothing to push: ${s.branch} is not ahead of ${s.upstream}`);
  if (typeof p.head === 'string' && p.head && p.head !== s.head) return skip(`HEAD moved since the scan (${p.head.slice(0, 10)} -> ${s.head.slice(0, 10)}): not pushing commits it did not check; the next scan will`);
  if (s.remote.startsWith('-') || !s.remoteRef.startsWith('refs/')) return skip(`refusing odd upstream ${s.remote} ${s.remoteRef}`);
  // Never push a leak, whatever rules this scan ran (`--only git` skips the secret rules): the commits about
  // to leave are read and checked here.
  const leaks = await secretKindsInRange(repo, `${s.upstream}..${s.head}`, ctx.opts.secretOptions);
  if (leaks.length) return skip(pushLeakReason(leaks));
  const argv = ['push', '--', s.remote, `${s.head}:${s.remoteRef}`];
  return new Promise((resolve) => {
    // argv array, no shell; never waits for credentials (GIT_TERMINAL_PROMPT=0, stdin closed), bounded in time.
    const child = execFile(
      'git',
      argv,
      { cwd: repo, timeout: PUSH_TIMEOUT_MS, shell: false, windowsHide: true, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' }, maxBuffer: 1024 * 1024 },
      (err, _stdout, stderr) => {
        if (!err) return resolve(ok(`pushed ${s.ahead} commit(s) of ${s.branch} to ${s.upstream} (${s.head!.slice(0, 10)})`));
        if (err.killed) return resolve(fail(`git push timed out after ${PUSH_TIMEOUT_MS / 1000} s`));
        // git's own message (a rejected non-fast-forward push says why); credentials in a URL are cut.
        const why = String(stderr).replace(/([a-z][\w+.-]*:\/\/)[^/@\s]+@/gi, '$1***@').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('hint:')).slice(-6).join(' | ').slice(0, 600);
        resolve(fail(maskText(`git push ${s.remote} ${s.head!.slice(0, 10)}:${s.remoteRef} failed: ${why || (err as NodeJS.ErrnoException).code || err.message}`)));
      },
    );
    child.stdin?.end();
  });
}

function errText(body: unknown): string {
  const e = (body as { error?: unknown })?.error;
  return typeof e === 'string' ? e.slice(0, 200) : '';
}
