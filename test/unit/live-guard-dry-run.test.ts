// The live guard installed plain (dry-run) writes nothing to Paperclip, its activity log included (found by an
// adversarial review: a redaction the planner knew it could not make was logged as failed on every event). The SDK's
// in-memory host (as test/unit/live-guard.test.ts).
import { createTestHarness } from '@paperclipai/plugin-sdk/testing';
import { describe, expect, it } from 'vitest';
import { manifest } from '../../src/plugin/manifest.js';
import { setupGuard } from '../../src/plugin/worker.js';
import { tempDir } from '../helpers/cli.js';
import { fakeToken } from '../helpers/fake-secrets.js';

const CO = 'c0000000-0000-4000-8000-0000000000c1';
process.env.PAPERCLIP_PLUGIN_ID = 'p0000000-0000-4000-8000-0000000000f1';

describe('the live guard installed plain', () => {
  // Was (src/plugin/worker.ts guardOne: `filter((x) => x.status === 'applied' || x.status === 'failed')`
  // -> logActivity; the same in company-events.ts and jobs.ts complianceScan): the planner marks a redaction it knows
  // cannot be done `failed` already in the dry-run (an agent's comment; any comment without paperclipUrl). In
  // dry-run mode the worker then writes a Paperclip activity entry ("redact failed ...") for it, on every event on
  // that issue: a write to Paperclip with apply off. README: "The live guard installed plain acts on nothing";
  // "nothing writes to Paperclip without --apply". Suggested fix: log activity only when result.mode === 'apply'
  // (the dry-run's decisions are in plugin state already).
  it('writes no activity entry, however many events come for an issue whose comment it could not redact', async () => {
    const h = createTestHarness({ manifest: manifest as never, config: { stateDir: tempDir() } });
    const now = new Date();
    const issue = { id: 'i0000000-0000-4000-8000-000000000011', companyId: CO, identifier: 'LIV-1', title: 'Deploy', description: 'clean', status: 'todo', priority: 'medium', createdAt: now, updatedAt: now };
    // An agent's comment holding a key: the board cannot delete it, so the plan says `failed` (no write needed to know).
    const comment = { id: 'k0000000-0000-4000-8000-000000000011', companyId: CO, issueId: issue.id, body: `the key: ${fakeToken('github-pat', 65)}`, authorType: 'agent', authorUserId: null, authorAgentId: 'a0000000-0000-4000-8000-000000000011', createdAt: now, updatedAt: now };
    h.seed({ companies: [{ id: CO, name: 'Live', issuePrefix: 'LIV' } as never], issues: [issue as never], issueComments: [comment as never] });
    setupGuard(h.ctx);
    for (let i = 0; i < 3; i++) await h.emit('issue.comment.created', {}, { companyId: CO, entityType: 'issue', entityId: issue.id });
    const kept = h.getState({ scopeKind: 'company', scopeId: CO, stateKey: 'findings' }) as Record<string, any>;
    expect(kept[issue.id]).toMatchObject({ mode: 'dry-run' }); // it ran, in dry-run
    expect(h.activity).toEqual([]);
  });
});
