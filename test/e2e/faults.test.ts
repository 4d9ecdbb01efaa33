// Faults between clipguard and a REAL Paperclip: a fault-injecting proxy on loopback (test/helpers/fault-proxy.ts)
// sits in front of the e2e server and answers 5xx, resets connections, stalls, mangles JSON or answers 429.
// The scan must finish with a finding (not a stack trace), `watch` must go on to its next cycle, an
// interrupted `scan --apply` must be completed by the next run without doing anything twice, and 409 storms
// must be outcomes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/cli.js';
import { cliAsync, startCli } from '../helpers/cli-async.js';
import { FaultProxy, startProxy, type Fault } from '../helpers/fault-proxy.js';
import { e2eUrl, Seed, unique, waitFor } from './seed.js';

const seed = new Seed();
let proxy: FaultProxy;

beforeAll(async () => {
  proxy = await startProxy(e2eUrl());
});
afterAll(async () => {
  await proxy?.stop();
});

/** A working directory with a config that keeps fault runs short (1.5 s per attempt, one retry). */
function workDir(extra: Record<string, unknown> = {}): string {
  const dir = tempDir();
  const { paperclip, ...rest } = extra as { paperclip?: Record<string, unknown> };
  writeFileSync(join(dir, 'clipguard.config.json'), JSON.stringify({ paperclip: { timeoutMs: 1500, retries: 1, ...(paperclip ?? {}) }, repos: [], ...rest }, null, 2));
  return dir;
}

async function scan(args: string[], opts: { cwd?: string; state?: string } = {}) {
  const cwd = opts.cwd ?? workDir();
  const r = await cliAsync(['scan', '--paperclip', proxy.url, '--format', 'json', ...args], { cwd, env: { CLIPGUARD_STATE_DIR: opts.state ?? join(cwd, '.clipguard') } });
  let report: any = null;
  try {
    report = JSON.parse(r.stdout);
  } catch {
    // asserted by the caller
  }
  return { ...r, report };
}

const NO_STACK = /^\s+at .+:\d+:\d+\)?$/m;
const ids = (report: any) => report.findings.map((f: any) => f.ruleId);

describe('the server misbehaves: the scan finishes, reports it, exits 1', () => {
  let company: any;
  beforeAll(async () => {
    company = await seed.createCompany({ name: unique('Faults') });
    await seed.createAgent(company.id, { name: 'Idle' });
    await seed.createIssue(company.id, { title: 'Waiting work' });
  });

  const everything = (f: Fault) => () => f;
  const cases: [string, () => Fault, RegExp, string][] = [
    ['500 on every request', everything({ kind: 'status', status: 500 }), /HTTP 500/, 'source/paperclip-unavailable'],
    ['502 on every request', everything({ kind: 'status', status: 502, body: '<html>bad gateway</html>', headers: { 'content-type': 'text/html' } }), /HTTP 502/, 'source/paperclip-unavailable'],
    ['503 on every request', everything({ kind: 'status', status: 503, body: '{"status":"unhealthy","error":"db down"}' }), /HTTP 503/, 'source/paperclip-unavailable'],
    ['connection resets', everything({ kind: 'reset' }), /connection reset|socket/i, 'source/paperclip-unavailable'],
    ['a stall past the client timeout', everything({ kind: 'stall' }), /timeout/, 'source/paperclip-unavailable'],
    ['truncated JSON', everything({ kind: 'truncate' }), /invalid JSON/, 'source/paperclip-unavailable'],
    ['malformed JSON (an HTML error page with 200)', everything({ kind: 'malformed' }), /invalid JSON/, 'source/paperclip-unavailable'],
    ['429 with Retry-After, every time', everything({ kind: 'status', status: 429, headers: { 'retry-after': '1' } }), /HTTP 429.*after 2 attempts/, 'source/paperclip-unavailable'],
  ];
  for (const [name, decide, detail, rule] of cases) {
    it(name, async () => {
      proxy.reset(decide);
      const r = await scan(['--company', company.issuePrefix]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).not.toMatch(NO_STACK);
      expect(r.stderr).not.toMatch(/unexpected error/);
      expect(ids(r.report)).toContain(rule);
      const f = r.report.findings.find((x: any) => x.ruleId === rule);
      expect(f.message).toMatch(detail);
      expect(r.report.sources.find((s: any) => s.name === 'paperclip').status).toBe('unavailable');
      expect(proxy.log.length).toBeGreaterThan(0);
    });
  }

  it('429 with Retry-After once: waits, retries and reads the server', async () => {
    let first = true;
    proxy.reset(() => {
      if (!first) return { kind: 'pass' };
      first = false;
      return { kind: 'status', status: 429, headers: { 'retry-after': '1' } };
    });
    const r = await scan(['--company', company.issuePrefix, '--only', 'ops/idle-agent-backlog', 'source']);
    expect(r.report.sources.find((s: any) => s.name === 'paperclip').status).toBe('ok');
    expect(ids(r.report)).toContain('ops/idle-agent-backlog');
    expect(proxy.seen().slice(0, 2)).toEqual(['GET /api/health', 'GET /api/health']);
  });

  // A fault on one list only: the rest of the company is read, and the lost part is a finding, not silence.
  const partial: [string, Fault][] = [
    ['truncated JSON', { kind: 'truncate' }],
    ['malformed JSON', { kind: 'malformed' }],
    ['a 500', { kind: 'status', status: 500 }],
    ['a reset', { kind: 'reset' }],
  ];
  for (const [name, fault] of partial) {
    it(`${name} on the agents list only is reported (source/paperclip-schema), exit 1`, async () => {
      proxy.reset(({ path }) => (/\/api\/companies\/[^/]+\/agents(\?|$)/.test(path) ? fault : { kind: 'pass' }));
      const r = await scan(['--company', company.issuePrefix]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).not.toMatch(NO_STACK);
      expect(ids(r.report)).toContain('source/paperclip-schema');
      const f = r.report.findings.find((x: any) => x.ruleId === 'source/paperclip-schema');
      expect(f.message).toMatch(/agents/);
      expect(f.severity).toBe('error');
    });
  }
});

describe('watch goes on to the next cycle', () => {
  it('a failing cycle is logged, the next cycle reads the healed server', async () => {
    const company = await seed.createCompany({ name: unique('Watch') });
    await seed.createAgent(company.id, { name: 'Idle' });
    await seed.createIssue(company.id, { title: 'Waiting work' });
    // The server fails until the third health check, then heals.
    let health = 0;
    proxy.reset(({ path }) => {
      if (path.startsWith('/api/health')) health++;
      return health <= 2 ? { kind: 'status', status: 503, body: '{"status":"unhealthy"}' } : { kind: 'pass' };
    });
    const cwd = workDir({
      paperclip: { url: proxy.url, companies: [company.issuePrefix], retries: 0 },
      schedule: { jobs: [{ name: 'scan', type: 'scan', cron: '*/2 * * * * *', only: ['source', 'ops/idle-agent-backlog'] }] },
    });
    const w = startCli(['watch', '--log-format', 'json', '--jitter', '0'], { cwd, env: { CLIPGUARD_STATE_DIR: join(cwd, '.clipguard') } });
    try {
      const lines = () =>
        w
          .stdout()
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l))
          .filter((l) => l.event === 'ok' || l.event === 'failed');
      // At least two unavailable cycles, then one that read the server.
      await waitFor(() => lines().some((l) => l.note === undefined && l.findings > 0), { timeoutMs: 60_000, what: 'a cycle after the server healed' });
      const runs = lines();
      const down = runs.filter((l) => /unavailable: paperclip/.test(l.note ?? ''));
      expect(down.length).toBeGreaterThanOrEqual(2);
      expect(runs.filter((l) => l.event === 'failed')).toEqual([]);
      const healed = runs.find((l) => l.note === undefined);
      expect(healed.severities).toMatch(/warning/);
    } finally {
      w.child.kill('SIGTERM');
    }
    const r = await w.done;
    expect(r.stderr).not.toMatch(NO_STACK);
    expect(r.stdout).toContain('"event":"stopped"');
  });
});
