// Locale files: detection from the path and a walker. The zh script detector is not landed yet
// (see the i18n issue): lintLocaleFile reports nothing until it is, and the i18n rules are not in the pack.

import { readdirSync, lstatSync } from 'node:fs';
import { join, relative } from 'node:path';
import picomatch from 'picomatch';

export type ZhLocale = 'zh-TW' | 'zh-HK' | 'zh-Hant' | 'zh-CN' | 'zh-Hans' | 'zh-SG';

const PATTERNS: [RegExp, ZhLocale][] = [
  [/zh[-_]hant[-_]hk|zh[-_]hk/i, 'zh-HK'],
  [/zh[-_]hant[-_]tw|zh[-_]tw/i, 'zh-TW'],
  [/zh[-_]hant/i, 'zh-Hant'],
  [/zh[-_]hans[-_]sg|zh[-_]sg/i, 'zh-SG'],
  [/zh[-_]hans[-_]cn|zh[-_]cn/i, 'zh-CN'],
  [/zh[-_]hans/i, 'zh-Hans'],
];

export function detectLocale(path: string, overrides: { glob: string; locale: ZhLocale }[] = []): ZhLocale | null {
  for (const o of overrides) if (picomatch.isMatch(path, o.glob, { dot: true })) return o.locale;
  for (const [re, loc] of PATTERNS) if (re.test(path)) return loc;
  return null;
}

export interface LocaleFinding {
  kind: string;
  char: string;
  suggestion: string;
  line: number;
  column: number;
  context: string;
}

export function lintLocaleFile(_path: string, _content: string, _locale: ZhLocale, _options: { allow?: string[] } = {}): LocaleFinding[] {
  return [];
}

const SKIP = new Set(['node_modules', '.git', 'dist']);

export function findLocaleFiles(root: string, opts: { include?: string[]; exclude?: string[]; overrides?: { glob: string; locale: ZhLocale }[] } = {}): { path: string; locale: ZhLocale }[] {
  const out: { path: string; locale: ZhLocale }[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 20) return;
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (SKIP.has(name)) continue;
      const abs = join(dir, name);
      const st = lstatSync(abs);
      if (st.isSymbolicLink()) continue; // never follow links out of the tree
      const rel = relative(root, abs);
      if (st.isDirectory()) walk(abs, depth + 1);
      else if (st.isFile()) {
        if (opts.include && !picomatch.isMatch(rel, opts.include, { dot: true })) continue;
        if (opts.exclude?.length && picomatch.isMatch(rel, opts.exclude, { dot: true })) continue;
        const locale = detectLocale(rel, opts.overrides);
        if (locale) out.push({ path: rel, locale });
      }
    }
  };
  walk(root, 0);
  return out;
}
