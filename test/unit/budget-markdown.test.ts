// The Markdown budget report (`scan --only budget --format markdown`, the daily checklist's budget table): one
// table per company — agent, spent, budget, %, status, forecast — under the company total. The snapshot is
// recorded Paperclip responses (fixtures/paperclip-samples/) served from a loopback server, read by the real
// scan, so the rows are what a real server's numbers become; the forecast names the date spend reaches the
// configured stop threshold (budget.stopPercent), not always 100%.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { runScan } from '../../src/scan.js';
import { renderBudgetMarkdown, renderMarkdown } from '../../src/report/markdown.js';
import { renderHtml } from '../../src/report/html.js';
import { tempDir } from '../helpers/cli.js';
import { serveJson, type JsonServer } from '../helpers/json-server.js';
import { sample, sampleAgent } from '../helpers/samples.js';

// Mid-month: 15.5 days left; the 7-day burn window runs from Nov 8, 12:00.
const NOW = new Date('2026-11-15T12:00:00Z');

const agent = (n: number, name: string, budget: number, spent: number, status = 'idle') =>
  sampleAgent(n, name, {
    status,
    pauseReason: status === 'paused' ? 'budget' : null,
    pausedAt: status === 'paused' ? '2026-11-14T08:00:00.000Z' : null,
    budgetMonthlyCents: budget,
    spentMonthlyCents: spent,
  });
// Ann 50%, Bob 85% and still burning $2/day, Cid 120% (paused by the server's hard stop), Dee without a budget.
const agents = [agent(1, 'Ann', 10000, 5000), agent(2, 'Bob', 10000, 8500), agent(3, 'Cid', 10000, 12000, 'paused'), agent(4, 'Dee', 0, 300)];
const [ann, bob, cid] = agents;
const company = { ...sample('35-company-get'), spentMonthlyCents: 25800 };
const overview = sample('34-budgets-overview-after-spend');
const [companyPolicy, agentPolicy] = overview.policies;
const budgets = {
  ...overview,
  policies: [
    { ...companyPolicy, observedAmount: 25800 },
    ...[ann, bob].map((a) => ({ ...agentPolicy, policyId: `p-${a.urlKey}`, scopeId: a.id, scopeName: a.name, amount: 10000, observedAmount: a.spentMonthlyCents, status: a === bob ? 'warning' : 'ok', paused: false, pauseReason: null })),
    { ...agentPolicy, scopeId: cid.id, scopeName: 'Cid', amount: 10000, observedAmount: 12000 },
  ],
  activeIncidents: overview.activeIncidents.map((i: any) => ({ ...i, scopeId: cid.id, scopeName: 'Cid', amountLimit: 10000, amountObserved: 12000 })),
};
const costRow = sample('33-costs-by-agent-after-spend')[0];
const cost = (a: any, cents: number) => ({ ...costRow, agentId: a.id, agentName: a.name, agentStatus: a.status, costCents: cents });
// The last 7 days' costs, the burn rate (only Bob spent recently: $14.00, $2/day); the month's spend is the
// agents' spentMonthlyCents and the budgets overview.
const recentCosts = [cost(bob, 1400)];

let server: JsonServer;
let url = '';
beforeAll(async () => {
  server = await serveJson((path, u) =>
    path === '/api/health' ? sample('01-health')
    : path === '/api/companies' ? [company]
    : path.endsWith('/agents') ? agents
    : path.endsWith('/costs/by-agent') ? recentCosts
    : path.endsWith('/budgets/overview') ? budgets
    : path.endsWith('/issues') || path.endsWith('/heartbeat-runs') ? []
    : undefined,
  );
  url = server.url;
});
afterAll(() => server.close());

async function budgetReport(budget: Record<string, unknown>) {
  const dir = tempDir('clipguard-budget-md-');
  const file = join(dir, 'clipguard.config.json');
  writeFileSync(file, JSON.stringify({ paperclip: { url }, repos: [], budget }));
  const { report } = await runScan(loadConfig(dir, { config: file }, { PAPERCLIP_API_URL: url }), { only: ['budget'], now: NOW });
  expect(report.sources.find((s) => s.name === 'paperclip')?.status).toBe('ok');
  return report;
}

/** The table rows under a company heading, as cells. */
function table(md: string): { heading: string; header: string[]; align: string[]; rows: string[][] } {
  const lines = md.split('\n');
  const h = lines.findIndex((l) => l.startsWith('### '));
  const cells = (l: string) => l.slice(1, -1).split(' | ').map((c) => c.trim());
  const body: string[] = [];
  for (let k = h + 4; k < lines.length && lines[k].startsWith('|'); k++) body.push(lines[k]);
  return { heading: lines[h], header: cells(lines[h + 2]), align: cells(lines[h + 3]), rows: body.map(cells) };
}

describe('the Markdown budget report', () => {
  it('a paused agent that spent in the forecast window is not forecast to spend more: its cell says so, no threshold date, no budget/forecast finding', async () => {
    // Cid spent $14 in the last 7 days, then was paused (Nov 14) at $80 of $100: at $2/day it would reach 100%
    // on Nov 25 if it were not paused.
    const saved = { agents: [...agents], costs: [...recentCosts] };
    agents[2] = agent(3, 'Cid', 10000, 8000, 'paused');
    recentCosts.push(cost(agents[2], 1400));
    try {
      const report = await budgetReport({ companyMonthlyCents: 34000 });
      const rows = table(renderBudgetMarkdown(report)).rows;
      expect(rows.find((r) => r[0] === 'Cid')).toEqual(['Cid', '$80.00', '$100.00', '80.0%', '⚠️ paused', '$80.00 (paused: no further spend)']);
      // Bob, not paused, burning the same, is forecast as before.
      expect(rows.find((r) => r[0] === 'Bob')?.[5]).toBe('$116.00 (100% on 2026-11-23)');
      const forecasts = report.findings.filter((f) => f.ruleId === 'budget/forecast').map((f) => f.subject.label);
      expect(forecasts.some((l) => l.startsWith('Bob'))).toBe(true);
      expect(forecasts.some((l) => l.startsWith('Cid'))).toBe(false);
      expect(report.budget!.companies[0].agents.find((a) => a.name === 'Cid')).toMatchObject({ forecastCents: 8000, projectedCrossDate: null });
    } finally {
      agents.splice(0, agents.length, ...saved.agents);
      recentCosts.splice(0, recentCosts.length, ...saved.costs);
    }
  });

  it('one row per agent, most spent first: spent, budget, %, status and forecast, under the company total', async () => {
    const report = await budgetReport({ companyMonthlyCents: 34000 });
    const md = renderBudgetMarkdown(report);
    expect(md.startsWith('## Budget\n')).toBe(true);
    const t = table(md);
    // The company total: $258.00 spent of the configured $340.00 (75.88%).
    expect(t.heading).toBe('### Acme Offline Co: $258.00 of $340.00 (75.9%)');
    expect(t.header).toEqual(['agent', 'spent', 'budget', '%', 'status', 'forecast']);
    expect(t.align).toEqual(['---', '---:', '---:', '---:', '---', '---']);
    expect(t.rows).toEqual([
      ['Cid', '$120.00', '$100.00', '120.0%', '❌ paused', '$120.00 (paused: no further spend)'],
      // $85 + $2/day × 15.5 days = $116; 100% ($100) is reached after 7.5 days: Nov 23.
      ['Bob', '$85.00', '$100.00', '85.0%', '⚠️ idle', '$116.00 (100% on 2026-11-23)'],
      ['Ann', '$50.00', '$100.00', '50.0%', '✅ idle', '$50.00'],
      ['Dee', '$3.00', '—', '—', '✅ idle', '$3.00'],
    ]);
    // The full Markdown report carries the same section after the findings.
    expect(renderMarkdown(report).endsWith(md)).toBe(true);
  });

  it('the forecast date is when spend reaches budget.stopPercent, and says that percentage (not always 100%)', async () => {
    const report = await budgetReport({ companyMonthlyCents: 34000, warnPercent: 80, stopPercent: 110 });
    const rows = table(renderBudgetMarkdown(report)).rows;
    // Bob reaches 110% ($110) after 12.5 days at $2/day: Nov 28.
    expect(rows.find((r) => r[0] === 'Bob')).toEqual(['Bob', '$85.00', '$100.00', '85.0%', '⚠️ idle', '$116.00 (110% on 2026-11-28)']);
    expect(rows.find((r) => r[0] === 'Cid')).toEqual(['Cid', '$120.00', '$100.00', '120.0%', '❌ paused', '$120.00 (paused: no further spend)']);
    expect(renderBudgetMarkdown(report)).not.toContain('100% on');
    // The HTML chart says the same threshold.
    expect(renderHtml(report)).toContain('crosses 110% on 2026-11-28');
    expect(renderHtml(report)).not.toContain('crosses 100% on');
    // Its stop line is drawn at 110% of each budget, on the company's one scale: 0..125% (the stop line + 10%,
    // rounded up to a multiple of 25), and labelled there.
    const html = renderHtml(report);
    expect(html).toContain('data-scale="125"');
    const bob = /data-agent="Bob"[\s\S]*?<\/div>\n<\/div>/.exec(html)![0];
    expect(bob).toContain('<div class="line warn" style="left:64.00%"></div><div class="line stop" style="left:88.00%"></div>');
    expect(bob).toContain('warn at 80%, stop at 110%');
    expect(html).toContain('<span class="mark stop" style="left:88.00%">stop 110%</span>');
    // And so does the forecast finding: the date is that of 110% of the budget, not of the budget.
    expect(report.findings.find((f) => f.ruleId === 'budget/forecast' && f.subject.label.startsWith('Bob'))?.message).toMatch(/^Bob burns \$2\.00\/day and will reach 110% of its \$100\.00 budget on 2026-11-28 /);

    // Stop at 150%: Bob would reach $150 only after 32.5 days, past the month end, so no date.
    const late = table(renderBudgetMarkdown(await budgetReport({ companyMonthlyCents: 34000, stopPercent: 150 }))).rows;
    expect(late.find((r) => r[0] === 'Bob')?.[5]).toBe('$116.00');
    // Cid at 120% is under a 150% stop: a warning, no longer exceeded.
    expect(late.find((r) => r[0] === 'Cid')?.[4]).toBe('⚠️ paused');
  });
});
