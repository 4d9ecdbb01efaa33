// The `pause` fact of an agent: why it is paused, whether clipguard paused it (and for which rule), and what
// to do about it (ops/paused-agent's advice; the resume action never lifts a pause that is not clipguard's).
import { B, nul, obj, S } from '../engine/shape.js';
import { isBudgetRule, type ClipguardPause } from '../sources/paperclip/model.js';
import type { Agent, Company } from '../sources/paperclip/records.js';
import type { BudgetFacts } from './budget.js';
import type { FactFamily } from './family.js';

export const pauseFamily = {
  facts: {
    agent: {
      /** For a paused agent: its pause reason and what to do about it (empty advice otherwise). */
      pause: obj({ reason: nul(S), reasonText: S, byClipguard: B, byClipguardAt: nul(S), byClipguardFor: nul(S), advice: S }),
    },
  },
} satisfies FactFamily;

export const NOT_PAUSED = Object.freeze({ reason: null, reasonText: '', byClipguard: false, byClipguardAt: null, byClipguardFor: null, advice: '' });
// The server records a board pause as `manual`; clipguard's own record of it is written just after the pause
// (ledger entry, activity entry), so a pause is clipguard's when its `pausedAt` is at most this much before.
const OWN_PAUSE_SLACK_MS = 5 * 60_000;

/**
 * The clipguard pause that explains the agent's current pause, if any: a record made at or shortly after the
 * agent's `pausedAt`. A later pause by someone else (a newer `pausedAt`) is not clipguard's.
 */
export function ownPause(agent: { pausedAt?: unknown }, pauses: ClipguardPause[] | undefined): ClipguardPause | null {
  const pausedAt = typeof agent.pausedAt === 'string' ? Date.parse(agent.pausedAt) : NaN;
  if (!pauses?.length || Number.isNaN(pausedAt)) return null;
  let best: ClipguardPause | null = null;
  for (const p of pauses) {
    const t = Date.parse(p.at);
    if (t < pausedAt - 1000 || t - pausedAt > OWN_PAUSE_SLACK_MS) continue;
    // A loop's pause of the same agent wins over a budget pause (pause.ts keeps both when both rules fire):
    // clipguard never lifts it; among pauses of one kind, the earliest.
    const loopOverBudget = best !== null && isBudgetPause(best) && !isBudgetPause(p);
    const earlierOfKind = best !== null && isBudgetPause(best) === isBudgetPause(p) && t < Date.parse(best.at);
    if (best === null || loopOverBudget || earlierOfKind) best = p;
  }
  return best;
}

/** A pause clipguard made for budget (the activity log's `budget`, or a budget rule's id). */
export function isBudgetPause(p: ClipguardPause): boolean {
  return isBudgetRule(p.rule);
}

/**
 * What to do about a paused agent, by its pause reason (API.md: PAUSE_REASONS manual, budget, system,
 * company_archived): the finding of ops/paused-agent carries it, with the routes to call. The server records
 * clipguard's own pause (a board call) as `manual`: `own` (see ownPause) says it was clipguard's, for budget.
 */
export function pauseFacts(agent: Agent, company: Company, budget: BudgetFacts, incidents: Record<string, unknown>[], own: ClipguardPause | null = null) {
  const reason: string | null = typeof agent.pauseReason === 'string' ? agent.pauseReason : null;
  const resume = `POST /api/agents/${agent.id}/resume`;
  const activity = `GET /api/companies/${company.id}/activity?entityType=agent&entityId=${agent.id}`;
  const facts = (advice: string, reasonText = `reason: ${reason ?? 'none recorded'}`) => ({ reason, reasonText, byClipguard: own !== null, byClipguardAt: own?.at ?? null, byClipguardFor: own?.rule ?? null, advice });
  if (own && reason === 'manual' && !isBudgetPause(own)) {
    // A pause for a loop (ops/agent-self-wake-runaway): nothing clipguard reads says the cause is gone.
    return facts(
      `clipguard paused it (${own.rule}): it kept waking itself with its own comments. Find out why (its instructions, the comments it posts: GET /api/companies/${company.id}/heartbeat-runs?agentId=${agent.id}), fix that, then resume it by hand (${resume}); clipguard does not resume it`,
      `paused by clipguard for ${own.rule} on ${own.at.slice(0, 10)}`,
    );
  }
  if (own && reason === 'manual') {
    const day = own.at.slice(0, 10);
    const over = budget.level === 'exceeded';
    return facts(
      over
        ? `clipguard paused it (${own.rule}): it has spent ${budget.spentText} of ${budget.budgetText} (${budget.percent}%, stop at ${budget.stopPercent}%); clipguard will not resume it while it is at or over that. Raise its budget (PATCH /api/agents/${agent.id}/budgets {"budgetMonthlyCents":...}, above ${budget.spentText} spent) or wait for the month to roll over (after ${budget.monthEnd}, UTC), then resume it (${resume})`
        : `clipguard paused it (${own.rule}); its spend (${budget.spentText}${budget.budgetCents > 0 ? ` of ${budget.budgetText}, ${budget.percent}%` : ''}) is now under the stop threshold: resume it (${resume})`,
      `paused by clipguard for budget on ${day}`,
    );
  }
  switch (reason) {
    case 'budget': {
      if (budget.monthRolledOverSincePause) return facts(`the month has rolled over since the pause (its spend starts again from zero): resume it (${resume})`);
      const open = incidents.find((i) => i?.scopeId === agent.id && i?.status === 'open');
      const raise = open
        ? `raise the budget and resume in one step: POST /api/companies/${company.id}/budget-incidents/${open.id}/resolve {"action":"raise_budget_and_resume","amount":<cents above ${budget.spentText} spent>}`
        : `raise the budget (PATCH /api/agents/${agent.id}/budgets {"budgetMonthlyCents":...}, above ${budget.spentText} spent), then resume it (${resume})`;
      return facts(`${raise}; or wait for the month to roll over (after ${budget.monthEnd}, UTC) and resume it then. A resume while the hard stop is still exceeded starts no run`);
    }
    case 'manual':
      return facts(`someone paused it by hand: resume it when the reason for pausing is gone (${resume}), or enable this rule's resume action`);
    case 'system':
      return facts(`the server paused it: find why in its activity (${activity}) and fix that before resuming it (${resume})`);
    case 'company_archived':
      return facts(`its company is archived: nothing to do for the agent unless the company is brought back (PATCH /api/companies/${company.id} {"status":"active"}); then resume it (${resume})`);
    default:
      return facts(`no known pause reason (${reason ?? 'none'}): check the agent's activity (${activity}), then resume it if it should run (${resume})`);
  }
}

