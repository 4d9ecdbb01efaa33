// A multi-step action an earlier `--apply` left half-done (the issue released, the re-checkout not made: the
// ledger's `partial` entry) is completed by the next `--apply` (executor.ts resumePending). It is a write like any
// other, so the dry-run shows it too: one finding per such entry, its action planned, or skipped with the reason the
// scan's read already gives (the agent running, no longer in error, at or over its stop threshold).

import { createHash } from 'node:crypto';
import type { Finding, FindingAction, Subject } from '../types.js';
import type { Ledger } from './ledger.js';
import { overStop, stopCents } from './budget-stop.js';
import { unresolvedBlocker } from '../sources/paperclip/model.js';

/** The states a pending re-checkout checks an issue out from (Paperclip answers 409 from any other). */
export const CHECKOUT_FROM = ['todo', 'backlog'];

/** The ledger key a pending completion's action carries, so that the executor reports its outcome there. */
export const RESUME_KEY = 'resumeKey';

/** The issue of a pending re-checkout as read. */
export interface PendingIssue {
  status?: unknown;
  assigneeAgentId?: unknown;
  blockedBy?: unknown;
}

/**
 * What the issue says of a pending re-checkout, for the plan (the scan's read) and the executor (its re-read) alike:
 * `own`, clipguard's re-checkout whose answer was lost (its attempt was marked); `done`, someone else made it;
 * `skip`, the world closed it; `later`, it waits for an open blocker (its checkout would be refused, 422: the entry
 * stays for a run after the blocker is done); null, the agent decides (agentVerdict, then its stop threshold).
 */
export function issueVerdict(issue: PendingIssue, resume: { params: Record<string, unknown>; attemptedAt?: string; releaseSentAt?: string }): { kind: 'own' | 'done' | 'skip' | 'later'; why: string } | null {
  const agentId = resume.params.agentId;
  const held = issue.status === 'in_progress' && issue.assigneeAgentId === agentId;
  if (held && resume.attemptedAt) return { kind: 'own', why: 'already checked out again (by an earlier run of clipguard, whose answer was lost)' };
  // Recorded before a release whose answer was an error or lost: still held, the release was not made (or the issue
  // went back to the agent since). Either way nothing is left to complete.
  if (held && resume.releaseSentAt) return { kind: 'done', why: 'still in progress with the agent: the release an earlier run sent (its answer an error or lost) was not made, or the issue went back to it since; nothing left to complete' };
  if (held) return { kind: 'done', why: 'already checked out again by someone else: nothing left to complete' };
  if (issue.assigneeAgentId && issue.assigneeAgentId !== agentId) return { kind: 'skip', why: 'issue went to another agent meanwhile' };
  if (!CHECKOUT_FROM.includes(String(issue.status))) return { kind: 'skip', why: `the issue is ${String(issue.status)} now: nothing to check out` };
  const waits = unresolvedBlocker(issue);
  if (waits) return { kind: 'later', why: `it waits for ${String(waits.identifier ?? waits.id)} (${waits.status}), so its checkout would be refused: kept for a later run` };
  return null;
}

/**
 * What the agent's status says (after the issue's): running, kept for a later run (`later`: its heartbeat is never
 * disturbed); paused, terminated and the like, the world has moved on; error or idle, null (it may have the issue back).
 */
export function agentVerdict(status: unknown): { later: boolean; why: string } | null {
  if (status === 'running') return { later: true, why: 'is running now: kept for a later run' };
  if (status !== 'error' && status !== 'idle') return { later: false, why: `is ${String(status)} now: the world has moved` };
  return null;
}

/** `rules`: only the entries these rules left (a run with `--only`); all when absent. */
export function pendingFindings(ledger: Ledger, subjects: readonly Subject[], rules?: ReadonlySet<string>): Finding[] {
  const out: Finding[] = [];
  // Only the companies this scan read: one state directory may serve several (the live guard's does), and another
  // company's entry is for a run of that company, under its own settings.
  // Each read company: whether its agent and issue lists were read whole (then one not in them is gone).
  const read = new Map(subjects.filter((s) => s.type === 'company').map((s) => [s.id, s.facts.listed as { agents?: boolean; issues?: boolean } | null | undefined]));
  for (const [key, e] of ledger.pending()) {
    const r = e.resume!;
    const p = r.params;
    if (typeof p.companyId === 'string' && !read.has(p.companyId)) continue;
    if (rules && !rules.has(r.rule)) continue;
    const agent = subjects.find((s) => s.type === 'agent' && s.id === p.agentId);
    const a = agent?.facts.agent as { name?: string; status?: string } | undefined;
    const name = a?.name ?? `agent ${String(p.agentId).slice(0, 8)}`;
    const issue = typeof p.identifier === 'string' ? p.identifier : r.target.replace(/^issue:/, '');
    // The issue and the agent as the scan read them, decided as the executor's re-reads decide (resumePending).
    const held = (subjects.find((s) => s.type === 'issue' && s.id === p.issueId)?.facts.issue ?? null) as PendingIssue | null;
    // Not in a list the scan read whole: gone, as the executor's re-read would answer (404).
    const listed = read.get(p.companyId as string);
    const byIssue = held ? issueVerdict(held, r) : null;
    // In the executor's order: the issue first; the agent is re-read (and found gone) only when the issue says nothing.
    const gone = !held && listed?.issues ? 'the issue is gone: nothing to hand back' : !byIssue && !agent && listed?.agents ? 'the agent is gone: nothing to hand back' : null;
    const ownLost = byIssue?.kind === 'own';
    const byAgent = !byIssue && a ? agentVerdict(a.status) : null;
    const why = gone ?? (ownLost ? null : byIssue ? byIssue.why : byAgent ? `${name} ${byAgent.why}` : overStop(name, agent?.facts.budget));
    // The stop threshold as this scan reads it (the executor judges by it, not by the one saved at the release: a
    // budget raised since counts for both).
    const params = { ...p, ...(agent ? { stopCents: stopCents(agent.facts.budget) } : {}), [RESUME_KEY]: key };
    const action: FindingAction = why
      ? { type: 'release-checkout', status: 'skipped', target: r.target, detail: `complete the re-checkout of ${issue}: ${why}`, params }
      : ownLost
        ? { type: 'release-checkout', status: 'planned', target: r.target, detail: `record the re-checkout of ${issue} to ${name} that an earlier --apply made (its answer was lost)`, params }
        : { type: 'release-checkout', status: 'planned', target: r.target, detail: `complete the re-checkout of ${issue} to ${name} that an earlier --apply left half-done (released at ${e.at}, not checked out again)`, params };
    out.push({
      ruleId: r.rule,
      severity: 'warning',
      title: 'A release + re-checkout an earlier run left half-done',
      message:
        r.releaseSentAt && !r.attemptedAt
          ? `An earlier clipguard --apply sent the release of ${issue} from ${name} and got no clear answer (an error or none): if the release was made, the issue is left without its agent until the re-checkout is made; the next --apply re-reads it and settles which.`
          : `An earlier clipguard --apply released ${issue} from ${name} and stopped before checking it out again: the issue is left without its agent until the re-checkout is made.`,
      subject: { type: 'agent', id: String(p.agentId), label: name },
      location: null,
      // Its own fingerprint: not the finding that planned the release (a baseline or waiver of that one is not this).
      fingerprint: createHash('sha256').update(`pending\n${key}`).digest('hex').slice(0, 32),
      tags: ['ops', 'recovery'],
      actions: [action],
      data: { pendingSince: e.at },
    });
  }
  return out;
}
