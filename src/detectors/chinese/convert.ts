// What the detector knows of each conversion direction, from the compiled tables (tables.ts): the phrase
// table that decides whether a character valid in both scripts is wrong *in its phrase*, the adjacent pairs
// that occur inside those phrases (a cheap test that no phrase can cover a character, the common case),
// one-character conversions both ways and the regional variant step. Suggestions in context come from the
// same tables, converted the way OpenCC converts (longest phrase from the left, else the character's own
// conversion, then the region's variant step), so opencc-js and its tries are never built at run time.
// Every lookup searches the packed typed arrays by halves: nothing is indexed per process.

import { loadTables, pairKey, type CpMap, type PhraseIndex, type Target } from './tables.js';

type Convert = (text: string) => string;

export interface Direction {
  /** Converts a window of text to the target script (cn->tw, cn->hk or tw->cn): suggestions. */
  convert: Convert;
  /** One character to the target script. */
  single(ch: string): string;
  /** The region's variant step applied after the script conversion (裏 -> 裡 for TW); identity for cn. */
  post(ch: string): string;
  /**
   * The longest script-conversion phrase (two or more characters, keyed in the source script: 之后 -> 之後)
   * that the code points cps[p ..< end] start with: its entry, or -1.
   */
  longestPhrase(cps: ArrayLike<number>, p: number, end: number): number;
  /** A phrase entry's key length in code points, and its value. */
  phraseLength(entry: number): number;
  phraseValue(entry: number): string;
  /**
   * Whether two adjacent characters (code points) occur in some phrase that *rewrites* one of them at that
   * place. A character whose pairs with both neighbours are absent cannot be rewritten by any phrase, so the
   * window is never built (the common case).
   */
  rewritePair(first: number, second: number): boolean;
  /** Code point of the normalised form of a code point (itself when it has none of one code point). */
  normaliseCp(cp: number): number;
}

/** Index of the first key in [lo, hi) whose UTF-16 unit at `depth` is >= u; a key ending at `depth` counts as -1. */
function lowerAt(ix: PhraseIndex, lo: number, hi: number, depth: number, u: number): number {
  const { keys, keyStart } = ix;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const at = keyStart[mid] + depth;
    const unit = at < keyStart[mid + 1] ? keys[at] : -1;
    if (unit < u) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Phrase lookups over one packed phrase table. Keys are sorted by UTF-16 units, so the keys that start with
 * what has been read so far are one range, narrowed unit by unit: the range is empty as soon as no phrase
 * continues (where the longest-match walk stops), and a key equal to what was read comes first in it.
 */
class PhraseTable {
  private valueText: string | undefined;
  constructor(private readonly ix: PhraseIndex) {}

  longest(cps: ArrayLike<number>, p: number, end: number): number {
    const ix = this.ix;
    let lo = 0;
    let hi = ix.keyCps.length;
    let depth = 0;
    let best = -1;
    for (let i = p; i < end; i++) {
      const cp = cps[i];
      if (cp > 0xffff) {
        const high = 0xd800 + ((cp - 0x10000) >> 10);
        lo = lowerAt(ix, lo, hi, depth, high);
        hi = lowerAt(ix, lo, hi, depth, high + 1);
        depth++;
        if (lo >= hi) break;
        const low = 0xdc00 + ((cp - 0x10000) & 0x3ff);
        lo = lowerAt(ix, lo, hi, depth, low);
        hi = lowerAt(ix, lo, hi, depth, low + 1);
      } else {
        lo = lowerAt(ix, lo, hi, depth, cp);
        hi = lowerAt(ix, lo, hi, depth, cp + 1);
      }
      depth++;
      if (lo >= hi) break;
      if (ix.keyStart[lo + 1] - ix.keyStart[lo] === depth) best = lo;
    }
    return best;
  }

  length(entry: number): number {
    return this.ix.keyCps[entry];
  }

  value(entry: number): string {
    const { values, valueStart } = this.ix;
    this.valueText ??= Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('utf16le');
    return this.valueText.slice(valueStart[entry], valueStart[entry + 1]);
  }
}

/** Value of `cp` in a packed code point map, or -1. */
function lookup(m: CpMap, cp: number): number {
  const { keys } = m;
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] < cp) lo = mid + 1;
    else hi = mid;
  }
  return lo < keys.length && keys[lo] === cp ? m.values[lo] : -1;
}

/** Whether a sorted array of pairKey values holds `key`. */
function holds(sorted: Float64Array, key: number): boolean {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo < sorted.length && sorted[lo] === key;
}

/** One character through a code point map; a string of any other length is left as it is. */
function viaMap(m: CpMap): (ch: string) => string {
  return (ch) => {
    const cp = ch.codePointAt(0);
    if (cp === undefined || ch.length !== (cp > 0xffff ? 2 : 1)) return ch;
    const out = lookup(m, cp);
    return out < 0 ? ch : String.fromCodePoint(out);
  };
}

const cache = new Map<Target, Direction>();
/** Phrase tables by name: TW and HK share the Simplified -> Traditional one. */
const phraseTables = new Map<string, PhraseTable>();

/** Converted windows kept per direction before the memo starts over. */
const MEMO_LIMIT = 4096;

/** `target` is the script the text should be in: 'tw' or 'hk' (Traditional) or 'cn' (Simplified). */
export function direction(target: Target): Direction {
  let d = cache.get(target);
  if (d) return d;
  const tables = loadTables();
  const compiled = tables.directions[target];
  const { single: singleMap, post: postMap, normalise: normaliseMap } = compiled;
  let table = phraseTables.get(compiled.phrases);
  if (!table) phraseTables.set(compiled.phrases, (table = new PhraseTable(tables.phrases[compiled.phrases])));
  const phrases = table;
  const postLongest = Math.max(0, ...Object.keys(compiled.postPhrases ?? {}).map((k) => Array.from(k).length));
  // Windows repeat in repetitive text (a file of 后后后... or the same string in every entry): converted
  // once each, up to a bound, so such a file costs what its distinct windows cost.
  const memo = new Map<string, string>();
  const convert: Convert = (text) => {
    let done = memo.get(text);
    if (done === undefined) {
      if (memo.size >= MEMO_LIMIT) memo.clear();
      memo.set(text, (done = convertWindow(text)));
    }
    return done;
  };
  const convertWindow: Convert = (text) => {
    const cps = Array.from(text, (c) => c.codePointAt(0)!);
    let out = '';
    for (let i = 0; i < cps.length; ) {
      const entry = phrases.longest(cps, i, cps.length);
      if (entry >= 0) {
        out += phrases.value(entry);
        i += phrases.length(entry);
      } else {
        const s = lookup(singleMap, cps[i]);
        out += String.fromCodePoint(s < 0 ? cps[i] : s);
        i++;
      }
    }
    if (!postMap.keys.length && !postLongest) return out;
    // The region's variant step, as opencc-js runs it: its phrases (白臘 -> 白腊 for HK) longest first, else
    // the character's own variant.
    const outChars = Array.from(out);
    let posted = '';
    for (let i = 0; i < outChars.length; ) {
      let len = 0;
      for (let l = Math.min(postLongest, outChars.length - i); l >= 2 && !len; l--) {
        // Own keys only: ASCII passes through, so the text may spell "__proto__".
        const key = outChars.slice(i, i + l).join('');
        if (Object.hasOwn(compiled.postPhrases, key)) {
          posted += compiled.postPhrases[key];
          len = l;
        }
      }
      if (len) {
        i += len;
        continue;
      }
      const cp = lookup(postMap, outChars[i].codePointAt(0)!);
      posted += cp < 0 ? outChars[i] : String.fromCodePoint(cp);
      i++;
    }
    return posted;
  };
  const rewrites = tables.rewritePairs[compiled.phrases];
  d = {
    convert,
    single: viaMap(singleMap),
    normaliseCp: (cp) => {
      const n = lookup(normaliseMap, cp);
      return n < 0 ? cp : n;
    },
    post: viaMap(postMap),
    rewritePair: (a, b) => holds(rewrites, pairKey(a, b)),
    longestPhrase: (cps, p, end) => phrases.longest(cps, p, end),
    phraseLength: (entry) => phrases.length(entry),
    phraseValue: (entry) => phrases.value(entry),
  };
  cache.set(target, d);
  return d;
}
