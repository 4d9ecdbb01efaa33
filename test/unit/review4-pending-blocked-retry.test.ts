// Review 4, FIXED (42b1ce9: issueVerdict keeps a completion whose issue waits for an open blocker for a later run). Was (7751743; the live guard makes it churn): the
// completion of a half-done release + re-checkout re-reads the issue but not its blockers, so an issue that got an
// unresolved blocker after it was released (whoever may edit the `todo` issue can add one) has its checkout
// POSTed on every run, refused every time (422), audited `started` + `failed`, and kept for the next run. In the live
// guard "the next run" is every company check: checkThenAct acts whenever the ledger holds a pending entry, and each
// agent/run/budget event (now also every failed run twice, and issue.checked_out) is one. Each brings one more
// refused checkout, two audit lines and a "release-checkout failed" activity entry. release-checkout.ts itself checks
// the blocker before it releases ("its re-checkout would be refused (422)"); the completion does not, nor does the
// dry-run (planned every time).
//
// Why it matters: a write known to be refused is made again and again (every write is re-read first: the blocker is
// in the re-read); the audit and the board's activity log fill with the same failure on every event; a hostile agent
// allowed to edit the released issue (or a person) causes it by adding a blocker to it.
// Suggested fix: in resumePending (and pendingFindings, so the plan says the same) skip with "waits for <blocker>:
// kept for a later run" when `unresolvedBlocker(issue)` (model.ts) is set, as release-checkout.ts does.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestHarness } from '@paperclipai/plugin-sdk/testing';
import { describe, expect, it } from 'vitest';
import { manifest } from '../../src/plugin/manifest.js';
import { setupGuard } from '../../src/plugin/worker.js';
import { halfDoneState, hoursAgo as ago } from '../helpers/fault-world.js';
import { fakeAgent, fakeCompany, fakeIssue, serveFakePaperclip } from '../helpers/paperclip-fake.js';

describe('review4: a half-done re-checkout whose issue got an unresolved blocker since its release, in the live guard', () => {
  it('is not POSTed again on every event (failed: one refused checkout, and one failure in the activity log, per event)', async () => {
    const company = fakeCompany();
    const agent = fakeAgent(company.id, 1, { status: 'error', errorReason: 'adapter_failed', createdAt: ago(100), updatedAt: ago(1) });
    const blocker = fakeIssue(company, 2, { title: 'Blocker', status: 'todo', assigneeAgentId: null, createdAt: ago(5), updatedAt: ago(0.2) });
    const issue = fakeIssue(company, 1, { title: 'Ship it', status: 'todo', assigneeAgentId: null, blockedBy: [{ id: blocker.id, identifier: blocker.identifier, status: 'todo' }], createdAt: ago(10), updatedAt: ago(0.5) });
    const pc = await serveFakePaperclip({ company, agents: [agent], issues: [issue, blocker], comments: {}, activity: [] });
    try {
      const { state } = halfDoneState(agent, issue, company.id);
      const h = createTestHarness({ manifest: manifest as never, config: { apply: true, paperclipUrl: pc.url, stateDir: state } });
      h.seed({ companies: [{ id: company.id, name: 'Prop', issuePrefix: 'PRP' } as never] });
      setupGuard(h.ctx);
      // Three status changes of agents of the company, one after the other (each its own check).
      for (let k = 0; k < 3; k++) await h.emit('agent.updated' as never, { changedTopLevelKeys: ['status'] }, { companyId: company.id, entityType: 'agent', entityId: agent.id });
      // The fake records accepted writes only (none here): the tries are counted from the audit log's intents.
      const audit = readFileSync(join(state, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { action: string; outcome: string; detail?: string });
      const tries = audit.filter((e) => e.action === 'release-checkout' && e.outcome === 'started').length;
      const failures = (h.activity as { message?: string }[]).filter((e) => /release-checkout failed/.test(e.message ?? '')).length;
      // Fails here: { tries: 3, failures: 3 }.
      expect({ tries, failures }).toEqual({ tries: 0, failures: 0 });
    } finally {
      await pc.close();
    }
  }, 60_000);
});
