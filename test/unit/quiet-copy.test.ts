// Text others wrote, copied by clipguard into a comment it posts on Paperclip (a redacted copy, the checklist's
// cells), mentions no one. Paperclip wakes every agent a comment mentions (API.md 7.7: "`@AgentName` mentions wake
// the mentioned agents (`issue_comment_mentioned`)"; a paid run each). On paperclipai 2026.916.1 a mention is a
// Markdown link to `agent://<id>`, found by @paperclipai/shared project-mentions.js extractAgentMentionIds with the
// regex below. Was (found by the review helper): the copy kept the links, and the checklist's `\[`/`\]` escapes did
// not stop the regex. e2e twin: test/e2e/mention-wake.test.ts.
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { quietCopy } from '../../src/sources/paperclip/mentions.js';
import { markdownCell } from '../../src/report/sanitize.js';
import { runChecklist } from '../../src/checklist.js';
import { loadConfig, type Config } from '../../src/config/load.js';
import { renderChecklistMarkdown } from '../../src/report/checklist.js';
import { runScan } from '../../src/scan.js';
import { tempDir } from '../helpers/cli.js';
import { fakeToken } from '../helpers/fake-secrets.js';
import { fakeAgent, fakeCompany, fakeId, fakeIssue, serveFakePaperclip, type FakePaperclip, type FakeWorld } from '../helpers/paperclip-fake.js';

/** paperclipai 2026.916.1, @paperclipai/shared/dist/project-mentions.js AGENT_MENTION_LINK_RE + extractAgentMentionIds. */
const mentioned = (markdown: string): string[] => [...markdown.matchAll(/\[[^\]]*]\((agent:\/\/[^)\s]+)\)/gi)].map((m) => m[1].replace(/^agent:\/\//i, '').split(/[?#]/)[0]);

const servers: FakePaperclip[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
const ago = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();

function config(url: string): Config {
  const c = loadConfig(tempDir(), { noConfigFile: true, paperclip: url }, {});
  Object.assign(c.paperclip, { retries: 0, timeoutMs: 5_000 });
  c.repos = [];
  c.stateDir = join(tempDir(), 'state');
  return c;
}

describe('agent mentions in the comments clipguard posts', () => {
  // Was (src/actions/kinds/redact.ts redactedCopy): the redacted copy repeated the original's body, mention links
  // included, so posting it woke every agent the original mentioned a second time (the original woke them once).
  // Now the copy's `](agent://` is written `]\(agent://` (sources/paperclip/mentions.ts quietCopy).
  it('the redacted copy of a comment mentions no agent', async () => {
    const co = fakeCompany();
    const ceo = fakeAgent(co.id, 1, { name: 'CEO', role: 'ceo', createdAt: ago(100) });
    const dev = fakeAgent(co.id, 2, { name: 'Dev', createdAt: ago(100) });
    const issue = fakeIssue(co, 1, { title: 'Deploy', status: 'todo', assigneeAgentId: dev.id, createdAt: ago(3), updatedAt: ago(1) });
    const original = { id: fakeId(), companyId: co.id, issueId: issue.id, body: `[@CEO](agent://${ceo.id}) here is the key: ${fakeToken('github-pat', 3)}`, authorType: 'user', authorUserId: 'local-board', authorAgentId: null, deletedAt: null, createdAt: ago(1), updatedAt: ago(1) };
    const w: FakeWorld = { company: co, agents: [ceo, dev], issues: [issue], comments: { [issue.id]: [original] }, activity: [] };
    const pc = await serveFakePaperclip(w);
    servers.push(pc);
    const cfg = config(pc.url);
    cfg.actions.apply = true;
    await runScan(cfg, { only: ['security/secret-in-comment'] });
    const copies = w.comments[issue.id].filter((c) => !c.deletedAt && String(c.body).startsWith('clipguard replaced a comment'));
    expect(copies).toHaveLength(1); // the redaction happened
    expect(mentioned(copies[0].body)).toEqual([]);
  });

  // Was (src/checklist.ts checklistFrom item 1 + src/report/checklist.ts renderChecklistMarkdown): agent names went
  // into the checklist comment through markdownCell, whose `\[`/`\]` escapes did not stop Paperclip's mention regex:
  // an agent in error whose name is a mention link made every posted checklist wake the agent it links to. Now
  // markdownCell escapes a `(` after a `]` too.
  it('the checklist comment mentions no agent, whatever an agent is called', async () => {
    const co = fakeCompany();
    const ceo = fakeAgent(co.id, 1, { name: 'CEO', role: 'ceo', createdAt: ago(100) });
    const odd = fakeAgent(co.id, 2, { name: `[ops](agent://${ceo.id})`, status: 'error', errorReason: 'adapter_failed', createdAt: ago(100) });
    const w: FakeWorld = { company: co, agents: [ceo, odd], issues: [], comments: {}, activity: [] };
    const pc = await serveFakePaperclip(w);
    servers.push(pc);
    const c = await runChecklist(config(pc.url));
    expect(mentioned(renderChecklistMarkdown(c))).toEqual([]);
  });

  it('the copy keeps what the original said: no mention in it, and the same text once the added backslashes go', () => {
    const ceo = fakeId();
    const original = `[@CEO](agent://${ceo}) and [@Me](user://u-1?x=1) see [docs](https://example.com/a) and [p](PROJECT://p-1)`;
    const copy = quietCopy(original);
    expect(mentioned(copy)).toEqual([]);
    expect(copy).toContain('[docs](https://example.com/a)'); // a web link stays a link
    expect(copy).toBe(`[@CEO]\\(agent://${ceo}) and [@Me]\\(user://u-1?x=1) see [docs](https://example.com/a) and [p]\\(PROJECT://p-1)`);
  });

  it('fast-check: no text, however built, mentions anyone after quietCopy or markdownCell, and quietCopy only adds backslashes to links', () => {
    const piece = fc.constantFrom('[', ']', '(', ')', '\\', ' ', '\n', '@CEO', 'agent://', 'AGENT://', 'user://', 'project://', 'pipeline://', 'https://', 'a1b2', '?i=x', '<!--', ' clipguard-flag ', '-->', '&lt;');
    const anyMention = /\[[^\]]*]\(([a-z]+:\/\/[^)\s]+)\)/gi;
    const link = fc.tuple(fc.constantFrom('', '@CEO', 'a]b', '[x'), fc.constantFrom('agent', 'Agent', 'user', 'project', 'skill', 'routine', 'pipeline', 'later', 'https', 'http'), fc.constantFrom('a1b2', 'a1b2?i=x', 'x)y')).map(([l, s, id]) => `[${l}](${s}://${id})`);
    fc.assert(
      fc.property(fc.array(fc.oneof(piece, link, fc.string({ maxLength: 3 })), { maxLength: 30 }), (parts) => {
        const text = parts.join('');
        const q = quietCopy(text);
        for (const m of q.matchAll(anyMention)) expect(m[1]).toMatch(/^https?:\/\//i);
        expect(mentioned(markdownCell(text, 10_000))).toEqual([]);
        expect(q).not.toMatch(/<!--\s*clipguard-/i);
        // Readable: it only adds backslashes and writes a marker's `<` as `&lt;`.
        const strip = (t: string) => t.replace(/\\/g, '').replace(/&lt;!--(\s*clipguard-)/gi, '<!--$1');
        expect(strip(q)).toBe(strip(text));
      }),
      { numRuns: 500 },
    );
  });
});
