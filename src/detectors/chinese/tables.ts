// The zh detector's tables, derived from opencc-js's dictionaries: compiled once at `npm run build`
// (scripts/write-zh-tables.mjs -> dist/generated/zh-tables.bin) and loaded lazily, the first time a zh
// file is linted. Building them from opencc-js costs hundreds of milliseconds per process (its tries are
// Maps of Maps over 50k phrases); the packed file is used where it lies, in well under a millisecond. Without the compiled file (tests
// run from src/) they are compiled in-process, the same function, so both always agree.
//
// The Simplified -> Traditional phrase table is one table for both Traditional targets (TW and HK read
// the same STPhrases; only the regional variant step after it differs).

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { GENERATED_DIR } from '../../paths.js';
import { ZH_SETS } from './data/sets.js';
import { scriptOf, type ZhLocale } from './locale.js';
import { HK_CANTONESE } from './tuning.js';
import type * as OpenCCModule from 'opencc-js';
import { byCodeUnits } from '../../util/compare.js';

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
export const TABLES_VERSION = 'zh-tables-10';

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

// The build writes the tables in a binary layout (dist/generated/zh-tables.bin) that the detector uses where
// it lies: typed arrays over the file's bytes, searched by halves. Nothing is parsed or built per process (the
// JSON layout cost ~13 ms to parse and ~20 ms and 4 MB of Maps and Sets to index in every process that
// linted a zh file, and the garbage collector's time with them).

/** Phrases sorted by key (UTF-16 order), searched unit by unit: no key string is built to look one up. */
export interface PhraseIndex {
  /** Every key's UTF-16 units, one after the other. */
  keys: Uint16Array;
  /** Entry i's key is keys[keyStart[i] .. keyStart[i + 1]]. */
  keyStart: Uint32Array;
  /** Each key's length in code points. */
  keyCps: Uint8Array;
  /** Every value's UTF-16 units, one after the other (read as one string when first needed). */
  values: Uint16Array;
  valueStart: Uint32Array;
}

/** A code point map: sorted keys and their values. */
export interface CpMap {
  keys: Uint32Array;
  values: Uint32Array;
}

export interface RuntimeDirection {
  phrases: 'st' | 'ts';
  normalise: CpMap;
  post: CpMap;
  postPhrases: Record<string, string>;
  single: CpMap;
}

/** What the detector does with a character on its own (detect.ts); 0: nothing. */
export const CHAR_CLASS = { ONLY: 1, JAPANESE: 2, VARIANT: 3, AMBIGUOUS: 4 } as const;

/** Locales whose character classes differ: zh-TW, zh-HK, zh-Hant, and every Simplified locale. */
export type ClassKind = 'tw' | 'hk' | 'hant' | 'hans';
const CLASS_KINDS: ClassKind[] = ['tw', 'hk', 'hant', 'hans'];
export const classKindOf = (locale: ZhLocale): ClassKind => (scriptOf(locale) === 'hans' ? 'hans' : locale === 'zh-TW' ? 'tw' : locale === 'zh-HK' ? 'hk' : 'hant');

/** The classed code points of a kind, ascending, and each one's class. */
export interface ClassList {
  cps: Uint32Array;
  classes: Uint8Array;
}

/**
 * The character classes of a kind of locale, from the generated sets. Order matters: the first class a
 * character gets wins (a TW variant such as 着 is also a valid Simplified form; in zh-TW it is a regional
 * variant, not a Simplified slip).
 */
function classListOf(kind: ClassKind): ClassList {
  const m = new Map<number, number>();
  const add = (chars: Iterable<string>, cls: number) => {
    for (const ch of chars) {
      const cp = ch.codePointAt(0)!;
      if (!m.has(cp)) m.set(cp, cls);
    }
  };
  add(Object.keys(kind === 'tw' ? ZH_SETS.twVariants : kind === 'hk' ? ZH_SETS.hkVariants : {}), CHAR_CLASS.VARIANT);
  add(Array.from(kind === 'hans' ? ZH_SETS.traditionalOnly : ZH_SETS.simplifiedOnly).filter((c) => !(kind === 'hk' && HK_CANTONESE.has(c))), CHAR_CLASS.ONLY);
  add(Object.keys(ZH_SETS.japanese), CHAR_CLASS.JAPANESE);
  add(kind === 'hans' ? ZH_SETS.ambiguousHans : ZH_SETS.ambiguousHant, CHAR_CLASS.AMBIGUOUS);
  const list = [...m].sort((a, b) => a[0] - b[0]);
  return { cps: Uint32Array.from(list, ([cp]) => cp), classes: Uint8Array.from(list, ([, cls]) => cls) };
}

export interface RuntimeTables {
  /** Character classes by kind of locale (detect.ts spreads one into a flat table, a loop of a few thousand). */
  classes: Record<ClassKind, ClassList>;
  phrases: { st: PhraseIndex; ts: PhraseIndex };
  /** Sorted pairKey(a, b) of the pairs in CompiledTables.rewritePairs. */
  rewritePairs: { st: Float64Array; ts: Float64Array };
  directions: Record<Target, RuntimeDirection>;
}

type Section = Uint8Array | Uint16Array | Uint32Array | Float64Array;
const SECTION_TYPES = { u8: Uint8Array, u16: Uint16Array, u32: Uint32Array, f64: Float64Array } as const;
type SectionType = keyof typeof SECTION_TYPES;
const typeOf = (a: Section): SectionType => (a instanceof Uint8Array ? 'u8' : a instanceof Uint16Array ? 'u16' : a instanceof Uint32Array ? 'u32' : 'f64');

interface PackedHeader {
  version: string;
  /** Typed arrays are read in the machine's byte order: a file written on another one is compiled afresh. */
  littleEndian: boolean;
  sections: Record<string, { type: SectionType; offset: number; length: number }>;
  directions: Record<Target, { phrases: 'st' | 'ts'; postPhrases: Record<string, string> }>;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const units = (s: string): Uint16Array => Uint16Array.from({ length: s.length }, (_, i) => s.charCodeAt(i));

function phraseIndex(buckets: Record<string, string>): PhraseIndex {
  const entries: [string, string][] = [];
  for (const bucket of Object.values(buckets)) {
    for (const e of bucket.split('|')) {
      const space = e.indexOf(' ');
      entries.push([e.slice(0, space), e.slice(space + 1)]);
    }
  }
  entries.sort(([a], [b]) => byCodeUnits(a, b));
  const keyStart = new Uint32Array(entries.length + 1);
  const valueStart = new Uint32Array(entries.length + 1);
  const keyCps = new Uint8Array(entries.length);
  entries.forEach(([k, v], i) => {
    keyStart[i + 1] = keyStart[i] + k.length;
    valueStart[i + 1] = valueStart[i] + v.length;
    keyCps[i] = Array.from(k).length;
  });
  return { keys: units(entries.map(([k]) => k).join('')), keyStart, keyCps, values: units(entries.map(([, v]) => v).join('')), valueStart };
}

function cpMapOf(pairs: CpPairs): CpMap {
  const list = [...readPairs(pairs)].sort((a, b) => a[0] - b[0]);
  return { keys: Uint32Array.from(list, ([a]) => a), values: Uint32Array.from(list, ([, b]) => b) };
}

/** The runtime layout of compiled tables (what packTables writes and unpackTables reads back). */
export function runtimeTables(t: CompiledTables): RuntimeTables {
  const pairs = (p: CpPairs) => Float64Array.from([...readPairs(p)].map(([a, b]) => pairKey(a, b))).sort();
  const dir = (d: CompiledDirection): RuntimeDirection => ({ phrases: d.phrases, normalise: cpMapOf(d.normalise), post: cpMapOf(d.post), postPhrases: d.postPhrases, single: cpMapOf(d.single) });
  return {
    classes: { tw: classListOf('tw'), hk: classListOf('hk'), hant: classListOf('hant'), hans: classListOf('hans') },
    phrases: { st: phraseIndex(t.phrases.st), ts: phraseIndex(t.phrases.ts) },
    rewritePairs: { st: pairs(t.rewritePairs.st), ts: pairs(t.rewritePairs.ts) },
    directions: { tw: dir(t.directions.tw), hk: dir(t.directions.hk), cn: dir(t.directions.cn) },
  };
}

const TARGETS: Target[] = ['tw', 'hk', 'cn'];
const PHRASE_PARTS = ['keys', 'keyStart', 'keyCps', 'values', 'valueStart'] as const;
const MAP_PARTS = ['normalise', 'post', 'single'] as const;

function sectionsOf(t: RuntimeTables): [string, Section][] {
  const out: [string, Section][] = [];
  for (const kind of CLASS_KINDS) out.push([`class.${kind}.cps`, t.classes[kind].cps], [`class.${kind}.classes`, t.classes[kind].classes]);
  for (const name of ['st', 'ts'] as const) {
    for (const part of PHRASE_PARTS) out.push([`${name}.${part}`, t.phrases[name][part]]);
    out.push([`${name}.rewritePairs`, t.rewritePairs[name]]);
  }
  for (const target of TARGETS) for (const m of MAP_PARTS) out.push([`${target}.${m}.keys`, t.directions[target][m].keys], [`${target}.${m}.values`, t.directions[target][m].values]);
  return out;
}

/**
 * The file the build writes: a 4-byte header length, the JSON header (version, byte order, where each typed
 * array lies, the few small objects), then each typed array at an 8-byte aligned offset.
 */
export function packTables(t: CompiledTables): Buffer {
  const runtime = runtimeTables(t);
  const sections = sectionsOf(runtime);
  const header: PackedHeader = { version: t.version, littleEndian: LITTLE_ENDIAN, sections: {}, directions: { tw: { phrases: 'st', postPhrases: {} }, hk: { phrases: 'st', postPhrases: {} }, cn: { phrases: 'ts', postPhrases: {} } } };
  for (const target of TARGETS) header.directions[target] = { phrases: runtime.directions[target].phrases, postPhrases: runtime.directions[target].postPhrases };
  // Offsets from the start of the data area (after the header), so they do not depend on the header's length.
  let offset = 0;
  for (const [name, a] of sections) {
    header.sections[name] = { type: typeOf(a), offset, length: a.length };
    offset += Math.ceil(a.byteLength / 8) * 8;
  }
  const json = Buffer.from(JSON.stringify(header));
  const dataStart = Math.ceil((4 + json.length) / 8) * 8;
  const out = Buffer.alloc(dataStart + offset);
  out.writeUInt32LE(json.length, 0);
  json.copy(out, 4);
  for (const [name, a] of sections) Buffer.from(a.buffer, a.byteOffset, a.byteLength).copy(out, dataStart + header.sections[name].offset);
  return out;
}

/** The tables in a packed file, as views over its bytes; null when it is of another version or byte order. */
export function unpackTables(buf: Buffer): RuntimeTables | null {
  const headerLength = buf.readUInt32LE(0);
  const header = JSON.parse(buf.toString('utf8', 4, 4 + headerLength)) as PackedHeader;
  if (header.version !== TABLES_VERSION || header.littleEndian !== LITTLE_ENDIAN) return null;
  // Views need their offset aligned to their element size: the data area is 8-aligned within the file, and
  // a buffer of its own (readFileSync of a file this size) starts aligned.
  const bytes: Uint8Array = buf.byteOffset % 8 === 0 ? buf : new Uint8Array(buf);
  const memory = bytes.buffer as ArrayBuffer; // readFileSync's, or the copy's: never shared
  const dataStart = bytes.byteOffset + Math.ceil((4 + headerLength) / 8) * 8;
  const get = <T extends SectionType>(name: string, type: T): InstanceType<(typeof SECTION_TYPES)[T]> => {
    const s = header.sections[name];
    if (!s || s.type !== type) throw new Error(`zh tables: section ${name} missing`);
    // Within the bytes given (a view may share a larger ArrayBuffer: never read past the file's end).
    if (dataStart + s.offset + s.length * SECTION_TYPES[type].BYTES_PER_ELEMENT > bytes.byteOffset + bytes.byteLength) throw new Error(`zh tables: section ${name} truncated`);
    return new SECTION_TYPES[type](memory, dataStart + s.offset, s.length) as InstanceType<(typeof SECTION_TYPES)[T]>;
  };
  const phrases = (name: 'st' | 'ts'): PhraseIndex => ({ keys: get(`${name}.keys`, 'u16'), keyStart: get(`${name}.keyStart`, 'u32'), keyCps: get(`${name}.keyCps`, 'u8'), values: get(`${name}.values`, 'u16'), valueStart: get(`${name}.valueStart`, 'u32') });
  const map = (target: Target, m: (typeof MAP_PARTS)[number]): CpMap => ({ keys: get(`${target}.${m}.keys`, 'u32'), values: get(`${target}.${m}.values`, 'u32') });
  const dir = (target: Target): RuntimeDirection => ({ phrases: header.directions[target].phrases, postPhrases: header.directions[target].postPhrases, normalise: map(target, 'normalise'), post: map(target, 'post'), single: map(target, 'single') });
  const classes = (kind: ClassKind): ClassList => ({ cps: get(`class.${kind}.cps`, 'u32'), classes: get(`class.${kind}.classes`, 'u8') });
  return {
    classes: { tw: classes('tw'), hk: classes('hk'), hant: classes('hant'), hans: classes('hans') },
    phrases: { st: phrases('st'), ts: phrases('ts') },
    rewritePairs: { st: get('st.rewritePairs', 'f64'), ts: get('ts.rewritePairs', 'f64') },
    directions: { tw: dir('tw'), hk: dir('hk'), cn: dir('cn') },
  };
}

let loaded: RuntimeTables | undefined;

/** The packed tables (dist/generated/zh-tables.bin), or compiled now when that file is absent or stale. */
export function loadTables(): RuntimeTables {
  if (loaded) return loaded;
  try {
    if (GENERATED_DIR) loaded = unpackTables(readFileSync(join(GENERATED_DIR, 'zh-tables.bin'))) ?? undefined;
  } catch {
    // not built (running from src/): compile below
  }
  loaded ??= runtimeTables(compileTables());
  return loaded;
}
