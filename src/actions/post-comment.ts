// Posting a comment exactly once. A comment POST is not retried once sent (it could double), and its answer
// can be lost or wrong: Paperclip 2026.916.1 stores a comment and then answers 500 when its activity entry
// (the body's first 120 UTF-16 units) ends inside a surrogate pair. So the issue is read before posting (the
// same text already there is that earlier post) and again after a 5xx or a lost answer, before it counts as
// a failure.

import type { ActingClient } from '../sources/paperclip/client.js';
import { jsonObjects, type JsonObject } from '../sources/paperclip/json.js';
import { byCodeUnits } from '../util/compare.js';

export type PostOutcome = { id: string; reused: boolean } | { error: string };

const sameText = (body: string, mine: (c: JsonObject) => boolean) => (c: JsonObject) => !c.deletedAt && c.body === body && typeof c.id === 'string' && mine(c);

/**
 * `comments`: the issue's comments when the caller has just read them (saves a request). `mine`: which comments
 * may be an earlier post of this one (the flag: not one an agent wrote, or an agent could silence it by posting
 * its text first).
 */
export async function postCommentOnce(client: ActingClient, issueId: string, body: string, comments?: readonly unknown[], mine: (c: JsonObject) => boolean = () => true): Promise<PostOutcome> {
  const before = jsonObjects(comments ?? (await client.listComments(issueId))).find(sameText(body, mine));
  if (before) return { id: before.id as string, reused: true };
  let posted: { status: number; body: unknown } | undefined;
  try {
    posted = await client.addComment(issueId, body);
  } catch (e) {
    if ((e as { code?: string }).code === 'aborted') throw e;
    // No answer: the request may still have been stored. The re-read below decides.
  }
  const id = posted && posted.status < 300 ? (posted.body as { id?: unknown })?.id : undefined;
  if (typeof id === 'string') return { id, reused: false };
  if (!posted || posted.status >= 500) {
    const after = jsonObjects(await client.listComments(issueId)).find(sameText(body, mine));
    if (after) return { id: after.id as string, reused: false };
  }
  const err = (posted?.body as { error?: unknown } | null)?.error;
  return { error: posted ? `HTTP ${posted.status}${typeof err === 'string' ? ` ${err.slice(0, 200)}` : ''}` : 'no answer' };
}

/**
 * The order two clipguards posting the same comment at the same moment agree on: createdAt, then id (code units,
 * so every process and locale sorts alike). The earliest stays; each process deletes its own later ones.
 */
export function byPostingOrder(a: Record<string, unknown>, b: Record<string, unknown>): number {
  return byCodeUnits(String(a.createdAt ?? ''), String(b.createdAt ?? '')) || byCodeUnits(String(a.id), String(b.id));
}

/** The id of the earliest undeleted comment in `all` that `match` takes and that was posted before `mine`, or null. */
export function postedBefore(all: readonly Record<string, unknown>[], mine: string, match: (c: Record<string, unknown>) => boolean): string | null {
  const me = all.find((c) => c.id === mine);
  if (!me) return null;
  const first = all.filter((c) => c.id !== mine && !c.deletedAt && typeof c.id === 'string' && byPostingOrder(c, me) < 0 && match(c)).sort(byPostingOrder)[0];
  return first ? String(first.id) : null;
}
