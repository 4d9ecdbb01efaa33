// The `loop` fact of an agent: its run streaks (failed runs in a row, runs on one issue that kept its status,
// runs woken by its own comments), for ops/agent-looping and the reset-session action. Its windows are params
// of the rules that use it; the comments that woke its runs are read for it (who wrote them).
import { arr, B, N, nul, obj, S } from '../engine/shape.js';
import { FAILED_RUN, LIVE_RUN, MINUTE, runIssueId, statusSince } from '../sources/paperclip/model.js';
import type { Issue, Run } from '../sources/paperclip/records.js';
import type { FactFamily } from './family.js';

export const loopFamily = {
  facts: {
    agent: {
      loop: obj({
        failedStreak: N,
        sameIssueStreak: N,
        issueId: nul(S),
        issueIdentifier: nul(S),
        runIds: arr(S),
        taskKey: nul(S),
        lastError: nul(S),
        /** Which streak `runIds` and `reason` are about: failure, same-issue, self-wake or none. */
        by: S,
        /** Finished runs within the window, after the last reset, woken by a comment this agent wrote. */
        selfWakeStreak: N,
        selfWakeCommentIds: arr(S),
        reason: S,
        windowMinutes: N,
        lastResetAt: nul(S),
        coolingDown: B,
      }),
    },
  },
  params: { loop: { runs: 5, windowMinutes: 60, cooldownMinutes: 120 } },
  reads: { loop: ['wakeComments'] },
} satisfies FactFamily;

/** The `loop` fact of an agent. */
export type LoopFacts = ReturnType<typeof loopFacts>;

/**
 * Run streaks of one agent, newest first: its last finished runs that all failed, its last finished runs
 * on one issue within the window while the issue kept its status, and its finished runs within the window that
 * a comment it wrote itself woke (`selfWoken`). Runs before clipguard's last session reset
 * of the agent do not count (the reset started a fresh session), and in-flight runs are not judged yet.
 */
export function loopFacts(
  agentRuns: Run[],
  issuesById: Map<string, Issue>,
  o: { now: Date; runs: number; windowMinutes: number; cooldownMinutes: number; resetAt: string | null; selfWoken?: (r: Run) => string | null },
) {
  const resetMs = o.resetAt ? Date.parse(o.resetAt) : -Infinity;
  const finished = agentRuns.filter((r) => !LIVE_RUN.has(r.status) && Date.parse(r.createdAt) > resetMs);
  // Runs woken by a comment the agent wrote itself (Paperclip #13513, #5935): each run writes the comment that
  // starts the next. Counted within the window; runs woken otherwise in between (the server's own follow-up
  // runs, a person's comment) do not break the count: they do not stop the agent answering itself.
  const selfWake: Run[] = [];
  const selfWakeComments: string[] = [];
  if (o.selfWoken) {
    const since = o.now.getTime() - o.windowMinutes * MINUTE;
    for (const r of finished) {
      if (Date.parse(r.createdAt) < since) break;
      const c = o.selfWoken(r);
      if (!c) continue;
      selfWake.push(r);
      selfWakeComments.push(c);
    }
  }
  const failed: Run[] = [];
  for (const r of finished) {
    if (!FAILED_RUN.has(r.status)) break;
    failed.push(r);
  }
  const same: Run[] = [];
  const issueId = finished.length ? runIssueId(finished[0]) : null;
  const issue = issueId ? (issuesById.get(issueId) ?? null) : null;
  if (issueId) {
    const since = Math.max(o.now.getTime() - o.windowMinutes * MINUTE, (issue && statusSince(issue)) ?? -Infinity);
    for (const r of finished) {
      if (runIssueId(r) !== issueId || Date.parse(r.createdAt) < since) break;
      same.push(r);
    }
  }
  const byFailure = failed.length >= same.length && failed.length >= selfWake.length;
  // Runs woken by the agent's own comments on one issue are also a streak on that issue (with the server's own
  // follow-up runs between them, a longer one): past the threshold, the more telling reason wins.
  const bySelfWake = !byFailure && (selfWake.length >= same.length || selfWake.length >= o.runs);
  const streak = (byFailure ? failed : bySelfWake ? selfWake : same).slice(0, o.runs);
  // The reset can target the task's session only when every run of the streak shares one task key.
  const keys = new Set(streak.map((r) => r.contextSnapshot?.taskKey ?? null));
  const taskKey = keys.size === 1 ? [...keys][0] : null;
  const streakIssues = new Set(streak.map(runIssueId));
  const streakIssueId = streakIssues.size === 1 ? [...streakIssues][0] : null;
  const label = issue?.identifier ?? issueId;
  const lastError = failed[0]?.error ? String(failed[0].error).slice(0, 200) : null;
  const reason = !streak.length
    ? 'no run streak'
    : byFailure
      ? `its last ${failed.length} run(s) failed${lastError ? ` (${lastError})` : ''}`
      : bySelfWake
        ? `${selfWake.length} of its runs within ${o.windowMinutes} min were woken by comments it wrote itself${streakIssueLabel(selfWake, issuesById)}`
        : `${same.length} run(s) in a row on ${label} within ${o.windowMinutes} min${issue ? ` while it stayed ${issue.status}` : ''}`;
  const resetAge = o.resetAt ? o.now.getTime() - Date.parse(o.resetAt) : Infinity;
  return {
    failedStreak: failed.length,
    sameIssueStreak: same.length,
    issueId: streakIssueId,
    issueIdentifier: streakIssueId ? (issuesById.get(streakIssueId)?.identifier ?? streakIssueId) : null,
    runIds: streak.map((r) => r.id),
    taskKey,
    lastError,
    /** Which streak `runIds` and `reason` are about. */
    by: !streak.length ? 'none' : byFailure ? 'failure' : bySelfWake ? 'self-wake' : 'same-issue',
    selfWakeStreak: selfWake.length,
    selfWakeCommentIds: selfWakeComments.slice(0, o.runs),
    reason,
    windowMinutes: o.windowMinutes,
    lastResetAt: o.resetAt,
    coolingDown: resetAge >= 0 && resetAge < o.cooldownMinutes * MINUTE,
  };
}

/** " on ACM-3" when every run of the streak is on one issue, " on ACM-3, ACM-4" for a few, else "". */
export function streakIssueLabel(runs: Run[], issuesById: Map<string, Issue>): string {
  const ids = [...new Set(runs.map(runIssueId).filter((x): x is string => typeof x === 'string'))];
  if (!ids.length) return '';
  const labels = ids.slice(0, 3).map((id) => issuesById.get(id)?.identifier ?? id);
  return ` on ${labels.join(', ')}${ids.length > 3 ? ` and ${ids.length - 3} more` : ''}`;
}

