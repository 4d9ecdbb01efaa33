// comment: ask for the blocker on an issue blocked without a reason (ops/blocked-without-reason), only while
// nobody commented since the block; the text is the rule's `comment` param (see effectiveActions).

import { blockStartedAt, unresolvedBlocker } from '../../sources/paperclip/model.js';
import { failHttp, ok, skip, type ActionKind } from '../kind.js';
import type { Issue } from '../../sources/paperclip/records.js';
import { jsonObjects } from '../../sources/paperclip/records.js';

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
    return r.status < 300 ? ok('asked for the blocker in a comment') : failHttp('', r);
  },
};
