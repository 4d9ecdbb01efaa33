// The live guard's agent, run and budget events in the SDK's in-memory host (its test harness): which events
// start a check of the company, that the plugin's own events and events of no interest start none, that a burst
// of them is one check, and what a company without a REST URL is told. The checks themselves (the read, the rules,
// release + re-checkout, pause) run against the real server in test/e2e/plugin-events.test.ts.
import { createTestHarness } from '@paperclipai/plugin-sdk/testing';
import { describe, expect, it } from 'vitest';
import { manifest } from '../../src/plugin/manifest.js';
import { setupGuard, type GuardStats } from '../../src/plugin/worker.js';
import { tempDir } from '../helpers/cli.js';
import { fakeAgent, fakeCompany, fakeIssue, serveFakePaperclip } from '../helpers/paperclip-fake.js';
import { LATE_SETTLE_MS, SETTLE_MS } from '../../src/plugin/company-events.js';

const CO = 'c0000000-0000-4000-8000-0000000000c1';
const OWN = 'p0000000-0000-4000-8000-0000000000f1';
process.env.PAPERCLIP_PLUGIN_ID = OWN;

function world(config: Record<string, unknown>) {
  const h = createTestHarness({ manifest: manifest as never, config });
  h.seed({ companies: [{ id: CO, name: 'Ops', issuePrefix: 'OPS' } as never] });
  setupGuard(h.ctx);
  const emit = (type: string, payload: Record<string, unknown>, base: Record<string, unknown> = {}) => h.emit(type as never, payload, { companyId: CO, entityType: 'agent', entityId: 'a1', ...base });
  return { h, emit, stats: () => h.getData<GuardStats>('stats'), ops: () => h.getState({ scopeKind: 'company', scopeId: CO, stateKey: 'ops' }) as any };
}

describe('the live guard on agent, run and budget events', () => {
  it('a status change, a failed run and a budget incident arriving together: one check of the company; without a REST URL it says why nothing was read', async () => {
    const w = world({ stateDir: tempDir() });
    await Promise.all([
      w.emit('agent.updated', { changedTopLevelKeys: ['status'] }),
      w.emit('agent.run.failed', { runId: 'r1', agentId: 'a1', status: 'failed' }, { entityType: 'heartbeat_run', entityId: 'r1' }),
      w.emit('budget.incident.opened', { agentId: 'a1' }, { entityType: 'budget_incident', entityId: 'b1' }),
    ]);
    const s = await w.stats();
    expect(s).toMatchObject({ events: 3, errors: 0, coalesced: 2 });
    expect(w.ops().unavailable).toMatch(/no paperclipUrl configured/);
    expect(w.ops().rules).toEqual({});
  });

  it('the plugin\'s own events, an update that is not a status change, a cancelled run: no check', async () => {
    const w = world({ stateDir: tempDir() });
    await w.emit('agent.updated', { changedTopLevelKeys: ['status'] }, { actorType: 'plugin', actorId: OWN });
    await w.emit('agent.updated', { changedTopLevelKeys: ['name', 'title'] });
    await w.emit('agent.status_changed', { status: 'idle' });
    expect(await w.stats()).toMatchObject({ events: 3, ownSkipped: 1 });
    expect(w.ops()).toBeFalsy();
  });

  it('a REST URL nobody answers at: the check says the server could not be read (kept for plugin status), and counts no crash', async () => {
    const w = world({ apply: true, paperclipUrl: 'http://127.0.0.1:9', stateDir: tempDir() });
    await w.emit('budget.incident.opened', { agentId: 'a1' }, { entityType: 'budget_incident', entityId: 'b1' });
    expect(w.ops().unavailable).toMatch(/127\.0\.0\.1:9/);
    expect((await w.stats()).errors).toBe(0);
  }, 60_000);
});

describe('a failed run whose agent the server sets to error only after the first check', () => {
  // paperclipai publishes agent.run.failed before it sets the agent's status (and publishes no event for that): on a
  // busy server the first check, SETTLE_MS after the event, still sees the agent running. A recorded server here,
  // whose agent turns to error only once that first check has read it.
  it('is released and checked out again by the second look, once', async () => {
    const company = fakeCompany();
    const agent = fakeAgent(company.id, 1, { status: 'running' });
    const issue = fakeIssue(company, 1, { status: 'in_progress', assigneeAgentId: agent.id });
    const pc = await serveFakePaperclip({ company, agents: [agent], issues: [issue], comments: {}, activity: [] });
    try {
      const h = createTestHarness({ manifest: manifest as never, config: { apply: true, paperclipUrl: pc.url, stateDir: tempDir() } });
      h.seed({ companies: [{ id: company.id, name: 'Prop', issuePrefix: 'PRP' } as never] });
      setupGuard(h.ctx);
      const stats = () => h.getData<GuardStats>('stats');
      const t0 = Date.now();
      const handled = h.emit('agent.run.failed' as never, { runId: 'r1', agentId: agent.id, status: 'failed', issueId: issue.id }, { companyId: company.id, entityType: 'heartbeat_run', entityId: 'r1' });
      while ((await stats()).companyChecks < 1) await new Promise((r) => setTimeout(r, 50));
      expect(pc.writes, 'the first check saw it running: nothing to do').toEqual([]);
      agent.status = 'error';
      await handled;
      expect(Date.now() - t0).toBeGreaterThanOrEqual(SETTLE_MS + LATE_SETTLE_MS);
      expect((await stats()).companyChecks).toBe(2);
      expect(pc.writes.filter((w) => /\/(release|checkout)$/.test(w))).toEqual([`POST /api/issues/${issue.id}/release`, `POST /api/issues/${issue.id}/checkout`]);
      expect([issue.assigneeAgentId, issue.status]).toEqual([agent.id, 'in_progress']);
    } finally {
      await pc.close();
    }
  }, 60_000);
});

describe('the live guard\'s event counters are saved in plugin state (what a restart reads back)', () => {
  const saved = (w: ReturnType<typeof world>) => w.h.getState({ scopeKind: 'instance', stateKey: 'stats' }) as GuardStats | undefined;

  it('an event the guard does not handle and the plugin\'s own event are counted in plugin state, not only in memory', async () => {
    const w = world({ stateDir: tempDir() });
    await w.emit('agent.updated', { changedTopLevelKeys: ['name'] });
    await w.emit('agent.updated', { changedTopLevelKeys: ['status'] }, { actorType: 'plugin', actorId: OWN });
    await w.h.emit('issue.updated' as never, {}, { companyId: CO, entityType: 'issue', entityId: 'i1', actorType: 'plugin', actorId: OWN } as never);
    expect(saved(w)).toMatchObject({ events: 3, ownSkipped: 2 });
    expect(await w.stats()).toMatchObject({ events: 3, ownSkipped: 2 });
  });

  it('property: events arriving together, against a host whose writes answer in any order, lose no count and never land older counts last', async () => {
    const fc = await import('fast-check');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.boolean(), { minLength: 1, maxLength: 40 }), fc.array(fc.nat(5), { minLength: 1, maxLength: 40 }), async (owns, delays) => {
        const w = world({ stateDir: tempDir() });
        // The host's state writes take a varying time (a later write may answer first); what it stores is what
        // each write carried, in the order the writes are answered.
        const set = w.h.ctx.state.set.bind(w.h.ctx.state);
        let n = 0;
        let inFlight = 0;
        let overlapped = false;
        w.h.ctx.state.set = async (key, value) => {
          const d = delays[n++ % delays.length];
          inFlight++;
          if (inFlight > 1) overlapped = true;
          for (let i = 0; i < d; i++) await new Promise((r) => setImmediate(r));
          inFlight--;
          return set(key, value);
        };
        await Promise.all(owns.map((own) => w.emit('agent.updated', { changedTopLevelKeys: ['title'] }, own ? { actorType: 'plugin', actorId: OWN } : {})));
        const s = saved(w);
        expect(s).toMatchObject({ events: owns.length, ownSkipped: owns.filter(Boolean).length });
        // One write at a time, coalesced: fewer writes than events once they pile up.
        expect(overlapped).toBe(false);
        expect(n).toBeLessThanOrEqual(owns.length);
      }),
      { numRuns: 40 },
    );
  });
});
