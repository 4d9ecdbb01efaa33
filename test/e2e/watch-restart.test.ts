// A restarted `watch` (or `watch --once` from cron) stays incremental on a REAL Paperclip: the reads the
// previous process kept in <stateDir>/paperclip/ make its first scan of an unchanged company cost the same
// few requests as a repeat scan in one process, with exactly the findings a full read gives (the secrets
// facts were kept; the texts are kept masked), and no planted secret is in any file of the state directory.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { runScan } from '../../src/scan.js';
import { PaperclipReadCache } from '../../src/sources/paperclip/cache.js';
import { textGuard } from '../../src/sources/index.js';
import { tempDir } from '../helpers/cli.js';
import { cliAsync } from '../helpers/cli-async.js';
import { fakeSample, fakeToken } from '../helpers/fake-secrets.js';
import { startProxy } from '../helpers/fault-proxy.js';
import { e2eUrl, Seed, unique } from './seed.js';
import { writeTrustedConfig } from '../helpers/trust.js';

const seed = new Seed();

/** Every file under `dir`, as text. */
function filesUnder(dir: string): { path: string; text: string }[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((p) => join(dir, p))
    .filter((p) => statSync(p).isFile())
    .map((p) => ({ path: p, text: readFileSync(p, 'utf8') }));
}

describe('watch after a restart, on a real Paperclip', () => {
  const cwd = tempDir();
  const state = join(cwd, '.clipguard');
  let company: any;
  let issues: any[];
  const secrets: string[] = [];

  beforeAll(async () => {
    company = await seed.createCompany({ name: unique('Restart') });
    await seed.createAgent(company.id, { name: 'Busy', role: 'engineer' });
    issues = await seed.createIssues(company.id, 60, (k) => ({ title: `Chore ${k}`, status: 'backlog', priority: 'low' }));
    // Three planted secrets: in a title, past the 1,200 characters a list row keeps of a description (only the
    // full description, fetched apart, has it), and in a comment.
    const inTitle = fakeToken('github-pat', 4101);
    const deep = fakeSample('aws-access-key-id', 4102);
    const inComment = fakeSample('slack-bot-token', 4103);
    secrets.push(inTitle, deep.secret, inComment.secret);
    await seed.req('PATCH', `/issues/${issues[1].id}`, { title: `rotate ${inTitle}` });
    await seed.req('PATCH', `/issues/${issues[2].id}`, { description: `${'Background notes for the migration. '.repeat(40)}\n${deep.text}` });
    await seed.addComment(issues[3].id, `the deploy used ${inComment.text}`);
    for (const i of issues.slice(10, 30)) await seed.addComment(i.id, `progress on ${i.identifier}`);
    // Blocked issues: every read needs their comments and activity (who blocked them), the checklist's too.
    for (let k = 0; k < 3; k++) {
      const b = await seed.createIssue(company.id, { title: `Blocked ${k}`, status: 'blocked' });
      await seed.addComment(b.id, `waiting for the vendor (${k})`);
    }
    writeTrustedConfig(
      join(cwd, 'clipguard.config.json'),
      JSON.stringify({
        paperclip: { url: e2eUrl(), companies: [company.issuePrefix] },
        repos: [],
        stateDir: state,
        // The checklist job shares the kept reads: after the scan job (or a previous process) it reads only what changed.
        schedule: { jobs: [{ name: 'scan', type: 'scan', cron: '*/15 * * * *', only: ['security', 'ops/idle-agent-backlog'] }, { name: 'checklist', type: 'checklist', cron: '0 9 * * *' }] },
      }),
    );
  });

  const critical = (run: { severities: string }) => Number(/critical:(\d+)/.exec(run.severities)?.[1] ?? 0);

  /** The scan job's status line of one `watch --once`; the checklist job's requests are `checklistRequests`. */
  const checklistRequests: number[] = [];
  async function once(): Promise<{ requests: number; findings: number; severities: string }> {
    const r = await cliAsync(['watch', '--once', '--log-format', 'json'], { cwd });
    expect(r.code, r.stderr).toBe(1); // three critical secrets: watch --once exits like scan
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const run = lines.find((l) => l.event === 'ok' && l.job === 'scan');
    const checklist = lines.find((l) => l.event === 'ok' && l.job === 'checklist');
    expect(run, r.stdout).toBeTruthy();
    expect(checklist, r.stdout).toBeTruthy();
    checklistRequests.push(checklist.requests);
    return run;
  }

  it('watch --once twice: the second process reads only what changed, finds the same, keeps no secret', async () => {
    const first = await once();
    // The three secrets (critical), and the idle agent with backlog waiting (ops/idle-agent-backlog).
    expect(critical(first)).toBe(3);
    expect(first.findings).toBe(4);
    expect(first.requests).toBeGreaterThan(20); // 21 comment lists and a full description at least

    const second = await once();
    expect(second).toMatchObject({ findings: first.findings, severities: first.severities });
    expect(second.requests).toBeLessThan(15); // health, companies, and a fixed handful for the company
    // The checklist after the scan job in each process: the unchanged company's count, never a full read; its
    // full pack also reads the live runs, routines and approvals (one request each) the scan job's rules do not.
    expect(checklistRequests).toEqual([second.requests + 3, second.requests + 3]);

    for (const f of filesUnder(state)) for (const s of secrets) expect(f.text.includes(s), `${f.path} holds a planted secret`).toBe(false);
    expect(filesUnder(join(state, 'paperclip'))).toHaveLength(1);

    // A new secret in a comment: the next process reads that issue's comments, and nothing else more.
    const late = fakeSample('stripe-secret-key', 4104);
    secrets.push(late.secret);
    await seed.addComment(issues[40].id, `billing uses ${late.text}`);
    const third = await once();
    expect(critical(third)).toBe(4);
    expect(third.requests).toBe(second.requests + 1);
    const fourth = await once();
    expect(fourth).toMatchObject({ findings: third.findings, severities: third.severities, requests: second.requests });
    for (const f of filesUnder(state)) for (const s of secrets) expect(f.text.includes(s), `${f.path} holds a planted secret`).toBe(false);
  }, 240_000);

  it('the findings of a scan from kept reads equal those of a full read: same rules, messages and fingerprints', async () => {
    const config = loadConfig(cwd, { noConfigFile: true, paperclip: e2eUrl() }, {});
    config.repos = [];
    config.paperclip.companies = [company.issuePrefix];
    config.stateDir = tempDir();
    const dir = join(config.stateDir, 'paperclip');
    const only = ['security', 'ops', 'budget'];
    const view = (r: Awaited<ReturnType<typeof runScan>>) => r.report.findings.map((f: any) => [f.ruleId, f.fingerprint, f.message, f.location]).sort((a, b) => String(a[1]).localeCompare(String(b[1])));
    const full = await runScan(config, { only, paperclipCache: new PaperclipReadCache({ guard: textGuard(config), dir }) });
    // A new cache over the same directory: what the next process starts from.
    const restarted = await runScan(config, { only, paperclipCache: new PaperclipReadCache({ guard: textGuard(config), dir }) });
    // The hourly full list (here: every read) re-reads no comments or descriptions of unchanged issues: 60
    // issues are one page, so it costs what the incremental read costs.
    const relisted = await runScan(config, { only, paperclipCache: new PaperclipReadCache({ guard: textGuard(config), dir, fullEveryMs: 0 }) });
    const oneOff = await runScan(config, { only });
    expect(view(full).filter((f) => String(f[0]).startsWith("security/"))).toHaveLength(secrets.length);
    expect(view(restarted)).toEqual(view(full));
    expect(view(oneOff)).toEqual(view(full));
    expect(view(relisted)).toEqual(view(full));
    // Two jobs on one cache with different needs (watch runs them in one process): an ops scan, which reads
    // only blocked issues' comments, does not wipe the comments the security scan kept.
    const shared = new PaperclipReadCache({ guard: textGuard(config), dir });
    await runScan(config, { only: ['ops'], paperclipCache: shared });
    const afterOps = await runScan(config, { only, paperclipCache: shared });
    expect(view(afterOps)).toEqual(view(full));
    expect(afterOps.requestCount).toBe(restarted.requestCount);
    expect(restarted.requestCount).toBeLessThan(full.requestCount / 3);
    expect(relisted.requestCount).toBe(restarted.requestCount);
  }, 120_000);

  it('a failed issue list keeps what was kept: the next read after the server heals is incremental, not a full one', async () => {
    const proxy = await startProxy(e2eUrl());
    try {
      const config = loadConfig(cwd, { noConfigFile: true, paperclip: proxy.url }, {});
      config.repos = [];
      config.paperclip.companies = [company.issuePrefix];
      config.paperclip.retries = 0;
      config.stateDir = tempDir();
      const cache = () => new PaperclipReadCache({ guard: textGuard(config), dir: join(config.stateDir, 'paperclip') });
      const only = ['security', 'source'];
      const full = await runScan(config, { only, paperclipCache: cache() });
      const unchanged = await runScan(config, { only, paperclipCache: cache() });
      expect(unchanged.requestCount).toBeLessThan(full.requestCount / 3);
      proxy.reset(({ path }) => (/\/companies\/[^/]+\/issues/.test(path) ? { kind: 'status', status: 500 } : { kind: 'pass' }));
      const failed = await runScan(config, { only, paperclipCache: cache() });
      expect(failed.report.findings.map((f: any) => f.ruleId)).toContain('source/paperclip-schema'); // the failed list is reported
      proxy.reset();
      const healed = await runScan(config, { only, paperclipCache: cache() });
      expect(healed.requestCount).toBe(unchanged.requestCount);
      expect(healed.report.findings.filter((f: any) => f.ruleId.startsWith('security/')).length).toBe(secrets.length);
    } finally {
      await proxy.stop();
    }
  }, 120_000);
});
