// Two plan != apply cases of pending completions that the plan = apply property (plan-apply-property.test.ts) found
// once half-done ledger entries were among its worlds:
// - an IDLE agent whose released issue is completed back to it: the plan also gave it another waiting issue, which
//   --apply then skipped ("agent already holds PRP-1 in progress"). The plan now plays that the completion hands it
//   one: its checkout is skipped in the dry-run too.
// - a released issue now waiting for an open blocker: the completion was planned, then refused by the server (422,
//   "failed", retried on every run). Now skipped in both, saying so, and kept until the blocker is done.
// - two half-done re-checkouts of ONE issue (released from one agent, then from the next it went to): both were
//   planned, and --apply skipped the second ("issue went to another agent meanwhile"). The plan now plays that the
//   first completion hands the issue out.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScan } from '../../src/scan.js';
import { actingConfig, faultWorld, handouts, halfDoneWorld } from '../helpers/fault-world.js';
import { fakeAgent, fakeIssue } from '../helpers/paperclip-fake.js';

const { serve } = faultWorld();

describe('pending completions in the plan = apply promise', () => {
  it('an idle agent whose issue the completion gives back gets no second issue in the plan, as in --apply', async () => {
    const { co, agent, issue, w, state } = halfDoneWorld({ agent: { status: 'idle', errorReason: null } });
    const other = fakeIssue(co, 2, { title: 'Also waiting', status: 'backlog', priority: 'critical', assigneeAgentId: null });
    w.issues.push(other);
    const { pc } = await serve(w);
    const dry = handouts((await runScan(actingConfig(pc.url, { stateDir: state, apply: false }), { only: ['ops'] })).report.findings);
    expect(dry).toEqual([
      expect.stringMatching(/^checkout skipped: .*this plan checks PRP-1 out to the agent first: it holds that in progress$/),
      expect.stringMatching(/^release-checkout planned: complete the re-checkout of PRP-1 to Agent1/),
    ]);
    const applied = handouts((await runScan(actingConfig(pc.url, { stateDir: state }), { only: ['ops'] })).report.findings);
    expect(applied.map((x) => x.split(':')[0])).toEqual(['checkout skipped', 'release-checkout applied']);
    expect([issue.assigneeAgentId, issue.status, other.assigneeAgentId, other.status]).toEqual([agent.id, 'in_progress', null, 'backlog']);
  });

  it('a released issue that now waits for an open blocker: skipped by both, kept for a run after the blocker is done', async () => {
    const { co, issue, w, state, key } = halfDoneWorld();
    const blocker = fakeIssue(co, 2, { title: 'Do this first', status: 'todo', priority: 'high', assigneeAgentId: null });
    w.issues.push(blocker);
    issue.blockedBy = [{ id: blocker.id, identifier: blocker.identifier, title: blocker.title, status: blocker.status, priority: blocker.priority }];
    const { pc } = await serve(w);
    const dry = handouts((await runScan(actingConfig(pc.url, { stateDir: state, apply: false }), { only: ['ops'] })).report.findings);
    expect(dry).toEqual([expect.stringMatching(/^release-checkout skipped: .*it waits for PRP-2 \(todo\), so its checkout would be refused: kept for a later run$/)]);
    const writes = pc.writes.length;
    const applied = handouts((await runScan(actingConfig(pc.url, { stateDir: state }), { only: ['ops'] })).report.findings);
    expect(applied).toEqual([expect.stringMatching(/^release-checkout skipped: .*kept for a later run$/)]);
    expect(pc.writes.slice(writes).filter((x) => /checkout/.test(x))).toEqual([]);
    expect(JSON.parse(readFileSync(join(state, 'ledger.json'), 'utf8')).entries[key]).toMatchObject({ status: 'partial' });
    // The blocker is done: the next --apply completes it.
    blocker.status = 'done';
    const after = handouts((await runScan(actingConfig(pc.url, { stateDir: state }), { only: ['ops'] })).report.findings);
    expect(after.map((x) => x.split(':')[0])).toEqual(['release-checkout applied']);
    expect(issue.status).toBe('in_progress');
  });

  it('two half-done re-checkouts of one issue to two agents: the plan completes the first and skips the second, as --apply does', async () => {
    const { co, agent, issue, w, state, key } = halfDoneWorld({ agent: { status: 'idle', errorReason: null } });
    const second = fakeAgent(co.id, 2, { status: 'idle' });
    w.agents.push(second);
    const ledgerFile = join(state, 'ledger.json');
    const ledger = JSON.parse(readFileSync(ledgerFile, 'utf8'));
    const secondKey = ['release-checkout', second.id, issue.id, ''].join(':');
    const e = ledger.entries[key];
    ledger.entries[secondKey] = { ...e, resume: { ...e.resume, params: { ...e.resume.params, agentId: second.id } } };
    writeFileSync(ledgerFile, JSON.stringify(ledger));
    const { pc } = await serve(w);
    // The idle agents' own checkouts of PRP-1 are skipped in both (the plan hands PRP-1 out): the completions are the case.
    const completions = (fs: Parameters<typeof handouts>[0]) => handouts(fs).filter((x) => x.startsWith('release-checkout'));
    const dry = completions((await runScan(actingConfig(pc.url, { stateDir: state, apply: false }), { only: ['ops'] })).report.findings);
    expect(dry).toEqual([
      expect.stringMatching(/^release-checkout planned: complete the re-checkout of PRP-1 to Agent1/),
      expect.stringMatching(/^release-checkout skipped: complete the re-checkout of PRP-1 to Agent2 .*this plan checks PRP-1 out to another agent first$/),
    ]);
    const applied = completions((await runScan(actingConfig(pc.url, { stateDir: state }), { only: ['ops'] })).report.findings);
    expect(applied.map((x) => x.split(':')[0])).toEqual(['release-checkout applied', 'release-checkout skipped']);
    expect(pc.writes.filter((x) => /checkout/.test(x))).toHaveLength(1);
    expect([issue.assigneeAgentId, issue.status]).toEqual([agent.id, 'in_progress']);
    // The second entry is settled (the world closed it); nothing is pending after.
    expect(Object.keys(JSON.parse(readFileSync(ledgerFile, 'utf8')).entries)).not.toContain(secondKey);
    expect(completions((await runScan(actingConfig(pc.url, { stateDir: state, apply: false }), { only: ['ops'] })).report.findings)).toEqual([]);
  });

  it('a completion is its rule\'s action: a run with --only that leaves out ops/error-agent-holding-issue neither shows nor makes it', async () => {
    const { issue, w, state, key } = halfDoneWorld();
    const { pc } = await serve(w);
    const budgetOnly = await runScan(actingConfig(pc.url, { stateDir: state }), { only: ['budget'] });
    expect(handouts(budgetOnly.report.findings)).toEqual([]);
    expect(pc.writes.filter((x) => /checkout/.test(x))).toEqual([]);
    expect(JSON.parse(readFileSync(join(state, 'ledger.json'), 'utf8')).entries[key]).toMatchObject({ status: 'partial' });
    const withRule = await runScan(actingConfig(pc.url, { stateDir: state }), { only: ['ops/error-agent-holding-issue'] });
    expect(handouts(withRule.report.findings).map((x) => x.split(':')[0])).toEqual(['release-checkout applied']);
    expect(issue.status).toBe('in_progress');
  });
});
