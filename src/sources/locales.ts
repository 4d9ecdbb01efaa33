// Locale files: which files are zh (from the path, with config overrides), how they are read safely, and
// the zh findings of one file, each at its line and column (code points) with the inline-ignore verdict.

import { isUtf8 } from 'node:buffer';
import { closeSync, lstatSync, openSync, readdirSync, readSync, realpathSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import picomatch from 'picomatch';
import { allowKeysFor, detectZh, type ZhHit, type ZhKind, type ZhLocale } from '../detectors/chinese/index.js';
import { inlineIgnoreReason } from '../engine/suppress.js';
import { LineIndex } from '../util/position.js';
import { extractSegments, formatOf, type Segment } from './extract/index.js';
import { unescapeSegments } from './extract/unescape.js';

export type { ZhLocale } from '../detectors/chinese/index.js';

/** A config override: files matching `glob` are `locale` ("none": not a zh file whatever its name says). */
export interface LocaleOverride {
  glob: string;
  locale: ZhLocale | 'none';
}

// A locale tag in a folder or file name: `zh-TW`, `zh_TW`, `zh-Hant`, `zh_Hant_HK`, `zh-hk` ... Bounded by
// non-alphanumerics so `zh_tweaks.json` is no Taiwan file. Regions before scripts: zh-Hant-HK is HK.
const TAG = (body: string) => new RegExp(`(?:^|[^a-z0-9])zh[-_](?:${body})(?=$|[^a-z0-9])`, 'i');
const PATTERNS: [RegExp, ZhLocale][] = [
  [TAG('hant[-_]hk|hk|hant[-_]mo|mo'), 'zh-HK'],
  [TAG('hant[-_]tw|tw'), 'zh-TW'],
  [TAG('hant'), 'zh-Hant'],
  [TAG('hans[-_]sg|sg'), 'zh-SG'],
  [TAG('hans[-_]cn|cn'), 'zh-CN'],
  [TAG('hans'), 'zh-Hans'],
];

export function detectLocale(path: string, overrides: LocaleOverride[] = []): ZhLocale | null {
  const p = path.split(sep).join('/');
  for (const o of overrides) if (picomatch.isMatch(p, o.glob, { dot: true })) return o.locale === 'none' ? null : o.locale;
  // The innermost tag wins: locales/zh-TW/zh-CN-terms.json is a zh-CN file.
  const parts = p.split('/').reverse();
  for (const part of parts) for (const [re, loc] of PATTERNS) if (re.test(part)) return loc;
  return null;
}

export interface LocaleFinding {
  kind: ZhKind;
  char: string;
  suggestion: string;
  line: number;
  column: number;
  /** The translated text around the character: up to 8 code points either side, within its segment and line. */
  context: string;
  inlineIgnored: boolean;
  ignoreReason?: string;
}

/** Allow-listed phrases (and single characters) for a locale, longest first so a phrase wins. */
function allowFor(locale: ZhLocale, allow: Record<string, string[]>): string[] {
  return [...new Set(allowKeysFor(locale).flatMap((k) => allow[k] ?? []))].filter(Boolean).sort((a, b) => b.length - a.length);
}

/** The zh findings of one file: only its translated segments, minus allow-listed phrases. */
export function lintLocaleFile(path: string, content: string, locale: ZhLocale, options: { allow?: Record<string, string[]> | string[] } = {}): LocaleFinding[] {
  const allowMap = Array.isArray(options.allow) ? { [locale]: options.allow } : (options.allow ?? {});
  const allowed = allowFor(locale, allowMap);
  const found: Segment[] = extractSegments(path, content);
  // JSON and JS strings may spell their characters as \uXXXX (Python's json.dump does by default): the linter
  // reads them decoded, and each finding maps back to the escape in the file.
  const format = formatOf(path);
  const decoded = format === 'json' || format === 'script' ? unescapeSegments(content, found) : null;
  const text = decoded ? decoded.text : content;
  const segments = decoded ? decoded.segments : found;
  // Hits of all segments first, positions after: most files have none, and then need no line index.
  const hits: { seg: Segment; hit: ZhHit }[] = [];
  const buffer: ZhHit[] = [];
  for (const seg of segments) {
    const covered = allowed.length ? coveredRanges(text, seg, allowed) : null;
    const skip = covered?.length ? (o: number) => covered.some(([s, e]) => o >= s && o < e) : undefined;
    buffer.length = 0;
    detectZh(text, locale, seg.start, seg.end, skip, buffer);
    for (const hit of buffer) hits.push({ seg, hit });
  }
  const out: LocaleFinding[] = [];
  if (!hits.length) return out;
  const lines = new LineIndex(content);
  for (const { seg, hit } of hits) {
    const { line, column } = lines.position(decoded ? decoded.toSource(hit.offset) : hit.offset);
    const ruleId = `i18n/${hit.kind}`;
    const here = inlineIgnoreReason(lines.lineText(line), ruleId);
    const above = line > 1 && /clipguard-ignore-next-line/.test(lines.lineText(line - 1)) ? inlineIgnoreReason(lines.lineText(line - 1), ruleId) : null;
    const reason = here ?? above;
    out.push({
      kind: hit.kind,
      char: hit.char,
      suggestion: hit.suggestion,
      line,
      column,
      context: contextAround(text, seg, hit.offset, hit.char.length),
      inlineIgnored: reason !== null,
      ...(reason !== null ? { ignoreReason: reason } : {}),
    });
  }
  return out;
}

function contextAround(text: string, seg: Segment, offset: number, width: number): string {
  const before = Array.from(text.slice(seg.start, offset).split('\n').pop() ?? '').slice(-8).join('');
  const after = Array.from(text.slice(offset + width, seg.end).split(/\r?\n/)[0]).slice(0, 8).join('');
  return (before + text.slice(offset, offset + width) + after).trim();
}

function coveredRanges(text: string, seg: Segment, allowed: string[]): [number, number][] {
  const piece = text.slice(seg.start, seg.end);
  const out: [number, number][] = [];
  for (const a of allowed) for (let i = piece.indexOf(a); i >= 0; i = piece.indexOf(a, i + a.length)) out.push([seg.start + i, seg.start + i + a.length]);
  return out;
}

const SKIP_DIRS = new Set(['node_modules', '.git', 'dist']);
/** Larger files are generated or data, not translations someone edits by hand. */
export const MAX_LOCALE_FILE_BYTES = 5 * 1024 * 1024;

export interface LocaleFileRef {
  path: string;
  locale: ZhLocale;
}

export interface SkippedFile {
  path: string;
  reason: string;
}

export interface FindOptions {
  include?: string[];
  exclude?: string[];
  overrides?: LocaleOverride[];
  /**
   * The folder the locale tags and the globs are read from (default: `root`), when `root` is a folder inside
   * it: `clipguard i18n locales/zh-TW` walks that folder but reads `locales/zh-TW/a.json` from the repository
   * root, as a walk of the whole repository would. Paths returned stay relative to `root`.
   */
  base?: string;
}

/**
 * zh locale files under `root` (paths relative to it). Symbolic links are followed only while they stay
 * inside `root`; one that leads out is skipped with a note, so nothing outside the repo is ever read.
 */
export function findLocaleFiles(root: string, opts: FindOptions = {}, skipped: SkippedFile[] = []): LocaleFileRef[] {
  const out: LocaleFileRef[] = [];
  const realRoot = realpathSync(root);
  const seen = new Set<string>();
  const prefix = opts.base ? relative(opts.base, root).split(sep).join('/') : '';
  // include / exclude also match the path from `root` itself, as they always have.
  const matches = (rel: string, key: string, globs: string[]) => picomatch.isMatch(key, globs, { dot: true }) || (key !== rel && picomatch.isMatch(rel, globs, { dot: true }));
  const walk = (dir: string, depth: number) => {
    if (depth > 20) return;
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const name of names) {
      if (SKIP_DIRS.has(name)) continue;
      const abs = join(dir, name);
      const rel = relative(root, abs).split(sep).join('/');
      const key = prefix ? `${prefix}/${rel}` : rel;
      let st = lstatSync(abs);
      if (st.isSymbolicLink()) {
        let real: string;
        try {
          real = realpathSync(abs);
        } catch {
          skipped.push({ path: rel, reason: 'broken symbolic link' });
          continue;
        }
        if (real !== realRoot && !real.startsWith(realRoot + sep)) {
          if (detectLocale(key, opts.overrides) || statSync(real).isDirectory()) skipped.push({ path: rel, reason: 'symbolic link leading outside the repository: not read' });
          continue;
        }
        st = statSync(real);
        if (seen.has(real)) continue; // a link back into the tree would loop
        seen.add(real);
      }
      if (st.isDirectory()) walk(abs, depth + 1);
      else if (st.isFile()) {
        if (opts.include && !matches(rel, key, opts.include)) continue;
        if (opts.exclude?.length && matches(rel, key, opts.exclude)) continue;
        const locale = detectLocale(key, opts.overrides);
        if (locale) out.push({ path: rel, locale });
      }
    }
  };
  walk(root, 0);
  return out;
}


/** The text of a locale file, or why it is not linted (too large, binary, not UTF-8). */
export function readLocaleText(abs: string): { text: string } | { skip: string } {
  let size: number;
  try {
    size = statSync(abs).size;
  } catch (e) {
    return { skip: `unreadable: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
  }
  if (size > MAX_LOCALE_FILE_BYTES) return { skip: `larger than ${MAX_LOCALE_FILE_BYTES / 1048576} MB: not linted` };
  const buf = Buffer.alloc(size);
  const fd = openSync(abs, 'r');
  try {
    let read = 0;
    while (read < size) {
      const n = readSync(fd, buf, read, size - read, read);
      if (n === 0) break;
      read += n;
    }
  } finally {
    closeSync(fd);
  }
  if (buf.subarray(0, 8192).includes(0)) return { skip: 'binary (NUL bytes): not linted' };
  // isUtf8 + toString rather than a fatal TextDecoder: the same verdict, without the decoder's start-up cost
  // on every clipguard process (tens of milliseconds, a good part of linting a few .po files).
  if (!isUtf8(buf)) return { skip: 'not valid UTF-8: not linted' };
  return { text: buf.toString('utf8').replace(/^\uFEFF/, '') };
}
