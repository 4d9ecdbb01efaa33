// The `flagged` fact of an issue, a comment and a run: which keys clipguard's flag comments on the issue already
// asked to rotate (their marker line), so the plan skips a flag the executor would skip after its re-read
// (the dry-run shows what --apply does). `read` is false when the issue's comments were not read: the plan
// cannot know then. Only flag comments a user wrote count (clipguard posts as the board): an agent cannot silence a
// flag by writing the marker itself, nor by having it copied into a redacted copy clipguard posts.
import { hash } from 'node:crypto';
import { arr, B, obj, S } from '../engine/shape.js';
import type { FactFamily } from './family.js';

const flaggedShape = obj({ read: B, keys: arr(S) });

export const flaggedFamily = {
  facts: { issue: { flagged: flaggedShape }, comment: { flagged: flaggedShape }, run: { flagged: flaggedShape } },
} satisfies FactFamily;

/** How a flag comment starts (actions/flag.ts flagBody): a marker counts only in a comment that does. */
export const FLAG_HEAD = 'clipguard found ';

/** The marker line of a flag comment: the keys it names, each a hash of kind and fingerprint (no secret, no preview). */
export const FLAG_MARKER = /<!-- clipguard-flag ((?:[0-9a-f]{16} ?)+) -->/;

/** A key as the marker names it: a hash of its kind and the detector's fingerprint (FlagEntry.key). */
export function flagKeyHash(key: string): string {
  return hash('sha256', key, 'hex').slice(0, 16);
}

/**
 * Whether clipguard could have written `c`: a board user's comment (`scan --apply`) or a system one (the live
 * guard posting through the plugin API; no agent can write one), and none an agent run provably wrote (in
 * local_trusted mode agents post as the `local-board` user; Paperclip then names the run).
 */
export function byClipguardSide(c: Record<string, unknown>): boolean {
  if (c.deletedAt || c.authorType === 'agent' || c.authorAgentId || c.createdByRunId || c.derivedAuthorAgentId) return false;
  return c.authorType === 'system' ? !c.authorUserId : typeof c.authorUserId === 'string' && !!c.authorUserId;
}

/** The keys clipguard's flag comments among `comments` already asked to rotate. */
export function flaggedKeys(comments: readonly Record<string, unknown>[]): Set<string> {
  const out = new Set<string>();
  for (const c of comments) {
    // A flag's text, not any board-side comment holding a marker: a redacted copy repeats what an agent wrote
    // (its markers are defused there too, sources/paperclip/mentions.ts), and an agent must not silence a flag.
    if (typeof c.body !== 'string' || !c.body.startsWith(FLAG_HEAD) || !byClipguardSide(c)) continue;
    const m = FLAG_MARKER.exec(c.body);
    if (m) for (const k of m[1].trim().split(' ')) out.add(k);
  }
  return out;
}

const UNREAD = Object.freeze({ read: false, keys: Object.freeze([]) as unknown as string[] });
const NONE = Object.freeze({ read: true, keys: Object.freeze([]) as unknown as string[] });

/** From the issue's comments as read (undefined: not read). */
export function flaggedFacts(comments: readonly Record<string, unknown>[] | undefined): { read: boolean; keys: string[] } {
  if (!comments) return UNREAD;
  const keys = flaggedKeys(comments);
  return keys.size ? { read: true, keys: [...keys].sort() } : NONE;
}
