// Review (stop 20), fixed (wt-trust: the executor reports repeated planner decisions, the guard logs them once): the live guard with apply on logs the same known failure to Paperclip's activity log on every
// event of the issue. The planner marks `failed` a redaction it knows cannot be made (an agent's comment, the most
// common leak: only its author may delete it); the CLI executor records such a planner decision once (a ledger
// key, "so the audit log does not grow by the same line every 15 minutes for months"), but the plugin's
// loggedOutcome (src/plugin/company-events.ts) logs every `failed` action of every run: each comment, status
// change or edit on that issue adds one more "clipguard live guard: redact failed ..." activity entry, for as long
// as the comment stays (for ever: the board cannot delete it).
//
// Why it matters: the board's activity log, the record the README points to, fills with the same line, burying
// real actions; a busy issue with one leaked agent comment writes one entry per event for months.
// Suggested fix: log a planner-decided `failed`/`skipped` outcome once, as the executor does (skip the activity
// entry when the executor's planner-fail ledger entry already held the same detail; e.g. have executeActions mark
// the actions it recorded this run and log only those).
import { createTestHarness } from '@paperclipai/plugin-sdk/testing';
import { describe, expect, it } from 'vitest';
import { manifest } from '../../src/plugin/manifest.js';
import { setupGuard } from '../../src/plugin/worker.js';
import { tempDir } from '../helpers/cli.js';
import { fakeToken } from '../helpers/fake-secrets.js';

const CO = 'c0000000-0000-4000-8000-0000000000c2';
process.env.PAPERCLIP_PLUGIN_ID = 'p0000000-0000-4000-8000-0000000000f2';

describe('the live guard acting (apply)', () => {
  it('logs a redaction it cannot make once, not once per event on the issue', async () => {
    const h = createTestHarness({ manifest: manifest as never, config: { stateDir: tempDir(), apply: true } });
    const now = new Date();
    const issue = { id: 'i0000000-0000-4000-8000-000000000021', companyId: CO, identifier: 'LIV-2', title: 'Deploy', description: 'clean', status: 'todo', priority: 'medium', createdAt: now, updatedAt: now };
    const comment = { id: 'k0000000-0000-4000-8000-000000000021', companyId: CO, issueId: issue.id, body: `the key: ${fakeToken('github-pat', 66)}`, authorType: 'agent', authorUserId: null, authorAgentId: 'a0000000-0000-4000-8000-000000000021', createdAt: now, updatedAt: now };
    h.seed({ companies: [{ id: CO, name: 'Live', issuePrefix: 'LIV' } as never], issues: [issue as never], issueComments: [comment as never] });
    setupGuard(h.ctx);
    for (let i = 0; i < 4; i++) await h.emit('issue.updated', {}, { companyId: CO, entityType: 'issue', entityId: issue.id });
    const kept = h.getState({ scopeKind: 'company', scopeId: CO, stateKey: 'findings' }) as Record<string, any>;
    expect(kept[issue.id]).toMatchObject({ mode: 'apply' });
    const failedRedactions = (h.activity as { message: string }[]).filter((e) => /redact failed/.test(e.message));
    // Fails here: 4 entries, one per event.
    expect(failedRedactions.map((e) => e.message)).toHaveLength(1);
  });
});
