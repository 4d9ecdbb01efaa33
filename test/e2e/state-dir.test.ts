// The state directory on a REAL Paperclip (issue 17, items 4 and 8):
// - two `scan --apply` started together on one state dir act once: one redacted copy per comment, one audit
//   entry per action, a complete ledger (the state lock makes the second wait, then find nothing to do);
// - a state dir that takes no writes (a read-only file system, a full disk: real ones, a tmpfs in a private
//   mount namespace) makes `scan --apply` act on nothing: the report says why (source/state-dir-unwritable,
//   exit 1), every planned action is skipped with the reason, the comment is untouched, no stack trace.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, cliEnv, tempDir } from '../helpers/cli.js';
import { startCli } from '../helpers/cli-async.js';
import { fakeToken } from '../helpers/fake-secrets.js';
import { canMountTmpfs, faultSetup, runInMountNs, type Fault } from '../helpers/tmpfs.js';
import { e2eUrl, Seed, unique } from './seed.js';

const seed = new Seed();
const live = async (issueId: string) => ((await seed.req('GET', `/issues/${issueId}/comments`)) as any[]).filter((c) => !c.deletedAt);
const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

describe('two scan --apply at once on one state directory', () => {
  let company: any;
  let issue: any;
  const keys = [fakeToken('github-pat', 1701), fakeToken('openai-project-key', 1702), fakeToken('aws-access-key-id', 1703)];
  const texts = keys.map((k, i) => `note ${i + 1}: the deploy key is ${k} for now`);

  beforeAll(async () => {
    company = await seed.createCompany({ name: unique('Lock') });
    issue = await seed.createIssue(company.id, { title: 'Rotate keys' });
    for (const t of texts) await seed.addComment(issue.id, t);
  });

  it('post exactly one redacted copy per comment, with one audit entry per action and a complete ledger', async () => {
    const cwd = tempDir();
    const state = join(cwd, 'state');
    const args = ['scan', '--paperclip', e2eUrl(), '--company', company.issuePrefix, '--only', 'security', '--apply', '--format', 'json', '--lock-wait', '120'];
    const env = { CLIPGUARD_STATE_DIR: state };
    const [a, b] = await Promise.all([startCli(args, { cwd, env }).done, startCli(args, { cwd, env }).done]);
    for (const r of [a, b]) {
      expect([0, 1], r.stderr).toContain(r.code);
      for (const k of keys) expect(r.stdout + r.stderr).not.toContain(k);
    }
    const applied = (r: { stdout: string }) => (JSON.parse(r.stdout).findings as any[]).flatMap((f) => f.actions).filter((x: any) => x.status === 'applied').length;
    // One of them redacted the three comments; the other, which waited for the lock, found nothing left to do.
    expect([applied(a), applied(b)].sort()).toEqual([0, 3]);

    const now = await live(issue.id);
    expect(now).toHaveLength(3);
    for (const [i, t] of texts.entries()) {
      const kind = ['github-pat', 'openai-project-key', 'aws-access-key-id'][i];
      expect(now.filter((c) => String(c.body).includes(t.replace(keys[i], `[REDACTED:${kind}]`)))).toHaveLength(1);
    }
    const audit = lines(join(state, 'audit.jsonl'));
    const outcomes = audit.filter((e) => e.action === 'redact' && e.outcome !== 'started');
    expect(outcomes.map((e) => e.outcome)).toEqual(['applied', 'applied', 'applied']);
    expect(new Set(outcomes.map((e) => e.subject)).size).toBe(3);
    // Each applied action has its intent, written before it.
    expect(audit.filter((e) => e.action === 'redact' && e.outcome === 'started')).toHaveLength(3);
    const ledger = JSON.parse(readFileSync(join(state, 'ledger.json'), 'utf8')).entries;
    const redactKeys = Object.keys(ledger).filter((k) => k.startsWith('redact:'));
    expect(redactKeys).toHaveLength(3);
    expect(redactKeys.every((k) => ledger[k].status === 'applied')).toBe(true);
  });
});

describe.skipIf(!canMountTmpfs())('scan --apply on a state directory that takes no writes (real EROFS / ENOSPC, tmpfs in a private mount namespace)', () => {
  let company: any;
  let issue: any;
  const key = fakeToken('github-pat', 1801);
  const text = `use ${key} to push the release`;

  beforeAll(async () => {
    company = await seed.createCompany({ name: unique('Ro') });
    issue = await seed.createIssue(company.id, { title: 'Release' });
    await seed.addComment(issue.id, text);
  });

  for (const [fault, code, why] of [
    ['read-only', 'EROFS', 'read-only file system'],
    ['full', 'ENOSPC', 'no space left on device'],
  ] as [Fault, string, string][]) {
    it(`${fault}: nothing is redacted, the planned action is skipped with the reason, source/state-dir-unwritable (${code}), exit 1`, async () => {
      const cwd = tempDir();
      const state = join(cwd, 'state');
      const args = ['scan', '--paperclip', e2eUrl(), '--company', company.issuePrefix, '--only', 'security', '--apply', '--format', 'json'];
      const r = await runInMountNs(faultSetup(state, fault), [process.execPath, BIN, ...args], { cwd, env: cliEnv(args, cwd, { CLIPGUARD_STATE_DIR: state }) });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      const report = JSON.parse(r.stdout);
      const problem = report.findings.find((f: any) => f.ruleId === 'source/state-dir-unwritable');
      expect(problem).toMatchObject({ severity: 'critical', data: { code } });
      expect(problem.message).toContain(`writing to the state directory ${state} failed (${code}: ${why})`);
      const actions = report.findings.flatMap((f: any) => f.actions);
      expect(actions.map((a: any) => `${a.type}:${a.status}`)).toEqual(['redact:skipped']);
      expect(actions[0].detail).toContain(`not acting: writing to the state directory ${state} failed (${code}`);
      // The comment is as it was: no copy posted, the original not deleted.
      expect((await live(issue.id)).map((c) => c.body)).toEqual([text]);
      expect(r.stdout + r.stderr).not.toContain(key);
    });
  }
});
