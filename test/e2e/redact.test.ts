// Leaked secrets in tickets and comments on a REAL Paperclip: the scan finds them (masked), `--apply` redacts
// them with every other character of the text intact, a PayPal account email is left alone, no output of
// clipguard ever carries the plain secret, and a second --apply does nothing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, tempDir } from '../helpers/cli.js';
import { fakeToken } from '../helpers/fake-secrets.js';
import { e2eUrl, Seed, unique } from './seed.js';

describe('secret redaction on a real Paperclip', () => {
  const seed = new Seed();
  let company: any;
  let issue: any;
  let other: any;
  const key = { openai: fakeToken('openai-project-key', 501), github: fakeToken('github-pat', 502), aws: fakeToken('aws-access-key-id', 503) };
  const description = `部署步驟如下。\n\nUse this key for the staging bot: ${key.openai} (rotate it later)\n\n| env | value |\n| --- | --- |\n| prod | see vault |\n`;
  const commentText = `好的，我已經更新設定：GH_TOKEN=${key.github}；另外 AWS 的 id 是 ${key.aws}。請確認 <b>不要</b> 外流。`;
  const paypalText = '退款請匯到 PayPal 帳號 billing-team@example.com，備註寫訂單號 #4417。';
  let comment: any;
  let paypal: any;

  beforeAll(async () => {
    company = await seed.createCompany({ name: unique('Redact') });
    issue = await seed.createIssue(company.id, { title: 'Deploy staging', description });
    other = await seed.createIssue(company.id, { title: 'Refund', description: paypalText });
    comment = await seed.addComment(issue.id, commentText);
    paypal = await seed.addComment(other.id, paypalText);
  });

  function scan(args: string[], state: string) {
    const r = cli(['scan', '--paperclip', e2eUrl(), '--company', company.issuePrefix, '--only', 'security', '--format', 'json', ...args], { cwd: tempDir(), env: { CLIPGUARD_STATE_DIR: state } });
    if (r.code === 2) throw new Error(`scan failed: ${r.stderr}`);
    for (const k of Object.values(key)) {
      expect(r.stdout).not.toContain(k);
      expect(r.stderr).not.toContain(k);
    }
    return { ...r, report: JSON.parse(r.stdout) };
  }
  // Paperclip soft-deletes comments: the list keeps them with `deletedAt` set and an empty body.
  const all = async (issueId: string) => (await seed.req('GET', `/issues/${issueId}/comments`)) as any[];
  const comments = async (issueId: string) => (await all(issueId)).filter((c) => !c.deletedAt);

  it('a comment bumps its issue’s updatedAt (the reader skips comment reads of never-updated issues)', async () => {
    const fresh = await seed.createIssue(company.id, { title: 'Fresh' });
    expect(fresh.updatedAt).toBe(fresh.createdAt);
    await seed.addComment(fresh.id, 'first words');
    const after = await seed.getIssue(fresh.id);
    expect(Date.parse(after.updatedAt)).toBeGreaterThan(Date.parse(fresh.createdAt));
  });

  it('dry-run finds the three secrets, masked, plans redaction, and leaves the PayPal email alone', async () => {
    const { report, code } = scan([], tempDir());
    expect(code).toBe(1);
    const rows = report.findings.map((f: any) => [f.ruleId, f.subject.type, f.actions.map((a: any) => `${a.type}:${a.status}`).join()]).sort();
    // Two secrets in one comment: one redaction replaces the comment, so the plan has one (the other finding's is
    // skipped, naming it), as --apply does.
    expect(rows).toEqual([
      ['security/secret-in-comment', 'comment', 'redact:planned'],
      ['security/secret-in-comment', 'comment', 'redact:skipped'],
      ['security/secret-in-issue', 'issue', 'redact:planned'],
    ]);
    expect(report.findings.every((f: any) => f.subject.id !== paypal.id && f.subject.id !== other.id)).toBe(true);
    expect((await seed.getIssue(issue.id)).description).toBe(description);
    expect((await comments(issue.id)).map((c) => c.body)).toEqual([commentText]);
  });

  it('--apply redacts the description and replaces the comment, keeping every other character', async () => {
    const state = tempDir();
    const { report } = scan(['--apply'], state);
    const outcomes = report.findings.flatMap((f: any) => f.actions.map((a: any) => a.status));
    expect(outcomes.filter((s: string) => s === 'applied').length).toBeGreaterThanOrEqual(2);
    expect(outcomes.filter((s: string) => s === 'failed')).toEqual([]);

    const desc = (await seed.getIssue(issue.id)).description as string;
    expect(desc).toBe(description.replace(key.openai, '[REDACTED:openai-project-key]'));

    const after = await comments(issue.id);
    expect(after.some((c) => c.id === comment.id)).toBe(false); // the original is gone ...
    const original = (await all(issue.id)).find((c) => c.id === comment.id);
    expect(original).toMatchObject({ body: '' }); // (soft-deleted: its text is no longer served)
    expect(original.deletedAt).toBeTruthy();
    expect(after).toHaveLength(1); // ... replaced by exactly one copy
    const copy = after[0].body as string;
    expect(copy).toContain(commentText.replace(key.github, '[REDACTED:github-pat]').replace(key.aws, '[REDACTED:aws-access-key-id]'));
    for (const k of Object.values(key)) expect(copy).not.toContain(k);

    // Untouched: the PayPal issue and its comment.
    expect((await seed.getIssue(other.id)).description).toBe(paypalText);
    expect((await comments(other.id)).map((c) => [c.id, c.body])).toEqual([[paypal.id, paypalText]]);

    const audit = readFileSync(join(state, 'audit.jsonl'), 'utf8');
    for (const k of Object.values(key)) expect(audit).not.toContain(k);
    expect(audit).toContain('"action":"redact"');

    // Nothing left to do.
    const again = scan(['--apply'], state);
    expect(again.report.findings).toEqual([]);
    expect(again.code).toBe(0);
    expect(await comments(issue.id)).toHaveLength(1);
  });
});
