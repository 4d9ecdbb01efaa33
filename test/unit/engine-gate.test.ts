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

// A rule whose whole condition is gated (a top-level `all` of plain leaves) is decided by the gate alone, without
// json-rules-engine: on any facts, it must fire exactly where the engine fires it.
describe('rules decided by the gate alone', () => {
  const rule = (id: string, conditions: unknown): LoadedRule =>
    ({ id, title: id, severity: 'warning', subject: 'agent', description: '', remediation: '', tags: [], conditions, file: 'x', pack: 'test' }) as unknown as LoadedRule;
  it('fire where json-rules-engine fires (property)', async () => {
    const fc = (await import('fast-check')).default;
    const value = fc.constantFrom(...VALUES);
    const leaf = fc.record({
      fact: fc.constantFrom('agent', 'list', 'missing'),
      path: fc.option(fc.constantFrom('$.status', '$.n', '$.length', '$.a.b'), { nil: undefined }),
      operator: fc.constantFrom(...Object.keys(GATE_OPERATORS)),
      value: fc.constantFrom(...VALUES.filter((v) => v !== undefined && !(typeof v === 'number' && Number.isNaN(v)))),
    });
    // Facts as sources make them (parsed JSON): plain objects.
    const obj = <T,>(r: { [k: string]: import('fast-check').Arbitrary<T> }) => fc.record(r, { noNullPrototype: true });
    const facts = obj({ agent: fc.oneof(value, obj({ status: value, n: value, length: value, a: fc.oneof(value, obj({ b: value })) })), list: value });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(leaf, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 4 }), fc.array(facts, { minLength: 1, maxLength: 4 }), async (ruleLeaves, factSets) => {
        const plain = (l: (typeof ruleLeaves)[number][number]) => (l.path === undefined ? { fact: l.fact, operator: l.operator, value: l.value } : l);
        // Now and then a leaf the gate cannot take (under `not`): then the engine decides.
        const conditions = ruleLeaves.map((all, i) => ({ all: all.map((l, j) => (i % 3 === 2 && j === 0 ? { not: plain(l) } : plain(l))) }));
        const rules = activateRules(conditions.map((c, i) => rule(`t/r${i}`, c)));
        const subjects = factSets.map((f, i) => ({ type: 'agent' as const, id: `a${i}`, label: `a${i}`, source: 't', facts: f as Record<string, unknown> }));
        const evaluator = new Evaluator(rules);
        const key = async (run: Promise<{ ruleId: string; subject: { id: string } }[]>) => {
          try {
            return (await run).map((f) => `${f.ruleId}@${f.subject.id}`).sort();
          } catch (e) {
            return `throws ${(e as Error).message}`;
          }
        };
        const gate = await key(evaluator.evaluate(subjects, { now: new Date(0) }));
        // --explain always runs json-rules-engine (it shows the engine's evaluated tree).
        const engine = await key(new Evaluator(rules).evaluate(subjects, { now: new Date(0), explain: true }));
        expect(gate).toEqual(engine);
      }),
      { numRuns: 300 },
    );
  });
});
