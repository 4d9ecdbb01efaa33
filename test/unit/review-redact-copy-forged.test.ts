// Review (stop 20), fixed (byClipguardSide in redact.ts's post and convergence): a comment's redaction takes any comment with the copy's exact text for its own copy. redact.ts
// redactComment calls postCommentOnce(client, issueId, body, comments) with the default `mine` (every comment), and
// its convergence step keeps the earliest comment with that text whoever wrote it, where the flag passes
// byClipguardSide ("not one an agent wrote, or an agent could silence it by posting its text first"). The copy's
// text is a function of what anyone on the issue can read (the original's author id and createdAt, the kinds, the
// redaction), so an agent can post it first: clipguard then posts nothing, deletes the board user's original, and
// reports "posted redacted copy <the agent's comment>". The only record of the user's comment is now the agent's
// own comment, which the agent may delete (Paperclip lets an author delete its comment): the user's words are gone,
// deleted by clipguard, with nothing in their place.
//
// Why it matters: clipguard deletes a user's comment on the strength of a copy it did not write and cannot keep.
// Suggested fix: postCommentOnce(client, issueId, body, comments, byClipguardSide) in redactComment, and the same
// filter on the convergence's `copies` (and deleteCopies), as flag.ts does.
import { describe, expect, it } from 'vitest';
import { runScan } from '../../src/scan.js';
import { byClipguardSide } from '../../src/facts/flagged.js';
import { actingConfig, faultWorld, hoursAgo as ago } from '../helpers/fault-world.js';
import { fakeAgent, fakeCompany, fakeId, fakeIssue, type FakeWorld } from '../helpers/paperclip-fake.js';
import { fakeToken } from '../helpers/fake-secrets.js';

const { serve } = faultWorld();

describe('a board comment with a key, and an agent that posted its redacted copy first (review)', () => {
  it("the user's comment is deleted only once clipguard's own redacted copy stands", async () => {
    const co = fakeCompany();
    const agent = fakeAgent(co.id, 1, { name: 'Mallory', status: 'idle' });
    const issue = fakeIssue(co, 1, { title: 'Keys', status: 'todo', createdAt: ago(3), updatedAt: ago(1) });
    const original = { id: fakeId(), companyId: co.id, issueId: issue.id, body: `deploy with ${fakeToken('github-pat', 27)} then tell me`, authorType: 'user', authorUserId: 'local-board', authorAgentId: null, deletedAt: null, createdAt: ago(1), updatedAt: ago(1) };
    const world = (extra: any[]): FakeWorld => ({ company: co, agents: [agent], issues: [{ ...issue }], comments: { [issue.id]: [{ ...original }, ...extra] }, activity: [] });

    // What clipguard's copy says (a twin world): anyone who reads the issue can make the same text.
    const twin = world([]);
    const { pc: pc1 } = await serve(twin);
    await runScan(actingConfig(pc1.url), { only: ['security/secret-in-comment'] });
    const copyText = twin.comments[issue.id].find((c) => !c.deletedAt && c.id !== original.id)!.body as string;
    expect(copyText).toMatch(/^clipguard replaced a comment/);

    // The agent posts that text first.
    const forged = { id: fakeId(), companyId: co.id, issueId: issue.id, body: copyText, authorType: 'agent', authorUserId: null, authorAgentId: agent.id, deletedAt: null, createdAt: ago(0.5), updatedAt: ago(0.5) };
    const w = world([forged]);
    const { pc } = await serve(w);
    const r = await runScan(actingConfig(pc.url), { only: ['security/secret-in-comment'] });
    const outcome = r.report.findings.flatMap((f) => f.actions.map((a) => `${a.type} ${a.status}: ${a.detail}`));
    const live = w.comments[issue.id].filter((c) => !c.deletedAt);
    expect(w.comments[issue.id].find((c) => c.id === original.id)!.deletedAt).toBeTruthy(); // the original was deleted
    // Fails here: the only copy left is the agent's (clipguard posted none: "posted redacted copy <forged id>").
    expect({ outcome, clipguardCopies: live.filter((c) => c.body === copyText && byClipguardSide(c)).length }).toMatchObject({ clipguardCopies: 1 });
  });
});
