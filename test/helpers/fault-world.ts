// A stateful fake Paperclip behind the fault proxy, stopped after each test, and the config of a scan that acts on
// it: the setting of the tests that play a server fault, a second process or a change in the middle of a run.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { loadConfig, type Config } from '../../src/config/load.js';
import type { Finding } from '../../src/types.js';
import { tempDir } from './cli.js';
import { FaultProxy } from './fault-proxy.js';
import { fakeAgent, fakeCompany, fakeId, fakeIssue, serveFakePaperclip, type FakePaperclip, type FakeWorld } from './paperclip-fake.js';

/** Call at a test file's top level: `serve(w)` starts the fake and its proxy, both stopped after each test. */
export function faultWorld(): { serve: (w: FakeWorld) => Promise<{ pc: FakePaperclip; proxy: FaultProxy }> } {
  const servers: FakePaperclip[] = [];
  const proxies: FaultProxy[] = [];
  afterEach(async () => {
    await Promise.all(proxies.splice(0).map((p) => p.stop()));
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  return {
    async serve(w) {
      const pc = await serveFakePaperclip(w);
      servers.push(pc);
      const proxy = await new FaultProxy(pc.url).start();
      proxies.push(proxy);
      return { pc, proxy };
    },
  };
}

/** A scan of `url` alone (no repository), no retries, its own state dir unless given; apply unless said. */
export function actingConfig(url: string, o: { stateDir?: string; overrides?: Config['rules']['overrides']; apply?: boolean } = {}): Config {
  const c = loadConfig(tempDir(), { noConfigFile: true, paperclip: url }, {});
  Object.assign(c.paperclip, { retries: 0, timeoutMs: 5_000 });
  c.repos = [];
  c.stateDir = o.stateDir ?? join(tempDir(), 'state');
  c.actions.apply = o.apply ?? true;
  if (o.overrides) c.rules.overrides = o.overrides;
  return c;
}

export const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();

/**
 * A state directory whose ledger holds a release + re-checkout an earlier `--apply` left half-done (the issue
 * released from `agent`, the re-checkout not made), `hours` ago: what pending.ts and resumePending work from.
 */
export function halfDoneState(agent: { id: string }, issue: { id: string; identifier: string }, companyId: string, hours = 1): { state: string; key: string } {
  const state = join(tempDir(), 'state');
  mkdirSync(state, { recursive: true });
  const params = { agentId: agent.id, issueId: issue.id, identifier: issue.identifier, stopCents: null, companyId };
  const key = ['release-checkout', agent.id, issue.id, ''].join(':');
  const resume = { type: 'checkout-after-release', params, rule: 'ops/error-agent-holding-issue', target: `issue:${issue.identifier}`, fingerprint: 'fp' };
  writeFileSync(join(state, 'ledger.json'), JSON.stringify({ version: 1, entries: { [key]: { status: 'partial', at: hoursAgo(hours), resume } } }));
  return { state, key };
}

/**
 * The world most pending-completion tests start from: an agent in error (or `agent` fields) whose issue an earlier
 * run released and did not check out again (todo, unassigned; or `issue` fields), with that half-done entry.
 */
export function halfDoneWorld(fields: { agent?: Record<string, unknown>; issue?: Record<string, unknown> } = {}) {
  const co = fakeCompany();
  const agent = fakeAgent(co.id, 1, { status: 'error', errorReason: 'adapter_failed', createdAt: hoursAgo(100), updatedAt: hoursAgo(1), ...fields.agent });
  const issue = fakeIssue(co, 1, { title: 'Ship it', status: 'todo', priority: 'high', assigneeAgentId: null, createdAt: hoursAgo(10), updatedAt: hoursAgo(0.5), ...fields.issue });
  const w: FakeWorld = { company: co, agents: [agent], issues: [issue], comments: {}, activity: [] };
  return { co, agent, issue, w, ...halfDoneState(agent, issue, co.id) };
}

/** An agent in error holding an in-progress issue: what ops/error-agent-holding-issue releases and checks out again. */
export function errorHolderWorld() {
  const co = fakeCompany();
  const agent = fakeAgent(co.id, 1, { status: 'error', errorReason: 'adapter_failed', createdAt: hoursAgo(100), updatedAt: hoursAgo(1) });
  const issue = fakeIssue(co, 1, { title: 'Ship it', status: 'in_progress', priority: 'high', assigneeAgentId: agent.id, createdAt: hoursAgo(10), updatedAt: hoursAgo(0.5) });
  const w: FakeWorld = { company: co, agents: [agent], issues: [issue], comments: {}, activity: [] };
  return { co, agent, issue, w, state: join(tempDir(), 'state') };
}

/** Marks a half-done entry's re-checkout as sent (`attemptedAt`), as a run whose answer was lost leaves it. */
export function markAttempted(state: string, key: string): void {
  const file = join(state, 'ledger.json');
  const l = JSON.parse(readFileSync(file, 'utf8'));
  l.entries[key].resume.attemptedAt = l.entries[key].at;
  writeFileSync(file, JSON.stringify(l));
}

/** Every checkout and release + re-checkout of a report, as `type status: detail`, sorted: what a plan hands out. */
export const handouts = (fs: Finding[]): string[] =>
  fs
    .flatMap((f) => f.actions.filter((a) => a.type === 'checkout' || a.type === 'release-checkout'))
    .map((a) => `${a.type} ${a.status}: ${a.detail}`)
    .sort();

/** A company whose agent made an active routine, with no approval yet: what ops/routine-without-approval acts on. */
export function agentRoutineWorld() {
  const co = fakeCompany();
  const agent = fakeAgent(co.id, 1, { createdAt: hoursAgo(100) });
  const routine = { id: fakeId(), companyId: co.id, title: 'Nightly issues', description: null, assigneeAgentId: agent.id, status: 'active', createdByAgentId: agent.id, createdByUserId: null, updatedByUserId: null, createdAt: hoursAgo(5), updatedAt: hoursAgo(5), lastTriggeredAt: null, triggers: [] };
  const w: FakeWorld = { company: co, agents: [agent], issues: [], comments: {}, activity: [], routines: [routine], approvals: [] };
  return { co, agent, routine, w };
}
