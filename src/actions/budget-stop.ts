// The budget stop, as every action that hands out work or resumes an agent sees it: never for an agent whose
// spend is at or over budget.stopPercent. The planner reads the scan's budget fact; the executor re-reads the
// agent's live spend against the threshold the planner computed.

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
  return b && typeof b.budgetCents === 'number' && b.budgetCents > 0 && typeof b.stopPercent === 'number' ? Math.round((b.budgetCents * b.stopPercent) / 100) : null;
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
