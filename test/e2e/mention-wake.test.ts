// On the REAL Paperclip: the redacted copy of a board comment that mentions an agent (`[@CEO](agent://<id>)`, how
// the board's editor writes a mention) does not wake that agent a second time. Paperclip wakes every agent a new
// comment mentions (`issue_comment_mentioned`), a paid run each; the original already woke it once. Was (found by
// the review helper): the copy repeated the original's text, links included, and woke it again. Now the copy's
// link is written `[@CEO]\(agent://<id>)` (sources/paperclip/mentions.ts). Unit twin: test/unit/quiet-copy.test.ts.
import { describe, expect, it } from 'vitest';
import { cli, tempDir } from '../helpers/cli.js';
import { fakeToken } from '../helpers/fake-secrets.js';
import { e2eUrl, Seed, unique, waitFor } from './seed.js';

const seed = new Seed();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a redacted copy does not wake the agents its original mentioned', () => {
  it('the CEO mentioned in a comment with a key is woken by the comment, not again by clipguard\'s copy', async () => {
    const company = await seed.createCompany({ name: unique('Mention') });
    // A `process` agent running `true` that wakes on demand (a mention is a demand), nothing else.
    const ceo = await seed.createAgent(company.id, { name: unique('CEO'), role: 'ceo', quiet: false, runtimeConfig: { heartbeat: { enabled: false, wakeOnDemand: true } } });
    const issue = await seed.createIssue(company.id, { title: 'Deploy' });
    const runsOf = async (): Promise<any[]> => seed.req('GET', `/companies/${company.id}/heartbeat-runs?agentId=${ceo.id}&limit=100`);
    const settled = async () => (await runsOf()).every((r) => !['queued', 'running'].includes(String(r.status)));

    await seed.addComment(issue.id, `[@${ceo.name}](agent://${ceo.id}) please rotate this one: ${fakeToken('github-pat', 671)}`);
    // The original comment's mention wakes the CEO once.
    await waitFor(async () => (await runsOf()).length >= 1 && (await settled()), { timeoutMs: 60_000, what: 'the mention to wake the CEO once' });
    await sleep(2_000);
    const before = (await runsOf()).length;

    const r = cli(['scan', '--paperclip', e2eUrl(), '--company', company.issuePrefix, '--only', 'security/secret-in-comment', '--apply', '--format', 'json'], { cwd: tempDir(), env: { CLIPGUARD_STATE_DIR: tempDir() } });
    expect(r.code, r.stderr).not.toBe(2);
    const actions = JSON.parse(r.stdout).findings.flatMap((f: any) => f.actions.map((a: any) => `${a.type} ${a.status}`));
    expect(actions).toEqual(['redact applied']);
    // Long enough for a wakeup to be queued and run (the first one took well under this).
    await sleep(8_000);
    await waitFor(settled, { timeoutMs: 30_000, what: 'the CEO to be idle' });
    expect((await runsOf()).length).toBe(before);
    // The copy is stored and still names the CEO, as text.
    const copies = ((await seed.req('GET', `/issues/${issue.id}/comments`)) as any[]).filter((c) => !c.deletedAt && String(c.body).startsWith('clipguard replaced a comment'));
    expect(copies).toHaveLength(1);
    expect(copies[0].body).toContain(`[@${ceo.name}]\\(agent://${ceo.id}) please rotate this one: [REDACTED:`);
  }, 150_000);
});
