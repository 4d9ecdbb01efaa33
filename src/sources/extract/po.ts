// gettext .po: only msgstr strings (and their continuation lines). Not msgid, not comments (`#`, which
// includes obsolete `#~` entries and translator notes), and not the header (the msgstr of the entry
// whose msgid is empty), which holds translators' names and metadata.
//
// One pass over the text by index, no line strings: on real .po files this reader was most of the lint's
// time when it split lines and matched each with a regex (the previous reader is test/helpers/po-reference.ts,
// the oracle of property tests). Comment lines are skipped on their first character, and only a line that
// starts with `m` asks a sticky regular expression for its keyword: in a short-lived process the compiled
// code of a larger loop (character-by-character keyword checks inlined into it) cost more to produce than
// the whole read (cold, 19 GNOME .po files: ~30 ms CPU before, ~14 ms after).

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

/**
 * A keyword followed by a space (as /^(msgctxt|msgid_plural|msgid|msgstr(\[\d+\])?)\s+/), matched where the
 * reader stands (sticky): the regular expression engine's compiled code does what a function of character
 * comparisons would, without that function weighing on each compilation of the reader's loop.
 */
const KEYWORD = /msg(?:ctxt|id_plural|id|str(?:\[\d+\])?)(?=\s)/y;

/** The keyword at `i`, followed by a space before `end`; None when there is none. */
function keywordAt(text: string, i: number, end: number): Kw {
  KEYWORD.lastIndex = i;
  if (!KEYWORD.test(text) || KEYWORD.lastIndex >= end) return Kw.None;
  const c = text.charCodeAt(i + 3);
  return c === 0x63 /* c */ ? Kw.Msgctxt : c === 0x73 /* s */ ? Kw.Msgstr : KEYWORD.lastIndex === i + 5 ? Kw.Msgid : Kw.MsgidPlural;
}

export function poSegments(text: string): Segment[] {
  const out: Segment[] = [];
  let keyword = Kw.None;
  let msgidEmpty = true;
  let hasContext = false;
  // The msgstr segments since the last entry boundary are out[entryStart ..]: dropped there when the entry
  // is the header.
  let entryStart = 0;
  const n = text.length;
  for (let lineStart = 0; lineStart <= n; ) {
    let nl = text.indexOf('\n', lineStart);
    if (nl < 0) nl = n;
    const next = nl + 1;
    let i = lineStart;
    let first = text.charCodeAt(i);
    // Comments (`#: file.c:12`, most lines of a .po file) are decided by their first character.
    if (first === 0x23 /* # */ || i >= nl) {
      lineStart = next;
      continue;
    }
    let end = nl;
    if (text.charCodeAt(end - 1) === 0x0d) end--;
    if (first !== 0x6d /* m */ && first !== 0x22 /* " */) {
      while (i < end && isSpace(text.charCodeAt(i))) i++;
      first = i < end ? text.charCodeAt(i) : -1;
    }
    if (first === 0x6d /* m */) {
      const kw = keywordAt(text, i, end);
      if (kw === Kw.None) {
        lineStart = next;
        continue;
      }
      if ((kw === Kw.Msgctxt || kw === Kw.Msgid) && (keyword === Kw.Msgstr || keyword === Kw.None)) {
        if (keyword === Kw.Msgstr && msgidEmpty && !hasContext) out.length = entryStart;
        entryStart = out.length;
        msgidEmpty = true;
        hasContext = false;
      }
      if (kw === Kw.Msgctxt) hasContext = true;
      keyword = kw;
    } else if (first !== 0x22 /* " */) {
      lineStart = next;
      continue;
    }
    const q1 = text.indexOf('"', i);
    const q2 = text.lastIndexOf('"', end - 1);
    if (q1 >= 0 && q1 < end && q2 > q1) {
      if (keyword === Kw.Msgid) {
        if (q2 > q1 + 1) msgidEmpty = false;
      } else if (keyword === Kw.Msgstr && q2 > q1 + 1) out.push({ start: q1 + 1, end: q2 });
    }
    lineStart = next;
  }
  // The last entry: kept unless it is the header; segments after which no msgstr line came are dropped.
  if (keyword !== Kw.Msgstr || (msgidEmpty && !hasContext)) out.length = entryStart;
  return out;
}
