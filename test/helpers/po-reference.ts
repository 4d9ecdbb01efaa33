// The previous line-splitting .po extractor, kept as the oracle for the fast one (zh-po-property.test.ts).
// gettext .po: only msgstr strings (and their continuation lines). Not msgid, not comments (`#`, which
// includes obsolete `#~` entries and translator notes), and not the header (the msgstr of the entry
// whose msgid is empty), which holds translators' names and metadata.

import type { Segment } from '../../src/sources/extract/types.js';

export function poSegmentsReference(text: string): Segment[] {
  const out: Segment[] = [];
  let keyword = '';
  let msgid = '';
  let hasContext = false;
  let pending: Segment[] = [];
  const flush = () => {
    if (!(msgid === '' && !hasContext)) out.push(...pending);
    pending = [];
  };
  let offset = 0;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    const lineStart = offset;
    offset += raw.length + 1;
    const trimmed = line.trimStart();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const m = /^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+/.exec(trimmed);
    if (m) {
      const kw = m[1].startsWith('msgstr') ? 'msgstr' : m[1];
      if ((kw === 'msgctxt' || kw === 'msgid') && (keyword === 'msgstr' || keyword === '')) {
        if (keyword === 'msgstr') flush();
        msgid = '';
        hasContext = false;
      }
      if (kw === 'msgctxt') hasContext = true;
      keyword = kw;
    } else if (!trimmed.startsWith('"')) continue;
    const q1 = line.indexOf('"');
    const q2 = line.lastIndexOf('"');
    if (q1 < 0 || q2 <= q1) continue;
    const seg = { start: lineStart + q1 + 1, end: lineStart + q2 };
    if (keyword === 'msgid') msgid += line.slice(q1 + 1, q2);
    else if (keyword === 'msgstr' && seg.end > seg.start) pending.push(seg);
  }
  if (keyword === 'msgstr') flush();
  return out;
}
