// An action is one module in src/actions/kinds/, registered in src/actions/registry.ts: the planner, the plan
// simulation and the executor find everything about it there, and refuse a type nobody registered.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { actionKind, ledgerKey, registeredActionTypes } from '../../src/actions/registry.js';
import { planActions } from '../../src/actions/planner.js';
import { ACTION_TYPES, type Finding } from '../../src/types.js';

describe('action registry', () => {
  it('registers exactly the rule format\'s action types, one module file each', () => {
    expect([...registeredActionTypes()].sort()).toEqual([...ACTION_TYPES].sort());
    const files = readdirSync(join(import.meta.dirname, '../../src/actions/kinds')).filter((f) => f.endsWith('.ts')).map((f) => f.replace(/\.ts$/, ''));
    expect(files.sort()).toEqual([...ACTION_TYPES].sort());
    for (const t of ACTION_TYPES) expect(actionKind(t).type).toBe(t);
  });

  it('refuses a type nobody registered, naming the known ones; the planner does not plan it', () => {
    expect(() => actionKind('rm-rf')).toThrow(/unknown action type "rm-rf" \(known: checkout, .*push, disable-routine\)/);
    const f = { ruleId: 'team/x', fingerprint: 'fp', severity: 'error', subject: { type: 'agent', id: 'a1', label: 'A' }, message: 'm', actions: [{ type: 'rm-rf', status: 'planned', target: '', detail: '' }] } as unknown as Finding;
    expect(() => planActions([f], [], { maxPerScan: 10, maxPerAgent: 10, exec: {} })).toThrow(/unknown action type/);
  });

  it('only pause, resume, disable-routine and redact are live states (the ledger never skips them: a redacted text can hold a key again; an agent may set its routine active again, and the next --apply pauses it again); only exec and push act without Paperclip', () => {
    expect(ACTION_TYPES.filter((t) => actionKind(t).liveState).sort()).toEqual(['disable-routine', 'pause', 'redact', 'resume']);
    expect(ACTION_TYPES.filter((t) => !actionKind(t).needsPaperclip).sort()).toEqual(['exec', 'push']);
  });

  it('ledger keys: a module\'s own where agent, issue and comment do not identify the action', () => {
    const f = { fingerprint: 'fp1' };
    expect(ledgerKey(f, { type: 'pause', params: { agentId: 'a1' } })).toBe('pause:a1::');
    // The hard stop has its own key, naming its budget rule (ledgerPauses reads it as a budget pause, which resume may lift).
    expect(ledgerKey(f, { type: 'pause', params: { agentId: 'a1', endLiveRuns: true } })).toBe('pause:a1:::budget/over-stop-live-run');
    expect(ledgerKey(f, { type: 'pause', params: { agentId: 'a1', endLiveRuns: true, for: 'budget/over-stop-live-run' } })).toBe('pause:a1:::budget/over-stop-live-run');
    // A pause for another rule names it; a budget rule's plain pause keeps the budget key.
    expect(ledgerKey(f, { type: 'pause', params: { agentId: 'a1', for: 'ops/agent-self-wake-runaway' } })).toBe('pause:a1:::ops/agent-self-wake-runaway');
    expect(ledgerKey(f, { type: 'pause', params: { agentId: 'a1', for: 'budget/agent-spend-exceeded' } })).toBe('pause:a1::');
    expect(ledgerKey(f, { type: 'redact', params: { issueId: 'i1', commentId: 'c1' } })).toBe('redact::i1:c1');
    expect(ledgerKey(f, { type: 'exec', params: { command: 'restart' } })).toBe('exec:restart:fp1');
    expect(ledgerKey(f, { type: 'push', params: { repo: '/r', branch: 'main', head: 'abc' } })).toBe('push:/r:main:abc');
    expect(ledgerKey(f, { type: 'reset-session', params: { agentId: 'a1', taskKey: 't' } })).toBe('reset-session:a1:::t');
    expect(ledgerKey(f, { type: 'reset-session', params: { agentId: 'a1' } })).toBe('reset-session:a1::');
    expect(ledgerKey(f, { type: 'flag', params: { issueId: 'i1', body: 'x' } })).toMatch(/^flag:i1:[0-9a-f]{32}$/);
    expect(ledgerKey(f, { type: 'disable-routine', params: { routineId: 'r1', agentId: 'a1' } })).toBe('disable-routine:r1');
    expect(ledgerKey(f, { type: 'flag', params: { issueId: 'i1', body: 'x' } })).not.toBe(ledgerKey(f, { type: 'flag', params: { issueId: 'i1', body: 'y' } }));
  });
});
