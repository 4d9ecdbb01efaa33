// Shared by every command that reports findings (scan, precommit, i18n, checklist): the same --format,
// --output and --fail-on flags, the same report contract, the same exit codes.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { LoadedRule } from '../engine/rule.js';
import { renderText } from '../report/text.js';
import { SEVERITIES, type Report } from '../types.js';

export const FORMATS = ['text', 'json', 'sarif', 'junit', 'markdown', 'html'] as const;
export type Format = (typeof FORMATS)[number];

export const EXIT = { ok: 0, findings: 1, usage: 2 } as const;

export function addReportOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('-f, --format <format>', 'report format').choices([...FORMATS]).default('text'))
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity').choices([...SEVERITIES]));
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
    const file = resolve(opts.output);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    process.stderr.write(`clipguard: ${opts.format} report written to ${opts.output} (${report.summary.total} finding(s))\n`);
  } else {
    process.stdout.write(text);
  }
  return report.summary.failed ? EXIT.findings : EXIT.ok;
}
