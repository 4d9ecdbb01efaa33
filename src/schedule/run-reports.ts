// What each watch run found, kept where `clipguard watch status` (and a person) can read it: one JSON and one
// Markdown file per run in `<stateDir>/runs/`, the newest `schedule.keepRuns` (default 50) kept. The files are
// written like the rest of the state directory: never through a link (a link at the state directory or at
// `runs/` is refused), private (0700 directory, 0600 files, written beside and renamed over), bounded in size
// (at most MAX_LISTED findings per run, each text cut). Findings reach this file as the reports print them:
// masked by the engine; every string is cleaned again when it is printed, as a planted file may hold anything.

import { lstatSync, mkdirSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { SEVERITIES, type Report, type Severity, type SourceStatus } from '../types.js';
import { markdownCell, oneLine } from '../report/sanitize.js';
import { writePrivateFileAtomic } from '../util/private-file.js';
import { symlinkedStateDir } from '../actions/state-dir.js';

/** Findings listed per run file (the counts by rule and severity always cover all of them). */
export const MAX_LISTED = 200;
/** A run file larger than this is not read back (a planted or corrupt file must not exhaust memory). */
const MAX_READ_BYTES = 4 * 1024 * 1024;
export const DEFAULT_KEEP_RUNS = 50;

export interface RunFinding {
  ruleId: string;
  severity: Severity;
  where: string;
  message: string;
  actions: string;
}

export interface RunRecord {
  version: 1;
  job: string;
  type: 'scan' | 'checklist';
  reason: string;
  startedAt: string;
  finishedAt: string;
  ms: number;
  outcome: 'ok' | 'failed';
  error?: string;
  mode?: Report['mode'];
  failOn?: Severity;
  /** Findings at or above failOn, or a checklist item that failed: what makes `watch --once` exit 1. */
  failed: boolean;
  /** Why `failed`: "findings at or above error", "checklist item 5 failed". */
  failReasons: string[];
  findings: number;
  bySeverity: Partial<Record<Severity, number>>;
  byRule: Record<string, number>;
  /** Findings by rule, then severity (a config can give one rule another severity). */
  byRuleSeverity: Record<string, Partial<Record<Severity, number>>>;
  /** Actions by status (planned, applied, skipped, failed). */
  actions: Record<string, number>;
  /** Actions by type, then status: {"checkout": {"applied": 1}}. */
  actionsByType: Record<string, Record<string, number>>;
  requests?: number;
  note?: string;
  sources: SourceStatus[];
  checklist?: { ok: boolean; items: { n: number; title: string; status: string; detail: string }[] };
  listed: RunFinding[];
  /** Findings not listed (past MAX_LISTED). */
  unlisted: number;
}

/** The record of a run from its report (null for a run that failed before it had one). */
export function recordOf(
  base: Pick<RunRecord, 'job' | 'type' | 'reason' | 'startedAt' | 'finishedAt' | 'ms' | 'outcome' | 'error' | 'requests' | 'note'>,
  report: Report | undefined,
  checklist?: RunRecord['checklist'],
): RunRecord {
  const active = report ? report.findings.filter((f) => !f.suppressed) : [];
  // Without a prototype: a rule id or action type named __proto__ or constructor is an own key like any other.
  const byRule: Record<string, number> = Object.create(null);
  const byRuleSeverity: Record<string, Partial<Record<Severity, number>>> = Object.create(null);
  const actionsByType: Record<string, Record<string, number>> = Object.create(null);
  for (const f of active) {
    byRule[f.ruleId] = (byRule[f.ruleId] ?? 0) + 1;
    const sev = (byRuleSeverity[f.ruleId] ??= Object.create(null) as Partial<Record<Severity, number>>);
    sev[f.severity] = (sev[f.severity] ?? 0) + 1;
    for (const a of f.actions) (actionsByType[a.type] ??= Object.create(null))[a.status] = (actionsByType[a.type]?.[a.status] ?? 0) + 1;
  }
  const bySeverity: Partial<Record<Severity, number>> = {};
  for (const s of SEVERITIES) if (report?.summary.bySeverity[s]) bySeverity[s] = report.summary.bySeverity[s];
  // Most severe first, so the listed ones are the ones that matter when a run has thousands.
  const sorted = [...active].sort((a, b) => SEVERITIES.indexOf(b.severity) - SEVERITIES.indexOf(a.severity));
  const listed = sorted.slice(0, MAX_LISTED).map((f) => ({
    ruleId: oneLine(f.ruleId, 200),
    severity: f.severity,
    where: oneLine(f.location ? `${f.location.file}:${f.location.line}` : `${f.subject.type} ${f.subject.label}`, 300),
    message: oneLine(f.message, 600),
    actions: oneLine(f.actions.map((a) => `${a.type}: ${a.status}`).join(', '), 300),
  }));
  return {
    version: 1,
    ...base,
    ...(report ? { mode: report.mode, failOn: report.summary.failOn } : {}),
    failed: Boolean(report?.summary.failed) || checklist?.ok === false,
    failReasons: [
      ...(report?.summary.failed ? [`findings at or above ${report.summary.failOn}`] : []),
      ...(checklist?.items.filter((i) => i.status === 'fail').map((i) => `checklist item ${i.n} failed`) ?? []),
    ],
    findings: active.length,
    bySeverity,
    byRule,
    byRuleSeverity,
    actions: report ? Object.fromEntries(Object.entries(report.summary.actions).filter(([, n]) => n)) : {},
    actionsByType,
    sources: report?.sources.map((s) => ({ name: s.name, status: s.status, detail: oneLine(s.detail, 300) })) ?? [],
    ...(checklist ? { checklist } : {}),
    listed,
    unlisted: active.length - listed.length,
  };
}

/** "ops/idle-agent-backlog:3,security/secret:1": rules by count, most first; cleaned for one log line. */
export function rulesLine(byRule: Record<string, number>, max = 20): string {
  const entries = Object.entries(byRule).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const shown = entries.slice(0, max).map(([id, n]) => `${oneLine(id, 120).replace(/[\s,]+/g, '_')}:${n}`);
  if (entries.length > max) shown.push(`+${entries.length - max} more`);
  return shown.join(',');
}

export function renderRunMarkdown(r: RunRecord): string {
  const out = [`## clipguard watch: ${markdownCell(r.job)} (${r.type}) — ${markdownCell(r.startedAt)}`, ''];
  const verdict = r.outcome === 'failed' ? `❌ run failed: ${markdownCell(r.error ?? '', 600)}` : r.failed ? `❌ failed: ${markdownCell((r.failReasons ?? []).join(', '))}` : '✅ passed';
  out.push(`**${verdict}** · ${r.reason} · ${r.mode ?? ''} · ${r.ms} ms · ${SEVERITIES.map((s) => `${r.bySeverity[s] ?? 0} ${s}`).join(' · ')}${r.requests !== undefined ? ` · ${r.requests} Paperclip request(s)` : ''}`, '');
  if (r.note) out.push(`> ${markdownCell(r.note, 600)}`, '');
  for (const s of r.sources.filter((x) => x.status !== 'ok')) out.push(`> source **${markdownCell(s.name)}** unavailable: ${markdownCell(s.detail)}`, '');
  if (r.checklist) {
    const icon = { ok: '✅', warn: '⚠️', fail: '❌' } as Record<string, string>;
    out.push('| | item | detail |', '| --- | --- | --- |');
    for (const i of r.checklist.items) out.push(`| ${icon[i.status] ?? '?'} | ${i.n}. ${markdownCell(i.title)} | ${markdownCell(i.detail, 500)} |`);
    out.push('');
  }
  const rules = Object.entries(r.byRule).sort((a, b) => b[1] - a[1]);
  if (rules.length) {
    out.push('| rule | findings |', '| --- | ---: |', ...rules.map(([id, n]) => `| \`${markdownCell(id).replace(/`/g, '')}\` | ${n} |`), '');
    out.push('| severity | rule | where | message | action |', '| --- | --- | --- | --- | --- |');
    for (const f of r.listed) out.push(`| ${f.severity} | \`${markdownCell(f.ruleId).replace(/`/g, '')}\` | ${markdownCell(f.where, 120)} | ${markdownCell(f.message)} | ${markdownCell(f.actions)} |`);
    if (r.unlisted) out.push('', `… and ${r.unlisted} more finding(s) (counted above, not listed)`);
    out.push('');
  } else if (r.outcome === 'ok') out.push('No findings.', '');
  return out.join('\n');
}

export const runsDir = (stateDir: string): string => join(stateDir, 'runs');

/** A run's file stem: its start time (sortable), the job, a random tail (two runs in one millisecond). */
const STEM = /^(\d{8}T\d{9}Z)-[A-Za-z0-9_-]{1,64}-[0-9a-f]{8}$/;

function stemOf(r: RunRecord): string {
  const t = r.startedAt.replace(/[-:.]/g, '');
  const job = r.job.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64) || '_';
  return `${t}-${job}-${randomBytes(4).toString('hex')}`;
}

function isLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

/**
 * Write a run's JSON and Markdown and remove the oldest beyond `keep`. Throws (an Error naming the reason) when
 * the state directory or `runs/` is a link, or a write fails: the caller logs it and goes on.
 */
export function writeRunReport(stateDir: string, r: RunRecord, keep = DEFAULT_KEEP_RUNS): string {
  const link = symlinkedStateDir(stateDir);
  if (link) throw new Error(link);
  const dir = runsDir(stateDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (isLink(dir)) throw new Error(`${dir} is a symbolic link (a checkout can plant one to have clipguard write elsewhere): remove it`);
  const stem = stemOf(r);
  writePrivateFileAtomic(join(dir, `${stem}.json`), JSON.stringify(r, null, 1) + '\n');
  writePrivateFileAtomic(join(dir, `${stem}.md`), renderRunMarkdown(r));
  rotate(dir, keep);
  return join(dir, `${stem}.json`);
}

function stems(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const set = new Set<string>();
  for (const n of names) {
    const m = /^(.*)\.(json|md)$/.exec(n);
    if (m && STEM.test(m[1])) set.add(m[1]);
  }
  return [...set].sort();
}

function rotate(dir: string, keep: number): void {
  const all = stems(dir);
  for (const stem of all.slice(0, Math.max(0, all.length - keep))) {
    for (const ext of ['json', 'md']) {
      try {
        unlinkSync(join(dir, `${stem}.${ext}`)); // a link is removed itself, never its target
      } catch {
        /* already gone */
      }
    }
  }
}

/** The newest `n` run records, newest first; files that are not regular, too large or not a record are skipped (and named). */
export function readRunReports(stateDir: string, n: number): { runs: RunRecord[]; skipped: string[] } {
  const dir = runsDir(stateDir);
  const runs: RunRecord[] = [];
  const skipped: string[] = [];
  if (isLink(dir)) return { runs, skipped: [`${dir}: a symbolic link, not read`] };
  for (const stem of stems(dir).reverse()) {
    if (runs.length >= n) break;
    const file = join(dir, `${stem}.json`);
    try {
      const st = lstatSync(file);
      if (!st.isFile()) throw new Error('not a regular file');
      if (st.size > MAX_READ_BYTES) throw new Error(`larger than ${MAX_READ_BYTES} bytes`);
      const r = JSON.parse(readFileSync(file, 'utf8'));
      if (!r || r.version !== 1 || typeof r.job !== 'string' || typeof r.startedAt !== 'string' || !Array.isArray(r.listed) || typeof r.byRule !== 'object' || !r.byRule) throw new Error('not a run record');
      runs.push(r as RunRecord);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // only the .md of this run
      skipped.push(`${file}: ${(e as Error).message}`);
    }
  }
  return { runs, skipped };
}

/** `schedule.keepRuns`: how many runs' reports are kept (a whole number, at least 1). */
export function keepRunsOf(schedule: unknown): number {
  const v = (schedule as { keepRuns?: unknown } | undefined)?.keepRuns;
  if (v === undefined) return DEFAULT_KEEP_RUNS;
  if (!(Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 10_000)) throw new Error(`schedule.keepRuns: must be a whole number from 1 to 10000 (got ${JSON.stringify(v)})`);
  return v as number;
}
