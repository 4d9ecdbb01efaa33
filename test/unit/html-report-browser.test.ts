// The HTML budget report rendered in a real headless Chromium (Debian's, driven by playwright-core):
// one bar per agent, warning colours where due, the company total on top, and no injected script.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { renderHtml } from '../../src/report/html.js';
import { runScan } from '../../src/scan.js';
import { subjectsFromInput } from '../../src/rule-tests.js';
import { tempDir } from '../helpers/cli.js';

const CHROMIUM = '/usr/bin/chromium';
// CI installs Chromium (.ci/run); elsewhere the test says why it did not run.
const run = existsSync(CHROMIUM) || process.env.CI ? it : it.skip;

describe('html budget report in Chromium', () => {
  run('renders one bar per agent with the right colours, and escapes Paperclip strings', async () => {
    const fx = JSON.parse(readFileSync(new URL('../../fixtures/budget/agent-spend-exceeded/over-budget.json', import.meta.url), 'utf8'));
    const company = fx.input.paperclip.companies[0];
    company.agents.push({ ...company.agents[0], id: 'a-evil', name: '<img src=x onerror=alert(1)><script>window.pwned=1</script>', budgetMonthlyCents: 0, spentMonthlyCents: 0 });
    const config = loadConfig(tempDir(), { noConfigFile: true }, {});
    const now = new Date(fx.now);
    const subjects = subjectsFromInput(fx.input, config, now);
    const { report } = await runScan(config, { only: ['budget'], subjects, now });
    const dir = tempDir();
    const file = join(dir, 'budget.html');
    writeFileSync(file, renderHtml(report));

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.goto('file://' + file);
      const rows = await page.$$eval('section.company .row.agent', (els) => els.map((e) => ({ name: e.getAttribute('data-agent'), level: e.getAttribute('data-level'), color: getComputedStyle(e.querySelector('.bar')!).backgroundColor, width: (e.querySelector('.bar') as HTMLElement).getBoundingClientRect().width })));
      expect(rows.map((r) => r.name).sort()).toEqual(company.agents.map((a: { name: string }) => a.name).sort());
      const byName = Object.fromEntries(rows.map((r) => [r.name, r]));
      expect(byName.Dan.level).toBe('exceeded');
      expect(byName.Dan.color).toBe('rgb(208, 49, 45)');
      expect(byName.Bea.level).toBe('warning');
      expect(byName.Bea.color).toBe('rgb(230, 167, 0)');
      expect(byName.Ann.level).toBe('ok');
      expect(byName.Ann.color).toBe('rgb(46, 139, 87)');
      expect(byName.Dan.width).toBeGreaterThan(byName.Bea.width);
      expect(byName.Bea.width).toBeGreaterThan(byName.Ann.width);
      expect(await page.$$eval('section.company .row.total', (e) => e.length)).toBe(1);
      expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
      expect(await page.$$eval('script', (e) => e.length)).toBe(0);
      expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
      mkdirSync(join(dir, 'shots'), { recursive: true });
      await page.screenshot({ path: join(dir, 'shots', 'budget.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  });
});
