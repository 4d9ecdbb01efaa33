// Defects an adversarial review of issue 24's guards found, kept as regression tests: a loop pause absorbed by a
// budget pause (so clipguard could later resume a looping agent), a routine "approved" by an agent's own
// approval, a run-log read without end against a server that creeps its offset.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planActions } from '../../src/actions/planner.js';
import { loadConfig } from '../../src/config/load.js';
import { activateRules, Evaluator } from '../../src/engine/evaluate.js';
import { BUILTIN_RULES_DIR, loadRulePacks } from '../../src/engine/load.js';
import { subjectsFromInput } from '../../src/rule-tests.js';
import { ledgerKey } from '../../src/actions/registry.js';
import { routineSubjects } from '../../src/facts/routine.js';
import { ownPause } from '../../src/facts/pause.js';

const rules = loadRulePacks([BUILTIN_RULES_DIR]).rules;

describe('review: a self-wake loop pause absorbed by a budget pause of the same agent', () => {
  it('an agent both looping and over budget: the plan keeps only the budget pause, so the ledger records a budget pause (resumable later)', async () => {
    const fx = JSON.parse(readFileSync(join(BUILTIN_RULES_DIR, '../fixtures/ops/agent-self-wake-runaway/runaway.json'), 'utf8'));
    const NOW = new Date(fx.now);
    const eve = fx.input.paperclip.companies[0].agents.find((a: any) => a.id === 'a-eve');
    eve.budgetMonthlyCents = 10000;
    eve.spentMonthlyCents = 12000; // over its stop, idle
    const config = loadConfig(process.cwd(), { noConfigFile: true }, {});
    config.rules.overrides['ops/agent-self-wake-runaway'] = { action: { enabled: true } } as any;
    const ids = ['budget/agent-spend-exceeded', 'ops/agent-self-wake-runaway'];
    const active = activateRules(rules.filter((r) => ids.includes(r.id)).map((r) => (r.id === 'ops/agent-self-wake-runaway' ? { ...r, action: { ...r.action!, enabled: true } } : r)) as any);
    const subjects = subjectsFromInput(fx.input, config, NOW);
    const fs = await new Evaluator(active).evaluate(subjects, { now: NOW });
    planActions(fs, subjects, { maxPerScan: 100, maxPerAgent: 100, exec: {} });
    const pauses = fs.filter((f) => f.subject.label.startsWith('Eve')).flatMap((f) => f.actions.filter((a) => a.type === 'pause').map((a) => ({ rule: f.ruleId, status: a.status, key: ledgerKey(f, a), detail: a.detail })));
    // The loop pause is planned too (recorded under its own rule), so ops/paused-agent never resumes Eve.
    const loop = pauses.find((p) => p.rule === 'ops/agent-self-wake-runaway')!;
    expect(loop.status).toBe('planned');
    expect(loop.key).toBe('pause:a-eve:::ops/agent-self-wake-runaway');
    expect(pauses.find((p) => p.rule === 'budget/agent-spend-exceeded')?.status).toBe('planned');
    // With both recorded, the pause reads as the loop's, whichever record came first.
    const at = '2026-11-15T12:00:00.000Z';
    const later = '2026-11-15T12:00:01.000Z';
    expect(ownPause({ pausedAt: at }, [{ at, rule: 'budget/agent-spend-exceeded' }, { at: later, rule: 'ops/agent-self-wake-runaway' }])?.rule).toBe('ops/agent-self-wake-runaway');
    expect(ownPause({ pausedAt: at }, [{ at, rule: 'budget/agent-spend-exceeded' }])?.rule).toBe('budget/agent-spend-exceeded');
  });
});

describe('review: a routine "approved" by any approval that names it', () => {
  it("an agent-filed hire_agent approval carrying payload.routineId, approved by the board for the hire, reads as the routine's approval", () => {
    const company = { id: 'c', name: 'Acme', issuePrefix: 'ACM', status: 'active', budgetMonthlyCents: 0, spentMonthlyCents: 0 } as any;
    const agent = { id: 'a-1', name: 'Eve', role: 'engineer' } as any;
    const routine = { id: 'r-1', companyId: 'c', title: 'spam', status: 'active', createdByAgentId: 'a-1', createdByUserId: null, createdAt: '2026-11-01T00:00:00Z', triggers: [] } as any;
    const approval = { id: 'ap-1', companyId: 'c', type: 'hire_agent', status: 'approved', requestedByAgentId: 'a-1', requestedByUserId: null, payload: { name: 'Helper', role: 'engineer', routineId: 'r-1' }, createdAt: '2026-11-02T00:00:00Z' } as any;
    const agents = new Map([['a-1', agent]]);
    const [s] = routineSubjects(company, [routine], [approval], agents);
    expect((s.facts.approval as any).approved).toBe(false);
    // The agent's own board-approval request naming its routine, in clipguard's words: not the board's request.
    const forged = { ...approval, id: 'ap-2', type: 'request_board_approval', payload: { source: 'clipguard', routineId: 'r-1' } };
    expect((routineSubjects(company, [routine], [forged], agents)[0].facts.approval as any).approved).toBe(false);
    // A request the board filed (clipguard's, as the board), approved: the routine is approved.
    const asked = { ...forged, id: 'ap-3', requestedByAgentId: null, requestedByUserId: 'local-board' };
    expect((routineSubjects(company, [routine], [asked], agents)[0].facts.approval as any).approved).toBe(true);
  });
});

import { readRunLogs } from '../../src/sources/paperclip/run-logs.js';
import { maskedSecrets } from '../../src/sources/index.js';
import { tempDir } from '../helpers/cli.js';

describe('review: a run log whose pages are empty and whose offset creeps by one byte', () => {
  it('the read should end after a bounded number of requests (it counts only content bytes against the 8 MiB / 32 MiB limits)', async () => {
    const detect = maskedSecrets(loadConfig(tempDir(), { noConfigFile: true }, {}));
    let logCalls = 0;
    const CAP = 20_000; // a stop for the liar, so that a regression ends
    const liar = {
      getHeartbeatRun: async (id: string) => ({ id, logRef: 'x' }),
      getRunLog: async (_id: string, o: { offset: number }) => {
        logCalls++;
        return logCalls < CAP ? { content: '', nextOffset: o.offset + 1 } : { content: '', nextOffset: null };
      },
      listRunEvents: async () => [],
    };
    await readRunLogs(liar as any, [{ id: 'creep', status: 'succeeded' }] as any[], { detect, maxRuns: 10, limit: <T>(f: () => Promise<T>) => f() });
    // One empty page ends it (before the fix: 8,388,608 one-byte steps, one request each).
    expect(logCalls).toBe(1);
  });

  it('pages that each carry a byte and creep by one: at most 8 pages (the 8 MiB a run is read to at full pages)', async () => {
    const detect = maskedSecrets(loadConfig(tempDir(), { noConfigFile: true }, {}));
    let logCalls = 0;
    const liar = {
      getHeartbeatRun: async (id: string) => ({ id, logRef: 'x' }),
      getRunLog: async (_id: string, o: { offset: number }) => (logCalls++, { content: 'x', nextOffset: o.offset + 1 }),
      listRunEvents: async () => [],
    };
    const r = await readRunLogs(liar as any, [{ id: 'creep', status: 'succeeded' }] as any[], { detect, maxRuns: 10, limit: <T>(f: () => Promise<T>) => f() });
    expect(logCalls).toBe(8);
    expect(r.logs.creep.truncated).toBe(true);
  });
});

