// The GitHub Action's entry (action.yml runs `node dist/bundle/action.js`): one clipguard run (scan, i18n, or the
// budget report), read once as the json report, then turned into what a workflow wants: the SARIF file for
// code scanning, the Markdown step summary, the budget HTML, step outputs, and the text report in the log.
//
// Inputs come as INPUT_* variables (action.yml passes them), the rest as GitHub sets it: GITHUB_WORKSPACE,
// GITHUB_STEP_SUMMARY, GITHUB_OUTPUT. The process exits with clipguard's own code (0, 1 at --fail-on, 2); the
// action records it as the `exit-code` output and fails only after the SARIF upload, so code scanning gets
// the findings of a failing run too.

import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../cli/main.js';
import { render } from '../cli/output.js';
import { loadConfig } from '../config/load.js';
import { loadRulePacks, type LoadResult } from '../engine/load.js';
import { SEVERITIES, type Report } from '../types.js';
import { markdownCell, oneLine, plain } from '../report/sanitize.js';
import { checkOutputPath, writeOutputFile } from '../util/output-file.js';
import { UserFileError } from '../util/json-file.js';

export const COMMANDS = ['scan', 'i18n', 'budget'] as const;

export interface ActionInputs {
  command: (typeof COMMANDS)[number];
  paths: string[];
  args: string[];
  failOn: string;
  sarif: string;
  html: string;
  json: string;
  summary: boolean;
  workingDirectory: string;
}

/** Words of an input, split on white space; '...' and "..." keep spaces (no expansion: nothing runs a shell). */
export function splitWords(s: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (const m of s.matchAll(re)) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

export class ActionInputError extends Error {
  override name = 'ActionInputError';
}

export function readInputs(env: NodeJS.ProcessEnv): ActionInputs {
  const input = (name: string, dflt = '') => (env[`INPUT_${name.toUpperCase().replace(/ /g, '_')}`] ?? '').trim() || dflt;
  const command = input('command', 'scan');
  if (!(COMMANDS as readonly string[]).includes(command)) throw new ActionInputError(`input command: "${command}" is not one of ${COMMANDS.join(', ')}`);
  const failOn = input('fail-on', 'error');
  if (!(SEVERITIES as readonly string[]).includes(failOn)) throw new ActionInputError(`input fail-on: "${failOn}" is not one of ${SEVERITIES.join(', ')}`);
  const flag = (name: string, dflt: boolean) => {
    const v = input(name, String(dflt)).toLowerCase();
    if (v !== 'true' && v !== 'false') throw new ActionInputError(`input ${name}: "${v}" is not true or false`);
    return v === 'true';
  };
  return {
    command: command as ActionInputs['command'],
    paths: splitWords(input('paths')),
    args: splitWords(input('args')),
    failOn,
    // An empty sarif input means none (action.yml passes its default when the workflow gives none).
    sarif: env.INPUT_SARIF === undefined ? 'clipguard.sarif' : env.INPUT_SARIF.trim(),
    html: input('html'),
    json: input('json'),
    summary: flag('summary', true),
    workingDirectory: input('working-directory', '.'),
  };
}

/** The clipguard command line the inputs ask for; the report is written as json to `jsonFile`. */
export function cliArgs(inputs: ActionInputs, jsonFile: string): string[] {
  const head = inputs.command === 'budget' ? ['scan', '--only', 'budget'] : inputs.command === 'i18n' ? ['i18n', ...inputs.paths] : ['scan'];
  return [...head, ...inputs.args, '--fail-on', inputs.failOn, '--format', 'json', '--output', jsonFile];
}

/** One line per output, as GITHUB_OUTPUT takes them (values are one line: control characters dropped). */
function setOutputs(env: NodeJS.ProcessEnv, outputs: Record<string, string | number | boolean>): void {
  const file = env.GITHUB_OUTPUT;
  const text = Object.entries(outputs).map(([k, v]) => `${k}=${String(v).replace(/[\r\n\u0000-\u001f]/g, ' ')}\n`).join('');
  if (file) appendFileSync(file, text);
}

/** GitHub refuses a step summary over 1 MiB: a longer report is cut at a line, saying where the rest is. */
export const SUMMARY_MAX_BYTES = 1000 * 1024;

export function capSummary(markdown: string): string {
  if (Buffer.byteLength(markdown) <= SUMMARY_MAX_BYTES) return markdown;
  const note = '\n\n… cut here: the job summary holds at most 1 MiB. Every finding is in the SARIF (code scanning) and the json report (input json).\n';
  const room = SUMMARY_MAX_BYTES - Buffer.byteLength(note);
  let cut = Buffer.from(markdown).subarray(0, room).toString('utf8');
  cut = cut.slice(0, Math.max(0, cut.lastIndexOf('\n')));
  return cut + note;
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function appendSummary(env: NodeJS.ProcessEnv, markdown: string): void {
  if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, markdown.endsWith('\n') ? markdown : markdown + '\n');
}

/**
 * File locations from the repository root, as code scanning resolves SARIF URIs: a run in a sub-directory
 * (working-directory) reports them from there.
 */
export function fromWorkspace(report: Report, sub: string): Report {
  if (!sub || sub.startsWith('..') || isAbsolute(sub)) return report;
  const base = sub.split(sep).join('/');
  return { ...report, findings: report.findings.map((f) => (f.location && !isAbsolute(f.location.file) ? { ...f, location: { ...f.location, file: `${base}/${f.location.file}` } } : f)) };
}

/** The rules the report's SARIF describes: the loaded packs (the finding ids alone when the config cannot be read). */
/** The rules the scan ran, for the SARIF and JUnit descriptions: from the config it read (`--config` in args too). */
function rulesFor(cwd: string, args: readonly string[], env: NodeJS.ProcessEnv): LoadResult['rules'] {
  try {
    return loadRulePacks(loadConfig(cwd, { config: configArg(args) }, env).rules.packs).rules;
  } catch {
    return [];
  }
}

/**
 * For the step summary: what the checkout's config file asked for and did not get because it is not trusted
 * (a pull request's config cannot act, run commands, or receive the key). Said where reviewers look, not only
 * in the log; null when the config is trusted or there is none.
 */
function untrustedSummary(cwd: string, args: readonly string[], env: NodeJS.ProcessEnv): string | null {
  try {
    // The file the scan read: the workflow's `--config` in args when it gives one (a path the checkout may still write).
    const config = loadConfig(cwd, { config: configArg(args) }, env);
    if (!config.file || !config.untrusted.length) return null;
    return `> ⚠️ ${code(relative(cwd, config.file) || config.file)} is not trusted (${markdownCell(config.untrustedReason ?? 'never trusted')}): clipguard ignored its ${config.untrusted.map(code).join(', ')}. A config that came with the checkout cannot act, run commands or receive the API key until someone trusts that exact file (\`clipguard trust\`, or the workflow's own inputs).\n\n`;
  } catch {
    return null;
  }
}

/**
 * A code span of text the checkout may write (an override's rule id is quoted unvalidated when `i18n` left the
 * rule out): one line, no backtick, so it cannot end the span and write its own Markdown into the summary.
 */
const code = (s: string): string => `\`${oneLine(s, 200).replace(/`/g, "'")}\``;

/** The value of `-c` / `--config` in the args, as commander reads it (the last one wins). */
export function configArg(args: readonly string[]): string | undefined {
  let out: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') break;
    if ((a === '--config' || a === '-c') && i + 1 < args.length) out = args[++i];
    else if (a.startsWith('--config=')) out = a.slice('--config='.length);
    else if (/^-c./.test(a)) out = a.slice(2);
  }
  return out;
}

export async function runAction(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  // The runner takes a line that starts with `::command` (or holds `##[command]`) for a workflow command, and the
  // log carries what the checkout and the server wrote (file names, deploy URLs, agent names, rule ids). Commands
  // stay off for the whole step: none of that text can annotate the run, mask a value or stop the log. The action
  // itself talks to the runner through the GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files only.
  const token = randomBytes(16).toString('hex');
  process.stdout.write(`::stop-commands::${token}\n`);
  try {
    return await runActionCommandsOff(env);
  } finally {
    process.stdout.write(`::${token}::\n`);
  }
}

async function runActionCommandsOff(env: NodeJS.ProcessEnv): Promise<number> {
  let inputs: ActionInputs;
  try {
    inputs = readInputs(env);
  } catch (e) {
    process.stderr.write(`clipguard action: ${plain((e as Error).message)}\n`);
    setOutputs(env, { 'exit-code': 2, failed: true });
    return 2;
  }
  const workspace = resolve(env.GITHUB_WORKSPACE ?? process.cwd());
  const cwd = resolve(workspace, inputs.workingDirectory);
  // Paths in the outputs are as the workflow's later steps use them: from the workspace when inside it.
  const shown = (p: string) => {
    const r = relative(workspace, p);
    return r && !r.startsWith('..') && !isAbsolute(r) ? r : p;
  };
  if (!isDirectory(cwd)) {
    process.stderr.write(`clipguard action: input working-directory: ${plain(inputs.workingDirectory)} is not a directory of the workspace\n`);
    setOutputs(env, { 'exit-code': 2, failed: true });
    return 2;
  }
  // Refused report paths are said before clipguard reads or does anything (args may hold --apply).
  try {
    for (const [flag, file] of [['sarif', inputs.sarif], ['html', inputs.html], ['json', inputs.json]]) if (file) checkOutputPath(resolve(cwd, file), `input ${flag}`);
  } catch (e) {
    process.stderr.write(`clipguard action: ${plain((e as Error).message)}\n`);
    setOutputs(env, { 'exit-code': 2, failed: true });
    return 2;
  }
  const tmp = mkdtempSync(join(tmpdir(), 'clipguard-action-'));
  const jsonFile = join(tmp, 'report.json');
  const before = process.cwd();
  process.chdir(cwd);
  try {
    const code = await main(['node', 'clipguard', ...cliArgs(inputs, jsonFile)]);
    let report: Report;
    try {
      report = JSON.parse(readFileSync(jsonFile, 'utf8')) as Report;
    } catch {
      // No report: a usage, config or rule-file error, already said on stderr.
      setOutputs(env, { 'exit-code': code, failed: true, findings: 0 });
      if (inputs.summary) appendSummary(env, `## clipguard\n\n**❌ clipguard ${inputs.command} could not run (exit ${code})**: see the step's log.\n`);
      return code || 2;
    }
    const rules = rulesFor(cwd, inputs.args, env);
    const outputs: Record<string, string | number | boolean> = { 'exit-code': code, failed: report.summary.failed, findings: report.summary.total };
    if (inputs.json) {
      const reportFile = resolve(cwd, inputs.json);
      writeOutputFile(reportFile, readFileSync(jsonFile, 'utf8'));
      outputs['report-file'] = shown(reportFile);
    }
    if (inputs.sarif) {
      const sarifFile = resolve(cwd, inputs.sarif);
      writeOutputFile(sarifFile, await render(fromWorkspace(report, relative(workspace, cwd)), 'sarif', rules, true));
      outputs['sarif-file'] = shown(sarifFile);
    }
    if (inputs.html) {
      const htmlFile = resolve(cwd, inputs.html);
      writeOutputFile(htmlFile, await render(report, 'html', rules, true));
      outputs['html-file'] = shown(htmlFile);
    }
    if (inputs.summary) {
      const md = await render(report, 'markdown', rules, true);
      const note = untrustedSummary(cwd, inputs.args, env);
      // Under the report's heading, before its verdict.
      appendSummary(env, capSummary(note ? md.replace(/^(## [^\n]*\n\n)?/, (h) => h + note) : md));
    }
    setOutputs(env, outputs);
    process.stdout.write(await render(report, 'text', rules, true));
    return code;
  } catch (e) {
    // A report path the checkout made a symbolic link (or a directory): refused, said, exit 2.
    if (!(e instanceof UserFileError)) throw e;
    process.stderr.write(`clipguard action: ${plain(e.message)}\n`);
    setOutputs(env, { 'exit-code': 2, failed: true });
    return 2;
  } finally {
    process.chdir(before);
    rmSync(tmp, { recursive: true, force: true });
  }
}

// Run when node starts this file (action.yml), not when a test imports it.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  runAction().then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`clipguard action: unexpected error: ${plain((e as Error).message)}\n`);
      process.exitCode = 2;
    },
  );
}
