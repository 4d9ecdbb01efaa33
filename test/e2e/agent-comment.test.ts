// A key written by an AGENT during a real heartbeat run, on a REAL Paperclip. The agent is a `process` agent
// whose command posts a comment with the run's PAPERCLIP_API_KEY (the run JWT the server injects): the comment
// holds a (fake) GitHub token from the agent's environment and the run key itself. Paperclip lets only a
// comment's author delete it, and clipguard acts as the board: it cannot remove that comment. So `--apply`
// posts no redacted copy beside the live original (a second place for the same words, and a comment that
// wakes the assignee for nothing), reports the redaction as failed with the reason, and the flag asks for the
// rotation. A copy an earlier version left beside such an original is deleted (clipguard wrote it). A comment
// by a user the server refuses to let clipguard delete gets its copy removed again. The run key outlives its
// run: rotation is the remedy for it too.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeActions } from '../../src/actions/executor.js';
import { PaperclipClient } from '../../src/sources/paperclip/client.js';
import type { Finding } from '../../src/types.js';
import { cli, tempDir } from '../helpers/cli.js';
import { fakeToken } from '../helpers/fake-secrets.js';
import { FaultProxy, startProxy } from '../helpers/fault-proxy.js';
import { e2eUrl, QUIET, Seed, unique, waitFor } from './seed.js';
import { writeTrustedConfig } from '../helpers/trust.js';

const seed = new Seed();
const RULE = 'security/secret-in-comment';
const REFUSED = /Paperclip lets only the comment's author delete it \(agent [0-9a-f-]{36}\); the key stays in comment [0-9a-f-]{36}: rotate it/;
const RUN_JWT = /eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/;

// The agent's command: Node's fetch against the server, with the run's injected URL and key, exactly as an
// agent tool would call it (X-Paperclip-Run-Id ties the comment to the run).
const AGENT_SCRIPT = `
const base = process.env.PAPERCLIP_API_URL.replace(/\\/+$/, '').replace(/\\/api$/, '') + '/api';
const key = process.env.PAPERCLIP_API_KEY;
const auth = { authorization: 'Bearer ' + key, 'x-paperclip-run-id': process.env.PAPERCLIP_RUN_ID };
const url = base + '/issues/' + process.env.E2E_ISSUE_ID + '/comments';
const body = 'Deployed staging. ' + process.env.E2E_NOTE + '\\nand my paperclip key, in case you need it: ' + key;
(async () => {
  // Once: a follow-up run the server schedules does not say it again.
  const mine = (await (await fetch(url, { headers: auth })).json()).some((c) => c.authorAgentId === process.env.PAPERCLIP_AGENT_ID);
  if (mine) return;
  const r = await fetch(url, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ body }) });
  console.log('comment: HTTP ' + r.status);
  if (!r.ok) { console.log(await r.text()); process.exit(1); }
})().catch((e) => { console.log(String(e)); process.exit(1); });
`;

/** A working directory whose config switches the flag on for secrets in comments (redact is on by default). */
function configDir(): string {
  const dir = tempDir();
  writeTrustedConfig(join(dir, 'clipguard.config.json'), JSON.stringify({ rules: { overrides: { [RULE]: { actions: { flag: { enabled: true } } } } } }));
  return dir;
}

const all = async (issueId: string): Promise<any[]> => seed.req('GET', `/issues/${issueId}/comments?order=asc`);
const live = async (issueId: string) => (await all(issueId)).filter((c) => !c.deletedAt);
const audit = (state: string) =>
  readFileSync(join(state, 'audit.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

describe('a key an agent wrote in a comment during a real run', () => {
  const pat = fakeToken('github-pat', 1616);
  let company: any;
  let issue: any;
  let agent: any;
  let run: any;
  let original: any;
  let runKey: string;
  const cwd = configDir();
  const state = tempDir();

  function scan(args: string[], stateDir = state) {
    const r = cli(['scan', '--paperclip', e2eUrl(), '--company', company.issuePrefix, '--only', RULE, '--format', 'json', ...args], { cwd, env: { CLIPGUARD_STATE_DIR: stateDir } });
    if (r.code === 2) throw new Error(`scan failed: ${r.stderr}`);
    for (const k of [pat, runKey]) {
      expect(r.stdout).not.toContain(k);
      expect(r.stderr).not.toContain(k);
    }
    return { ...r, report: JSON.parse(r.stdout) };
  }

  beforeAll(async () => {
    company = await seed.createCompany({ name: unique('AgentLeak') });
    agent = await seed.createAgent(company.id, { name: 'Leaky', runtimeConfig: QUIET });
    issue = await seed.createIssue(company.id, { title: 'Deploy staging tonight', status: 'todo', assigneeAgentId: agent.id });
    // Its command, then a wake: the assignment to it is what the run is about.
    await seed.req('PATCH', `/agents/${agent.id}`, {
      adapterConfig: { command: 'node', args: ['-e', AGENT_SCRIPT], env: { E2E_ISSUE_ID: issue.id, E2E_NOTE: `GH_TOKEN=${pat}` }, timeoutSec: 60 },
      runtimeConfig: { heartbeat: { enabled: false, wakeOnDemand: true } },
    });
    await seed.req('POST', `/agents/${agent.id}/wakeup`, { source: 'on_demand', triggerDetail: 'manual', reason: 'e2e: deploy and report', payload: { issueId: issue.id } });
    original = await waitFor(async () => (await live(issue.id)).find((c) => c.authorAgentId === agent.id), { what: 'Leaky to comment', timeoutMs: 90_000, intervalMs: 500 });
    // Nobody wakes it from now on (the flag comment is not its business here), and its runs settle.
    await seed.req('PATCH', `/agents/${agent.id}`, { runtimeConfig: QUIET });
    const runsOf = async (): Promise<any[]> => seed.req('GET', `/companies/${company.id}/heartbeat-runs?agentId=${agent.id}&limit=100`);
    await waitFor(async () => !(await runsOf()).some((r) => ['queued', 'running', 'scheduled_retry'].includes(r.status)), { what: "Leaky's runs to settle", timeoutMs: 90_000, intervalMs: 500 });
    run = (await runsOf()).find((r) => r.id === original.createdByRunId);
    runKey = RUN_JWT.exec(original.body)![0];
  }, 180_000);

  afterAll(async () => {
    if (agent) await seed.call('PATCH', `/agents/${agent.id}`, { runtimeConfig: QUIET });
  });

  it('Paperclip: the comment is the agent’s, from its run; the board’s DELETE is refused; the run key still works after the run', async () => {
    expect(run.status).toBe('succeeded');
    expect(original).toMatchObject({ authorType: 'agent', authorAgentId: agent.id, authorUserId: null, createdByRunId: run.id });
    expect(original.body).toContain(pat);
    // server/src/routes/issues.ts, DELETE /issues/:id/comments/:commentId: only the author may delete.
    const del = await seed.call('DELETE', `/issues/${issue.id}/comments/${original.id}`);
    expect(del).toEqual({ status: 403, body: { error: 'Only the comment author can delete comments' } });
    // The run key is a JWT for 48 h (PAPERCLIP_AGENT_JWT_TTL_SECONDS), not a stored key: no row to revoke, and
    // the end of the run does not end it.
    const claims = JSON.parse(Buffer.from(runKey.split('.')[1], 'base64url').toString('utf8'));
    expect(claims).toMatchObject({ sub: agent.id, run_id: run.id, company_id: company.id });
    expect(claims.exp - claims.iat).toBe(48 * 3600);
    const me = await fetch(`${seed.api}/agents/me`, { headers: { authorization: `Bearer ${runKey}` } });
    expect(me.status).toBe(200);
    expect((await me.json()).id).toBe(agent.id);
    expect((await seed.req('GET', `/agents/${agent.id}/keys`)).filter((k: any) => !k.revokedAt)).toEqual([]);
  });

  it('--apply: no redacted copy, the redaction fails with the reason, the flag asks for the rotation, all audited; a second --apply does nothing new', async () => {
    const before = await all(issue.id);
    const { report, code } = scan(['--apply']);
    expect(code).toBe(1);
    const findings = report.findings.filter((f: any) => f.subject.id === original.id);
    // One finding per secret: the GitHub token and the run key.
    expect(findings.map((f: any) => f.message.split(' in a comment')[0]).sort()).toEqual(expect.arrayContaining([expect.stringMatching(/GitHub/i), expect.stringMatching(/Paperclip/i)]));
    const redacts = findings.flatMap((f: any) => f.actions.filter((a: any) => a.type === 'redact'));
    expect(redacts.length).toBe(findings.length);
    for (const a of redacts) {
      expect(a.status).toBe('failed');
      expect(a.detail).toMatch(REFUSED);
      expect(a.detail).toContain(original.id);
      // The run key's own note: it cannot be revoked, and it outlives its run.
      expect(a.detail).toContain('A Paperclip run key cannot be revoked and outlives its run: it works until it expires (48 h after its run started, by default)');
    }
    expect(findings.flatMap((f: any) => f.actions.filter((a: any) => a.type === 'flag').map((a: any) => a.status)).sort()).toEqual(['applied', ...Array(findings.length - 1).fill('skipped')].sort());

    // On the server: the original untouched, no copy, one flag comment naming the comment and asking to rotate.
    const after = await all(issue.id);
    // What clipguard wrote (as the board): the server's own comments (its recovery sweep comments on an issue a
    // run left without a disposition, at a time of its choosing) are not clipguard's and are not counted.
    const byBoard = (cs: any[]) => cs.filter((c) => c.authorType !== 'system' && !c.authorAgentId);
    const added = byBoard(after).filter((c) => !before.some((b) => b.id === c.id));
    expect(added).toHaveLength(1);
    expect(added[0].body).toMatch(/^clipguard found 2 secrets/);
    expect(added[0].body).toContain(`in comment ${original.id}`);
    expect(added[0].body).toContain('rotate');
    expect(after.some((c) => String(c.body).startsWith('clipguard replaced a comment'))).toBe(false);
    const still = after.find((c) => c.id === original.id);
    expect(still.deletedAt).toBeFalsy();
    expect(still.body).toBe(original.body);
    for (const k of [pat, runKey]) expect(added[0].body).not.toContain(k);

    // The audit log: the refusals and the flag, never a key.
    const log = audit(state);
    expect(log.filter((e) => e.action === 'redact').map((e) => e.outcome)).toEqual(redacts.map(() => 'failed'));
    for (const e of log.filter((x) => x.action === 'redact')) expect(e.detail).toMatch(REFUSED);
    expect(log.filter((e) => e.action === 'flag' && e.outcome === 'applied')).toHaveLength(1);
    const text = readFileSync(join(state, 'audit.jsonl'), 'utf8');
    for (const k of [pat, runKey]) expect(text).not.toContain(k);

    // Again: no write at all. The redaction is still impossible (said again), the flag is already done.
    const again = scan(['--apply']);
    const acts = again.report.findings.filter((f: any) => f.subject.id === original.id).flatMap((f: any) => f.actions);
    expect(acts.filter((a: any) => a.type === 'redact').every((a: any) => a.status === 'failed' && REFUSED.test(a.detail))).toBe(true);
    expect(acts.map((a: any) => a.status)).not.toContain('applied');
    expect(byBoard(await all(issue.id))).toEqual(byBoard(after));
  });

  it('with the flag off (the default), --apply writes nothing and the report still says to rotate the key', async () => {
    const before = await all(issue.id);
    const r = cli(['scan', '--paperclip', e2eUrl(), '--company', company.issuePrefix, '--only', RULE, '--format', 'json', '--apply'], { cwd: tempDir(), env: { CLIPGUARD_STATE_DIR: tempDir() } });
    expect(r.code).toBe(1);
    for (const k of [pat, runKey]) expect(r.stdout + r.stderr).not.toContain(k);
    const acts = JSON.parse(r.stdout).findings.filter((f: any) => f.subject.id === original.id).flatMap((f: any) => f.actions);
    expect(acts.map((a: any) => `${a.type}:${a.status}`)).toEqual(['redact:failed', 'redact:failed']);
    for (const a of acts) expect(a.detail).toMatch(REFUSED);
    expect(await all(issue.id)).toEqual(before);
  });

  it('the dry-run shows the same failed redaction, with the same reason, as --apply; neither writes to the server', async () => {
    const before = await all(issue.id);
    const dry = scan([]);
    const applied = scan(['--apply'], tempDir());
    const acts = (r: { report: any }) => r.report.findings.filter((f: any) => f.subject.id === original.id).flatMap((f: any) => f.actions.filter((a: any) => a.type === 'redact')).map((a: any) => `${a.status} ${a.detail}`).sort();
    expect(acts(dry).length).toBeGreaterThan(0);
    for (const a of acts(dry)) expect(a).toMatch(new RegExp(`^failed ${REFUSED.source}`));
    expect(acts(applied)).toEqual(acts(dry));
    const now = await all(issue.id);
    expect(now.filter((c) => String(c.body).startsWith('clipguard replaced a comment'))).toEqual(before.filter((c) => String(c.body).startsWith('clipguard replaced a comment')));
    expect(now.find((c) => c.id === original.id).deletedAt).toBeFalsy();
  });
});

describe('a comment whose delete the server refuses after the copy was stored', () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await startProxy(e2eUrl());
  });
  afterAll(async () => {
    await proxy?.stop();
  });

  it('the copy is deleted again and the original stays; the action fails with the server’s reason', async () => {
    const company = await seed.createCompany({ name: unique('OtherUser') });
    const issue = await seed.createIssue(company.id, { title: 'Written by another board member' });
    const pat = fakeToken('github-pat', 1617);
    const original = await seed.addComment(issue.id, `the deploy token is ${pat}`);
    // Another board user's comment: this local_trusted server has one user, so the proxy gives the refusal
    // Paperclip gives a non-author.
    proxy.reset(({ method, path }) => (method === 'DELETE' && path.endsWith(`/comments/${original.id}`) ? { kind: 'status', status: 403, body: '{"error":"Only the comment author can delete comments"}' } : { kind: 'pass' }));
    const f: Finding = {
      ruleId: RULE,
      severity: 'critical',
      title: 'Secret in an issue comment',
      message: 'x',
      subject: { type: 'comment', id: original.id, label: `comment ${original.id}` },
      location: null,
      fingerprint: original.id.replace(/-/g, '').slice(0, 32),
      tags: ['security'],
      actions: [{ type: 'redact', status: 'planned', target: `comment:${original.id}`, detail: '', params: { issueId: issue.id, commentId: original.id, companyId: company.id } }],
    };
    const client = new PaperclipClient({ baseUrl: proxy.url, timeoutMs: 10_000 });
    const stateDir = tempDir();
    const again = structuredClone(f);
    try {
      await executeActions([f], { mode: 'apply', client, stateDir, activityLog: false, now: new Date() });
    } finally {
      await client.close();
    }
    expect(f.actions[0].status).toBe('failed');
    expect(f.actions[0].detail).toMatch(/^Paperclip refused to delete the original \(HTTP 403 Only the comment author can delete comments\); the key stays in comment [0-9a-f-]{36}: rotate it\. The redacted copy [0-9a-f-]{36} was deleted again\.$/);
    const writes = proxy.log.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path.includes(original.id) ? 'original' : r.method === 'POST' ? 'issue' : 'copy'} ${r.status}`);
    expect(writes).toEqual(['POST issue 201', 'DELETE original 403', 'DELETE copy 200']);
    const now = await all(issue.id);
    expect(now.filter((c) => !c.deletedAt).map((c) => c.id)).toEqual([original.id]);

    // The next run remembers the refusal (the ledger): no copy posted again (it would wake the assignee), no write.
    proxy.reset();
    const client2 = new PaperclipClient({ baseUrl: proxy.url, timeoutMs: 10_000 });
    try {
      await executeActions([again], { mode: 'apply', client: client2, stateDir, activityLog: false, now: new Date() });
    } finally {
      await client2.close();
    }
    expect(again.actions[0].status).toBe('failed');
    expect(again.actions[0].detail).toMatch(/^Paperclip refused to delete it at \S+ \(HTTP 403 Only the comment author can delete comments\); the key stays in comment [0-9a-f-]{36}: rotate it\.$/);
    expect(proxy.log.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(await all(issue.id)).toEqual(now);
  });
});
