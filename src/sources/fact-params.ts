// Some facts are built from lists with windows a condition cannot express (a condition cannot compare
// across the elements of a list): each fact family says which and their defaults (src/facts, `params`). Their
// windows are params of the rules that use the fact, whatever the rule's id, so a copied rule runs on its own
// windows, never silently on defaults.
import type { ActiveRule } from '../engine/evaluate.js';
import { RulePackError, type RuleProblem } from '../engine/load.js';
import { ruleUsesFact } from '../engine/rule.js';
import { FACT_PARAM_DEFAULTS } from '../facts/index.js';

export { FACT_PARAM_DEFAULTS };
export type WindowedFact = keyof typeof FACT_PARAM_DEFAULTS;
export type FactParams = { [F in WindowedFact]: { [K in keyof (typeof FACT_PARAM_DEFAULTS)[F]]: number } };

/**
 * The params of each windowed fact, from the active rules that use it. The fact is built once per subject, so
 * two rules that give it different windows cannot both be right: that is a config error naming both (exit 2),
 * not a silent pick.
 */
export function factParamsOf(rules: ActiveRule[]): FactParams {
  const out = {} as Record<string, Record<string, number>>;
  const problems: RuleProblem[] = [];
  for (const [fact, defaults] of Object.entries(FACT_PARAM_DEFAULTS) as [WindowedFact, Record<string, number>][]) {
    let from: ActiveRule | null = null;
    const chosen: Record<string, number> = { ...defaults };
    for (const r of rules.filter((x) => ruleUsesFact(x, fact))) {
      const mine: Record<string, number> = { ...defaults };
      for (const k of Object.keys(defaults)) {
        const v = r.effectiveParams[k];
        if (typeof v === 'number' && Number.isFinite(v) && v > 0) mine[k] = v;
      }
      if (!from) {
        from = r;
        Object.assign(chosen, mine);
        continue;
      }
      const differs = Object.keys(defaults).filter((k) => mine[k] !== chosen[k]);
      if (differs.length) {
        problems.push({
          file: r.file,
          ruleId: r.id,
          field: `params.${differs[0]}`,
          message: `the ${fact} fact is built once per scan with one set of windows, and ${from.id} gives ${differs[0]} = ${chosen[differs[0]]} while this rule gives ${mine[differs[0]]}: give both the same params, or disable one (rules.overrides["${from.id}"].enabled = false)`,
        });
      }
    }
    out[fact] = chosen;
  }
  if (problems.length) throw new RulePackError(problems);
  return out as FactParams;
}
