// Redaction on a REAL Paperclip never loses words: the redacted copy of a comment keeps every character of the
// original except the secrets, it is stored before the original is deleted, and when the copy cannot be
// stored the original stays and the finding says so. The executor runs through the fault proxy so the order
// of the writes is observed and the copy can be made to fail.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { executeActions } from '../../src/actions/executor.js';
import { detectSecrets } from '../../src/detectors/secrets/index.js';
import { PaperclipClient } from '../../src/sources/paperclip/client.js';
import type { Finding } from '../../src/types.js';
import { tempDir } from '../helpers/cli.js';
import { cliAsync } from '../helpers/cli-async.js';
import { FAKE_KINDS, fakeSample, textOutside } from '../helpers/fake-secrets.js';
import { FaultProxy, startProxy } from '../helpers/fault-proxy.js';
import { e2eUrl, Seed, unique } from './seed.js';

const seed = new Seed();
let proxy: FaultProxy;
let company: any;
let issue: any;

beforeAll(async () => {
  proxy = await startProxy(e2eUrl());
  company = await seed.createCompany({ name: unique('Redact') });
  issue = await seed.createIssue(company.id, { title: 'Where keys get pasted' });
});
afterAll(async () => {
  await proxy?.stop();
});

const MARKER = /\[REDACTED:[a-z0-9._-]+\]/g;

// Prose around the secrets: any Unicode a database stores (no NUL, no lone surrogates), plus token-like runs.
const prose = fc
  .oneof(
    fc.string({ unit: 'grapheme', maxLength: 80 }),
    fc.string({ unit: fc.constantFrom(...'abcdefghijkpstuvwxyzAKST0123456789_-.:=/@ "\'\n\t|<>&中文😀'.split('')), maxLength: 80 }),
  )
  .filter((s) => !s.includes('\u0000') && !s.includes('clipguard-ignore') && !s.includes('[REDACTED:'));
const secret = fc.record({ kind: fc.constantFrom(...FAKE_KINDS), seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }), style: fc.nat(10) }).map((r) => fakeSample(r.kind, r.seed, r.style));
const comment = fc.tuple(fc.array(fc.tuple(prose, secret), { minLength: 1, maxLength: 3 }), prose).map(([parts, tail]) => ({
  body: parts.map(([t, s]) => `${t}\n${s.text}\n`).join('') + tail,
  secrets: parts.map(([, s]) => s.secret),
}));

function redactFinding(commentId: string): Finding {
  return {
    ruleId: 'security/secret-in-comment',
    severity: 'critical',
    title: 'Secret in an issue comment',
    message: 'x',
    subject: { type: 'comment', id: commentId, label: `comment ${commentId}` },
    location: null,
    fingerprint: commentId.replace(/-/g, '').slice(0, 32),
    tags: ['security'],
    actions: [{ type: 'redact', status: 'planned', target: `comment:${commentId}`, detail: '', params: { issueId: issue.id, commentId, companyId: company.id } }],
  };
}

async function comments(): Promise<any[]> {
  return seed.req('GET', `/issues/${issue.id}/comments?order=asc`);
}

describe('redacting a comment on a real Paperclip', () => {
  it('the stored copy keeps every character of the original except the secrets, and is stored before the original is deleted', async () => {
    const client = new PaperclipClient({ baseUrl: proxy.url, timeoutMs: 10_000 });
    const stateDir = tempDir();
    try {
      await fc.assert(
        fc.asyncProperty(comment, async (c) => {
          const original = await seed.addComment(issue.id, c.body);
          const stored: string = original.body; // what the server kept is what must survive
          proxy.reset();
          const f = redactFinding(original.id);
          await executeActions([f], { mode: 'apply', client, stateDir, activityLog: false, now: new Date() });
          expect(f.actions[0].status, f.actions[0].detail).toBe('applied');

          // Write order on the wire: the copy (201), then the delete.
          const writes = proxy.log.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path.replace(original.id, ':id')} ${r.status}`);
          expect(writes).toEqual([`POST /api/issues/${issue.id}/comments 201`, `DELETE /api/issues/${issue.id}/comments/:id 200`]);

          const all = await comments();
          expect(all.find((x) => x.id === original.id).deletedAt).toBeTruthy();
          const copyId = /posted redacted copy (\S+)/.exec(f.actions[0].detail)![1];
          const copy = all.find((x) => x.id === copyId);
          const redacted = copy.body.slice(copy.body.indexOf('The comment, redacted:\n\n') + 'The comment, redacted:\n\n'.length);
          for (const s of c.secrets) expect(copy.body).not.toContain(s);
          // Every character outside the detected secrets, in order, and one marker per secret.
          const ms = detectSecrets(stored);
          expect(redacted.replace(MARKER, '')).toBe(textOutside(stored, ms));
          expect(redacted.match(MARKER)?.length).toBe(ms.length);
        }),
        { numRuns: 20 },
      );
    } finally {
      await client.close();
    }
  });

  it('when the copy cannot be stored the original stays, and the finding says so (scan --apply, proxy failing the POST)', async () => {
    const s = fakeSample('github-pat', 4242);
    const original = await seed.addComment(issue.id, `deploying now, token is ${s.text} — please rotate later`);
    const cwd = tempDir();
    writeFileSync(join(cwd, 'clipguard.config.json'), JSON.stringify({ repos: [], paperclip: { retries: 1, timeoutMs: 5000 } }));
    proxy.reset(({ method, path }) => (method === 'POST' && path === `/api/issues/${issue.id}/comments` ? { kind: 'status', status: 500, body: '{"error":"Internal server error"}' } : { kind: 'pass' }));
    const r = await cliAsync(['scan', '--paperclip', proxy.url, '--company', company.issuePrefix, '--only', 'security/secret-in-comment', '--apply', '--format', 'json'], { cwd, env: { CLIPGUARD_STATE_DIR: join(cwd, 'state') } });
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout);
    const f = report.findings.find((x: any) => x.subject.id === original.id);
    expect(f.actions[0].status).toBe('failed');
    expect(f.actions[0].detail).toMatch(/the redacted copy could not be stored \(HTTP 500\); the original comment was left in place/);
    expect(proxy.seen((e) => e.method === 'DELETE')).toEqual([]);
    const still = (await comments()).find((x) => x.id === original.id);
    expect(still.deletedAt).toBeFalsy();
    expect(still.body).toContain(s.secret);
    // The audit log records the failure, masked.
    const audit = readFileSync(join(cwd, 'state', 'audit.jsonl'), 'utf8');
    expect(audit).toContain('original comment was left in place');
    expect(audit).not.toContain(s.secret);

    // Healed: the next run redacts it.
    proxy.reset();
    const again = await cliAsync(['scan', '--paperclip', proxy.url, '--company', company.issuePrefix, '--only', 'security/secret-in-comment', '--apply', '--format', 'json'], { cwd, env: { CLIPGUARD_STATE_DIR: join(cwd, 'state') } });
    const g = JSON.parse(again.stdout).findings.find((x: any) => x.subject.id === original.id);
    expect(g.actions[0].status).toBe('applied');
    expect((await comments()).find((x) => x.id === original.id).deletedAt).toBeTruthy();
  });
});
