// Runaway work creation (issue 24, Paperclip #4388): the issue-creation counts against a baseline, and the
// routine subjects (who created it, whether the board approved it). Properties against a brute-force count,
// and the hostile inputs: a key in an agent-written routine title, ids that are Object.prototype's names,
// an approval the board did not give.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BUILTIN_RULES_DIR, loadRulePacks, validateRule } from '../../src/engine/load.js';
import type { LoadedRule } from '../../src/engine/rule.js';
import { runCase } from '../../src/rule-tests.js';
import { companyCreationFacts, creationFacts, creationIndex } from '../../src/facts/issue-creation.js';
import { routineSubjects } from '../../src/facts/routine.js';
import { fakeToken } from '../helpers/fake-secrets.js';

const HOUR = 3_600_000;
const NOW = new Date('2026-11-15T12:00:00Z');
const builtin = (id: string): LoadedRule => loadRulePacks([BUILTIN_RULES_DIR]).rules.find((r) => r.id === id)!;
const fixture = (path: string) => JSON.parse(readFileSync(join(BUILTIN_RULES_DIR, '../fixtures', path), 'utf8'));

describe('issue creation against a baseline', () => {
  it('property: recent and baseline are the brute-force counts of the two windows; ratio is recent over max(baseline per window, 1)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -40 * 24, max: 2 }), { maxLength: 300 }),
        fc.integer({ min: 1, max: 72 }),
        fc.integer({ min: 1, max: 14 }),
        (hoursAgo, windowHours, baselineDays) => {
          const rows = hoursAgo.map((h, k) => ({ at: NOW.getTime() + h * HOUR - (k % 7) * 1000, identifier: `X-${k}` })).sort((a, b) => b.at - a.at);
          const f = creationFacts(rows, NOW, { windowHours, baselineDays });
          const start = NOW.getTime() - windowHours * HOUR;
          const recent = rows.filter((r) => r.at >= start).length;
          const baseline = rows.filter((r) => r.at < start && r.at >= start - baselineDays * 24 * HOUR).length;
          expect(f.recent).toBe(recent);
          expect(f.baseline).toBe(baseline);
          const perWindow = baseline / ((baselineDays * 24) / windowHours);
          expect(Math.abs(f.baselinePerWindow - perWindow)).toBeLessThanOrEqual(0.0051);
          expect(Math.abs(f.ratio - recent / Math.max(f.baselinePerWindow, 1))).toBeLessThanOrEqual(0.0051);
          expect(f.newest).toEqual(rows.filter((r) => r.at >= start).slice(0, 5).map((r) => r.identifier));
        },
      ),
    );
  });

  it('property: the company count is the sum over agents, and the top creators are the biggest agents in the window', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ agent: fc.constantFrom('a1', 'a2', 'a3', 'constructor', '__proto__'), hoursAgo: fc.integer({ min: 0, max: 200 }) }), { maxLength: 200 }), (rows) => {
        const issues = rows.map((r, k) => ({ id: `i${k}`, identifier: `X-${k}`, createdByAgentId: r.agent, createdAt: new Date(NOW.getTime() - r.hoursAgo * HOUR - 1).toISOString() }));
        const index = creationIndex(issues as any[]);
        const w = { windowHours: 24, baselineDays: 7 };
        const c = companyCreationFacts(index, new Map(), NOW, w);
        const perAgent = [...index.values()].map((list) => creationFacts(list, NOW, w));
        expect(c.recent).toBe(perAgent.reduce((s, f) => s + f.recent, 0));
        // Brute force over the issues themselves: the count in the window and the five newest of the company.
        const start = NOW.getTime() - 24 * HOUR;
        const inWindow = issues.filter((i) => Date.parse(i.createdAt) >= start).sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
        expect(c.recent).toBe(inWindow.length);
        expect(c.newest.map((id) => Date.parse(issues.find((i) => i.identifier === id)!.createdAt))).toEqual(inWindow.slice(0, 5).map((i) => Date.parse(i.createdAt)));
        expect(c.baseline).toBe(perAgent.reduce((s, f) => s + f.baseline, 0));
        expect(c.topCreators.reduce((s, t) => s + t.recent, 0)).toBeLessThanOrEqual(c.recent);
        for (let k = 1; k < c.topCreators.length; k++) expect(c.topCreators[k - 1].recent).toBeGreaterThanOrEqual(c.topCreators[k].recent);
      }),
    );
  });

  it('issues without an agent creator (the board) and with a bad date are not counted', () => {
    const index = creationIndex(<any[]>[
      { id: 'i1', identifier: 'X-1', createdByAgentId: null, createdByUserId: 'local-board', createdAt: NOW.toISOString() },
      { id: 'i2', identifier: 'X-2', createdByAgentId: 'a1', createdAt: 'yesterday' },
      { id: 'i3', identifier: 'X-3', createdByAgentId: 'a1', createdAt: NOW.toISOString() },
    ]);
    expect([...index.keys()]).toEqual(['a1']);
    expect(index.get('a1')!.map((r) => r.identifier)).toEqual(['X-3']);
  });

  it("the rule's windows are its params: a 6-hour window sees Hal's newest four against the 22 of the week before it", async () => {
    const burst = fixture('ops/issue-burst/burst.json');
    const rule = builtin('ops/issue-burst');
    expect((await runCase(rule, burst)).map((f) => f.subject.label)).toEqual(['Hal (ACM)']);
    const withParams = (params: Record<string, number>) => runCase(rule, { ...burst, config: { rules: { overrides: { 'ops/issue-burst': { params } } } } });
    // One issue in the last hour: under minIssues 10.
    expect(await withParams({ minIssues: 10, windowHours: 1 })).toEqual([]);
    // Ivy's four in 6 h are 1.35x her baseline (2.96 per 6 h): under the factor 3.
    const found = await withParams({ minIssues: 3, windowHours: 6 });
    expect(found.map((f) => f.message)).toEqual(['Hal created 4 issue(s) in the last 6 h, 4x its baseline of 0.79 per 6 h over the 7 days before; newest: ACM-1, ACM-2, ACM-3, ACM-4']);
  });
});

describe('routine subjects', () => {
  const company: any = { id: 'c1', name: 'Acme', issuePrefix: 'ACM' };
  const routine = (id: string, fields: Record<string, unknown> = {}): any => ({ id, title: `Routine ${id}`, status: 'active', createdByAgentId: 'a1', createdByUserId: null, assigneeAgentId: 'a1', createdAt: '2026-11-14T08:00:00.000Z', triggers: [], ...fields });
  const agents = new Map<string, any>([['a1', { id: 'a1', name: 'Lou', role: 'engineer' }]]);

  it('a key in an agent-written title reaches neither the routine fact nor the label', () => {
    const key = fakeToken('github-pat', 2424);
    const [s] = routineSubjects(company, [routine('r1', { title: `Sync with ${key}` })], [], agents);
    expect(JSON.stringify(s)).not.toContain(key);
    expect((s.facts.routine as any).title).toMatch(/^Sync with /);
  });

  it("ids named after Object.prototype's members are routines like any other; only the newest approval naming the routine counts, and only an approved one approves", () => {
    const subjects = routineSubjects(
      company,
      [routine('constructor'), routine('__proto__'), routine('toString')],
      [
        { id: 'p1', type: 'request_board_approval', status: 'approved', payload: { routineId: 'constructor' }, createdAt: '2026-11-14T09:00:00.000Z' },
        { id: 'p2', type: 'request_board_approval', status: 'rejected', payload: { routineId: '__proto__' }, createdAt: '2026-11-14T10:00:00.000Z' },
        { id: 'p3', type: 'request_board_approval', status: 'approved', payload: { routineId: '__proto__' }, createdAt: '2026-11-14T09:00:00.000Z' },
        // An agent can file a request of its own naming its routine: not the board's request (review finding),
        // so it is neither an approval nor an open request that would stop clipguard filing its own.
        { id: 'p4', type: 'request_board_approval', status: 'pending', requestedByAgentId: 'a1', payload: { routineId: 'toString' }, createdAt: '2026-11-14T09:00:00.000Z' },
      ],
      agents,
    );
    const byId = Object.fromEntries(subjects.map((s) => [s.id, s.facts.approval as any]));
    expect(Object.keys(byId).sort()).toEqual(['__proto__', 'constructor', 'toString']);
    expect(byId['constructor']).toMatchObject({ known: true, approved: true, id: 'p1' });
    expect(byId['__proto__']).toMatchObject({ known: true, approved: false, status: 'rejected', id: 'p2' });
    expect(byId['toString']).toMatchObject({ known: true, approved: false, pending: false, id: null });
  });

  it('approvals not read: the approval is unknown and the rule does not fire', async () => {
    const [s] = routineSubjects(company, [routine('r1')], null, agents);
    expect(s.facts.approval).toMatchObject({ known: false, approved: false });
    expect(await runCase(builtin('ops/routine-without-approval'), fixture('ops/routine-without-approval/approvals-unread.json'))).toEqual([]);
  });

  it('rule files: disable-routine only on routine subjects; routine paths are checked against the routine shape', () => {
    const rule = { id: 'team/x', title: 'x', severity: 'error', subject: 'agent', description: 'd', remediation: 'r', tags: [], conditions: { all: [{ fact: 'agent', path: '$.status', operator: 'equal', value: 'idle' }] } };
    const problems = (r: object) => validateRule(r, 'x.json').map((p) => `${p.field}: ${p.message}`);
    expect(problems({ ...rule, action: { type: 'disable-routine' } }).join()).toContain('the disable-routine action pauses the routine the finding is about: subject must be routine, not "agent"');
    const onRoutine = { ...rule, subject: 'routine', conditions: { all: [{ fact: 'routine', path: '$.status', operator: 'equal', value: 'active' }] } };
    expect(problems({ ...onRoutine, action: { type: 'disable-routine' } })).toEqual([]);
    expect(problems({ ...onRoutine, conditions: { all: [{ fact: 'routine', path: '$.statsu', operator: 'equal', value: 'active' }] } }).join()).toContain('did you mean "status"');
  });

  it('routines not read (no routine rule selected): no routine subject', () => {
    expect(routineSubjects(company, undefined, [], agents)).toEqual([]);
  });
});
