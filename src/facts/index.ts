// Every fact a rule can read, from the fact families (one module each, beside its builder). The rule validator
// checks condition paths against FACTS (engine/load.ts); FACT_PARAM_DEFAULTS are the windows the builders take
// from the rules that use a fact (sources/fact-params.ts); FACT_READS what a scan reads for one (sources/needs.ts).
// Adding a fact: a module here with its family and builder, listed below, and its tests.
import { SUBJECT_TYPES, type SubjectType } from '../types.js';
import { A, obj, S, type Shape } from '../engine/shape.js';
import type { FactFamily, FactRead } from './family.js';
import { agentWorkFamily } from './agent-work.js';
import { blockedFamily } from './blocked.js';
import { budgetFamily } from './budget.js';
import { dispatchMissedFamily } from './dispatch-missed.js';
import { flaggedFamily } from './flagged.js';
import { gitFamily } from './git.js';
import { issueCreationFamily } from './issue-creation.js';
import { liveRunsFamily } from './live-runs.js';
import { loopFamily } from './loop.js';
import { pauseFamily } from './pause.js';
import { recordsFamily } from './records.js';
import { routineFamily } from './routine.js';
import { runFamily } from './run.js';
import { secretsFamily } from './secrets.js';
import { selfWakeFamily } from './self-wake.js';
import { sourceFamily } from './source.js';
import { staleFamily } from './stale.js';
import { zhFamily } from './zh.js';

export const FACT_FAMILIES: readonly FactFamily[] = [
  recordsFamily,
  agentWorkFamily,
  budgetFamily,
  pauseFamily,
  loopFamily,
  selfWakeFamily,
  dispatchMissedFamily,
  liveRunsFamily,
  issueCreationFamily,
  staleFamily,
  blockedFamily,
  secretsFamily,
  flaggedFamily,
  runFamily,
  routineFamily,
  gitFamily,
  zhFamily,
  sourceFamily,
];

/** Facts every subject has: its rule's params (defaults from the rule, overridden by config; free-form by design), the scan's time, itself. */
const COMMON: Record<string, Shape> = { params: A, now: S, subject: obj({ type: S, id: S, label: S }) };

/** The facts of each subject type with their shapes. Two families declaring one fact of one subject is a bug (thrown at load: every test sees it). */
export const FACTS: Record<SubjectType, Record<string, Shape>> = (() => {
  const out = Object.fromEntries(SUBJECT_TYPES.map((t) => [t, { ...COMMON }])) as Record<SubjectType, Record<string, Shape>>;
  for (const family of FACT_FAMILIES) {
    for (const [subject, facts] of Object.entries(family.facts) as [SubjectType, Record<string, Shape>][]) {
      for (const [name, shape] of Object.entries(facts)) {
        if (name in out[subject]) throw new Error(`fact ${subject}.${name} is declared twice`);
        out[subject][name] = shape;
      }
    }
  }
  return out;
})();

/** The windows of each fact that takes them, with their defaults (typed: the builders read them by name). */
export const FACT_PARAM_DEFAULTS = {
  ...loopFamily.params,
  ...selfWakeFamily.params,
  ...dispatchMissedFamily.params,
  ...issueCreationFamily.params,
};

/** What a scan reads for a rule that uses each fact that needs more than its subject's own reads. */
export const FACT_READS: Record<string, readonly FactRead[]> = Object.assign({}, ...FACT_FAMILIES.map((f) => f.reads ?? {}));
