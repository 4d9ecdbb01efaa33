// The `blocked` fact of an issue: for a blocked issue, whether the server blocked it (and the run behind it),
// since when, whether anyone said why since, and what it waits on (ops/blocked-without-reason,
// ops/server-blocked-issue).
import { B, N, nul, obj, S } from '../engine/shape.js';
import { sinceBlocked, systemBlock, unresolvedBlocker } from '../sources/paperclip/model.js';
import type { Activity, Comment, Issue, Run } from '../sources/paperclip/records.js';
import type { FactFamily } from './family.js';

export const blockedFamily = {
  facts: {
    issue: {
      blocked: obj({
        bySystem: B,
        commentsSinceBlocked: N,
        evidenceRead: B,
        blockedSince: nul(S),
        systemReason: nul(S),
        runId: nul(S),
        run: nul(obj({ id: S, agentId: S, status: S, error: nul(S), finishedAt: nul(S) })),
        runSummary: nul(S),
        waitingOn: nul(S),
      }),
    },
  },
} satisfies FactFamily;

// The `blocked` fact of every issue that is not blocked (most of them): one shared, frozen object.
const NOT_BLOCKED = Object.freeze({ bySystem: false, systemReason: null, runId: null, run: null, runSummary: null, blockedSince: null, commentsSinceBlocked: 0, evidenceRead: true, waitingOn: null });

export interface BlockedInputs {
  /** The issue's comments, oldest first (masked). */
  comments: readonly Comment[];
  /** Its activity entries, newest first (read for blocked issues only). */
  activity: readonly Activity[];
  /** A run by id: the company's recent runs, then the runs read for a server block. */
  runOf: (id: string) => Run | null;
  /** False when the comments or activity that would show who blocked it, or why, could not be read. */
  evidenceRead: boolean;
  statusOf: (id: string) => string | undefined;
}

export function blockedFacts(issue: Issue, o: BlockedInputs) {
  if (issue.status !== 'blocked') return NOT_BLOCKED;
  const blockedSince = sinceBlocked(issue);
  const sys = systemBlock(issue, o.comments, o.activity);
  const blockRun = sys.runId ? o.runOf(sys.runId) : null;
  return {
    ...sys,
    run: blockRun ? { id: blockRun.id, agentId: blockRun.agentId, status: blockRun.status, error: blockRun.error ?? null, finishedAt: blockRun.finishedAt ?? null } : null,
    runSummary: sys.bySystem ? runSummary(sys.runId, blockRun) : null,
    blockedSince,
    // As instants, as the comment action's re-read compares them (strings with and without milliseconds differ).
    commentsSinceBlocked: o.comments.filter((c) => !c.deletedAt && c.authorType !== 'system' && Date.parse(c.createdAt) >= Date.parse(blockedSince)).length,
    // "no reason recorded" is unknown, not true, when the evidence could not be read (and a comment would wake the assignee).
    evidenceRead: o.evidenceRead,
    // An unresolved issue in its blockedBy is a recorded reason: it waits for that issue.
    waitingOn: blockerLabel(unresolvedBlocker(issue, o.statusOf)),
  };
}

/** "run 2df62859… (failed: HTTP adapter …)" for a message; the id alone when the run is unknown. */
function runSummary(runId: string | null, run: Run | null): string {
  if (!runId) return 'an unknown run';
  if (!run) return `run ${runId}`;
  return `run ${runId} (${run.status}${run.error ? `: ${String(run.error).slice(0, 160)}` : ''})`;
}

export function blockerLabel(b: { id?: string; identifier?: string; status: string } | undefined): string | null {
  return b ? `${b.identifier ?? b.id ?? 'an issue'} (${b.status})` : null;
}

