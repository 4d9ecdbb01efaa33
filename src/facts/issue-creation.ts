// Runaway work creation (Paperclip #4388: agents created routines without board approval and filed 400+
// issues in 48 hours): `issueCreation` (agent) and `companyIssueCreation` (company), the issues agents created
// in the last `windowHours` against their own baseline, the `baselineDays` before that window. The windows are
// params of the rules that use the fact (the agent rule and the company rule each their own); the thresholds
// are compared in the rule files (ops/issue-burst, ops/issue-burst-company).
import { arr, N, obj, S, type Shape } from '../engine/shape.js';
import type { Agent, Issue } from '../sources/paperclip/records.js';
import type { FactFamily } from './family.js';

const issueCreationProps: Record<string, Shape> = {
  windowHours: N,
  baselineDays: N,
  recent: N,
  baseline: N,
  baselinePerWindow: N,
  ratio: N,
  newest: arr(S),
};

export const issueCreationFamily = {
  facts: {
    agent: { issueCreation: obj(issueCreationProps) },
    company: { companyIssueCreation: obj({ ...issueCreationProps, topCreators: arr(obj({ agentId: S, name: S, recent: N })), topCreatorsText: S }) },
  },
  params: {
    issueCreation: { windowHours: 24, baselineDays: 7 },
    companyIssueCreation: { windowHours: 24, baselineDays: 7 },
  },
} satisfies FactFamily;

const HOUR = 3_600_000;

export interface CreationWindows {
  windowHours: number;
  baselineDays: number;
}

/** Issues created by agents, by agent id: creation times (ms) and identifiers, newest first. */
export type CreationIndex = Map<string, { at: number; identifier: string }[]>;

export function creationIndex(issues: Issue[]): CreationIndex {
  const m: CreationIndex = new Map();
  for (const i of issues) {
    const by = i?.createdByAgentId;
    if (typeof by !== 'string' || !by) continue;
    const at = Date.parse(i.createdAt);
    if (Number.isNaN(at)) continue;
    const list = m.get(by) ?? [];
    list.push({ at, identifier: String(i.identifier ?? i.id) });
    m.set(by, list);
  }
  for (const list of m.values()) list.sort((a, b) => b.at - a.at);
  return m;
}

/**
 * The count in the window against the baseline: the issues of the `baselineDays` before the window, per
 * window length. `ratio` is recent over that baseline, a baseline under one issue per window counting as one
 * (an agent's first issues are not an infinite burst; `recent` is then the ratio).
 */
export function creationFacts(rows: { at: number; identifier: string }[], now: Date, w: CreationWindows) {
  const end = now.getTime();
  const windowStart = end - w.windowHours * HOUR;
  const baselineStart = windowStart - w.baselineDays * 24 * HOUR;
  let recent = 0;
  let baseline = 0;
  const newest: string[] = [];
  for (const r of rows) {
    // A creation time in the future (a clock ahead of ours) counts as now.
    if (r.at >= windowStart) {
      recent++;
      if (newest.length < 5) newest.push(r.identifier);
    } else if (r.at >= baselineStart) baseline++;
  }
  const windows = (w.baselineDays * 24) / w.windowHours;
  const baselinePerWindow = windows > 0 ? round2(baseline / windows) : 0;
  return { windowHours: w.windowHours, baselineDays: w.baselineDays, recent, baseline, baselinePerWindow, ratio: round2(recent / Math.max(baselinePerWindow, 1)), newest };
}

/** The company's view: every agent's creations together, and the agents that created the most in the window. */
export function companyCreationFacts(index: CreationIndex, agentsById: Map<string, Agent>, now: Date, w: CreationWindows) {
  // Each agent's list is sorted, newest first: the company's counts are their sums, and its newest five are
  // among the agents' newest five (no sort of every issue of the company).
  const perAgent = [...index.entries()].map(([agentId, rows]) => ({ agentId, f: creationFacts(rows, now, w), head: rows.slice(0, 5) }));
  const recent = perAgent.reduce((n, a) => n + a.f.recent, 0);
  const baseline = perAgent.reduce((n, a) => n + a.f.baseline, 0);
  const facts = creationFacts(
    perAgent.flatMap((a) => a.head).sort((x, y) => y.at - x.at),
    now,
    w,
  );
  const windows = (w.baselineDays * 24) / w.windowHours;
  const baselinePerWindow = windows > 0 ? round2(baseline / windows) : 0;
  Object.assign(facts, { recent, baseline, baselinePerWindow, ratio: round2(recent / Math.max(baselinePerWindow, 1)) });
  const topCreators = perAgent
    .map(({ agentId, f }) => ({ agentId, name: String(agentsById.get(agentId)?.name ?? agentId), recent: f.recent }))
    .filter((c) => c.recent > 0)
    .sort((a, b) => b.recent - a.recent || (a.agentId < b.agentId ? -1 : 1))
    .slice(0, 5);
  const topCreatorsText = topCreators.map((c) => `${c.name} ${c.recent}`).join(', ') || 'none';
  return { ...facts, topCreators, topCreatorsText };
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
