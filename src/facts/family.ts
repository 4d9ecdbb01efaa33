// A fact family: what one module (src/facts/<name>.ts) tells the rest of clipguard about the facts it builds.
// The rule validator walks condition paths through `facts` (engine/load.ts), factParamsOf gives the windows of
// `params` to the builder (sources/fact-params.ts), and a scan reads `reads` only for a selected rule that uses
// the fact (sources/needs.ts). The builder is exported by the same module.
import type { Shape } from '../engine/shape.js';
import type { SubjectType } from '../types.js';

/** A read a scan does only when a selected rule uses a fact that needs it (SourceNeeds' flags of that name). */
export type FactRead = 'liveRuns' | 'wakeComments';

export interface FactFamily {
  /** The facts built, by subject type and fact name, with the shape a condition's path is checked against. */
  facts: Partial<Record<SubjectType, Record<string, Shape>>>;
  /**
   * Windows a condition cannot express (it cannot compare across the elements of a list), by fact name: their
   * defaults. Params of the rules that use the fact, whatever the rule's id.
   */
  params?: Record<string, Record<string, number>>;
  /** By fact name: what a scan must read beyond the fact's subject for a rule that uses it. */
  reads?: Record<string, readonly FactRead[]>;
}
