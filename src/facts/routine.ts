// The `routine` subjects (ops/routine-without-approval): who created each routine, and whether the board
// approved it (an approval whose payload names it: `payload.routineId`, the request the disable-routine action
// files). Read only for a rule on routines (GET /companies/{id}/routines and /approvals).
import type { Subject } from '../types.js';
import { maskText } from '../engine/mask.js';
import { arr, B, N, nul, obj, S } from '../engine/shape.js';
import type { Agent, Approval, Company, Routine } from '../sources/paperclip/records.js';
import { isJsonObject, jsonObjects, type JsonObject } from '../sources/paperclip/json.js';
import { companyShape } from './record-shapes.js';
import type { FactFamily } from './family.js';

export const routineFamily = {
  facts: {
    routine: {
      routine: obj({
        id: S,
        title: S,
        status: S,
        assigneeAgentId: nul(S),
        createdByAgentId: nul(S),
        createdByUserId: nul(S),
        updatedByUserId: nul(S),
        createdAt: S,
        lastTriggeredAt: nul(S),
        triggerCount: N,
        schedules: arr(S),
        schedulesText: S,
      }),
      company: companyShape,
      /** Who created the routine: an agent (with its name and role), a user, or unknown. */
      createdBy: obj({ type: S, agentId: nul(S), name: nul(S), role: nul(S) }),
      /** The newest approval naming the routine (payload.routineId); `known` false when approvals could not be read. */
      approval: obj({ known: B, approved: B, pending: B, id: nul(S), status: nul(S) }),
    },
  },
} satisfies FactFamily;

const APPROVAL_UNKNOWN = Object.freeze({ known: false, approved: false, pending: false, id: null, status: null });

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

/**
 * One subject per routine. An agent-written title is masked (a key in it reaches no report). The approval
 * is the newest one whose payload names the routine: only the board can approve (POST /approvals/:id/approve
 * is board-only), so an agent cannot approve its own routine.
 */
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

