// Who may delete a Paperclip comment: only its author (the server answers 403 "Only the comment author can
// delete comments" to anyone else), and clipguard acts as the board, a user. The planner and the executor both
// ask this, so a redaction that cannot be done is `failed` with the same reason in the dry-run and in --apply.

const asciiOnly = (s: string): string => s.replace(/[^\x20-\x7e]/g, '?');

/** Who wrote `c` when no user did (then the board cannot delete it); null for a user's comment, or unknown. */
export function nonUserAuthor(c: Readonly<Record<string, unknown>>): string | null {
  if (typeof c.authorUserId === 'string' && c.authorUserId) return null;
  if (typeof c.authorAgentId === 'string' && c.authorAgentId) return `agent ${asciiOnly(c.authorAgentId)}`;
  if (c.authorType === 'agent') return 'an agent';
  if (c.authorType === 'system') return 'the server itself';
  return null;
}

/** The kind the detector gives a Paperclip run key (a signed token, not a stored key). */
export const RUN_KEY_KIND = 'paperclip-run-jwt';

/** What a leaked run key means, `until` being its expiry when known (the token's own `exp`, not a secret). */
export function runKeyNote(until: string | null): string {
  return ` A Paperclip run key cannot be revoked and outlives its run: it works ${until ? `until ${until}` : 'until it expires (48 h after its run started, by default)'}, unless the agent is terminated or the server's PAPERCLIP_AGENT_JWT_SECRET is changed.`;
}

/** Why the board cannot delete a comment `author` wrote. */
export function cannotDelete(author: string): string {
  return `Paperclip lets only the comment's author delete it (${author})`;
}

/** What stays, and the remedy. */
export function keyStays(commentId: string): string {
  return `the key stays in comment ${asciiOnly(commentId)}: rotate it.`;
}

/** The ledger key under which a refused delete of a user's comment is remembered (not tried again for 7 days). */
export const refusedKey = (issueId: string, commentId: string): string => `redact-refused:${issueId}:${commentId}`;

/** Why a comment whose delete the server refused before is not tried again. */
export function refusedEarlier(at: string, detail: string | undefined): string {
  return `Paperclip refused to delete it at ${at} (${detail ?? 'refused'})`;
}
