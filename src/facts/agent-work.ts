// The work facts of an agent (what it could take, what it holds, its recent runs, its heartbeat) and the
// company's agent counts: plain lists and counts over the snapshot, built in sources/paperclip/subjects.ts
// with issueSummary from here (ops/idle-agent-backlog, the checkout and release actions).
import { arr, B, N, nul, obj, opt, S, type Shape } from '../engine/shape.js';
import type { Issue } from '../sources/paperclip/records.js';
import { issueSummaryShape } from './record-shapes.js';
import type { FactFamily } from './family.js';

export const runShape = obj({
  id: S,
  agentId: S,
  status: S,
  issueId: nul(S),
  taskKey: nul(S),
  createdAt: S,
  finishedAt: nul(S),
  error: nul(S),
});

export const agentWorkFamily = {
  facts: {
    agent: {
      assignableIssues: arr(issueSummaryShape),
      /** `waitingOn`: an unresolved blocker, so a release + re-checkout would stop half-way (the checkout is refused, 422). */
      heldIssues: arr(obj({ ...(issueSummaryShape as { props: Record<string, Shape> }).props, waitingOn: opt(S) })),
      heartbeat: obj({ enabled: B, intervalSec: nul(N), wakeOnDemand: B }),
      recentRuns: arr(runShape),
    },
    company: {
      agentCounts: obj({ total: N, idle: N, running: N, error: N, paused: N }),
      /** The agent and issue lists read whole (every record valid): one not in them is gone (the pending completions). */
      listed: nul(obj({ agents: B, issues: B })),
    },
  },
} satisfies FactFamily;

/** An issue as the agent facts list it (assignable, held, missed dispatches). */
export type IssueSummary = ReturnType<typeof issueSummary>;

export function issueSummary(i: Issue) {
  return { id: i.id, identifier: i.identifier, title: i.title, status: i.status, priority: i.priority, assigneeAgentId: i.assigneeAgentId ?? null, createdAt: i.createdAt, updatedAt: i.updatedAt };
}

