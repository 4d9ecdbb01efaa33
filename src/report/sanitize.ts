// Scanned content is hostile: comments and file names can carry ANSI escapes, NUL bytes, lone surrogates,
// XML/HTML markup or Markdown pipes. Every reporter passes strings through one of these before output.

/**
 * Remove C0/C1 controls (incl. ESC, so no ANSI sequence survives) except tab/newline; replace lone surrogates and
 * U+FFFE/U+FFFF. Remove the bidi controls (U+202A-U+202E embeddings and overrides, U+2066-U+2069 isolates, the
 * U+200E/U+200F/U+061C marks) and invisible characters (zero-width space, word joiner and invisible operators
 * U+2060-U+2064, BOM, soft hyphen, U+180E): any of them makes a terminal, a browser or a Markdown view show a
 * ticket's text in another order or with hidden parts ("Trojan Source"). Zero-width (non-)joiners stay: emoji
 * sequences and Persian and Indic scripts need them, and they cannot reorder text.
 */
export function plain(s: string): string {
  return s
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g, '')
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')
    // Noncharacters U+FFFE and U+FFFF are not XML characters: a JUnit file holding one does not parse.
    .replace(/[\ufffe\uffff]/g, '\ufffd');
}

/** One line, bounded length: for terminal and table cells. */
export function oneLine(s: string, max = 400): string {
  // Cut before cleaning: a 10 MB line needs no full pass to yield 400 characters.
  const t = plain(s.length > max * 4 ? s.slice(0, max * 4) : s).replace(/\s*\n\s*/g, ' ');
  return t.length > max ? t.slice(0, max - 1) + '…' : t;
}

export function xml(s: string): string {
  return plain(s)
    .replace(/\t/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

export const html = xml;

export function markdownCell(s: string, max = 300): string {
  return oneLine(s, max)
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([`*_[\]])/g, '\\$1')
    // Paperclip takes `[label](agent://<id>)` for a mention and wakes that agent, `\[` or not: a `(` right after a
    // `]` is escaped too (a cell never renders a link anyway), so a posted table mentions no one.
    .replace(/\]\(/g, ']\\(');
}
