// Watch you can see into: each run keeps its report (JSON and Markdown) in <stateDir>/runs/, rotated, private
// and never written through a link; the log line names the rules; `watch status` prints the last runs; and
// `watch --once` exits like scan (0 / 1 with --fail-on, a failed checklist item / 2).
import { lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config/load.js';
import { Watcher, type JobDef, type RunSummary } from '../../src/schedule/watch.js';
import { buildReport } from '../../src/scan.js';
import { readRunReports, type RunRecord } from '../../src/schedule/run-reports.js';
import { renderWatchStatusText, watchStatus } from '../../src/cli/watch-status.js';
import type { Finding, Severity } from '../../src/types.js';
import { cli, tempDir } from '../helpers/cli.js';
import { writeTrustedConfig } from '../helpers/trust.js';

function config(stateDir = join(tempDir(), 'state')): Config {
  const c = loadConfig(tempDir(), { noConfigFile: true }, {});
  c.stateDir = stateDir;
  return c;
}

function finding(ruleId: string, severity: Severity, message = `${ruleId} fired`, label = 'Ann'): Finding {
  return { ruleId, severity, title: ruleId, message, subject: { type: 'agent', id: label, label }, location: null, fingerprint: `${ruleId}-${label}`, tags: [], actions: [{ type: 'checkout', status: 'applied', target: 'issue:X-1', detail: '' }] };
}

function summary(findings: Finding[], failOn: Severity = 'error'): RunSummary {
  const report = buildReport({ startedAt: new Date(), finishedAt: new Date(), mode: 'dry-run', sources: [{ name: 'paperclip', status: 'ok', detail: '' }], findings, failOn });
  return { ok: true, findings: report.summary.total, bySeverity: report.summary.bySeverity, actions: report.summary.actions, requests: 7, report };
}

const job: JobDef = { name: 'scan', type: 'scan', cron: '0 0 1 1 *' };

describe('watch run reports', () => {
  it('keeps each run as JSON and Markdown (0600 in a 0700 runs/), names the rules in the log line, and lists them in watch status', async () => {
    const c = config();
    const lines: string[] = [];
    const records: RunRecord[] = [];
    const fs = [finding('ops/idle-agent-backlog', 'warning', 'Ann idle', 'Ann'), finding('ops/idle-agent-backlog', 'warning', 'Bea idle', 'Bea'), finding('deploy/url-down', 'error', 'site down')];
    const w = new Watcher(c, [job], { logFormat: 'text', jitterMs: 0, log: (l) => lines.push(l), runner: async () => summary(fs), onRun: (r) => records.push(r) });
    expect(await w.once()).toBe(true);
    expect(w.findingsFailed()).toBe(true); // an error finding at failOn error

    // The log line says which findings, not only how many.
    expect(lines[0]).toMatch(/ scan ok reason=once ms=\d+ findings=3 severities=warning:2,error:1 rules=ops\/idle-agent-backlog:2,deploy\/url-down:1 failing=findings at or above error actions=applied:3 requests=7$/);

    const dir = join(c.stateDir, 'runs');
    expect(lstatSync(dir).mode & 0o777).toBe(0o700);
    const files = readdirSync(dir).sort();
    expect(files).toHaveLength(2);
    expect(files[0]).toMatch(/^\d{8}T\d{9}Z-scan-[0-9a-f]{8}\.json$/);
    expect(files[1]).toBe(files[0].replace(/json$/, 'md'));
    for (const f of files) expect(lstatSync(join(dir, f)).mode & 0o777).toBe(0o600);
    const rec = JSON.parse(readFileSync(join(dir, files[0]), 'utf8'));
    expect(rec).toMatchObject({ job: 'scan', type: 'scan', reason: 'once', outcome: 'ok', failed: true, failReasons: ['findings at or above error'], findings: 3, byRule: { 'ops/idle-agent-backlog': 2, 'deploy/url-down': 1 }, byRuleSeverity: { 'deploy/url-down': { error: 1 } }, actionsByType: { checkout: { applied: 3 } }, requests: 7 });
    expect(rec.listed[0]).toMatchObject({ ruleId: 'deploy/url-down', severity: 'error', message: 'site down' }); // most severe first
    expect(records).toHaveLength(1);
    const md = readFileSync(join(dir, files[1]), 'utf8');
    expect(md).toContain('**❌ failed: findings at or above error**');
    expect(md).toContain('| `ops/idle-agent-backlog` | 2 |');

    const s = watchStatus(c.stateDir, 10);
    if ('refused' in s) throw new Error(s.refused);
    const text = renderWatchStatusText(s);
    expect(text).toContain('scan (scan, once)  FAILED (findings at or above error)');
    expect(text).toContain('rules: ops/idle-agent-backlog:2,deploy/url-down:1');
    expect(text).toContain('· error deploy/url-down  agent Ann: site down');
  });

  it('keeps only the newest schedule.keepRuns runs', async () => {
    const c = config();
    c.schedule = { keepRuns: 3 };
    const w = new Watcher(c, [job], { logFormat: 'json', jitterMs: 0, log: () => undefined, runner: async () => summary([]) });
    for (let i = 0; i < 6; i++) await w.runJob(job, 'once');
    const files = readdirSync(join(c.stateDir, 'runs'));
    expect(files).toHaveLength(6); // 3 runs, json + md
    const { runs } = readRunReports(c.stateDir, 100);
    expect(runs).toHaveLength(3);
    expect(w.jobState().jobs.scan.runs).toBe(6);
  });

  it('a failed run is kept too, with its error; a failed checklist item fails the run even below failOn', async () => {
    const c = config();
    const cl: JobDef = { name: 'daily', type: 'checklist', cron: '0 9 * * *' };
    const w = new Watcher(c, [job, cl], {
      logFormat: 'json',
      jitterMs: 0,
      log: () => undefined,
      runner: async (j) => {
        if (j.name === 'scan') throw new Error('Paperclip answered 500');
        return { ...summary([finding('deploy/url-down', 'error')], 'critical'), checklist: { ok: false, items: [{ n: 5, title: 'The deploy is up', status: 'fail', detail: 'site down' }] } };
      },
    });
    expect(await w.once()).toBe(false);
    expect(w.findingsFailed()).toBe(true);
    const { runs } = readRunReports(c.stateDir, 10);
    const byJob = Object.fromEntries(runs.map((r) => [r.job, r]));
    expect(byJob.scan).toMatchObject({ outcome: 'failed', error: 'Paperclip answered 500', failed: false });
    expect(byJob.daily).toMatchObject({ outcome: 'ok', failed: true, failReasons: ['checklist item 5 failed'] });
  });

  it('never writes through a link: runs/ planted as a symlink is refused (logged), its target untouched', async () => {
    const c = config();
    const elsewhere = tempDir();
    mkdirSync(c.stateDir, { recursive: true });
    symlinkSync(elsewhere, join(c.stateDir, 'runs'));
    const lines: string[] = [];
    const w = new Watcher(c, [job], { logFormat: 'json', jitterMs: 0, log: (l) => lines.push(l), runner: async () => summary([finding('deploy/url-down', 'error')]) });
    await w.runJob(job, 'once');
    expect(readdirSync(elsewhere)).toEqual([]);
    const warn = lines.map((l) => JSON.parse(l)).find((l) => l.event === 'warning');
    expect(warn.note).toContain(`the run report was not kept in ${c.stateDir}/runs (${c.stateDir}/runs is a symbolic link`);
    // watch status refuses the state directory the same way (it would read another directory's files).
    const s = watchStatus(c.stateDir, 10);
    expect('refused' in s && s.refused).toMatch(/runs is a symbolic link/);
  });

  it('watch status cleans what planted run files hold (escapes, bidi controls) and skips what is not a record', () => {
    const state = join(tempDir(), 'state');
    const dir = join(state, 'runs');
    mkdirSync(dir, { recursive: true });
    const evil = '\x1b[2J\x1b]0;owned\x07\u202egnp.exe';
    const rec = { version: 1, job: evil, type: 'scan', reason: 'once', startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '', ms: 1, outcome: 'ok', failed: false, failReasons: [], findings: 1, bySeverity: { error: 1 }, byRule: { [evil]: 1 }, byRuleSeverity: {}, actions: {}, actionsByType: {}, sources: [{ name: evil, status: 'unavailable', detail: evil }], listed: [{ ruleId: evil, severity: 'error', where: evil, message: evil, actions: '' }], unlisted: 0 };
    writeFileSync(join(dir, '20260101T000000000Z-x-00000000.json'), JSON.stringify(rec));
    writeFileSync(join(dir, '20260101T000000001Z-x-00000001.json'), '{"not": "a record"}');
    const s = watchStatus(state, 10);
    if ('refused' in s) throw new Error(s.refused);
    expect(s.runs).toHaveLength(1);
    expect(s.skipped).toEqual([`${dir}/20260101T000000001Z-x-00000001.json: not a run record`]);
    const text = renderWatchStatusText(s);
    expect(text).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f\u202e]/);
    expect(text).toContain('gnp.exe');
  });
});

describe('watch --once exits like scan', () => {
  function repo(jobs: unknown[]): string {
    const cwd = tempDir();
    // No Paperclip, no git: the one source is a deploy URL nothing listens on (an error finding, checklist item 5 fails).
    writeTrustedConfig(join(cwd, 'clipguard.config.json'), JSON.stringify({ paperclip: { enabled: false }, repos: [], deploy: { urls: [{ url: 'http://127.0.0.1:9/' }] }, schedule: { jobs } }));
    return cwd;
  }
  const scanJob = { name: 'scan', type: 'scan', cron: '*/15 * * * *' };
  const checklistJob = { name: 'daily', type: 'checklist', cron: '0 9 * * *' };

  it('1 with a finding at or above --fail-on, 0 below it', () => {
    const cwd = repo([scanJob]);
    const failing = cli(['watch', '--once'], { cwd });
    expect(failing.code, failing.stderr).toBe(1);
    expect(failing.stdout).toMatch(/scan ok reason=once .*rules=deploy\/url-down:1 failing=findings at or above error/);
    const passing = cli(['watch', '--once', '--fail-on', 'critical'], { cwd });
    expect(passing.code, passing.stderr).toBe(0);
    const status = cli(['watch', 'status', '--format', 'json', '--last', '1'], { cwd });
    expect(status.code).toBe(0); // the newest run passed
    const s = JSON.parse(status.stdout);
    expect(s.runs).toHaveLength(1);
    expect(s.runs[0]).toMatchObject({ job: 'scan', failOn: 'critical', failed: false, byRule: { 'deploy/url-down': 1 } });
    expect(s.jobs.scan.runs).toBe(2);
  });

  it('1 with a failed checklist item, whatever --fail-on says; watch status exits 1 then', () => {
    const cwd = repo([checklistJob]);
    const r = cli(['watch', '--once', '--fail-on', 'critical'], { cwd });
    expect(r.code, r.stderr).toBe(1);
    const status = cli(['watch', 'status'], { cwd });
    expect(status.code).toBe(1);
    expect(status.stdout).toContain('daily (checklist, once)  FAILED (checklist item 5 failed)');
    expect(status.stdout).toMatch(/FAIL 5\. The deploy is up — http:\/\/127\.0\.0\.1:9\/: did not answer/);
  });

  it('watch status with no run yet says so (exit 0); a bad --last is a usage error (2)', () => {
    const cwd = repo([scanJob]);
    const r = cli(['watch', 'status'], { cwd });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('No watch run recorded yet');
    expect(cli(['watch', 'status', '--last', '0'], { cwd }).code).toBe(2);
    // --state-dir before or after `status`: the same directory.
    const other = join(tempDir(), 'elsewhere');
    for (const args of [['watch', '--state-dir', other, 'status'], ['watch', 'status', '--state-dir', other]]) expect(cli(args, { cwd }).stdout).toContain(`clipguard watch status (${other})`);
  });
});
