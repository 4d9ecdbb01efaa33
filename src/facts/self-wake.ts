// The `selfWake` fact of an agent: its runs woken by comments it wrote itself, counted across clipguard's
// session resets (ops/agent-self-wake-runaway pauses past a count). Its window is a param of the rules that use
// it; the comments that woke its runs are read for it.
import { arr, N, nul, obj, S } from '../engine/shape.js';
import { LIVE_RUN, MINUTE, runIssueId } from '../sources/paperclip/model.js';
import type { Issue, Run } from '../sources/paperclip/records.js';
import type { FactFamily } from './family.js';
import { streakIssueLabel } from './loop.js';

export const selfWakeFamily = {
  facts: {
    agent: {
      selfWake: obj({
        streak: N,
        runIds: arr(S),
        commentIds: arr(S),
        issueIds: arr(S),
        issues: S,
        windowMinutes: N,
        firstAt: nul(S),
        lastAt: nul(S),
        resetsDuring: N,
      }),
    },
  },
  params: { selfWake: { windowMinutes: 720 } },
  reads: { selfWake: ['wakeComments'] },
} satisfies FactFamily;

/**
 * Runs woken by the agent's own comments, newest first: the finished runs within the window whose waking
 * comment (`contextSnapshot.wakeCommentId`) the agent wrote (runs woken otherwise in between do not count and
 * do not break the count). Unlike the `loop` fact, clipguard's
 * session resets do not restart the count: a loop that a reset did not stop is what ops/agent-self-wake-runaway
 * pauses (Paperclip #5713: 44 runs overnight). A comment that was not read is not counted (under-reports).
 */
export function selfWakeFacts(agentRuns: Run[], issuesById: Map<string, Issue>, o: { now: Date; windowMinutes: number; resets: string[]; selfWoken: (r: Run) => string | null }) {
  const since = o.now.getTime() - o.windowMinutes * MINUTE;
  const streak: { r: Run; c: string }[] = [];
  for (const r of agentRuns) {
    if (LIVE_RUN.has(r.status)) continue;
    if (Date.parse(r.createdAt) < since) break;
    const c = o.selfWoken(r);
    if (c) streak.push({ r, c });
  }
  const issueIds = [...new Set(streak.map((s) => runIssueId(s.r)).filter((x): x is string => typeof x === 'string'))];
  const firstAt = streak.length ? streak[streak.length - 1].r.createdAt : null;
  const lastAt = streak.length ? streak[0].r.createdAt : null;
  // A reset between the first and the newest run of the streak: the agent went on waking itself after it.
  const inStreak = (t: string) => firstAt !== null && lastAt !== null && Date.parse(t) >= Date.parse(firstAt) && Date.parse(t) < Date.parse(lastAt);
  return {
    streak: streak.length,
    runIds: streak.slice(0, 10).map((s) => s.r.id),
    commentIds: streak.slice(0, 10).map((s) => s.c),
    issueIds,
    issues: streakIssueLabel(streak.map((s) => s.r), issuesById).replace(/^ on /, '') || 'no issue',
    windowMinutes: o.windowMinutes,
    firstAt,
    lastAt,
    resetsDuring: o.resets.filter(inStreak).length,
  };
}

