// `clipguard watch` against a REAL Paperclip, as a real process with a fast schedule: runs never overlap, a
// repeat scan of an unchanged company costs the same number of requests with 100 or 2,000 issues (incremental
// reading), SIGTERM mid-run releases the lock, a restart does exactly one catch-up run, a restarted process
// (and `watch --once`) reads incrementally from the reads the previous one kept, and the one action the job
// takes (--apply) is never taken twice.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, tempDir } from '../helpers/cli.js';
import { cliAsync } from '../helpers/cli-async.js';
import { e2eUrl, Seed, unique, waitFor } from './seed.js';
import { writeTrustedConfig } from '../helpers/trust.js';

interface LogLine {
  time: string;
  event: string;
  job: string;
  reason?: string;
  ms?: number;
  requests?: number;
  actions?: string;
  note?: string;
}

class WatchProcess {
  readonly lines: LogLine[] = [];
  readonly stderr: string[] = [];
  readonly proc: ChildProcess;
  exited: Promise<number | null>;
  constructor(cwd: string, config: string) {
    this.proc = spawn(process.execPath, [BIN, 'watch', '--config', config, '--jitter', '0', '--log-format', 'json'], { cwd, env: { ...process.env, NO_COLOR: '1' } });
    let buf = '';
    this.proc.stdout!.on('data', (d) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.trim()) this.lines.push(JSON.parse(line));
      }
    });
    this.proc.stderr!.on('data', (d) => this.stderr.push(String(d)));
    this.exited = new Promise((resolve) => this.proc.on('exit', (code) => resolve(code)));
  }
  runs(): LogLine[] {
    return this.lines.filter((l) => l.event === 'ok' || l.event === 'failed');
  }
  async waitRuns(n: number, timeoutMs = 120_000): Promise<LogLine[]> {
    return waitFor(() => (this.runs().length >= n ? this.runs() : null), { what: `${n} watch runs (stderr: ${this.stderr.join('')})`, timeoutMs, intervalMs: 200 });
  }
}

describe('watch on a real Paperclip', () => {
  const seed = new Seed();
  let company: any;
  let worker: any;
  const cwd = tempDir();
  const state = join(cwd, '.clipguard');
  const config = join(cwd, 'clipguard.config.json');
  const procs: WatchProcess[] = [];
  /** Requests of a scan of the unchanged company (the first test measures it). */
  let unchangedRequests = 0;

  beforeAll(async () => {
    company = await seed.createCompany({ name: unique('Watch') });
    worker = await seed.createAgent(company.id, { name: 'Worker', role: 'engineer' });
    await commentOnAll(await seed.createIssues(company.id, 100, (k) => ({ title: `Task ${k}`, status: 'todo', priority: 'low' })));
    writeTrustedConfig(
      config,
      JSON.stringify({
        paperclip: { url: e2eUrl(), companies: [company.issuePrefix] },
        repos: [],
        stateDir: state,
        // Every 3 s; a run with 2,000 fresh issues to read takes longer than that, which is the point.
        schedule: { jobs: [{ name: 'scan', type: 'scan', cron: '*/3 * * * * *', apply: true, only: ['ops/idle-agent-backlog', 'security'], deadlineMs: 170_000 }] },
      }),
    );
  });

  /** One comment on each issue: a touched issue's comments must be read (an untouched one has none). */
  async function commentOnAll(issues: any[]): Promise<void> {
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < issues.length) {
          const i = issues[next++];
          await seed.addComment(i.id, `notes on ${i.identifier}`);
        }
      }),
    );
  }

  afterAll(() => {
    for (const p of procs) if (p.proc.exitCode === null) p.proc.kill('SIGKILL');
  });

  const overlapFree = (runs: LogLine[]) => {
    const spans = runs.map((r) => [Date.parse(r.time) - (r.ms ?? 0), Date.parse(r.time)]).sort((a, b) => a[0] - b[0]);
    for (let k = 1; k < spans.length; k++) expect(spans[k][0]).toBeGreaterThanOrEqual(spans[k - 1][1] - 5);
  };

  it('runs on schedule without overlap; unchanged repeat scans cost the same requests at 100 and 2,000 issues', async () => {
    const w = new WatchProcess(cwd, config);
    procs.push(w);
    const first = await w.waitRuns(4);
    expect(first.every((r) => r.event === 'ok')).toBe(true);
    expect(first[0].reason).toBe('catch-up'); // no state yet: the job is due at once
    // The first run dispatches one issue to the idle Worker; later runs find Worker holding it and do nothing.
    expect(first[0].actions).toBe('applied:1');
    expect(first.slice(1).every((r) => !r.actions?.includes('applied'))).toBe(true);
    const small = first.slice(2).map((r) => r.requests);
    expect(new Set(small).size).toBe(1);
    unchangedRequests = small[0]!;
    expect(small[0]).toBeLessThan(20); // health, companies, and a fixed handful per company
    // A full read of 100 issues (with their comments, for secret scanning) costs more than 100 requests.
    expect(first[0].requests).toBeGreaterThan(100);

    // Grow the company to 2,000 issues while watch keeps running.
    const seen = w.runs().length;
    await commentOnAll(await seed.createIssues(company.id, 1900, (k) => ({ title: `More ${k}`, status: 'backlog', priority: 'low' })));
    // The runs during and after the growth read the new issues (and their comments) once; then the scans of the
    // unchanged company cost exactly what they cost at 100 issues.
    const after = await w.waitRuns(seen + 3, 600_000);
    await waitFor(() => (w.runs().length >= seen + 3 && w.runs().slice(-2).every((r) => r.requests === small[0]) ? true : null), { what: 'two unchanged scans after the growth', timeoutMs: 600_000, intervalMs: 500 });
    const grown = w.runs().slice(seen);
    expect(grown.every((r) => r.event === 'ok')).toBe(true);
    expect(grown.reduce((n, r) => n + (r.requests ?? 0), 0)).toBeGreaterThan(1900);
    expect(after.length).toBeGreaterThan(seen);
    overlapFree(w.runs());

    w.proc.kill('SIGTERM');
    expect(await w.exited).toBe(0);
    expect(w.lines.at(-1)?.event).toBe('stopped');
    expect(existsSync(join(state, 'state.lock'))).toBe(false);
  }, 900_000); // seeding 1,900 issues and comments through the API is most of it

  it('a restarted watch, and watch --once, read only what changed: the previous process kept its reads', async () => {
    expect(unchangedRequests).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 3_500)); // down for more than a period: the next start catches up
    const w = new WatchProcess(cwd, config);
    procs.push(w);
    const runs = await w.waitRuns(2);
    // 2,000 issues, and the first scan of the new process costs what an unchanged scan cost at 100.
    expect(runs[0]).toMatchObject({ event: 'ok', reason: 'catch-up', requests: unchangedRequests });
    expect(runs[1].requests).toBe(unchangedRequests);
    w.proc.kill('SIGTERM');
    expect(await w.exited).toBe(0);
    const r = await cliAsync(['watch', '--config', config, '--once', '--log-format', 'json'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').at(-1)!)).toMatchObject({ event: 'ok', reason: 'once', requests: unchangedRequests });
  }, 120_000);

  it('SIGTERM mid-run releases the lock; a restart does one catch-up and acts on nothing twice', async () => {
    await new Promise((r) => setTimeout(r, 3_500)); // down for more than a period: the next start catches up
    // Without the kept reads (lost, or another machine) the catch-up reads all 2,000 issues and their
    // comments, so it is in flight for a while after the job is scheduled.
    rmSync(join(state, 'paperclip'), { recursive: true, force: true });
    const w = new WatchProcess(cwd, config);
    procs.push(w);
    await waitFor(() => w.lines.some((l) => l.event === 'scheduled'), { what: 'the job to be scheduled', timeoutMs: 30_000, intervalMs: 50 });
    // A second watch on the same state directory is refused while this one holds the lock.
    const rival = new WatchProcess(cwd, config);
    procs.push(rival);
    expect(await rival.exited).not.toBe(0);
    expect(rival.stderr.join('')).toMatch(/is in use by another clipguard: watch \(pid \d+/);

    w.proc.kill('SIGTERM');
    expect(await w.exited).toBe(0);
    expect(w.lines.find((l) => l.event === 'stopping')).toMatchObject({ waiting: 1 }); // it was mid-run
    expect(w.lines.at(-1)?.event).toBe('stopped');
    expect(existsSync(join(state, 'state.lock'))).toBe(false);

    await new Promise((r) => setTimeout(r, 3_500)); // miss at least one period while down
    const again = new WatchProcess(cwd, config);
    procs.push(again);
    const runs = await again.waitRuns(3);
    expect(runs.filter((r) => r.reason === 'catch-up')).toHaveLength(1);
    overlapFree(runs);
    again.proc.kill('SIGTERM');
    expect(await again.exited).toBe(0);

    // Across every process: exactly one checkout was applied, and the Worker holds exactly one issue.
    const audit = readFileSync(join(state, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.outcome !== 'started'); // intents left out
    expect(audit.filter((e) => e.outcome === 'applied').map((e) => e.action)).toEqual(['checkout']);
    const held = (await seed.req('GET', `/companies/${company.id}/issues?assigneeAgentId=${worker.id}&status=in_progress`)) as any[];
    expect(held).toHaveLength(1);
  }, 300_000);
});
