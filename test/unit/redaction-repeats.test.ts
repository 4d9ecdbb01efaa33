// A redaction takes the key it found wherever the text repeats it, also where the detector's context does not hold
// (a generic key or password is found next to its keyword only): the redacted copy clipguard posts as the board and
// the issue's PATCHed description keep no copy of it (found by an adversarial review).
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config/load.js';
import { runScan } from '../../src/scan.js';
import { tempDir } from '../helpers/cli.js';
import { fakeAgent, fakeCompany, fakeId, fakeIssue, serveFakePaperclip, type FakePaperclip, type FakeWorld } from '../helpers/paperclip-fake.js';

const servers: FakePaperclip[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
const ago = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();
// Built at run time: a random-looking value the generic-api-key row finds after `api_key:` only.
const KEY = ['Zq8Lm3', 'Rt7Wx2Kp9', 'Vb4Nc6Hd1', 'Jf5Gs0Ay'].join('');

function setup(description: string, commentBody: string | null) {
  const co = fakeCompany();
  const dev = fakeAgent(co.id, 1, { name: 'Dev', createdAt: ago(100) });
  const issue = fakeIssue(co, 1, { title: 'Deploy', description, status: 'todo', assigneeAgentId: dev.id, createdAt: ago(3), updatedAt: ago(1) });
  const comments = commentBody === null ? [] : [{ id: fakeId(), companyId: co.id, issueId: issue.id, body: commentBody, authorType: 'user', authorUserId: 'local-board', authorAgentId: null, deletedAt: null, createdAt: ago(1), updatedAt: ago(1) }];
  const w: FakeWorld = { company: co, agents: [dev], issues: [issue], comments: { [issue.id]: comments }, activity: [] };
  return { w, issue };
}

function config(url: string): Config {
  const c = loadConfig(tempDir(), { noConfigFile: true, paperclip: url }, {});
  Object.assign(c.paperclip, { retries: 0, timeoutMs: 5_000 });
  c.repos = [];
  c.stateDir = join(tempDir(), 'state');
  c.actions.apply = true;
  return c;
}

describe('every occurrence of a found key is redacted', () => {
  // Was (src/actions/kinds/redact.ts redactComment/redactedCopy: redactSecrets(c.body, ms) replaces the detected
  // spans only): the copy clipguard posts (as the board, waking the assignee) repeats the key it found. Guarantee:
  // "clipguard never prints, logs, stores or sends a secret it found". Suggested fix: after detection, also replace
  // every other occurrence of each detected value (exact string) in the text, in the copy and in the issue PATCH.
  it('the redacted copy of a comment does not hold the key it found, written twice', async () => {
    const { w, issue } = setup('clean', `api_key: ${KEY}\nand for staging use ${KEY} too`);
    const pc = await serveFakePaperclip(w);
    servers.push(pc);
    const r = await runScan(config(pc.url), { only: ['security/secret-in-comment'] });
    expect(r.report.findings.flatMap((f) => f.actions.map((a) => `${a.type} ${a.status}`))).toEqual(['redact applied']);
    const live = w.comments[issue.id].filter((c) => !c.deletedAt);
    expect(live).toHaveLength(1);
    expect(live[0].body).toContain('[REDACTED:generic-api-key]');
    expect(live[0].body).not.toContain(KEY);
  });

  // Was (src/actions/kinds/redact.ts redactIssue + sources/paperclip/model.ts redactIssueFields): the same for an
  // issue: the PATCH reports "redacted 1 secret(s)", and the description keeps the key's second occurrence; the
  // re-read of the next run finds nothing and skips ("no secret left"), so it stays for good.
  it('the redacted description does not hold the key it found, written twice', async () => {
    const { w, issue } = setup(`api_key: ${KEY}\nstaging: same key, ${KEY}`, null);
    const pc = await serveFakePaperclip(w);
    servers.push(pc);
    const r = await runScan(config(pc.url), { only: ['security/secret-in-issue'] });
    expect(r.report.findings.flatMap((f) => f.actions.map((a) => `${a.type} ${a.status}`))).toEqual(['redact applied']);
    expect(issue.description).toContain('[REDACTED:generic-api-key]');
    expect(issue.description).not.toContain(KEY);
  });
});
