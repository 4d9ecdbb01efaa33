// The zh script detector: finds Simplified characters in Traditional text (and the reverse), regional
// variant forms and Japanese shinjitai, with their code-point position and a suggestion from opencc-js in
// context. Precision first: a character is flagged on its own only when it exists in one script alone
// (sets generated from the full OpenCC dictionaries); a character valid in both scripts is flagged only
// when OpenCC rewrites it inside its phrase once its neighbours are normalised to the other script
// (之后 -> 之後, 确認 -> 確認), because flagging every character cn->tw changes is mostly false on real text.

import { ZH_SETS } from './data/sets.js';
import { direction, type Direction } from './convert.js';
import { scriptOf, type ZhKind, type ZhLocale, type ZhScript } from './locale.js';
import { HANT_VARIANT_CHOICES, HK_CANTONESE } from './tuning.js';

export interface ZhHit {
  kind: ZhKind;
  char: string;
  suggestion: string;
  /** UTF-16 offset of the character in the text given. */
  offset: number;
}

const ONLY = 1;
const JAPANESE = 2;
const VARIANT = 3;
const AMBIGUOUS = 4;

interface Profile {
  script: ZhScript;
  kind: ZhKind;
  /** code point -> ONLY | JAPANESE | VARIANT | AMBIGUOUS */
  classes: Map<number, number>;
  variants: Map<string, string>;
  japanese: Map<string, string>;
  dir: Direction;
  /** Characters a context rewrite may change without it being a slip (see tuning.ts). */
  choices: Set<string>;
}

const profiles = new Map<ZhLocale, Profile>();

function addAll(map: Map<number, number>, chars: Iterable<string>, cls: number) {
  for (const ch of chars) if (!map.has(ch.codePointAt(0)!)) map.set(ch.codePointAt(0)!, cls);
}

function profile(locale: ZhLocale): Profile {
  let p = profiles.get(locale);
  if (p) return p;
  const script = scriptOf(locale);
  const variants = new Map<string, string>(Object.entries(locale === 'zh-TW' ? ZH_SETS.twVariants : locale === 'zh-HK' ? ZH_SETS.hkVariants : {}));
  const japanese = new Map<string, string>(Object.entries(ZH_SETS.japanese));
  const classes = new Map<number, number>();
  // Order matters: the first class a character gets wins (a TW variant such as 着 is also a valid
  // Simplified form; in zh-TW it is a regional variant, not a Simplified slip).
  addAll(classes, variants.keys(), VARIANT);
  const only = Array.from(script === 'hant' ? ZH_SETS.simplifiedOnly : ZH_SETS.traditionalOnly).filter((c) => !(locale === 'zh-HK' && HK_CANTONESE.has(c)));
  addAll(classes, only, ONLY);
  addAll(classes, japanese.keys(), JAPANESE);
  addAll(classes, script === 'hant' ? ZH_SETS.ambiguousHant : ZH_SETS.ambiguousHans, AMBIGUOUS);
  p = {
    script,
    kind: script === 'hant' ? 'simplified-in-hant' : 'traditional-in-hans',
    classes,
    variants,
    japanese,
    dir: direction(script === 'hans' ? 'cn' : locale === 'zh-HK' ? 'hk' : 'tw'),
    choices: script === 'hant' ? HANT_VARIANT_CHOICES : new Set(),
  };
  profiles.set(locale, p);
  return p;
}

export function isHan(cp: number): boolean {
  return (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x20000 && cp <= 0x3ffff) || (cp >= 0xf900 && cp <= 0xfaff);
}

/** Neighbours taken on each side for the context check: longer than most OpenCC phrases it can match. */
const WINDOW = 4;

/**
 * Characters of the Han run around `offset` (at most WINDOW each side), neighbours normalised to the
 * other script, and the index of the character itself.
 */
function windowAt(text: string, offset: number, ch: string, dir: Direction): { chars: string[]; at: number } {
  const left: string[] = [];
  let i = offset;
  while (left.length < WINDOW && i > 0) {
    const prevUnit = text.charCodeAt(i - 1);
    const start = prevUnit >= 0xdc00 && prevUnit <= 0xdfff && i >= 2 ? i - 2 : i - 1;
    const cp = text.codePointAt(start)!;
    if (!isHan(cp)) break;
    left.unshift(dir.normalise(String.fromCodePoint(cp)));
    i = start;
  }
  const right: string[] = [];
  let j = offset + ch.length;
  while (right.length < WINDOW && j < text.length) {
    const cp = text.codePointAt(j)!;
    if (!isHan(cp)) break;
    const c = String.fromCodePoint(cp);
    right.push(dir.normalise(c));
    j += c.length;
  }
  return { chars: [...left, ch, ...right], at: left.length };
}

/** What OpenCC makes of `ch` inside its window; the single-character conversion when lengths shift. */
function inContext(text: string, offset: number, ch: string, dir: Direction): string {
  const { chars, at } = windowAt(text, offset, ch, dir);
  const out = Array.from(dir.convert(chars.join('')));
  return out.length === chars.length ? out[at] : dir.single(ch);
}

/** Could a dictionary phrase cover `ch` here? Only then is a window conversion needed. */
function phraseMayApply(text: string, offset: number, ch: string, dir: Direction): boolean {
  let prev = '';
  if (offset > 0) {
    const unit = text.charCodeAt(offset - 1);
    const start = unit >= 0xdc00 && unit <= 0xdfff && offset >= 2 ? offset - 2 : offset - 1;
    const cp = text.codePointAt(start)!;
    if (isHan(cp)) prev = dir.normalise(String.fromCodePoint(cp));
  }
  let next = '';
  const after = offset + ch.length;
  if (after < text.length) {
    const cp = text.codePointAt(after)!;
    if (isHan(cp)) next = dir.normalise(String.fromCodePoint(cp));
  }
  return (prev !== '' && dir.phrasePairs.has(prev + ch)) || (next !== '' && dir.phrasePairs.has(ch + next));
}

/**
 * Findings in `text` for `locale`, from `from` to `to` (UTF-16 offsets; default: all of it). `skip(offset)`
 * lets the caller exclude allow-listed phrases and placeholders.
 */
export function detectZh(text: string, locale: ZhLocale, from = 0, to = text.length, skip?: (offset: number, length: number) => boolean): ZhHit[] {
  const p = profile(locale);
  const hits: ZhHit[] = [];
  for (let i = from; i < to; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x3400) continue; // below every Han block: the common case for markup and Latin text
    let cp = unit;
    let width = 1;
    if (unit >= 0xd800 && unit <= 0xdbff) {
      cp = text.codePointAt(i)!;
      width = cp > 0xffff ? 2 : 1;
    }
    const cls = p.classes.get(cp);
    if (cls === undefined) {
      i += width - 1;
      continue;
    }
    const ch = width === 2 ? text.slice(i, i + 2) : text[i];
    if (skip && skip(i, width)) {
      i += width - 1;
      continue;
    }
    let hit: ZhHit | null = null;
    if (cls === ONLY) {
      hit = { kind: p.kind, char: ch, suggestion: inContext(text, i, ch, p.dir), offset: i };
    } else if (cls === VARIANT) {
      hit = { kind: 'regional-variant', char: ch, suggestion: p.variants.get(ch)!, offset: i };
    } else if (cls === JAPANESE) {
      const kyujitai = p.japanese.get(ch)!;
      hit = { kind: 'japanese-form', char: ch, suggestion: p.dir.single(kyujitai), offset: i };
    } else if (!p.choices.has(ch)) {
      const out = phraseMayApply(text, i, ch, p.dir) ? inContext(text, i, ch, p.dir) : p.dir.single(ch);
      if (out !== ch) hit = { kind: p.kind, char: ch, suggestion: out, offset: i };
    }
    if (hit) hits.push(hit);
    i += width - 1;
  }
  return hits;
}
