// Shared by every command that reports findings (scan, precommit, i18n, checklist): the same --format,
// --output and --fail-on flags, the same report contract, the same exit codes.

import { basename } from 'node:path';
import { checkOutputPath, writeOutputFile } from '../util/output-file.js';
import { Option, type Command } from 'commander';
import type { LoadedRule } from '../engine/rule.js';
import { renderText } from '../report/text.js';
import { SEVERITIES, type Report } from '../types.js';

export const FORMATS = ['text', 'json', 'sarif', 'junit', 'markdown', 'html'] as const;
export type Format = (typeof FORMATS)[number];

// Where reports (and baselines) are written: never through a symbolic link.
export { checkOutputPath, writeOutputFile };

export const EXIT = { ok: 0, findings: 1, usage: 2 } as const;

export function addReportOptions(cmd: Command): Command {
  return addFormatOptions(cmd).addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity').choices([...SEVERITIES]));
}

/** `-f` and `-o`, the format implied by the output file's extension: every command that writes a report. */
export function addFormatOptions(cmd: Command, what = 'report'): Command {
  return (
    cmd
      .addOption(new Option('-f, --format <format>', `${what} format (default: from the --output extension, else text)`).choices([...FORMATS]).default('text'))
      .option('-o, --output <file>', `write the ${what} to a file instead of stdout`)
      // `-o clipguard.sarif` alone must not write a text report into a .sarif file that code scanning rejects.
      .hook('preAction', (_cmd, action) => {
        const output = action.getOptionValue('output') as string | undefined;
        if (!output || action.getOptionValueSource('format') !== 'default') return;
        const inferred = formatForPath(output);
        if (inferred) action.setOptionValueWithSource('format', inferred, 'implied');
      })
  );
}

/** The report format a file name implies (`x.sarif`, `x.sarif.json`, `x.json`, `x.xml`, `x.md`, `x.html`), or null. */
export function formatForPath(file: string): Format | null {
  const name = basename(file).toLowerCase();
  if (name.endsWith('.sarif') || name.endsWith('.sarif.json')) return 'sarif';
  const ext = /\.([a-z]+)$/.exec(name)?.[1];
  const byExt: Record<string, Format> = { json: 'json', xml: 'junit', md: 'markdown', markdown: 'markdown', html: 'html', htm: 'html', txt: 'text' };
  return (ext && byExt[ext]) || null;
}

export function useColor(stream: NodeJS.WriteStream = process.stdout): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY);
}

// The other formats load on demand: a pre-commit hook prints text and pays for nothing else at start-up.
export async function render(report: Report, format: Format, rules: LoadedRule[], toFile: boolean): Promise<string> {
  switch (format) {
    case 'json':
      return (await import('../report/json.js')).renderJson(report);
    case 'sarif':
      return (await import('../report/sarif.js')).renderSarif(report, rules);
    case 'junit':
      return (await import('../report/junit.js')).renderJunit(report, rules);
    case 'markdown':
      return (await import('../report/markdown.js')).renderMarkdown(report);
    case 'html':
      return (await import('../report/html.js')).renderHtml(report);
    default:
      return renderText(report, { color: !toFile && useColor() });
  }
}

export async function emit(report: Report, opts: { format: Format; output?: string }, rules: LoadedRule[]): Promise<number> {
  const text = await render(report, opts.format, rules, Boolean(opts.output));
  if (opts.output) {
    writeOutputFile(opts.output, text);
    process.stderr.write(`clipguard: ${opts.format} report written to ${opts.output} (${report.summary.total} finding(s))\n`);
  } else {
    process.stdout.write(text);
  }
  return report.summary.failed ? EXIT.findings : EXIT.ok;
}

/**
 * After `--write-baseline <file>`: say where it went and how to use it. Recording the findings is the job asked
 * for, so the run succeeds (exit 0) whatever they are; the report above still lists them.
 */
export function confirmBaseline(file: string, count: number): number {
  process.stderr.write(`clipguard: baseline written to ${file} (${count} finding(s) recorded); runs with --baseline ${file} report only findings not in it\n`);
  return EXIT.ok;
}
