// `clipguard i18n <paths...>`: only the zh script rules, over locale files found under the paths.

import { statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { Option, type Command } from 'commander';
import { skippedNote } from '../sources/index.js';
import type { SkippedFile } from '../sources/locale-files.js';
import type { Subject } from '../types.js';
import { ZH_LOCALES } from '../detectors/chinese/locale.js';
import type { Config } from '../config/load.js';
import { runScan } from '../scan.js';
import { gitRoot } from '../util/git-root.js';
import { addReportOptions, emit } from './output.js';
import { configFrom } from './config.js';
import { UserFileError } from '../util/json-file.js';
import { plain } from '../report/sanitize.js';

export function registerI18n(program: Command): void {
  const cmd = program
    .command('i18n')
    .description('find Simplified characters in zh-Hant files (zh-TW, zh-HK) and Traditional ones in zh-Hans files (zh-CN)')
    .argument('[paths...]', 'files or directories (default: the current directory)')
    .option('--include <glob...>', 'only files matching these globs')
    .option('--exclude <glob...>', 'skip files matching these globs')
    .addOption(new Option('--locale <locale>', 'treat every file given as this locale instead of reading it from the path').choices(ZH_LOCALES));
  addReportOptions(cmd).action(async (paths: string[], opts) => {
    // Loaded here, not at start-up: every command registers this one, and `precommit` runs on every commit.
    const { readZhFileSubjects } = await import('../sources/zh-files.js');
    const config = configFrom({ ...program.opts(), ...opts, paperclip: false });
    if (opts.include) config.i18n.include = opts.include;
    if (opts.exclude) config.i18n.exclude = [...config.i18n.exclude, ...opts.exclude];
    if (opts.locale) config.i18n.locales = [{ glob: '**', locale: opts.locale }];
    const roots = paths.length ? paths : ['.'];
    const skipped: SkippedFile[] = [];
    const subjects: Subject[] = [];
    for (const p of roots) {
      const abs = resolve(p);
      if (statOf(p, abs).isFile()) {
        const dir = resolve(abs, '..');
        const read = await readZhFileSubjects(dir, { ...config, i18n: { ...config.i18n, include: [relative(dir, abs)] } }, baseFor(abs, dir, config));
        skipped.push(...read.skipped.map((s) => ({ ...s, path: p })));
        // A file named on the command line that is not read says why: its path carries no zh locale.
        if (!read.subjects.length && !read.skipped.length) skipped.push({ path: p, reason: 'no zh locale in its path' });
        subjects.push(...read.subjects.map((s) => relabel(s, p)));
        continue;
      }
      const read = await readZhFileSubjects(abs, config, baseFor(abs, abs, config));
      const shown = (id: string) => relative(process.cwd(), resolve(abs, id)) || id;
      skipped.push(...read.skipped.map((s) => ({ ...s, path: shown(s.path) })));
      subjects.push(...read.subjects.map((s) => relabel(s, shown(s.id))));
    }
    config.repos = roots.map((p) => resolve(p));
    const detail = `${subjects.length} locale file(s)${skipped.length ? `; skipped ${skippedNote(skipped)}` : ''}`;
    if (opts.format === 'text' && !subjects.length) {
      process.stderr.write(
        `clipguard i18n: no zh locale file found in ${plain(roots.join(', '))}${skipped.length ? ` (skipped ${plain(skippedNote(skipped))})` : ''}. ` +
          'A file\'s locale comes from its path (locales/zh-TW.json, zh_Hant/app.json, messages.zh-CN.yml), from i18n.locales in clipguard.config.json, or from --locale (clipguard i18n app.json --locale zh-TW).\n',
      );
    } else if (opts.format === 'text' && skipped.length) process.stderr.write(`clipguard i18n: skipped ${plain(skippedNote(skipped))}\n`);
    // Only the i18n rules run, so only they are validated (as precommit does); `scan` and `rules validate` check every rule.
    const { report, rules } = await runScan(config, { only: ['i18n'], subjects, statuses: [{ name: 'locales', status: 'ok', detail }], validateOnlySelected: true });
    process.exitCode = await emit(report, opts, rules);
  });
}

// A path named on the command line that cannot be read is a usage error (exit 2) that names it: scanning
// nothing there and passing would be a false "clean".
function statOf(shown: string, abs: string) {
  try {
    return statSync(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new UserFileError(shown, `cannot read it (${why}); give the locale files or folders to check`);
  }
}

// Where a path's locale tags and globs are read from, so that `i18n locales/zh-TW/a.json`, `i18n locales/zh-TW`
// and `i18n .` agree (as `scan` does): the enclosing git work tree, else the config file's folder, else the
// cwd, whichever holds the path; else `dir` (the folder given, or a file's parent) as before.
function baseFor(abs: string, dir: string, config: Config): string {
  const holds = (d: string) => {
    const r = relative(d, abs);
    return r !== '..' && !r.startsWith(`..${sep}`) && !isAbsolute(r);
  };
  for (const d of [gitRoot(abs), config.file ? config.baseDir : null, process.cwd()]) if (d && holds(d)) return d;
  return dir;
}

// Paths in reports are relative to where the command runs, so editors and GitHub resolve them.
function relabel<T extends { id: string; label: string; location?: { file: string } | null; facts: Record<string, unknown> }>(s: T, shown: string): T {
  const file = s.facts.file as { path: string };
  return { ...s, id: shown, label: shown, location: s.location ? { ...s.location, file: shown } : s.location, facts: { ...s.facts, file: { ...file, path: shown } } };
}
