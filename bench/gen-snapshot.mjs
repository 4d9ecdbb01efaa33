// Seeded generator of a large Paperclip snapshot (agents, issues, comments) for the engine benchmark.
// Nothing large is committed: the data is made at run time from the seed. In-progress work is held by
// running (and some error) agents, so idle agents hold nothing and the dispatch rule has work to match;
// about one comment in 2,000 and one issue in 5,000 carries a (fake, generated) credential.
import { fakeSample, SELF_CONTAINED_KINDS } from '../test/helpers/fake-secrets.mjs';

export function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STATUSES = ['idle', 'idle', 'idle', 'running', 'running', 'error', 'paused'];
const ISSUE_STATUSES = ['backlog', 'todo', 'todo', 'in_progress', 'in_progress', 'in_review', 'done', 'done', 'done', 'blocked'];
const PRIORITIES = ['critical', 'high', 'medium', 'medium', 'low'];
const WORDS = 'deploy fix the build refactor agent budget report issue checkout review merge ship docs tests ci pipeline 修正 部署 測試 文件 預算'.split(' ');

export function makeSnapshot({ agents = 1000, issues = 100_000, comments = 300_000, companies = 10, seed = 42 } = {}) {
  const r = rng(seed);
  const pick = (a) => a[Math.floor(r() * a.length)];
  const text = (n) => Array.from({ length: n }, () => pick(WORDS)).join(' ');
  const iso = (d) => new Date(Date.UTC(2026, 10, 1) + d * 86400000).toISOString();
  const leak = () => fakeSample(pick(SELF_CONTAINED_KINDS), Math.floor(r() * 1e9)).text;
  const out = [];
  for (let c = 0; c < companies; c++) {
    const company = { id: `c-${c}`, name: `Company ${c}`, status: 'active', issuePrefix: `C${c}`, budgetMonthlyCents: 34000, spentMonthlyCents: Math.floor(r() * 40000), pauseReason: null, createdAt: iso(0), updatedAt: iso(0) };
    const as = [];
    for (let i = 0; i < agents / companies; i++) {
      const status = pick(STATUSES);
      const role = i === 0 ? 'ceo' : pick(['engineer', 'engineer', 'designer', 'qa', 'pm']);
      const budget = r() < 0.7 ? 10000 : 0;
      as.push({ id: `a-${c}-${i}`, companyId: company.id, name: `Agent ${c}-${i}`, role, status, adapterType: 'process', runtimeConfig: { heartbeat: role === 'ceo' ? { enabled: true, intervalSec: 900 } : { enabled: r() < 0.1, wakeOnDemand: true } }, budgetMonthlyCents: budget, spentMonthlyCents: Math.floor(r() * 13000), pauseReason: status === 'paused' ? pick(['manual', 'budget']) : null, pausedAt: status === 'paused' ? iso(3) : null, errorReason: status === 'error' ? 'adapter_failed' : null, createdAt: iso(0), updatedAt: iso(0) });
    }
    const busy = as.filter((a) => a.status === 'running' || a.status === 'error');
    const is = [];
    const cs = {};
    const perCompany = issues / companies;
    for (let i = 0; i < perCompany; i++) {
      const status = pick(ISSUE_STATUSES);
      const assignee = status === 'in_progress' && busy.length ? pick(busy).id : status === 'todo' && r() < 0.3 ? pick(as).id : null;
      const id = `i-${c}-${i}`;
      is.push({ id, companyId: company.id, identifier: `C${c}-${i + 1}`, title: text(6), description: r() < 0.0002 ? `${text(20)} ${leak()} ${text(20)}` : text(40), status, priority: pick(PRIORITIES), assigneeAgentId: assignee, assigneeUserId: null, createdAt: iso(r() * 14), updatedAt: iso(14 + r()) });
    }
    const perComment = comments / companies;
    for (let k = 0; k < perComment; k++) {
      const issue = is[Math.floor(r() * is.length)];
      (cs[issue.id] ??= []).push({ id: `k-${c}-${k}`, companyId: company.id, issueId: issue.id, authorType: pick(['user', 'agent', 'agent']), authorAgentId: null, authorUserId: null, body: r() < 0.0005 ? `${text(12)}\n${leak()}\n${text(12)}` : text(25), deletedAt: r() < 0.01 ? iso(14.6) : null, createdAt: iso(14.5), updatedAt: iso(14.5) });
    }
    const policies = as.filter((a) => a.budgetMonthlyCents > 0 && r() < 0.9).map((a) => ({ scopeType: 'agent', scopeId: a.id, amount: a.budgetMonthlyCents, warnPercent: 80, isActive: true, hardStopEnabled: true, windowKind: 'calendar_month_utc' }));
    out.push({ company, agents: as, issues: is, comments: cs, runs: [], budgets: { policies, activeIncidents: [] }, recentCosts: { byAgent: as.map((a) => ({ agentId: a.id, costCents: Math.floor(r() * 5000) })), from: iso(7), to: iso(14) } });
  }
  return out;
}
