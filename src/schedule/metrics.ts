// `watch --metrics <host:port>`: Prometheus metrics of the watch runs (prom-client, a registry of our own, not
// the global one): findings by rule and severity (the last run of each job), actions by type and outcome, run
// durations, the last success per job, source availability and Paperclip requests. Served on GET /metrics
// only, bound to 127.0.0.1 unless a host is given: the labels name rules, jobs and sources, never a secret.

import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RunRecord } from './run-reports.js';
import type { WatchState } from './state.js';

export class MetricsAddressError extends Error {}

/** "9464", ":9464", "127.0.0.1:9464", "[::1]:9464", "0.0.0.0:9464" -> host and port (port 0: any free port). */
export function parseMetricsAddress(s: string): { host: string; port: number } {
  const m = /^(?:(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]*):)?(\d{1,5})$/.exec(s.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || !(port >= 0 && port <= 65535)) throw new MetricsAddressError(`--metrics: expected [host:]port such as 127.0.0.1:9464 or 9464 (got ${JSON.stringify(s)})`);
  const host = (m[1] ?? '').replace(/^\[|\]$/g, '') || '127.0.0.1';
  return { host, port };
}

export class WatchMetrics {
  readonly registry = new Registry();
  private readonly findings: Gauge;
  private readonly actions: Counter;
  private readonly runs: Counter;
  private readonly duration: Histogram;
  private readonly lastSuccess: Gauge;
  private readonly sourceUp: Gauge;
  private readonly requests: Counter;
  private readonly failing: Gauge;
  /** The finding label sets each job set last time: a rule that no longer fires drops to absent, not stale. */
  private readonly findingLabels = new Map<string, { job: string; rule: string; severity: string }[]>();

  constructor() {
    const registers = [this.registry];
    this.findings = new Gauge({ name: 'clipguard_findings', help: 'Findings of the last run of each job, by rule and severity (suppressed ones not counted).', labelNames: ['job', 'rule', 'severity'], registers });
    this.actions = new Counter({ name: 'clipguard_actions_total', help: 'Actions of the runs, by type (checkout, pause, redact, ...) and outcome (planned, applied, skipped, failed).', labelNames: ['job', 'type', 'outcome'], registers });
    this.runs = new Counter({ name: 'clipguard_runs_total', help: 'Runs by job and outcome (ok: the run finished; failed: it did not).', labelNames: ['job', 'outcome'], registers });
    this.duration = new Histogram({ name: 'clipguard_run_duration_seconds', help: 'How long each run took.', labelNames: ['job', 'outcome'], buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900], registers });
    this.lastSuccess = new Gauge({ name: 'clipguard_last_success_timestamp_seconds', help: 'When each job last finished a run (Unix time).', labelNames: ['job'], registers });
    this.sourceUp = new Gauge({ name: 'clipguard_source_up', help: 'Whether each source could be read in the last run that read it (1) or not (0).', labelNames: ['source'], registers });
    this.requests = new Counter({ name: 'clipguard_paperclip_requests_total', help: 'HTTP requests sent to Paperclip by the runs.', labelNames: ['job'], registers });
    this.failing = new Gauge({ name: 'clipguard_run_failing', help: 'Whether the last run of each job had findings at or above failOn or a failed checklist item (1) or not (0).', labelNames: ['job'], registers });
  }

  /** The last successes a previous process saved, so a restart does not look like a job that never ran. */
  seed(state: WatchState): void {
    for (const [job, js] of Object.entries(state.jobs)) {
      const t = js.lastSuccessAt ? Date.parse(js.lastSuccessAt) : NaN;
      if (Number.isFinite(t)) this.lastSuccess.set({ job }, t / 1000);
    }
  }

  record(r: RunRecord): void {
    const job = r.job;
    this.runs.inc({ job, outcome: r.outcome });
    this.duration.observe({ job, outcome: r.outcome }, r.ms / 1000);
    if (r.requests) this.requests.inc({ job }, r.requests);
    for (const [type, byOutcome] of Object.entries(r.actionsByType)) for (const [outcome, n] of Object.entries(byOutcome)) this.actions.inc({ job, type, outcome }, n);
    for (const s of r.sources) this.sourceUp.set({ source: s.name }, s.status === 'ok' ? 1 : 0);
    if (r.outcome !== 'ok') return; // a failed run says nothing new about findings
    this.lastSuccess.set({ job }, Date.parse(r.finishedAt) / 1000);
    this.failing.set({ job }, r.failed ? 1 : 0);
    const counts: { job: string; rule: string; severity: string; n: number }[] = [];
    for (const [rule, bySev] of Object.entries(r.byRuleSeverity ?? {})) for (const [severity, n] of Object.entries(bySev)) counts.push({ job, rule, severity, n: n ?? 0 });
    for (const old of this.findingLabels.get(job) ?? []) this.findings.remove(old);
    const labels = counts.map(({ n, ...l }) => (this.findings.set(l, n), l));
    this.findingLabels.set(job, labels);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}

/**
 * Serve `metrics` on http://host:port/metrics. Rejects with a clear error when the address is in use or
 * cannot be bound (watch then exits 2 before it takes the state lock).
 */
export async function serveMetrics(addr: { host: string; port: number }, metrics: WatchMetrics): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('clipguard: metrics are at /metrics\n');
      return;
    }
    metrics.text().then(
      (body) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(req.method === 'HEAD' ? undefined : body),
      () => res.writeHead(500).end(),
    );
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      const where = `${addr.host.includes(':') ? `[${addr.host}]` : addr.host}:${addr.port}`;
      if (e.code === 'EADDRINUSE') reject(new MetricsAddressError(`--metrics: ${where} is already in use (another watch, or another program, listens there): give another port`));
      else if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') reject(new MetricsAddressError(`--metrics: cannot listen on ${where} (${e.code}: no such local address)`));
      else if (e.code === 'EACCES') reject(new MetricsAddressError(`--metrics: not allowed to listen on ${where} (EACCES: ports below 1024 need privileges)`));
      else reject(new MetricsAddressError(`--metrics: cannot listen on ${where} (${e.code ?? e.message})`));
    });
    server.listen(addr.port, addr.host, () => resolveListen());
  });
  const a = server.address();
  const bound = a && typeof a === 'object' ? a : { address: addr.host, port: addr.port };
  const host = bound.address.includes(':') ? `[${bound.address}]` : bound.address;
  return {
    url: `http://${host}:${bound.port}/metrics`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
