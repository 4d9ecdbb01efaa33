// The live guard's worker (src/plugin/worker.ts) in the SDK's in-memory host (its test harness): what it decides
// on an event: dry-run unless the company's config says apply, its own writes not guarded again, a comment not
// redacted (and no copy posted) without the REST URL, the check-text tool and the plugin state never holding a
// key. The real server's behaviour (latency, deletes, restart) is test/e2e/plugin.test.ts.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestHarness } from '@paperclipai/plugin-sdk/testing';
import { describe, expect, it } from 'vitest';
import { manifest } from '../../src/plugin/manifest.js';
import { setupGuard, type GuardStats } from '../../src/plugin/worker.js';
import { tempDir } from '../helpers/cli.js';
import { cliAsync } from '../helpers/cli-async.js';
import { fakeToken } from '../helpers/fake-secrets.js';

const CO = 'c0000000-0000-4000-8000-0000000000c0';
const OWN = 'p0000000-0000-4000-8000-0000000000f0';
process.env.PAPERCLIP_PLUGIN_ID = OWN;

function world(config: Record<string, unknown>, description: string, comments: string[] = []) {
  const h = createTestHarness({ manifest: manifest as never, config });
  const now = new Date();
  const issue = { id: 'i0000000-0000-4000-8000-000000000001', companyId: CO, identifier: 'LIV-1', title: 'Deploy', description, status: 'todo', priority: 'medium', createdAt: now, updatedAt: now };
  const rows = comments.map((body, k) => ({ id: `k000000${k}-0000-4000-8000-000000000001`, companyId: CO, issueId: issue.id, body, authorType: 'user', authorUserId: 'local-board', authorAgentId: null, createdAt: now, updatedAt: now }));
  h.seed({ companies: [{ id: CO, name: 'Live', issuePrefix: 'LIV' } as never], issues: [issue as never], issueComments: rows as never });
  setupGuard(h.ctx);
  const emit = (type: 'issue.created' | 'issue.updated' | 'issue.comment.created', base: Record<string, unknown> = {}) => h.emit(type, {}, { companyId: CO, entityType: 'issue', entityId: issue.id, ...base });
  return { h, issue, emit, stats: () => h.getData<GuardStats>('stats'), findings: () => h.getState({ scopeKind: 'company', scopeId: CO, stateKey: 'findings' }) as Record<string, any> };
}

describe('the live guard worker', () => {
  it('installed plain (no apply in the config): it keeps what it would do, changes nothing, writes no audit log, keeps no key', async () => {
    const state = tempDir();
    const key = fakeToken('github-pat', 61);
    const w = world({ stateDir: state }, `deploy with ${key} today`);
    await w.emit('issue.created');
    expect((await w.h.ctx.issues.get(w.issue.id, CO))!.description).toBe(`deploy with ${key} today`);
    const kept = w.findings()[w.issue.id];
    expect(kept).toMatchObject({ identifier: 'LIV-1', mode: 'dry-run' });
    expect(kept.findings.map((f: any) => [f.rule, f.kind, f.line, f.actions.map((a: any) => a.status)])).toEqual([['security/secret-in-issue', 'github-pat', 1, ['planned']]]);
    expect(existsSync(join(state, 'audit.jsonl'))).toBe(false);
    expect(JSON.stringify([w.findings(), await w.stats(), w.h.logs, w.h.activity])).not.toContain(key);
  });

  it('with apply: the description is redacted, the rest kept, the audit log written; its own PATCH coming back is not guarded again', async () => {
    const state = tempDir();
    const key = fakeToken('gitlab-pat', 62);
    const w = world({ apply: true, stateDir: state }, `Steps:\n1. export TOKEN=${key}\n2. deploy`);
    await w.emit('issue.created', { actorType: 'user', actorId: 'local-board' });
    expect((await w.h.ctx.issues.get(w.issue.id, CO))!.description).toBe('Steps:\n1. export TOKEN=[REDACTED:gitlab-pat]\n2. deploy');
    expect(await w.stats()).toMatchObject({ events: 1, guarded: 1, acted: 1, ownSkipped: 0, errors: 0 });
    expect(w.findings()?.[w.issue.id]).toBeUndefined();
    const audit = readFileSync(join(state, 'audit.jsonl'), 'utf8');
    expect(audit).toContain('"outcome":"started"');
    expect(audit).not.toContain(key);

    // An event the guard's own write caused (the host marks it actorType plugin, actorId this plugin): skipped,
    // even with a key in the text (it could only be there if the guard had put it, which it never does).
    const again = fakeToken('gitlab-pat', 63);
    await w.h.ctx.issues.update(w.issue.id, { description: `new ${again}` }, CO);
    await w.emit('issue.updated', { actorType: 'plugin', actorId: OWN });
    expect(await w.stats()).toMatchObject({ events: 2, guarded: 1, ownSkipped: 1 });
    expect((await w.h.ctx.issues.get(w.issue.id, CO))!.description).toBe(`new ${again}`);
    // Another plugin's write is guarded like anyone's.
    await w.emit('issue.updated', { actorType: 'plugin', actorId: 'another-plugin' });
    expect((await w.h.ctx.issues.get(w.issue.id, CO))!.description).toBe('new [REDACTED:gitlab-pat]');
  });

  it('a comment, with apply but no paperclipUrl: the redaction fails saying why (a plugin cannot delete a comment), and no copy is posted beside it', async () => {
    const key = fakeToken('openai-project-key', 64);
    const w = world({ apply: true, stateDir: tempDir() }, 'clean', [`the key: ${key}`]);
    await w.emit('issue.comment.created');
    const comments = await w.h.ctx.issues.listComments(w.issue.id, CO);
    expect(comments.map((c) => c.body)).toEqual([`the key: ${key}`]);
    const f = w.findings()[w.issue.id].findings;
    expect(f).toEqual([expect.objectContaining({ rule: 'security/secret-in-comment', kind: 'openai-project-key', actions: [expect.objectContaining({ type: 'redact', status: 'failed', detail: expect.stringContaining('a plugin cannot delete a comment') })] })]);
    expect(f[0].actions[0].detail).toContain('rotate it');
    expect(JSON.stringify(w.findings())).not.toContain(key);
  });

  it('a redaction the planner knows cannot be made is logged to the activity log and the audit log once per finding and reason, not on every event of the issue', async () => {
    // Was: the worker logged every `failed` action of each run, so each event on the issue (a comment, an edit) wrote
    // the same "redact failed" entry again; the executor recorded it in the audit log once already (the ledger).
    const key = fakeToken('openai-project-key', 65);
    const state = tempDir();
    const w = world({ apply: true, stateDir: state }, 'clean', [`the key: ${key}`]);
    const failures = () => w.h.activity.filter((a: any) => a.metadata?.outcome === 'failed');
    await w.emit('issue.comment.created');
    expect(failures()).toHaveLength(1);
    for (const type of ['issue.updated', 'issue.comment.created', 'issue.updated'] as const) await w.emit(type);
    expect((await w.stats()).guarded).toBe(4);
    expect(failures()).toHaveLength(1);
    const audit = readFileSync(join(state, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(audit.filter((e) => e.outcome === 'failed')).toHaveLength(1);
    // A second key in another comment is another finding: its own entry, once; the first one's is not repeated.
    const second = fakeToken('openai-project-key', 66);
    await w.h.ctx.issues.createComment(w.issue.id, `and: ${second}`, CO);
    await w.emit('issue.comment.created');
    await w.emit('issue.updated');
    expect(failures()).toHaveLength(2);
    expect(new Set(failures().map((a: any) => a.metadata.target)).size).toBe(2);
    expect(JSON.stringify(w.h.activity)).not.toContain(key);
  });

  it('after a start, the issues changed since it last knew itself alive go through the guard once (events while its worker was down reach no one); older ones, and everything on a first install, are left to scan', async () => {
    const h = createTestHarness({ manifest: manifest as never, config: { apply: true, stateDir: tempDir() } });
    const ago = (min: number) => new Date(Date.now() - min * 60_000);
    const recent = fakeToken('github-pat', 71);
    const old = fakeToken('github-pat', 72);
    const mk = (n: number, description: string, at: Date) => ({ id: `i000000${n}-0000-4000-8000-000000000001`, companyId: CO, identifier: `LIV-${n}`, title: 'Deploy', description, status: 'todo', priority: 'medium', createdAt: at, updatedAt: at });
    h.seed({ companies: [{ id: CO, name: 'Live', issuePrefix: 'LIV' } as never], issues: [mk(1, `down: ${recent}`, ago(2)), mk(2, `long ago: ${old}`, ago(120))] as never });
    await h.ctx.state.set({ scopeKind: 'instance', stateKey: 'stats' }, { aliveAt: ago(10).toISOString(), starts: 1 });
    setupGuard(h.ctx);
    // The sweep writes its counters back when it is done.
    const kept = () => h.getState({ scopeKind: 'instance', stateKey: 'stats' }) as GuardStats;
    for (let i = 0; i < 100 && kept().starts < 2; i++) await new Promise((r) => setTimeout(r, 50));
    expect(kept()).toMatchObject({ starts: 2, caughtUp: 1, guarded: 1, acted: 1 });
    expect((await h.ctx.issues.get(mk(1, '', ago(0)).id, CO))!.description).toBe('down: [REDACTED:github-pat]');
    expect((await h.ctx.issues.get(mk(2, '', ago(0)).id, CO))!.description).toBe(`long ago: ${old}`);

    // A first install (no aliveAt kept): nothing swept.
    const fresh = createTestHarness({ manifest: manifest as never, config: { apply: true, stateDir: tempDir() } });
    fresh.seed({ companies: [{ id: CO, name: 'Live', issuePrefix: 'LIV' } as never], issues: [mk(1, `down: ${recent}`, ago(2))] as never });
    setupGuard(fresh.ctx);
    const keptFresh = () => (fresh.getState({ scopeKind: 'instance', stateKey: 'stats' }) ?? { starts: 0 }) as GuardStats;
    for (let i = 0; i < 100 && keptFresh().starts < 1; i++) await new Promise((r) => setTimeout(r, 50));
    expect(keptFresh()).toMatchObject({ starts: 1, caughtUp: 0, guarded: 0 });
    expect((await fresh.ctx.issues.get(mk(1, '', ago(0)).id, CO))!.description).toBe(`down: ${recent}`);
  });

  it('check-text answers kinds and places, never the value nor a piece of it', async () => {
    const w = world({}, 'clean');
    const key = fakeToken('anthropic-api-key', 65);
    const r = (await w.h.executeTool('check-text', { text: `hello\nmy key is ${key}.` })) as { content: string; data: any };
    expect(r.data.secrets).toEqual([{ kind: 'anthropic-api-key', description: expect.any(String), line: 2, column: 11, length: key.length }]);
    expect(JSON.stringify(r)).not.toContain(key.slice(-12));
    expect(await w.h.executeTool('check-text', { text: 'nothing here' })).toEqual({ content: 'No secret found in this text.', data: { secrets: [] } });
    expect(await w.h.executeTool('check-text', {})).toEqual({ error: 'give the text to check as {"text": "..."}' });
  });
});

describe('clipguard plugin install against a server that refuses it', () => {
  it('a cloud-managed server refusing local paths: exit 2, saying so and pointing at watch; status says it is not installed', async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      const [status, body] = req.url === '/api/plugins' && req.method === 'GET' ? [200, []] : req.url === '/api/plugins/install' ? [403, { error: 'cloud-managed instances may only install plugins from the bundled plugin catalog' }] : [404, { error: 'API route not found' }];
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const r = await cliAsync(['plugin', 'install', '--paperclip', url, '--apply']);
      expect(r.code, r.stdout).toBe(2);
      expect(r.stderr).toContain('the server refuses to install the plugin from a local path (HTTP 403 cloud-managed instances may only install plugins from the bundled plugin catalog)');
      expect(r.stderr).toContain(`PAPERCLIP_API_URL=${url} clipguard watch --live`);
      // Nothing configured after the refusal.
      expect(seen.filter((x) => x.includes('/config'))).toEqual([]);
      const st = await cliAsync(['plugin', 'status', '--paperclip', url]);
      expect(st.code).toBe(1);
      expect(st.stdout).toContain(`the live guard is not installed on ${url}`);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
