// Review 4, FIXED (04a6887: routed by actor, not payload). Was (78e9859, events.ts routeEvent 'issue.checked_out'): the route reads the agent the issue
// went to from `payload.agentId`, but paperclipai 2026.916.1 builds a plugin event's payload as
// `{ ...details, agentId: <the ACTOR's agent id> ?? null, runId, responsibleUserId }` (server
// services/activity-log.js persistActivity): the checkout route's `details.agentId` (the agent the issue went to) is
// overwritten by the actor's agent id. For a checkout by the board or a person that is null, so the route answers
// "no agent in the checkout" and checks nothing: exactly the case the route is for (an issue handed by someone else
// to an agent already in error). For an agent's own checkout it is the agent itself (skipped, as meant). The unit
// test feeds the route a payload the server never sends ({ agentId: <target> } from a user).
//
// Why it matters: the README and the commit say an issue checked out to an agent in error by someone else is
// recovered on that event; on the real server it is not (only the 30-minute compliance job, or a later event,
// finds it). The commit's own e2e test for it (plugin-events.test.ts, 'checked out by the board') FAILS when run alone
// (`-t "checked out by the board"`, on 78e9859's code: nothing applied in 20 s, companyChecks 1, the agent.updated's);
// in the whole file, earlier tests' agents keep failing runs whose events check the same company: likely why it passed.
// Suggested fix: route every issue.checked_out that is not an agent's own (an agent can only check out as itself:
// the server answers 403 otherwise, so `actorType === 'agent'` is the self-checkout), without needing the target's
// id: the rule reads the whole company anyway. Test the route with a payload as the server builds it. (With
// `if (typeof to !== 'string') return none` taken out of routeEvent, this test passes: checked here.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverStateDir } from '../helpers/cli.js';
import { cliAsync } from '../helpers/cli-async.js';
import { api, guardData, until } from '../helpers/live-guard.mjs';
import { Seed, unique } from './seed.js';

const seed = new Seed();
const call = api(seed.url);
const plugin = (args: string[]) => cliAsync(['plugin', ...args, '--paperclip', seed.url]);
const stats = () => guardData(call, 'stats');
const state = serverStateDir('clipguard-review4-checkout-');

afterAll(async () => {
  await plugin(['uninstall', '--purge']);
});

describe('review4: an issue checked out by the board to an agent already in error (real Paperclip)', () => {
  let co: any;
  beforeAll(async () => {
    co = await seed.createCompany({ name: unique('R4Checkout') });
    const r = await plugin(['install', '--company', co.id, '--state-dir', state]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
  });

  it('what the server says about the checkout: the activity entry\'s agentId (what the plugin event\'s payload.agentId is built from) is null, its details hold the target', async () => {
    const agent = await seed.createAgent(co.id, { name: unique('Quiet') });
    const issue = await seed.createIssue(co.id, { title: 'Handed by the board' });
    await seed.req('POST', `/issues/${issue.id}/checkout`, { agentId: agent.id, expectedStatuses: ['backlog', 'todo'] });
    const rows = (await seed.req('GET', `/companies/${co.id}/activity?entityType=issue&entityId=${issue.id}`)) as any[];
    const entry = rows.find((e) => e.action === 'issue.checked_out');
    expect(entry).toMatchObject({ actorType: 'user', agentId: null, details: { agentId: agent.id } });
  });

  it('starts a check of the company (failed: payload.agentId is the actor\'s, null: routed to nothing)', async () => {
    const agent = await seed.createAgent(co.id, { name: unique('Stalled') });
    let s = await stats();
    const checks0 = s.companyChecks;
    await seed.req('PATCH', `/agents/${agent.id}`, { status: 'error' });
    // The status change is checked (agent.updated): the guard's company checks work here.
    expect(await until(async () => ((await stats()).companyChecks > checks0 ? true : null), { timeoutMs: 30_000 })).toBe(true);
    const issue = await seed.createIssue(co.id, { title: 'Stalled is handed this' });
    s = await stats();
    const events0 = s.events;
    await until(async () => ((await stats()).events > events0 ? true : null), { timeoutMs: 20_000 }); // issue.created seen
    s = await stats();
    const [checks1, events1] = [s.companyChecks, s.events];
    await seed.req('POST', `/issues/${issue.id}/checkout`, { agentId: agent.id, expectedStatuses: ['backlog', 'todo'] });
    await until(async () => ((await stats()).events > events1 ? true : null), { timeoutMs: 20_000 }); // issue.checked_out seen
    // A check comes SETTLE_MS (1.5 s) after its event; 8 s is ample.
    await new Promise((r) => setTimeout(r, 8_000));
    s = await stats();
    // Fails here: { events: > 0, checks: 0 }: the guard saw the checkout and checked nothing.
    expect({ sawTheCheckout: s.events > events1, checks: s.companyChecks - checks1 }).toEqual({ sawTheCheckout: true, checks: 1 });
  });
});
