// opencc-js converters and what the detector derives from them: single-character conversions (cached,
// since a locale file reuses a few thousand characters) and the set of adjacent pairs that occur inside a
// phrase of the converter's dictionaries. A character whose pairs with its neighbours occur in no phrase
// is converted by the character table alone, so the detector only runs opencc-js on a window when a
// phrase could apply.

import * as OpenCC from 'opencc-js';

type Convert = (text: string) => string;

export interface Direction {
  /** Converts a window of text to the target script (cn->tw, cn->hk or tw->cn). */
  convert: Convert;
  /** One character to the target script, cached. */
  single(ch: string): string;
  /** One character to the *other* script, cached: normalises the neighbours before a window is converted. */
  normalise(ch: string): string;
  /** Pairs of adjacent characters (in the source script) that occur inside a dictionary phrase. */
  phrasePairs: Set<string>;
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

/** Adjacent pairs of every multi-character key in the dictionary groups a converter is built from. */
function pairsOf(groups: readonly (readonly unknown[])[]): Set<string> {
  const pairs = new Set<string>();
  const add = (key: string) => {
    const cps = Array.from(key);
    for (let i = 1; i < cps.length; i++) pairs.add(cps[i - 1] + cps[i]);
  };
  for (const group of groups) {
    for (const dict of group) {
      if (typeof dict === 'string') {
        for (const entry of dict.split('|')) {
          const space = entry.indexOf(' ');
          if (space > 0) add(entry.slice(0, space));
        }
      } else if (Array.isArray(dict)) {
        for (const [key] of dict as [string, string][]) add(key);
      }
    }
  }
  return pairs;
}

/** `target` is the script the text should be in: 'tw' or 'hk' (Traditional) or 'cn' (Simplified). */
export function direction(target: 'tw' | 'hk' | 'cn'): Direction {
  let d = cache.get(target);
  if (d) return d;
  const from = target === 'cn' ? 'tw' : 'cn';
  const convert = OpenCC.Converter({ from, to: target });
  const back = OpenCC.Converter({ from: target === 'cn' ? 'cn' : target, to: target === 'cn' ? 'tw' : 'cn' });
  const locale = OpenCC.Locale as unknown as { from: Record<string, readonly (readonly unknown[])[]>; to: Record<string, readonly (readonly unknown[])[]> };
  d = {
    convert,
    single: cached(convert),
    normalise: cached(back),
    phrasePairs: pairsOf([...locale.from[from], ...locale.to[target]]),
  };
  cache.set(target, d);
  return d;
}
