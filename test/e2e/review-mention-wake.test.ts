// Adversarial review (wt-review), on the REAL Paperclip: the redacted copy of a board comment that mentions an agent
// (`[@CEO](agent://<id>)`, how the board's editor writes a mention) wakes that agent a second time: Paperclip wakes
// every agent a new comment mentions (`issue_comment_mentioned`), and the copy repeats the original's text. A run
// costs money; the original already woke it once. Unit twin: test/unit/review-mentions.test.ts.
// This test FAILS on the code it was written against (marked `it.fails`, so the suite stays green until the fix
// lands; the fix should turn it into a plain `it`).
import { describe, expect, it } from 'vitest';
import { cli, tempDir } from '../helpers/cli.js';
import { fakeToken } from '../helpers/fake-secrets.js';
import { e2eUrl, Seed, unique, waitFor } from './seed.js';

const seed = new Seed();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('review: a redacted copy does not wake the agents its original mentioned', () => {
  // DEFECT (src/actions/kinds/redact.ts redactedCopy): see test/unit/review-mentions.test.ts.
  it.fails('the CEO mentioned in a comment with a key is woken by the comment, not again by clipguard\'s copy', async () => {
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
  }, 150_000);
});
