// flag: one comment per issue asking for the rotation of the keys found in it and its comments (each comment
// wakes the assignee and costs a run). Its text is made here from masked facts only (../flag.ts): it holds no key.

import { hash } from 'node:crypto';
import type { Finding, FindingAction } from '../../types.js';
import { flagBody, flaggedKeys, flagEntry, flagKeys, flagSummary, type FlagEntry } from '../flag.js';
import { jsonObjects } from '../../sources/paperclip/json.js';
import { postCommentOnce, postedBefore } from '../post-comment.js';
import { ok, skip, type ActionKind } from '../kind.js';
import type { Issue } from '../../sources/paperclip/records.js';
import { byClipguardSide } from '../../facts/flagged.js';
import type { ActingClient } from '../../sources/paperclip/client.js';

/**
 * One flag comment per issue, however many secrets it and its comments hold. The first planned flag on an
 * issue carries every entry and the comment's text; the others are skipped, naming it.
 */
function groupFlags(findings: Finding[]): void {
  const carriers = new Map<string, FindingAction>();
  for (const f of findings) {
    for (const a of f.actions) {
      if (a.type !== 'flag' || a.status !== 'planned') continue;
      const issueId = String(a.params?.issueId);
      const carrier = carriers.get(issueId);
      if (!carrier) carriers.set(issueId, a);
      else {
        carrier.params!.entries = [...(carrier.params!.entries as FlagEntry[]), ...(a.params!.entries as FlagEntry[])];
        if (a.params!.commentsUnread) carrier.params!.commentsUnread = true;
        Object.assign(a, { status: 'skipped', detail: `in the one flag comment planned for ${a.params!.identifier} (one comment per issue)` });
      }
    }
  }
  for (const a of carriers.values()) {
    const entries = a.params!.entries as FlagEntry[];
    a.params!.body = flagBody(entries);
    a.detail = `comment on ${a.params!.identifier} asking to rotate ${flagSummary(entries)}`;
    // The plan could not see what was flagged before: said, so the dry-run does not promise more than it knows.
    if (a.params!.commentsUnread) a.detail += `; the issue's comments could not be read, so an earlier flag naming these keys is not known: --apply reads them again first and skips a key one names`;
  }
}

export const flag: ActionKind = {
  type: 'flag',
  needsPaperclip: true,
  // By its issue and the keys it names (kind and fingerprint, not where they were seen): the same keys are flagged
  // once, also when a new run prints them again; a new secret on the same issue is flagged anew.
  ledgerKey: (_f, p) => ['flag', p.issueId ?? '', hash('sha256', flagKeys((p.entries as FlagEntry[] | undefined) ?? []).join(' ') || String(p.body ?? ''), 'hex').slice(0, 32)].join(':'),
  plan(f, a, s) {
    // One entry per finding here; groupFlags (planAfter) makes one comment per issue out of them.
    const facts = s?.facts ?? {};
    const issue = facts.issue as Issue;
    const entry = flagEntry(f.subject.type, facts, a.params?.item);
    if (!issue || !entry) return [];
    // What execute's re-read would find: an earlier flag of clipguard's on the issue naming this key. Known when
    // the issue's comments were read (a rule with flag on makes the scan read them, sources/needs.ts).
    const flagged = facts.flagged as { read?: boolean; keys?: string[] } | undefined;
    if (flagged?.read && flagKeys([entry]).every((k) => flagged.keys?.includes(k))) {
      return [{ ...a, status: 'skipped', target: `issue:${issue.identifier}`, detail: `already flagged: an earlier clipguard comment on ${issue.identifier} asks for the rotation of this key` }];
    }
    const commentsUnread = flagged?.read === false ? { commentsUnread: true } : {};
    return [{ ...a, target: `issue:${issue.identifier}`, detail: '', params: { ...a.params, issueId: issue.id, identifier: issue.identifier, entries: [entry], ...commentsUnread } }];
  },
  planAfter: groupFlags,
  simulate(world, f, a) {
    if (typeof a.params?.issueId === 'string') world.commented.set(a.params.issueId, `${f.ruleId} flag`);
    return null;
  },
  /**
   * Re-read first: an issue that is gone is skipped, and the same text already on the issue (an earlier run, or
   * one whose answer was lost) is that flag, not a reason to post it twice. A redaction in the same run does not
   * stop it: the key was exposed either way.
   */
  async execute(ctx, _f, a) {
    const client = ctx.client!;
    const p = a.params ?? {};
    const issueId = String(p.issueId);
    const body = typeof p.body === 'string' ? p.body : '';
    if (!body) return skip('no flag comment was planned for this finding');
    try {
      await client.getIssue(issueId);
    } catch (e) {
      if ((e as { status?: number }).status === 404) return skip('the issue is gone');
      throw e;
    }
    const comments = await client.listComments(issueId);
    // Every key already named by an earlier flag of clipguard's on the issue (its marker line): not asked again.
    // A flag wakes the assignee, and a run that prints the key again must not make a flag that wakes it again.
    const asked = flaggedKeys(jsonObjects(comments));
    const keys = flagKeys((p.entries as FlagEntry[] | undefined) ?? []);
    if (keys.length && keys.every((k) => asked.has(k))) return skip('already flagged: an earlier clipguard comment on the issue asks for the rotation of these keys');
    const posted = await postCommentOnce(client, issueId, body, comments, byClipguardSide);
    if ('error' in posted) return { status: 'failed', detail: `the flag comment could not be posted (${posted.error})`, serverFault: !/^HTTP 4/.test(posted.error) };
    if (posted.reused) return skip(`already flagged: comment ${posted.id} on the issue asks for the rotation`);
    // A second clipguard (the live guard with flag on and a `watch`, each with its own state directory) may have
    // posted its flag between the re-read above and this post. As for redacted copies (redact.ts): whoever posted
    // first stays; a flag with an earlier flag of clipguard's naming all its keys goes again. The other process
    // finds this one later than its own and keeps its own: both converge on one comment.
    const earlier = await earlierFlag(client, issueId, posted.id, keys);
    if (earlier) {
      const del = await client.deleteComment(issueId, posted.id);
      if (del.status < 300) return ok(`posted comment ${posted.id} asking to rotate the key(s), then deleted it again: comment ${earlier}, posted at the same moment by another process, asks for them already`);
      return ok(`posted comment ${posted.id} asking to rotate the key(s); comment ${earlier}, posted at the same moment by another process, asks for them already, and deleting this one failed (HTTP ${del.status})`);
    }
    return ok(`posted comment ${posted.id} asking to rotate the key(s)`);
  },
};

/** An undeleted flag of clipguard's on the issue posted before `mine` (byPostingOrder) naming every key in `keys`. */
async function earlierFlag(client: ActingClient, issueId: string, mine: string, keys: readonly string[]): Promise<string | null> {
  if (!keys.length) return null;
  return postedBefore(jsonObjects(await client.listComments(issueId)), mine, (c) => keys.every((k) => flaggedKeys([c]).has(k)));
}
