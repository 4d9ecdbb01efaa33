// Redaction and masking. A secret leaves the detector only as a masked preview and a hash; these are the
// only functions that turn text holding secrets into text that may be shown or written back.

/** The parts of a match redaction needs (a SecretMatch has them). */
export interface RedactSpan {
  kind: string;
  start: number;
  end: number;
}

/**
 * Replace each secret span with `[REDACTED:<kind>]`; every other character is kept exactly. Overlapping
 * spans (possible when matches from several calls are merged) are redacted once, by the earliest.
 */
export function redactSecrets(text: string, matches: readonly RedactSpan[]): string {
  if (!matches.length) return text;
  const spans = [...matches].sort((a, b) => a.start - b.start || b.end - a.end);
  let out = '';
  let pos = 0;
  for (const m of spans) {
    if (m.start < pos || m.end <= m.start || m.end > text.length) continue;
    out += text.slice(pos, m.start) + `[REDACTED:${m.kind}]`;
    pos = m.end;
  }
  return out + text.slice(pos);
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
