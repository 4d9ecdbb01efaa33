// Runaway work creation (Paperclip #4388: agents created routines without board approval and filed 400+
// issues in 48 hours). Two fact sets, built from what the scan reads anyway plus, for routine rules only,
// the company's routines and approvals (sources/needs.ts):
// - `issueCreation` (agent) / `companyIssueCreation` (company): the issues agents created in the last
//   `windowHours` against their own baseline, the `baselineDays` before that window. The windows are params
//   of the rules that use the fact (sources/fact-params.ts); the thresholds are compared in the rule files.
// - `routine` subjects: who created each routine, and whether the board approved it (an approval whose
//   payload names it: `payload.routineId`, the request the disable-routine action files).

import type { Subject } from '../../types.js';
import { maskText } from '../../engine/mask.js';
import type { Agent, Approval, Company, Issue, Routine } from './records.js';
import { isJsonObject, jsonObjects, type JsonObject } from './json.js';

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

const APPROVAL_UNKNOWN = Object.freeze({ known: false, approved: false, pending: false, id: null, status: null });

/**
 * One subject per routine. An agent-written title is masked (a key in it reaches no report). The approval
 * is the newest one whose payload names the routine: only the board can approve (POST /approvals/:id/approve
 * is board-only), so an agent cannot approve its own routine.
 */
/**
 * The routine a board approval is about: a `request_board_approval` naming the routine (`payload.routineId`, as
 * disable-routine files it) that no agent requested; null for any other. Paperclip lets an agent file an
 * approval of any type with any payload: an agent's request (a hire, or a request of its own naming its
 * routine), approved or pending, must not read as the board approving the routine.
 */
export function routineAsked(a: Approval | JsonObject): string | null {
  const p = a.payload;
  if (a.type !== 'request_board_approval' || !isJsonObject(p) || typeof p.routineId !== 'string') return null;
  if (typeof a.requestedByAgentId === 'string' && a.requestedByAgentId) return null;
  return p.routineId;
}

export function routineSubjects(company: Company, routines: Routine[] | null | undefined, approvals: Approval[] | null | undefined, agentsById: Map<string, Agent>): Subject[] {
  if (!Array.isArray(routines)) return [];
  const prefix = company.issuePrefix ?? company.name;
  const byRoutine = new Map<string, Approval>();
  for (const a of Array.isArray(approvals) ? approvals : []) {
    const rid = routineAsked(a);
    if (rid === null) continue;
    const prev = byRoutine.get(rid);
    if (!prev || Date.parse(String(a.createdAt ?? '')) > Date.parse(String(prev.createdAt ?? ''))) byRoutine.set(rid, a);
  }
  return routines.map((r) => {
    const title = maskText(String(r.title ?? ''));
    const agent = typeof r.createdByAgentId === 'string' ? (agentsById.get(r.createdByAgentId) ?? null) : null;
    const createdBy = r.createdByAgentId
      ? { type: 'agent', agentId: String(r.createdByAgentId), name: agent ? String(agent.name) : null, role: agent ? String(agent.role) : null }
      : { type: r.createdByUserId ? 'user' : 'unknown', agentId: null, name: null, role: null };
    const a = byRoutine.get(r.id);
    const approval = !Array.isArray(approvals)
      ? APPROVAL_UNKNOWN
      : { known: true, approved: a?.status === 'approved', pending: a?.status === 'pending' || a?.status === 'revision_requested', id: a ? String(a.id) : null, status: a ? String(a.status) : null };
    const triggers = jsonObjects(Array.isArray(r.triggers) ? r.triggers : []);
    const routine = {
      id: String(r.id),
      title,
      status: String(r.status),
      assigneeAgentId: r.assigneeAgentId ?? null,
      createdByAgentId: r.createdByAgentId ?? null,
      createdByUserId: r.createdByUserId ?? null,
      updatedByUserId: r.updatedByUserId ?? null,
      createdAt: String(r.createdAt),
      lastTriggeredAt: r.lastTriggeredAt ?? null,
      triggerCount: triggers.length,
      schedules: triggers.filter((t) => t?.kind === 'schedule' && t.enabled !== false && typeof t.cronExpression === 'string').map((t) => String(t.cronExpression)),
      schedulesText: '',
    };
    routine.schedulesText = routine.schedules.length ? routine.schedules.map((c) => `"${c}"`).join(', ') : 'no schedule';
    return { type: 'routine', id: routine.id, label: `"${title.slice(0, 80)}" (${prefix})`, source: 'paperclip', facts: { routine, company, createdBy, approval } } as Subject;
  });
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
