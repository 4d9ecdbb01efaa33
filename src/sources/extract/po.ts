// gettext .po: only msgstr strings (and their continuation lines). Not msgid, not comments (`#`, which
// includes obsolete `#~` entries and translator notes), and not the header (the msgstr of the entry
// whose msgid is empty), which holds translators' names and metadata.
//
// One pass over the text by index, no line strings or regular expressions per line: on real .po files this
// reader was most of the lint's time when it split lines and matched each with a regex (the previous
// reader is test/helpers/po-reference.ts, the oracle of a property test).

import type { Segment } from './types.js';

/** What String.prototype.trimStart removes (ECMAScript WhiteSpace and LineTerminator). */
function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d) || (c >= 0x80 && (c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff));
}

const enum Kw {
  None,
  Msgctxt,
  Msgid,
  MsgidPlural,
  Msgstr,
}

/** The keyword at `i` followed by at least one space (as /^(msgctxt|msgid_plural|msgid|msgstr(\[\d+\])?)\s+/). */
function keywordAt(text: string, i: number, end: number): Kw {
  if (!text.startsWith('msg', i)) return Kw.None;
  let kw: Kw;
  let j: number;
  if (text.startsWith('ctxt', i + 3)) {
    kw = Kw.Msgctxt;
    j = i + 7;
  } else if (text.startsWith('id_plural', i + 3)) {
    kw = Kw.MsgidPlural;
    j = i + 12;
    // msgid_plural without a space after it may still be msgid followed by `_plural...`: not a keyword either way.
  } else if (text.startsWith('id', i + 3)) {
    kw = Kw.Msgid;
    j = i + 5;
  } else if (text.startsWith('str', i + 3)) {
    kw = Kw.Msgstr;
    j = i + 6;
    if (j < end && text.charCodeAt(j) === 0x5b /* [ */) {
      let k = j + 1;
      while (k < end && text.charCodeAt(k) >= 0x30 && text.charCodeAt(k) <= 0x39) k++;
      if (k > j + 1 && k < end && text.charCodeAt(k) === 0x5d /* ] */) j = k + 1;
    }
  } else return Kw.None;
  return j < end && isSpace(text.charCodeAt(j)) ? kw : Kw.None;
}

export function poSegments(text: string): Segment[] {
  const out: Segment[] = [];
  let keyword = Kw.None;
  let msgidEmpty = true;
  let hasContext = false;
  let pending: Segment[] = [];
  const flush = () => {
    if (!(msgidEmpty && !hasContext)) for (const s of pending) out.push(s);
    pending = [];
  };
  const n = text.length;
  for (let lineStart = 0; lineStart <= n; ) {
    let nl = text.indexOf('\n', lineStart);
    if (nl < 0) nl = n;
    const next = nl + 1;
    let end = nl;
    if (end > lineStart && text.charCodeAt(end - 1) === 0x0d) end--;
    let i = lineStart;
    while (i < end && isSpace(text.charCodeAt(i))) i++;
    const first = i < end ? text.charCodeAt(i) : -1;
    if (first === -1 || first === 0x23 /* # */) {
      lineStart = next;
      continue;
    }
    if (first === 0x6d /* m */) {
      const kw = keywordAt(text, i, end);
      if (kw !== Kw.None) {
        if ((kw === Kw.Msgctxt || kw === Kw.Msgid) && (keyword === Kw.Msgstr || keyword === Kw.None)) {
          if (keyword === Kw.Msgstr) flush();
          msgidEmpty = true;
          hasContext = false;
        }
        if (kw === Kw.Msgctxt) hasContext = true;
        keyword = kw;
      } else {
        lineStart = next;
        continue;
      }
    } else if (first !== 0x22 /* " */) {
      lineStart = next;
      continue;
    }
    const q1 = text.indexOf('"', lineStart);
    const q2 = text.lastIndexOf('"', end - 1);
    if (q1 >= 0 && q1 < end && q2 > q1) {
      if (keyword === Kw.Msgid) {
        if (q2 > q1 + 1) msgidEmpty = false;
      } else if (keyword === Kw.Msgstr && q2 > q1 + 1) pending.push({ start: q1 + 1, end: q2 });
    }
    lineStart = next;
  }
  if (keyword === Kw.Msgstr) flush();
  return out;
}
