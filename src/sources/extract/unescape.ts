// JSON and JS strings can spell a character as `\uXXXX` (and JS as `\u{XXXXX}`): Python's json.dump does it
// for every non-ASCII character by default, and so do some bundlers and export tools. Such a file's source
// text holds no Han character at all, so the zh linter would see nothing. This gives the linter the segments
// with those escapes decoded, and maps a position in the decoded text back to the file's own offset, so a
// finding still points at the escape in the file (line and column of its backslash).

import type { Segment } from './types.js';

export interface Unescaped {
  /** The file's text with the escapes inside the segments decoded (everything else as it was). */
  text: string;
  /** The same segments, as offsets into `text`. */
  segments: Segment[];
  /** The file's own offset of an offset into `text` (an offset inside a decoded escape: its backslash). */
  toSource(offset: number): number;
}

const HEX = /^[0-9a-fA-F]{4}$/;

/** The segments with their `\u` escapes decoded, or null when no segment has one (the common case). */
export function unescapeSegments(text: string, segments: readonly Segment[]): Unescaped | null {
  if (!text.includes('\\u')) return null;
  let out = '';
  let copied = 0; // source offset up to which `text` has been copied into `out`
  // Breakpoints: decoded offset `dec[k]` is source offset `src[k]`; offsets between two breakpoints are linear.
  const dec: number[] = [0];
  const src: number[] = [0];
  const segs: Segment[] = [];
  let any = false;
  for (const seg of segments) {
    if (seg.start < copied) continue; // extractors give ordered, disjoint segments; never read one twice
    out += text.slice(copied, seg.start);
    copied = seg.start;
    const start = out.length;
    let i = text.indexOf('\\', seg.start);
    while (i >= 0 && i < seg.end) {
      let run = 0; // backslashes in a row: an escaped backslash (`\\u4e2d`) is the text `\u4e2d`
      while (i + run < seg.end && text.charCodeAt(i + run) === 0x5c) run++;
      const at = i + run - 1; // the last backslash of the run
      let len = 0;
      let cp = -1;
      if (run % 2 === 1 && text.charCodeAt(at + 1) === 0x75 /* u */) {
        const four = text.slice(at + 2, at + 6);
        if (HEX.test(four) && at + 6 <= seg.end) {
          cp = parseInt(four, 16);
          len = 6;
        } else if (text.charCodeAt(at + 2) === 0x7b /* { */) {
          const close = text.indexOf('}', at + 3);
          const hex = close > 0 && close < seg.end ? text.slice(at + 3, close) : '';
          if (/^[0-9a-fA-F]{1,6}$/.test(hex) && parseInt(hex, 16) <= 0x10ffff) {
            cp = parseInt(hex, 16);
            len = close + 1 - at;
          }
        }
      }
      if (cp >= 0) {
        out += text.slice(copied, at);
        dec.push(out.length);
        src.push(at);
        // One code unit for \uXXXX (a surrogate pair is two escapes, decoded one unit each), a code point for \u{...}.
        out += len === 6 ? String.fromCharCode(cp) : String.fromCodePoint(cp);
        copied = at + len;
        dec.push(out.length);
        src.push(copied);
        any = true;
        i = text.indexOf('\\', copied);
      } else i = text.indexOf('\\', i + run);
    }
    out += text.slice(copied, seg.end);
    copied = seg.end;
    segs.push({ start, end: out.length });
  }
  if (!any) return null;
  out += text.slice(copied);
  return {
    text: out,
    segments: segs,
    toSource(offset: number): number {
      let lo = 0;
      let hi = dec.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (dec[mid] <= offset) lo = mid;
        else hi = mid - 1;
      }
      // Inside a decoded escape (a breakpoint pair whose source span is longer than its decoded one): its backslash.
      const next = lo + 1 < dec.length ? lo + 1 : -1;
      if (next > 0 && dec[next] - dec[lo] < src[next] - src[lo] && offset < dec[next]) return src[lo];
      return src[lo] + (offset - dec[lo]);
    },
  };
}
