// JSON (and JSONC) string values, not keys: a key is a string followed by `:`. A small scanner rather
// than JSON.parse, because parsed values lose their offsets. Comments are skipped, so their text is not
// linted; malformed files still yield their strings.

import type { Segment } from './types.js';

export function jsonSegments(text: string): Segment[] {
  const out: Segment[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === '/' && text[i + 1] === '/') {
      const e = text.indexOf('\n', i);
      i = e < 0 ? n : e;
    } else if (c === '/' && text[i + 1] === '*') {
      const e = text.indexOf('*/', i + 2);
      i = e < 0 ? n : e + 2;
    } else if (c === '"') {
      const start = i + 1;
      let j = start;
      while (j < n && text[j] !== '"' && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      const end = Math.min(j, n);
      let k = end + 1;
      while (k < n && (text[k] === ' ' || text[k] === '\t' || text[k] === '\r' || text[k] === '\n')) k++;
      if (text[k] !== ':' && end > start) out.push({ start, end });
      i = end + 1;
    } else i++;
  }
  return out;
}
