// The fields rules and subjects rely on are type-checked when they are read: a real recorded response of
// paperclipai@2026.916.1 (fixtures/paperclip-samples/) passes as it is; the same response with one such
// field's type changed is a `source/paperclip-schema` finding that names the field, and the record is left out
// (a string "900" for heartbeat.intervalSec would otherwise read as "no timer" and misfire ops/heartbeat-policy).
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { validateAgent, validateComment, validateIssue } from '../../src/sources/paperclip/validate.js';
import { loadConfig, type Config } from '../../src/config/load.js';
import { runScan } from '../../src/scan.js';
import { tempDir } from '../helpers/cli.js';
import { sample } from '../helpers/samples.js';

const NOW = new Date('2026-11-25T12:00:00Z');

const agents: any[] = [...sample('06-agents-list'), sample('49-agent-get-error')];
const issues: any[] = [...sample('10-issues-list-all'), ...sample('48-issues-list-server-blocked'), sample('16-issue-get-after-checkout'), sample('15-issue-checkout'), sample('18-issue-release'), sample('46-issue-missing-disposition')];
const comments: any[] = [...sample('21-comments-list'), ...sample('47-comments-missing-disposition'), sample('20-comment-create')];

/** A deep copy of `rec` with the value at a dotted path replaced. */
function withField(rec: any, path: string, value: unknown): any {
  const out = structuredClone(rec);
  const keys = path.split('.');
  let cur = out;
  for (const k of keys.slice(0, -1)) cur = cur[k] ??= {};
  cur[keys[keys.length - 1]] = value;
  return out;
}

describe('the recorded responses pass as they are', () => {
  it('agents, issues (list rows and GET), comments: no problem, including the null and absent fields the server sends', () => {
    expect(agents.flatMap(validateAgent)).toEqual([]);
    expect(issues.flatMap(validateIssue)).toEqual([]);
    expect(comments.flatMap(validateComment)).toEqual([]);
    // What the recorded server really leaves out or sends as null, which must stay valid.
    expect(agents.every((a) => a.runtimeConfig.heartbeat.intervalSec === undefined)).toBe(true);
    expect(issues.some((i) => i.blockedTransitionAt === null) && issues.some((i) => typeof i.blockedTransitionAt === 'string')).toBe(true);
    expect(issues.some((i) => i.startedAt === null) && issues.some((i) => i.blockedBy === undefined) && issues.some((i) => Array.isArray(i.blockedBy))).toBe(true);
  });
});

describe('one field of a recorded response with its type changed: the problem names the field', () => {
  const agent = agents[0];
  const ceo = agents.find((a) => a.role === 'ceo');
  const agentCases: [string, unknown, string][] = [
    ['runtimeConfig.heartbeat.enabled', 'yes', 'boolean'],
    ['runtimeConfig.heartbeat.intervalSec', '900', 'number'],
    ['runtimeConfig.heartbeat.wakeOnDemand', 1, 'boolean'],
    ['createdAt', 1764000000000, 'ISO date string'],
    ['pausedAt', 'yesterday', 'ISO date string'],
    ['errorReason', { code: 'x' }, 'string or null'],
  ];
  for (const [field, bad, expected] of agentCases) {
    it(`agent ${field} = ${JSON.stringify(bad)}`, () => {
      expect(validateAgent(withField(agent, field, bad))).toEqual([
        { entity: 'agent', id: agent.id, field, message: expect.stringContaining(`field "${field}" expected ${expected}, got`) },
      ]);
    });
  }

  it("the audit's case: heartbeat {enabled:'yes', intervalSec:'900'} names both fields", () => {
    const bad = withField(ceo, 'runtimeConfig.heartbeat', { enabled: 'yes', intervalSec: '900' });
    expect(validateAgent(bad).map((p) => p.field)).toEqual(['runtimeConfig.heartbeat.enabled', 'runtimeConfig.heartbeat.intervalSec']);
  });

  const held = sample('16-issue-get-after-checkout');
  const blocked = sample('48-issues-list-server-blocked').find((i: any) => typeof i.blockedTransitionAt === 'string');
  const issueCases: [any, string, unknown, string][] = [
    [held, 'startedAt', 17, 'ISO date string'],
    [held, 'completedAt', 'soon', 'ISO date string'],
    [held, 'cancelledAt', true, 'ISO date string'],
    [blocked, 'blockedTransitionAt', 'not a date', 'ISO date string'],
    [held, 'assigneeUserId', 42, 'string or null'],
    [held, 'blockedBy', 'ACM-1', 'array'],
    [blocked, 'activeRecoveryAction', 'missing_disposition', 'object or null'],
    [held, 'executionState', [], 'object or null'],
    [held, 'originRunId', 7, 'string or null'],
    [sample('10-issues-list-all')[0], 'descriptionTruncated', 'false', 'boolean'],
  ];
  for (const [issue, field, bad, expected] of issueCases) {
    it(`issue ${field} = ${JSON.stringify(bad)}`, () => {
      expect(validateIssue(withField(issue, field, bad))).toEqual([
        { entity: 'issue', id: issue.id, field, message: expect.stringContaining(`field "${field}" expected ${expected}, got`) },
      ]);
    });
  }

  it('issue blockedBy: a blocker whose status changed type names blockedBy[k].status', () => {
    const blocker = { id: sample('10-issues-list-all')[2].id, identifier: 'ACM-1', status: 'todo' };
    const ok = { ...held, blockedBy: [blocker] };
    expect(validateIssue(ok)).toEqual([]);
    expect(validateIssue({ ...held, blockedBy: [blocker, { ...blocker, status: 3 }] })).toEqual([
      { entity: 'issue', id: held.id, field: 'blockedBy[1].status', message: expect.stringContaining('field "blockedBy[1].status" expected string, got number') },
    ]);
    expect(validateIssue({ ...held, blockedBy: ['ACM-1'] }).map((p) => p.field)).toEqual(['blockedBy[0]']);
  });

  const comment = sample('47-comments-missing-disposition')[0];
  for (const [field, bad, expected] of [
    ['authorAgentId', 5, 'string or null'],
    ['authorUserId', false, 'string or null'],
    ['createdByRunId', 9, 'string or null'],
    ['metadata', 'run 2df62859', 'object or null'],
  ] as [string, unknown, string][]) {
    it(`comment ${field} = ${JSON.stringify(bad)}`, () => {
      expect(validateComment(withField(comment, field, bad))).toEqual([
        { entity: 'comment', id: comment.id, field, message: expect.stringContaining(`field "${field}" expected ${expected}, got`) },
      ]);
    });
  }
});

// ------------------------------------------------------------------ through a scan

let server: Server | null = null;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = null;
});

describe('a scan of a server whose agent list has heartbeat {enabled:"yes", intervalSec:"900"}', () => {
  it('is a source/paperclip-schema finding naming the field, and ops/heartbeat-policy does not misfire on that agent', async () => {
    const company = sample('35-company-get');
    const list: any[] = sample('06-agents-list');
    const ceo = list.find((a) => a.role === 'ceo');
    const bad = list.map((a) => (a.id === ceo.id ? withField(a, 'runtimeConfig.heartbeat', { enabled: 'yes', intervalSec: '900' }) : a));
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const path = new URL(req.url ?? '/', 'http://x').pathname;
        const body =
          path === '/api/health' ? sample('01-health')
          : path === '/api/companies' ? [company]
          : path === `/api/companies/${company.id}/agents` ? bad
          : path === `/api/companies/${company.id}/budgets/overview` ? sample('26-budgets-overview')
          : path.startsWith(`/api/companies/${company.id}/`) ? []
          : undefined;
        res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body ?? { error: 'API route not found' }));
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server!.address() as { port: number }).port}`;
    const config: Config = loadConfig(tempDir(), { noConfigFile: true, paperclip: url }, {});
    Object.assign(config.paperclip, { retries: 0, timeoutMs: 5_000 });
    config.repos = [];
    config.stateDir = join(tempDir(), 'state');
    const { report } = await runScan(config, { only: ['source/paperclip-schema', 'ops/heartbeat-policy'], now: NOW });
    const schema = report.findings.filter((f) => f.ruleId === 'source/paperclip-schema');
    expect(schema.map((f) => f.message)).toEqual([
      `agent ${ceo.id}: agent ${ceo.id.slice(0, 8)}…: field "runtimeConfig.heartbeat.enabled" expected boolean, got string`,
      `agent ${ceo.id}: agent ${ceo.id.slice(0, 8)}…: field "runtimeConfig.heartbeat.intervalSec" expected number, got string`,
    ]);
    // The CEO was left out rather than misread as "no timer".
    expect(report.findings.filter((f) => f.ruleId === 'ops/heartbeat-policy' && f.subject.id === ceo.id)).toEqual([]);
  });
});
