// The `flag` action's words: one comment on an issue asking whoever wrote a secret there to rotate it. It is
// built from the findings' masked facts only (kind, where, line, author ids), so it cannot hold the key: not
// even the masked preview the findings show. The text is a pure function of what was found, sorted, so the
// same findings make the same comment, which is what lets postCommentOnce recognise an earlier post.

import { FLAG_HEAD, flaggedKeys, flagKeyHash } from '../facts/flagged.js';
import { byCodeUnits } from '../util/compare.js';

/** One secret as the flag comment names it. */
export interface FlagEntry {
  kind: string;
  description: string;
  place: 'title' | 'description' | 'comment' | 'run';
  commentId: string | null;
  /** For a run: its id and where in what it kept (`log (stdout)`, `event 4 (adapter.invoke)`). */
  runId?: string;
  runPlace?: string;
  /** Line within the title, the description or the comment (1-based). */
  line: number;
  author: string | null;
  /**
   * Which key this is, without the key: its kind and the detector's fingerprint of the (masked) line around it.
   * The same key written again (a new run printing the same line) has the same one.
   */
  key: string;
}

const MAX_LINES = 20;
const PLACE_ORDER = { title: 0, description: 1, comment: 2, run: 3 } as const;

/** The entry for the `index`-th secret of an issue or comment subject's facts, or null when it has none. */
export function flagEntry(subjectType: string, facts: Record<string, unknown>, index: unknown): FlagEntry | null {
  const secrets = facts.secrets as Record<string, unknown>[] | undefined;
  const m = typeof index === 'number' ? secrets?.[index] : undefined;
  if (!m) return null;
  const line = Number(m.line) || 1;
  const kind = String(m.kind ?? 'secret');
  const fingerprint = typeof m.fingerprintKey === 'string' && m.fingerprintKey ? m.fingerprintKey : `${subjectType}:${String(m.field ?? m.place ?? '')}:${line}`;
  const base = { kind, description: String(m.description ?? m.kind ?? 'secret'), key: `${kind}:${fingerprint}` };
  if (subjectType === 'run') {
    const run = (facts.run ?? {}) as Record<string, unknown>;
    const agent = (facts.agent ?? {}) as Record<string, unknown>;
    return { ...base, place: 'run', commentId: null, runId: String(run.id ?? ''), runPlace: String(m.place ?? 'log'), line, author: typeof agent.id === 'string' ? `agent ${agent.id}` : null };
  }
  if (subjectType === 'comment') {
    const c = (facts.comment ?? {}) as Record<string, unknown>;
    return { ...base, place: 'comment', commentId: String(c.id ?? ''), line, author: authorOf(c.authorAgentId, c.authorUserId) };
  }
  const issue = (facts.issue ?? {}) as Record<string, unknown>;
  const author = authorOf(issue.createdByAgentId, issue.createdByUserId);
  // The subject's facts count a description's lines from its own first line (subjects.ts titleOrDescription).
  return m.field === 'title' ? { ...base, place: 'title', commentId: null, line: 1, author } : { ...base, place: 'description', commentId: null, line, author };
}

function authorOf(agentId: unknown, userId: unknown): string | null {
  if (typeof agentId === 'string' && agentId) return `agent ${agentId}`;
  if (typeof userId === 'string' && userId) return `user ${userId}`;
  return null;
}

function where(e: FlagEntry): string {
  if (e.place === 'run') return `${e.description} (${e.kind}) in the ${e.runPlace} of run ${e.runId}, line ${e.line}${e.author ? `, a run of ${e.author}` : ''} (no API removes a run log)`;
  const at = e.place === 'comment' ? `comment ${e.commentId}, line ${e.line}` : e.place === 'title' ? 'the title' : `the description, line ${e.line}`;
  return `${e.description} (${e.kind}) in ${at}${e.author ? `, written by ${e.author}` : ''}`;
}

/**
 * The comment. ASCII only (every value passes asciiOnly), so Paperclip's 120-unit activity snippet never cuts
 * a surrogate pair (see post-comment.ts); no `name: value` shapes the secret detector would read as a key.
 */
export function flagBody(entries: FlagEntry[]): string {
  const sorted = [...entries].sort((a, b) => PLACE_ORDER[a.place] - PLACE_ORDER[b.place] || byCodeUnits(a.commentId ?? '', b.commentId ?? '') || byCodeUnits(a.runId ?? '', b.runId ?? '') || byCodeUnits(a.runPlace ?? '', b.runPlace ?? '') || a.line - b.line || byCodeUnits(a.kind, b.kind));
  const counts = new Map<string, number>();
  for (const e of sorted) counts.set(where(e), (counts.get(where(e)) ?? 0) + 1);
  const lines = [...counts].map(([w, n]) => `- ${asciiOnly(w)}${n > 1 ? ` (${n} of them)` : ''}`);
  const shown = lines.length > MAX_LINES ? [...lines.slice(0, MAX_LINES), `- and ${lines.length - MAX_LINES} more`] : lines;
  const n = entries.length;
  // A key in a run's log was written by the run, not on the issue: said so (the text for tickets is unchanged).
  const onIssue = entries.some((e) => e.place !== 'run');
  const found = onIssue ? (entries.some((e) => e.place === 'run') ? 'written on this issue or in the logs of its runs' : 'written on this issue') : 'in the logs of runs on this issue';
  return (
    `${FLAG_HEAD}${n === 1 ? 'a secret' : `${n} secrets`} ${found}. Everyone who can read the issue, and every agent woken on it, has ${n === 1 ? 'it' : 'them'} now. ` +
    `To whoever wrote ${n === 1 ? 'it' : 'them'}: please rotate ${n === 1 ? 'the key' : 'each key'} (revoke it where it was issued and use a new one; agent keys belong in Paperclip secrets). ` +
    `This comment does not repeat any key. Where ${n === 1 ? 'it was' : 'they were'} found:\n\n${shown.join('\n')}\n\n${flagMarker(entries)}\n`
  );
}

/** The keys a flag names, each as a hash of its `key` (kind and fingerprint: no secret, no preview). */
export function flagKeys(entries: readonly FlagEntry[]): string[] {
  return [...new Set(entries.map((e) => flagKeyHash(e.key)))].sort();
}

/** The line that tells clipguard which keys a flag comment already asked to rotate (read back by facts/flagged.ts). */
export function flagMarker(entries: readonly FlagEntry[]): string {
  return `<!-- clipguard-flag ${flagKeys(entries).join(' ')} -->`;
}

export { flaggedKeys };

/** Kinds in a flag, for the action's one-line detail. */
export function flagSummary(entries: FlagEntry[]): string {
  const kinds = [...new Set(entries.map((e) => e.kind))].sort().join(', ');
  const places = [...new Set(entries.map((e) => (e.place === 'comment' ? `comment ${String(e.commentId).slice(0, 8)}` : e.place === 'run' ? `run ${String(e.runId).slice(0, 8)}` : `the ${e.place}`)))].join(', ');
  return `${entries.length} secret(s) (${kinds}) in ${places}`;
}

const asciiOnly = (s: string): string => s.replace(/[^\x20-\x7e]/g, '?');
