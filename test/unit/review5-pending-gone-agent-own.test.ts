// Review 5, FIXED (pending.ts: the agent judged gone only where the issue says nothing, as the executor; executor.ts: an own re-checkout the plan showed skipped is not recorded as made). What is wrong (pending.ts pendingFindings, 92ac371 "an issue or agent absent from a list the scan read
// whole ... is planned as gone"): the plan's "the agent is gone" verdict is taken BEFORE the issue's, while the
// executor (executor.ts resumePending) decides by the issue first and asks the agent only when the issue says
// nothing. For a completion whose answer an earlier run lost (the entry marked `attemptedAt`, the issue in progress
// with the agent: issueVerdict `own`), an agent missing from the agents list makes the dry-run show the completion
// `skipped: ... the agent is gone: nothing to hand back`; --apply re-reads the issue, finds it `own` and, without
// asking whether the plan showed it planned (the `own` branch ignores shownPlanned), records it `applied` in the
// audit log, sets the rule's key applied and POSTs a clipguard.release-checkout `applied` entry to the company's
// activity log. Its own report still says `skipped` (report() does nothing for a skipped action).
//
// Scenario (real Paperclip): run 1's re-checkout is made by the server, its answer lost (the entry keeps its
// mark); the board then terminates the agent (services/agents.js terminate leaves its issues assigned; `list`
// excludes terminated agents: ne(agents.status, 'terminated'), so the list read whole does not hold it). Before
// 92ac371 the same world was planned `planned: record the re-checkout ...`, as --apply does.
//
// Why it matters: the dry-run promise (every write --apply makes is shown as planned, nothing else is done): --apply
// makes an activity-log write the dry-run showed as skipped, and the audit log (applied) contradicts the report
// (skipped) of the same run.
// Suggested fix: in pendingFindings decide "the agent is gone" only where the executor would ask the agent (no issue
// verdict: `!byIssue`), i.e. `gone` for the agent after byIssue; and in resumePending treat the `own` (and `done`)
// outcomes of a completion the plan showed skipped like the others (no `applied`, no activity entry for it).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScan } from '../../src/scan.js';
import type { Finding } from '../../src/types.js';
import { actingConfig, faultWorld, halfDoneWorld, markAttempted } from '../helpers/fault-world.js';

const { serve } = faultWorld();
const pending = (fs: Finding[]) => fs.flatMap((f) => f.actions.filter((a) => a.type === 'release-checkout' && /earlier/.test(f.title)).map((a) => a.status));

describe('review5: a lost re-checkout answer, then the agent terminated (no longer listed)', () => {
  it('the dry-run shows what --apply does: no applied completion nor activity entry for one shown skipped (fails: dry skipped, --apply audits applied and posts to the activity log)', async () => {
    // The server made run 1's re-checkout; its answer was lost: the entry is marked, the issue in progress with the agent.
    const { co, agent, w, state, key } = halfDoneWorld({ agent: { status: 'terminated', errorReason: null }, issue: { status: 'in_progress', assigneeAgentId: undefined } });
    w.issues[0].assigneeAgentId = agent.id;
    markAttempted(state, key);
    const { pc, proxy } = await serve(w);
    // As the real server lists agents: terminated ones are left out (services/agents.js list).
    proxy.decide = (r) => (r.method === 'GET' && r.path === `/api/companies/${co.id}/agents` ? { kind: 'status', status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(w.agents.filter((a) => a.status !== 'terminated')) } : { kind: 'pass' });
    const dry = pending((await runScan(actingConfig(proxy.url, { stateDir: state, apply: false }), { only: ['ops'] })).report.findings);
    const writesBefore = pc.writes.length;
    const applied = pending((await runScan(actingConfig(proxy.url, { stateDir: state }), { only: ['ops'] })).report.findings);
    const writes = pc.writes.slice(writesBefore);
    const audit = readFileSync(join(state, 'audit.jsonl'), 'utf8').trim().split('\n').map((x) => JSON.parse(x) as { action: string; outcome: string; detail?: string });
    const outcomes = audit.filter((e) => e.action === 'release-checkout' && e.outcome !== 'started').map((e) => e.outcome);
    // Either fix passes: shown planned ('record the re-checkout ...') and applied, or shown skipped and nothing done.
    // Fails here: dry ['skipped'], the report ['skipped'], the audit log ['applied'], an activity POST.
    expect({ applied, outcomes, activity: writes }).toEqual({
      applied: dry.map((s) => (s === 'planned' ? 'applied' : s)),
      outcomes: applied,
      activity: dry[0] === 'planned' ? [`POST /api/companies/${co.id}/activity`] : [],
    });
  });
});
