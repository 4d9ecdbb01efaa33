// Adversarial review (wt-review): text others wrote, copied by clipguard into a comment it posts on Paperclip, keeps
// its agent mentions, and Paperclip wakes every agent a comment mentions (API.md 7.7: "`@AgentName` mentions wake
// the mentioned agents (`issue_comment_mentioned`)"; a run each). On paperclipai 2026.916.1 a mention is a Markdown
// link to `agent://<id>`, found by @paperclipai/shared project-mentions.js extractAgentMentionIds with the regex
// below; a backslash before the brackets (report/sanitize.ts markdownCell) does not stop it.
// These tests FAIL on the code they were written against (marked `it.fails`, so the suite stays green until the fix
// lands; the fix should turn each into a plain `it`).
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
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

describe('review: agent mentions in the comments clipguard posts', () => {
  // DEFECT (src/actions/kinds/redact.ts redactedCopy): the redacted copy repeats the original's body, mention links
  // included, so posting it wakes every agent the original mentioned a second time (the original woke them once).
  // Suggested fix: defuse `](agent://` (and user:// / project:// links) in the copied text, e.g. put a zero-width
  // character or a backslash inside the scheme, so the copy reads the same and mentions no one.
  it.fails('the redacted copy of a comment mentions no agent', async () => {
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

  // DEFECT (src/checklist.ts checklistFrom item 1 + src/report/checklist.ts renderChecklistMarkdown): agent names
  // (and finding messages) go into the checklist comment through markdownCell, whose `\[`/`\]` escapes do not stop
  // Paperclip's mention regex: an agent in error whose name is a mention link makes every posted checklist wake the
  // agent it links to (each day the checklist changes; a paid run each).
  it.fails('the checklist comment mentions no agent, whatever an agent is called', async () => {
    const co = fakeCompany();
    const ceo = fakeAgent(co.id, 1, { name: 'CEO', role: 'ceo', createdAt: ago(100) });
    const odd = fakeAgent(co.id, 2, { name: `[ops](agent://${ceo.id})`, status: 'error', errorReason: 'adapter_failed', createdAt: ago(100) });
    const w: FakeWorld = { company: co, agents: [ceo, odd], issues: [], comments: {}, activity: [] };
    const pc = await serveFakePaperclip(w);
    servers.push(pc);
    const c = await runChecklist(config(pc.url));
    expect(mentioned(renderChecklistMarkdown(c))).toEqual([]);
  });
});
