// ops/server-health and ops/paused-agent end to end: what the Paperclip reader really produces for a server
// that answers its health check with 503 {"status":"unhealthy",...}, and the action params the rules declare
// reaching the planner (the planner sees a finding's action params, never the rule's own params).
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config/load.js';
import { runScan } from '../../src/scan.js';
import { planActions } from '../../src/actions/planner.js';
import { activateRules, Evaluator } from '../../src/engine/evaluate.js';
import { loadRulePacks, RulePackError } from '../../src/engine/load.js';
import { subjectsFromInput } from '../../src/rule-tests.js';
import type { Subject } from '../../src/types.js';
import { cli, tempDir } from '../helpers/cli.js';
import { sample } from '../helpers/samples.js';

const NOW = new Date('2026-11-15T12:00:00Z');

/** The recorded GET /api/health answer, and the 503 answer API.md documents for an unreachable database. */
const HEALTHY = sample('01-health');
const UNHEALTHY = { status: 'unhealthy', version: HEALTHY.version, serverVersion: HEALTHY.serverVersion, commit: null, error: 'database_unreachable' };

// ------------------------------------------------------------------ loopback server

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function json(res: ServerResponse, status: number, body: unknown) {
  const s = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(s) });
  res.end(s);
}

async function serve(handler: (path: string, res: ServerResponse) => void): Promise<{ url: string; seen: string[] }> {
  const sockets = new Set<Socket>();
  const seen: string[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      seen.push(`${req.method} ${path}`);
      handler(path, res);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push({
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  });
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, seen };
}

function scanConfig(url: string, extra: { overrides?: Record<string, unknown>; exec?: Record<string, string[]> } = {}): Config {
  const config = loadConfig(tempDir(), { noConfigFile: true, paperclip: url }, {});
  Object.assign(config.paperclip, { retries: 1, timeoutMs: 2_000 });
  config.repos = [];
  config.stateDir = join(tempDir(), 'state');
  config.rules.overrides = (extra.overrides ?? {}) as Config['rules']['overrides'];
  config.actions.exec = extra.exec ?? {};
  return config;
}

const ids = (findings: { ruleId: string }[]) => findings.map((f) => f.ruleId).sort();

// ------------------------------------------------------------------ #1 server-health from the read path

describe('ops/server-health against a server that answers /api/health with 503 and a status body', () => {
  it('503 {"status":"unhealthy",...} on /api/health while the lists answer: the source is reachable, ops/server-health fires, source/paperclip-unavailable does not', async () => {
    const s = await serve((path, res) => (path === '/api/health' ? json(res, 503, UNHEALTHY) : path === '/api/companies' ? json(res, 200, []) : json(res, 404, { error: 'API route not found' })));
    const { report, subjects } = await runScan(scanConfig(s.url), { only: ['ops/server-health', 'source/paperclip-unavailable'], now: NOW });
    const source = subjects.find((x) => x.type === 'source' && x.id === 'paperclip')!;
    expect((source.facts.source as any).health).toEqual(UNHEALTHY);
    expect(report.sources.find((x) => x.name === 'paperclip')).toMatchObject({ status: 'ok', detail: expect.stringContaining('server reports status "unhealthy" (database_unreachable)') });
    expect(ids(report.findings)).toEqual(['ops/server-health']);
    expect(report.findings[0]).toMatchObject({ severity: 'critical', message: `Paperclip at ${s.url} is unhealthy: unhealthy database_unreachable` });
  });

  it('503 with the status body on every path (database down): unavailable as before, and the health the server sent is reported by ops/server-health too', async () => {
    const s = await serve((_path, res) => json(res, 503, UNHEALTHY));
    const { report, subjects } = await runScan(scanConfig(s.url), { only: ['ops/server-health', 'source/paperclip-unavailable'], now: NOW });
    const status = report.sources.find((x) => x.name === 'paperclip')!;
    expect(status.status).toBe('unavailable');
    expect(status.detail).toMatch(/cannot list companies: HTTP 503 database_unreachable \(GET \/api\/companies, after 2 attempts\); health check: HTTP 503 database_unreachable \(GET \/api\/health, after 2 attempts\)$/);
    expect(((subjects.find((x) => x.id === 'paperclip')!.facts.source as any).health)).toEqual(UNHEALTHY);
    expect(ids(report.findings)).toEqual(['ops/server-health', 'source/paperclip-unavailable']);
  });

  it('fires for every health status but "ok" (not a fixed list), never for the recorded ok answer nor without a health body', async () => {
    const rule = loadRulePacks([]).rules.filter((r) => r.id === 'ops/server-health');
    const source = (health: unknown, status = 'ok'): Subject => ({ type: 'source', id: 'paperclip', label: 'paperclip', source: 'paperclip', facts: { source: { name: 'paperclip', kind: 'paperclip', status, detail: '', url: 'http://127.0.0.1:3100', health, git: null, deploy: null }, problems: [] } });
    const fired = async (health: unknown, status?: string) => (await new Evaluator(activateRules(rule)).evaluate([source(health, status)], { now: NOW })).length;
    for (const status of ['unhealthy', 'degraded', 'maintenance', 'starting']) expect(await fired({ ...UNHEALTHY, status }), status).toBe(1);
    expect(await fired(HEALTHY)).toBe(0);
    // Connection refused, timeout, an error without a status body: the reader stores no health.
    expect(await fired(null, 'unavailable')).toBe(0);
    expect(await fired({ version: '2026.916.1' })).toBe(0);
  });
});

// ------------------------------------------------------------------ #2 the exec restart action

describe('ops/server-health exec action: the command the rule names reaches the planner', () => {
  it('the README config (actions.exec["restart-paperclip"] + the action enabled) plans running that command against the 503 server', async () => {
    const s = await serve((path, res) => (path === '/api/health' ? json(res, 503, UNHEALTHY) : json(res, 200, [])));
    const argv = ['systemctl', 'restart', 'paperclip'];
    const config = scanConfig(s.url, { overrides: { 'ops/server-health': { action: { enabled: true } } }, exec: { 'restart-paperclip': argv } });
    const { report } = await runScan(config, { only: ['ops/server-health'], now: NOW });
    expect(report.findings).toHaveLength(1);
    expect(report.findings[0].actions).toEqual([expect.objectContaining({ type: 'exec', status: 'planned', target: 'exec:restart-paperclip', detail: 'run systemctl restart paperclip (unless GET /api/health answers ok again by then)', params: expect.objectContaining({ command: 'restart-paperclip', recheck: 'paperclip-health' }) })]);
    // The argv is the executor's: the report names the command in the detail only.
    expect(report.findings[0].actions[0].params).not.toHaveProperty('argv');
  });

  it('rules.overrides[id].action.params.command picks another configured command; the rule-level params.command is refused, not ignored', async () => {
    const subjects = subjectsFromInput({ sources: [{ name: 'paperclip', kind: 'paperclip', status: 'ok', url: 'http://127.0.0.1:3100', health: UNHEALTHY }] }, loadConfig(tempDir(), { noConfigFile: true }, {}), NOW);
    const exec = { 'restart-paperclip': ['systemctl', 'restart', 'paperclip'], 'restart-docker': ['docker', 'restart', 'paperclip'] };
    const plan = async (override: Record<string, unknown>) => {
      const rules = loadRulePacks([]).rules.filter((r) => r.id === 'ops/server-health');
      const findings = await new Evaluator(activateRules(rules, { 'ops/server-health': override })).evaluate(subjects, { now: NOW });
      planActions(findings, subjects, { maxPerScan: 20, maxPerAgent: 3, exec });
      return findings.flatMap((f) => f.actions).map((a) => [a.status, a.target, a.detail]);
    };
    expect(await plan({ action: { enabled: true } })).toEqual([['planned', 'exec:restart-paperclip', 'run systemctl restart paperclip (unless GET /api/health answers ok again by then)']]);
    expect(await plan({ action: { enabled: true, params: { command: 'restart-docker' } } })).toEqual([['planned', 'exec:restart-docker', 'run docker restart paperclip (unless GET /api/health answers ok again by then)']]);
    const config = scanConfig('http://127.0.0.1:9', { overrides: { 'ops/server-health': { params: { command: 'restart-docker' }, action: { enabled: true } } }, exec });
    await expect(runScan(config, { only: ['ops/server-health'], subjects, now: NOW })).rejects.toThrow(RulePackError);
  });
});

// ------------------------------------------------------------------ #3 paused-agent resumeReasons

describe('ops/paused-agent resumeReasons', () => {
  // The recorded company and agents, two of them paused (one by hand, one by Paperclip for budget).
  const company = sample('35-company-get');
  const [carol, alice, bob] = sample('06-agents-list');
  const agents = [
    { ...carol, status: 'paused', pauseReason: 'manual', pausedAt: '2026-11-14T10:00:00.000Z' },
    { ...alice, status: 'paused', pauseReason: 'budget', pausedAt: '2026-11-14T11:00:00.000Z' },
    bob,
  ];
  const subjects = subjectsFromInput(
    { paperclip: { companies: [{ company, agents, issues: [], comments: {}, runs: [], budgets: { policies: [], activeIncidents: [] }, recentCosts: null }] } },
    loadConfig(tempDir(), { noConfigFile: true }, {}),
    NOW,
  );
  const resumed = async (overrides: Record<string, unknown>) => {
    const config = scanConfig('http://127.0.0.1:9', { overrides: { 'ops/paused-agent': overrides } });
    const { report } = await runScan(config, { only: ['ops/paused-agent'], subjects, now: NOW });
    expect(report.findings.map((f) => f.subject.label).sort()).toEqual([`${alice.name} (ACM)`, `${carol.name} (ACM)`]);
    return report.findings.flatMap((f) => f.actions.map((a) => `${a.type} ${a.status} ${a.target}`)).sort();
  };

  it('the resume action honours the rule default and an override of resumeReasons; one in the rule-level params is refused, not ignored', async () => {
    expect(await resumed({ action: { enabled: true } })).toEqual([`resume planned agent:${carol.name}`]);
    expect(await resumed({ action: { enabled: true, params: { resumeReasons: ['manual', 'budget'] } } })).toEqual([`resume planned agent:${alice.name}`, `resume planned agent:${carol.name}`]);
    await expect(resumed({ params: { resumeReasons: ['manual', 'budget'] }, action: { enabled: true } })).rejects.toThrow(RulePackError);
  });

  it('`clipguard explain` documents the override the planner reads (action.params), not a rule param', () => {
    const r = cli(['explain', 'ops/paused-agent']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('rules.overrides["ops/paused-agent"].action.params.resumeReasons');
    expect(r.stdout).not.toContain('Params (override in rules.overrides["ops/paused-agent"].params)');
  });
});
