// The plan is what --apply does. The planner's actions are run here in the executor's order against a model
// of the world the plan itself changes (an agent the plan pauses, an issue it hands out), and against the
// idempotency ledger (read only), so an action the executor would skip is `skipped` in the plan already,
// with the executor's reason, and a dry-run shows exactly what the --apply that follows does. What each action
// changes or finds moot is its module's (kinds/, `simulate` and `knownOutcome`).

import type { Finding, FindingAction } from '../types.js';
import type { LedgerView, PlanWorld } from './kind.js';
import { actionKind, ledgerKey } from './registry.js';
import { RESUME_KEY } from './pending.js';

export type { LedgerView } from './kind.js';

const skipped = (a: FindingAction, why: string) => Object.assign(a, { status: 'skipped', detail: `${a.detail ? `${a.detail}; ` : ''}skipped: ${why}` });

/**
 * Actions the ledger says are done: the executor would skip them ("already done"), so the plan does; an
 * outcome the ledger decides without trying (a redaction the server refused before): so the plan does.
 */
export function skipDone(findings: Finding[], ledger: LedgerView | undefined): void {
  if (!ledger) return;
  for (const f of findings) {
    for (const a of f.actions) {
      if (a.status !== 'planned') continue;
      const kind = actionKind(a.type);
      // A live state (a pause, a text that can hold a key again) is never done for good: the re-read decides.
      const done = kind.liveState ? null : ledger.get(ledgerKey(f, a));
      if (done?.status === 'applied') skipped(a, `already done at ${done.at} (idempotency ledger)`);
      const known = kind.knownOutcome?.(ledger, a);
      if (known) Object.assign(a, { status: known.status, detail: known.detail });
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
 * Walk the planned actions in the executor's order (actingOrder) and skip those an
 * earlier action of the same plan makes moot: work for an agent the plan pauses, an issue handed out twice,
 * a release the pause makes the executor refuse (its assignee is no longer in a `whenAssignee` state).
 */
export function simulatePlan(findings: Finding[]): void {
  const world: PlanWorld = { paused: new Map(), handed: new Map(), commented: new Map() };
  for (const [f, a] of actingOrder(findings)) {
    if (a.status !== 'planned') continue;
    const moot = actionKind(a.type).simulate?.(world, f, a);
    if (moot) skipped(a, moot);
  }
}

/**
 * Actions that calm an agent before any that wake it: session resets and pauses first, then the findings' order. A
 * comment clipguard posts (a redacted copy, a flag) or a checkout wakes the issue's assignee; a pause made after it
 * would find the agent running (a paid run of an agent over its stop, started by clipguard) and be skipped.
 */
const FIRST = new Set(['reset-session', 'pause']);

/** Whether an action calms an agent, and so acts before every action that may wake it (and the pending completions). */
export function calming(type: string): boolean {
  return FIRST.has(type);
}

/**
 * The order the executor acts in, and this simulation plays: findings in report order, resets and pauses first, then
 * the completions of half-done actions (executor.ts resumePending), then the rest.
 */
export function actingOrder(findings: readonly Finding[]): [Finding, FindingAction][] {
  const first: [Finding, FindingAction][] = [];
  const resumed: [Finding, FindingAction][] = [];
  const rest: [Finding, FindingAction][] = [];
  for (const f of findings) for (const a of f.actions) (FIRST.has(a.type) ? first : typeof a.params?.[RESUME_KEY] === 'string' ? resumed : rest).push([f, a]);
  return [...first, ...resumed, ...rest];
}
