// Review 4, FIXED (read.ts says which lists were read whole; pendingFindings plans an absent issue or agent as gone). Was (pending.ts pendingFindings). What is
// wrong: the dry-run decides a half-done re-checkout from the scan's subjects, and when the issue (deleted since
// the release) or the agent (deleted) is not among them it has no reason to skip: it plans "complete the
// re-checkout of <issue> to <agent>". --apply on the same world re-reads, gets 404 and skips it ("the issue is gone
// (HTTP 404): nothing to hand back"), dropping the entry. The scan read the company's whole issue and agent lists:
// absent there is as good as the 404.
//
// Why it matters: the dry-run is the promise of what --apply does on an unchanged world; here it shows a write that
// --apply does not make (and, in the live guard, it is what sends the company to an acting run).
// Suggested fix: when the company's lists were read (source ok) and the issue or the agent is not in them, plan it
// skipped ("the issue is gone: nothing to hand back"), as the executor's 404 path says.
import { describe, expect, it } from 'vitest';
import { runScan } from '../../src/scan.js';
import type { Finding } from '../../src/types.js';
import { actingConfig, faultWorld, halfDoneState, hoursAgo as ago } from '../helpers/fault-world.js';
import { fakeAgent, fakeCompany, fakeIssue, type FakeWorld } from '../helpers/paperclip-fake.js';

const { serve } = faultWorld();
const pending = (fs: Finding[]) => fs.flatMap((f) => f.actions.filter((a) => a.type === 'release-checkout' && /earlier/.test(f.title)).map((a) => a.status));

describe('review4: a half-done re-checkout whose issue or agent was deleted since', () => {
  for (const gone of ['issue', 'agent'] as const) {
    it(`${gone} deleted: the dry-run shows what --apply does (failed: planned, then skipped as gone)`, async () => {
      const co = fakeCompany();
      const agent = fakeAgent(co.id, 1, { status: 'error', errorReason: 'adapter_failed', createdAt: ago(100), updatedAt: ago(1) });
      const issue = fakeIssue(co, 1, { title: 'Ship it', status: 'todo', assigneeAgentId: null, createdAt: ago(10), updatedAt: ago(0.5) });
      const w: FakeWorld = { company: co, agents: gone === 'agent' ? [] : [agent], issues: gone === 'issue' ? [] : [issue], comments: {}, activity: [] };
      const { state } = halfDoneState(agent, issue, co.id);
      const { pc } = await serve(w);
      const dry = pending((await runScan(actingConfig(pc.url, { stateDir: state, apply: false }), { only: ['ops'] })).report.findings);
      const applied = pending((await runScan(actingConfig(pc.url, { stateDir: state }), { only: ['ops'] })).report.findings);
      // Fails here: dry ['planned'], applied ['skipped'].
      expect(dry).toEqual(applied);
    });
  }
});
