// The zh script detector: finds Simplified characters in Traditional text (and the reverse), regional
// variant forms and Japanese shinjitai, with their code-point position and a suggestion from opencc-js in
// context. Precision first: a character is flagged on its own only when it exists in one script alone
// (sets generated from the full OpenCC dictionaries); a character valid in both scripts is flagged only
// when OpenCC rewrites it inside its phrase once its neighbours are normalised to the other script
// (之后 -> 之後, 确認 -> 確認), never by OpenCC's single-character default (里 -> 裏 would flag every 公里 and
// every transliterated name), because flagging every character cn->tw changes is mostly false on real text.

import { ZH_SETS } from './data/sets.js';
import { direction, type Direction } from './convert.js';
import { CHAR_CLASS, classKindOf, loadTables } from './tables.js';
import { scriptOf, type ZhKind, type ZhLocale, type ZhScript } from './locale.js';
import { DEFAULT_READING, DISPUTED_PHRASES, HANT_VARIANT_CHOICES, HK_ACCEPTED, LOCATIVE, VARIANT_PREFERENCES } from './tuning.js';

export interface ZhHit {
  kind: ZhKind;
  char: string;
  suggestion: string;
  /** UTF-16 offset of the character in the text given. */
  offset: number;
}

const { ONLY, JAPANESE, VARIANT } = CHAR_CLASS;

interface Profile {
  script: ZhScript;
  kind: ZhKind;
  /** code point -> ONLY | JAPANESE | VARIANT | AMBIGUOUS, 0 for none: a flat table, the hot lookup. */
  classes: Uint8Array;
  variants: Map<string, string>;
  japanese: Map<string, string>;
  dir: Direction;
  /** Regional variant steps a phrase rewrite must survive: a rewrite one region undoes is no slip there. */
  posts: ((ch: string) => string)[];
  /** Characters a context rewrite may change without it being a slip (see tuning.ts). */
  choices: Set<string>;
  /** Other readings of ambiguous phrases in the full OpenCC table (不准 -> 不準 | 不准), by phrase key. */
  alternates: Readonly<Record<string, readonly string[]>>;
  /** Characters whose phrase rewrite is a regional preference (注釋 -> 註釋), not a slip (see tuning.ts). */
  preferences: ReadonlySet<string>;
  /** Merged characters judged by OpenCC's conversion in context, default included (see tuning.ts). */
  defaults: ReadonlySet<string>;
}

const profiles = new Map<ZhLocale, Profile>();

/** Every Han block the detector knows ends below U+40000. */
const TABLE_SIZE = 0x40000;

function profile(locale: ZhLocale): Profile {
  let p = profiles.get(locale);
  if (p) return p;
  const script = scriptOf(locale);
  const variants = new Map<string, string>(Object.entries(locale === 'zh-TW' ? ZH_SETS.twVariants : locale === 'zh-HK' ? ZH_SETS.hkVariants : {}));
  const japanese = new Map<string, string>(Object.entries(ZH_SETS.japanese));
  // The classes of the locale's kind (tables.ts), spread into a flat table: the scan's one lookup.
  const list = loadTables().classes[classKindOf(locale)];
  const classes = new Uint8Array(TABLE_SIZE);
  for (let k = 0; k < list.cps.length; k++) if (list.cps[k] < TABLE_SIZE) classes[list.cps[k]] = list.classes[k];
  p = {
    script,
    kind: script === 'hant' ? 'simplified-in-hant' : 'traditional-in-hans',
    classes,
    variants,
    japanese,
    dir: direction(script === 'hans' ? 'cn' : locale === 'zh-HK' ? 'hk' : 'tw'),
    // TW text is held to TW forms only; HK and generic zh-Hant text to what both regions agree on (HK
    // writes 群 though OpenCC's HK table keeps 羣).
    posts: script === 'hans' ? [direction('cn').post] : locale === 'zh-TW' ? [direction('tw').post] : [direction('hk').post, direction('tw').post],
    choices: script === 'hans' ? new Set() : locale === 'zh-TW' ? HANT_VARIANT_CHOICES : new Set([...HANT_VARIANT_CHOICES, ...HK_ACCEPTED]),
    alternates: script === 'hans' ? ZH_SETS.tsAlternates : ZH_SETS.stAlternates,
    // A character a region writes differently (棱: TW 稜) is a Traditional form: a phrase that rewrites it
    // (丹棱 -> 丹稜) chooses a regional spelling, it does not mend a Simplified slip.
    preferences: script === 'hans' ? new Set() : new Set([...VARIANT_PREFERENCES, ...Object.keys(ZH_SETS.twVariants), ...Object.keys(ZH_SETS.hkVariants)]),
    defaults: script === 'hans' ? new Set() : DEFAULT_READING,
  };
  profiles.set(locale, p);
  return p;
}

export function isHan(cp: number): boolean {
  return (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x20000 && cp <= 0x3ffff) || (cp >= 0xf900 && cp <= 0xfaff);
}

/**
 * Neighbours taken for the context check. Left: back to the start of the Han run, where OpenCC's
 * segmentation starts too, up to a limit (a longer run starts the walk at the limit). Right: enough for
 * the longest phrase (12 characters) to be seen whole.
 */
const WINDOW_LEFT = 24;
const WINDOW_RIGHT = 12;

/**
 * Code points of the Han run around `offset` (within WINDOW_LEFT / WINDOW_RIGHT), neighbours normalised
 * to the other script, and the index of the character itself.
 */
function windowAt(text: string, offset: number, ch: string, dir: Direction): { cps: number[]; at: number } {
  const left: number[] = [];
  let i = offset;
  while (left.length < WINDOW_LEFT && i > 0) {
    const prevUnit = text.charCodeAt(i - 1);
    const start = prevUnit >= 0xdc00 && prevUnit <= 0xdfff && i >= 2 ? i - 2 : i - 1;
    const cp = text.codePointAt(start)!;
    if (!isHan(cp)) break;
    left.push(dir.normaliseCp(cp));
    i = start;
  }
  left.reverse();
  const at = left.length;
  left.push(ch.codePointAt(0)!);
  let j = offset + ch.length;
  for (let n = 0; n < WINDOW_RIGHT && j < text.length; n++) {
    const cp = text.codePointAt(j)!;
    if (!isHan(cp)) break;
    left.push(dir.normaliseCp(cp));
    j += cp > 0xffff ? 2 : 1;
  }
  return { cps: left, at };
}

/** What OpenCC makes of `ch` inside its window; the single-character conversion when lengths shift. */
function inContext(text: string, offset: number, ch: string, dir: Direction): string {
  const { cps, at } = windowAt(text, offset, ch, dir);
  const out = Array.from(dir.convert(String.fromCodePoint(...cps)));
  return out.length === cps.length ? out[at] : dir.single(ch);
}

/** Normalised code point of the Han neighbour on one side of [offset, offset + width), or -1. */
function neighbourCp(text: string, offset: number, width: number, side: -1 | 1, dir: Direction): number {
  let cp: number;
  if (side < 0) {
    if (offset === 0) return -1;
    const unit = text.charCodeAt(offset - 1);
    cp = unit >= 0xdc00 && unit <= 0xdfff && offset >= 2 ? text.codePointAt(offset - 2)! : unit;
  } else {
    if (offset + width >= text.length) return -1;
    cp = text.codePointAt(offset + width)!;
  }
  return isHan(cp) ? dir.normaliseCp(cp) : -1;
}

/**
 * What a dictionary phrase makes of `cps[at]`, or null. Two conditions, both needed:
 * - OpenCC's own segmentation (longest match from the left), replayed from the start of the Han run,
 *   covers the character with a phrase that rewrites it. So 人吁再干面 (人 + 吁 + 再干 + 面) leaves 面 alone,
 *   and a character no phrase covers is left alone: its one-character default (里 -> 裏) is no evidence.
 * - No segmentation starting later covers it with a phrase that keeps it, so one-reading accidents in
 *   names and run-on text are not reported: 阿斯圖里亞文 (图里 -> 圖裏, but 里亚 keeps 里), 最多只可 (多只 ->
 *   多隻, but 只可 keeps 只). Walks from different starts merge at a shared boundary, so each boundary is
 *   walked once.
 * A phrase the full OpenCC table gives another reading that keeps the character (不准 -> 不準 | 不准: "not
 * allowed"; 冷面 -> 冷麪 | 冷面: "cold face") is one reading of an ambiguous word: no verdict either.
 */
function phraseRewrite(cps: number[], at: number, dir: Direction, alternates: Profile['alternates']): string | null {
  let result: string | null = null;
  const walked = new Array<boolean>(at + 1).fill(false);
  const ch = String.fromCodePoint(cps[at]);
  for (let s = 0; s <= at; s++) {
    let p = s;
    while (p <= at && !walked[p]) {
      walked[p] = true;
      const entry = dir.longestPhrase(cps, p, cps.length);
      if (entry < 0) {
        p++;
        continue;
      }
      const len = dir.phraseLength(entry);
      if (p + len > at) {
        const out = Array.from(dir.phraseValue(entry));
        const key = String.fromCodePoint(...cps.slice(p, p + len));
        if (out.length !== len || out[at - p] === ch || DISPUTED_PHRASES.has(key)) return null;
        if (Object.hasOwn(alternates, key) && alternates[key].some((alt) => Array.from(alt)[at - p] === ch)) return null;
        if (s === 0) result = out[at - p];
      }
      p += len;
    }
    if (s === 0 && result === null) return null;
  }
  return result;
}

/** A finding when `r`, after the region's variant steps, is no longer `ch` in any region the locale covers. */
function rewritten(p: Profile, ch: string, r: string, offset: number, kind: ZhKind): ZhHit | null {
  const finals = p.posts.map((post) => post(r));
  return finals.every((f) => f !== ch) ? { kind, char: ch, suggestion: finals[0], offset } : null;
}

/** Whether LOCATIVE.marker (在) comes before `offset` in the same run of Han characters, within reach. */
function afterMarker(text: string, offset: number, dir: Direction): boolean {
  let i = offset;
  for (let n = 0; n < LOCATIVE.reach && i > 0; n++) {
    const unit = text.charCodeAt(i - 1);
    const start = unit >= 0xdc00 && unit <= 0xdfff && i >= 2 ? i - 2 : i - 1;
    const cp = text.codePointAt(start)!;
    if (!isHan(cp)) return false;
    if (dir.normaliseCp(cp) === LOCATIVE.marker.codePointAt(0)) return true;
    i = start;
  }
  return false;
}

/**
 * Findings in `text` for `locale`, from `from` to `to` (UTF-16 offsets; default: all of it), appended to
 * `hits`. `skip(offset)` lets the caller exclude allow-listed phrases.
 */
export function detectZh(text: string, locale: ZhLocale, from = 0, to = text.length, skip?: (offset: number, length: number) => boolean, hits: ZhHit[] = []): ZhHit[] {
  const p = profile(locale);
  const classes = p.classes;
  // A plain loop over the code units with a flat class table: measured faster than one regex of every
  // candidate character, even in a short-lived process. It stays this small on purpose: the judgement of a
  // candidate is its own function, so the optimising compiler compiles this loop once instead of throwing
  // it away each time a rarer branch (a variant, a Japanese form, an astral character) is first taken, which
  // cost a short-lived process tens of milliseconds of recompiling.
  for (let i = from; i < to; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x3400) continue; // below every Han block: the common case for markup and Latin text
    const cp = unit >= 0xd800 && unit <= 0xdbff ? text.codePointAt(i)! : unit;
    const cls = cp < TABLE_SIZE ? classes[cp] : 0;
    if (cls !== 0) judge(p, text, i, cp, cls, from, to, skip, hits);
    if (cp > 0xffff) i++;
  }
  return hits;
}

/** The verdict on one candidate character (code point `cp` of class `cls` at `i`), appended to `hits`. */
function judge(p: Profile, text: string, i: number, cp: number, cls: number, from: number, to: number, skip: ((offset: number, length: number) => boolean) | undefined, hits: ZhHit[]): void {
  const width = cp > 0xffff ? 2 : 1;
  const ch = width === 2 ? text.slice(i, i + 2) : text[i];
  if (skip && skip(i, width)) return;
  let hit: ZhHit | null = null;
  if (cls === ONLY) {
    hit = { kind: p.kind, char: ch, suggestion: inContext(text, i, ch, p.dir), offset: i };
  } else if (cls === VARIANT) {
    hit = { kind: 'regional-variant', char: ch, suggestion: p.variants.get(ch)!, offset: i };
  } else if (cls === JAPANESE) {
    // A Japanese form that is the whole translated string names the character itself, as CLDR's annotations
    // name the sign 🈺 by its glyph 営 and ¥ by 円: no prose is written in it. Within text it is a slip.
    if (i === from && i + width === to) return;
    const kyujitai = p.japanese.get(ch)!;
    hit = { kind: 'japanese-form', char: ch, suggestion: p.dir.single(kyujitai), offset: i };
  } else if (p.defaults.has(ch)) {
    // 于, 后: OpenCC's conversion in context, one-character default included; its phrases keep 皇后, 于右任.
    hit = rewritten(p, ch, inContext(text, i, ch, p.dir), i, p.kind);
  } else if (!p.choices.has(ch)) {
    // Valid in both scripts: only a phrase can say it is wrong here. Most occurrences form no pair with
    // either neighbour that a rewriting phrase contains, and end here without building a window.
    const prev = neighbourCp(text, i, width, -1, p.dir);
    const next = neighbourCp(text, i, width, 1, p.dir);
    if ((prev >= 0 && p.dir.rewritePair(prev, cp)) || (next >= 0 && p.dir.rewritePair(cp, next))) {
      const { cps, at } = windowAt(text, i, ch, p.dir);
      const r = phraseRewrite(cps, at, p.dir, p.alternates);
      if (r !== null) hit = rewritten(p, ch, r, i, p.preferences.has(ch) ? 'regional-variant' : p.kind);
    }
    if (!hit && ch === LOCATIVE.char && p.script === 'hant' && afterMarker(text, i, p.dir)) hit = rewritten(p, ch, inContext(text, i, ch, p.dir), i, p.kind);
  }
  if (hit) hits.push(hit);
}
