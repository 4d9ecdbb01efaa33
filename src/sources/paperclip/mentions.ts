// Text clipguard re-posts on Paperclip (a redacted copy of a comment) was written by someone else, and Paperclip
// acts on two things in a comment's body: a mention link wakes the agent it names (paperclipai 2026.916.1,
// @paperclipai/shared project-mentions.js: `[label](agent://<id>)`, one paid run each; user://, project://,
// skill://, routine:// and pipeline:// links are mentions of the same shape), and clipguard's own marker lines
// (`<!-- clipguard-flag ...`, `<!-- clipguard-checklist ...`) say what clipguard already posted. A copy must
// do neither: the original already woke whom it mentioned, and a marker an agent wrote must not become one the
// board side posted.

/**
 * `](` right before a link scheme other than http(s): Paperclip's mention regex needs the `(` right after the
 * `]`. Any such scheme, not only today's six, so a scheme a later Paperclip adds is defused too; web links stay.
 */
const MENTION_LINK = /\]\((?=[a-z][a-z0-9+.-]*:\/\/)(?!https?:\/\/)/gi;
/** The start of a clipguard marker line (facts/flagged.ts FLAG_MARKER, report/checklist.ts CHECKLIST_SUBSTANCE). */
const MARKER = /<!--(\s*clipguard-)/gi;

/**
 * The same text, mentioning no one and carrying no clipguard marker, as readable as before: a backslash before the
 * link's `(` (Markdown shows `[@CEO](agent://...)` as plain text, Paperclip finds no mention), and `<!--` of a
 * marker written as `&lt;!--` (shown, where the original hid it; the marker regexes no longer match).
 */
export function quietCopy(text: string): string {
  return text.replace(MENTION_LINK, ']\\(').replace(MARKER, '&lt;!--$1');
}
