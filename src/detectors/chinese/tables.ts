// The zh detector's tables, derived from opencc-js's dictionaries: compiled once at `npm run build`
// (scripts/write-zh-tables.mjs -> dist/generated/zh-tables.json) and loaded lazily, the first time a zh
// file is linted. Building them from opencc-js costs hundreds of milliseconds per process (its tries are
// Maps of Maps over 50k phrases); reading the compiled JSON costs a few. Without the compiled file (tests
// run from src/) they are compiled in-process, the same function, so both always agree.
//
// The Simplified -> Traditional phrase table is one table for both Traditional targets (TW and HK read
// the same STPhrases; only the regional variant step after it differs).

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { GENERATED_DIR } from '../../paths.js';
import type * as OpenCCModule from 'opencc-js';

const require = createRequire(import.meta.url);

/** opencc-js, loaded on first use: its module alone is over a megabyte of dictionary text to parse. */
export function opencc(): typeof OpenCCModule {
  return require('opencc-js') as typeof OpenCCModule;
}

export type Target = 'tw' | 'hk' | 'cn';

/**
 * Code points in pairs, as a string of their characters (`ab` for a -> b, or for the adjacent pair a b):
 * a third of the size of numbers in JSON, and read back without parsing numbers.
 */
export type CpPairs = string;

export interface CompiledDirection {
  /** Which phrase table (a key of CompiledTables.phrases and .rewritePairs) the script conversion reads. */
  phrases: 'st' | 'ts';
  /** One character to the other script: code point pairs where the single-character conversion differs. */
  normalise: CpPairs;
  /** The region's variant step (裏 -> 裡 for TW) on one character, where it differs; empty for cn. */
  post: CpPairs;
  /** The region's variant step on phrases (白臘 -> 白腊 for HK), matched longest first with `post`; empty for cn. */
  postPhrases: Record<string, string>;
  /** One character to the target script (opencc-js's full conversion of it alone), where it differs. */
  single: CpPairs;
}

export interface CompiledTables {
  version: string;
  /**
   * Phrases of two or more characters, in the script they convert from, by their first character:
   * `key value|key value`, sorted (UTF-16 order), so that a lookup splits a bucket once and then searches
   * it by halves: no Map or prefix set is built at run time.
   */
  phrases: { st: Record<string, string>; ts: Record<string, string> };
  /** Adjacent pairs around a character some phrase of the table rewrites at that place. */
  rewritePairs: { st: CpPairs; ts: CpPairs };
  /** The first two characters of every phrase: most lookups end here, without parsing a bucket. */
  starts: { st: CpPairs; ts: CpPairs };
  directions: Record<Target, CompiledDirection>;
}

/** Bumped when the layout changes: a compiled file of another version is ignored (compiled afresh). */
export const TABLES_VERSION = 'zh-tables-8';

/** One number for an ordered pair of code points. */
export const pairKey = (a: number, b: number): number => a * 0x110000 + b;

/** The code points of a CpPairs string, two by two. */
export function* readPairs(pairs: CpPairs): Generator<[number, number]> {
  for (let i = 0; i < pairs.length; ) {
    const a = pairs.codePointAt(i)!;
    i += a > 0xffff ? 2 : 1;
    const b = pairs.codePointAt(i)!;
    i += b > 0xffff ? 2 : 1;
    yield [a, b];
  }
}

type Groups = readonly (readonly unknown[])[];

/**
 * Every code point a one-character conversion can change: the first character of some dictionary key
 * (a one-character input matches only one-character keys), and the CJK compatibility block opencc-js
 * normalises first.
 */
function convertible(locale: { from: Record<string, Groups>; to: Record<string, Groups> }): number[] {
  const cps = new Set<number>();
  for (let cp = 0xf900; cp <= 0xfaff; cp++) cps.add(cp);
  for (const side of [locale.from, locale.to]) {
    for (const groups of Object.values(side)) {
      for (const group of groups) {
        for (const dict of group) {
          if (typeof dict === 'string') for (const entry of dict.split('|')) cps.add(entry.codePointAt(0)!);
          else if (Array.isArray(dict)) for (const [key] of dict as [string, string][]) cps.add(key.codePointAt(0)!);
        }
      }
    }
  }
  return [...cps].sort((a, b) => a - b);
}

/** Where `convert` maps one code point to another single code point. */
function cpPairs(convert: (s: string) => string, candidates: number[]): CpPairs {
  let out = '';
  for (const cp of candidates) {
    const ch = String.fromCodePoint(cp);
    const r = convert(ch);
    if (r === ch) continue;
    const rc = r.codePointAt(0)!;
    if (r.length === (rc > 0xffff ? 2 : 1)) out += ch + r;
  }
  return out;
}

/** Phrase entries (two or more characters) of a dictionary group list, first entry of a key winning. */
function phraseEntries(groups: Groups): [string, string][] {
  const seen = new Map<string, string>();
  for (const group of groups) {
    for (const dict of group) {
      const add = (key: string, value: string) => {
        if (Array.from(key).length >= 2 && !seen.has(key)) seen.set(key, value);
      };
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
  return [...seen];
}

function rewritePairsOf(entries: [string, string][]): CpPairs {
  const pairs = new Set<string>();
  for (const [key, value] of entries) {
    const cps = Array.from(key);
    const out = Array.from(value);
    if (out.length !== cps.length) continue; // the detector gives no verdict from length-changing phrases
    for (let i = 0; i < cps.length; i++) {
      if (out[i] === cps[i]) continue;
      if (i > 0) pairs.add(cps[i - 1] + cps[i]);
      if (i + 1 < cps.length) pairs.add(cps[i] + cps[i + 1]);
    }
  }
  return [...pairs].sort().join('');
}

function startsOf(entries: [string, string][]): CpPairs {
  return [...new Set(entries.map(([k]) => Array.from(k).slice(0, 2).join('')))].sort().join('');
}

/** The tables from opencc-js itself: what the build writes, and the fallback when nothing was built. */
export function compileTables(): CompiledTables {
  const OpenCC = opencc();
  const locale = OpenCC.Locale as unknown as { from: Record<string, Groups>; to: Record<string, Groups> };
  // The phrases opencc-js's own Converter reads (its preset's configs): s2tw and s2hk convert with
  // STPhrases, the phrases generated from the regional tables (毛里求斯 keeps 里) and STCharacters; tw2s
  // with TSPhrases and TSCharacters after the TW variant step.
  const { configs } = require('opencc-js/preset') as { configs: Record<string, { conversionChain: Groups }> };
  const st = phraseEntries([configs.s2tw.conversionChain[0]]);
  const ts = phraseEntries([configs.tw2s.conversionChain[1]]);
  const candidates = convertible(locale);
  const dir = (target: Target): CompiledDirection => ({
    phrases: target === 'cn' ? 'ts' : 'st',
    normalise: cpPairs(OpenCC.Converter({ from: target, to: target === 'cn' ? 'tw' : 'cn' }), candidates),
    post: target === 'cn' ? '' : cpPairs(OpenCC.ConverterFactory(locale.to[target] as never), candidates),
    postPhrases: target === 'cn' ? {} : Object.fromEntries(phraseEntries(locale.to[target])),
    single: cpPairs(OpenCC.Converter({ from: target === 'cn' ? 'tw' : 'cn', to: target }), candidates),
  });
  const join = (entries: [string, string][]) => {
    const buckets: Record<string, string[]> = {};
    for (const [k, v] of entries) (buckets[String.fromCodePoint(k.codePointAt(0)!)] ??= []).push(`${k} ${v}`);
    return Object.fromEntries(Object.entries(buckets).map(([c, list]) => [c, list.sort().join('|')]));
  };
  return {
    version: TABLES_VERSION,
    phrases: { st: join(st), ts: join(ts) },
    rewritePairs: { st: rewritePairsOf(st), ts: rewritePairsOf(ts) },
    starts: { st: startsOf(st), ts: startsOf(ts) },
    directions: { tw: dir('tw'), hk: dir('hk'), cn: dir('cn') },
  };
}

let loaded: CompiledTables | undefined;

/** The compiled tables (dist/generated/zh-tables.json), or compiled now when that file is absent or stale. */
export function loadTables(): CompiledTables {
  if (loaded) return loaded;
  try {
    if (GENERATED_DIR) {
      const t = JSON.parse(readFileSync(join(GENERATED_DIR, 'zh-tables.json'), 'utf8')) as CompiledTables;
      if (t.version === TABLES_VERSION) loaded = t;
    }
  } catch {
    // not built (running from src/): compile below
  }
  loaded ??= compileTables();
  return loaded;
}
