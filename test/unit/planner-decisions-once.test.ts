// The live guard's company checks and compliance job (src/plugin/company-guard.ts checkThenAct, the worker logging
// each run's outcomes through company-events.ts and jobs.ts): a redaction the planner knows cannot be made (an
// agent's comment: only its author may delete it) gets one activity entry and one audit line per finding and reason,
// not one per event or job run. Was: the dry-run's look, returned as the acting result when nothing was planned,
// had its `failed` redaction logged on every run, and never reached the audit log (the executor did not run).
// The issue guard's twin: test/unit/live-guard.test.ts › a redaction the planner knows cannot be made….
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkThenAct, type CompanyResult } from '../../src/plugin/company-guard.js';
import { loggedOutcome } from '../../src/plugin/company-events.js';
import { tempDir } from '../helpers/cli.js';
import { fakeToken } from '../helpers/fake-secrets.js';
import { faultWorld, hoursAgo } from '../helpers/fault-world.js';
import { fakeAgent, fakeCompany, fakeId, fakeIssue, type FakeWorld } from '../helpers/paperclip-fake.js';

const { serve } = faultWorld();
const RULE = 'security/secret-in-comment';
/** What the worker logs of a run (company-events.ts, jobs.ts). */
const logged = (r: CompanyResult) => r.findings.flatMap((f) => f.actions.filter((a) => loggedOutcome(true)(a) && !r.quiet?.has(a)).map((a) => `${a.type} ${a.status} ${a.target}`));

describe("the live guard's company runs: a planner-known failure", () => {
  it('is logged and audited once per finding and reason, whatever the number of runs; a second such comment is its own entry', async () => {
    const co = fakeCompany();
    const dev = fakeAgent(co.id, 1, { createdAt: hoursAgo(100) });
    const issue = fakeIssue(co, 1, { title: 'Deploy', status: 'in_progress', assigneeAgentId: dev.id, createdAt: hoursAgo(3), updatedAt: hoursAgo(1) });
    const agentComment = (k: number) => ({ id: fakeId(), companyId: co.id, issueId: issue.id, body: `the key: ${fakeToken('github-pat', 80 + k)}`, authorType: 'agent', authorUserId: null, authorAgentId: dev.id, deletedAt: null, createdAt: hoursAgo(1), updatedAt: hoursAgo(1) });
    const w: FakeWorld = { company: co, agents: [dev], issues: [issue], comments: { [issue.id]: [agentComment(1)] }, activity: [] };
    const { proxy } = await serve(w);
    const stateDir = join(tempDir(), 'state');
    const run = () => checkThenAct(co.id, [RULE], { apply: true, paperclipUrl: proxy.url, stateDir }, (fn) => fn());
    const failedLines = () => readFileSync(join(stateDir, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.outcome === 'failed');

    const first = await run();
    expect(first.mode).toBe('apply');
    expect(logged(first)).toEqual([`redact failed comment:${w.comments[issue.id][0].id}`]);
    expect(failedLines()).toHaveLength(1);
    for (let i = 0; i < 3; i++) {
      const again = await run();
      expect(again.findings.flatMap((f) => f.actions.map((a) => a.status))).toEqual(['failed']);
      expect(logged(again)).toEqual([]);
    }
    expect(failedLines()).toHaveLength(1);
    expect(w.comments[issue.id].filter((c) => !c.deletedAt)).toHaveLength(1); // nothing was tried

    w.comments[issue.id].push(agentComment(2));
    const second = await run();
    expect(logged(second)).toEqual([`redact failed comment:${w.comments[issue.id][1].id}`]);
    expect(logged(await run())).toEqual([]);
    expect(failedLines()).toHaveLength(2);
  });
});
