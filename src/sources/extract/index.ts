// Extractors: what part of a locale file is translated text, as source ranges, so every finding maps back
// to the file's own line and column. Whole-file scanning would flag keys, translators' names and code.

import { extname } from 'node:path';
import { jsonSegments } from './json.js';
import { markdownSegments } from './markdown.js';
import { poSegments } from './po.js';
import { scriptSegments } from './script.js';
import type { Segment } from './types.js';
import { yamlSegments } from './yaml.js';

export type { Segment } from './types.js';
export type FileFormat = 'json' | 'yaml' | 'po' | 'markdown' | 'script' | 'text';

export function formatOf(path: string): FileFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.json' || ext === '.jsonc' || ext === '.json5' || ext === '.arb') return 'json';
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  if (ext === '.po' || ext === '.pot') return 'po';
  if (ext === '.md' || ext === '.markdown' || ext === '.mdx') return 'markdown';
  if (['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts', '.jsx', '.tsx'].includes(ext)) return 'script';
  return 'text';
}

/** Placeholders such as {{count}} or {{用户名}} are code, not prose: cut them out of each segment. */
function withoutPlaceholders(text: string, segs: Segment[]): Segment[] {
  const out: Segment[] = [];
  const re = /\{\{[\s\S]*?\}\}/g;
  let nextOpen = -2; // next `{{` at or after the current segment, found once and reused
  for (const s of segs) {
    if (nextOpen !== -1 && nextOpen < s.start) nextOpen = text.indexOf('{{', s.start);
    if (nextOpen === -1 || nextOpen >= s.end - 1) {
      out.push(s);
      continue;
    }
    const piece = text.slice(s.start, s.end);
    let last = 0;
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(piece))) {
      if (m.index > last) out.push({ start: s.start + last, end: s.start + m.index });
      last = m.index + m[0].length;
    }
    if (last < piece.length) out.push({ start: s.start + last, end: s.end });
  }
  return out;
}

export function extractSegments(path: string, text: string, format: FileFormat = formatOf(path)): Segment[] {
  let segs: Segment[];
  if (format === 'json') segs = jsonSegments(text);
  else if (format === 'yaml') segs = yamlSegments(text) ?? [{ start: 0, end: text.length }];
  else if (format === 'po') segs = poSegments(text);
  else if (format === 'markdown') segs = markdownSegments(text);
  else if (format === 'script') segs = scriptSegments(text);
  else segs = [{ start: 0, end: text.length }];
  return withoutPlaceholders(text, segs);
}
