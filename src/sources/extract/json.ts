// JSON (and JSONC) string values, not keys: a key is a string followed by `:`. A small scanner rather
// than JSON.parse, because parsed values lose their offsets. Comments are skipped, so their text is not
// linted; malformed files still yield their strings.

import type { Segment } from './types.js';

const QUOTE = 0x22;
const SLASH = 0x2f;
const STAR = 0x2a;
const BACKSLASH = 0x5c;
const COLON = 0x3a;

export function jsonSegments(text: string): Segment[] {
  const out: Segment[] = [];
  const n = text.length;
  let i = 0;
  let nextNewline = -2; // cached: searching afresh per string would be quadratic on one-line (minified) JSON
  // Outside strings only a quote or a slash (a comment) matters: jump to the nearer of the two instead of
  // stepping over every brace, comma and indent (a third of a pretty-printed file). Both are cached and
  // searched again only once passed.
  let nextQuote = -2;
  let nextSlash = -2;
  while (i < n) {
    if (nextQuote !== -1 && nextQuote < i) nextQuote = text.indexOf('"', i);
    if (nextSlash !== -1 && nextSlash < i) nextSlash = text.indexOf('/', i);
    const jump = nextQuote < 0 ? nextSlash : nextSlash < 0 ? nextQuote : Math.min(nextQuote, nextSlash);
    if (jump < 0) break;
    i = jump;
    const c = text.charCodeAt(i);
    if (c === SLASH && text.charCodeAt(i + 1) === SLASH) {
      const e = text.indexOf('\n', i);
      i = e < 0 ? n : e;
    } else if (c === SLASH && text.charCodeAt(i + 1) === STAR) {
      const e = text.indexOf('*/', i + 2);
      i = e < 0 ? n : e + 2;
    } else if (c === QUOTE) {
      const start = i + 1;
      let j = start;
      for (;;) {
        const q = text.indexOf('"', j);
        if (nextNewline !== -1 && nextNewline < j) nextNewline = text.indexOf('\n', j);
        const nl = nextNewline;
        if (q < 0 || (nl >= 0 && nl < q)) {
          j = nl < 0 ? n : nl; // unterminated string: stop at the line end
          break;
        }
        let k = q - 1;
        while (k >= start && text.charCodeAt(k) === BACKSLASH) k--;
        j = q;
        if ((q - 1 - k) % 2 === 0) break; // the quote is not escaped
        j = q + 1;
      }
      const end = Math.min(j, n);
      let k = end + 1;
      while (k < n && (text.charCodeAt(k) <= 0x20)) k++;
      if (text.charCodeAt(k) !== COLON && end > start) out.push({ start, end });
      i = end + 1;
    } else i++;
  }
  return out;
}
