// The evaluator's gates decide, without json-rules-engine, that a rule cannot fire on a subject. They must
// never reject what the engine would accept: each gate operator agrees with the engine's own operator.
import { describe, expect, it } from 'vitest';
import { Engine } from 'json-rules-engine';
import { activateRules, Evaluator, GATE_OPERATORS } from '../../src/engine/evaluate.js';
import type { LoadedRule } from '../../src/engine/rule.js';

const VALUES: unknown[] = [undefined, null, 0, 1, -1, 2.5, '0', '1', '10', 'abc', '', 'idle', true, false, NaN, [], [0], ['idle'], ['a', 'b'], {}, { length: 1 }];

describe('gate operators', () => {
  const operators = (new Engine() as unknown as { operators: { get(n: string): { evaluate(a: unknown, b: unknown): boolean } } }).operators;
  for (const name of Object.keys(GATE_OPERATORS)) {
    it(`${name} agrees with json-rules-engine`, () => {
      for (const a of VALUES) {
        for (const b of VALUES) {
          let engine: boolean | 'throws';
          let gate: boolean | 'throws';
          try {
            engine = operators.get(name).evaluate(a, b);
          } catch {
            engine = 'throws';
          }
          try {
            gate = GATE_OPERATORS[name](a, b);
          } catch {
            gate = 'throws';
          }
          expect(Boolean(gate), `${name}(${JSON.stringify(a)}, ${JSON.stringify(b)})`).toBe(Boolean(engine));
        }
      }
    });
  }
});

describe('evaluator with gates', () => {
  const rule = (id: string, conditions: unknown): LoadedRule =>
    ({ id, title: id, severity: 'warning', subject: 'agent', description: '', remediation: '', tags: [], conditions, file: 'x', pack: 'test' }) as unknown as LoadedRule;
  const subjects = [
    { type: 'agent' as const, id: 'a1', label: 'a1', source: 't', facts: { agent: { status: 'idle', n: 3 }, list: [1, 2] } },
    { type: 'agent' as const, id: 'a2', label: 'a2', source: 't', facts: { agent: { status: 'running', n: '3' }, list: [] } },
    { type: 'agent' as const, id: 'a3', label: 'a3', source: 't', facts: { agent: null, list: 'xy' } },
  ];
  it('finds what the engine alone finds, for gated, partly gated and ungated rules', async () => {
    const rules = activateRules([
      rule('t/status', { all: [{ fact: 'agent', path: '$.status', operator: 'equal', value: 'idle' }] }),
      rule('t/number', { all: [{ fact: 'agent', path: '$.n', operator: 'greaterThan', value: 2 }, { fact: 'list', path: '$.length', operator: 'greaterThan', value: 1 }] }),
      rule('t/any', { any: [{ fact: 'agent', path: '$.status', operator: 'equal', value: 'running' }, { fact: 'list', operator: 'equal', value: 'xy' }] }),
      rule('t/nested', { all: [{ fact: 'list', path: '$.length', operator: 'lessThan', value: 5 }, { not: { fact: 'agent', path: '$.status', operator: 'equal', value: 'idle' } }] }),
    ]);
    const found = (await new Evaluator(rules).evaluate(subjects, { now: new Date(0) })).map((f) => `${f.ruleId}@${f.subject.id}`).sort();
    const engine = new Engine([], { allowUndefinedFacts: true });
    for (const r of rules) engine.addRule({ name: r.id, conditions: r.conditions as never, event: { type: r.id } });
    const expected: string[] = [];
    for (const s of subjects) for (const res of (await engine.run({ ...s.facts })).results) expected.push(`${res.name}@${s.id}`);
    expect(found).toEqual(expected.sort());
    expect(found.length).toBeGreaterThan(3);
  });
});
