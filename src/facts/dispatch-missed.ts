// The `dispatchMissed` fact of an agent: issues it could take that waited past the CEO's dispatch interval
// while it sat idle (ops/dispatch-missed). Its windows are params of the rules that use it.
import { arr, N, nul, obj, S, type Shape } from '../engine/shape.js';
import { LIVE_RUN, MINUTE, runTime } from '../sources/paperclip/model.js';
import type { Agent, Issue, Run } from '../sources/paperclip/records.js';
import { issueSummaryShape } from './record-shapes.js';
import { issueSummary } from './agent-work.js';
import type { FactFamily } from './family.js';

export const dispatchMissedFamily = {
  facts: {
    agent: {
      dispatchMissed: obj({
        ceoIntervalSec: N,
        thresholdMinutes: N,
        idleSince: nul(S),
        issues: arr(obj({ ...(issueSummaryShape as { props: Record<string, Shape> }).props, waitingSince: S, waitedMinutes: N })),
      }),
    },
  },
  params: { dispatchMissed: { intervals: 2, defaultCeoIntervalSec: 900 } },
} satisfies FactFamily;

/** The CEO's dispatch interval: its heartbeat timer, when on. */
export function ceoTimerSec(a: Agent): number {
  return a.runtimeConfig?.heartbeat?.enabled === true ? (a.runtimeConfig.heartbeat.intervalSec ?? 0) : 0;
}

/**
 * The dispatches the CEO's heartbeat missed for one agent: issues it could take that have waited longer than
 * the threshold while it sat idle the whole time (idle since its last run ended, or since it was created).
 * An issue waits since its last update (creation, release, edit): an edit restarts the clock, so this
 * under-reports rather than blames the CEO for time it cannot see.
 */
export function dispatchMissedFacts(agent: Agent, agentRuns: Run[], assignable: Issue[], o: { now: Date; ceoIntervalSec: number; thresholdMinutes: number; waitingSince?: Map<Issue, number> }) {
  const base = { ceoIntervalSec: o.ceoIntervalSec, thresholdMinutes: o.thresholdMinutes };
  if (agent.status !== 'idle') return { ...base, idleSince: null, issues: [] };
  const last = agentRuns[0] ?? null;
  if (last && LIVE_RUN.has(last.status)) return { ...base, idleSince: null, issues: [] };
  const idleSince = Math.max(last ? runTime(last) : -Infinity, Date.parse(agent.createdAt) || -Infinity);
  const issues: (ReturnType<typeof issueSummary> & { waitingSince: string; waitedMinutes: number })[] = [];
  for (const i of assignable) {
    // The issues open to all are the same for every idle agent of the company: parse their times once.
    let waitingSince = o.waitingSince?.get(i);
    if (waitingSince === undefined) {
      waitingSince = Math.max(Date.parse(i.createdAt) || -Infinity, Date.parse(i.updatedAt) || -Infinity);
      o.waitingSince?.set(i, waitingSince);
    }
    const waitedMs = o.now.getTime() - waitingSince;
    // Compared in milliseconds: a short CEO interval (seconds) must not be rounded away.
    if (!Number.isFinite(waitingSince) || waitedMs < o.thresholdMinutes * MINUTE || idleSince > waitingSince) continue;
    issues.push({ ...issueSummary(i), waitingSince: new Date(waitingSince).toISOString(), waitedMinutes: Math.floor(waitedMs / MINUTE) });
    if (issues.length === 10) break;
  }
  return { ...base, idleSince: Number.isFinite(idleSince) ? new Date(idleSince).toISOString() : null, issues };
}

