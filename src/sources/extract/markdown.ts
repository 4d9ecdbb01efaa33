// Markdown prose: everything except fenced code blocks, inline code, URLs and link destinations, HTML
// comments and tags. Front matter is YAML: its values are linted, its keys are not.

import type { Segment } from './types.js';
import { yamlSegments } from './yaml.js';

const INLINE_EXCLUDE = /(`+)[\s\S]*?\1|<!--[\s\S]*?(?:-->|$)|\]\([^)\n]*\)|<[A-Za-z][A-Za-z0-9+.-]*:[^>\s]*>|<\/?[A-Za-z][^>\n]*>|\b[a-z][a-z0-9+.-]*:\/\/[^\s<>()\]]+|\bwww\.[^\s<>()\]]+/g;

export function markdownSegments(text: string): Segment[] {
  const out: Segment[] = [];
  let pos = 0;
  // Front matter: a first line of `---` up to the next `---` line.
  const fm = /^---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/.exec(text);
  if (fm) {
    const body = fm[1];
    out.push(...(yamlSegments(body, 4 + (text[3] === '\r' ? 1 : 0)) ?? []));
    pos = fm[0].length;
  }
  // Split into prose chunks around fenced code blocks, then cut the inline exclusions out of each chunk.
  const fence = /^ {0,3}(`{3,}|~{3,})[^\n]*$/gm;
  fence.lastIndex = pos;
  let chunkStart = pos;
  let m: RegExpExecArray | null;
  while ((m = fence.exec(text))) {
    const marker = m[1];
    prose(text, chunkStart, m.index, out);
    const close = new RegExp(`^ {0,3}${marker[0] === '`' ? '`' : '~'}{${marker.length},}[ \\t]*\\r?$`, 'gm');
    close.lastIndex = m.index + m[0].length;
    const c = close.exec(text);
    chunkStart = c ? c.index + c[0].length : text.length;
    fence.lastIndex = chunkStart;
  }
  prose(text, chunkStart, text.length, out);
  return out;
}

function prose(text: string, start: number, end: number, out: Segment[]): void {
  if (end <= start) return;
  const chunk = text.slice(start, end);
  INLINE_EXCLUDE.lastIndex = 0;
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = INLINE_EXCLUDE.exec(chunk))) {
    if (m.index > last) out.push({ start: start + last, end: start + m.index });
    last = m.index + m[0].length;
    if (m[0].length === 0) INLINE_EXCLUDE.lastIndex++;
  }
  if (last < chunk.length) out.push({ start: start + last, end });
}
