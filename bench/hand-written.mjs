// The built-in Paperclip rules written as plain loops: the peer of benchmark 4. Same inputs, same secret
// detector, no engine, no subjects, no finding objects (a count per rule). bench/engine.mjs checks that both
// sides find the same number per rule, so the comparison is of the same work.
import { detectSecrets } from '../dist/detectors/secrets/index.js';

const DAY = 86400000;
const P = { critical: 0, high: 1, medium: 2, low: 3 };
const cmp = (a, b) => (P[a.priority] ?? 9) - (P[b.priority] ?? 9) || (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0);

export async function handWritten(snapshot, now, { forecastWindowDays = 7 } = {}) {
  const counts = {};
  const hit = (rule, n = 1) => {
    if (n > 0) counts[rule] = (counts[rule] ?? 0) + n;
  };
  const t = now.getTime();
  const monthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const monthEnd = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
  const windowDays = Math.max((t - Math.max(t - forecastWindowDays * DAY, monthStart)) / DAY, 1 / 24);
  const crosses = (budget, spent, windowSpend) => {
    const burn = windowSpend / windowDays;
    return budget > 0 && spent < budget && burn > 0 && t + ((budget - spent) / burn) * DAY < monthEnd;
  };
  const level = (spent, budget, warn) => {
    if (budget <= 0) return 'none';
    const pct = Math.round((spent / budget) * 10000) / 100;
    return pct >= 100 ? 'exceeded' : pct >= warn ? 'warning' : 'ok';
  };
  for (const c of snapshot) {
    const policies = new Map();
    for (const p of c.budgets?.policies ?? []) policies.set(`${p.scopeType}:${p.scopeId}`, p);
    const recent = new Map((c.recentCosts?.byAgent ?? []).map((r) => [r.agentId, r.costCents]));
    const incidents = new Map();
    for (const i of c.budgets?.activeIncidents ?? []) if (i.status === 'open') incidents.set(i.scopeId, (incidents.get(i.scopeId) ?? 0) + 1);

    // company
    const co = c.company;
    const cpol = policies.get(`company:${co.id}`);
    const cActive = Boolean(cpol && cpol.isActive !== false);
    const cBudget = cActive ? cpol.amount : co.budgetMonthlyCents ?? 0;
    const cLevel = level(co.spentMonthlyCents ?? 0, cBudget, cpol?.warnPercent ?? 80);
    if (cLevel === 'warning' || cLevel === 'exceeded') hit('budget/company-spend');
    if (crosses(cBudget, co.spentMonthlyCents ?? 0, [...recent.values()].reduce((s, v) => s + v, 0))) hit('budget/forecast-company');
    if (co.budgetMonthlyCents > 0 && !cActive) hit('budget/unenforced-company');

    // agents
    // Waiting issues best first, sorted once per company; an idle agent's best candidate is the first one
    // nobody else holds.
    const waiting = c.issues.filter((i) => (i.status === 'backlog' || i.status === 'todo') && !i.assigneeUserId).sort(cmp);
    const held = new Map();
    for (const i of c.issues) if (i.status === 'in_progress' && i.assigneeAgentId) held.set(i.assigneeAgentId, (held.get(i.assigneeAgentId) ?? 0) + 1);
    // Runs newest first per agent; the CEO's timer sets the dispatch threshold (2 intervals, else 900 s).
    const runsOf = new Map();
    for (const r of c.runs ?? []) runsOf.set(r.agentId, [...(runsOf.get(r.agentId) ?? []), r]);
    const runTime = (r) => Date.parse(r.finishedAt ?? r.startedAt ?? r.createdAt);
    const live = (r) => r && (r.status === 'queued' || r.status === 'running' || r.status === 'scheduled_retry');
    const ceo = c.agents.find((a) => a.role === 'ceo' && a.runtimeConfig?.heartbeat?.enabled === true && a.runtimeConfig.heartbeat.intervalSec > 0);
    const thresholdMs = 2 * (ceo ? ceo.runtimeConfig.heartbeat.intervalSec : 900) * 1000;
    for (const a of c.agents) {
      const held_ = held.get(a.id) ?? 0;
      const last = (runsOf.get(a.id) ?? [])[0];
      if (a.status === 'idle' && held_ === 0 && a.role !== 'ceo' && !live(last)) {
        const idleSince = Math.max(last ? runTime(last) : -Infinity, Date.parse(a.createdAt) || -Infinity);
        let seen = 0;
        for (const i of waiting) {
          if (i.assigneeAgentId && i.assigneeAgentId !== a.id) continue;
          if (++seen > 200) break; // the same 200 best candidates the subject builder looks at
          const since = Math.max(Date.parse(i.createdAt) || -Infinity, Date.parse(i.updatedAt) || -Infinity);
          if (Number.isFinite(since) && t - since >= thresholdMs && idleSince <= since) {
            hit('ops/dispatch-missed');
            break;
          }
        }
      }
      if (a.status === 'idle' && held_ === 0 && a.role !== 'ceo' && waiting.find((i) => !i.assigneeAgentId || i.assigneeAgentId === a.id)) {
        hit('ops/idle-agent-backlog');
      }
      if (a.status === 'error' && held_ > 0) hit('ops/error-agent-holding-issue');
      if (a.status === 'paused') hit('ops/paused-agent');
      const hb = a.runtimeConfig?.heartbeat ?? {};
      const enabled = hb.enabled === true;
      if (a.role === 'ceo' ? !enabled || hb.intervalSec !== 900 : enabled || hb.wakeOnDemand === false) hit('ops/heartbeat-policy');
      const pol = policies.get(`agent:${a.id}`);
      const active = Boolean(pol && pol.isActive !== false);
      const budget = active ? pol.amount : a.budgetMonthlyCents ?? 0;
      const spent = a.spentMonthlyCents ?? 0;
      const lv = level(spent, budget, pol?.warnPercent ?? 80);
      if (lv === 'exceeded') hit('budget/agent-spend-exceeded');
      if (lv === 'warning') hit('budget/agent-spend-warning');
      if (a.budgetMonthlyCents > 0 && !active) hit('budget/unenforced');
      if (crosses(budget, spent, recent.get(a.id) ?? 0)) hit('budget/forecast');
      const rolled = a.pausedAt ? Date.parse(a.pausedAt) < monthStart : false;
      if (a.status === 'paused' && a.pauseReason === 'budget' && (rolled || (incidents.get(a.id) ?? 0) > 0)) hit('budget/paused-for-budget');
    }

    // issues and comments
    for (const i of c.issues) {
      if (i.status === 'in_progress' && i.assigneeAgentId) {
        const last = (runsOf.get(i.assigneeAgentId) ?? [])[0];
        const lastAt = last ? (live(last) ? t : runTime(last)) : NaN;
        const started = Date.parse(i.startedAt ?? i.createdAt);
        const since = Math.max(Number.isNaN(lastAt) ? -Infinity : lastAt, Number.isNaN(started) ? -Infinity : started);
        if (Number.isFinite(since) && Math.floor((t - since) / 60000) >= 120) hit('ops/stale-in-progress');
      }
      hit('security/secret-in-issue', detectSecrets(`${i.title ?? ''}\n${i.description ?? ''}`).length);
      const cs = c.comments?.[i.id] ?? [];
      if (i.status === 'blocked') {
        const since = new Date(Date.parse(i.updatedAt) - 5000).toISOString();
        const bySystem = Boolean(i.activeRecoveryAction ?? i.executionState?.blocker) || cs.some((k) => k.authorType === 'system' && !k.deletedAt && k.createdAt >= since);
        if (bySystem) hit('ops/server-blocked-issue');
        else if (!cs.some((k) => !k.deletedAt && k.authorType !== 'system' && k.createdAt >= since)) hit('ops/blocked-without-reason');
      }
      for (const k of cs) if (!k.deletedAt && k.body) hit('security/secret-in-comment', detectSecrets(k.body).length);
    }
  }
  return counts;
}
