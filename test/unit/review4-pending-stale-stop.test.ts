// Review 4, FIXED (the completion is judged by the plan's stop threshold, this scan's, in both). Was (pending.ts / executor.ts, the completion's budget stop; older than
// 7751743, in the code it re-applies). What is wrong: the dry-run decides the completion's budget stop on the scan's
// budget fact (`overStop`: the agent's spend against its budget NOW), the executor on the threshold saved in the
// ledger entry when the earlier run released the issue (`overStopLive(agent, p)`, `p.stopCents`). When the board has
// raised the agent's budget since (a usual answer to an agent that ran out), the dry-run plans "complete the
// re-checkout", and `--apply` on the same world skips it ("at or over the stop threshold (1000 cents) now", a
// threshold that no longer exists) and DELETES the entry: the issue stays released, without its agent, for good.
//
// Why it matters: the dry-run is the promise of what --apply does on an unchanged world; and the half-done
// release + re-checkout is dropped on a stale figure, leaving the issue unowned.
// Suggested fix: judge the completion as the plan does (the live agent's budget and spend against
// budget.stopPercent: stopCents recomputed from the re-read agent's budgetMonthlyCents), or plan it with the entry's
// stopCents too; either way the same rule in both places.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScan } from '../../src/scan.js';
import type { Finding } from '../../src/types.js';
import { actingConfig, faultWorld, halfDoneState, hoursAgo as ago } from '../helpers/fault-world.js';
import { fakeAgent, fakeCompany, fakeIssue, type FakeWorld } from '../helpers/paperclip-fake.js';

const { serve } = faultWorld();

const pending = (fs: Finding[]) => fs.flatMap((f) => f.actions.filter((a) => a.type === 'release-checkout' && /earlier/.test(f.title)).map((a) => a.status));

describe('review4: a half-done re-checkout of an agent whose budget the board raised since', () => {
  it('--apply does what the dry-run showed (failed: planned, then skipped on the old threshold and the entry dropped)', async () => {
    const co = fakeCompany();
    // Released when its budget was 1000 cents and it had spent 1500; the board has raised the budget to 5000 since.
    const agent = fakeAgent(co.id, 1, { status: 'error', errorReason: 'adapter_failed', budgetMonthlyCents: 5000, spentMonthlyCents: 1500, createdAt: ago(100), updatedAt: ago(1) });
    const issue = fakeIssue(co, 1, { title: 'Ship it', status: 'todo', priority: 'high', assigneeAgentId: null, createdAt: ago(10), updatedAt: ago(0.5) });
    const w: FakeWorld = { company: co, agents: [agent], issues: [issue], comments: {}, activity: [] };
    const { state, key } = halfDoneState(agent, issue, co.id);
    const file = join(state, 'ledger.json');
    const ledger = JSON.parse(readFileSync(file, 'utf8'));
    ledger.entries[key].resume.params.stopCents = 1000; // the threshold the release was planned with
    writeFileSync(file, JSON.stringify(ledger));
    const { pc } = await serve(w);
    const dry = pending((await runScan(actingConfig(pc.url, { stateDir: state, apply: false }), { only: ['ops'] })).report.findings);
    expect(dry).toEqual(['planned']);
    const applied = pending((await runScan(actingConfig(pc.url, { stateDir: state }), { only: ['ops'] })).report.findings);
    const left = (JSON.parse(readFileSync(file, 'utf8')) as { entries: Record<string, { status: string }> }).entries[key]?.status ?? 'gone';
    // Fails here: { applied: ['skipped'], issue: 'todo', entry: 'gone' }.
    expect({ applied, issue: w.issues[0].status, entry: left }).toEqual({ applied: ['applied'], issue: 'in_progress', entry: 'applied' });
  });
});
