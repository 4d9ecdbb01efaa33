// On the REAL Paperclip: an issue redaction and an edit at the same moment. Paperclip's PATCH of an issue takes no
// precondition (no If-Match, no expected updatedAt), so an edit stored between clipguard's re-read and its PATCH is
// overwritten; the PATCH's answer says what each field held just before (`changes[field].from`), and clipguard
// writes the lost text back, redacted. A fault-injecting proxy (test/helpers/fault-proxy.ts) stores the other
// writer's edit on the real server just before clipguard's PATCH reaches it. Was (found by the review helper): the
// edit was lost and the redaction said `applied`. Unit twin: test/unit/write-races.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { tempDir } from '../helpers/cli.js';
import { cliAsync } from '../helpers/cli-async.js';
import { fakeToken } from '../helpers/fake-secrets.js';
import { FaultProxy, startProxy } from '../helpers/fault-proxy.js';
import { e2eUrl, Seed, unique } from './seed.js';

const seed = new Seed();
let proxy: FaultProxy;
beforeAll(async () => {
  proxy = await startProxy(e2eUrl());
});
afterAll(async () => {
  await proxy?.stop();
});

describe('an issue redaction and an edit at the same moment (real server)', () => {
  it('the edit stored between the re-read and the PATCH is written back, its new key redacted, and a second --apply does nothing', async () => {
    const company = await seed.createCompany({ name: unique('Race') });
    const issue = await seed.createIssue(company.id, { title: 'Deploy', description: `Steps:\nexport TOKEN=${fakeToken('github-pat', 12)}` });
    const second = fakeToken('openai-api-key', 12);
    let raced = false;
    proxy.reset(({ method, path }) => {
      if (raced || method !== 'PATCH' || path !== `/api/issues/${issue.id}`) return { kind: 'pass' };
      raced = true;
      // The assignee appends its progress (and, carelessly, another key) on the real server, from the read it had.
      return { kind: 'race', before: async () => void (await seed.req('PATCH', `/issues/${issue.id}`, { description: `${issue.description}\nProgress: step 2 done, OPENAI_API_KEY=${second}` })) };
    });
    const state = tempDir();
    const run = () => cliAsync(['scan', '--paperclip', proxy.url, '--company', company.issuePrefix, '--only', 'security/secret-in-issue', '--apply', '--format', 'json'], { cwd: tempDir(), env: { CLIPGUARD_STATE_DIR: join(state, 's') } });
    const r = await run();
    expect(raced).toBe(true);
    const actions = JSON.parse(r.stdout).findings.flatMap((f: any) => f.actions);
    expect(actions.map((a: any) => `${a.type} ${a.status}`)).toEqual(['redact applied']);
    expect(actions[0].detail).toMatch(/overwritten and has been written back, redacted/);
    expect((await seed.getIssue(issue.id)).description).toBe('Steps:\nexport TOKEN=[REDACTED:github-pat]\nProgress: step 2 done, OPENAI_API_KEY=[REDACTED:openai-api-key]');
    expect(r.stdout + r.stderr).not.toContain(second);
    // Nothing left to do.
    const again = JSON.parse((await run()).stdout).findings.flatMap((f: any) => f.actions);
    expect(again).toEqual([]);
  }, 120_000);
});
