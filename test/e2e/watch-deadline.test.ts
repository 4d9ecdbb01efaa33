// A `watch` run that passes its deadline stops acting, on a REAL Paperclip: the deadline cancels the request in
// flight and no further action starts, so a late run never checks an issue out after the watcher has given up
// on it (and, with a short period, behind the next run's back). The fault proxy stalls the first checkout.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cli.js';
import { cliAsync } from '../helpers/cli-async.js';
import { FaultProxy, startProxy } from '../helpers/fault-proxy.js';
import { e2eUrl, Seed, unique } from './seed.js';
import { writeTrustedConfig } from '../helpers/trust.js';

const seed = new Seed();
let proxy: FaultProxy;
let company: any;
let issues: any[];

beforeAll(async () => {
  proxy = await startProxy(e2eUrl());
  company = await seed.createCompany({ name: unique('Deadline') });
  await seed.createAgent(company.id, { name: 'Ivy', role: 'engineer' });
  await seed.createAgent(company.id, { name: 'Jon', role: 'engineer' });
  issues = [await seed.createIssue(company.id, { title: 'First', status: 'todo', priority: 'high' }), await seed.createIssue(company.id, { title: 'Second', status: 'todo', priority: 'high' })];
});
afterAll(async () => {
  await proxy?.stop();
});

describe('watch: a run past its deadline', () => {
  it('cancels the stalled checkout, starts no other action, and ends (late-run-ended) long before the request timeout', async () => {
    const cwd = tempDir();
    const state = join(cwd, 'state');
    const config = join(cwd, 'clipguard.config.json');
    writeTrustedConfig(
      config,
      JSON.stringify({
        // A request timeout far longer than the deadline: only the deadline's abort can end the stalled call.
        paperclip: { url: proxy.url, companies: [company.issuePrefix], timeoutMs: 30_000, retries: 0 },
        repos: [],
        stateDir: state,
        schedule: { jobs: [{ name: 'scan', type: 'scan', cron: '0 0 1 1 *', apply: true, only: ['ops/idle-agent-backlog'], deadlineMs: 3_000 }] },
      }),
    );
    proxy.reset(({ method, path }) => (method === 'POST' && path.endsWith('/checkout') ? { kind: 'stall' } : { kind: 'pass' }));
    const started = Date.now();
    const r = await cliAsync(['watch', '--once', '--config', config, '--jitter', '0', '--log-format', 'json'], { cwd });
    const elapsed = Date.now() - started;
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(r.code, r.stderr).toBe(1);
    expect(lines.find((l) => l.event === 'failed')?.error).toBe('deadline of 3000 ms exceeded');
    expect(lines.map((l) => l.event)).toContain('late-run-ended');
    expect(lines.map((l) => l.event)).not.toContain('late-run-abandoned');
    // Behaviour, not speed: without the abort the process would wait out the 30 s request timeout.
    expect(elapsed).toBeLessThan(30_000);

    // One checkout was sent (and stalled, never forwarded); the second was never sent.
    expect(proxy.seen((e) => e.method === 'POST')).toHaveLength(1);
    for (const i of issues) {
      const now = await seed.req('GET', `/issues/${i.id}`);
      expect(now.status).toBe('todo');
      expect(now.assigneeAgentId).toBeNull();
    }
    const audit = readFileSync(join(state, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.outcome !== 'started'); // intents left out
    expect(audit.map((a) => [a.action, a.outcome])).toEqual([
      ['checkout', 'failed'],
      ['checkout', 'skipped'],
    ]);
    expect(audit[0].detail).toContain('abandoned: deadline of 3000 ms exceeded');
    expect(audit[1].detail).toContain('run abandoned before this action: deadline of 3000 ms exceeded');
  });
});
