// The hard stop during a run (Paperclip #11276: a hard stop did not end a run in progress, $5.11 spent against
// a $0.50 cap; #769: agents keep working after the budget is exceeded). The `liveRuns` fact of an agent: its
// queued and running runs from GET /companies/{id}/live-runs, read only when a selected rule uses the fact
// (sources/needs.ts). The budget fact says how far past the stop threshold the spend is (facts/budget.ts).

import { arr, B, N, nul, obj, S } from '../engine/shape.js';
import type { LiveRun } from '../sources/paperclip/records.js';
import type { FactFamily } from './family.js';

export const liveRunsFamily = {
  facts: {
    agent: {
      liveRuns: obj({
        read: B,
        count: N,
        runIds: arr(S),
        runs: arr(obj({ id: S, status: S, issueId: nul(S), startedAt: nul(S), minutes: nul(N) })),
        summary: S,
      }),
    },
  },
  // GET /companies/{id}/live-runs: one request per company, only for a rule that uses the fact.
  reads: { liveRuns: ['liveRuns'] },
} satisfies FactFamily;

const LIVE = new Set(['queued', 'running']);
const MINUTE = 60_000;

export interface LiveRunFacts {
  /** False when the live runs were not read (no rule needed them, or the read failed): count is then 0. */
  read: boolean;
  count: number;
  runIds: string[];
  runs: { id: string; status: string; issueId: string | null; startedAt: string | null; minutes: number | null }[];
  /** "run 2df6… (running 12 min)" for a message; "no live run" when none. */
  summary: string;
}

const NOT_READ: LiveRunFacts = Object.freeze({ read: false, count: 0, runIds: [], runs: [], summary: 'live runs not read' }) as LiveRunFacts;
const NONE: LiveRunFacts = Object.freeze({ read: true, count: 0, runIds: [], runs: [], summary: 'no live run' }) as LiveRunFacts;

/** Index the company's live runs by agent once (the list holds every agent's). */
export function liveRunsByAgent(rows: LiveRun[] | null | undefined): Map<string, LiveRun[]> | null {
  if (!Array.isArray(rows)) return null;
  const m = new Map<string, LiveRun[]>();
  for (const r of rows) {
    // The list is only live runs (no minCount); a server that pads it with finished ones is filtered here.
    if (!r || typeof r.agentId !== 'string' || !LIVE.has(r.status)) continue;
    const list = m.get(r.agentId) ?? [];
    list.push(r);
    m.set(r.agentId, list);
  }
  return m;
}

export function liveRunFacts(agentId: string, byAgent: Map<string, LiveRun[]> | null, now: Date): LiveRunFacts {
  if (!byAgent) return NOT_READ;
  const rows = byAgent.get(agentId);
  if (!rows?.length) return NONE;
  const runs = rows.map((r) => {
    const started = typeof r.startedAt === 'string' ? Date.parse(r.startedAt) : NaN;
    return {
      id: String(r.id),
      status: String(r.status),
      issueId: typeof r.issueId === 'string' ? r.issueId : null,
      startedAt: Number.isNaN(started) ? null : new Date(started).toISOString(),
      minutes: Number.isNaN(started) ? null : Math.max(0, Math.floor((now.getTime() - started) / MINUTE)),
    };
  });
  const summary = runs.map((r) => `run ${r.id} (${r.status}${r.minutes !== null ? ` ${r.minutes} min` : ''})`).join(', ');
  return { read: true, count: runs.length, runIds: runs.map((r) => r.id), runs, summary };
}
