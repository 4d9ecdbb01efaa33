// The zh findings of one locale file, each at its line and column (code points) with the inline-ignore
// verdict. Which files are locale files, and reading them, is locale-files.ts (re-exported here).

import { allowKeysFor, detectZh, type ZhHit, type ZhKind, type ZhLocale } from '../detectors/chinese/index.js';
import { inlineIgnoreReason } from '../engine/suppress.js';
import { LineIndex } from '../util/position.js';
import { extractSegments, formatOf, type Segment } from './extract/index.js';
import { unescapeSegments } from './extract/unescape.js';

export type { ZhLocale } from '../detectors/chinese/index.js';
export { detectLocale, findLocaleFiles, readLocaleText, MAX_LOCALE_FILE_BYTES, type LocaleOverride, type LocaleFileRef, type SkippedFile, type FindOptions } from './locale-files.js';

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
  const hits = segmentHits(text, locale, segments, allowed);
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

/**
 * The detector over each segment. A function of its own, and small: the loop over a file's segments is hot
 * enough to be optimised, and compiled inside lintLocaleFile it took that whole function with it (and again
 * after each deoptimisation), tens of milliseconds of a short-lived process.
 */
function segmentHits(text: string, locale: ZhLocale, segments: Segment[], allowed: string[]): { seg: Segment; hit: ZhHit }[] {
  const hits: { seg: Segment; hit: ZhHit }[] = [];
  const buffer: ZhHit[] = [];
  for (const seg of segments) {
    buffer.length = 0;
    if (allowed.length) detectZh(text, locale, seg.start, seg.end, allowedSkip(text, seg, allowed), buffer);
    else detectZh(text, locale, seg.start, seg.end, undefined, buffer);
    for (const hit of buffer) hits.push({ seg, hit });
  }
  return hits;
}

/** The skip function for allow-listed phrases in a segment, or undefined when none occurs there. */
function allowedSkip(text: string, seg: Segment, allowed: string[]): ((offset: number) => boolean) | undefined {
  const covered = coveredRanges(text, seg, allowed);
  return covered.length ? (o: number) => covered.some(([s, e]) => o >= s && o < e) : undefined;
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
