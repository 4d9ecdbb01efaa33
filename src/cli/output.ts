// Shared by every command that reports findings (scan, precommit, i18n, checklist): the same --format,
// --output and --fail-on flags, the same report contract, the same exit codes.

import { randomBytes } from 'node:crypto';
import { closeSync, lstatSync, mkdirSync, openSync, readlinkSync, renameSync, rmSync, writeSync, constants } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UserFileError } from '../util/json-file.js';
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
    writeOutputFile(opts.output, text);
    process.stderr.write(`clipguard: ${opts.format} report written to ${opts.output} (${report.summary.total} finding(s))\n`);
  } else {
    process.stdout.write(text);
  }
  return report.summary.failed ? EXIT.findings : EXIT.ok;
}

/**
 * Refuse an output path that is a symbolic link: a checkout can plant `clipguard.sarif -> ~/.bashrc`, and
 * writing through it would overwrite the link's target. Called before a scan acts (so a refused path costs no
 * action) and again when writing. Throws UserFileError (exit 2).
 */
export function checkOutputPath(file: string): void {
  const abs = resolve(file);
  let st;
  try {
    st = lstatSync(abs);
  } catch {
    return; // not there yet: created by the write
  }
  if (st.isSymbolicLink()) {
    let to = '?';
    try {
      to = readlinkSync(abs);
    } catch {
      /* unreadable link: named without its target */
    }
    throw new UserFileError(file, `is a symbolic link (to ${to}); clipguard does not write a report through a link. Remove it, or give another --output path`);
  }
  if (st.isDirectory()) throw new UserFileError(file, 'is a directory; give a file path to --output');
}

/**
 * Write a report file: into a new temporary file beside it (O_EXCL | O_NOFOLLOW: never through a link planted
 * under that name), renamed over the path. A link planted at the path after the check is replaced, its target
 * untouched: rename replaces the link itself.
 */
export function writeOutputFile(file: string, text: string): void {
  checkOutputPath(file);
  const abs = resolve(file);
  mkdirSync(dirname(abs), { recursive: true });
  const tmp = join(dirname(abs), `.${basename(abs)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  try {
    const buf = Buffer.from(text);
    for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off, buf.length - off);
    closeSync(fd);
    renameSync(tmp, abs);
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      /* already closed */
    }
    rmSync(tmp, { force: true });
    throw e;
  }
}
