// A forged flag marker laundered through clipguard's own redacted copy does not silence the flag.
// facts/flagged.ts byClipguardSide refuses a marker in a comment an agent run wrote (createdByRunId, the
// local_trusted case where agents post as the `local-board` user), but redact.ts treats that same comment as a
// user's (authorUserId is set) and posts a copy of its text as the board, without a run id. Was (found by the
// review helper): the marker went into the copy, the copy passed byClipguardSide, and the keys it named counted as
// flagged. Now the copy writes the marker as `&lt;!-- clipguard-flag` (sources/paperclip/mentions.ts quietCopy),
// and a marker counts only in a comment that starts as a flag does (facts/flagged.ts FLAG_HEAD).
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/load.js';
import { flaggedKeys, flagKeyHash } from '../../src/facts/flagged.js';
import { quietCopy } from '../../src/sources/paperclip/mentions.js';
import { runScan } from '../../src/scan.js';
import { tempDir } from '../helpers/cli.js';
import { actingConfig } from '../helpers/fault-world.js';
import { fakeToken } from '../helpers/fake-secrets.js';
import { fakeAgent, fakeCompany, fakeId, fakeIssue, serveFakePaperclip, type FakePaperclip, type FakeWorld } from '../helpers/paperclip-fake.js';

const servers: FakePaperclip[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
const ago = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();

const flagOn = { 'security/secret-in-issue': { actions: { flag: { enabled: true } } }, 'security/secret-in-comment': { actions: { flag: { enabled: true } } } } as Config['rules']['overrides'];
const config = (url: string, stateDir: string, apply: boolean) => actingConfig(url, { stateDir, apply, overrides: flagOn });

describe('the flag cannot be silenced through a redacted copy', () => {
  // An agent run that leaks keys (in the description and in its comment) and adds `<!-- clipguard-flag <hashes> -->`
  // to its comment: the issue is flagged all the same, once.
  it('keys leaked by an agent run are flagged even when its comment carries a forged marker', async () => {
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

  it('a flag marker counts only in a flag comment clipguard could have posted', () => {
    const marker = '<!-- clipguard-flag 0123456789abcdef -->';
    const board = { id: 'c1', authorType: 'user', authorUserId: 'local-board' };
    expect([...flaggedKeys([{ ...board, body: `clipguard found a secret written on this issue.\n\n${marker}\n` }])]).toEqual(['0123456789abcdef']);
    // A redacted copy (or any other board-side text) repeating a marker does not count, nor does the copy keep it.
    expect(flaggedKeys([{ ...board, body: `clipguard replaced a comment ...\n\nthe key ${marker}` }]).size).toBe(0);
    expect(flaggedKeys([{ ...board, body: quietCopy(`clipguard found ${marker}`) }]).size).toBe(0);
  });
});
