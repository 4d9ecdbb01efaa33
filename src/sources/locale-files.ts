// Locale files: which files are zh (from the path, with config overrides) and how they are read safely.
// Apart from the linting (locales.ts), so that finding no zh file loads neither the zh tables nor the parsers
// of the file formats: a scan or `clipguard i18n` of a repository without zh files stays cheap.

import { isUtf8 } from 'node:buffer';
import { closeSync, lstatSync, openSync, readdirSync, readSync, realpathSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { globMatch } from '../util/glob.js';
import type { ZhLocale } from '../detectors/chinese/locale.js';
import type { Config } from '../config/load.js';

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
  for (const o of overrides) if (globMatch(p, o.glob, { dot: true })) return o.locale === 'none' ? null : o.locale;
  // The innermost tag wins: locales/zh-TW/zh-CN-terms.json is a zh-CN file.
  const parts = p.split('/').reverse();
  for (const part of parts) for (const [re, loc] of PATTERNS) if (re.test(part)) return loc;
  return null;
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
  const matches = (rel: string, key: string, globs: string[]) => globMatch(key, globs, { dot: true }) || (key !== rel && globMatch(rel, globs, { dot: true }));
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

/** What findLocaleFiles takes from the config's `i18n` section. */
export function localeFindOptions(config: Config, base?: string): FindOptions {
  return { include: config.i18n.include.length ? config.i18n.include : undefined, exclude: config.i18n.exclude, overrides: config.i18n.locales, base };
}
