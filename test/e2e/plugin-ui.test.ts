// The live guard's UI slots in a REAL browser (headless Debian Chromium through playwright-core, no browser
// download) on the REAL Paperclip: `clipguard plugin install` (plain: the dry-run), a key planted in a ticket,
// the board's dashboard (local trusted mode: no login) shows the finding in the widget, masked, with the mode;
// no raw key anywhere in the page's HTML; a title holding markup is shown as text (no element made, no script
// run); the issue's page shows that issue's finding; a data request naming another company gets the company the
// server authorized.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverStateDir } from '../helpers/cli.js';
import { cliAsync } from '../helpers/cli-async.js';
import { fakeToken } from '../helpers/fake-secrets.js';
import { api, guardData, until } from '../helpers/live-guard.mjs';
import { Seed } from './seed.js';

const CHROMIUM = process.env.CLIPGUARD_E2E_CHROMIUM ?? '/usr/bin/chromium';
const seed = new Seed();
const call = api(seed.url);
const plugin = (args: string[]) => cliAsync(['plugin', ...args, '--paperclip', seed.url]);

/** The bridge call the page makes (POST /api/plugins/:id/data/:key, the page's company in `companyId`). */
const bridge = (key: string, companyId: string | undefined, params: Record<string, unknown>) => guardData(call, key, companyId, params);

// Markup in a title: shown as these characters, never parsed (the page would run the handler or the script).
const HOSTILE_TITLE = 'Deploy <img src=x onerror="window.__cgXss=1"><script>window.__cgXss=2</script> & "quotes"';

let browser: Browser;
const errors: string[] = [];
beforeAll(async () => {
  expect(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM} (apt-get install chromium, or CLIPGUARD_E2E_CHROMIUM)`).toBe(true);
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
});
afterAll(async () => {
  await browser?.close();
  await plugin(['uninstall', '--purge']);
});

async function open(path: string): Promise<Page> {
  const page = await browser.newPage();
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && errors.push(`console: ${m.text()}`));
  await page.goto(`${seed.url}${path}`, { waitUntil: 'domcontentloaded' });
  return page;
}

describe('the live guard UI slots in a browser on a real Paperclip', () => {
  let co: any;
  let issue: any;
  let k: string;

  it('installed plain: the dashboard widget shows the finding masked and the dry-run mode; no key in the page; a title with markup is text', async () => {
    co = await seed.createCompany();
    const state = serverStateDir('clipguard-live-ui-'); // the server's user (uid 65534 as root) writes there
    const r = await plugin(['install', '--state-dir', state]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/dry-run: reports only/);
    const contributions = (await call('GET', '/plugins/ui-contributions')) as any[];
    expect(contributions.find((c) => c.pluginKey === 'clipguard.live-guard')?.slots.map((s: any) => s.type).sort()).toEqual(['dashboardWidget', 'detailTab', 'taskDetailView']);

    k = fakeToken('github-pat', 501);
    issue = await seed.createIssue(co.id, { title: HOSTILE_TITLE, description: `Steps:\n1. deploy with ${k} today` });
    const ready = await until(async () => (await bridge('open-findings', co.id, {}))?.issues?.[0]?.issueId === issue.id);
    expect(ready, 'the guard kept the finding').toBe(true);

    const page = await open(`/${co.issuePrefix}/dashboard`);
    const widget = page.locator('[data-clipguard="findings"]');
    await widget.waitFor({ timeout: 30_000 });
    const row = widget.locator('[data-clipguard="finding"]');
    await row.first().waitFor({ timeout: 15_000 });
    expect(await row.count()).toBe(1);
    const text = await row.innerText();
    for (const want of [issue.identifier, 'critical', 'github-pat', 'security/secret-in-issue', 'description, line 2', `${k.slice(0, 4)}…`, 'would redact (dry-run)']) expect(text, text).toContain(want);
    expect(await widget.locator('[data-clipguard="mode"]').getAttribute('data-mode')).toBe('dry-run');
    expect(await widget.locator('[data-clipguard="mode"]').innerText()).toMatch(/dry-run, reporting only/);

    // The title, as text: the same characters, no element made of it, nothing run.
    expect(await widget.locator('[data-clipguard="title"]').textContent()).toBe(HOSTILE_TITLE);
    expect(await widget.locator('img, script').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __cgXss?: number }).__cgXss ?? null)).toBeNull();

    // No raw key in the whole page (the widget's, and Paperclip's own dashboard around it), nor its first 12.
    const html = await page.content();
    expect(html).toContain('would redact (dry-run)');
    expect(html).not.toContain(k);
    expect(html).not.toContain(k.slice(0, 12));
    expect(errors.filter((e) => /clipguard|plugin/i.test(e)), errors.join('\n')).toEqual([]);
    await page.close();
  });

  it("the issue's page shows that issue's finding, masked (the page itself shows the description as written: dry-run)", async () => {
    // The default task interface (the chat shell) shows the slot in the thread's header (taskDetailView); the
    // classic one shows it as a tab (detailTab): the next test.
    const page = await open(`/${co.issuePrefix}/issues/${issue.identifier}`);
    await page.locator('[data-clipguard="finding"]').first().waitFor({ timeout: 30_000 });
    // Once loaded, one panel (while the page loads, its loading shell may hold a second for a moment).
    const all = page.locator('[data-clipguard="findings"]');
    await expect.poll(() => all.count(), { timeout: 10_000 }).toBe(1);
    const pane = all.first();
    const text = await pane.innerText();
    expect(text).toMatch(/1 open finding/);
    for (const want of ['github-pat', 'description, line 2', `${k.slice(0, 4)}…`, 'would redact (dry-run)']) expect(text, text).toContain(want);
    expect(await pane.locator('[data-clipguard="mode"]').getAttribute('data-mode')).toBe('dry-run');
    expect(await pane.innerHTML()).not.toContain(k);
    await page.close();
  });

  it("the classic task interface: a 'clipguard' tab on the issue shows the same", async () => {
    await call('PATCH', '/instance/settings/experimental', { enableClassicTaskInterface: true });
    try {
      const page = await open(`/${co.issuePrefix}/issues/${issue.identifier}`);
      const tab = page.getByRole('tab', { name: 'clipguard', exact: true });
      await tab.waitFor({ timeout: 30_000 });
      await tab.click();
      const pane = page.locator('[data-clipguard="findings"]');
      await pane.locator('[data-clipguard="finding"]').first().waitFor({ timeout: 15_000 });
      const text = await pane.first().innerText();
      for (const want of ['github-pat', 'description, line 2', `${k.slice(0, 4)}…`, 'would redact (dry-run)']) expect(text, text).toContain(want);
      expect(await pane.first().innerHTML()).not.toContain(k);
      await page.close();
    } finally {
      await call('PATCH', '/instance/settings/experimental', { enableClassicTaskInterface: false });
    }
  });

  it("a data request naming another company in its params gets the company the server authorized, not the other one's findings", async () => {
    const other = await seed.createCompany();
    const view = await bridge('open-findings', other.id, { companyId: co.id });
    expect(view).toMatchObject({ companyId: other.id, total: 0, issues: [] });
    // And the other way round: this company's page, the other company's id in the params.
    expect((await bridge('open-findings', co.id, { companyId: other.id })).issues.map((i: any) => i.issueId)).toEqual([issue.id]);
  });

  it('switched to acting: the widget says so, and once the guard redacted the key the finding is gone from it', async () => {
    const state = serverStateDir('clipguard-live-ui-');
    const r = await plugin(['install', '--apply', '--company', co.id, '--state-dir', state]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    // The next write to the issue brings it to the guard, which redacts it now.
    await call('PATCH', `/issues/${issue.id}`, { description: `Steps:\n1. deploy with ${k} today\n2. check` });
    const gone = await until(async () => !String((await call('GET', `/issues/${issue.id}`)).description).includes(k));
    expect(gone, 'the guard redacted the description').toBe(true);
    const page = await open(`/${co.issuePrefix}/dashboard`);
    const widget = page.locator('[data-clipguard="findings"]');
    await widget.locator('[data-clipguard="summary"]').waitFor({ timeout: 30_000 });
    expect(await widget.locator('[data-clipguard="mode"]').getAttribute('data-mode')).toBe('acting');
    expect(await widget.locator('[data-clipguard="summary"]').innerText()).toBe('No open findings.');
    expect(await page.content()).not.toContain(k);
    await page.close();
  });
});
