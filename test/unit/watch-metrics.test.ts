// `watch --metrics`: Prometheus metrics scraped from a real `clipguard watch` process while it runs (sources
// without a Paperclip server: a deploy URL nothing listens on, a Paperclip URL nothing listens on), the
// address parsed and bound to 127.0.0.1 by default, and a port in use refused with a clear error (exit 2).
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMetricsAddress, WatchMetrics } from '../../src/schedule/metrics.js';
import { recordOf } from '../../src/schedule/run-reports.js';
import { buildReport } from '../../src/scan.js';
import { startCli } from '../helpers/cli-async.js';
import { cliAsync } from '../helpers/cli-async.js';
import { tempDir } from '../helpers/cli.js';
import { writeTrustedConfig } from '../helpers/trust.js';
import { samples } from '../helpers/prometheus.js';

async function waitFor<T>(f: () => T | null | undefined, what: string, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('metrics address', () => {
  it('defaults the host to 127.0.0.1 and refuses what is not [host:]port', () => {
    expect(parseMetricsAddress('9464')).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(parseMetricsAddress(':9464')).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(parseMetricsAddress('0.0.0.0:9464')).toEqual({ host: '0.0.0.0', port: 9464 });
    expect(parseMetricsAddress('[::1]:0')).toEqual({ host: '::1', port: 0 });
    for (const bad of ['', 'x', '127.0.0.1:99999', 'http://127.0.0.1:9464', '127.0.0.1:9464/metrics']) expect(() => parseMetricsAddress(bad)).toThrow(/--metrics: expected \[host:\]port/);
  });

  it('a rule that stops firing leaves the findings gauge (not a stale count)', async () => {
    const m = new WatchMetrics();
    const run = (ruleIds: string[]) => {
      const findings = ruleIds.map((id, i) => ({ ruleId: id, severity: 'warning' as const, title: id, message: '', subject: { type: 'agent' as const, id: String(i), label: String(i) }, location: null, fingerprint: String(i), tags: [], actions: [{ type: 'pause' as const, status: 'failed' as const, target: 'agent:1', detail: '' }] }));
      const report = buildReport({ startedAt: new Date(), finishedAt: new Date(), mode: 'apply', sources: [], findings, failOn: 'error' });
      m.record(recordOf({ job: 'scan', type: 'scan', reason: 'once', startedAt: new Date().toISOString(), finishedAt: new Date().toISOString(), ms: 5, outcome: 'ok' }, report));
    };
    run(['ops/a', 'ops/a', 'ops/b']);
    let s = samples(await m.text());
    expect(s.get('clipguard_findings{job="scan",rule="ops/a",severity="warning"}')).toBe(2);
    expect(s.get('clipguard_findings{job="scan",rule="ops/b",severity="warning"}')).toBe(1);
    run(['ops/a']);
    s = samples(await m.text());
    expect(s.get('clipguard_findings{job="scan",rule="ops/a",severity="warning"}')).toBe(1);
    expect(s.has('clipguard_findings{job="scan",rule="ops/b",severity="warning"}')).toBe(false);
    expect(s.get('clipguard_actions_total{job="scan",type="pause",outcome="failed"}')).toBe(4);
  });
});

describe('hostile names in labels', () => {
  it('a job, rule or source name with quotes, backslashes and newlines stays one escaped label value', async () => {
    const m = new WatchMetrics();
    const evil = 'a"b\\c\nd} 1\nclipguard_pwned 1';
    const report = buildReport({ startedAt: new Date(), finishedAt: new Date(), mode: 'dry-run', sources: [{ name: evil, status: 'unavailable', detail: '' }], findings: [{ ruleId: evil, severity: 'error', title: '', message: '', subject: { type: 'agent', id: '1', label: '1' }, location: null, fingerprint: '1', tags: [], actions: [] }], failOn: 'error' });
    m.record(recordOf({ job: evil, type: 'scan', reason: 'once', startedAt: new Date().toISOString(), finishedAt: new Date().toISOString(), ms: 1, outcome: 'ok' }, report));
    const text = await m.text();
    expect(text).not.toMatch(/^clipguard_pwned/m);
    const esc = 'a\\"b\\\\c\\nd} 1\\nclipguard_pwned 1';
    expect(text).toContain(`clipguard_findings{job="${esc}",rule="${esc}",severity="error"} 1`);
    expect(text).toContain(`clipguard_source_up{source="${esc}"} 0`);
  });
});

describe('watch --metrics on a running watch', () => {
  function project(): string {
    const cwd = tempDir();
    writeTrustedConfig(
      join(cwd, 'clipguard.config.json'),
      JSON.stringify({
        paperclip: { url: 'http://127.0.0.1:9' }, // nothing listens: the source is unavailable
        repos: [],
        deploy: { urls: [{ url: 'http://127.0.0.1:9/' }] },
        schedule: { jobs: [{ name: 'scan', type: 'scan', cron: '*/2 * * * * *' }] },
      }),
    );
    return cwd;
  }

  it('serves findings by rule and severity, runs, durations, last success and source availability while runs go on', async () => {
    const cwd = project();
    const before = Date.now();
    const w = startCli(['watch', '--metrics', '127.0.0.1:0', '--jitter', '0', '--log-format', 'json'], { cwd });
    try {
      const lines = () => w.stdout().split('\n').filter(Boolean).map((l) => JSON.parse(l));
      const url = await waitFor(() => lines().find((l) => l.event === 'metrics')?.url as string | undefined, 'the metrics line');
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      await waitFor(() => lines().filter((l) => l.event === 'ok').length >= 2, 'two runs');
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      const s = samples(text);
      expect(s.get('clipguard_findings{job="scan",rule="deploy/url-down",severity="error"}')).toBe(1);
      expect(s.get('clipguard_findings{job="scan",rule="source/paperclip-unavailable",severity="critical"}')).toBe(1);
      expect(s.get('clipguard_runs_total{job="scan",outcome="ok"}')).toBeGreaterThanOrEqual(2);
      expect(s.get('clipguard_run_duration_seconds_count{job="scan",outcome="ok"}')).toBe(s.get('clipguard_runs_total{job="scan",outcome="ok"}'));
      expect(s.get('clipguard_source_up{source="paperclip"}')).toBe(0);
      expect(s.get('clipguard_run_failing{job="scan"}')).toBe(1);
      const last = s.get('clipguard_last_success_timestamp_seconds{job="scan"}')!;
      expect(last * 1000).toBeGreaterThanOrEqual(before); // this process's run, not a saved one
      for (const name of ['clipguard_actions_total', 'clipguard_paperclip_requests_total']) expect(text).toContain(`# TYPE ${name} counter`);
      // Only /metrics is served.
      expect((await fetch(url.replace('/metrics', '/'))).status).toBe(404);

      // A second watch on the same port is refused at start, clearly, before it takes any state lock.
      const port = new URL(url).port;
      const second = await cliAsync(['watch', '--metrics', `127.0.0.1:${port}`, '--state-dir', join(tempDir(), 'other')], { cwd });
      expect(second.code).toBe(2);
      expect(second.stderr).toBe(`clipguard watch: --metrics: 127.0.0.1:${port} is already in use (another watch, or another program, listens there): give another port\n`);
    } finally {
      w.child.kill('SIGTERM');
    }
    const done = await w.done;
    expect(done.code, done.stderr).toBe(0);
  });

  it('a port another program listens on is refused (exit 2), and nothing ran', async () => {
    const cwd = project();
    const busy: Server = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const port = (busy.address() as { port: number }).port;
    try {
      const r = await cliAsync(['watch', '--once', '--metrics', String(port)], { cwd });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`--metrics: 127.0.0.1:${port} is already in use`);
      expect(r.stdout).toBe('');
    } finally {
      busy.close();
    }
  });
});
