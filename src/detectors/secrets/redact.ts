// Redaction and masking. A secret leaves the detector only as a masked preview and a hash; these are the
// only functions that turn text holding secrets into text that may be shown or written back.

/** The parts of a match redaction needs (a SecretMatch has them). */
export interface RedactSpan {
  kind: string;
  start: number;
  end: number;
}

/**
 * Replace each secret span with `[REDACTED:<kind>]`, and every other place the same value stands in `text` as a
 * whole token: the detector finds a generic key beside its keyword only (`api_key: X`), and the same X written
 * again further on ("and for staging use X") must not survive the redaction. Every other character is kept
 * exactly. Overlapping spans (possible when matches from several calls are merged) are redacted once, by the
 * earliest.
 */
export function redactSecrets(text: string, matches: readonly RedactSpan[]): string {
  if (!matches.length) return text;
  const spans = [...matches, ...repeatsOf(text, matches)].sort((a, b) => a.start - b.start || b.end - a.end);
  let out = '';
  let pos = 0;
  for (const m of spans) {
    if (m.start < pos || m.end <= m.start || m.end > text.length) continue;
    out += text.slice(pos, m.start) + `[REDACTED:${m.kind}]`;
    pos = m.end;
  }
  return out + text.slice(pos);
}

/** Values shorter than this are not looked for again: a 4-character password would take every such word. */
const REPEAT_MIN = 6;
/** Each value costs one pass over the text: a text with thousands of distinct keys is bounded to this many passes. */
const REPEAT_VALUES = 256;
const WORD = /[\p{L}\p{N}_]/u;

/** The other whole-token occurrences of each matched value in `text`. */
function repeatsOf(text: string, matches: readonly RedactSpan[]): RedactSpan[] {
  const out: RedactSpan[] = [];
  const seen = new Set<string>();
  for (const m of matches) {
    if (m.start < 0 || m.end > text.length || m.end - m.start < REPEAT_MIN) continue;
    const value = text.slice(m.start, m.end);
    if (seen.has(value)) continue;
    if (seen.size >= REPEAT_VALUES) break;
    seen.add(value);
    const wordStart = WORD.test(value[0]);
    const wordEnd = WORD.test(value[value.length - 1]);
    for (let at = text.indexOf(value); at >= 0; at = text.indexOf(value, at + 1)) {
      if (at === m.start) continue;
      const end = at + value.length;
      if (wordStart && at > 0 && WORD.test(text[at - 1])) continue;
      if (wordEnd && end < text.length && WORD.test(text[end])) continue;
      out.push({ kind: m.kind, start: at, end });
    }
  }
  return out;
}

/**
 * A preview that identifies a secret to its owner without exposing it: the first 4 characters (2 for
 * secrets shorter than 12, none below 6) and an ellipsis. Provider prefixes make those characters
 * mostly public anyway ("ghp_…", "sk-a…").
 */
export function maskSecret(secret: string): string {
  const chars = Array.from(secret);
  const keep = chars.length >= 12 ? 4 : chars.length >= 6 ? 2 : 0;
  // A preview goes into one-line reports: no control characters.
  return chars.slice(0, keep).join('').replace(/[\u0000-\u001f\u007f]/g, '?') + '…';
}
