// Budget thresholds and currency come from config `budget.*` (the one place: the budget rules take no
// threshold params): clipguard.config.json -> loadConfig -> readSources -> budget facts -> rule messages,
// over a loopback server that answers the reads of a real Paperclip.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { runScan } from '../../src/scan.js';
import { formatMoney } from '../../src/util/money.js';
import { UserFileError } from '../../src/util/json-file.js';
import { tempDir } from '../helpers/cli.js';
import { serveJson, type JsonServer } from '../helpers/json-server.js';
import { sample, sampleAgent } from '../helpers/samples.js';

const company = sample('35-company-get');
const NOW = new Date('2026-11-15T12:00:00Z');

const agent = (n: number, name: string, spent: number) => sampleAgent(n, name, { budgetMonthlyCents: 10000, spentMonthlyCents: spent });
// No budget policies except Dee's (warnPercent 90): the config thresholds apply to Ann, Bob and Cid.
const agents = [agent(1, 'Ann', 6000), agent(2, 'Bob', 12000), agent(3, 'Cid', 16000), agent(4, 'Dee', 6000)];
const budgets = {
  companyId: company.id,
  policies: [{ ...sample('34-budgets-overview-after-spend').policies[1], scopeId: agents[3].id, scopeName: 'Dee', amount: 10000, observedAmount: 6000, warnPercent: 90, status: 'ok', paused: false, pauseReason: null }],
  activeIncidents: [],
};

let server: JsonServer;
let url = '';
beforeAll(async () => {
  server = await serveJson((path) =>
    path === '/api/health' ? sample('01-health')
    : path === '/api/companies' ? [company]
    : path.endsWith('/agents') ? agents
    : path.endsWith('/issues') || path.endsWith('/heartbeat-runs') || path.endsWith('/costs/by-agent') ? []
    : path.endsWith('/budgets/overview') ? budgets
    : undefined,
  );
  url = server.url;
});
afterAll(() => server.close());

function configFile(config: unknown): string {
  const dir = tempDir('clipguard-budget-');
  const file = join(dir, 'clipguard.config.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

/** Spend findings of a scan with `budget` as the config's budget section: rule id -> "Name: message". */
async function spendFindings(budget: Record<string, unknown>): Promise<Record<string, string[]>> {
  const file = configFile({ paperclip: { url }, repos: [], budget });
  const config = loadConfig(process.cwd(), { config: file }, { PAPERCLIP_API_URL: url });
  const { report } = await runScan(config, { only: ['budget/agent-spend-warning', 'budget/agent-spend-exceeded'], now: NOW });
  const out: Record<string, string[]> = {};
  for (const f of report.findings) (out[f.ruleId] ??= []).push(f.message);
  for (const k of Object.keys(out)) out[k].sort();
  return out;
}

describe('budget thresholds from config', () => {
  it('defaults: warn at 80%, stop at 100% (Ann at 60% is fine, Bob at 120% exceeded)', async () => {
    const config = loadConfig(process.cwd(), { noConfigFile: true }, {});
    expect(config.budget).toMatchObject({ warnPercent: 80, stopPercent: 100, currency: 'USD' });
    expect(await spendFindings({})).toEqual({
      'budget/agent-spend-exceeded': ['Bob spent $120.00 of $100.00 (120%, stop at 100%); status idle', 'Cid spent $160.00 of $100.00 (160%, stop at 100%); status idle'],
    });
  });

  it('budget.warnPercent 50 makes Ann at 60% warn; budget.stopPercent 150 keeps Bob at 120% a warning, not exceeded; a policy warnPercent (Dee, 90) still wins', async () => {
    expect(await spendFindings({ warnPercent: 50, stopPercent: 150 })).toEqual({
      'budget/agent-spend-warning': ['Ann spent $60.00 of $100.00 (60%, warn at 50%); 16 day(s) left in the month', 'Bob spent $120.00 of $100.00 (120%, warn at 50%); 16 day(s) left in the month'],
      'budget/agent-spend-exceeded': ['Cid spent $160.00 of $100.00 (160%, stop at 150%); status idle'],
    });
  });

  it('budget.currency EUR: finding messages show euros, not cents', async () => {
    expect((await spendFindings({ currency: 'EUR' }))['budget/agent-spend-exceeded']).toEqual([
      'Bob spent €120.00 of €100.00 (120%, stop at 100%); status idle',
      'Cid spent €160.00 of €100.00 (160%, stop at 100%); status idle',
    ]);
  });
});

describe('formatMoney', () => {
  it('formats cents in the currency, and an unknown code after the amount', () => {
    expect(formatMoney(27200, 'USD')).toBe('$272.00');
    expect(formatMoney(27200, 'EUR')).toBe('€272.00');
    expect(formatMoney(27200, 'credits')).toBe('272.00 credits');
    expect(formatMoney(27250, 'QQQ')).toBe('272.50 QQQ');
  });
});

describe('budget config validation', () => {
  const error = (config: unknown): string => {
    try {
      loadConfig(process.cwd(), { config: configFile(config) }, {});
    } catch (e) {
      expect(e).toBeInstanceOf(UserFileError);
      return (e as Error).message;
    }
    return 'no error';
  };

  it('rejects a threshold out of bounds, a warn threshold not below the stop threshold, and budget rule threshold params', () => {
    expect(error({ budget: { warnPercent: 0 } })).toMatch(/budget\.warnPercent: must be > 0/);
    expect(error({ budget: { stopPercent: 5000 } })).toMatch(/budget\.stopPercent: must be <= 1000/);
    expect(error({ budget: { warnPercent: 'high' } })).toMatch(/budget\.warnPercent: must be number/);
    expect(error({ budget: { warnPercent: 100 } })).toMatch(/budget\.warnPercent \(100\) must be below budget\.stopPercent \(100\)/);
    expect(error({ budget: { warnPercent: 90, stopPercent: 80 } })).toMatch(/must be below budget\.stopPercent \(80\)/);
    expect(error({ rules: { overrides: { 'budget/agent-spend-warning': { params: { warnPercent: 50 } } } } })).toMatch(/rules\.overrides\.budget\/agent-spend-warning\.params\.warnPercent: .*set budget\.warnPercent instead/);
    expect(error({ budget: { warnPercent: 50, stopPercent: 150, currency: 'EUR' } })).toBe('no error');
  });
});
