// disable-routine: pause a routine an agent created without the board's approval (ops/routine-without-approval,
// Paperclip #4388) and ask the board, in its approvals inbox, to approve it. Opt-in (off in the rule).
// PATCH /api/routines/:id {"status":"paused"} stops its triggers; the request is a `request_board_approval`
// naming the routine (payload.routineId): once the board approves it, the rule is quiet and the board sets the
// routine active again. A live state: the agent may set its routine active again (Paperclip lets a routine's
// assignee do that), and the next --apply pauses it again, without filing a second request while one is open.

import { failHttp, ok, skip, truncate, type ActionKind } from '../kind.js';
import { jsonObjects, type JsonObject } from '../../sources/paperclip/json.js';
import { isOpen, routineAsked, standingRequest } from '../../facts/routine.js';
import { byPostingOrder } from '../post-comment.js';
import type { ActingClient } from '../../sources/paperclip/client.js';

export const disableRoutine: ActionKind = {
  type: 'disable-routine',
  needsPaperclip: true,
  liveState: true,
  ledgerKey: (_f, p) => ['disable-routine', p.routineId ?? ''].join(':'),
  plan(_f, a, s) {
    const facts = s?.facts ?? {};
    const r = facts.routine as { id: string; title: string; status: string } | undefined;
    const by = (facts.createdBy as { agentId?: string | null; name?: string | null } | undefined) ?? {};
    if (!r || r.status !== 'active') return [];
    const who = by.name ?? by.agentId ?? 'an agent';
    return [
      {
        ...a,
        target: `routine:${truncate(r.title)}`,
        detail: `pause routine "${truncate(r.title)}" (created by ${who} without board approval) and ask the board to approve it`,
        params: { ...a.params, routineId: r.id, title: r.title, createdByAgentId: by.agentId ?? null, createdByName: by.name ?? null },
      },
    ];
  },
  async execute(ctx, _f, a) {
    const client = ctx.client!;
    const p = a.params ?? {};
    const routineId = String(p.routineId);
    const companyId = String(p.companyId);
    let routine: JsonObject;
    try {
      routine = await client.getRoutine(routineId);
    } catch (e) {
      if ((e as { status?: number }).status === 404) return skip('the routine is gone');
      throw e;
    }
    if (routine.status !== 'active') return skip(`the routine is ${routine.status} now`);
    // The board may have answered since the scan: its standing request naming the routine decides (as the routine
    // fact reads it, facts/routine.ts: a rejected duplicate does not take an approval back).
    const mine = jsonObjects(await client.listApprovals(companyId))
      .filter((x) => routineAsked(x) === routineId)
      .sort((x, y) => Date.parse(String(y.createdAt)) - Date.parse(String(x.createdAt)));
    const standing = standingRequest(mine);
    if (standing?.status === 'approved') return skip(`the board approved it since the scan (approval ${standing.id})`);
    // The request first, then the pause: a request that fails leaves the routine as it was (active), so the next
    // run tries both again; a pause that fails after it finds the request open next time. Pausing first, a failed
    // request was never filed: the routine, no longer active, no longer fired the rule.
    let asked = '';
    const open = mine.find(isOpen);
    if (open) asked = `the board's approval request ${open.id} is already open`;
    else {
      const who = typeof p.createdByName === 'string' ? p.createdByName : (p.createdByAgentId ?? 'an agent');
      const ask = await client.createApproval(companyId, {
        type: 'request_board_approval',
        payload: {
          title: `Approve routine "${truncate(String(p.title ?? routine.title), 120)}"`,
          summary: `${who} created this routine without board approval; clipguard pauses it until the board approves (ops/routine-without-approval, Paperclip #4388: agent routines filed 400+ issues in 48 hours).`,
          recommendedAction: 'Approve it if the routine should run, then set it active again (PATCH /api/routines/{id} {"status":"active"}); reject it to leave it paused.',
          source: 'clipguard',
          routineId,
          createdByAgentId: p.createdByAgentId ?? null,
        },
      });
      if (ask.status >= 300) return failHttp('the approval request failed, so the routine was not paused (tried again next run): ', ask);
      const id = (ask.body as { id?: unknown } | null)?.id;
      asked = `asked the board to approve it (approval ${typeof id === 'string' ? id : '?'})`;
      // A courtesy for the board: whatever it meets (a read or the comment failing), the pause below is made.
      if (typeof id === 'string') asked += await markDuplicate(client, companyId, routineId, id).catch((e) => `; whether another process filed one at the same moment is not known (${(e as Error)?.message ?? String(e)})`);
    }
    const r = await client.patchRoutine(routineId, { status: 'paused' });
    if (r.status >= 300) return failHttp(`${asked}, but pausing the routine failed (tried again next run): `, r);
    return ok(`paused the routine; ${asked}`);
  },
};

/**
 * A second clipguard (another state directory: a `watch` and a `scan --apply`) may have filed its request between
 * the re-read above and this one. Paperclip has no route to withdraw or cancel a request (approve, reject and
 * request-revision are the board's decisions; resubmit only reopens one the board sent back), so the later one
 * cannot go again as a duplicate comment does. It stays open, and says in a comment whose duplicate it is; a
 * decision on either counts (the routine fact and the re-read above leave a rejected duplicate out:
 * standingRequest). Rejecting it in the board's name would be a decision clipguard never makes. Returns the words for
 * the action's detail ('' when no earlier request is open).
 */
async function markDuplicate(client: ActingClient, companyId: string, routineId: string, mine: string): Promise<string> {
  const all = jsonObjects(await client.listApprovals(companyId)).filter((x) => routineAsked(x) === routineId && typeof x.id === 'string');
  const me = all.find((x) => x.id === mine);
  const earlier = me ? all.filter((x) => x.id !== mine && isOpen(x) && byPostingOrder(x, me) < 0).sort(byPostingOrder)[0] : undefined;
  if (!earlier) return '';
  const r = await client.addApprovalComment(mine, `Duplicate of approval ${String(earlier.id)}, filed for the same routine at the same moment by another clipguard process. A decision on either one counts: clipguard takes an approval of either as the board's approval of the routine.`);
  return `; approval ${String(earlier.id)}, filed at the same moment by another process, asks the same: ${r.status < 300 ? 'a comment on this one says it is a duplicate' : `commenting on this one failed (HTTP ${r.status})`}, and a decision on either counts`;
}
