// Review 6, FIXED (ledger.ts: every save merges this process's changed keys into the file as it is now; the scenario
// re-timed: a takeover during the re-reads before the release now stops the release, review6-release-after-lock-lost).
// What was wrong (src/actions/ledger.ts Ledger.save, commit daf620e): the merge protects the new holder's
// entries from a process that lost the lock, but not the other way round: the new holder writes its whole map, as it
// read the file at its executor's start. Everything the old holder merged into the file after that read (an action
// it was in the middle of at the takeover, which daf620e lets it record) is erased by the new holder's next save.
//
// Scenario: run 1 (lock later lost) is re-reading the issue of its release + re-checkout (intent written) when
// another process takes the lock over (run 2, here `scan --apply --only security`) and reads the ledger. Run 1 then
// saves its pre-release `partial` entry (merged), releases the issue, saves the attempt mark (merged); its re-checkout
// is answered 500 and not made, so it saves nothing more (the mark kept: release-checkout.ts). Run 2 then redacts a
// key and saves its ledger: its whole map, read before run 1's entry existed: the entry is gone. The issue stays
// released, not checked out again, with no record (the rule no longer fires: the agent holds no issue).
//
// Why it matters: "a released issue must never be left without a record", with a second process: what daf620e
// set out to close, still open from the new holder's side.
// Suggested fix: every save merges this process's changed keys into the file as it is now (not only after a
// takeover): the holder too, since a process that lost the lock may have merged its own outcomes meanwhile (a file
// read per save; `changed` cleared after each successful save). (Checked: that change makes this test and
// review6-merge-stale-delete pass, and review5-lost-lock-ledger-clobber, exec-ledger-key, pending-resume still pass.)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScan } from '../../src/scan.js';
import { actingConfig, faultWorld, hoursAgo as ago } from '../helpers/fault-world.js';
import { fakeAgent, fakeCompany, fakeIssue, type FakeWorld } from '../helpers/paperclip-fake.js';
import { fakeToken } from '../helpers/fake-secrets.js';
import { tempDir } from '../helpers/cli.js';

const { serve } = faultWorld();
const within = <T>(p: Promise<T>, ms: number, what: string) => Promise.race([p, new Promise<T>((_, rej) => setTimeout(() => rej(new Error(`timeout: ${what}`)), ms))]);

describe('review6: the new lock holder saving its whole map after the old holder merged', () => {
  it("run 1's re-checkout, recorded (merged) after the takeover, stays recorded (failed: run 2's whole-map save put the marked partial entry back)", async () => {
    const co = fakeCompany();
    const agent = fakeAgent(co.id, 1, { status: 'error', errorReason: 'adapter_failed', createdAt: ago(100), updatedAt: ago(1) });
    const issue = fakeIssue(co, 1, { title: 'Ship it', status: 'in_progress', priority: 'high', assigneeAgentId: agent.id, startedAt: ago(2), createdAt: ago(10), updatedAt: ago(0.5) });
    const secret = fakeIssue(co, 2, { title: 'Deploy', description: `export TOKEN=${fakeToken('github-pat', 91)}`, status: 'todo', assigneeAgentId: null, createdAt: ago(10), updatedAt: ago(0.5) });
    const w: FakeWorld = { company: co, agents: [agent], issues: [issue, secret], comments: {}, activity: [] };
    const state = join(tempDir(), 'state');
    const { pc, proxy } = await serve(w);
    const key = ['release-checkout', agent.id, issue.id, ''].join(':');
    let takenOver = false;
    let run2: Promise<unknown> | null = null;
    let atPatch!: () => void;
    const run2AtPatch = new Promise<void>((r) => (atPatch = r));
    let run1Done!: () => void;
    const run1Finished = new Promise<void>((r) => (run1Done = r));
    proxy.decide = (r) => {
      // Run 1's re-checkout POST (its release made, its partial entry marked): the lock is taken over by run 2, which
      // reads the ledger as it is then. (A takeover during the re-reads before the release now stops the release.)
      if (!takenOver && r.method === 'POST' && r.path === `/api/issues/${issue.id}/checkout`)
        return {
          kind: 'race',
          before: async () => {
            takenOver = true;
            run2 = runScan(actingConfig(proxy.url, { stateDir: state }), { only: ['security'], lock: { lostTo: () => null } });
            await within(run2AtPatch, 10_000, 'run 2 at its redaction');
          },
        };
      // Run 2's redaction waits until run 1 is done (its entry merged into the file).
      if (r.method === 'PATCH' && r.path === `/api/issues/${secret.id}`)
        return {
          kind: 'race',
          before: async () => {
            atPatch();
            await within(run1Finished, 10_000, 'run 1 done');
          },
        };
      return { kind: 'pass' };
    };
    const lock1 = { lostTo: () => (takenOver ? 'lost the state lock to pid 4242 (scan --apply)' : null) };
    await runScan(actingConfig(proxy.url, { stateDir: state }), { only: ['ops'], lock: lock1 });
    const read = () => JSON.parse(readFileSync(join(state, 'ledger.json'), 'utf8')) as { entries: Record<string, { status: string }> };
    expect(takenOver).toBe(true);
    // Run 1 made its re-checkout after the takeover and recorded it (merged into the file).
    expect(w.issues[0]).toMatchObject({ status: 'in_progress', assigneeAgentId: agent.id });
    expect(read().entries[key]?.status).toBe('applied');
    run1Done();
    await run2;
    expect(pc.writes.some((x) => x.includes(secret.id))).toBe(true);
    // Failed: run 2's save (its whole map, read before run 1 merged) put back the marked partial entry: the next run
    // records the re-checkout again and posts a second activity entry for it.
    expect(read().entries[key]?.status).toBe('applied');
  });
});
