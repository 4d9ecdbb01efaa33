// JavaScript / TypeScript locale modules (export default { key: '翻譯' }): string literals that are not
// object keys. Comments are skipped; a template literal's ${...} parts are cut out.

import type { Segment } from './types.js';

export function scriptSegments(text: string): Segment[] {
  const out: Segment[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text[i];
    if (c === '/' && text[i + 1] === '/') {
      const e = text.indexOf('\n', i);
      i = e < 0 ? n : e;
    } else if (c === '/' && text[i + 1] === '*') {
      const e = text.indexOf('*/', i + 2);
      i = e < 0 ? n : e + 2;
    } else if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      let start = j;
      const pieces: Segment[] = [];
      while (j < n && text[j] !== c && (c === '`' || text[j] !== '\n')) {
        if (text[j] === '\\') j += 2;
        else if (c === '`' && text[j] === '$' && text[j + 1] === '{') {
          pieces.push({ start, end: j });
          let depth = 1;
          j += 2;
          while (j < n && depth > 0) depth += text[j] === '{' ? 1 : text[j++] === '}' ? -1 : 0;
          start = j;
        } else j++;
      }
      pieces.push({ start, end: Math.min(j, n) });
      let k = j + 1;
      while (k < n && /\s/.test(text[k])) k++;
      if (text[k] !== ':' || c === '`') out.push(...pieces.filter((p) => p.end > p.start));
      i = j + 1;
    } else i++;
  }
  return out;
}
