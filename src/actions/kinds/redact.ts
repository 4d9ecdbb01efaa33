// redact: replace each secret in an issue (a PATCH of its title and description) or a comment (a redacted copy,
// then the original deleted: Paperclip cannot edit a comment) with [REDACTED:kind]. Only a comment's author may
// delete it, and clipguard acts as the board: an agent's comment is known beforehand to be beyond its reach.

import { detectSecrets, redactSecrets, type SecretMatch } from '../../detectors/secrets/index.js';
import type { ActingClient } from '../../sources/paperclip/client.js';
import { issueText, redactIssueFields } from '../../sources/paperclip/model.js';
import { quietCopy } from '../../sources/paperclip/mentions.js';
import { jsonObjects, type JsonObject } from '../../sources/paperclip/json.js';
import { cannotDelete, keyStays, nonUserAuthor, refusedEarlier, refusedKey, RUN_KEY_KIND, runKeyNote as sharedRunKeyNote } from '../comment-author.js';
import { byPostingOrder, postCommentOnce } from '../post-comment.js';
import { byClipguardSide } from '../../facts/flagged.js';
import { errText, fail, failHttp, ok, skip, type ActionContext, type ActionKind, type Outcome } from '../kind.js';
import type { Comment, Issue } from '../../sources/paperclip/records.js';

export const redact: ActionKind = {
  type: 'redact',
  needsPaperclip: true,
  // A text can hold a key again after its redaction (the same issue edited again, with another key or the same
  // one): the ledger must not skip that as done for its hour. The re-read decides, as for a pause: an issue or
  // comment with no secret left is skipped, a deleted comment is skipped, a copy already posted is reused.
  liveState: true,
  plan(f, a, s, limits) {
    const facts = s?.facts ?? {};
    if (f.subject.type === 'issue') {
      const issue = facts.issue as Issue;
      return [{ ...a, target: `issue:${issue.identifier}`, detail: `replace each secret in ${issue.identifier} with [REDACTED:<kind>]`, params: { ...a.params, issueId: issue.id } }];
    }
    const c = facts.comment as Comment;
    const issue = facts.issue as Issue;
    const params = { ...a.params, issueId: issue.id, commentId: c.id };
    // A comment no user wrote (an agent's: most leaks) is beyond the board's reach: that is known now, so the
    // dry-run says it, and --apply does not try (no copy beside a live original) and reports the same failure.
    const author = nonUserAuthor(c);
    if (!author && limits.noCommentDelete) return [{ ...a, status: 'failed', target: `comment:${c.id}`, detail: `${limits.noCommentDelete}; ${keyStays(String(c.id))}`, params }];
    if (author) {
      const runKey = ((facts.secrets as { kind?: string }[] | undefined) ?? []).some((m) => m.kind === RUN_KEY_KIND);
      return [{ ...a, status: 'failed', target: `comment:${c.id}`, detail: `${cannotDelete(author)}; ${keyStays(String(c.id))}${runKey ? sharedRunKeyNote(null) : ''}`, params }];
    }
    return [{ ...a, target: `comment:${c.id}`, detail: `post a redacted copy on ${issue.identifier}, then delete the original comment`, params }];
  },
  // A comment whose delete the server refused (another user's): the executor does not try again, it fails.
  knownOutcome(ledger, a) {
    const p = a.params ?? {};
    const refused = typeof p.commentId === 'string' ? ledger.get(refusedKey(String(p.issueId), p.commentId)) : null;
    return refused?.status === 'refused' ? fail(`${refusedEarlier(refused.at, refused.detail)}; ${keyStays(p.commentId as string)}`) : null;
  },
  simulate(world, f, a) {
    const p = a.params ?? {};
    if (typeof p.issueId === 'string' && typeof p.commentId === 'string') world.commented.set(p.issueId, `${f.ruleId} redacted copy`);
    return null;
  },
  // Each comment's redaction posts its own copy and deletes its own original (the identical-copy check after
  // it looks for its own text only): comments can be redacted side by side. An issue's PATCH cannot.
  independent: (a) => typeof a.params?.commentId === 'string',
  execute: (ctx, _f, a) => ((a.params ?? {}).commentId ? redactComment(ctx, a.params ?? {}) : redactIssue(ctx, a.params ?? {})),
};

async function redactIssue(ctx: ActionContext, p: Record<string, unknown>): Promise<Outcome> {
  const client = ctx.client!;
  const id = String(p.issueId);
  // Re-read the full issue: list rows truncate descriptions to 1200 characters. Detected as the finding was, on
  // the title and description joined (a key in the title may be one only for a word in the description), each
  // span then redacted in the field it lies in. A `clipguard-ignore` in ticket text is not honoured (placed() in
  // subjects.ts): whoever writes a ticket cannot keep a key in it.
  let issue: Record<string, unknown> = await client.getIssue(id);
  // What the server is believed to hold, field by field, just before each PATCH (the read; later, our own write).
  let held: Record<string, string> = {};
  let count = 0;
  const fields = new Set<string>();
  let restored = 0;
  // Paperclip's PATCH takes no precondition (no If-Match, no expected updatedAt): an edit stored between the re-read
  // and the PATCH is overwritten. Its answer says what each field held just before (`changes[field].from`), so the
  // loss is seen, and the lost text is written back, redacted, in a second PATCH checked the same way.
  for (let round = 0; round < 3; round++) {
    const ms = detectSecrets(issueText(issue), ctx.secretOptions);
    const patch: Record<string, string> = { ...redactIssueFields(issue, ms) };
    // A lost edit is written back whether or not it holds a key.
    for (const f of Object.keys(held)) if (!(f in patch) && typeof issue[f] === 'string' && issue[f] !== held[f]) patch[f] = issue[f] as string;
    if (!Object.keys(patch).length) {
      if (round === 0) return skip('no secret left in the issue (already redacted?)');
      break;
    }
    if (round === 0) for (const f of Object.keys(patch)) held[f] = typeof issue[f] === 'string' ? (issue[f] as string) : '';
    const r = await client.patchIssue(id, patch);
    if (r.status >= 300) return round === 0 ? failHttp('', r) : failHttp(`an edit made at the same moment was overwritten by the redaction, and writing it back failed (Paperclip's activity log keeps it: restore it by hand): `, r);
    count += ms.length;
    for (const f of Object.keys(patch)) fields.add(f);
    const lost = overwritten(held, patch, (r.body as { changes?: unknown } | null)?.changes);
    if (!lost.fields.length) break;
    if (lost.unknown.length) return fail(`redacted ${count} secret(s) in ${[...fields].join(' and ')}, but an edit stored at the same moment was overwritten (${lost.unknown.join(' and ')}: its text is longer than what the server's answer shows); Paperclip's activity log keeps it: restore it by hand, and rotate the key(s)`);
    // Round 2: the lost text, with the fields this PATCH did not touch as the server holds them now.
    const now: Record<string, unknown> = await client.getIssue(id);
    issue = { ...now };
    held = {};
    for (const f of lost.fields) {
      // Written again since our PATCH: that newer edit stands (its writer saw our text), nothing is restored.
      if (now[f] !== patch[f]) continue;
      issue[f] = lost.values[f];
      held[f] = patch[f];
    }
    if (!Object.keys(held).length) break;
    // Bounded: an issue edited at every PATCH is left to the next run, said.
    if (round === 2) return fail(`redacted ${count} secret(s) in ${[...fields].join(' and ')}, but the issue was edited again at each write: an overwritten edit was not written back; Paperclip's activity log keeps it: restore it by hand, and rotate the key(s)`);
    restored++;
  }
  const back = restored ? `; an edit stored at the same moment (between the re-read and the PATCH) was overwritten and has been written back, redacted` : '';
  // Redaction stops further spread only: the key was exposed, and Paperclip's activity log keeps the old values.
  const f = [...fields].join(' and ');
  return ok(`redacted ${count} secret(s) in ${f}${back}; rotate the key(s): Paperclip's activity log keeps the old ${f}`);
}

/** The first 200 code points: Paperclip's `changes` answer cuts a description (and a longer title) there. */
const CHANGE_TEXT_BUDGET = 200;
const cut = (s: string): string => Array.from(s).slice(0, CHANGE_TEXT_BUDGET).join('');

/**
 * Which patched fields held something else than `held` just before the PATCH, by the answer's `changes` (paperclipai
 * 2026.916.1: `{ from, to }`, a long text cut to 200 code points with `updated: true`): `values` holds the lost
 * texts known whole, `unknown` the fields whose lost text was cut. A field not in `changes` held our text already (a
 * second clipguard wrote the same): nothing lost. An answer without `changes` (the plugin host) tells nothing.
 */
function overwritten(held: Record<string, string>, patch: Record<string, string>, changes: unknown): { fields: string[]; values: Record<string, string>; unknown: string[] } {
  const out = { fields: [] as string[], values: {} as Record<string, string>, unknown: [] as string[] };
  if (!changes || typeof changes !== 'object') return out;
  for (const f of Object.keys(patch)) {
    if (!(f in held)) continue;
    const c = (changes as Record<string, unknown>)[f] as { from?: unknown; updated?: unknown } | undefined;
    if (!c || typeof c !== 'object') continue;
    const from = typeof c.from === 'string' ? c.from : c.from == null ? '' : null;
    if (from === null) continue;
    const whole = !c.updated || Array.from(from).length < CHANGE_TEXT_BUDGET;
    if (whole ? from === held[f] : from === cut(held[f])) continue;
    out.fields.push(f);
    if (whole) out.values[f] = from;
    else out.unknown.push(f);
  }
  return out;
}

async function redactComment(ctx: ActionContext, p: Record<string, unknown>): Promise<Outcome> {
  const client = ctx.client!;
  const issueId = String(p.issueId);
  const comments = jsonObjects(await client.listComments(issueId));
  const found = comments.find((x) => x.id === p.commentId);
  if (!found || found.deletedAt || typeof found.body !== 'string' || !found.body) return skip('comment already deleted');
  const c: JsonObject & { body: string } = { ...found, body: found.body };
  // Every secret, `clipguard-ignore` or not: ignores in ticket text are not honoured (see redactIssue).
  const ms = detectSecrets(c.body, ctx.secretOptions);
  if (!ms.length) return skip('no secret left in the comment');
  const body = redactedCopy(c, ms);
  const stays = `${keyStays(String(c.id))}${runKeyNote(c.body, ms)}`;
  // Paperclip lets only a comment's author delete it, and clipguard acts as the board (a user). A comment no
  // user wrote (an agent's, most leaks, or the server's) is beyond its reach: a copy would only put the same
  // words in a second place beside the live original (and wake the assignee), so none is posted, and one an
  // earlier version left there is deleted (clipguard wrote it). A user's comment the server already refused
  // to let clipguard delete (the ledger remembers) is not tried again.
  const author = nonUserAuthor(c);
  const refused = ctx.ledger.get(refusedKey(issueId, String(c.id)));
  if (author || refused) {
    const why = author ? cannotDelete(author) : refusedEarlier(refused!.at, refused!.detail);
    return fail(`${why}; ${stays}${await deleteCopies(client, issueId, body, comments)}`);
  }
  // Copy first, delete second: if the copy is not stored, the original stays and the finding says so. The copy
  // is the same text for the same original, so one already on the issue (an earlier run whose answer was lost)
  // is used, not posted twice.
  // Only a copy clipguard's side wrote counts: the copy's text follows from what anyone on the issue can read, so
  // an agent posting it first would otherwise have the user's original deleted for a copy only the agent keeps.
  const posted = await postCommentOnce(client, issueId, body, comments, byClipguardSide);
  if ('error' in posted) return fail(`the redacted copy could not be stored (${posted.error}); the original comment was left in place`);
  const copyId = posted.id;
  const del = await client.deleteComment(issueId, String(p.commentId));
  if (del.status === 403) {
    // Another user's comment (or a rule of the server's): the original stays, so the copy goes again.
    const reason = `HTTP 403 ${errText(del.body)}`.trim();
    ctx.ledger.set(refusedKey(issueId, String(c.id)), { status: 'refused', at: new Date().toISOString(), detail: reason });
    const undo = await client.deleteComment(issueId, copyId);
    const copy = undo.status < 300 ? `The redacted copy ${copyId} was deleted again.` : `The redacted copy ${copyId} could not be deleted (HTTP ${undo.status}): the next run tries again.`;
    return fail(`Paperclip refused to delete the original (${reason}); ${stays} ${copy}`);
  }
  // Another process acting on the same comment at the same moment (the live guard and a `watch` run, each with
  // its own state directory) may have posted the same copy between the re-read and the post, and deleted the
  // original first. The copy is the same text for the same original, so the earliest one stays and every later
  // one goes, whoever posted it: both processes converge on one copy.
  const after = jsonObjects(await client.listComments(issueId));
  const orig = after.find((x) => x.id === p.commentId);
  const originalGone = !orig || Boolean(orig.deletedAt);
  if (del.status >= 300 && !originalGone) return fail(`the redacted copy was stored (${copyId}) but deleting the original failed: HTTP ${del.status}`);
  const copies = after.filter((x) => !x.deletedAt && x.body === body && typeof x.id === 'string' && byClipguardSide(x)).sort(byPostingOrder);
  const kept = String(copies[0]?.id ?? copyId);
  let extra = 0;
  for (const d of copies.slice(1)) if ((await client.deleteComment(issueId, String(d.id))).status < 300) extra++;
  const also = extra ? ` (and deleted ${extra} identical cop${extra === 1 ? 'y' : 'ies'} posted at the same moment by another process)` : '';
  if (del.status >= 300) return ok(`the original was deleted meanwhile by another process; the redacted copy is ${kept}${also}`);
  return ok(`posted redacted copy ${kept} and deleted the original${also}`);
}

/**
 * Delete the redacted copies of a comment that cannot be deleted (posted by an earlier version, which then
 * failed on the original): they are clipguard's own, and beside the live original they are only noise.
 */
async function deleteCopies(client: ActingClient, issueId: string, body: string, comments: JsonObject[]): Promise<string> {
  const said: string[] = [];
  for (const copy of comments.filter((x) => !x.deletedAt && x.body === body && typeof x.id === 'string' && byClipguardSide(x))) {
    const r = await client.deleteComment(issueId, String(copy.id));
    said.push(r.status < 300 ? ` Deleted the redacted copy ${copy.id} an earlier run had posted beside it.` : ` The redacted copy ${copy.id} an earlier run posted beside it could not be deleted (HTTP ${r.status}).`);
  }
  return said.join('');
}

/**
 * A Paperclip run key (the PAPERCLIP_API_KEY a run gets) is a signed JWT, not a stored key: it cannot be revoked,
 * and the end of its run does not end it. Say until when it works (its `exp`, not a secret) and what ends it sooner.
 */
function runKeyNote(text: string, ms: SecretMatch[]): string {
  const runKeys = ms.filter((m) => m.kind === RUN_KEY_KIND);
  if (!runKeys.length) return '';
  const exps = runKeys.map((m) => {
    try {
      const exp = JSON.parse(Buffer.from(text.slice(m.start, m.end).split('.')[1], 'base64url').toString('utf8')).exp;
      return typeof exp === 'number' && Number.isFinite(exp) ? exp : null;
    } catch {
      return null;
    }
  });
  const last = exps.every((e) => e !== null) ? Math.max(...(exps as number[])) : null;
  return sharedRunKeyNote(last !== null && last < 8.64e12 ? new Date(last * 1000).toISOString() : null);
}

/**
 * The replacement comment. Its first 120 UTF-16 units are ASCII whatever the original holds (the header alone
 * is longer), so Paperclip's activity snippet never cuts a surrogate pair in it. It mentions no one.
 */
function redactedCopy(c: { body: string; createdAt?: unknown; authorAgentId?: unknown; authorUserId?: unknown; authorType?: unknown }, ms: SecretMatch[]): string {
  const author = c.authorAgentId ? `agent ${c.authorAgentId}` : c.authorUserId ? `user ${c.authorUserId}` : String(c.authorType ?? 'someone');
  const kinds = [...new Set(ms.map((m) => m.kind))].join(', ');
  const header = `clipguard replaced a comment that contained ${ms.length} secret(s) (${kinds}). Rotate the exposed key(s). It was written by ${asciiOnly(author)} at ${asciiOnly(String(c.createdAt))}. The comment, redacted:\n\n`;
  // Quiet: the original already woke the agents it mentioned, and a marker in it is not clipguard's (mentions.ts).
  // After the redaction, which could itself make a link of `<key>(agent://...)`.
  return quietCopy(header + redactSecrets(c.body, ms));
}

const asciiOnly = (s: string): string => s.replace(/[^\x20-\x7e]/g, '?');
