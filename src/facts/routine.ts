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
import { byCodeUnits } from '../util/compare.js';

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
      /**
       * The board's answer on the routine: the newest request naming it (payload.routineId), a rejected duplicate left
       * out (standingRequest); `pending` when any request is open; `known` false when approvals could not be read.
       */
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

/** A request the board has not answered yet. */
export const isOpen = (a: Approval | JsonObject): boolean => a.status === 'pending' || a.status === 'revision_requested';

const at = (a: Approval | JsonObject, field: 'createdAt' | 'decidedAt'): number => Date.parse(String(a[field] ?? ''));
const older = (p: Approval | JsonObject, q: Approval | JsonObject): boolean => at(p, 'createdAt') < at(q, 'createdAt') || (at(p, 'createdAt') === at(q, 'createdAt') && byCodeUnits(String(p.id), String(q.id)) < 0);

/**
 * The request that stands for the board's answer on a routine, among the board's requests naming it: the newest,
 * except a rejected duplicate. Two clipguards (separate state directories) can file two requests at the same
 * moment, and Paperclip has no route to withdraw one (disable-routine.ts): a request filed while an earlier one
 * was still open is a duplicate, and a board that approves the first and rejects the second as a duplicate has
 * approved the routine. A request filed after the earlier one was decided is not a duplicate: its answer is the
 * board's newest word (a rejection then takes an approval back). An approved duplicate counts: the board approved.
 */
export function standingRequest<T extends Approval | JsonObject>(requests: readonly T[]): T | undefined {
  const duplicate = (q: T) => requests.some((p) => p !== q && older(p, q) && (isOpen(p) || at(p, 'decidedAt') > at(q, 'createdAt')));
  let best: T | undefined;
  for (const q of requests) if ((q.status === 'approved' || !duplicate(q)) && (!best || older(best, q))) best = q;
  return best;
}

/**
 * One subject per routine. An agent-written title is masked (a key in it reaches no report). The approval
 * is the standing request naming the routine (standingRequest): only the board can approve (POST
 * /approvals/:id/approve is board-only), so an agent cannot approve its own routine.
 */
export function routineSubjects(company: Company, routines: Routine[] | null | undefined, approvals: Approval[] | null | undefined, agentsById: Map<string, Agent>): Subject[] {
  if (!Array.isArray(routines)) return [];
  const prefix = company.issuePrefix ?? company.name;
  const asked = new Map<string, Approval[]>();
  for (const a of Array.isArray(approvals) ? approvals : []) {
    const rid = routineAsked(a);
    if (rid !== null) asked.set(rid, [...(asked.get(rid) ?? []), a]);
  }
  return routines.map((r) => {
    const title = maskText(String(r.title ?? ''));
    const agent = typeof r.createdByAgentId === 'string' ? (agentsById.get(r.createdByAgentId) ?? null) : null;
    const createdBy = r.createdByAgentId
      ? { type: 'agent', agentId: String(r.createdByAgentId), name: agent ? String(agent.name) : null, role: agent ? String(agent.role) : null }
      : { type: r.createdByUserId ? 'user' : 'unknown', agentId: null, name: null, role: null };
    const requests = asked.get(r.id) ?? [];
    const a = standingRequest(requests);
    const approval = !Array.isArray(approvals)
      ? APPROVAL_UNKNOWN
      : { known: true, approved: a?.status === 'approved', pending: requests.some(isOpen), id: a ? String(a.id) : null, status: a ? String(a.status) : null };
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

