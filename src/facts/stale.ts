// The `stale` fact of an issue: how long its assignee has not run while it is in progress (ops/stale-issue).
import { N, nul, obj, S } from '../engine/shape.js';
import { LIVE_RUN, MINUTE, runTime } from '../sources/paperclip/model.js';
import type { Agent, Issue, Run } from '../sources/paperclip/records.js';
import type { FactFamily } from './family.js';

export const staleFamily = {
  facts: {
    issue: {
      lastRunOfAssigneeAt: nul(S),
      stale: obj({ minutesWithoutAssigneeRun: nul(N), since: nul(S), lastAssigneeRunAt: nul(S), assigneeStatus: nul(S) }),
    },
  },
} satisfies FactFamily;

/** When the assignee's newest run was created (or null): the `lastRunOfAssigneeAt` fact. */
export function lastRunOfAssigneeAt(assigneeRuns: Run[]): string | null {
  return assigneeRuns[0]?.createdAt ?? null;
}

// Most issues are not in progress: one shared frozen `stale` value per assignee status, not one per issue.
const NOT_STALE = new Map<unknown, object>();
function notStale(assigneeStatus: unknown) {
  let v = NOT_STALE.get(assigneeStatus);
  if (!v) {
    v = Object.freeze({ minutesWithoutAssigneeRun: null, since: null, lastAssigneeRunAt: null, assigneeStatus });
    if (NOT_STALE.size < 64) NOT_STALE.set(assigneeStatus, v);
  }
  return v as { minutesWithoutAssigneeRun: null; since: null; lastAssigneeRunAt: null; assigneeStatus: string | null };
}

/**
 * How long an in-progress issue's assignee has not run: since its newest run did something, or since the
 * issue went in progress if that is later (or the assignee never ran). A run in flight counts as running now.
 */
export function staleFacts(issue: Issue, assignee: Agent | null, assigneeRuns: Run[], now: Date) {
  if (issue.status !== 'in_progress' || !issue.assigneeAgentId) return notStale(assignee?.status ?? null);
  const last = assigneeRuns[0] ?? null;
  const lastAt = last ? (LIVE_RUN.has(last.status) ? now.getTime() : runTime(last)) : NaN;
  const started = Date.parse(issue.startedAt ?? issue.createdAt);
  const since = Math.max(Number.isNaN(lastAt) ? -Infinity : lastAt, Number.isNaN(started) ? -Infinity : started);
  const ok = Number.isFinite(since);
  return {
    minutesWithoutAssigneeRun: ok ? Math.max(0, Math.floor((now.getTime() - since) / MINUTE)) : null,
    since: ok ? new Date(since).toISOString() : null,
    lastAssigneeRunAt: last ? new Date(runTime(last)).toISOString() : null,
    assigneeStatus: assignee?.status ?? null,
  };
}

