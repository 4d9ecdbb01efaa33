// `watch --metrics` against a REAL Paperclip: the metrics are scraped from a running `clipguard watch` while it
// scans and acts (a checkout and a redaction applied once, a CEO without its heartbeat timer found every run),
// they agree with its log lines, and `watch status` then names the same findings from the run reports it kept.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cli.js';
import { cliAsync, startCli, type AsyncCli } from '../helpers/cli-async.js';
import { fakeSample } from '../helpers/fake-secrets.js';
import { samples } from '../helpers/prometheus.js';
import { writeTrustedConfig } from '../helpers/trust.js';
import { e2eUrl, Seed, unique, waitFor } from './seed.js';

describe('watch --metrics on a real Paperclip', () => {
  const seed = new Seed();
  const cwd = tempDir();
  const state = join(cwd, 'state');
  let secret = '';
  let w: AsyncCli | null = null;

  beforeAll(async () => {
    const company = await seed.createCompany({ name: unique('Metrics') });
    await seed.createAgent(company.id, { name: 'Idle', role: 'engineer' });
    // The heartbeat policy wants a CEO on a 900 s timer and the others woken on assignment; these two (quiet:
    // no timer, no wake on demand) break it: a warning each, every run, with no action.
    await seed.createAgent(company.id, { name: 'Chief', role: 'ceo' });
    const issues = await seed.createIssues(company.id, 3, (k) => ({ title: `Task ${k}`, status: 'todo', priority: 'high' }));
    const planted = fakeSample('slack-bot-token', 5201);
    secret = planted.secret;
    await seed.addComment(issues[2].id, `the deploy used ${planted.text}`);
    writeTrustedConfig(
      join(cwd, 'clipguard.config.json'),
      JSON.stringify({
        paperclip: { url: e2eUrl(), companies: [company.issuePrefix] },
        repos: [],
        stateDir: state,
        // A generous deadline: the default (80% of the 2 s period) fails a first run slowed by a loaded machine.
        schedule: { jobs: [{ name: 'scan', type: 'scan', cron: '*/2 * * * * *', apply: true, deadlineMs: 120_000, only: ['ops/idle-agent-backlog', 'ops/heartbeat-policy', 'security/secret-in-comment'] }] },
      }),
    );
  });

  afterAll(() => {
    if (w && w.child.exitCode === null) w.child.kill('SIGKILL');
  });

  it('serves findings, actions, requests, durations, last success and source availability while watch runs', async () => {
    w = startCli(['watch', '--metrics', '127.0.0.1:0', '--jitter', '0', '--log-format', 'json'], { cwd });
    const lines = () => w!.stdout().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const url = await waitFor(() => lines().find((l) => l.event === 'metrics')?.url as string | undefined, { what: 'the metrics line', timeoutMs: 30_000, intervalMs: 100 });
    await waitFor(() => lines().filter((l) => l.event === 'ok').length >= 3, { what: 'three runs', timeoutMs: 60_000, intervalMs: 200 });
    const okBefore = lines().filter((l) => l.event === 'ok');
    const s = samples(await (await fetch(url)).text());
    const okAfter = lines().filter((l) => l.event === 'ok');
    const requests = (runs: { requests: number }[]) => runs.reduce((n, r) => n + r.requests, 0);

    // The first run dispatched an issue to each idle agent and redacted the secret; later runs find them busy and
    // the secret gone. The CEO's heartbeat is found by every run: the gauge holds the last run's count.
    const first = okBefore[0];
    const dispatched = Number(/ops\/idle-agent-backlog:(\d)/.exec(first.rules)?.[1] ?? 0);
    expect(dispatched).toBeGreaterThanOrEqual(1);
    expect(first.rules.split(',').sort()).toEqual([`ops/idle-agent-backlog:${dispatched}`, 'ops/heartbeat-policy:2', 'security/secret-in-comment:1'].sort());
    expect(s.get('clipguard_actions_total{job="scan",type="checkout",outcome="applied"}')).toBe(dispatched);
    expect(s.get('clipguard_actions_total{job="scan",type="redact",outcome="applied"}')).toBe(1);
    expect(okBefore.at(-1).rules).toBe('ops/heartbeat-policy:2');
    expect(s.get('clipguard_findings{job="scan",rule="ops/heartbeat-policy",severity="warning"}')).toBe(2);
    expect(s.has('clipguard_findings{job="scan",rule="security/secret-in-comment",severity="critical"}')).toBe(false);
    expect(s.get('clipguard_run_failing{job="scan"}')).toBe(0);
    expect(s.get('clipguard_source_up{source="paperclip"}')).toBe(1);
    // Requests and runs agree with the log lines written around the scrape.
    const served = s.get('clipguard_paperclip_requests_total{job="scan"}')!;
    expect(served).toBeGreaterThanOrEqual(requests(okBefore));
    expect(served).toBeLessThanOrEqual(requests(okAfter));
    const runs = s.get('clipguard_runs_total{job="scan",outcome="ok"}')!;
    expect(runs).toBeGreaterThanOrEqual(okBefore.length);
    expect(runs).toBeLessThanOrEqual(okAfter.length);
    expect(s.get('clipguard_run_duration_seconds_count{job="scan",outcome="ok"}')).toBe(runs);
    expect(s.get('clipguard_last_success_timestamp_seconds{job="scan"}')! * 1000).toBeGreaterThanOrEqual(Date.parse(okBefore[0].time) - 1000);
    // No secret in what is served.
    expect(await (await fetch(url)).text()).not.toContain(secret);

    w.child.kill('SIGTERM');
    const done = await w.done;
    expect(done.code, done.stderr).toBe(0);

    // watch status reads the run reports the runs kept: the same rules, the secret masked.
    const st = await cliAsync(['watch', 'status', '--format', 'json', '--last', '50'], { cwd });
    expect(st.code).toBe(0); // the newest run had only a warning
    const status = JSON.parse(st.stdout);
    expect(status.runs.length).toBe(okAfter.length + lines().filter((l) => l.event === 'failed').length);
    const oldest = status.runs.at(-1);
    expect(oldest.byRule).toEqual({ 'security/secret-in-comment': 1, 'ops/idle-agent-backlog': dispatched, 'ops/heartbeat-policy': 2 });
    expect(oldest.actionsByType).toEqual({ checkout: { applied: dispatched }, redact: { applied: 1 } });
    expect(oldest).toMatchObject({ failed: true, failReasons: ['findings at or above error'] });
    expect(st.stdout).not.toContain(secret);
    for (const f of readdirSync(join(state, 'runs'))) expect(readFileSync(join(state, 'runs', f), 'utf8')).not.toContain(secret);
    const text = await cliAsync(['watch', 'status'], { cwd });
    expect(text.stdout).toContain('rules: ops/heartbeat-policy:2');
    expect(text.stdout).toMatch(/rules: .*security\/secret-in-comment:1/);
    expect(text.stdout).not.toContain(secret);
  }, 180_000);
});
