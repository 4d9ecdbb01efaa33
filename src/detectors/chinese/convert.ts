// opencc-js converters and what the detector derives from their dictionaries: single-character
// conversions (cached: a locale file reuses a few thousand characters), the phrase table that decides
// whether a character valid in both scripts is wrong *in its phrase*, and the adjacent pairs that occur
// inside those phrases (a cheap test that no phrase can cover a character, the common case).

import * as OpenCC from 'opencc-js';

type Convert = (text: string) => string;
type Groups = readonly (readonly unknown[])[];

export interface Direction {
  /** Converts a window of text to the target script (cn->tw, cn->hk or tw->cn): suggestions. */
  convert: Convert;
  /** One character to the target script, cached. */
  single(ch: string): string;
  /** One character to the *other* script, cached: normalises the neighbours before a phrase lookup. */
  normalise(ch: string): string;
  /** The region's variant step applied after the script conversion (裏 -> 裡 for TW); identity for cn. */
  post(ch: string): string;
  /** Script-conversion phrases keyed in the source script (之后 -> 之後), two or more characters. */
  phrases: Map<string, string>;
  /** Longest phrase, in code points. */
  maxPhrase: number;
  /**
   * Pairs of adjacent characters, as pairKey(first, second) numbers (no strings built), where one of the two
   * is a character some phrase *rewrites* at that place. A character whose pairs with both neighbours are
   * absent cannot be rewritten by any phrase, so the window is never built (the common case).
   */
  rewritePairs: Set<number>;
  /** Code point of the normalised form of a code point (itself when it has none of one code point). */
  normaliseCp(cp: number): number;
  /** Every prefix (two or more characters) of a phrase key: longest-match lookup stops at the first miss. */
  phrasePrefixes: Set<string>;
}

const cache = new Map<string, Direction>();

function cached(convert: Convert): (ch: string) => string {
  const memo = new Map<string, string>();
  return (ch) => {
    let out = memo.get(ch);
    if (out === undefined) {
      out = convert(ch);
      memo.set(ch, out);
    }
    return out;
  };
}

/** One number for an ordered pair of code points. */
export const pairKey = (a: number, b: number): number => a * 0x110000 + b;

function phraseTable(groups: Groups): { phrases: Map<string, string>; maxPhrase: number; rewritePairs: Set<number>; phrasePrefixes: Set<string> } {
  const phrases = new Map<string, string>();
  const rewritePairs = new Set<number>();
  const phrasePrefixes = new Set<string>();
  let maxPhrase = 0;
  const add = (key: string, value: string) => {
    const cps = Array.from(key);
    if (cps.length < 2) return;
    phrases.set(key, value);
    maxPhrase = Math.max(maxPhrase, cps.length);
    let prefix = cps[0];
    for (let i = 1; i < cps.length; i++) {
      prefix += cps[i];
      phrasePrefixes.add(prefix);
    }
    const out = Array.from(value);
    if (out.length !== cps.length) return; // the detector gives no verdict from length-changing phrases
    const cp = (i: number) => cps[i].codePointAt(0)!;
    for (let i = 0; i < cps.length; i++) {
      if (out[i] === cps[i]) continue;
      if (i > 0) rewritePairs.add(pairKey(cp(i - 1), cp(i)));
      if (i + 1 < cps.length) rewritePairs.add(pairKey(cp(i), cp(i + 1)));
    }
  };
  for (const group of groups) {
    for (const dict of group) {
      if (typeof dict === 'string') {
        for (const entry of dict.split('|')) {
          const space = entry.indexOf(' ');
          if (space > 0) add(entry.slice(0, space), entry.slice(space + 1));
        }
      } else if (Array.isArray(dict)) {
        for (const [key, value] of dict as [string, string][]) add(key, value);
      }
    }
  }
  return { phrases, maxPhrase, rewritePairs, phrasePrefixes };
}

/** `target` is the script the text should be in: 'tw' or 'hk' (Traditional) or 'cn' (Simplified). */
export function direction(target: 'tw' | 'hk' | 'cn'): Direction {
  let d = cache.get(target);
  if (d) return d;
  const locale = OpenCC.Locale as unknown as { from: Record<string, Groups>; to: Record<string, Groups> };
  const from = target === 'cn' ? 'tw' : 'cn';
  const convert = OpenCC.Converter({ from, to: target });
  const back = OpenCC.Converter({ from: target, to: target === 'cn' ? 'tw' : 'cn' });
  // Simplified -> Traditional phrases live in the `from cn` group (STPhrases); Traditional -> Simplified
  // ones in the `to cn` group (TSPhrases). The regional step (TWVariants, HKVariants) follows the former.
  const table = phraseTable(target === 'cn' ? locale.to.cn : locale.from.cn);
  const post = target === 'cn' ? (ch: string) => ch : cached(OpenCC.ConverterFactory(locale.to[target] as never));
  const normalise = cached(back);
  const cpMemo = new Map<number, number>();
  const normaliseCp = (cp: number) => {
    let out = cpMemo.get(cp);
    if (out === undefined) {
      const n = normalise(String.fromCodePoint(cp));
      out = n.length === (cp > 0xffff ? 2 : 1) || n.length === 1 ? n.codePointAt(0)! : cp;
      cpMemo.set(cp, out);
    }
    return out;
  };
  d = { convert, single: cached(convert), normalise, normaliseCp, post, ...table };
  cache.set(target, d);
  return d;
}
