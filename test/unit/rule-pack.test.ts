// The built-in pack tested the way users test theirs: every rule against its fixtures.
import { describe, expect, it } from 'vitest';
import { loadRulePacks } from '../../src/engine/load.js';
import { runRuleTests } from '../../src/rule-tests.js';

describe('built-in rule pack fixtures', async () => {
  const results = await runRuleTests([]);
  const { rules } = loadRulePacks([]);

  it('every rule has fixtures with a positive and a negative case', () => {
    const missing = results.filter((r) => r.errors.some((e) => e.startsWith('no fixtures') || e.startsWith('fixtures need')));
    expect(missing.map((m) => `${m.ruleId}: ${m.errors.join('; ')}`)).toEqual([]);
    expect(new Set(results.map((r) => r.ruleId)).size).toBe(rules.length);
  });

  for (const r of results) {
    it(`${r.ruleId}: ${r.file.split('/').pop()}`, () => {
      expect(r.errors).toEqual([]);
    });
  }
});
