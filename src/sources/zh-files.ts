// The zh locale files of a tree as subjects, for the scan and `clipguard i18n`: found first (locale-files.ts, no
// parser loaded), then, only when one is there, linted (locale-subjects.ts: the zh linter, its tables and the
// format parsers). Its own module so that locale-files.ts, which locale-subjects.ts uses, imports neither back.
import type { Config } from '../config/load.js';
import type { Subject } from '../types.js';
import { findLocaleFiles, localeFindOptions, type SkippedFile } from './locale-files.js';

/**
 * readLocaleSubjects (locale-subjects.ts) for the scan and `clipguard i18n`: the zh linter, its tables and the
 * format parsers load only when a zh locale file is there to lint.
 */
export async function readZhFileSubjects(root: string, config: Config, base?: string): Promise<{ subjects: Subject[]; skipped: SkippedFile[] }> {
  const skipped: SkippedFile[] = [];
  const files = findLocaleFiles(root, localeFindOptions(config, base), skipped);
  if (!files.length) return { subjects: [], skipped };
  const { readLocaleSubjects } = await import('./locale-subjects.js');
  return readLocaleSubjects(root, config, base, { files, skipped });
}
