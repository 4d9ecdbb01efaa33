// What a Paperclip answer can cost (issue 17 item 7): each answer is read as a stream against a byte limit
// (Content-Length checked first), all answers of a scan against another, a limit exceeded is never retried and
// stops the read with a source/paperclip-unavailable finding that names it, and the process stays under 512 MB
// whatever the server sends. A real loopback server, the CLI as a real process.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { cliAsync } from '../helpers/cli-async.js';
import { tempDir } from '../helpers/cli.js';
import { sendHostile, type HostileBody } from '../helpers/hostile-body.js';
import { sample } from '../helpers/samples.js';
import { PaperclipClient } from '../../src/sources/paperclip/client.js';
import { writeTrustedConfig } from '../helpers/trust.js';

const MAXRSS_PRELOAD = fileURLToPath(new URL('../helpers/report-maxrss.mjs', import.meta.url));
const MB = 1024 * 1024;

let servers: Server[] = [];
afterEach(async () => {
  for (const s of servers) s.closeAllConnections();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  servers = [];
});

/** A Paperclip on loopback: `hostile(path)` picks the paths that get a hostile body; the rest answer sanely. */
async function server(hostile: (path: string) => HostileBody | null, issues: (offset: number) => unknown[] = () => []): Promise<{ url: string; paths: string[] }> {
  const paths: string[] = [];
  const company = sample('35-company-get');
  const srv = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    paths.push(u.pathname);
    const h = hostile(u.pathname);
    if (h) return sendHostile(res, h);
    let body: unknown = [];
    if (u.pathname === '/api/health') body = sample('01-health');
    else if (u.pathname === '/api/companies') body = [company];
    else if (u.pathname.endsWith('/budgets/overview')) body = { policies: [], activeIncidents: [] };
    else if (u.pathname.endsWith('/issues')) body = issues(Number(u.searchParams.get('offset') ?? 0));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, paths };
}

/** `clipguard scan` against `url`, with its peak RSS (MB) and its source findings. */
async function scan(url: string, config: Record<string, unknown> = {}) {
  const cwd = tempDir();
  writeTrustedConfig(join(cwd, 'clipguard.config.json'), JSON.stringify({ paperclip: { url, ...config }, repos: [] }));
  const started = Date.now();
  const r = await cliAsync(['scan', '--format', 'json'], { cwd, env: { PAPERCLIP_API_URL: '', NODE_OPTIONS: `--import ${MAXRSS_PRELOAD}`, CLIPGUARD_STATE_DIR: join(cwd, 'state') } });
  const rss = Number(/clipguard-test-maxrss-kb=(\d+)/.exec(r.stderr)?.[1]) / 1024;
  const findings = (JSON.parse(r.stdout).findings as { ruleId: string; severity: string; message: string }[]).filter((f) => f.ruleId.startsWith('source/'));
  return { ...r, rssMB: rss, findings, ms: Date.now() - started };
}

const ISSUES = /^\/api\/companies\/[^/]+\/issues$/;

describe('a server that sends without end', () => {
  it('an endless 200 body on the health check: one request (not retried), the finding names the limit, under 512 MB', async () => {
    const pc = await server(() => ({ kind: 'endless' }));
    const r = await scan(pc.url);
    expect(r.code).toBe(1);
    expect(r.findings.map((f) => [f.ruleId, f.severity])).toEqual([['source/paperclip-unavailable', 'critical']]);
    expect(r.findings[0].message).toContain('larger than 32 MiB, the limit per answer (paperclip.maxResponseBytes)');
    expect(pc.paths).toEqual(['/api/health']);
    expect(r.rssMB).toBeGreaterThan(0);
    expect(r.rssMB).toBeLessThan(512);
  });

  it('an endless issue list (the rest of the server sane): the read stops there, nothing is evaluated, under 512 MB', async () => {
    const pc = await server((p) => (ISSUES.test(p) ? { kind: 'endless' } : null));
    const r = await scan(pc.url);
    expect(r.code).toBe(1);
    expect(r.findings.map((f) => f.ruleId)).toEqual(['source/paperclip-unavailable']);
    expect(r.findings[0].message).toMatch(/larger than 32 MiB, the limit per answer \(paperclip\.maxResponseBytes\); not read further, not retried \(GET \/api\/companies\/[^/]+\/issues/);
    expect(pc.paths.filter((p) => ISSUES.test(p))).toHaveLength(1);
    expect(r.rssMB).toBeLessThan(512);
  });

  it('a huge Content-Length (1.5 GB) is refused before reading the body', async () => {
    const pc = await server((p) => (ISSUES.test(p) ? { kind: 'endless', declare: 1_500_000_000 } : null));
    const r = await scan(pc.url);
    expect(r.code).toBe(1);
    expect(r.findings[0].message).toContain('the answer declares 1500000000 bytes (Content-Length), over 32 MiB');
    expect(pc.paths.filter((p) => ISSUES.test(p))).toHaveLength(1);
    expect(r.rssMB).toBeLessThan(512);
  });

  it('a slow drip ends at the timeout (paperclip.timeoutMs), retried as a timeout, under 512 MB', async () => {
    const pc = await server(() => ({ kind: 'drip', everyMs: 20 }));
    const r = await scan(pc.url, { timeoutMs: 1000, retries: 1 });
    expect(r.code).toBe(1);
    expect(r.findings[0].message).toContain('no complete answer within 1000 ms (timeout), after 2 attempts');
    expect(r.ms).toBeLessThan(20_000);
    expect(r.rssMB).toBeLessThan(512);
  });

  it('full pages forever: the per-scan limit (paperclip.maxScanBytes) stops the paging and is named', async () => {
    const row = sample('10-issues-list-all')[0];
    // Every page full (500 rows, ~1 MB): listIssues would ask for the next one, up to 1,000 pages.
    const page = (offset: number) => Array.from({ length: 500 }, (_, i) => ({ ...row, id: `00000000-0000-4000-8000-${String(offset + i).padStart(12, '0')}`, description: 'x'.repeat(600) }));
    const pc = await server(() => null, page);
    const r = await scan(pc.url, { maxScanBytes: 4 * MB });
    expect(r.code).toBe(1);
    expect(r.findings.map((f) => f.ruleId)).toEqual(['source/paperclip-unavailable']);
    expect(r.findings[0].message).toContain('this scan has read more than 4 MiB from the server, the limit per scan (paperclip.maxScanBytes)');
    expect(pc.paths.filter((p) => ISSUES.test(p)).length).toBeLessThan(10);
  });
});

describe('the client', () => {
  it('after a limit, every call fails at once with it and sends nothing; the calls in flight are cancelled', async () => {
    const pc = await server((p) => (p === '/api/companies' ? { kind: 'endless' } : p === '/api/health' ? { kind: 'drip', everyMs: 50 } : null));
    const client = new PaperclipClient({ baseUrl: pc.url, maxResponseBytes: MB, timeoutMs: 30_000, retries: 3 });
    try {
      const slow = client.health().catch((e) => e);
      const big = await client.listCompanies().catch((e) => e);
      expect(big).toMatchObject({ code: 'too-large', attempts: 1 });
      expect(await slow).toMatchObject({ code: 'too-large' });
      expect(client.bytesRead).toBeLessThan(2 * MB);
      const sent = client.requestCount;
      await expect(client.listAgents('x')).rejects.toMatchObject({ code: 'too-large', reason: expect.stringContaining('not sent: the answer is larger than 1 MiB') });
      expect(client.requestCount).toBe(sent);
    } finally {
      await client.close();
    }
  });
});

describe('the deploy check', () => {
  it('reads at most 1 MB of a page: an endless page with the marker text is up, not timed out', async () => {
    // 8 GiB: far more than loopback carries within the timeout (the check must stop reading, not outrun it).
    const srv = createServer((_req, res) => sendHostile(res, { kind: 'endless', bytes: 8 * 1024 ** 3 }));
    servers.push(srv);
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const { checkDeploy } = await import('../../src/sources/deploy.js');
    const r = await checkDeploy({ url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/`, expectText: '"title":"x"', timeoutMs: 3000 });
    expect(r).toMatchObject({ ok: true, httpStatus: 200, textFound: true, error: null });
    expect(r.ms).toBeLessThan(3000);
  });
});
