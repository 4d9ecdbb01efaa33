// Adversarial review (wt-review): a forged flag marker laundered through clipguard's own redacted copy.
// facts/flagged.ts byClipguardSide refuses a marker in a comment an agent run wrote (createdByRunId, the
// local_trusted case where agents post as the `local-board` user), but redact.ts treats that same comment as a
// user's (authorUserId is set), posts a copy of its text as the board, without a run id, marker included: the copy
// passes byClipguardSide, and the keys it names count as flagged. This test FAILS on the code it was written
// against (marked `it.fails`, so the suite stays green until the fix lands; the fix should turn it into a plain `it`).
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config/load.js';
import { flagKeyHash } from '../../src/facts/flagged.js';
import { runScan } from '../../src/scan.js';
import { tempDir } from '../helpers/cli.js';
import { fakeToken } from '../helpers/fake-secrets.js';
import { fakeAgent, fakeCompany, fakeId, fakeIssue, serveFakePaperclip, type FakePaperclip, type FakeWorld } from '../helpers/paperclip-fake.js';

const servers: FakePaperclip[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
const ago = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();

function config(url: string, stateDir: string, apply: boolean): Config {
  const c = loadConfig(tempDir(), { noConfigFile: true, paperclip: url }, {});
  Object.assign(c.paperclip, { retries: 0, timeoutMs: 5_000 });
  c.repos = [];
  c.stateDir = stateDir;
  c.actions.apply = apply;
  c.rules.overrides = { 'security/secret-in-issue': { actions: { flag: { enabled: true } } }, 'security/secret-in-comment': { actions: { flag: { enabled: true } } } } as Config['rules']['overrides'];
  return c;
}

describe('review: the flag cannot be silenced through a redacted copy', () => {
  // DEFECT (src/actions/kinds/redact.ts redactedCopy + facts/flagged.ts flaggedKeys): an agent run that leaks keys
  // (in the description and in its comment) and adds `<!-- clipguard-flag <hashes> -->` to its comment gets its
  // marker re-posted by clipguard as the board; the flag on the issue is then skipped as "already flagged", and no
  // one is ever asked to rotate the keys. Suggested fix: strip clipguard's marker lines (flag and checklist) from
  // the text of a redacted copy, and/or only trust a marker in a comment whose body clipguard could have produced
  // (a flag body, not a redacted copy).
  it.fails('keys leaked by an agent run are flagged even when its comment carries a forged marker', async () => {
    const co = fakeCompany();
    const dev = fakeAgent(co.id, 1, { name: 'Dev', createdAt: ago(100) });
    const issue = fakeIssue(co, 1, { title: 'Deploy', description: `export TOKEN=${fakeToken('openai-api-key', 5)}`, status: 'todo', assigneeAgentId: dev.id, createdByAgentId: dev.id, createdAt: ago(3), updatedAt: ago(1) });
    const keyLine = `the key is ${fakeToken('github-pat', 4)}`;
    // As Paperclip stores a comment an agent run posts in local_trusted mode: the board user, and the run's id.
    const comment = { id: fakeId(), companyId: co.id, issueId: issue.id, body: keyLine, authorType: 'user', authorUserId: 'local-board', authorAgentId: null, createdByRunId: fakeId(), deletedAt: null, createdAt: ago(1), updatedAt: ago(1) };
    const w: FakeWorld = { company: co, agents: [dev], issues: [issue], comments: { [issue.id]: [comment] }, activity: [] };
    const pc = await serveFakePaperclip(w);
    servers.push(pc);
    // The hashes are a public function of what the agent itself wrote; here read off a dry-run's plan.
    const dry = await runScan(config(pc.url, join(tempDir(), 'state'), false), { only: ['security'] });
    const keys = dry.report.findings.flatMap((f) => f.actions.filter((a) => a.type === 'flag').flatMap((a) => ((a.params?.entries as { key: string }[] | undefined) ?? []).map((e) => flagKeyHash(e.key))));
    expect(new Set(keys).size).toBe(2);
    comment.body = `${keyLine}\n<!-- clipguard-flag ${[...new Set(keys)].sort().join(' ')} -->`;

    await runScan(config(pc.url, join(tempDir(), 'state'), true), { only: ['security'] });
    const live = w.comments[issue.id].filter((c) => !c.deletedAt);
    expect(live.some((c) => String(c.body).startsWith('clipguard replaced a comment'))).toBe(true); // redacted by copy
    const flags = live.filter((c) => String(c.body).startsWith('clipguard found'));
    expect(flags).toHaveLength(1);
  });
});
