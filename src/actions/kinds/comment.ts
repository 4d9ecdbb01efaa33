// comment: ask for the blocker on an issue blocked without a reason (ops/blocked-without-reason), only while
// nobody commented since the block; the text is the rule's `comment` param (see effectiveActions).

import { blockStartedAt, unresolvedBlocker } from '../../sources/paperclip/model.js';
import { failHttp, ok, skip, type ActionKind } from '../kind.js';
import type { Issue } from '../../sources/paperclip/records.js';
import { jsonObjects } from '../../sources/paperclip/records.js';
import { byClipguardSide } from '../../facts/flagged.js';
import { postedBefore } from '../post-comment.js';

export const comment: ActionKind = {
  type: 'comment',
  needsPaperclip: true,
  plan(_f, a, s) {
    const issue = s?.facts.issue as Issue;
    return issue ? [{ ...a, target: `issue:${issue.identifier}`, detail: `comment on ${issue.identifier} asking for the blocker`, params: { ...a.params, issueId: issue.id } }] : [];
  },
  simulate(world, f, a) {
    const issueId = typeof a.params?.issueId === 'string' ? a.params.issueId : null;
    // The executor asks for the blocker only while nobody commented since the block: a comment this plan
    // posts first (a flag, a redacted copy) would make it skip, so the plan says so.
    if (issueId && world.commented.has(issueId)) return `this plan comments on the issue first (${world.commented.get(issueId)}), and the executor asks for the blocker only while nobody commented since the block`;
    if (issueId) world.commented.set(issueId, `${f.ruleId} ${a.type}`);
    return null;
  },
  async execute(ctx, _f, a) {
    const client = ctx.client!;
    const p = a.params ?? {};
    const issue = await client.getIssue(String(p.issueId));
    if (issue.status !== 'blocked') return skip(`issue is ${issue.status} now`);
    const waits = unresolvedBlocker(issue);
    if (waits) return skip(`it waits for ${waits.identifier ?? waits.id} (${waits.status}) now: that is its reason`);
    const since = blockStartedAt(issue);
    const comments = jsonObjects(await client.listComments(String(p.issueId)));
    if (comments.some((c) => !c.deletedAt && c.authorType !== 'system' && Date.parse(String(c.createdAt)) >= since)) return skip('a comment was added meanwhile');
    // The text is the rule's `comment` param (see effectiveActions): no second default here.
    const body = typeof p.comment === 'string' ? p.comment.trim() : '';
    if (!body) return skip('no comment text: set params.comment of the rule (rules.overrides[id].params.comment)');
    const r = await client.addComment(String(p.issueId), body);
    if (r.status >= 300) return failHttp('', r);
    // A second clipguard (the live guard and a `watch`, each with its own state directory) may have asked between
    // the re-read above and this post: the same text, each waking the assignee. As flag.ts and redact.ts do, the
    // earliest stays; this one goes again when an earlier clipguard comment with the same text is there.
    const mine = typeof (r.body as { id?: unknown } | null)?.id === 'string' ? String((r.body as { id: string }).id) : null;
    const earlier = mine ? earlierSame(jsonObjects(await client.listComments(String(p.issueId))), mine, body, since) : null;
    if (mine && earlier) {
      const del = await client.deleteComment(String(p.issueId), mine);
      return ok(`asked for the blocker in comment ${mine}, then deleted it again: comment ${earlier}, posted at the same moment by another process, asks already${del.status < 300 ? '' : ` (deleting this one failed: HTTP ${del.status})`}`);
    }
    return ok('asked for the blocker in a comment');
  },
};

/** A clipguard-side comment with the same text, since the block, posted before `mine` (byPostingOrder). */
function earlierSame(all: Record<string, unknown>[], mine: string, body: string, since: number): string | null {
  return postedBefore(all, mine, (c) => byClipguardSide(c) && String(c.body ?? '').trim() === body && Date.parse(String(c.createdAt)) >= since);
}
