// Plan = apply, and safety actions that stick, on a REAL Paperclip. The README's config (ops/paused-agent
// resumes `manual` pauses; a custom blocked-without-reason comment in the overrides) over a company with an
// idle agent at 130% of a budget the server does not enforce, an idle agent under budget, a critical
// unassigned issue, an issue blocked by an unresolved issue and one blocked with no reason: the dry-run's
// planned actions are exactly what --apply applies; the budget stop is never undone by clipguard (same or
// fresh state directory: its `clipguard.pause` activity entry says the pause is its own); a person's resume
// does not stop the next pause; a blockedBy issue is a reason; the comment posted is the overrides' text.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, tempDir } from '../helpers/cli.js';
import { writeTrustedConfig } from '../helpers/trust.js';
import { e2eUrl, Seed, unique } from './seed.js';

const COMMENT = 'Ops (plan-apply e2e): what does this wait for, and who can unblock it?';

describe('plan = apply on a real Paperclip', () => {
  const seed = new Seed();
  let company: any;
  const a: Record<string, any> = {};
  const i: Record<string, any> = {};
  let cwd = '';

  beforeAll(async () => {
    company = await seed.createCompany({ name: unique('PlanApply') });
    a.over = await seed.createAgent(company.id, { name: 'Over', role: 'engineer' });
    a.under = await seed.createAgent(company.id, { name: 'Under', role: 'engineer' });
    // The budget column only: Paperclip does not enforce it, so clipguard's pause is the only stop.
    for (const x of [a.over, a.under]) await seed.req('PATCH', `/agents/${x.id}`, { budgetMonthlyCents: 1000 });
    await seed.addCost(company.id, a.over.id, 1300);
    await seed.addCost(company.id, a.under.id, 100);
    i.critical = await seed.createIssue(company.id, { title: 'Critical fix', priority: 'critical', status: 'todo' });
    // In review: unresolved, and not work to hand out.
    i.dep = await seed.createIssue(company.id, { title: 'Headless browser support', priority: 'medium', status: 'in_review' });
    i.waits = await seed.createIssue(company.id, { title: 'Waits on the dependency', priority: 'medium', status: 'blocked', blockedByIssueIds: [i.dep.id] });
    i.silent = await seed.createIssue(company.id, { title: 'Blocked, nobody says why', priority: 'medium', status: 'blocked' });
    expect((await seed.getIssue(i.waits.id)).status).toBe('blocked');
    cwd = tempDir();
    writeTrustedConfig(
      join(cwd, 'clipguard.config.json'),
      JSON.stringify({
        paperclip: { url: e2eUrl(), companies: [company.issuePrefix] },
        repos: [],
        rules: {
          overrides: {
            'ops/paused-agent': { action: { enabled: true, params: { resumeReasons: ['manual'] } } },
            'ops/blocked-without-reason': { params: { comment: COMMENT } },
          },
        },
      }),
    );
  });

  function scan(state: string, apply: boolean) {
    const r = cli(['scan', '--only', 'ops', 'budget', '--format', 'json', ...(apply ? ['--apply'] : [])], { cwd, env: { CLIPGUARD_STATE_DIR: state } });
    if (r.code === 2) throw new Error(`scan failed: ${r.stderr}`);
    return JSON.parse(r.stdout);
  }
  const who = (label: string) => label.replace(/ \(.*\)$/, '');
  const acts = (report: any, status: string) =>
    report.findings.flatMap((f: any) => f.actions.filter((x: any) => x.status === status).map((x: any) => `${f.ruleId} ${who(f.subject.label)} ${x.type} ${x.target}`)).sort();
  const comments = async (issueId: string) => (await seed.req('GET', `/issues/${issueId}/comments?order=asc`)).filter((c: any) => !c.deletedAt);

  it('the dry-run plans exactly what --apply then applies; the over-budget agent is paused and gets no work, the critical issue goes to the agent under budget', async () => {
    const state = tempDir();
    const dry = scan(state, false);
    const planned = acts(dry, 'planned');
    expect(planned).toEqual(
      [
        'budget/agent-spend-exceeded Over pause agent:Over',
        `ops/idle-agent-backlog Under checkout issue:${i.critical.identifier}`,
        `ops/blocked-without-reason ${i.silent.identifier} comment issue:${i.silent.identifier}`,
      ].sort(),
    );
    const overIdle = dry.findings.find((f: any) => f.ruleId === 'ops/idle-agent-backlog' && who(f.subject.label) === 'Over');
    expect(overIdle.actions).toEqual([expect.objectContaining({ type: 'checkout', status: 'skipped', detail: expect.stringContaining('at or over the stop threshold (100%)') })]);
    // A blockedBy issue that is not resolved is the reason: no finding for it.
    expect(dry.findings.filter((f: any) => f.ruleId === 'ops/blocked-without-reason').map((f: any) => f.subject.label)).toEqual([i.silent.identifier]);
    expect((await seed.getAgent(a.over.id)).status).toBe('idle');

    const applied = scan(state, true);
    expect(acts(applied, 'applied')).toEqual(planned);
    expect(applied.findings.flatMap((f: any) => f.actions).filter((x: any) => x.status === 'failed')).toEqual([]);

    expect(await seed.getAgent(a.over.id)).toMatchObject({ status: 'paused', pauseReason: 'manual' });
    expect(await seed.getIssue(i.critical.id)).toMatchObject({ status: 'in_progress', assigneeAgentId: a.under.id });
    expect((await comments(i.silent.id)).map((c: any) => c.body)).toEqual([COMMENT]);
    expect(await comments(i.waits.id)).toEqual([]);
    const activity = await seed.req('GET', `/companies/${company.id}/activity?entityType=agent&entityId=${a.over.id}&limit=50`);
    expect(activity.filter((e: any) => e.action === 'clipguard.pause')).toHaveLength(1);

    // Unchanged world after the apply: the next dry-run plans nothing, the apply applies nothing, and the
    // budget stop holds (resumeReasons ["manual"] notwithstanding): same state directory, then a fresh one.
    for (const dir of [state, tempDir()]) {
      const dry2 = scan(dir, false);
      expect(acts(dry2, 'planned')).toEqual([]);
      const paused = dry2.findings.find((f: any) => f.ruleId === 'ops/paused-agent' && who(f.subject.label) === 'Over');
      expect(paused.message).toContain(`paused by clipguard for budget on ${new Date().toISOString().slice(0, 10)}`);
      expect(paused.message).not.toContain('by hand');
      expect(paused.actions).toEqual([expect.objectContaining({ type: 'resume', status: 'skipped', detail: expect.stringContaining('not resumed: Over has spent $13.00 of $10.00 (130%)') })]);
      const apply2 = scan(dir, true);
      expect(acts(apply2, 'applied')).toEqual([]);
      expect((await seed.getAgent(a.over.id)).status).toBe('paused');
    }
  });

  it('a person resumes the agent clipguard paused: the next dry-run plans the pause again and --apply does it (the ledger does not block it)', async () => {
    const state = tempDir();
    scan(state, true);
    expect((await seed.getAgent(a.over.id)).status).toBe('paused');
    await seed.req('POST', `/agents/${a.over.id}/resume`);
    expect((await seed.getAgent(a.over.id)).status).toBe('idle');
    const dry = scan(state, false);
    expect(acts(dry, 'planned')).toEqual(['budget/agent-spend-exceeded Over pause agent:Over']);
    const applied = scan(state, true);
    expect(acts(applied, 'applied')).toEqual(['budget/agent-spend-exceeded Over pause agent:Over']);
    expect((await seed.getAgent(a.over.id)).status).toBe('paused');
  });
});
