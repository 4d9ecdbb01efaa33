// The GitHub Action's budget report on a REAL Paperclip: the entry run as the runner runs it (the env GitHub
// sets, the inputs a workflow gives), against a company with an agent over budget and one past the warning.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runEntry } from '../helpers/action-entry.js';
import { gitRepo } from '../helpers/local.js';
import { sarifValidator } from '../helpers/schemas.js';
import { e2eUrl, Seed, unique, waitFor } from './seed.js';

describe('GitHub Action: command budget on a real Paperclip', () => {
  const seed = new Seed();
  let company: any;

  beforeAll(async () => {
    company = await seed.createCompany({ name: unique('ActionBudget') });
    const over = await seed.createAgent(company.id, { name: 'Oskar', role: 'engineer' });
    const warn = await seed.createAgent(company.id, { name: 'Wanda', role: 'engineer' });
    for (const a of [over, warn]) await seed.setAgentBudget(a.id, 1000);
    await seed.addCost(company.id, over.id, 1200);
    await seed.addCost(company.id, warn.id, 850);
    await waitFor(async () => (await seed.getAgent(over.id)).status === 'paused', { what: 'the server to pause Oskar', timeoutMs: 30_000 });
  });

  it('fails on the agent over budget, writes the budget tables to the summary, the HTML chart and valid SARIF', () => {
    const dir = gitRepo();
    const r = runEntry(dir, { command: 'budget', 'paperclip-url': e2eUrl(), args: `--company ${company.issuePrefix}`, html: 'budget.html' });
    expect(r.code, r.stderr).toBe(1);
    expect(r.outputs).toMatchObject({ 'exit-code': '1', failed: 'true', 'sarif-file': 'clipguard.sarif', 'html-file': 'budget.html' });
    expect(r.summary).toContain('**❌ failed** (fail on error)');
    expect(r.summary).toContain('budget/agent-spend-exceeded');
    expect(r.summary).toContain('## Budget');
    expect(r.summary).toMatch(/\| Oskar \| \$12\.00 \| \$10\.00 \| 120\.0% \|/);
    expect(r.summary).toMatch(/\| Wanda \| \$8\.50 \| \$10\.00 \| 85\.0% \|/);
    const html = readFileSync(join(dir, 'budget.html'), 'utf8');
    expect(html).toContain('Oskar');
    const sarif = JSON.parse(readFileSync(join(dir, 'clipguard.sarif'), 'utf8'));
    const validate = sarifValidator();
    expect(validate(sarif), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    expect(sarif.runs[0].results.map((x: any) => x.ruleId)).toEqual(expect.arrayContaining(['budget/agent-spend-exceeded', 'budget/agent-spend-warning']));
  });

  it('fail-on critical: the same findings reported, the step passes', () => {
    const dir = gitRepo();
    const r = runEntry(dir, { command: 'budget', 'paperclip-url': e2eUrl(), args: `--company ${company.issuePrefix}`, 'fail-on': 'critical' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.outputs).toMatchObject({ 'exit-code': '0', failed: 'false' });
    expect(r.summary).toContain('budget/agent-spend-exceeded');
  });
});
