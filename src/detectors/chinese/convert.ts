// What the detector knows of each conversion direction, from the compiled tables (tables.ts): the phrase
// table that decides whether a character valid in both scripts is wrong *in its phrase*, the adjacent pairs
// that occur inside those phrases (a cheap test that no phrase can cover a character, the common case),
// one-character conversions both ways and the regional variant step. Suggestions in context come from the
// same tables, converted the way OpenCC converts (longest phrase from the left, else the character's own
// conversion, then the region's variant step), so opencc-js and its tries are never built at run time.

import { loadTables, type CompiledTables, type CpPairs, type Target } from './tables.js';

/** Code point pairs as first -> set of seconds: small integers only, no number boxed per pair. */
type PairSet = Map<number, Set<number>>;

function pairSet(pairs: CpPairs): PairSet {
  const m: PairSet = new Map();
  for (let i = 0; i < pairs.length; ) {
    const a = pairs.codePointAt(i)!;
    i += a > 0xffff ? 2 : 1;
    const b = pairs.codePointAt(i)!;
    i += b > 0xffff ? 2 : 1;
    let set = m.get(a);
    if (!set) m.set(a, (set = new Set()));
    set.add(b);
  }
  return m;
}

const hasPair = (m: PairSet, a: number, b: number): boolean => m.get(a)?.has(b) ?? false;

type Convert = (text: string) => string;

export interface Direction {
  /** Converts a window of text to the target script (cn->tw, cn->hk or tw->cn): suggestions. */
  convert: Convert;
  /** One character to the target script. */
  single(ch: string): string;
  /** One character to the *other* script: normalises the neighbours before a phrase lookup. */
  normalise(ch: string): string;
  /** The region's variant step applied after the script conversion (裏 -> 裡 for TW); identity for cn. */
  post(ch: string): string;
  /** The script-conversion phrase (two or more characters, keyed in the source script: 之后 -> 之後), if any. */
  phrase(key: string): string | undefined;
  /** Whether `key` (two or more characters) starts some phrase: longest-match lookup stops at the first miss. */
  isPrefix(key: string): boolean;
  /**
   * Whether two adjacent characters (code points) occur in some phrase that *rewrites* one of them at that
   * place. A character whose pairs with both neighbours are absent cannot be rewritten by any phrase, so the
   * window is never built (the common case).
   */
  rewritePair(first: number, second: number): boolean;
  /** Code point of the normalised form of a code point (itself when it has none of one code point). */
  normaliseCp(cp: number): number;
}

/**
 * Phrase lookups over one compiled phrase table. The first two characters of a key are checked against
 * the phrases' starts (one number lookup); only a key that starts some phrase parses its first
 * character's bucket, once.
 */
class PhraseTable {
  /** One first character's `key value` entries, sorted; null when no phrase starts with it. */
  private readonly buckets = new Map<string, string[] | null>();
  private readonly starts: PairSet;
  constructor(
    private readonly source: Readonly<Record<string, string>>,
    starts: CpPairs,
  ) {
    this.starts = pairSet(starts);
  }

  /** Whether the first two code points of `key` start some phrase. */
  private starting(key: string): boolean {
    const a = key.codePointAt(0)!;
    const b = key.codePointAt(a > 0xffff ? 2 : 1);
    return b !== undefined && hasPair(this.starts, a, b);
  }

  private bucket(key: string): string[] | null {
    const first = String.fromCodePoint(key.codePointAt(0)!);
    let b = this.buckets.get(first);
    if (b === undefined) {
      b = Object.hasOwn(this.source, first) ? this.source[first].split('|') : null;
      this.buckets.set(first, b);
    }
    return b;
  }

  /** Index of the first entry not below `key` (entries are `key value`, sorted). */
  private static lowerBound(entries: string[], key: string): number {
    let lo = 0;
    let hi = entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (entries[mid] < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  // An entry for `key` itself sorts first among those starting with it (the space after a key sorts below
  // every character a longer key could continue with).
  get(key: string): string | undefined {
    if (!this.starting(key)) return undefined;
    const b = this.bucket(key);
    if (!b) return undefined;
    const e = b[PhraseTable.lowerBound(b, key)];
    return e !== undefined && e.length > key.length && e.charCodeAt(key.length) === 0x20 && e.startsWith(key) ? e.slice(key.length + 1) : undefined;
  }

  /** Whether `key` (two or more characters) is a phrase or the start of a longer one. */
  isPrefix(key: string): boolean {
    if (!this.starting(key)) return false;
    const b = this.bucket(key);
    if (!b) return false;
    const e = b[PhraseTable.lowerBound(b, key)];
    return e !== undefined && e.startsWith(key);
  }
}

const cache = new Map<Target, Direction>();
/** Phrase tables by name: TW and HK share the Simplified -> Traditional one. */
const phraseTables = new Map<string, PhraseTable>();
const rewritePairSets = new Map<string, PairSet>();

function phraseTable(tables: CompiledTables, name: 'st' | 'ts'): PhraseTable {
  let t = phraseTables.get(name);
  if (!t) phraseTables.set(name, (t = new PhraseTable(tables.phrases[name], tables.starts[name])));
  return t;
}

function cpMap(pairs: CpPairs): Map<number, number> {
  const m = new Map<number, number>();
  for (let i = 0; i < pairs.length; ) {
    const a = pairs.codePointAt(i)!;
    i += a > 0xffff ? 2 : 1;
    const b = pairs.codePointAt(i)!;
    i += b > 0xffff ? 2 : 1;
    m.set(a, b);
  }
  return m;
}

/** One character through a code point map; a string of any other length is left as it is. */
function viaMap(m: Map<number, number>): (ch: string) => string {
  return (ch) => {
    const cp = ch.codePointAt(0);
    if (cp === undefined || ch.length !== (cp > 0xffff ? 2 : 1)) return ch;
    const out = m.get(cp);
    return out === undefined ? ch : String.fromCodePoint(out);
  };
}

/** Converted windows kept per direction before the memo starts over. */
const MEMO_LIMIT = 4096;

/** `target` is the script the text should be in: 'tw' or 'hk' (Traditional) or 'cn' (Simplified). */
export function direction(target: Target): Direction {
  let d = cache.get(target);
  if (d) return d;
  const tables = loadTables();
  const compiled = tables.directions[target];
  const singleMap = cpMap(compiled.single);
  const postMap = cpMap(compiled.post);
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
    const table = phraseTable(tables, compiled.phrases);
    const chars = Array.from(text);
    let out = '';
    for (let i = 0; i < chars.length; ) {
      let len = 0;
      let value = '';
      let key = chars[i];
      for (let l = 2; i + l <= chars.length; l++) {
        key += chars[i + l - 1];
        if (!table.isPrefix(key)) break;
        const v = table.get(key);
        if (v !== undefined) {
          len = l;
          value = v;
        }
      }
      if (len) {
        out += value;
        i += len;
      } else {
        const cp = chars[i].codePointAt(0)!;
        const s = singleMap.get(cp);
        out += s === undefined ? chars[i] : String.fromCodePoint(s);
        i++;
      }
    }
    if (!postMap.size && !postLongest) return out;
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
      const cp = postMap.get(outChars[i].codePointAt(0)!);
      posted += cp === undefined ? outChars[i] : String.fromCodePoint(cp);
      i++;
    }
    return posted;
  };
  const normaliseMap = cpMap(compiled.normalise);
  let pairs = rewritePairSets.get(compiled.phrases);
  if (!pairs) rewritePairSets.set(compiled.phrases, (pairs = pairSet(tables.rewritePairs[compiled.phrases])));
  const rewrites = pairs;
  const table = phraseTable(tables, compiled.phrases);
  d = {
    convert,
    single: viaMap(singleMap),
    normalise: viaMap(normaliseMap),
    normaliseCp: (cp) => normaliseMap.get(cp) ?? cp,
    post: viaMap(postMap),
    rewritePair: (a, b) => hasPair(rewrites, a, b),
    phrase: (key) => table.get(key),
    isPrefix: (key) => table.isPrefix(key),
  };
  cache.set(target, d);
  return d;
}
