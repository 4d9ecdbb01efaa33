// Secrets never leak, on a REAL Paperclip: generated secrets are planted in issue titles, descriptions and
// comments; clipguard scans them (every report format, --explain, --apply) and the plain secret must appear
// in no output channel: stdout of every format, stderr, the report file, the audit log, and the entries
// clipguard writes to the Paperclip activity log. API keys given with --api-key or $PAPERCLIP_API_KEY never
// appear either, even when the server echoes them back.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/cli.js';
import { cliAsync } from '../helpers/cli-async.js';
import { FAKE_KINDS, SELF_CONTAINED_KINDS, fakeSample, fakeToken } from '../helpers/fake-secrets.js';
import { FaultProxy, startProxy } from '../helpers/fault-proxy.js';
import { e2eUrl, Seed, unique } from './seed.js';
import { detectSecrets } from '../../src/detectors/secrets/index.js';

const seed = new Seed();
let proxy: FaultProxy;
beforeAll(async () => {
  proxy = await startProxy(e2eUrl());
});
afterAll(async () => {
  await proxy?.stop();
});

const FORMATS = ['text', 'json', 'sarif', 'junit', 'markdown', 'html'] as const;
const NO_STACK = /^\s+at .+:\d+:\d+\)?$/m;

const words = fc.string({ unit: fc.constantFrom(...'abcdefghij klmnop =:"|<>&中文'.split('')), maxLength: 30 }).filter((s) => !s.includes('clipguard-ignore'));
// Titles are one line and cut to 60 characters in action details: short self-contained tokens, first.
const shortKinds = SELF_CONTAINED_KINDS.filter((k) => fakeToken(k, 1).length <= 55);
const token = (kinds: string[]) => fc.record({ kind: fc.constantFrom(...kinds), seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }), style: fc.nat(10) }).map((r) => fakeSample(r.kind, r.seed, r.style));
const planted = fc.record({ title: token(shortKinds), titleTail: words, description: token(FAKE_KINDS), before: words, comment: token(FAKE_KINDS), after: words });

describe('no output channel ever carries a planted secret', () => {
  it('text, json, sarif, junit, markdown, html, --explain, stderr, -o file, audit log, Paperclip activity', async () => {
    await fc.assert(
      fc.asyncProperty(planted, async (p) => {
        // The secrets the detector finds (what masking can promise); a generated generic value it reads as
        // words is a recall question (scripts/measure-secrets.mjs), not this test's.
        fc.pre([p.title, p.description, p.comment].every((s) => detectSecrets(s.text).some((m) => s.text.slice(m.start, m.end) === s.secret)));
        const secrets = [p.title.secret, p.description.secret, p.comment.secret];
        const company = await seed.createCompany({ name: unique('Leak') });
        await seed.createAgent(company.id, { name: 'Idle' });
        const issue = await seed.createIssue(company.id, { title: `${p.title.text} ${p.titleTail}`.trim(), description: `${p.before}\n${p.description.text}\n${p.after}`, priority: 'high' });
        await seed.addComment(issue.id, `${p.before}\n${p.comment.text}\n${p.after}`);
        const cwd = tempDir();
        const state = join(cwd, 'state');
        writeFileSync(join(cwd, 'clipguard.config.json'), JSON.stringify({ repos: [], paperclip: { activityLog: true }, schedule: { jobs: [{ name: 'scan', type: 'scan', cron: '*/15 * * * *' }] } }));
        const outputs: Record<string, string> = {};
        const run = async (name: string, args: string[]) => {
          const r = await cliAsync(['scan', '--paperclip', proxy.url, '--company', company.issuePrefix, '--explain', ...args], { cwd, env: { CLIPGUARD_STATE_DIR: state } });
          expect(r.code, r.stderr).toBe(1);
          expect(r.stderr).not.toMatch(NO_STACK);
          outputs[`${name} stdout`] = r.stdout;
          outputs[`${name} stderr`] = r.stderr;
        };
        proxy.reset();
        for (const f of FORMATS) await run(f, ['--format', f]);
        await run('file', ['--format', 'json', '-o', join(cwd, 'report.json')]);
        outputs['report file'] = readFileSync(join(cwd, 'report.json'), 'utf8');
        // watch keeps what it read (masked) in the state directory, for the next process: nothing planted is in it.
        const watch = await cliAsync(['watch', '--once', '--log-format', 'json'], { cwd, env: { CLIPGUARD_STATE_DIR: state, PAPERCLIP_API_URL: proxy.url, PAPERCLIP_COMPANY_ID: company.id } });
        expect(watch.code, watch.stderr).toBe(1); // critical findings: watch --once exits like scan
        expect(watch.stdout).toMatch(/"severities":"[^"]*critical:[1-9]/);
        outputs['watch stdout'] = watch.stdout;
        outputs['watch stderr'] = watch.stderr;
        outputs['watch state'] = readFileSync(join(state, 'state.json'), 'utf8');
        const kept = readdirSync(join(state, 'paperclip'));
        expect(kept.length).toBeGreaterThan(0);
        for (const f of kept) outputs[`kept read ${f}`] = readFileSync(join(state, 'paperclip', f), 'utf8');
        const runs = readdirSync(join(state, 'runs'));
        expect(runs.filter((f) => f.endsWith('.json'))).toHaveLength(1); // watch --once kept its run report (json + md)
        for (const f of runs) outputs[`run report ${f}`] = readFileSync(join(state, 'runs', f), 'utf8');
        await run('apply', ['--format', 'json', '--apply']);
        outputs['audit log'] = readFileSync(join(state, 'audit.jsonl'), 'utf8');
        const acts = await seed.req('GET', `/companies/${company.id}/activity?limit=500`);
        const ours = acts.filter((a: any) => String(a.action).startsWith('clipguard.'));
        outputs['paperclip activity'] = JSON.stringify(ours);

        // The scan did see and act on what was planted (else "no leak" would prove nothing).
        const report = JSON.parse(outputs['apply stdout']);
        const rules = new Set(report.findings.map((f: any) => f.ruleId));
        expect([...rules]).toEqual(expect.arrayContaining(['security/secret-in-issue', 'security/secret-in-comment', 'ops/idle-agent-backlog']));
        expect(ours.length).toBeGreaterThanOrEqual(2);
        expect(outputs['text stdout']).toMatch(/why: /);
        for (const [channel, text] of Object.entries(outputs)) {
          for (const s of secrets) expect(text.includes(s), `${channel} carries a planted secret`).toBe(false);
        }
      }),
      { numRuns: 4 },
    );
  });
});

describe('a key whose context spans the title and the description', () => {
  // Issue 17, item 3: the issue is detected as its title and description joined; masking, the kept reads and
  // the redaction used each field alone, so a wallet key in the title, its context word in the description, was
  // printed (ops/blocked-without-reason quotes the title), kept in the clear, and --apply skipped it.
  it('is masked in every format, --explain, stderr, the kept reads, the audit log and clipguard\'s activity entries, and --apply redacts it from the title', async () => {
    const key = fakeToken('ethereum-private-key', 4242);
    const company = await seed.createCompany({ name: unique('Span') });
    await seed.createAgent(company.id, { name: 'Idle' });
    const issue = await seed.createIssue(company.id, { title: `Payout ${key}`, description: 'wallet private key of the payout job, do not share', status: 'blocked', priority: 'high' });
    const cwd = tempDir();
    const state = join(cwd, 'state');
    writeFileSync(join(cwd, 'clipguard.config.json'), JSON.stringify({ repos: [], paperclip: { activityLog: true }, schedule: { jobs: [{ name: 'scan', type: 'scan', cron: '*/15 * * * *' }] } }));
    const outputs: Record<string, string> = {};
    const run = async (name: string, args: string[], code = 1) => {
      const r = await cliAsync(['scan', '--paperclip', e2eUrl(), '--company', company.issuePrefix, '--explain', ...args], { cwd, env: { CLIPGUARD_STATE_DIR: state } });
      expect(r.code, r.stderr).toBe(code);
      outputs[`${name} stdout`] = r.stdout;
      outputs[`${name} stderr`] = r.stderr;
    };
    for (const f of FORMATS) await run(f, ['--format', f]);
    // No secret rule runs: the title the ops rules quote is masked all the same.
    await run('ops only', ['--only', 'ops', '--format', 'json'], 0);
    const watch = await cliAsync(['watch', '--once', '--log-format', 'json'], { cwd, env: { CLIPGUARD_STATE_DIR: state, PAPERCLIP_API_URL: e2eUrl(), PAPERCLIP_COMPANY_ID: company.id } });
    expect(watch.code, watch.stderr).toBe(1); // the planted secrets are critical findings
    outputs['watch stdout'] = watch.stdout;
    for (const f of readdirSync(join(state, 'paperclip'))) outputs[`kept read ${f}`] = readFileSync(join(state, 'paperclip', f), 'utf8');
    for (const f of readdirSync(join(state, 'runs'))) outputs[`run report ${f}`] = readFileSync(join(state, 'runs', f), 'utf8');
    await run('apply', ['--format', 'json', '--apply']);
    outputs['audit log'] = readFileSync(join(state, 'audit.jsonl'), 'utf8');
    const acts = await seed.req('GET', `/companies/${company.id}/activity?limit=500`);
    outputs['clipguard activity'] = JSON.stringify(acts.filter((a: any) => String(a.action).startsWith('clipguard.')));

    const found = JSON.parse(outputs['json stdout']).findings.filter((f: any) => f.subject.id === issue.id);
    expect(found.map((f: any) => f.ruleId)).toContain('security/secret-in-issue');
    expect(found.find((f: any) => f.ruleId === 'security/secret-in-issue').message).toMatch(/in the title of/);
    const redact = JSON.parse(outputs['apply stdout']).findings.find((f: any) => f.ruleId === 'security/secret-in-issue').actions.find((a: any) => a.type === 'redact');
    expect(redact, JSON.stringify(redact)).toMatchObject({ status: 'applied', detail: expect.stringContaining('in title') });
    for (const [channel, text] of Object.entries(outputs)) expect(text.includes(key), `${channel} carries the key`).toBe(false);
    const after = await seed.req('GET', `/issues/${issue.id}`);
    expect(after.title).toBe('Payout [REDACTED:ethereum-private-key]');
    expect(after.description).toBe('wallet private key of the payout job, do not share');
  });
});

describe('a clipguard-ignore in ticket text exempts nothing', () => {
  // Issue 17, item 2: a ticket author could keep a key in a comment by writing `clipguard-ignore` beside it
  // (reported as suppressed, never redacted). Inline ignores belong to files under review.
  it('a comment "prod key ghp_... clipguard-ignore -- test fixture" is reported unsuppressed (exit 1) and redacted by --apply', async () => {
    const key = fakeToken('github-pat', 4343);
    const company = await seed.createCompany({ name: unique('Ignore') });
    const issue = await seed.createIssue(company.id, { title: 'Deploy the bot', description: `bot key ${key} clipguard-ignore security/secret-in-issue -- test fixture` });
    const comment = await seed.addComment(issue.id, `prod key ${key} clipguard-ignore -- test fixture`);
    const cwd = tempDir();
    const env = { CLIPGUARD_STATE_DIR: join(cwd, 'state') };
    const dry = await cliAsync(['scan', '--paperclip', e2eUrl(), '--company', company.issuePrefix, '--only', 'security', '--format', 'json'], { cwd, env });
    expect(dry.code, dry.stderr).toBe(1);
    const found = JSON.parse(dry.stdout).findings.filter((f: any) => f.ruleId.startsWith('security/secret-in-'));
    expect(found.map((f: any) => [f.ruleId, f.suppressed ?? null]).sort()).toEqual([['security/secret-in-comment', null], ['security/secret-in-issue', null]]);
    const apply = await cliAsync(['scan', '--paperclip', e2eUrl(), '--company', company.issuePrefix, '--only', 'security', '--format', 'json', '--apply'], { cwd, env });
    const actions = JSON.parse(apply.stdout).findings.flatMap((f: any) => f.actions.filter((a: any) => a.type === 'redact'));
    expect(actions.map((a: any) => a.status), JSON.stringify(actions)).toEqual(['applied', 'applied']);
    const comments = await seed.req('GET', `/issues/${issue.id}/comments`);
    expect(comments.find((c: any) => c.id === comment.id)?.deletedAt ?? 'gone').toBeTruthy();
    expect(JSON.stringify(comments.filter((c: any) => !c.deletedAt).map((c: any) => c.body))).not.toContain(key);
    expect((await seed.req('GET', `/issues/${issue.id}`)).description).toBe('bot key [REDACTED:github-pat] clipguard-ignore security/secret-in-issue -- test fixture');
  });
});

describe('API keys never appear in output', () => {
  it('--api-key and $PAPERCLIP_API_KEY, with a server that refuses the key and echoes it back', async () => {
    const key = fakeToken('paperclip-board-key', 77);
    const envKey = fakeToken('paperclip-agent-key', 78);
    // The proxy answers like a careless server: the Authorization header it received, in the error body.
    proxy.reset(({ headers }) => ({ kind: 'status', status: 401, body: JSON.stringify({ error: `invalid credentials: ${headers.authorization}`, echo: headers.authorization }) }));
    const cwd = tempDir();
    writeFileSync(join(cwd, 'clipguard.config.json'), JSON.stringify({ repos: [], paperclip: { retries: 0 }, schedule: { jobs: [{ name: 'scan', type: 'scan', cron: '*/15 * * * *' }] } }));
    const channels: string[] = [];
    for (const f of FORMATS) {
      const r = await cliAsync(['scan', '--paperclip', proxy.url, '--api-key', key, '--format', f], { cwd, env: { CLIPGUARD_STATE_DIR: join(cwd, 's') } });
      expect(r.code).toBe(1);
      channels.push(r.stdout, r.stderr);
    }
    const viaEnv = await cliAsync(['scan', '--paperclip', proxy.url, '--format', 'json'], { cwd, env: { PAPERCLIP_API_KEY: envKey, CLIPGUARD_STATE_DIR: join(cwd, 's') } });
    channels.push(viaEnv.stdout, viaEnv.stderr);
    const watch = await cliAsync(['watch', '--once', '--log-format', 'json'], { cwd, env: { PAPERCLIP_API_KEY: envKey, PAPERCLIP_API_URL: proxy.url, CLIPGUARD_STATE_DIR: join(cwd, 's') } });
    channels.push(watch.stdout, watch.stderr, readFileSync(join(cwd, 's', 'state.json'), 'utf8'));
    // The key did reach the server (and came back in its answers), so the scrubbing is what kept it out.
    expect(proxy.log.some((e) => JSON.stringify(e).length > 0)).toBe(true);
    expect(JSON.parse(viaEnv.stdout).findings.map((f: any) => f.ruleId)).toContain('source/paperclip-unavailable');
    expect(viaEnv.stdout).toMatch(/HTTP 401/);
    for (const c of channels) {
      expect(c).not.toContain(key);
      expect(c).not.toContain(envKey);
    }
  });

  it('a wrong server (nothing listening) and a URL with credentials: no key, no password in any output', async () => {
    const key = fakeToken('paperclip-board-key', 79);
    const password = fakeToken('github-pat', 80).slice(4, 28);
    const cwd = tempDir();
    for (const url of ['http://127.0.0.1:9', `http://board:${password}@127.0.0.1:9`, `http://board:${password}@127.0.0.1:${proxy.port}`]) {
      proxy.reset(() => ({ kind: 'reset' }));
      for (const f of ['text', 'json', 'sarif'] as const) {
        const r = await cliAsync(['scan', '--paperclip', url, '--api-key', key, '--format', f], { cwd, env: { CLIPGUARD_STATE_DIR: join(cwd, 's') } });
        expect(r.code, r.stderr).toBe(1);
        for (const c of [r.stdout, r.stderr]) {
          expect(c).not.toContain(key);
          expect(c).not.toContain(password);
        }
      }
    }
  });
});
