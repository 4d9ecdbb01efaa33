// A multi-step action an earlier `--apply` left half-done (the issue released, the re-checkout not made: the
// ledger's `partial` entry) is completed by the next `--apply` (executor.ts resumePending). It is a write like any
// other, so the dry-run shows it too: one finding per such entry, its action planned, or skipped with the reason the
// scan's read already gives (the agent running, no longer in error, at or over its stop threshold).

import { createHash } from 'node:crypto';
import type { Finding, FindingAction, Subject } from '../types.js';
import type { Ledger } from './ledger.js';
import { overStop } from './budget-stop.js';

/** The states a pending re-checkout checks an issue out from (Paperclip answers 409 from any other). */
export const CHECKOUT_FROM = ['todo', 'backlog'];

/** The ledger key a pending completion's action carries, so that the executor reports its outcome there. */
export const RESUME_KEY = 'resumeKey';

export function pendingFindings(ledger: Ledger, subjects: readonly Subject[]): Finding[] {
  const out: Finding[] = [];
  for (const [key, e] of ledger.pending()) {
    const r = e.resume!;
    const p = r.params;
    const agent = subjects.find((s) => s.type === 'agent' && s.id === p.agentId);
    const a = agent?.facts.agent as { name?: string; status?: string } | undefined;
    const name = a?.name ?? `agent ${String(p.agentId).slice(0, 8)}`;
    const issue = typeof p.identifier === 'string' ? p.identifier : r.target.replace(/^issue:/, '');
    // The issue as the scan read it, decided as the executor's re-read decides (resumePending).
    const held = (subjects.find((s) => s.type === 'issue' && s.id === p.issueId)?.facts.issue ?? null) as { status?: string; assigneeAgentId?: string | null } | null;
    const ownLost = held?.status === 'in_progress' && held.assigneeAgentId === p.agentId && Boolean(r.attemptedAt);
    const why = ownLost
      ? null
      : held?.status === 'in_progress' && held.assigneeAgentId === p.agentId
        ? 'already checked out again by someone else: nothing left to complete'
        : held?.assigneeAgentId && held.assigneeAgentId !== p.agentId
          ? 'issue went to another agent meanwhile'
          : held?.status && !CHECKOUT_FROM.includes(held.status)
            ? `the issue is ${held.status} now: nothing to check out`
          : a?.status === 'running'
        ? `${name} is running now: kept for a later run (its heartbeat is not disturbed)`
        : a && a.status !== 'error' && a.status !== 'idle'
          ? `${name} is ${a.status} now: the world has moved, the issue is not handed back`
          : overStop(name, agent?.facts.budget);
    const action: FindingAction = why
      ? { type: 'release-checkout', status: 'skipped', target: r.target, detail: `complete the re-checkout of ${issue}: ${why}`, params: { ...p, [RESUME_KEY]: key } }
      : ownLost
        ? { type: 'release-checkout', status: 'planned', target: r.target, detail: `record the re-checkout of ${issue} to ${name} that an earlier --apply made (its answer was lost)`, params: { ...p, [RESUME_KEY]: key } }
        : { type: 'release-checkout', status: 'planned', target: r.target, detail: `complete the re-checkout of ${issue} to ${name} that an earlier --apply left half-done (released at ${e.at}, not checked out again)`, params: { ...p, [RESUME_KEY]: key } };
    out.push({
      ruleId: r.rule,
      severity: 'warning',
      title: 'A release + re-checkout an earlier run left half-done',
      message: `An earlier clipguard --apply released ${issue} from ${name} and stopped before checking it out again: the issue is left without its agent until the re-checkout is made.`,
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
