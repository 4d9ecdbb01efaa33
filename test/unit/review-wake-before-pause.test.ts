// Review (stop 20), fixed (pauses are in actingOrder's FIRST): actingOrder (simulate.ts) puts session resets before the actions that wake an agent, but not
// pauses. A redacted copy (redact is on by default for security/secret-in-comment), a flag, the blocked-issue
// comment and a checkout all wake the issue's assignee on Paperclip, and they come first in report order (critical
// before error). So an agent over its stop threshold that Paperclip did not pause, whose issue holds a board user's
// comment with a key: the dry-run plans the redaction and the pause; --apply posts the redacted copy, Paperclip wakes
// the agent (issue_commented), and the pause finds it running and is skipped ("agent is running now"). clipguard
// itself started a paid run of an agent over budget, and the pause the dry-run promised is not made. The same for a
// self-wake runaway's pause (ops/agent-self-wake-runaway) with any comment clipguard posts on its issue.
//
// Why it matters: the dry-run promise (planned = applied on an unchanged world) and the budget stop (a run of an
// agent at or over its stop, started by clipguard's own comment).
// On the real server (paperclipai 2026.916.1, one run of an e2e twin, not committed) the copy did wake the assignee
// (an issue_commented run), but the pause came ~0.1 s later, before that run had started, and the pause route
// cancelled the queued run: paused, no spend. So it is a race the executor's order loses whenever the woken run
// starts first (a busy server, more writes between the copy and the pause: several comments, a flag); the fake
// here plays that case, as test/unit/reset-before-wake.test.ts plays the checkout's.
// Suggested fix: pauses are calming actions too: FIRST = new Set(['reset-session', 'pause']) in simulate.ts (the
// simulation then skips work handed to the paused agent, as release-checkout/checkout simulate already say). The
// fake below plays the wake on the comment, as test/unit/reset-before-wake.test.ts plays it on a checkout.
import { describe, expect, it } from 'vitest';
import { runScan } from '../../src/scan.js';
import { actingConfig, faultWorld, hoursAgo as ago } from '../helpers/fault-world.js';
import { fakeAgent, fakeCompany, fakeId, fakeIssue, type FakeWorld } from '../helpers/paperclip-fake.js';
import { fakeToken } from '../helpers/fake-secrets.js';

const { serve } = faultWorld();

describe('an agent over its stop threshold whose issue holds a key in a board comment (review)', () => {
  it('the budget pause the dry-run plans is made, not skipped because the redacted copy woke the agent first', async () => {
    const co = fakeCompany();
    const agent = fakeAgent(co.id, 1, { name: 'Spender', status: 'idle', budgetMonthlyCents: 1_000, spentMonthlyCents: 1_500, createdAt: ago(100), updatedAt: ago(0.5) });
    const issue = fakeIssue(co, 1, { title: 'Wire the deploy', status: 'todo', assigneeAgentId: agent.id, createdAt: ago(3), updatedAt: ago(1) });
    const comment = { id: fakeId(), companyId: co.id, issueId: issue.id, body: `use this: ${fakeToken('github-pat', 91)}`, authorType: 'user', authorUserId: 'local-board', authorAgentId: null, deletedAt: null, createdAt: ago(1), updatedAt: ago(1) };
    const w: FakeWorld = { company: co, agents: [agent], issues: [issue], comments: { [issue.id]: [comment] }, activity: [] };
    const { proxy } = await serve(w);
    let commented = false;
    proxy.decide = (r) => {
      if (r.method === 'POST' && r.path === `/api/issues/${issue.id}/comments`) commented = true;
      // Paperclip wakes the assignee on a comment: at its next read the agent is running.
      if (commented && r.method === 'GET' && r.path.startsWith(`/api/agents/${agent.id}`)) return { kind: 'race', before: async () => void (agent.status = 'running') };
      return { kind: 'pass' };
    };
    const shown = (r: Awaited<ReturnType<typeof runScan>>) => r.report.findings.flatMap((f) => f.actions.map((a) => `${a.type} ${a.status}: ${a.detail}`)).sort();
    const dry = await runScan(actingConfig(proxy.url, { apply: false }), { only: ['security', 'budget'] });
    const planned = shown(dry).filter((x) => / planned: /.test(x)).map((x) => x.split(' ')[0]);
    expect(planned).toEqual(['pause', 'redact']);
    const applied = shown(await runScan(actingConfig(proxy.url), { only: ['security', 'budget'] }));
    expect(applied.find((x) => x.startsWith('redact'))).toMatch(/^redact applied: /);
    // Fails here: "pause skipped: pause Spender (idle): agent is running now: not disturbing its heartbeat".
    expect(applied.find((x) => x.startsWith('pause'))).toMatch(/^pause applied: /);
  });
});
