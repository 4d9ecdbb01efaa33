// Named sources on the REAL Paperclip: a mistyped --company is a critical finding naming it whatever --only
// selects (issue 16 item 5); a named server that cannot be read is reported whatever --only selects (issue 17
// item 5); an answer without end, behind the fault proxy, stops the read with a finding naming the limit and
// the process stays under 512 MB (issue 17 item 7).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cli, tempDir } from '../helpers/cli.js';
import { cliAsync } from '../helpers/cli-async.js';
import { FaultProxy, startProxy } from '../helpers/fault-proxy.js';
import { e2eUrl, Seed, unique } from './seed.js';
import { writeTrustedConfig } from '../helpers/trust.js';

const seed = new Seed();
const MAXRSS_PRELOAD = fileURLToPath(new URL('../helpers/report-maxrss.mjs', import.meta.url));
const NO_STACK = /^\s+at .+:\d+:\d+\)?$/m;

let company: any;
beforeAll(async () => {
  company = await seed.createCompany({ name: unique('Canfly') });
  await seed.createAgent(company.id, { name: 'Idle' });
  await seed.createIssue(company.id, { title: 'Waiting work' });
});

function scan(args: string[]) {
  const cwd = tempDir();
  const r = cli(['scan', '--paperclip', e2eUrl(), '--format', 'json', ...args], { cwd, env: { CLIPGUARD_STATE_DIR: join(cwd, 'state') } });
  return { ...r, report: JSON.parse(r.stdout) };
}
const sourceFindings = (report: any) => report.findings.filter((f: any) => f.ruleId.startsWith('source/'));

describe('a mistyped --company on the real server', () => {
  for (const only of [['ops'], ['security'], ['git'], []]) {
    it(`--company XYZ ${only.length ? `--only ${only.join(' ')}` : '(every rule)'}: critical source/paperclip-unavailable naming the company and what the server has, exit 1`, () => {
      const r = scan(['--company', 'XYZ', ...(only.length ? ['--only', ...only] : [])]);
      expect(r.stderr).not.toMatch(NO_STACK);
      expect(r.code).toBe(1);
      const f = sourceFindings(r.report);
      // Not source/paperclip-schema with a garbled label: one finding whose subject names the company.
      expect(f.map((x: any) => [x.ruleId, x.severity, x.subject.label])).toEqual([['source/paperclip-unavailable', 'critical', 'paperclip company XYZ']]);
      expect(f[0].message).toContain('company "XYZ" is not on this server');
      expect(f[0].message).toMatch(/; it has .+\(/);
      expect(r.report.sources.find((s: any) => s.name === 'paperclip company XYZ')).toMatchObject({ status: 'unavailable' });
    });
  }

  it('the right company beside the wrong one is read (its findings are there) and the wrong one is reported', () => {
    const r = scan(['--company', company.issuePrefix.toLowerCase(), 'XYZ', '--only', 'ops/idle-agent-backlog']);
    expect(r.code).toBe(1);
    expect(r.report.findings.map((x: any) => x.ruleId)).toContain('ops/idle-agent-backlog');
    expect(sourceFindings(r.report).map((x: any) => x.subject.label)).toEqual(['paperclip company XYZ']);
    // The server's companies are listed, at most 10 (the suite's other files create more on the same server).
    const message = sourceFindings(r.report)[0].message;
    if (!/; it has .+ and \d+ more$/.test(message)) expect(message).toContain(`${company.issuePrefix} (${company.name})`);
  });
});

describe('behind the fault proxy', () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await startProxy(e2eUrl());
  });
  afterAll(async () => {
    await proxy?.stop();
  });

  async function proxiedScan(args: string[]) {
    const cwd = tempDir();
    writeTrustedConfig(join(cwd, 'clipguard.config.json'), JSON.stringify({ paperclip: { url: proxy.url, timeoutMs: 5000, retries: 1 }, repos: [] }));
    const r = await cliAsync(['scan', '--format', 'json', '--company', company.issuePrefix, ...args], {
      cwd,
      env: { PAPERCLIP_API_URL: '', CLIPGUARD_STATE_DIR: join(cwd, 'state'), NODE_OPTIONS: `--import ${MAXRSS_PRELOAD}` },
    });
    const rssMB = Number(/clipguard-test-maxrss-kb=(\d+)/.exec(r.stderr)?.[1]) / 1024;
    return { ...r, report: JSON.parse(r.stdout), rssMB };
  }

  it('a server that resets every connection, with --only security: reported, exit 1 (was "no findings", exit 0)', async () => {
    proxy.reset(() => ({ kind: 'reset' }));
    const r = await proxiedScan(['--only', 'security']);
    expect(r.code).toBe(1);
    expect(sourceFindings(r.report).map((x: any) => [x.ruleId, x.severity])).toEqual([['source/paperclip-unavailable', 'critical']]);
  });

  it('an endless 200 body in place of the issue list: one request for it, the finding names the limit, under 512 MB', async () => {
    proxy.reset(({ path }) => (/\/issues\?/.test(path) ? { kind: 'hostile', body: { kind: 'endless' } } : { kind: 'pass' }));
    const r = await proxiedScan([]);
    expect(r.stderr).not.toMatch(NO_STACK);
    expect(r.code).toBe(1);
    const f = sourceFindings(r.report);
    expect(f.map((x: any) => [x.ruleId, x.severity])).toEqual([['source/paperclip-unavailable', 'critical']]);
    expect(f[0].message).toContain('larger than 32 MiB, the limit per answer (paperclip.maxResponseBytes)');
    // Nothing read before the limit is evaluated: no ops finding on a half-read company.
    expect(r.report.findings.filter((x: any) => !x.ruleId.startsWith('source/'))).toEqual([]);
    expect(proxy.seen((q) => /\/issues\?/.test(q.path))).toHaveLength(1);
    expect(r.rssMB).toBeGreaterThan(0);
    expect(r.rssMB).toBeLessThan(512);
  });

  it('a 1.5 GB Content-Length on the agents list: refused before reading, under 512 MB', async () => {
    proxy.reset(({ path }) => (/\/agents$/.test(path) ? { kind: 'hostile', body: { kind: 'endless', declare: 1_500_000_000 } } : { kind: 'pass' }));
    const r = await proxiedScan([]);
    expect(r.code).toBe(1);
    expect(sourceFindings(r.report)[0].message).toContain('declares 1500000000 bytes (Content-Length)');
    expect(r.rssMB).toBeLessThan(512);
  });
});
