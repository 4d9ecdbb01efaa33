// security/secret-in-run-log on a REAL Paperclip (issue #13463: keys in heartbeat-run logs). A `process` agent
// whose command prints a file the test writes at run time (two fake keys built by fakeToken, never in this
// source): the server runs it on checkout, keeps its output, and clipguard finds the keys in what the run kept,
// names the run, the agent and the issue, never prints the keys, remembers the runs it read (watch), and, with
// the flag action on, asks on the run's issue for the rotation (no API edits a run log).
import { beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, tempDir } from '../helpers/cli.js';
import { cliAsync } from '../helpers/cli-async.js';
import { fakeToken } from '../helpers/fake-secrets.js';
import { writeTrustedConfig } from '../helpers/trust.js';
import { e2eUrl, QUIET, Seed, unique, waitFor } from './seed.js';

const LIVE = ['queued', 'running', 'scheduled_retry'];
const RULE = 'security/secret-in-run-log';

describe('keys in heartbeat-run logs (Paperclip #13463)', () => {
  const seed = new Seed();
  const work = tempDir('clipguard-runlog-');
  // A Paperclip agent key: Paperclip 2026.916.1 does not mask it in the log. A GitHub token after a
  // secret-looking name: the server masks it in the log and its excerpt, but keeps it in the run's result.
  const inLog = fakeToken('paperclip-agent-key', 13463);
  const inResult = fakeToken('github-pat', 13464);
  let company: any;
  let leaky: any;
  let quiet: any;
  let issue: any;
  let leakyRuns: any[] = [];

  const runsOf = async (agentId: string): Promise<any[]> => seed.req('GET', `/companies/${company.id}/heartbeat-runs?agentId=${agentId}&limit=100`);
  const settled = (agentId: string, atLeast: number) =>
    waitFor(
      async () => {
        const runs = await runsOf(agentId);
        return runs.length >= atLeast && !runs.some((r) => LIVE.includes(r.status)) ? runs : null;
      },
      { what: `runs of ${agentId} to finish`, timeoutMs: 120_000, intervalMs: 500 },
    );

  beforeAll(async () => {
    const out = join(work, 'output.txt');
    writeFileSync(out, `calling the API with ${inLog} as the agent key\nexport GITHUB_TOKEN=${inResult}\ndone\n`);
    // The run's process runs in Paperclip's sandbox: it must be able to read the file (mkdtemp makes 0700).
    chmodSync(work, 0o755);
    chmodSync(out, 0o644);
    company = await seed.createCompany({ name: unique('RunLog') });
    leaky = await seed.createAgent(company.id, { name: 'Leaky', adapterConfig: { command: 'cat', args: [out] }, runtimeConfig: { heartbeat: { enabled: false, wakeOnDemand: true } } });
    quiet = await seed.createAgent(company.id, { name: 'Tidy', adapterConfig: { command: 'echo', args: ['all done, nothing secret'] }, runtimeConfig: { heartbeat: { enabled: false, wakeOnDemand: true } } });
    issue = await seed.createIssue(company.id, { title: 'Post the weekly report', status: 'todo' });
    const other = await seed.createIssue(company.id, { title: 'Tidy up', status: 'todo' });
    // A checkout wakes the assignee: the server starts the runs (and its own follow-up run) by itself.
    await seed.req('POST', `/issues/${issue.id}/checkout`, { agentId: leaky.id, expectedStatuses: ['todo'] });
    await seed.req('POST', `/issues/${other.id}/checkout`, { agentId: quiet.id, expectedStatuses: ['todo'] });
    leakyRuns = await settled(leaky.id, 1);
    await settled(quiet.id, 1);
    // Nobody wakes them from now on; the history stays as it is while the scans run.
    await seed.req('PATCH', `/agents/${leaky.id}`, { runtimeConfig: QUIET });
    await seed.req('PATCH', `/agents/${quiet.id}`, { runtimeConfig: QUIET });
    leakyRuns = await settled(leaky.id, 1);
  }, 240_000);

  function scan(extra: string[], opts: { config?: Record<string, unknown>; state?: string } = {}) {
    const cwd = tempDir();
    if (opts.config) writeTrustedConfig(join(cwd, 'clipguard.config.json'), JSON.stringify({ repos: [], ...opts.config }));
    const r = cli(['scan', '--paperclip', e2eUrl(), '--company', company.issuePrefix, '--only', RULE, '--format', 'json', ...extra], { cwd, env: { CLIPGUARD_STATE_DIR: opts.state ?? tempDir() } });
    if (r.code === 2) throw new Error(`scan failed: ${r.stderr}`);
    return r;
  }

  it('what the server keeps: the agent key in the log in plain, the masked token in plain in the run result', async () => {
    const run = leakyRuns.find((r) => (r.logBytes ?? 0) > 0)!;
    const log = await seed.req('GET', `/heartbeat-runs/${run.id}/log`);
    expect(log.content).toContain(inLog);
    expect(log.content).not.toContain(inResult);
    const full = await seed.req('GET', `/heartbeat-runs/${run.id}`);
    expect(JSON.stringify(full.resultJson)).toContain(inResult);
  });

  it('reports each key once per run, naming the run, Leaky and the issue, with the place; never the key; Tidy is clean', () => {
    const r = scan([]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    const found = report.findings.filter((f: any) => f.ruleId === RULE);
    const printed = leakyRuns.filter((x) => (x.logBytes ?? 0) > 0);
    expect(printed.length).toBeGreaterThanOrEqual(1);
    expect(found).toHaveLength(2 * printed.length);
    for (const run of printed) {
      const mine = found.filter((f: any) => f.subject.id === run.id);
      expect(mine.map((f: any) => f.subject.label)).toEqual([`${run.id.slice(0, 8)} (Leaky, ${company.issuePrefix})`, `${run.id.slice(0, 8)} (Leaky, ${company.issuePrefix})`]);
      const messages = mine.map((f: any) => f.message).sort();
      expect(messages.some((m: string) => m.startsWith(`Paperclip agent API key in the log (stdout) of run ${run.id} by Leaky on ${issue.identifier} (also in: run result)`))).toBe(true);
      expect(messages.some((m: string) => m.includes(`in the run result of run ${run.id} by Leaky on ${issue.identifier} (also in: nowhere else)`))).toBe(true);
      expect(mine.every((f: any) => f.severity === 'critical' && f.actions.length === 0)).toBe(true);
    }
    expect(found.some((f: any) => f.subject.label.includes('Tidy'))).toBe(false);
    for (const text of [r.stdout, r.stderr]) {
      expect(text).not.toContain(inLog);
      expect(text).not.toContain(inResult);
    }
  });

  it('watch remembers the runs it read: the second --once reads none of them again, reports the same, keeps no key', async () => {
    const cwd = tempDir();
    const state = tempDir();
    writeTrustedConfig(
      join(cwd, 'clipguard.config.json'),
      JSON.stringify({ paperclip: { url: e2eUrl(), companies: [company.issuePrefix] }, repos: [], stateDir: state, schedule: { jobs: [{ name: 'scan', type: 'scan', cron: '*/15 * * * *', only: [RULE] }] } }),
    );
    const once = async () => {
      const r = await cliAsync(['watch', '--once', '--log-format', 'json'], { cwd });
      expect(r.code, r.stderr).toBe(1);
      for (const text of [r.stdout, r.stderr]) expect(text).not.toContain(inLog);
      return r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .find((l) => l.event === 'ok' && l.job === 'scan');
    };
    const first = await once();
    const second = await once();
    const finished = (await runsOf(leaky.id)).length + (await runsOf(quiet.id)).length;
    // Each finished run costs at least two requests the first time (its record and events; its log when it
    // printed something); none the second.
    expect(first.requests - second.requests).toBeGreaterThanOrEqual(2 * finished);
    expect(second.findings).toBe(first.findings);
    expect(second.severities).toBe(first.severities);
    const kept = readdirSync(join(state, 'paperclip')).filter((f) => f.endsWith('.runs.json'));
    expect(kept).toHaveLength(1);
    const file = join(state, 'paperclip', kept[0]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(inLog);
    expect(text).not.toContain(inResult);
    expect(Object.keys(JSON.parse(text).runs).sort()).toEqual([...(await runsOf(leaky.id)), ...(await runsOf(quiet.id))].map((r) => r.id).sort());
  });

  it('dry-run by default; with flag on, --apply posts one comment on the issue naming the runs and never the keys, once', async () => {
    const config = { rules: { overrides: { [RULE]: { actions: { flag: { enabled: true } } } } } };
    const before = await seed.req('GET', `/issues/${issue.id}/comments`);
    const dry = JSON.parse(scan([], { config }).stdout);
    const planned = dry.findings.flatMap((f: any) => f.actions).filter((a: any) => a.status === 'planned');
    expect(planned).toMatchObject([{ type: 'flag', target: `issue:${issue.identifier}` }]);
    // The dry-run wrote nothing: no new comment by a user (clipguard acts as the board) nor with clipguard's text. The
    // server may add one of its own meanwhile (the recovery sweep's system comment after the run: CI saw one here).
    const added = (await seed.req('GET', `/issues/${issue.id}/comments`)).filter((c: any) => !before.some((b: any) => b.id === c.id));
    expect(added.filter((c: any) => c.authorUserId || (typeof c.body === 'string' && c.body.includes('clipguard')))).toEqual([]);
    const state = tempDir();
    const applied = JSON.parse(scan(['--apply'], { config, state }).stdout);
    expect(applied.findings.flatMap((f: any) => f.actions).filter((a: any) => a.status === 'applied')).toHaveLength(1);
    // Clipguard's flags, by their marker: the server may add comments of its own meanwhile (the recovery sweep's
    // system comment after the run; CI saw a third comment appear between the scans).
    const flagsOn = async () => (await seed.req('GET', `/issues/${issue.id}/comments`)).filter((c: any) => typeof c.body === 'string' && c.body.includes('<!-- clipguard-flag'));
    const flags = (await flagsOn()).filter((c: any) => !before.some((b: any) => b.id === c.id));
    expect(flags).toHaveLength(1);
    const body: string = flags[0].body;
    expect(body).toContain('in the logs of runs on this issue');
    expect(body).toContain('no API removes a run log');
    for (const run of leakyRuns.filter((x) => (x.logBytes ?? 0) > 0)) expect(body).toContain(run.id);
    expect(body).not.toContain(inLog);
    expect(body).not.toContain(inResult);
    // A second --apply, same state or a fresh one, posts nothing more.
    scan(['--apply'], { config, state });
    scan(['--apply'], { config });
    expect((await flagsOn()).map((c: any) => c.id)).toEqual(flags.map((c: any) => c.id));
  });
});
