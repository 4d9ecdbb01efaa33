// A company of 50 agents and 5,000 issues on a REAL Paperclip: a full dry-run scan with the whole built-in
// pack finishes, reads every issue, and plans a sane dispatch (one issue per idle agent, never one issue
// twice, CEO left out). The time and the request count are printed for the closing note, not asserted.
import { performance } from 'node:perf_hooks';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, tempDir } from '../helpers/cli.js';
import { e2eUrl, Seed, unique } from './seed.js';

const AGENTS = 50;
const ISSUES = 5000;
const PRIORITIES = ['critical', 'high', 'medium', 'low'];

describe(`a company of ${AGENTS} agents and ${ISSUES} issues`, () => {
  const seed = new Seed();
  let company: any;

  beforeAll(async () => {
    company = await seed.createCompany({ name: unique('Scale') });
    await seed.createAgent(company.id, { name: 'Ceo', role: 'ceo' });
    for (let k = 1; k < AGENTS; k++) await seed.createAgent(company.id, { name: `Agent ${k}`, role: k % 5 === 0 ? 'qa' : 'engineer' });
    const t = performance.now();
    await seed.createIssues(company.id, ISSUES, (k) => ({ title: `Issue ${k}`, status: k % 3 === 0 ? 'backlog' : 'todo', priority: PRIORITIES[k % 4] }), 8);
    console.log(`[scale] seeded ${ISSUES} issues in ${Math.round(performance.now() - t)} ms`);
  }, 900_000);

  it('a full scan finishes, reads every issue and plans one distinct issue per idle non-CEO agent', () => {
    const t = performance.now();
    const r = cli(['scan', '--paperclip', e2eUrl(), '--company', company.issuePrefix, '--format', 'json'], { cwd: tempDir(), env: { CLIPGUARD_STATE_DIR: tempDir() } });
    const ms = Math.round(performance.now() - t);
    expect(r.code, r.stderr).not.toBe(2);
    const report = JSON.parse(r.stdout);
    const paperclip = report.sources.find((s: any) => s.name === 'paperclip');
    expect(paperclip.status).toBe('ok');
    expect(paperclip.detail).toContain(`${AGENTS} agents, ${ISSUES} issues`);
    const requests = Number(/(\d+) requests/.exec(paperclip.detail)?.[1]);
    console.log(`[scale] scan of ${AGENTS} agents / ${ISSUES} issues: ${ms} ms wall (whole process), ${requests} requests; ${report.findings.length} findings`);

    const idle = report.findings.filter((f: any) => f.ruleId === 'ops/idle-agent-backlog');
    expect(idle).toHaveLength(AGENTS - 1); // every agent but the CEO is idle with work waiting
    const checkouts = idle.flatMap((f: any) => f.actions.filter((a: any) => a.type === 'checkout' && a.status === 'planned'));
    // maxPerScan (20) caps the plan; the rest are skipped with the reason. Each planned checkout is a
    // different issue for a different agent.
    expect(checkouts.length).toBe(20);
    expect(idle.flatMap((f: any) => f.actions).filter((a: any) => a.status === 'skipped').every((a: any) => a.detail.includes('maxPerScan'))).toBe(true);
    expect(new Set(checkouts.map((a: any) => a.target)).size).toBe(checkouts.length);
    expect(new Set(checkouts.map((a: any) => a.params.agentId)).size).toBe(checkouts.length);
    expect(report.findings.some((f: any) => f.ruleId === 'ops/idle-agent-backlog' && f.subject.label.startsWith('Ceo'))).toBe(false);
  }, 900_000);
});
