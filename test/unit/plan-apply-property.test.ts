// Plan = apply. Over generated companies (idle, running, erroring and paused agents under and over budget;
// waiting, held, blocked and done issues, some blocked by others; secrets in titles, descriptions and
// comments), served by a loopback Paperclip with state (test/helpers/paperclip-fake.ts): every action a
// dry-run shows as planned is applied by the --apply that follows, and nothing is applied that the dry-run did
// not show as planned; the same again after that first --apply (the ledger's skips are in the dry-run), also with
// release + re-checkouts an earlier --apply left half-done in the ledger; no
// agent at or over its stop threshold is handed work or resumed.
import fc from 'fast-check';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config/load.js';
import { runScan } from '../../src/scan.js';
import type { Finding } from '../../src/types.js';
import { tempDir } from '../helpers/cli.js';
import { fakeToken } from '../helpers/fake-secrets.js';
import { fakeAgent, fakeCompany, fakeId, fakeIssue, serveFakePaperclip, type FakePaperclip, type FakeWorld } from '../helpers/paperclip-fake.js';

const HOUR = 3_600_000;
const servers: FakePaperclip[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const agentArb = fc.record({
  status: fc.constantFrom('idle', 'idle', 'idle', 'error', 'paused', 'running'),
  pauseReason: fc.constantFrom('manual', 'budget'),
  budget: fc.constantFrom(0, 1000, 1000),
  spent: fc.constantFrom(0, 500, 1000, 1300),
});
const issueArb = fc.record({
  status: fc.constantFrom('backlog', 'todo', 'todo', 'in_progress', 'blocked', 'done'),
  priority: fc.constantFrom('critical', 'high', 'medium', 'low'),
  assignee: fc.option(fc.nat(5), { nil: null }),
  blockedBy: fc.option(fc.nat(7), { nil: null }),
  secret: fc.constantFrom(null, null, 'title', 'description', 'both', 'comment', 'agent-comment'),
  seed: fc.nat(1000),
  ageHours: fc.integer({ min: 1, max: 300 }),
});
// Routines: made by an agent or the board, active or paused, with no approval or the board's answer.
const routineArb = fc.record({
  byAgent: fc.option(fc.nat(5), { nil: null }),
  status: fc.constantFrom('active', 'active', 'paused'),
  approval: fc.constantFrom(null, null, 'approved', 'pending', 'rejected'),
});
const worldArb = fc.record({
  agents: fc.array(agentArb, { minLength: 1, maxLength: 5 }),
  // Which agents have a live run (a running agent always has one; an idle or paused one sometimes, queued or going on).
  live: fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
  routines: fc.array(routineArb, { maxLength: 3 }),
  disableRoutines: fc.boolean(),
  issues: fc.array(issueArb, { maxLength: 8 }),
  maxPerScan: fc.constantFrom(3, 20),
  // Release + re-checkouts an earlier --apply left half-done (the ledger's partial entries), some with the attempt
  // of their completion marked (its answer lost).
  // Half-done entries as the three writes leave them: before the release (its answer an error or lost), after it
  // (the re-checkout not made), after the re-checkout was sent (its answer lost).
  halfDone: fc.array(fc.record({ agent: fc.nat(5), issue: fc.nat(8), stage: fc.constantFrom('release-sent', 'released', 'attempted'), hours: fc.integer({ min: 1, max: 200 }) }), { maxLength: 2 }),
  flag: fc.boolean(),
  release: fc.boolean(),
});

type Gen = typeof worldArb extends fc.Arbitrary<infer T> ? T : never;

function build(g: Gen): FakeWorld {
  const now = Date.now();
  const at = (hoursAgo: number) => new Date(now - hoursAgo * HOUR).toISOString();
  const company = fakeCompany();
  const agents = g.agents.map((a, n) =>
    fakeAgent(company.id, n + 1, {
      status: a.status,
      budgetMonthlyCents: a.budget,
      spentMonthlyCents: a.spent,
      createdAt: at(400),
      updatedAt: at(2),
      ...(a.status === 'paused' ? { pauseReason: a.pauseReason, pausedAt: at(3) } : {}),
      ...(a.status === 'error' ? { errorReason: 'adapter_failed' } : {}),
    }),
  );
  const issues = g.issues.map((i, n) => {
    const kind = ['github-pat', 'openai-api-key', 'anthropic-api-key', 'stripe-secret-key'][i.seed % 4];
    const key = fakeToken(kind, i.seed + n);
    const assignee = i.assignee === null ? null : agents[i.assignee % agents.length];
    const inProgress = i.status === 'in_progress';
    return fakeIssue(company, n + 1, {
      status: i.status,
      priority: i.priority,
      title: i.secret === 'title' || i.secret === 'both' ? `Deploy with ${key}` : `Task ${n + 1}`,
      description: i.secret === 'description' || i.secret === 'both' ? `Steps:\n1. export TOKEN=${fakeToken(kind, i.seed + n + 7)}\n2. run it` : `Do task ${n + 1}.`,
      // An issue in progress is held by someone; a waiting one may be pre-assigned.
      assigneeAgentId: inProgress ? (assignee ?? agents[0]).id : ['todo', 'backlog', 'blocked'].includes(i.status) ? (assignee?.id ?? null) : null,
      startedAt: inProgress ? at(i.ageHours) : null,
      createdAt: at(i.ageHours + 1),
      updatedAt: at(i.ageHours),
      blockedTransitionAt: i.status === 'blocked' ? at(i.ageHours) : null,
    });
  });
  g.issues.forEach((i, n) => {
    if (i.blockedBy === null || issues.length < 2) return;
    const b = issues[(n + 1 + (i.blockedBy % (issues.length - 1))) % issues.length];
    issues[n].blockedBy = [{ id: b.id, identifier: b.identifier, title: b.title, status: b.status, priority: b.priority }];
  });
  const comments: FakeWorld['comments'] = {};
  g.issues.forEach((i, n) => {
    if (i.secret !== 'comment' && i.secret !== 'agent-comment') return;
    // An agent's comment only that agent may delete (Paperclip's rule, kept by the fake server).
    const author = i.secret === 'comment' ? { authorType: 'user', authorUserId: 'local-board', authorAgentId: null } : { authorType: 'agent', authorUserId: null, authorAgentId: agents[0].id };
    const c = { id: `c0000000-0000-4000-8000-${String(n).padStart(12, '0')}`, companyId: company.id, issueId: issues[n].id, body: `use this: ${fakeToken('github-pat', i.seed + 99)} for the deploy`, ...author, deletedAt: null, createdAt: issues[n].updatedAt, updatedAt: issues[n].updatedAt };
    comments[issues[n].id] = [c];
  });
  const liveRuns = agents
    .filter((a, n) => a.status === 'running' || g.live[n])
    .map((a) => ({ id: fakeId(), companyId: company.id, agentId: a.id, agentName: a.name, status: a.status === 'running' ? 'running' : 'queued', createdAt: at(1), startedAt: a.status === 'running' ? at(1) : null, finishedAt: null, issueId: null }));
  const routines = g.routines.map((r, n) => {
    const by = r.byAgent === null ? null : agents[r.byAgent % agents.length];
    return { id: fakeId(), companyId: company.id, title: `Routine ${n + 1}`, description: null, assigneeAgentId: by?.id ?? null, status: r.status, createdByAgentId: by?.id ?? null, createdByUserId: by ? null : 'local-board', updatedByUserId: null, createdAt: at(5), updatedAt: at(5), lastTriggeredAt: null, triggers: [] };
  });
  const approvals = g.routines.flatMap((r, n) => (r.approval ? [{ id: fakeId(), companyId: company.id, type: 'request_board_approval', status: r.approval, payload: { routineId: routines[n].id }, requestedByUserId: 'local-board', decidedByUserId: r.approval === 'pending' ? null : 'local-board', createdAt: at(4), updatedAt: at(4) }] : []));
  return { company, agents, issues, comments, activity: [], liveRuns, routines, approvals };
}

function config(url: string, stateDir: string, g: Gen, apply: boolean): Config {
  const c = loadConfig(tempDir(), { noConfigFile: true, paperclip: url }, {});
  Object.assign(c.paperclip, { retries: 0, timeoutMs: 5_000 });
  c.repos = [];
  c.stateDir = stateDir;
  c.actions.apply = apply;
  c.actions.maxPerScan = g.maxPerScan;
  c.rules.overrides = {
    // The README's example: resume agents paused by hand.
    'ops/paused-agent': { action: { enabled: true, params: { resumeReasons: ['manual'] } } },
    ...(g.flag ? { 'security/secret-in-issue': { actions: { flag: { enabled: true } } }, 'security/secret-in-comment': { actions: { flag: { enabled: true } } } } : {}),
    ...(g.release ? { 'ops/stale-in-progress': { action: { enabled: true } } } : {}),
    ...(g.disableRoutines ? { 'ops/routine-without-approval': { action: { enabled: true } } } : {}),
  } as Config['rules']['overrides'];
  return c;
}

const ONLY = ['ops', 'budget', 'security'];
const key = (f: Finding, a: Finding['actions'][number]) => `${f.ruleId} ${f.subject.label} ${a.type} ${a.target}`;
const withStatus = (fs: Finding[], status: string) => fs.flatMap((f) => f.actions.filter((a) => a.status === status).map((a) => key(f, a))).sort();

/** A dry-run, then --apply on the same world and state directory: planned == applied. */
async function dryThenApply(pc: FakePaperclip, stateDir: string, g: Gen) {
  const dry = await runScan(config(pc.url, stateDir, g, false), { only: ONLY });
  const writesBefore = pc.writes.length;
  const applied = await runScan(config(pc.url, stateDir, g, true), { only: ONLY });
  const planned = withStatus(dry.report.findings, 'planned');
  const done = withStatus(applied.report.findings, 'applied');
  const detail = applied.report.findings.flatMap((f) => f.actions.filter((a) => a.status !== 'applied' && planned.includes(key(f, a))).map((a) => `${key(f, a)}: ${a.status} ${a.detail}`));
  return { dry, applied, planned, done, detail, wrote: pc.writes.slice(writesBefore) };
}

/** The ledger an earlier --apply left: its half-done release + re-checkouts (as executor.ts and pending.ts keep them). */
function halfDoneLedger(state: string, world: FakeWorld, g: Gen): void {
  if (!world.issues.length || !g.halfDone.length) return;
  const entries: Record<string, unknown> = {};
  for (const h of g.halfDone) {
    const agent = world.agents[h.agent % world.agents.length];
    const issue = world.issues[h.issue % world.issues.length];
    const params = { agentId: agent.id, issueId: issue.id, identifier: issue.identifier, stopCents: agent.budgetMonthlyCents > 0 ? agent.budgetMonthlyCents : null, companyId: world.company.id };
    const at = new Date(Date.now() - h.hours * HOUR).toISOString();
    entries[['release-checkout', agent.id, issue.id, ''].join(':')] = {
      status: 'partial',
      at,
      resume: { type: 'checkout-after-release', params, rule: 'ops/error-agent-holding-issue', target: `issue:${issue.identifier}`, fingerprint: 'fp', ...(h.stage === 'attempted' ? { attemptedAt: at } : h.stage === 'release-sent' ? { releaseSentAt: at } : {}) },
    };
  }
  mkdirSync(state, { recursive: true });
  writeFileSync(join(state, 'ledger.json'), JSON.stringify({ version: 1, entries }));
}

describe('plan = apply (property, against a recorded Paperclip with state)', () => {
  it('every action a dry-run plans is applied by the --apply that follows, nothing else is; again after that --apply; no work for or resume of an agent at or over its stop threshold', async () => {
    await fc.assert(
      fc.asyncProperty(worldArb, async (g) => {
        const world = build(g);
        const over = new Set(world.agents.filter((a) => a.budgetMonthlyCents > 0 && a.spentMonthlyCents >= a.budgetMonthlyCents).map((a) => a.id));
        const pc = await serveFakePaperclip(world);
        servers.push(pc);
        const state = join(tempDir(), 'state');
        halfDoneLedger(state, world, g);
        for (const round of [1, 2]) {
          const r = await dryThenApply(pc, state, g);
          expect(r.done, `round ${round}: planned but not applied: ${r.detail.join(' | ')}`).toEqual(r.planned);
          // What the dry-run shows cannot be done (a redaction of an agent's comment) fails the same way in --apply,
          // without a write: no copy beside the live original.
          const failedRedacts = (fs: Finding[]) => fs.flatMap((f) => f.actions.filter((a) => a.type === 'redact' && a.status === 'failed').map((a) => `${key(f, a)} ${a.detail}`)).sort();
          expect(failedRedacts(r.applied.report.findings)).toEqual(failedRedacts(r.dry.report.findings));
          for (const list of Object.values(world.comments))
            if (list.some((c) => c.authorAgentId)) expect(list.filter((c) => !c.deletedAt && String(c.body).startsWith('clipguard replaced a comment'))).toEqual([]);
          // The dry-run wrote nothing; the writes of --apply are the applied actions' (and their activity entries).
          for (const f of r.applied.report.findings)
            for (const a of f.actions) {
              if (a.status !== 'applied') continue;
              const agentId = a.params?.agentId as string | undefined;
              // (Recording a re-checkout an earlier run made, whose answer was lost, hands nothing now.)
              if ((a.type === 'checkout' || a.type === 'release-checkout' || a.type === 'resume') && agentId && !a.detail.startsWith('record the re-checkout')) expect(over.has(agentId), `${a.type} for an agent over its stop threshold: ${a.detail}`).toBe(false);
            }
          // The hard stop held: after --apply no agent over its stop threshold has a live run, but one whose hard stop
          // the caps left for the next run (actions.maxPerScan / maxPerAgent: planned as skipped, said so in the dry-run).
          const capped = new Set(r.applied.report.findings.flatMap((f) => f.actions.filter((a) => a.type === 'pause' && a.status === 'skipped' && /actions\.maxPer(Scan|Agent)/.test(a.detail)).map((a) => String(a.params?.agentId ?? (f.subject.type === 'agent' ? f.subject.id : '')))));
          for (const run of world.liveRuns ?? []) if (over.has(run.agentId) && !capped.has(run.agentId)) expect(['queued', 'running'], `live run of an agent over its stop: ${run.id}`).not.toContain(run.status);
        }
        await pc.close();
      }),
      { numRuns: 40 },
    );
  }, 240_000);
});
