// Budgets on a REAL Paperclip: spend comes from cost events posted through the API, policies from the budget
// endpoints, and the server enforces (or not) by itself. The scan must report exactly the handbook's cases
// (warn at 80%, stop at 100%, a budget nobody enforces, a burn rate that crosses 100% this month), `--apply`
// must pause only the over-budget agent the server left running, and the HTML report must draw the bars.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, tempDir } from '../helpers/cli.js';
import { e2eUrl, Seed, unique, waitFor } from './seed.js';

const DAY = 86_400_000;

/**
 * Whether spend `spent` (all of it posted now, so all inside the burn window) projects past `budget` before the
 * month ends. The window is the last 7 days but never before the 1st, so the answer depends on today's date;
 * the test states its expectation through this rather than hard-coding the day it was written.
 */
function crossesThisMonth(spent: number, budget: number, now = new Date()): boolean {
  const monthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const monthEnd = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
  const windowDays = Math.max((now.getTime() - Math.max(now.getTime() - 7 * DAY, monthStart)) / DAY, 1 / 24);
  const burnPerDay = spent / windowDays;
  return spent < budget && now.getTime() + ((budget - spent) / burnPerDay) * DAY < monthEnd;
}

describe('budgets on a real Paperclip', () => {
  const seed = new Seed();
  let company: any;
  const a: Record<string, any> = {};
  const spend: Record<string, number> = { Ann: 500, Bea: 850, Cal: 1200, Dee: 200, Eve: 1100, Fay: 650 };

  beforeAll(async () => {
    company = await seed.createCompany({ name: unique('Budget') });
    for (const name of Object.keys(spend)) a[name] = await seed.createAgent(company.id, { name, role: 'engineer' });
    // Enforcing policies (hard stop on) for Ann, Bea, Cal, Fay.
    for (const name of ['Ann', 'Bea', 'Cal', 'Fay']) await seed.setAgentBudget(a[name].id, 1000);
    // Dee: the budget column only (PATCH /agents/:id), which Paperclip does not enforce.
    await seed.req('PATCH', `/agents/${a.Dee.id}`, { budgetMonthlyCents: 1000 });
    // Eve: a policy with the hard stop off, so the server warns but never pauses her.
    await seed.req('POST', `/companies/${company.id}/budgets/policies`, { scopeType: 'agent', scopeId: a.Eve.id, amount: 1000, hardStopEnabled: false });
    for (const [name, cents] of Object.entries(spend)) await seed.addCost(company.id, a[name].id, cents);
    // The server pauses Cal (hard stop) on its own; nobody else.
    await waitFor(async () => (await seed.getAgent(a.Cal.id)).status === 'paused', { what: 'the server to pause Cal', timeoutMs: 30_000 });
    for (const name of ['Ann', 'Bea', 'Dee', 'Eve', 'Fay']) expect((await seed.getAgent(a[name].id)).status).toBe('idle');
  });

  function scan(args: string[], state: string) {
    const r = cli(['scan', '--paperclip', e2eUrl(), '--company', company.issuePrefix, '--only', 'budget', ...args], { cwd: tempDir(), env: { CLIPGUARD_STATE_DIR: state } });
    if (r.code === 2) throw new Error(`scan failed: ${r.stderr}`);
    return r;
  }
  const found = (report: any) => report.findings.map((f: any) => `${f.ruleId} ${f.subject.label.replace(/ \(.*\)$/, '')}`).sort();

  it('reports exactly the expected findings (dry-run) and changes nothing', async () => {
    const state = tempDir();
    const r = scan(['--format', 'json'], state);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    const expected = [
      'budget/agent-spend-warning Bea',
      'budget/agent-spend-exceeded Cal',
      'budget/paused-for-budget Cal', // paused by the server with its hard-stop incident still open
      'budget/unenforced Dee',
      'budget/agent-spend-exceeded Eve',
      // Dee's budget is the column only: nothing enforces it, but the forecast still projects against it.
      ...['Ann', 'Bea', 'Dee', 'Fay'].filter((n) => crossesThisMonth(spend[n], 1000)).map((n) => `budget/forecast ${n}`),
    ].sort();
    expect(found(report)).toEqual(expected);
    // Fay is the case the issue asks for: under the warning line today, over the budget by month end.
    expect(crossesThisMonth(650, 1000) || new Date().getUTCDate() >= 27).toBe(true);

    const byAgent = (rule: string, name: string) => report.findings.find((f: any) => f.ruleId === rule && f.subject.label.startsWith(`${name} (`));
    // Pause is planned only for the over-budget agent the server did not stop.
    expect(byAgent('budget/agent-spend-exceeded', 'Eve').actions).toMatchObject([{ type: 'pause', status: 'planned' }]);
    expect(byAgent('budget/agent-spend-exceeded', 'Cal').actions).toEqual([]);
    expect(byAgent('budget/agent-spend-warning', 'Bea').message).toContain('85');
    // The budget section carries the numbers the server reported.
    const rows = Object.fromEntries(report.budget.companies[0].agents.map((x: any) => [x.name, x]));
    expect(rows.Bea).toMatchObject({ spentCents: 850, budgetCents: 1000, level: 'warning' });
    expect(rows.Cal).toMatchObject({ spentCents: 1200, level: 'exceeded', status: 'paused' });
    expect(rows.Dee).toMatchObject({ spentCents: 200, budgetCents: 1000, level: 'ok' });
    expect((await seed.getAgent(a.Eve.id)).status).toBe('idle');
  });

  it('--apply pauses only Eve, records it, and a second --apply does nothing', async () => {
    const state = tempDir();
    const first = JSON.parse(scan(['--format', 'json', '--apply'], state).stdout);
    const done = first.findings.flatMap((f: any) => f.actions.map((x: any) => `${x.type} ${f.subject.label.split(' ')[0]} ${x.status}`));
    expect(done).toEqual(['pause Eve applied']);
    expect((await seed.getAgent(a.Eve.id)).status).toBe('paused');
    for (const name of ['Ann', 'Bea', 'Dee', 'Fay']) expect((await seed.getAgent(a[name].id)).status).toBe('idle');
    expect((await seed.getAgent(a.Cal.id)).pauseReason).toBe('budget');

    const audit = readFileSync(join(state, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.outcome !== 'started'); // intents left out
    expect(audit.filter((e) => e.outcome === 'applied').map((e) => [e.action, e.subject])).toEqual([['pause', `agent:${a.Eve.id}`]]);

    const second = JSON.parse(scan(['--format', 'json', '--apply'], state).stdout);
    const writes = second.findings.flatMap((f: any) => f.actions).filter((x: any) => x.status === 'applied');
    expect(writes).toEqual([]);
  });

  const CHROMIUM = '/usr/bin/chromium';
  (existsSync(CHROMIUM) || process.env.CI ? it : it.skip)('the HTML report draws each agent’s spend against its budget in Chromium', async () => {
    const out = join(tempDir(), 'budget.html');
    scan(['--format', 'html', '-o', out], tempDir());
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
      await page.goto('file://' + out);
      const rows = await page.$$eval('section.company .row.agent', (els) =>
        els.map((e) => {
          const box = (sel: string) => (e.querySelector(sel) as HTMLElement).getBoundingClientRect();
          const track = box('.track');
          return { name: e.getAttribute('data-agent'), level: e.getAttribute('data-level'), bar: box('.bar').width, limit: box('.line.stop').left - track.left };
        }),
      );
      const by = Object.fromEntries(rows.map((r) => [r.name, r]));
      expect(Object.keys(by).sort()).toEqual(Object.keys(spend).sort());
      expect(Object.fromEntries(rows.map((r) => [r.name, r.level]))).toEqual({ Ann: 'ok', Bea: 'warning', Cal: 'exceeded', Dee: 'ok', Eve: 'exceeded', Fay: 'ok' });
      // Each bar's length relative to its 100% line is the agent's share of its budget, and the 100% line is at
      // one place on every row (one scale).
      expect(new Set(rows.map((r) => Math.round(r.limit))).size).toBe(1);
      for (const [name, cents] of Object.entries(spend)) expect(by[name].bar / by[name].limit).toBeCloseTo(cents / 1000, 1);
    } finally {
      await browser.close();
    }
  });
});

// Company budgets (the company-level rules) on the same real server: the budget comes from Paperclip (no
// `budget.companyMonthlyCents` in config), spend from cost events. Three companies, each a case:
//   Watched: an enforcing company policy (PATCH /companies/:id/budgets), $8.50 of $10.00 spent: 85%, a warning;
//   Loose:   the budgetMonthlyCents column only (PATCH /companies/:id), $12.00 of $10.00: over, and nothing enforces it;
//   Capped:  an enforcing policy, $11.00 of $10.00: over, and the server pauses the company itself (hard stop).
describe('company budgets on a real Paperclip', () => {
  const seed = new Seed();
  const co: Record<string, any> = {};
  const spend: Record<string, number> = { Watched: 850, Loose: 1200, Capped: 1100 };

  beforeAll(async () => {
    for (const name of Object.keys(spend)) co[name] = await seed.createCompany({ name: unique(name) });
    await seed.setCompanyBudget(co.Watched.id, 1000);
    await seed.setCompanyBudget(co.Capped.id, 1000);
    await seed.req('PATCH', `/companies/${co.Loose.id}`, { budgetMonthlyCents: 1000 });
    // One agent per company with no budget of its own: every finding below is about the company.
    for (const [name, cents] of Object.entries(spend)) {
      const agent = await seed.createAgent(co[name].id, { name: `${name}Agent`, role: 'engineer' });
      await seed.addCost(co[name].id, agent.id, cents);
    }
    await waitFor(async () => (await seed.req('GET', `/companies/${co.Capped.id}`)).status === 'paused', { what: 'the server to pause Capped (company hard stop)', timeoutMs: 30_000 });
    // The policy check at 85% is a notification only, and a column without a policy stops nothing.
    expect((await seed.req('GET', `/companies/${co.Watched.id}`)).status).toBe('active');
    expect((await seed.req('GET', `/companies/${co.Loose.id}`)).status).toBe('active');
  });

  it('company-spend warns at 80% and is an error at 100%; an unenforced company budget and a company forecast are reported', () => {
    const names = Object.fromEntries(Object.entries(co).map(([k, c]) => [c.name, k]));
    const r = cli(['scan', '--paperclip', e2eUrl(), '--company', ...Object.values(co).map((c) => c.issuePrefix), '--only', 'budget', '--format', 'json'], { cwd: tempDir(), env: { CLIPGUARD_STATE_DIR: tempDir() } });
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout);
    const found = report.findings.map((f: any) => `${f.ruleId} ${f.severity} ${names[f.subject.label.replace(/ \(.*\)$/, '')] ?? f.subject.label}`).sort();
    expect(found).toEqual(
      [
        'budget/company-spend warning Watched',
        'budget/company-spend error Loose',
        'budget/company-spend error Capped',
        'budget/unenforced-company warning Loose',
        // Spend all posted now: whether $8.50 at this burn rate reaches $10.00 before the month ends depends on the date.
        ...(crossesThisMonth(850, 1000) ? ['budget/forecast-company warning Watched'] : []),
      ].sort(),
    );
    const message = (rule: string, who: string) => report.findings.find((f: any) => f.ruleId === rule && f.subject.label.startsWith(co[who].name)).message;
    expect(message('budget/company-spend', 'Watched')).toBe(`${co.Watched.name} spent $8.50 of $10.00 this month (85%)`);
    expect(message('budget/company-spend', 'Loose')).toBe(`${co.Loose.name} spent $12.00 of $10.00 this month (120%)`);
    expect(message('budget/company-spend', 'Capped')).toBe(`${co.Capped.name} spent $11.00 of $10.00 this month (110%)`);
    expect(message('budget/unenforced-company', 'Loose')).toContain(`fix with PATCH /api/companies/${co.Loose.id}/budgets {"budgetMonthlyCents": 1000}`);
    if (crossesThisMonth(850, 1000)) expect(message('budget/forecast-company', 'Watched')).toMatch(new RegExp(`^${co.Watched.name} burns \\$[\\d.]+/day and will reach its \\$10\\.00 budget on \\d{4}-\\d{2}-\\d{2}$`));
    // The budget section: the company totals the server reported.
    const rows = Object.fromEntries(report.budget.companies.map((c: any) => [names[c.name], c]));
    expect(rows.Watched).toMatchObject({ spentCents: 850, budgetCents: 1000, percent: 85, level: 'warning' });
    expect(rows.Loose).toMatchObject({ spentCents: 1200, budgetCents: 1000, percent: 120, level: 'exceeded' });
    expect(rows.Capped).toMatchObject({ spentCents: 1100, budgetCents: 1000, percent: 110, level: 'exceeded', status: 'paused' });
    // No finding plans an action: a company is never paused by clipguard (the server does it, with a policy).
    expect(report.findings.flatMap((f: any) => f.actions)).toEqual([]);
  });

  it('the Markdown report heads each company with its total against its budget', () => {
    const r = cli(['scan', '--paperclip', e2eUrl(), '--company', co.Watched.issuePrefix, co.Loose.issuePrefix, '--only', 'budget', '--format', 'markdown'], { cwd: tempDir(), env: { CLIPGUARD_STATE_DIR: tempDir() } });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain(`### ${co.Watched.name}: $8.50 of $10.00 (85.0%)`);
    expect(r.stdout).toContain(`### ${co.Loose.name}: $12.00 of $10.00 (120.0%)`);
    // The agent has no budget of its own: no budget, no percentage.
    expect(r.stdout).toContain('| WatchedAgent | $8.50 | — | — | ✅ idle |');
  });
});
