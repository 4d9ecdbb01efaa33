// The windows of the `loop` and `dispatchMissed` facts come from the rules that use those facts, whatever
// their ids (src/sources/fact-params.ts): a copied rule runs on its own windows, never silently on defaults.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { activateRules } from '../../src/engine/evaluate.js';
import { BUILTIN_RULES_DIR, loadRulePacks, RulePackError } from '../../src/engine/load.js';
import type { LoadedRule } from '../../src/engine/rule.js';
import { runCase } from '../../src/rule-tests.js';
import { cli } from '../helpers/cli.js';
import { gitRepo } from '../helpers/local.js';
import { FACT_PARAM_DEFAULTS, factParamsOf } from '../../src/sources/fact-params.js';
import { ruleUsesFact } from '../../src/engine/rule.js';

const builtin = (id: string): LoadedRule => {
  const rule = loadRulePacks([BUILTIN_RULES_DIR]).rules.find((r) => r.id === id);
  if (!rule) throw new Error(`no rule ${id}`);
  return rule;
};
const looping = JSON.parse(readFileSync(join(BUILTIN_RULES_DIR, '../fixtures/ops/agent-looping/looping.json'), 'utf8'));
const copyOf = (rule: LoadedRule, params: Record<string, number>): LoadedRule => ({ ...rule, id: 'team/looping', pack: 'team', params: { ...rule.params, ...params } });
const names = (fs: { message: string }[]) => fs.map((f) => f.message.split(' ')[0]).sort();

describe('windowed facts take the params of the rules that use them', () => {
  it('a copy of ops/agent-looping under another id runs on its own window', async () => {
    const original = builtin('ops/agent-looping');
    // Carol's five runs on one issue fall within the default 60-minute window, not within one minute.
    expect(names(await runCase(copyOf(original, {}), { ...looping, config: {} }))).toEqual(['Bob', 'Carol']);
    expect(names(await runCase(copyOf(original, { windowMinutes: 1 }), { ...looping, config: {} }))).toEqual(['Bob']);
    expect(names(await runCase(original, { ...looping, config: { rules: { overrides: { 'ops/agent-looping': { params: { windowMinutes: 1 } } } } } }))).toEqual(['Bob']);
  });

  it('two active rules that give one fact different windows are a config error naming both; the same windows are fine', () => {
    const original = builtin('ops/agent-looping');
    const active = (copyParams: Record<string, number>) => activateRules([original, copyOf(original, copyParams)]);
    expect(() => factParamsOf(active({ windowMinutes: 30 }))).toThrow(RulePackError);
    expect(() => factParamsOf(active({ windowMinutes: 30 }))).toThrow(/team\/looping.*ops\/agent-looping gives windowMinutes = 60 while this rule gives 30/s);
    expect(factParamsOf(active({})).loop).toEqual(FACT_PARAM_DEFAULTS.loop);
    expect(factParamsOf(activateRules([copyOf(original, { cooldownMinutes: 10, runs: 3 })])).loop).toEqual({ runs: 3, windowMinutes: 60, cooldownMinutes: 10 });
  });

  it('no rule using a fact: its defaults; a rule quoting it only in its message still counts as using it', () => {
    expect(factParamsOf([])).toEqual(FACT_PARAM_DEFAULTS);
    const idle = builtin('ops/idle-agent-backlog');
    expect(ruleUsesFact(idle, 'loop')).toBe(false);
    expect(ruleUsesFact({ ...idle, message: '{{agent.name}}: {{loop.reason}}' }, 'loop')).toBe(true);
    expect(ruleUsesFact({ ...idle, message: '{{loopy.reason}}' }, 'loop')).toBe(false);
    expect(ruleUsesFact(builtin('ops/dispatch-missed'), 'dispatchMissed')).toBe(true);
  });

  it('scan: a pack whose copy gives the loop fact other windows than the built-in rule exits 2 naming both', () => {
    const repo = gitRepo();
    const raw = JSON.parse(readFileSync(join(BUILTIN_RULES_DIR, 'ops/agent-looping.json'), 'utf8'));
    mkdirSync(join(repo, 'pack', 'team'), { recursive: true });
    writeFileSync(join(repo, 'pack', 'team', 'looping.json'), JSON.stringify({ ...raw, id: 'team/looping', params: { ...raw.params, windowMinutes: 15 } }));
    const r = cli(['scan', '--no-paperclip', '--rules', 'pack'], { cwd: repo });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/team\/looping.*windowMinutes.*ops\/agent-looping/s);
  });
});
