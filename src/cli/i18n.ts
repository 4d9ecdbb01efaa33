// `clipguard i18n <paths...>`: only the zh script rules, over locale files found under the paths.

import { statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { localeSubjects } from '../sources/index.js';
import { runScan } from '../scan.js';
import { addReportOptions, emit } from './output.js';
import { configFrom } from './config.js';

export function registerI18n(program: Command): void {
  const cmd = program
    .command('i18n')
    .description('find Simplified characters in zh-Hant files (zh-TW, zh-HK) and Traditional ones in zh-Hans files (zh-CN)')
    .argument('[paths...]', 'files or directories (default: the current directory)')
    .option('--include <glob...>', 'only files matching these globs')
    .option('--exclude <glob...>', 'skip files matching these globs');
  addReportOptions(cmd).action(async (paths: string[], opts) => {
    const config = configFrom({ ...program.opts(), ...opts, paperclip: false });
    if (opts.include) config.i18n.include = opts.include;
    if (opts.exclude) config.i18n.exclude = [...config.i18n.exclude, ...opts.exclude];
    const roots = paths.length ? paths : ['.'];
    const subjects = roots.flatMap((p) => {
      const abs = resolve(p);
      if (statSync(abs).isFile()) {
        const dir = resolve(abs, '..');
        return localeSubjects(dir, { ...config, i18n: { ...config.i18n, include: [relative(dir, abs)] } }).map((s) => relabel(s, p));
      }
      return localeSubjects(abs, config).map((s) => relabel(s, relative(process.cwd(), resolve(abs, s.id)) || s.id));
    });
    config.repos = roots.map((p) => resolve(p));
    const { report, rules } = await runScan(config, { only: ['i18n'], subjects, statuses: [{ name: 'locales', status: 'ok', detail: `${subjects.length} locale file(s)` }] });
    process.exitCode = emit(report, opts, rules);
  });
}

// Paths in reports are relative to where the command runs, so editors and GitHub resolve them.
function relabel<T extends { id: string; label: string; location?: { file: string } | null; facts: Record<string, unknown> }>(s: T, shown: string): T {
  const file = s.facts.file as { path: string };
  return { ...s, id: shown, label: shown, location: s.location ? { ...s.location, file: shown } : s.location, facts: { ...s.facts, file: { ...file, path: shown } } };
}
