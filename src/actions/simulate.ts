// The plan is what --apply does. The planner's actions are run here in the executor's order against a model
// of the world the plan itself changes (an agent the plan pauses, an issue it hands out), and against the
// idempotency ledger (read only), so an action the executor would skip is `skipped` in the plan already,
// with the executor's reason, and a dry-run shows exactly what the --apply that follows does.

import type { Finding, FindingAction } from '../types.js';
import { LIVE_STATE_ACTIONS, ledgerKey, type LedgerEntry } from './ledger.js';
import { keyStays, refusedEarlier, refusedKey } from './comment-author.js';

/** What the planner needs of the ledger: a read. A dry-run never writes it. */
export interface LedgerView {
  get(key: string): LedgerEntry | null;
}

const skipped = (a: FindingAction, why: string) => Object.assign(a, { status: 'skipped', detail: `${a.detail ? `${a.detail}; ` : ''}skipped: ${why}` });

/**
 * Actions the ledger says are done: the executor would skip them ("already done"), so the plan does; a
 * redaction the server refused before: the executor fails it without trying, so the plan does.
 */
export function skipDone(findings: Finding[], ledger: LedgerView | undefined): void {
  if (!ledger) return;
  for (const f of findings) {
    for (const a of f.actions) {
      if (a.status !== 'planned' || LIVE_STATE_ACTIONS.has(a.type)) continue;
      const done = ledger.get(ledgerKey(f, a));
      if (done?.status === 'applied') skipped(a, `already done at ${done.at} (idempotency ledger)`);
      // A comment whose delete the server refused (another user's): the executor does not try again, it fails.
      const p = a.params ?? {};
      const refused = a.type === 'redact' && typeof p.commentId === 'string' ? ledger.get(refusedKey(String(p.issueId), p.commentId)) : null;
      if (refused?.status === 'refused') Object.assign(a, { status: 'failed', detail: `${refusedEarlier(refused.at, refused.detail)}; ${keyStays(p.commentId as string)}` });
    }
  }
}

/**
 * The same action twice in one plan (one redaction of an issue per secret in it, while one PATCH redacts them
 * all): the executor does the first and skips the rest as done, so the plan shows them skipped, naming the
 * first. Run before the caps, so a repeat does not take the place of a real action.
 */
export function skipRepeats(findings: Finding[]): void {
  const once = new Map<string, string>(); // ledger key -> the finding whose action does it
  for (const f of findings) {
    for (const a of f.actions) {
      if (a.status !== 'planned') continue;
      const k = ledgerKey(f, a);
      const first = once.get(k);
      if (first) skipped(a, `done by the same ${a.type} planned for ${first} (one ${a.type} of ${a.target} per run)`);
      else once.set(k, `${f.ruleId} ${f.subject.label}${f.location?.line ? ` line ${f.location.line}` : ''}`);
    }
  }
}

/**
 * Walk the planned actions in the executor's order (findings, then each finding's actions) and skip those an
 * earlier action of the same plan makes moot: work for an agent the plan pauses, an issue handed out twice,
 * a release the pause makes the executor refuse (its assignee is no longer in a `whenAssignee` state).
 */
export function simulatePlan(findings: Finding[]): void {
  const paused = new Map<string, string>(); // agentId -> the finding's rule that pauses it
  const handed = new Map<string, string>(); // issueId -> the agent it goes to
  const commented = new Map<string, string>(); // issueId -> the action that posts a comment on it first
  for (const f of findings) {
    for (const a of f.actions) {
      if (a.status !== 'planned') continue;
      const p = a.params ?? {};
      const agentId = typeof p.agentId === 'string' ? p.agentId : null;
      const issueId = typeof p.issueId === 'string' ? p.issueId : null;
      switch (a.type) {
        case 'pause':
          if (agentId && paused.has(agentId)) skipped(a, `already paused earlier in this plan (${paused.get(agentId)})`);
          else if (agentId) paused.set(agentId, f.ruleId);
          break;
        case 'checkout':
        case 'release-checkout':
          if (agentId && paused.has(agentId)) skipped(a, `this plan pauses the agent first (${paused.get(agentId)}): no work is handed to it`);
          else if (a.type === 'checkout' && issueId && handed.has(issueId)) skipped(a, `this plan already hands ${String(p.identifier ?? issueId)} out`);
          else if (issueId && agentId) handed.set(issueId, agentId);
          break;
        case 'comment':
          // The executor asks for the blocker only while nobody commented since the block: a comment this plan
          // posts first (a flag, a redacted copy) would make it skip, so the plan says so.
          if (issueId && commented.has(issueId)) skipped(a, `this plan comments on the issue first (${commented.get(issueId)}), and the executor asks for the blocker only while nobody commented since the block`);
          else if (issueId) commented.set(issueId, `${f.ruleId} ${a.type}`);
          break;
        case 'flag':
          if (issueId) commented.set(issueId, `${f.ruleId} flag`);
          break;
        case 'redact':
          if (issueId && typeof p.commentId === 'string') commented.set(issueId, `${f.ruleId} redacted copy`);
          break;
        case 'release': {
          const when = p.whenAssignee as string[] | undefined;
          if (agentId && paused.has(agentId) && when && !when.includes('paused')) skipped(a, `this plan pauses its assignee first (${paused.get(agentId)}); released only when ${when.join(' or ')}`);
          break;
        }
      }
    }
  }
}
