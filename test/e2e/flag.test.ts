// The flag action on a REAL Paperclip: switched on in the config, `--apply` posts ONE comment on each issue
// that holds a secret (in its description or in one of its comments) asking whoever wrote it to rotate the
// key; the comment names the kind and where, never the key; it is audit-logged; a second `--apply` posts
// nothing (the ledger), nor does one with a fresh state directory (the same text is already on the issue).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, tempDir } from '../helpers/cli.js';
import { fakeToken } from '../helpers/fake-secrets.js';
import { e2eUrl, Seed, unique } from './seed.js';
import { writeTrustedConfig } from '../helpers/trust.js';

const seed = new Seed();
const SECRET_RULES = ['security/secret-in-issue', 'security/secret-in-comment'];

/** A working directory whose clipguard.config.json switches flag on (and redact off when `redact` is false). */
function configDir(redact: boolean): string {
  const dir = tempDir();
  const override = { ...(redact ? {} : { action: { enabled: false } }), actions: { flag: { enabled: true } } };
  writeTrustedConfig(join(dir, 'clipguard.config.json'), JSON.stringify({ rules: { overrides: Object.fromEntries(SECRET_RULES.map((id) => [id, override])) } }));
  return dir;
}

const live = async (issueId: string) => ((await seed.req('GET', `/issues/${issueId}/comments`)) as any[]).filter((c) => !c.deletedAt);
const flagsOn = async (issueId: string) => (await live(issueId)).filter((c) => String(c.body).startsWith('clipguard found'));
const audit = (state: string) =>
  readFileSync(join(state, 'audit.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((e) => e.outcome !== 'started'); // each action's intent, written before it, is left out

describe('flag: one comment asking to rotate the key, on a real Paperclip', () => {
  const key = { anthropic: fakeToken('anthropic-api-key', 611), github: fakeToken('github-pat', 612), agent: fakeToken('paperclip-agent-key', 613) };
  let company: any;
  let inDescription: any; // a key in its description, another in a comment
  let inComment: any; // a key in a comment only
  let clean: any;
  const description = `Staging deploy.\nUse ${key.anthropic} for the bot.\n`;

  beforeAll(async () => {
    company = await seed.createCompany({ name: unique('Flag') });
    inDescription = await seed.createIssue(company.id, { title: 'Deploy staging', description });
    await seed.addComment(inDescription.id, 'I will look at it tomorrow.');
    await seed.addComment(inDescription.id, `GH_TOKEN=${key.github}`);
    inComment = await seed.createIssue(company.id, { title: 'Agent setup', description: 'Set the agent up.' });
    await seed.addComment(inComment.id, `first line\nthe key: ${key.agent}`);
    clean = await seed.createIssue(company.id, { title: 'Clean', description: 'PayPal account: billing@example.com' });
  });

  function scan(args: string[], cwd: string, state: string) {
    const r = cli(['scan', '--paperclip', e2eUrl(), '--company', company.issuePrefix, '--only', 'security', '--format', 'json', ...args], { cwd, env: { CLIPGUARD_STATE_DIR: state } });
    if (r.code === 2) throw new Error(`scan failed: ${r.stderr}`);
    for (const k of Object.values(key)) {
      expect(r.stdout).not.toContain(k);
      expect(r.stderr).not.toContain(k);
    }
    return { ...r, report: JSON.parse(r.stdout) };
  }

  it('dry-run plans one flag per issue (the second finding on an issue rides on the first) and posts nothing', async () => {
    const { report } = scan([], configDir(false), tempDir());
    const flags = report.findings.flatMap((f: any) => f.actions.filter((a: any) => a.type === 'flag').map((a: any) => [a.target, a.status]));
    expect(flags.sort()).toEqual(
      [
        [`issue:${inComment.identifier}`, 'planned'],
        [`issue:${inDescription.identifier}`, 'planned'],
        [`issue:${inDescription.identifier}`, 'skipped'],
      ].sort(),
    );
    expect(report.findings.flatMap((f: any) => f.actions.map((a: any) => a.type))).not.toContain('redact');
    for (const i of [inDescription, inComment, clean]) expect(await flagsOn(i.id)).toEqual([]);
  });

  it('--apply posts exactly one comment per issue naming kind and place, never the key; a second --apply posts nothing', async () => {
    const cwd = configDir(false);
    const state = tempDir();
    const first = scan(['--apply'], cwd, state);
    const outcomes = first.report.findings.flatMap((f: any) => f.actions.map((a: any) => `${a.type}:${a.status}`)).sort();
    expect(outcomes).toEqual(['flag:applied', 'flag:applied', 'flag:skipped']);

    const onDescription = await flagsOn(inDescription.id);
    expect(onDescription).toHaveLength(1);
    const body = onDescription[0].body as string;
    expect(body).toContain('(anthropic-api-key) in the description, line 2');
    expect(body).toMatch(/\(github-pat\) in comment [0-9a-f-]{36}, line 1/);
    expect(body).toContain('rotate');
    const onComment = await flagsOn(inComment.id);
    expect(onComment).toHaveLength(1);
    expect(onComment[0].body).toMatch(/\(paperclip-agent-key\) in comment [0-9a-f-]{36}, line 2/);
    expect(await flagsOn(clean.id)).toEqual([]);
    for (const c of [...onDescription, ...onComment]) {
      for (const k of Object.values(key)) {
        expect(c.body).not.toContain(k);
        expect(c.body).not.toContain(k.slice(0, 4) + '…'); // not even the masked preview
      }
    }
    // Flag does not redact: with redact switched off the secrets are still there (the key must be rotated anyway).
    expect((await seed.getIssue(inDescription.id)).description).toBe(description);

    // The audit log records every decision: the two comments, and the flag that rode along on the first (skipped
    // by the planner, in apply mode).
    const log = audit(state);
    expect(log.filter((e) => e.action === 'flag').map((e) => [e.target, e.outcome]).sort()).toEqual(
      [
        [`issue:${inComment.identifier}`, 'applied'],
        [`issue:${inDescription.identifier}`, 'applied'],
        [`issue:${inDescription.identifier}`, 'skipped'],
      ].sort(),
    );
    const text = readFileSync(join(state, 'audit.jsonl'), 'utf8');
    for (const k of Object.values(key)) expect(text).not.toContain(k);

    // Again, same state: the ledger says done. Again with a fresh state: the same text is on the issue.
    for (const again of [scan(['--apply'], cwd, state), scan(['--apply'], cwd, tempDir())]) {
      const statuses = again.report.findings.flatMap((f: any) => f.actions.map((a: any) => a.status));
      expect(statuses).not.toContain('applied');
      expect(statuses).not.toContain('failed');
    }
    expect(audit(state).filter((e) => e.action === 'flag' && e.outcome === 'applied')).toHaveLength(2);
    // The dry-run says so too, with no ledger to go by: the plan reads the flags' markers on the issues, so it
    // shows no flag that --apply would then skip.
    const dry = scan([], cwd, tempDir());
    const dryFlags = dry.report.findings.flatMap((f: any) => f.actions.filter((a: any) => a.type === 'flag'));
    expect(dryFlags.length).toBeGreaterThan(0);
    expect(dryFlags.filter((a: any) => a.status === 'planned')).toEqual([]);
    expect(dryFlags.map((a: any) => /^already flagged/.test(a.detail))).toEqual([true, true, true]);
    expect(await flagsOn(inDescription.id)).toHaveLength(1);
    expect(await flagsOn(inComment.id)).toHaveLength(1);
    // The flag comment is not itself a secret finding.
    expect(scan([], cwd, tempDir()).report.findings.filter((f: any) => f.subject.id === onDescription[0].id || f.subject.id === onComment[0].id)).toEqual([]);
  });

  it('with redact on too: one --apply redacts and flags, the next finds nothing and posts nothing', async () => {
    const c2 = await seed.createCompany({ name: unique('FlagRedact') });
    const k = fakeToken('openai-project-key', 614);
    const issue = await seed.createIssue(c2.id, { title: 'Keys', description: `token ${k} here` });
    const cwd = configDir(true);
    const state = tempDir();
    const run = () => {
      const r = cli(['scan', '--paperclip', e2eUrl(), '--company', c2.issuePrefix, '--only', 'security', '--format', 'json', '--apply'], { cwd, env: { CLIPGUARD_STATE_DIR: state } });
      expect(r.stdout + r.stderr).not.toContain(k);
      return JSON.parse(r.stdout);
    };
    const first = run();
    expect(first.findings.flatMap((f: any) => f.actions.map((a: any) => `${a.type}:${a.status}`))).toEqual(['redact:applied', 'flag:applied']);
    expect((await seed.getIssue(issue.id)).description).toBe('token [REDACTED:openai-project-key] here');
    const flags = await flagsOn(issue.id);
    expect(flags).toHaveLength(1);
    expect(flags[0].body).toContain('(openai-project-key) in the description, line 1');
    expect(flags[0].body).not.toContain(k);

    expect(run().findings).toEqual([]);
    expect(await flagsOn(issue.id)).toHaveLength(1);
  });
});
