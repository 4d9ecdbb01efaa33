// Writes that race a second writer: an edit stored between clipguard's re-read and its write, a second clipguard
// (another state directory) posting the same comment at the same moment. A stateful fake Paperclip
// (test/helpers/paperclip-fake.ts, its PATCH answering `changes` as paperclipai 2026.916.1 does) behind the fault
// proxy (test/helpers/fault-proxy.ts), whose `race` fault stores the other writer's write just before clipguard's
// request reaches the server. Found by the review helper (its reproductions, now plain tests); e2e twin for the
// issue redaction: test/e2e/write-races.test.ts.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config/load.js';
import { runScan } from '../../src/scan.js';
import { tempDir } from '../helpers/cli.js';
import { fakeToken } from '../helpers/fake-secrets.js';
import { FaultProxy } from '../helpers/fault-proxy.js';
import { fakeAgent, fakeCompany, fakeId, fakeIssue, serveFakePaperclip, type FakePaperclip, type FakeWorld } from '../helpers/paperclip-fake.js';

const servers: FakePaperclip[] = [];
const proxies: FaultProxy[] = [];
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.stop()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
const ago = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();

function config(url: string, stateDir: string, overrides: Config['rules']['overrides']): Config {
  const c = loadConfig(tempDir(), { noConfigFile: true, paperclip: url }, {});
  Object.assign(c.paperclip, { retries: 0, timeoutMs: 5_000 });
  c.repos = [];
  c.stateDir = stateDir;
  c.actions.apply = true;
  c.rules.overrides = overrides;
  return c;
}

describe('an issue redaction and an edit at the same moment', () => {
  // Was (src/actions/kinds/redact.ts redactIssue): GET the issue, detect, then PATCH title and description with the
  // redacted text of that read; an edit stored in between (the assignee appending its progress, a person fixing a
  // typo) was overwritten silently, the redaction `applied`. Paperclip's PATCH takes no precondition; its answer's
  // `changes[field].from` shows what the field held just before, so the loss is seen and the lost text written back,
  // redacted, in a second PATCH.
  it('an edit made between the re-read and the PATCH is not lost', async () => {
    const co = fakeCompany();
    const dev = fakeAgent(co.id, 1, { createdAt: ago(100) });
    const issue = fakeIssue(co, 1, { title: 'Deploy', description: `Steps:\nexport TOKEN=${fakeToken('github-pat', 8)}`, status: 'in_progress', assigneeAgentId: dev.id, createdAt: ago(3), updatedAt: ago(1) });
    const w: FakeWorld = { company: co, agents: [dev], issues: [issue], comments: {}, activity: [] };
    const pc = await serveFakePaperclip(w);
    servers.push(pc);
    const proxy = await new FaultProxy(pc.url).start();
    proxies.push(proxy);
    proxy.decide = (r) =>
      r.method === 'PATCH' && r.path === `/api/issues/${issue.id}`
        ? { kind: 'race', before: async () => void Object.assign(issue, { description: `${issue.description}\nProgress: step 2 done`, updatedAt: new Date().toISOString() }) }
        : { kind: 'pass' };
    const c = config(proxy.url, join(tempDir(), 'state'), {});
    const r = await runScan(c, { only: ['security/secret-in-issue'] });
    expect(r.report.findings.flatMap((f) => f.actions.map((a) => a.type))).toEqual(['redact']);
    expect(issue.description).toContain('[REDACTED:github-pat]');
    expect(issue.description).toContain('Progress: step 2 done');
  });

  /** An issue, the fake behind a proxy whose first PATCH of it stores `edit` just before (the other writer). */
  async function racedIssue(description: string, edit: (d: string) => string) {
    const co = fakeCompany();
    const dev = fakeAgent(co.id, 1, { createdAt: ago(100) });
    const issue = fakeIssue(co, 1, { title: 'Deploy', description, status: 'in_progress', assigneeAgentId: dev.id, createdAt: ago(3), updatedAt: ago(1) });
    const w: FakeWorld = { company: co, agents: [dev], issues: [issue], comments: {}, activity: [] };
    const pc = await serveFakePaperclip(w);
    servers.push(pc);
    const proxy = await new FaultProxy(pc.url).start();
    proxies.push(proxy);
    let raced = false;
    proxy.decide = (r) => {
      if (raced || r.method !== 'PATCH' || r.path !== `/api/issues/${issue.id}`) return { kind: 'pass' };
      raced = true;
      return { kind: 'race', before: async () => void Object.assign(issue, { description: edit(issue.description as string), updatedAt: new Date().toISOString() }) };
    };
    const r = await runScan(config(proxy.url, join(tempDir(), 'state'), {}), { only: ['security/secret-in-issue'] });
    return { issue, pc, actions: r.report.findings.flatMap((f) => f.actions) };
  }

  it('a lost edit that itself holds a new key is written back redacted, and the outcome says so', async () => {
    const second = fakeToken('openai-api-key', 9);
    const { issue, pc, actions } = await racedIssue(`Steps:\nexport TOKEN=${fakeToken('github-pat', 9)}`, (d) => `${d}\nand OPENAI_API_KEY=${second}`);
    expect(actions.map((a) => a.status)).toEqual(['applied']);
    expect(actions[0].detail).toMatch(/overwritten and has been written back, redacted/);
    expect(issue.description).toBe('Steps:\nexport TOKEN=[REDACTED:github-pat]\nand OPENAI_API_KEY=[REDACTED:openai-api-key]');
    expect(pc.writes.filter((x) => x.startsWith('PATCH'))).toHaveLength(2);
  });

  it('an edit lost beyond what the answer shows (a long text changed in its first 200 characters): failed, saying so', async () => {
    const long = `${'x'.repeat(300)}\nexport TOKEN=${fakeToken('github-pat', 10)}`;
    const { issue, actions } = await racedIssue(long, (d) => `Progress: done. ${d}`);
    expect(actions.map((a) => a.status)).toEqual(['failed']);
    expect(actions[0].detail).toMatch(/an edit stored at the same moment was overwritten .*activity log keeps it: restore it by hand/);
    expect(issue.description).toContain('[REDACTED:github-pat]'); // the key is gone all the same
  });

  it('an issue edited again at every write: three PATCHes at most, then failed, saying an edit was not written back', async () => {
    const co = fakeCompany();
    const dev = fakeAgent(co.id, 1, { createdAt: ago(100) });
    const issue = fakeIssue(co, 1, { title: 'Deploy', description: `export TOKEN=${fakeToken('github-pat', 16)}`, status: 'in_progress', assigneeAgentId: dev.id, createdAt: ago(3), updatedAt: ago(1) });
    const w: FakeWorld = { company: co, agents: [dev], issues: [issue], comments: {}, activity: [] };
    const pc = await serveFakePaperclip(w);
    servers.push(pc);
    const proxy = await new FaultProxy(pc.url).start();
    proxies.push(proxy);
    let n = 0;
    proxy.decide = (r) => (r.method === 'PATCH' && r.path === `/api/issues/${issue.id}` ? { kind: 'race', before: async () => void Object.assign(issue, { description: `${issue.description}\nedit ${++n}`, updatedAt: new Date().toISOString() }) } : { kind: 'pass' });
    const r = await runScan(config(proxy.url, join(tempDir(), 'state'), {}), { only: ['security/secret-in-issue'] });
    const actions = r.report.findings.flatMap((f) => f.actions);
    expect(actions.map((a) => a.status)).toEqual(['failed']);
    expect(actions[0].detail).toMatch(/edited again at each write: an overwritten edit was not written back/);
    expect(pc.writes.filter((x) => x.startsWith('PATCH'))).toHaveLength(3);
    expect(issue.description).not.toContain(fakeToken('github-pat', 16));
  });

  it('no race: one PATCH, applied, nothing said about an edit', async () => {
    const { issue, pc, actions } = await racedIssue(`export TOKEN=${fakeToken('github-pat', 11)}`, (d) => d);
    expect(actions.map((a) => [a.status, /same moment/.test(String(a.detail))])).toEqual([['applied', false]]);
    expect(issue.description).toBe('export TOKEN=[REDACTED:github-pat]');
    expect(pc.writes.filter((x) => x.startsWith('PATCH'))).toHaveLength(1);
  });
});

describe('two clipguards (separate state directories) flag one issue at the same moment', () => {
  // Was (src/actions/kinds/flag.ts execute + post-comment.ts postCommentOnce): the flag re-read the comments before
  // posting, but a second process (the live guard with flag on, and `watch`, each with its own state directory) may
  // post the same flag between that read and this POST; the issue got two identical flag comments, each waking the
  // assignee (a paid run). Now, after posting, a flag with an earlier flag of clipguard's naming all its keys is
  // deleted again, as redact.ts does for its copies: the earliest stays.
  it('one flag comment on the issue, whoever posted first', async () => {
    const co = fakeCompany();
    const agent = fakeAgent(co.id, 1, { createdAt: ago(100) });
    const issue = fakeIssue(co, 1, { title: 'Deploy', status: 'todo', assigneeAgentId: agent.id, createdAt: ago(3), updatedAt: ago(1) });
    // An agent's comment holding a key: not deletable by the board, so only the flag writes.
    const leak = { id: fakeId(), companyId: co.id, issueId: issue.id, body: `use this: ${fakeToken('github-pat', 7)} for the deploy`, authorType: 'agent', authorUserId: null, authorAgentId: agent.id, deletedAt: null, createdAt: ago(1), updatedAt: ago(1) };
    const w: FakeWorld = { company: co, agents: [agent], issues: [issue], comments: { [issue.id]: [leak] }, activity: [] };
    const pc = await serveFakePaperclip(w);
    servers.push(pc);
    const proxy = await new FaultProxy(pc.url).start();
    proxies.push(proxy);
    let raced = false;
    proxy.decide = (r) => {
      if (r.method !== 'POST' || !r.path.endsWith(`/issues/${issue.id}/comments`) || raced) return { kind: 'pass' };
      raced = true;
      // The other process's identical flag lands first (same text: the flag is a pure function of the findings).
      const body = JSON.parse(r.body).body as string;
      return { kind: 'race', before: async () => void w.comments[issue.id].push({ ...leak, id: fakeId(), body, authorType: 'user', authorUserId: 'local-board', authorAgentId: null, createdAt: new Date().toISOString() }) };
    };
    const flagOn = { 'security/secret-in-comment': { actions: { flag: { enabled: true } } } } as Config['rules']['overrides'];
    await runScan(config(proxy.url, join(tempDir(), 'state'), flagOn), { only: ['security'] });
    const flags = w.comments[issue.id].filter((c) => !c.deletedAt && String(c.body).includes('<!-- clipguard-flag'));
    expect(flags).toHaveLength(1);
  });

  it('the other process posting the same flag just after: this one stays (the other deletes its own)', async () => {
    const co = fakeCompany();
    const agent = fakeAgent(co.id, 1, { createdAt: ago(100) });
    const issue = fakeIssue(co, 1, { title: 'Deploy', status: 'todo', assigneeAgentId: agent.id, createdAt: ago(3), updatedAt: ago(1) });
    const leak = { id: fakeId(), companyId: co.id, issueId: issue.id, body: `use this: ${fakeToken('github-pat', 13)} for the deploy`, authorType: 'agent', authorUserId: null, authorAgentId: agent.id, deletedAt: null, createdAt: ago(1), updatedAt: ago(1) };
    const w: FakeWorld = { company: co, agents: [agent], issues: [issue], comments: { [issue.id]: [leak] }, activity: [] };
    const pc = await serveFakePaperclip(w);
    servers.push(pc);
    const proxy = await new FaultProxy(pc.url).start();
    proxies.push(proxy);
    let raced = false;
    proxy.decide = (r) => {
      if (r.method !== 'POST' || !r.path.endsWith(`/issues/${issue.id}/comments`) || raced) return { kind: 'pass' };
      raced = true;
      const body = JSON.parse(r.body).body as string;
      // Stored at the same moment, but a minute later by the server's clock than this process's.
      return { kind: 'race', before: async () => void w.comments[issue.id].push({ ...leak, id: fakeId(), body, authorType: 'user', authorUserId: 'local-board', authorAgentId: null, createdAt: new Date(Date.now() + 60_000).toISOString() }) };
    };
    const flagOn = { 'security/secret-in-comment': { actions: { flag: { enabled: true } } } } as Config['rules']['overrides'];
    const r = await runScan(config(proxy.url, join(tempDir(), 'state'), flagOn), { only: ['security'] });
    expect(r.report.findings.flatMap((f) => f.actions.filter((a) => a.type === 'flag').map((a) => a.status))).toContain('applied');
    const mine = w.comments[issue.id].filter((c) => !c.deletedAt && String(c.body).includes('<!-- clipguard-flag'));
    expect(mine).toHaveLength(2); // this one and the later one, which is the other process's to delete
    expect(pc.writes.filter((x) => x.startsWith('DELETE'))).toEqual([]);
  });
});
