// Locale files as `file` subjects: the zh findings split by kind (one array per i18n rule). Its own module so
// that the scan, the i18n command and the rule tests share it while `precommit`, and any process that finds
// no zh file (readZhFileSubjects in locale-files.ts), never loads it nor the zh tables behind it.

import { resolve } from 'node:path';
import type { Config } from '../config/load.js';
import type { Subject } from '../types.js';
import { isZhLocale } from '../detectors/chinese/index.js';
import { lintLocaleFile } from './locales.js';
import { findLocaleFiles, localeFindOptions, readLocaleText, type LocaleFileRef, type SkippedFile } from './locale-files.js';

/**
 * Locale files under `root` as `file` subjects, and the files skipped with the reason (binary, too large, ...).
 * `base`: where locale tags and config globs are read from (default `root`), see findLocaleFiles.
 * `found`: the files findLocaleFiles gave, when the caller looked already (readZhFileSubjects).
 */
export function readLocaleSubjects(root: string, config: Config, base?: string, found?: { files: LocaleFileRef[]; skipped: SkippedFile[] }): { subjects: Subject[]; skipped: SkippedFile[] } {
  const skipped: SkippedFile[] = found ? [...found.skipped] : [];
  const subjects: Subject[] = [];
  const files = found ? found.files : findLocaleFiles(root, localeFindOptions(config, base), skipped);
  for (const f of files) {
    const read = readLocaleText(resolve(root, f.path));
    if ('skip' in read) skipped.push({ path: f.path, reason: read.skip });
    else subjects.push(localeFileSubject(f.path, read.text, f.locale, config));
  }
  return { subjects, skipped };
}

export function localeSubjects(root: string, config: Config): Subject[] {
  return readLocaleSubjects(root, config).subjects;
}

/** One locale file as a `file` subject: the zh findings split by kind (one array per i18n rule). */
export function localeFileSubject(path: string, content: string, locale: string | null, config: Config, secrets: unknown[] = []): Subject {
  const found = locale && isZhLocale(locale) ? lintLocaleFile(path, content, locale, { allow: config.i18n.allow }) : [];
  // The fingerprint holds the character and its line text, not its line number, so a baseline survives
  // edits above it.
  const pick = (k: string) => found.filter((x) => x.kind === k).map((x) => ({ ...x, fingerprintKey: `${x.kind}:${x.char}@${x.context}#${x.column}` }));
  return {
    type: 'file',
    id: path,
    label: path,
    source: 'locales',
    location: { file: path, line: 1, column: 1 },
    facts: {
      file: { path, locale, size: content.length },
      zh: { simplifiedInHant: pick('simplified-in-hant'), traditionalInHans: pick('traditional-in-hans'), regionalVariant: pick('regional-variant'), japaneseForm: pick('japanese-form') },
      secrets,
    },
  };
}

