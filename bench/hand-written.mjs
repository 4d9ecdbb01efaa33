// The built-in Paperclip rules written as plain loops: the peer of benchmark 4. Same inputs, same detector
// for secrets, same findings count expected (checked by the benchmark), no engine, no subjects.
import { detectSecrets } from '../dist/detectors/secrets/index.js';

const DAY = 86400000;
const P = { critical: 0, high: 1, medium: 2, low: 3 };

export async function handWritten(snapshot, now) {
  let n = 0;
  const monthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const monthEnd = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
  for (const c of snapshot) {
    const waiting = c.issues.filter((i) => i.status === 'backlog' || i.status === 'todo').sort((a, b) => P[a.priority] - P[b.priority] || a.createdAt.localeCompare(b.createdAt));
    const held = new Map();
    for (const i of c.issues) if (i.status === 'in_progress' && i.assigneeAgentId) held.set(i.assigneeAgentId, (held.get(i.assigneeAgentId) ?? 0) + 1);
    const policies = new Map(c.budgets.policies.map((p) => [p.scopeId, p]));
    const recent = new Map(c.recentCosts.byAgent.map((r) => [r.agentId, r.costCents]));
    for (const a of c.agents) {
      if (a.status === 'idle' && a.role !== 'ceo' && waiting.some((i) => !i.assigneeUserId && (!i.assigneeAgentId || i.assigneeAgentId === a.id))) n++;
      if (a.status === 'error' && held.get(a.id)) n++;
      if (a.status === 'paused') n++;
      const hb = a.runtimeConfig?.heartbeat ?? {};
      if (a.role === 'ceo' ? !(hb.enabled === true && hb.intervalSec === 900) : hb.enabled === true || hb.wakeOnDemand === false) n++;
      const pol = policies.get(a.id);
      const budget = pol && pol.isActive ? pol.amount : a.budgetMonthlyCents;
      const pct = budget > 0 ? (a.spentMonthlyCents / budget) * 100 : 0;
      if (budget > 0 && pct >= 100) n++;
      else if (budget > 0 && pct >= (pol?.warnPercent ?? 80)) n++;
      if (a.budgetMonthlyCents > 0 && !(pol && pol.isActive)) n++;
      const burn = (recent.get(a.id) ?? 0) / 7;
      if (budget > 0 && a.spentMonthlyCents < budget && burn > 0 && now.getTime() + ((budget - a.spentMonthlyCents) / burn) * DAY < monthEnd) n++;
      if (a.status === 'paused' && a.pauseReason === 'budget' && a.pausedAt && Date.parse(a.pausedAt) < monthStart) n++;
    }
    for (const i of c.issues) {
      n += detectSecrets(`${i.title}\n${i.description ?? ''}`).length;
      if (i.status === 'blocked') {
        const since = Date.parse(i.updatedAt) - 5000;
        const cs = c.comments[i.id] ?? [];
        if (cs.some((k) => k.authorType === 'system' && Date.parse(k.createdAt) >= since)) n++;
        else if (!cs.some((k) => !k.deletedAt && Date.parse(k.createdAt) >= since)) n++;
      }
    }
    for (const list of Object.values(c.comments)) for (const k of list) if (!k.deletedAt && k.body) n += detectSecrets(k.body).length;
  }
  return n;
}
