// ExecutorOptions.concurrency (the live guard's burst of comments): independent actions (one comment's
// redaction each) run side by side, at most `concurrency` at once; any other action (an issue's PATCH) waits for
// those in flight and runs alone; every action's intent is in the audit log before its write and its outcome
// after; the default (1, what `scan --apply` uses) runs one at a time. The Paperclip here is an in-memory issue
// whose every call takes a few milliseconds, so that calls of different actions can overlap.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { executeActions } from '../../src/actions/executor.js';
import type { ActingClient } from '../../src/sources/paperclip/client.js';
import type { Finding } from '../../src/types.js';
import { tempDir } from '../helpers/cli.js';
import { fakeToken } from '../helpers/fake-secrets.js';

const ISSUE = 'i0000000-0000-4000-8000-000000000001';

function world(n: number) {
  let seq = 0;
  const comments = Array.from({ length: n }, (_, k) => ({ id: `c${k}`, issueId: ISSUE, body: `note ${k}: ${fakeToken('github-pat', 300 + k)} kept`, authorType: 'user', authorUserId: 'local-board', authorAgentId: null, createdAt: new Date(1_700_000_000_000 + k).toISOString(), deletedAt: null as string | null }));
  const issue = { id: ISSUE, identifier: 'CON-1', title: 'Deploy', description: `use ${fakeToken('gitlab-pat', 399)}` };
  // Which action each call belongs to, while it is in flight.
  let inFlight = 0;
  let most = 0;
  const log: string[] = [];
  const slow = async <T>(what: string, fn: () => T): Promise<T> => {
    inFlight++;
    most = Math.max(most, inFlight);
    log.push(`+${what}`);
    await new Promise((r) => setTimeout(r, 3));
    inFlight--;
    log.push(`-${what}`);
    return fn();
  };
  const client = {
    listComments: () => slow('list', () => comments.map((c) => ({ ...c }))),
    addComment: (_i: string, body: string) => slow('post', () => {
      const c = { id: `copy${++seq}`, issueId: ISSUE, body, authorType: 'user', authorUserId: 'local-board', authorAgentId: null, createdAt: new Date(1_800_000_000_000 + seq).toISOString(), deletedAt: null };
      comments.push(c);
      return { status: 201, body: c };
    }),
    deleteComment: (_i: string, id: string) => slow(`delete ${id}`, () => {
      const c = comments.find((x) => x.id === id);
      if (c) c.deletedAt = new Date().toISOString();
      return { status: c ? 200 : 404, body: {} };
    }),
    getIssue: () => slow('issue', () => ({ ...issue })),
    patchIssue: (_i: string, patch: Record<string, unknown>) => slow('patch', () => (Object.assign(issue, patch), { status: 200, body: issue })),
    postActivity: async () => ({ status: 201, body: null }),
  } as unknown as ActingClient;
  const redact = (k: number | null): Finding => ({
    ruleId: k === null ? 'security/secret-in-issue' : 'security/secret-in-comment',
    severity: 'critical',
    title: 't',
    message: 'm',
    subject: { type: k === null ? 'issue' : 'comment', id: k === null ? ISSUE : `c${k}`, label: 'x' },
    location: null,
    fingerprint: `fp${k}`,
    tags: [],
    actions: [{ type: 'redact', status: 'planned', target: k === null ? 'issue:CON-1' : `comment:c${k}`, detail: '', params: k === null ? { issueId: ISSUE } : { issueId: ISSUE, commentId: `c${k}` } }],
  });
  return { client, comments, issue, redact, most: () => most, log };
}

describe('the executor with concurrency', () => {
  it('redacts comments side by side, at most `concurrency` at once; the issue PATCH between them runs alone; intent before outcome for each', async () => {
    const w = world(9);
    const state = tempDir();
    const findings = [0, 1, 2, 3, 4].map((k) => w.redact(k)).concat([w.redact(null)], [5, 6, 7, 8].map((k) => w.redact(k)));
    await executeActions(findings, { mode: 'apply', client: w.client, stateDir: state, activityLog: false, now: new Date(), concurrency: 3 });
    expect(findings.map((f) => f.actions[0].status)).toEqual(Array(10).fill('applied'));
    expect(w.most()).toBeGreaterThan(1);
    expect(w.most()).toBeLessThanOrEqual(3);
    // Every original gone, one redacted copy each, the issue redacted.
    expect(w.comments.filter((c) => !c.deletedAt).map((c) => c.body.replace(/^[^\n]*\n\n/, ''))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8].map((k) => `note ${k}: [REDACTED:github-pat] kept`));
    expect(w.issue.description).toBe('use [REDACTED:gitlab-pat]');
    // The PATCH's calls overlap with nothing.
    const i = w.log.indexOf('+issue');
    const j = w.log.indexOf('-patch');
    expect(w.log.slice(i, j + 1).filter((x) => !/issue|patch/.test(x))).toEqual([]);
    const audit = readFileSync(join(state, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    for (const f of findings) {
      const mine = audit.filter((e) => e.target === f.actions[0].target).map((e) => e.outcome);
      expect(mine).toEqual(['started', 'applied']);
    }
  });

  it('by default (scan --apply) one action at a time', async () => {
    const w = world(4);
    await executeActions([0, 1, 2, 3].map((k) => w.redact(k)), { mode: 'apply', client: w.client, stateDir: tempDir(), activityLog: false, now: new Date() });
    expect(w.most()).toBe(1);
  });

  it('a ledger that stops taking writes while two redactions are in flight: both outcomes close their intents; the next action is not begun', async () => {
    const w = world(3);
    const state = tempDir();
    const ledgerFile = join(state, 'ledger.json');
    // A real fault, not a mock: once c0's original is deleted, ledger.json becomes a directory, so every atomic
    // rewrite of the ledger fails (the rename onto it). c1's delete answers later: it is still in flight when
    // the loop, about to begin c2, finds the ledger unsaved and stops.
    const del = w.client.deleteComment.bind(w.client);
    w.client.deleteComment = async (i: string, id: string) => {
      if (id === 'c1') await new Promise((r) => setTimeout(r, 60));
      const r = await del(i, id);
      if (id === 'c0') {
        rmSync(ledgerFile, { force: true });
        mkdirSync(ledgerFile);
      }
      return r;
    };
    const findings = [0, 1, 2].map((k) => w.redact(k));
    const result = await executeActions(findings, { mode: 'apply', client: w.client, stateDir: state, activityLog: false, now: new Date(), concurrency: 2 });
    expect(findings.map((f) => f.actions[0].status)).toEqual(['applied', 'applied', 'skipped']);
    expect(result.problem).toMatchObject({ kind: 'state-dir-unwritable', path: ledgerFile });
    const audit = readFileSync(join(state, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const outcomes = (k: number) => audit.filter((e) => e.target === `comment:c${k}`).map((e) => e.outcome);
    // c1's redaction was made: its intent is closed by its outcome, not left reading "maybe done".
    expect([outcomes(0), outcomes(1), outcomes(2)]).toEqual([['started', 'applied'], ['started', 'applied'], []]);
    expect(w.comments.filter((c) => !c.deletedAt).map((c) => c.id).sort()).toEqual(['c2', 'copy1', 'copy2']);
  });
});
