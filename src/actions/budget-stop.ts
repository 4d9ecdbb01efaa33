// The budget stop, as every action that hands out work or resumes an agent sees it: never for an agent whose
// spend is at or over budget.stopPercent. The planner reads the scan's budget fact; the executor re-reads the
// agent's live spend against the threshold the planner computed.

import { thresholdCents } from '../util/money.js';

interface BudgetFact {
  level?: string;
  spentText?: string;
  budgetText?: string;
  percent?: number;
  stopPercent?: number;
  budgetCents?: number;
}

/**
 * Why the agent gets no work and is not resumed: its spend is at or over budget.stopPercent (the budget
 * fact's `exceeded`). Null when it is under.
 */
export function overStop(name: string, budget: unknown): string | null {
  const b = budget as BudgetFact | undefined;
  if (b?.level !== 'exceeded') return null;
  return `${name} has spent ${b.spentText} of ${b.budgetText} (${b.percent}%), at or over the stop threshold (${b.stopPercent}%)`;
}

/** The spend (cents) at which the executor's re-read refuses work and resumes for the agent. */
export function stopCents(budget: unknown): number | null {
  const b = budget as BudgetFact | undefined;
  return b && typeof b.budgetCents === 'number' && b.budgetCents > 0 && typeof b.stopPercent === 'number' ? thresholdCents(b.budgetCents, b.stopPercent) : null;
}

/**
 * The re-read agent's spend against the stop threshold the planner computed (`stopCents`): work is never
 * handed to, and a pause never undone for, an agent at or over it, even if its spend grew since the scan.
 */
export function overStopLive(agent: { spentMonthlyCents?: unknown }, p: Record<string, unknown>): string | null {
  const stop = typeof p.stopCents === 'number' && p.stopCents > 0 ? p.stopCents : null;
  const spent = Number(agent.spentMonthlyCents);
  return stop !== null && Number.isFinite(spent) && spent >= stop ? `its spend (${spent} cents) is at or over the stop threshold (${stop} cents) now` : null;
}

/** What a budget pause was planned on: the scan's budget, spend and stop threshold (the fact's figures). */
export function budgetPlanParams(budget: unknown): { stopCents: number | null; stopPercent?: number; budgetCents?: number; spentCents?: number } {
  const b = budget as (BudgetFact & { spentCents?: number }) | undefined;
  return {
    stopCents: stopCents(budget),
    ...(typeof b?.stopPercent === 'number' ? { stopPercent: b.stopPercent } : {}),
    ...(typeof b?.budgetCents === 'number' ? { budgetCents: b.budgetCents } : {}),
    ...(typeof b?.spentCents === 'number' ? { spentCents: b.spentCents } : {}),
  };
}

/**
 * Why a budget pause planned on `p` (budgetPlanParams) is not made now, or null. On an unchanged world (the same
 * budget, a spend no lower) the plan stands, whatever rule made it. When the board changed the agent's budget
 * (Paperclip mirrors an agent's monthly policy into budgetMonthlyCents) or a new month lowered the spend, the
 * re-read agent is judged again against the stop threshold: under it, it is not paused.
 */
export function budgetMovedUnder(agent: { budgetMonthlyCents?: unknown; spentMonthlyCents?: unknown }, p: Record<string, unknown>): string | null {
  if (typeof p.budgetCents !== 'number' || typeof p.spentCents !== 'number' || typeof p.stopPercent !== 'number') return null;
  const budget = Number(agent.budgetMonthlyCents);
  const spent = Number(agent.spentMonthlyCents);
  if (!Number.isFinite(budget) || !Number.isFinite(spent)) return null;
  if (budget === p.budgetCents && spent >= p.spentCents) return null;
  const stop = budget > 0 ? thresholdCents(budget, p.stopPercent) : null;
  if (stop !== null && spent >= stop) return null;
  return stop === null
    ? `its budget was removed since the scan (was ${p.budgetCents} cents): nothing to stop it at`
    : `its budget or spend changed since the scan (now ${spent} of ${budget} cents; stop threshold ${stop} cents): under the stop threshold`;
}
