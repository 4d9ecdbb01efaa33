// The completion of a half-done release + re-checkout (executor.ts resumePending, planned by pending.ts): the
// dry-run shows it, and it never hands the issue to an agent at or over its stop threshold (both found by an
// adversarial review).
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runScan } from '../../src/scan.js';
import { Ledger } from '../../src/actions/ledger.js';
import type { Finding } from '../../src/types.js';
import { tempDir } from '../helpers/cli.js';
import { actingConfig } from '../helpers/fault-world.js';
import { fakeAgent, fakeCompany, fakeIssue, serveFakePaperclip, type FakePaperclip, type FakeWorld } from '../helpers/paperclip-fake.js';

const servers: FakePaperclip[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
const ago = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();

/**
 * An agent in error whose issue an earlier `scan --apply` released and then died before the re-checkout (the
 * ledger's `partial` entry, exactly as release-checkout.ts writes it, stopCents included). Since then the agent's
 * spend went over its budget's stop threshold (1300 of 1000 cents).
 */
function halfDone(o: { atHoursAgo?: number; agent?: Record<string, unknown> } = {}): { w: FakeWorld; state: string } {
  const co = fakeCompany();
  const agent = fakeAgent(co.id, 1, { status: 'error', errorReason: 'adapter_failed', budgetMonthlyCents: 1000, spentMonthlyCents: 1300, createdAt: ago(100), updatedAt: ago(1), ...o.agent });
  const issue = fakeIssue(co, 1, { title: 'Ship it', status: 'todo', priority: 'high', assigneeAgentId: null, createdAt: ago(10), updatedAt: ago(1) });
  const w: FakeWorld = { company: co, agents: [agent], issues: [issue], comments: {}, activity: [] };
  const state = join(tempDir(), 'state');
  mkdirSync(state, { recursive: true });
  const params = { agentId: agent.id, issueId: issue.id, identifier: issue.identifier, stopCents: 1000, companyId: co.id };
  const key = ['release-checkout', agent.id, issue.id, ''].join(':');
  writeFileSync(
    join(state, 'ledger.json'),
    JSON.stringify({ version: 1, entries: { [key]: { status: 'partial', at: o.atHoursAgo ? ago(o.atHoursAgo) : new Date(Date.now() - 60_000).toISOString(), resume: { type: 'checkout-after-release', params, rule: 'ops/error-agent-holding-issue', target: `issue:${issue.identifier}`, fingerprint: 'fp' } } } }),
  );
  return { w, state };
}

const config = (url: string, stateDir: string, apply: boolean) => actingConfig(url, { stateDir, apply });

const planned = (fs: Finding[]) => fs.flatMap((f) => f.actions.filter((a) => a.status === 'planned').map((a) => `${a.type} ${a.target}`));

describe('a half-done release + re-checkout completed by the next --apply', () => {
  // Was (src/actions/executor.ts resumePending): the completion re-reads the agent's status but not
  // its spend. README "--apply will not: hand work (checkout, release + re-checkout) to an agent at or over its stop
  // threshold ... the executor re-reads the agent's spend before acting". The pending entry even carries
  // `stopCents`; release-checkout.ts checks overStopLive before its own checkout, resumePending does not.
  it('never checks the issue out to an agent now at or over its stop threshold', async () => {
    const { w, state } = halfDone();
    const pc = await serveFakePaperclip(w);
    servers.push(pc);
    await runScan(config(pc.url, state, true), { only: ['ops', 'budget'] });
    expect(pc.writes.filter((x) => x.endsWith('/checkout'))).toEqual([]);
    expect(w.issues[0].assigneeAgentId).toBeNull();
  });

  // Was (src/actions/planner.ts + executor.ts resumePending): the dry-run never shows the pending completion, so
  // `--apply` makes a write (POST /issues/{id}/checkout, plus an activity entry) the dry-run before it did not show:
  // "on an unchanged company, --apply applies every action the dry-run shows as planned and nothing else".
  // Here the agent is under budget: the completion itself is legitimate, only unannounced.
  it('the dry-run shows the re-checkout that --apply completes (plan = apply)', async () => {
    const { w, state } = halfDone();
    w.agents[0].spentMonthlyCents = 100;
    const pc = await serveFakePaperclip(w);
    servers.push(pc);
    const dry = await runScan(config(pc.url, state, false), { only: ['ops', 'budget'] });
    const before = pc.writes.length;
    await runScan(config(pc.url, state, true), { only: ['ops', 'budget'] });
    const checkouts = pc.writes.slice(before).filter((x) => x.endsWith('/checkout'));
    expect(checkouts).toHaveLength(1); // --apply did complete it
    expect(planned(dry.report.findings)).toContain(`release-checkout issue:${w.issues[0].identifier}`);
  });

  it('says in the dry-run and in the --apply report what became of the completion', async () => {
    const { w, state } = halfDone();
    const pc = await serveFakePaperclip(w);
    servers.push(pc);
    const shown = (fs: Finding[]) => fs.flatMap((f) => f.actions.filter((a) => a.type === 'release-checkout').map((a) => `${a.status}: ${a.detail}`));
    // Over its stop threshold: the dry-run says it will not be handed back, and --apply does not.
    const dry = await runScan(config(pc.url, state, false), { only: ['ops', 'budget'] });
    expect(shown(dry.report.findings)).toEqual([expect.stringMatching(/^skipped: complete the re-checkout of .*: Agent1 has spent .* at or over the stop threshold/)]);
    // Under it again: planned, then applied, once.
    w.agents[0].spentMonthlyCents = 100;
    const dry2 = await runScan(config(pc.url, state, false), { only: ['ops', 'budget'] });
    expect(shown(dry2.report.findings)).toEqual([expect.stringMatching(/^planned: complete the re-checkout of .* to Agent1 that an earlier --apply left half-done/)]);
    const applied = await runScan(config(pc.url, state, true), { only: ['ops', 'budget'] });
    expect(shown(applied.report.findings)).toEqual([expect.stringMatching(/^applied: complete the re-checkout .*: completed the re-checkout an earlier run left half-done$/)]);
    const after = await runScan(config(pc.url, state, false), { only: ['ops', 'budget'] });
    // Completed: no pending finding; the agent, still in error, holds the issue again, and the ledger says that
    // recovery was made (the rule's own action, skipped alike in the dry-run and --apply).
    expect(shown(after.report.findings).filter((l) => l.includes('complete the re-checkout'))).toEqual([]);
    expect(shown(after.report.findings)).toEqual([expect.stringMatching(/already done at .* \(idempotency ledger\)$/)]);
  });
});

describe('a half-done release + re-checkout older than the ledger\'s 7 days', () => {
  // Was (src/actions/ledger.ts prune, at the end of every --apply): every entry older than 7 days was forgotten, the
  // `partial` one too, so an issue released and never given back (its agent running all week, the server unreachable)
  // lost its pending finding without a word: no report line, no audit line, the issue left unassigned.
  it('is kept: a run that cannot complete it (the agent running) leaves it, and every report still shows it', async () => {
    const { w, state } = halfDone({ atHoursAgo: 30 * 24, agent: { status: 'running', spentMonthlyCents: 0 } });
    const pc = await serveFakePaperclip(w);
    servers.push(pc);
    for (let i = 0; i < 2; i++) {
      const r = await runScan(config(pc.url, state, true), { only: ['ops', 'budget'] });
      expect(r.report.findings.filter((f) => f.title.startsWith('A release + re-checkout')).flatMap((f) => f.actions.map((a) => `${a.status}: ${a.detail}`))).toEqual([expect.stringMatching(/^skipped: complete the re-checkout of PRP-1: Agent1 is running now: kept for a later run/)]);
    }
    expect(JSON.parse(readFileSync(join(state, 'ledger.json'), 'utf8')).entries).toMatchObject({ [`release-checkout:${w.agents[0].id}:${w.issues[0].id}:`]: { status: 'partial' } });
    // The agent's run ends: the next run completes it.
    Object.assign(w.agents[0], { status: 'idle' });
    await runScan(config(pc.url, state, true), { only: ['ops', 'budget'] });
    expect(w.issues[0]).toMatchObject({ status: 'in_progress', assigneeAgentId: w.agents[0].id });
  });

  it('whose issue is gone is settled, said in the audit log, and no longer reported', async () => {
    const { w, state } = halfDone({ atHoursAgo: 30 * 24, agent: { spentMonthlyCents: 0 } });
    w.issues.splice(0, 1);
    const pc = await serveFakePaperclip(w);
    servers.push(pc);
    await runScan(config(pc.url, state, true), { only: ['ops', 'budget'] });
    const audit = readFileSync(join(state, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(audit.filter((e) => e.action === 'release-checkout').map((e) => `${e.outcome}: ${e.detail}`)).toContain('skipped: the issue is gone (HTTP 404): nothing to hand back');
    expect(Object.values(JSON.parse(readFileSync(join(state, 'ledger.json'), 'utf8')).entries).filter((e: any) => e.status === 'partial')).toEqual([]);
    const next = await runScan(config(pc.url, state, false), { only: ['ops', 'budget'] });
    expect(next.report.findings.filter((f) => f.title.startsWith('A release + re-checkout'))).toEqual([]);
  });
});

describe('the ledger prunes by age, and saves it', () => {
  it('forgets entries older than 7 days, on disk too, but never a partial one', () => {
    const file = join(tempDir(), 'ledger.json');
    const old = ago(8 * 24);
    writeFileSync(file, JSON.stringify({ version: 1, entries: { skip: { status: 'skipped', at: old, detail: 'x' }, refused: { status: 'refused', at: old }, half: { status: 'partial', at: old, resume: { type: 'checkout-after-release', params: {}, rule: 'r', target: 't' } }, fresh: { status: 'skipped', at: ago(1), detail: 'y' } } }));
    new Ledger(file).prune();
    expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')).entries).sort()).toEqual(['fresh', 'half']);
  });
});
