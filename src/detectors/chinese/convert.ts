// What the detector knows of each conversion direction, from the compiled tables (tables.ts): the phrase
// table that decides whether a character valid in both scripts is wrong *in its phrase*, the adjacent pairs
// that occur inside those phrases (a cheap test that no phrase can cover a character, the common case),
// one-character conversions both ways and the regional variant step. Suggestions in context come from the
// same tables, converted the way OpenCC converts (longest phrase from the left, else the character's own
// conversion, then the region's variant step), so opencc-js and its tries are never built at run time.

import { loadTables, pairKey, readPairs, type CompiledTables, type CpPairs, type Target } from './tables.js';

export { pairKey } from './tables.js';

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
   * Pairs of adjacent characters, as pairKey(first, second) numbers (no strings built), where one of the two
   * is a character some phrase *rewrites* at that place. A character whose pairs with both neighbours are
   * absent cannot be rewritten by any phrase, so the window is never built (the common case).
   */
  rewritePairs: Set<number>;
  /** Code point of the normalised form of a code point (itself when it has none of one code point). */
  normaliseCp(cp: number): number;
}

/** One first character's phrases and the prefixes (two or more characters) of their keys. */
interface Bucket {
  phrases: Map<string, string>;
  prefixes: Set<string>;
}

/** Phrase lookups over one compiled phrase table, parsing a first character's bucket when first met. */
class PhraseTable {
  private readonly buckets = new Map<string, Bucket | null>();
  constructor(private readonly source: Readonly<Record<string, string>>) {}

  private bucket(key: string): Bucket | null {
    const first = String.fromCodePoint(key.codePointAt(0)!);
    let b = this.buckets.get(first);
    if (b !== undefined) return b;
    b = null;
    if (Object.hasOwn(this.source, first)) {
      b = { phrases: new Map(), prefixes: new Set() };
      for (const entry of this.source[first].split('|')) {
        const space = entry.indexOf(' ');
        const k = entry.slice(0, space);
        b.phrases.set(k, entry.slice(space + 1));
        const cps = Array.from(k);
        let prefix = cps[0];
        for (let i = 1; i < cps.length; i++) {
          prefix += cps[i];
          b.prefixes.add(prefix);
        }
      }
    }
    this.buckets.set(first, b);
    return b;
  }

  get(key: string): string | undefined {
    return this.bucket(key)?.phrases.get(key);
  }

  isPrefix(key: string): boolean {
    return this.bucket(key)?.prefixes.has(key) ?? false;
  }
}

const cache = new Map<Target, Direction>();
/** Phrase tables by name: TW and HK share the Simplified -> Traditional one. */
const phraseTables = new Map<string, PhraseTable>();
const rewritePairSets = new Map<string, Set<number>>();

function phraseTable(tables: CompiledTables, name: 'st' | 'ts'): PhraseTable {
  let t = phraseTables.get(name);
  if (!t) phraseTables.set(name, (t = new PhraseTable(tables.phrases[name])));
  return t;
}

function cpMap(pairs: CpPairs): Map<number, number> {
  const m = new Map<number, number>();
  for (const [a, b] of readPairs(pairs)) m.set(a, b);
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

/** `target` is the script the text should be in: 'tw' or 'hk' (Traditional) or 'cn' (Simplified). */
export function direction(target: Target): Direction {
  let d = cache.get(target);
  if (d) return d;
  const tables = loadTables();
  const compiled = tables.directions[target];
  const singleMap = cpMap(compiled.single);
  const postMap = cpMap(compiled.post);
  const convert: Convert = (text) => {
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
    if (!postMap.size) return out;
    let posted = '';
    for (const c of out) {
      const cp = postMap.get(c.codePointAt(0)!);
      posted += cp === undefined ? c : String.fromCodePoint(cp);
    }
    return posted;
  };
  const normaliseMap = cpMap(compiled.normalise);
  let pairs = rewritePairSets.get(compiled.phrases);
  if (!pairs) {
    pairs = new Set<number>();
    for (const [a, b] of readPairs(tables.rewritePairs[compiled.phrases])) pairs.add(pairKey(a, b));
    rewritePairSets.set(compiled.phrases, pairs);
  }
  const table = phraseTable(tables, compiled.phrases);
  d = {
    convert,
    single: viaMap(singleMap),
    normalise: viaMap(normaliseMap),
    normaliseCp: (cp) => normaliseMap.get(cp) ?? cp,
    post: viaMap(postMap),
    rewritePairs: pairs,
    phrase: (key) => table.get(key),
    isPrefix: (key) => table.isPrefix(key),
  };
  cache.set(target, d);
  return d;
}
