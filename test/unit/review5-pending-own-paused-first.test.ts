// Review 5, FIXED (pending.ts: the agent judged gone only where the issue says nothing, as the executor; executor.ts: an own re-checkout the plan showed skipped is not recorded as made). What is wrong (executor.ts resumePending, the `own` branch; made reachable for a shown-skipped
// completion by the plan's own simulation, simulate.ts + kinds/release-checkout.ts simulate): a completion whose
// answer an earlier run lost (entry marked `attemptedAt`, the issue in progress with the agent) is planned
// `record the re-checkout ...`, but when the same plan pauses that agent first (budget/agent-spend-exceeded: the
// agent in error is over its stop threshold), the simulation skips it: "this plan pauses the agent first: no work is
// handed to it". --apply pauses the agent, then resumePending re-reads the issue, finds it `own` and records it
// `applied` (audit log), sets the rule's key applied and POSTs a clipguard.release-checkout `applied` entry to the
// company's activity log, although the plan showed it skipped; the `own` branch is the one path of resumePending
// that does not look at `shownPlanned` (every other outcome of a shown-skipped completion is at most a skip).
// The run's own report says `skipped` while its audit log says `applied`.
//
// Scenario: run 1's re-checkout is made by the server, its answer lost; the woken agent fails again (error) and its
// spend is now at/over its budget; the next run (ops + budget rules, --apply).
//
// Why it matters: the dry-run promise: --apply makes a write (the activity entry) the dry-run shows as skipped; the
// audit log and the report of one run disagree on what was done. Not fixed by reordering pendingFindings' verdicts
// (review5-pending-gone-agent-own): the plan decides this one right, the executor ignores it.
// Suggested fix: in resumePending, for `own` with !shownPlanned, do as for the other outcomes of a shown-skipped
// completion: no `applied`, no activity entry (settle the entry as the plan said, or keep it for a run that shows
// it planned); or have the simulation not skip a `record` (it hands out no work).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScan } from '../../src/scan.js';
import type { Finding } from '../../src/types.js';
import { actingConfig, faultWorld, halfDoneWorld, markAttempted } from '../helpers/fault-world.js';

const { serve } = faultWorld();
const pending = (fs: Finding[]) => fs.flatMap((f) => f.actions.filter((a) => a.type === 'release-checkout' && /earlier/.test(f.title)).map((a) => `${a.status}: ${a.detail}`));

describe('review5: a lost re-checkout answer, then the agent over its stop and paused by the same plan', () => {
  it('the completion the plan shows skipped is not recorded applied nor posted to the activity log (fails: audit applied + activity POST)', async () => {
    const { co, agent, w, state, key } = halfDoneWorld({ agent: { budgetMonthlyCents: 1000, spentMonthlyCents: 1500 }, issue: { status: 'in_progress' } });
    w.issues[0].assigneeAgentId = agent.id;
    markAttempted(state, key);
    const { pc, proxy } = await serve(w);
    const dry = pending((await runScan(actingConfig(proxy.url, { stateDir: state, apply: false }), { only: ['ops', 'budget'] })).report.findings);
    const writesBefore = pc.writes.length;
    const applied = pending((await runScan(actingConfig(proxy.url, { stateDir: state }), { only: ['ops', 'budget'] })).report.findings).map((x) => x.split(':')[0]);
    const activity = pc.writes.slice(writesBefore).filter((x) => x === `POST /api/companies/${co.id}/activity`).length;
    const audit = readFileSync(join(state, 'audit.jsonl'), 'utf8').trim().split('\n').map((x) => JSON.parse(x) as { action: string; outcome: string; detail?: string });
    // The completion's lines (not the rule's own release + re-checkout, skipped over the stop by the planner).
    const outcomes = audit.filter((e) => e.action === 'release-checkout' && e.outcome !== 'started' && !/^not checked out again to/.test(e.detail ?? '')).map((e) => e.outcome);
    const shown = dry.map((x) => x.split(':')[0]);
    // Either fix passes: shown planned and applied (with the pause's activity entry: 2), or shown skipped and nothing recorded as done (1).
    // Fails here: dry 'skipped: ...: skipped: this plan pauses the agent first', the report 'skipped', the audit 'applied', 2 activity POSTs.
    expect({ applied, outcomes, activity }).toEqual({ applied: shown.map((s) => (s === 'planned' ? 'applied' : s)), outcomes: applied, activity: shown[0] === 'planned' ? 2 : 1 });
  });
});
