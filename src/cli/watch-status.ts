// `clipguard watch status`: the last runs of `clipguard watch` and what they found, read from the state
// directory (state.json and runs/). Read only: it takes no lock. Every string from those files is cleaned
// before it is printed (a checkout can plant the files).

import { SEVERITIES } from '../types.js';
import { oneLine } from '../report/sanitize.js';
import { loadState, type JobState } from '../schedule/state.js';
import { readRunReports, rulesLine, type RunRecord } from '../schedule/run-reports.js';
import { symlinkedStateDir } from '../actions/state-dir.js';
import { join } from 'node:path';

export interface WatchStatus {
  version: 1;
  stateDir: string;
  jobs: Record<string, JobState>;
  runs: RunRecord[];
  /** Run files that could not be read (named, with why). */
  skipped: string[];
}

/** Null and a reason when the state directory is refused (a symbolic link). */
export function watchStatus(stateDir: string, last: number): WatchStatus | { refused: string } {
  const link = symlinkedStateDir(stateDir);
  if (link) return { refused: link };
  const state = loadState(join(stateDir, 'state.json'));
  const { runs, skipped } = readRunReports(stateDir, last);
  return { version: 1, stateDir, jobs: state.jobs, runs, skipped };
}

export function renderWatchStatusText(s: WatchStatus, perRun = 5): string {
  const t = (v: unknown, max = 300) => oneLine(String(v ?? ''), max);
  const lines: string[] = [`clipguard watch status (${t(s.stateDir)})`];
  const jobs = Object.entries(s.jobs);
  if (!jobs.length && !s.runs.length) {
    lines.push('', 'No watch run recorded yet (run `clipguard watch` or `clipguard watch --once`).');
    return lines.join('\n') + '\n';
  }
  if (jobs.length) {
    lines.push('', 'Jobs:');
    for (const [name, js] of jobs) {
      lines.push(`  ${t(name, 80)}: last run ${t(js.lastRunAt ?? 'never')}, last success ${t(js.lastSuccessAt ?? 'never')}, ${Number(js.runs) || 0} run(s), ${Number(js.failures) || 0} failed${js.lastError ? `; last error: ${t(js.lastError)}` : ''}`);
    }
  }
  lines.push('', s.runs.length ? `Last ${s.runs.length} run(s), newest first:` : 'No run report kept.');
  for (const r of s.runs) {
    const sev = SEVERITIES.filter((x) => Number(r.bySeverity?.[x])).map((x) => `${Number(r.bySeverity[x])} ${x}`).join(', ') || 'no findings';
    const verdict = r.outcome === 'failed' ? 'RUN FAILED' : r.failed ? `FAILED (${t(Array.isArray(r.failReasons) ? r.failReasons.join(', ') : '', 200)})` : 'passed';
    lines.push('', `${t(r.startedAt, 40)}  ${t(r.job, 80)} (${t(r.type, 20)}, ${t(r.reason, 20)})  ${verdict}  ${Number(r.ms) || 0} ms  ${sev}${r.requests !== undefined ? `  ${Number(r.requests) || 0} request(s)` : ''}`);
    if (r.error) lines.push(`    error: ${t(r.error)}`);
    if (r.note) lines.push(`    note: ${t(r.note)}`);
    for (const src of Array.isArray(r.sources) ? r.sources : []) if (src?.status !== 'ok') lines.push(`    source ${t(src?.name, 120)} unavailable: ${t(src?.detail)}`);
    if (r.checklist && Array.isArray(r.checklist.items)) {
      for (const i of r.checklist.items) lines.push(`    ${i?.status === 'ok' ? 'ok  ' : i?.status === 'warn' ? 'warn' : 'FAIL'} ${Number(i?.n) || '?'}. ${t(i?.title, 100)} — ${t(i?.detail, 200)}`);
    }
    const rules = rulesLine(Object.fromEntries(Object.entries(r.byRule).map(([k, v]) => [k, Number(v) || 0])));
    if (rules) lines.push(`    rules: ${rules}`);
    for (const f of r.listed.slice(0, perRun)) lines.push(`    · ${t(f?.severity, 10)} ${t(f?.ruleId, 120)}  ${t(f?.where, 120)}: ${t(f?.message, 240)}`);
    const more = (Number(r.findings) || 0) - Math.min(perRun, r.listed.length);
    if (more > 0) lines.push(`    · … ${more} more (${t(join(s.stateDir, 'runs'))}, or --format json)`);
  }
  for (const k of s.skipped) lines.push('', `skipped ${t(k)}`);
  return lines.join('\n') + '\n';
}
