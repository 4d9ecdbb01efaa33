// Budget facts for an agent or a company: month spend against budget, the warn threshold, whether a budget
// policy enforces it, and a forecast at the recent burn rate. Paperclip's monthly window is the UTC calendar
// month, and only budget *policies* enforce anything (the budgetMonthlyCents field alone does not).

import { B, N, nul, obj, S } from '../engine/shape.js';
import { formatMoney, thresholdCents } from '../util/money.js';
import type { BudgetPolicy, BudgetsOverview, CostRow } from '../sources/paperclip/records.js';
import type { FactFamily } from './family.js';

const budgetShape = obj({
  scope: S,
  level: S,
  spentCents: N,
  budgetCents: N,
  percent: N,
  warnPercent: N,
  stopPercent: N,
  spentText: S,
  budgetText: S,
  stopText: S,
  forecastText: S,
  burnPerDayText: S,
  hasPolicy: B,
  policyActive: B,
  hardStopEnabled: B,
  daysLeftInMonth: N,
  monthEnd: S,
  forecastCents: N,
  forecastPercent: N,
  projectedCrossDate: nul(S),
  burnCentsPerDay: N,
  openIncidents: N,
  monthRolledOverSincePause: B,
  /** Spend past the stop threshold (0 under it): the overrun a hard stop that came late let through. */
  overrunCents: N,
  overrunText: S,
});

export const budgetFamily = {
  facts: { company: { budget: budgetShape }, agent: { budget: budgetShape } },
} satisfies FactFamily;

export interface BudgetInputs {
  now: Date;
  budgets: BudgetsOverview | null; // GET /companies/{id}/budgets/overview
  recentCosts: { byAgent: CostRow[]; from: string; to: string } | null; // costs/by-agent over the burn window
  companyMonthlyCents: number | null;
  forecastWindowDays: number;
  /** Config `budget.warnPercent` (default 80); a budget policy's own warnPercent wins over it. */
  warnPercent?: number;
  /** Config `budget.stopPercent` (default 100): spend at or over it is `exceeded`. */
  stopPercent?: number;
  /** Config `budget.currency` (default USD): the `*Text` facts are amounts in it. */
  currency?: string;
}

export const DEFAULT_WARN_PERCENT = 80;
export const DEFAULT_STOP_PERCENT = 100;

const DAY = 86_400_000;

export function monthWindow(now: Date): { start: Date; end: Date } {
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  return { start, end };
}

/** The fields of an agent or a company that budgets read. */
type Budgeted = { id: string; budgetMonthlyCents?: unknown; spentMonthlyCents?: unknown; pausedAt?: unknown; status?: unknown };

/** The `budget` fact of an agent or a company subject. */
export type BudgetFacts = ReturnType<typeof budgetFacts>;

export function budgetFacts(scope: 'agent' | 'company', entity: Budgeted, inp: BudgetInputs) {
  const { start, end } = monthWindow(inp.now);
  const policies: BudgetPolicy[] = inp.budgets?.policies ?? [];
  const policy = indexed(policies, (p) => ((p.windowKind ?? 'calendar_month_utc') === 'calendar_month_utc' ? `${p.scopeType}:${p.scopeId}` : null)).get(`${scope}:${entity.id}`);
  const configured = scope === 'company' && inp.companyMonthlyCents != null ? inp.companyMonthlyCents : null;
  const budgetCents = configured ?? (policy && policy.isActive !== false ? Number(policy.amount) : Number(entity.budgetMonthlyCents ?? 0));
  const spentCents = Number(entity.spentMonthlyCents ?? policy?.observedAmount ?? 0);
  const percent = budgetCents > 0 ? round2((spentCents / budgetCents) * 100) : 0;

  // Burn rate: spend in the last N days (never before the month started), per day.
  let windowSpend = 0;
  if (inp.recentCosts) {
    const rows = inp.recentCosts.byAgent ?? [];
    windowSpend = scope === 'agent' ? Number(indexed(rows, (r) => r.agentId).get(entity.id)?.costCents ?? 0) : rows.reduce((s, r) => s + Number(r.costCents ?? 0), 0);
  }
  const windowStart = Math.max(inp.now.getTime() - inp.forecastWindowDays * DAY, start.getTime());
  const windowDays = Math.max((inp.now.getTime() - windowStart) / DAY, 1 / 24);
  const burn = inp.recentCosts ? windowSpend / windowDays : 0;
  const daysLeft = (end.getTime() - inp.now.getTime()) / DAY;
  // A paused agent (or company) spends nothing more while it stays paused: its forecast is what it has spent,
  // and it reaches no threshold, whatever it burned before the pause (burnCentsPerDay still says that).
  const forecastBurn = entity.status === 'paused' ? 0 : burn;
  const forecastCents = Math.round(spentCents + forecastBurn * daysLeft);
  // The date spend reaches the stop threshold (budget.stopPercent of the budget, 100% by default).
  const stopPercent = inp.stopPercent ?? DEFAULT_STOP_PERCENT;
  const stopCents = (budgetCents * stopPercent) / 100;
  let projectedCrossDate: string | null = null;
  if (budgetCents > 0 && spentCents < stopCents && forecastBurn > 0) {
    const at = inp.now.getTime() + ((stopCents - spentCents) / forecastBurn) * DAY;
    if (at < end.getTime()) projectedCrossDate = new Date(at).toISOString().slice(0, 10);
  }
  const incidents = inp.budgets?.activeIncidents ?? [];
  const pausedAt = typeof entity.pausedAt === 'string' ? Date.parse(entity.pausedAt) : NaN;
  const warnPercent = Number(policy?.warnPercent ?? inp.warnPercent ?? DEFAULT_WARN_PERCENT);
  // Decided in cents, not on the rounded percent (display only): the executor re-reads cents against the same threshold.
  const level = budgetCents <= 0 ? 'none' : spentCents >= thresholdCents(budgetCents, stopPercent) ? 'exceeded' : spentCents >= thresholdCents(budgetCents, warnPercent) ? 'warning' : 'ok';
  const burnCentsPerDay = Math.round(burn);
  // What the spend is past the stop threshold: the money a stop that came late (or not at all) let through.
  const overrunCents = budgetCents > 0 ? Math.max(0, Math.round(spentCents - stopCents)) : 0;
  const currency = inp.currency ?? 'USD';
  const budgetText = formatMoney(budgetCents, currency);
  return {
    scope,
    level,
    spentCents,
    budgetCents,
    percent,
    warnPercent,
    stopPercent,
    spentText: formatMoney(spentCents, currency),
    budgetText,
    // What the forecast date is the date of: "its $340.00 budget", or "110% of its $340.00 budget" when the
    // stop threshold is not the budget itself.
    stopText: `${stopPercent === 100 ? '' : `${stopPercent}% of `}its ${budgetText} budget`,
    forecastText: formatMoney(forecastCents, currency),
    burnPerDayText: formatMoney(burnCentsPerDay, currency),
    hasPolicy: Boolean(policy),
    policyActive: Boolean(policy && policy.isActive !== false),
    hardStopEnabled: Boolean(policy?.hardStopEnabled),
    daysLeftInMonth: Math.ceil(daysLeft),
    monthEnd: new Date(end.getTime() - 1).toISOString().slice(0, 10),
    forecastCents,
    forecastPercent: budgetCents > 0 ? round2((forecastCents / budgetCents) * 100) : 0,
    projectedCrossDate,
    burnCentsPerDay,
    openIncidents: incidents.length ? incidents.filter((i) => i.scopeId === entity.id && i.status === 'open').length : 0,
    monthRolledOverSincePause: !Number.isNaN(pausedAt) && pausedAt < start.getTime(),
    overrunCents,
    overrunText: formatMoney(overrunCents, currency),
  };
}

// Budget facts are built once per agent over the same company-wide lists: index each list once (the first
// row per key wins, as Array.find would) instead of searching it per agent.
const indexes = new WeakMap<object, Map<string, unknown>>();
function indexed<T extends object>(rows: T[], keyOf: (row: T) => string | null): Map<string, T> {
  let m = indexes.get(rows) as Map<string, T> | undefined;
  if (!m) {
    m = new Map();
    for (const r of rows) {
      const k = keyOf(r);
      if (k !== null && !m.has(k)) m.set(k, r);
    }
    indexes.set(rows, m);
  }
  return m;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
