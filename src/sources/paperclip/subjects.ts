// Turns what the Paperclip source read (a snapshot) into subjects with the facts rules look at.
// Pure and synchronous: the same snapshot always gives the same subjects, which is what rule fixtures
// and the engine benchmark rely on.

import type { Subject } from '../../types.js';
import { budgetFacts, type BudgetInputs } from './budget.js';

export const PRIORITY_ORDER: Record<string, number> = { critical: 0, high: 1, medium: 2, low: 3 };
const ASSIGNABLE = new Set(['backlog', 'todo']);
// The `blocked` fact of every issue that is not blocked (most of them): one shared, frozen object.
const NOT_BLOCKED = Object.freeze({ bySystem: false, systemReason: null, runId: null, blockedSince: null, commentsSinceBlocked: 0 });

export interface SnapshotCompany {
  company: any;
  agents: any[];
  issues: any[];
  comments?: Record<string, any[]>;
  runs?: any[];
  budgets?: any | null;
  monthCosts?: { byAgent: any[] } | null;
  recentCosts?: { byAgent: any[]; from: string; to: string } | null;
}

export interface SubjectOptions {
  now: Date;
  /** Detector over free text (secrets); returns masked matches with `line`/`column` relative to the text. */
  detectSecrets?: (text: string) => Record<string, unknown>[];
  budget: { companyMonthlyCents: number | null; forecastWindowDays: number; warnPercent?: number };
  /** Agents whose loop rule is cooling down after a session reset (agent id -> until ISO). */
  coolingDown?: Record<string, string>;
}

export function issueSummary(i: any) {
  return { id: i.id, identifier: i.identifier, title: i.title, status: i.status, priority: i.priority, assigneeAgentId: i.assigneeAgentId ?? null, createdAt: i.createdAt, updatedAt: i.updatedAt };
}

/** Priority first (critical > high > medium > low), then oldest, then identifier for a stable order. */
export function compareIssues(a: any, b: any): number {
  return (PRIORITY_ORDER[a.priority] ?? 9) - (PRIORITY_ORDER[b.priority] ?? 9) || String(a.createdAt).localeCompare(String(b.createdAt)) || String(a.identifier).localeCompare(String(b.identifier));
}

export function isAssignableTo(issue: any, agentId: string): boolean {
  if (!ASSIGNABLE.has(issue.status)) return false;
  if (issue.assigneeUserId) return false;
  if (issue.assigneeAgentId && issue.assigneeAgentId !== agentId) return false;
  const blockers = Array.isArray(issue.blockedBy) ? issue.blockedBy : [];
  return !blockers.some((b: any) => b && b.status !== 'done' && b.status !== 'cancelled');
}

/** Was the issue blocked by the server (a run that ended without a disposition, the recovery sweep)? */
export function systemBlock(issue: any, comments: any[]): { bySystem: boolean; systemReason: string | null; runId: string | null } {
  const sys = comments.filter((c) => c.authorType === 'system' && !c.deletedAt && c.createdAt >= sinceBlocked(issue));
  const recovery = issue.activeRecoveryAction ?? issue.executionState?.blocker ?? null;
  if (sys.length || recovery) {
    const c = sys[sys.length - 1];
    return {
      bySystem: true,
      systemReason: c ? String(c.body ?? '').slice(0, 300) : typeof recovery === 'object' ? String(recovery.kind ?? recovery.reason ?? 'execution recovery') : String(recovery),
      runId: c?.createdByRunId ?? c?.metadata?.runId ?? recovery?.runId ?? issue.originRunId ?? null,
    };
  }
  return { bySystem: false, systemReason: null, runId: null };
}

function sinceBlocked(issue: any): string {
  // The list API has no "status changed at"; updatedAt is the last change, so a comment made in the same
  // PATCH as the status change (or after it) counts. A few seconds of slack covers the two writes.
  const t = Date.parse(issue.updatedAt);
  return Number.isNaN(t) ? '' : new Date(t - 5000).toISOString();
}

export function paperclipSubjects(companies: SnapshotCompany[], opts: SubjectOptions): Subject[] {
  const out: Subject[] = [];
  for (const snap of companies) {
    const company = snap.company;
    const agents = snap.agents ?? [];
    const issues = snap.issues ?? [];
    const comments = snap.comments ?? {};
    const runs = snap.runs ?? [];
    const agentById = new Map(agents.map((a) => [a.id, a]));
    // Assignable issues, best first: the ones nobody holds (shared by every agent) and, per agent, the ones
    // already assigned to it. Filtering the whole waiting list per agent would cost agents x issues.
    const waiting = issues.filter((i) => ASSIGNABLE.has(i.status)).sort(compareIssues);
    const openToAll: any[] = [];
    const waitingFor = new Map<string, any[]>();
    for (const i of waiting) {
      if (i.assigneeAgentId && !i.assigneeUserId) {
        const list = waitingFor.get(i.assigneeAgentId) ?? [];
        list.push(i);
        waitingFor.set(i.assigneeAgentId, list);
      } else if (isAssignableTo(i, '')) {
        openToAll.push(i);
      }
    }
    const runsByAgent = new Map<string, any[]>();
    for (const r of runs) {
      const list = runsByAgent.get(r.agentId) ?? [];
      list.push(r);
      runsByAgent.set(r.agentId, list);
    }
    const held = new Map<string, any[]>();
    for (const i of issues) {
      if (i.status === 'in_progress' && i.assigneeAgentId) {
        const list = held.get(i.assigneeAgentId) ?? [];
        list.push(issueSummary(i));
        held.set(i.assigneeAgentId, list);
      }
    }
    const budgetIn: BudgetInputs = { now: opts.now, budgets: snap.budgets ?? null, recentCosts: snap.recentCosts ?? null, ...opts.budget };
    const prefix = company.issuePrefix ?? company.name;

    out.push({
      type: 'company',
      id: company.id,
      label: `${company.name} (${prefix})`,
      source: 'paperclip',
      facts: {
        company,
        budget: budgetFacts('company', company, budgetIn),
        agentCounts: {
          total: agents.length,
          idle: agents.filter((a) => a.status === 'idle').length,
          running: agents.filter((a) => a.status === 'running').length,
          error: agents.filter((a) => a.status === 'error').length,
          paused: agents.filter((a) => a.status === 'paused').length,
        },
      },
    });

    for (const agent of agents) {
      const hb = agent.runtimeConfig?.heartbeat ?? {};
      const recentRuns = (runsByAgent.get(agent.id) ?? []).slice(0, 20).map((r) => ({
        id: r.id,
        agentId: r.agentId,
        status: r.status,
        issueId: r.contextSnapshot?.issueId ?? r.issueId ?? null,
        taskKey: r.contextSnapshot?.taskKey ?? null,
        createdAt: r.createdAt,
        finishedAt: r.finishedAt ?? null,
        error: r.error ?? null,
      }));
      out.push({
        type: 'agent',
        id: agent.id,
        label: `${agent.name} (${prefix})`,
        source: 'paperclip',
        facts: {
          agent,
          company,
          assignableIssues: firstAssignable(openToAll, waitingFor.get(agent.id) ?? [], agent.id, 50).map(issueSummary),
          heldIssues: held.get(agent.id) ?? [],
          budget: budgetFacts('agent', agent, budgetIn),
          heartbeat: { enabled: hb.enabled === true, intervalSec: typeof hb.intervalSec === 'number' ? hb.intervalSec : null, wakeOnDemand: hb.wakeOnDemand !== false },
          recentRuns,
        },
      });
    }

    for (const issue of issues) {
      const cs = comments[issue.id] ?? [];
      let summary: ReturnType<typeof issueSummary> | undefined;
      const isBlocked = issue.status === 'blocked';
      const blockedSince = isBlocked ? sinceBlocked(issue) : null;
      const text = `${issue.title ?? ''}\n${issue.description ?? ''}`;
      const assigneeRuns = issue.assigneeAgentId ? (runsByAgent.get(issue.assigneeAgentId) ?? []) : [];
      out.push({
        type: 'issue',
        id: issue.id,
        label: issue.identifier ?? issue.id,
        source: 'paperclip',
        facts: {
          issue,
          company,
          assignee: issue.assigneeAgentId ? (agentById.get(issue.assigneeAgentId) ?? null) : null,
          blocked: isBlocked
            ? { ...systemBlock(issue, cs), blockedSince, commentsSinceBlocked: blockedSince ? cs.filter((c) => !c.deletedAt && c.authorType !== 'system' && c.createdAt >= blockedSince).length : 0 }
            : NOT_BLOCKED,
          lastRunOfAssigneeAt: assigneeRuns[0]?.createdAt ?? null,
          secrets: opts.detectSecrets ? withField(opts.detectSecrets(text), (m) => (Number(m.line) === 1 ? 'title' : 'description')) : [],
        },
      });
      for (const c of cs) {
        if (c.deletedAt || !c.body) continue;
        out.push({
          type: 'comment',
          id: c.id,
          label: `${issue.identifier ?? issue.id} comment ${String(c.id).slice(0, 8)}`,
          source: 'paperclip',
          facts: { comment: c, issue: (summary ??= issueSummary(issue)), secrets: opts.detectSecrets ? withField(opts.detectSecrets(c.body), () => 'body') : [] },
        });
      }
    }
  }
  return out;
}

/** The first `n` issues assignable to the agent from two lists sorted by compareIssues, in that order. */
function firstAssignable(open: any[], own: any[], agentId: string, n: number): any[] {
  const mine = own.filter((i) => isAssignableTo(i, agentId));
  const out: any[] = [];
  let a = 0;
  let b = 0;
  while (out.length < n && (a < open.length || b < mine.length)) {
    if (b >= mine.length || (a < open.length && compareIssues(open[a], mine[b]) <= 0)) out.push(open[a++]);
    else out.push(mine[b++]);
  }
  return out;
}

function withField(matches: Record<string, unknown>[], field: (m: Record<string, unknown>) => string) {
  return matches.length === 0 ? matches : matches.map((m) => ({ ...m, field: field(m) }));
}
