// Evaluation: one json-rules-engine Engine per active rule, and one engine run per (subject, rule) that can
// still fire (json-rules-engine has no loop construct). Rule params differ per rule while the `params` fact
// is per run, so each rule's references to `params` are rewritten to its own slice.
//
// Speed: a scan has hundreds of thousands of subjects (issues, comments) and almost every rule fails on
// almost every one of them on its first leaf (`issue.status == blocked`, `secrets.length > 0`). An engine
// run costs ~20 µs of promises, fact objects and a deep clone of the rule's conditions, so each rule has a
// gate: the leaves of its top-level `all` whose value is a literal, evaluated synchronously with the
// json-rules-engine's default operators (below, the same functions) and the engine's path resolver. A gate
// only rejects what json-rules-engine would reject (a failing leaf of a top-level `all`), so the findings
// are the same; the engine still decides every rule that passes its gate, and produces the explanation.
// json-rules-engine itself loads on the first rule that passes a gate: a clean `clipguard precommit`
// never loads it.

import { hash } from 'node:crypto';
import type { Engine, Fact, RuleProperties } from 'json-rules-engine';
import type { Finding, FindingAction, Severity, Subject, SubjectType } from '../types.js';
import { parsePath, resolvePath, resolveSegments, type PathSegment } from './jsonpath.js';
import { MESSAGE_PLACEHOLDER, ruleActions, splitPlaceholder, type Condition, type LoadedRule, type RuleAction } from './rule.js';
import { maskDeep, maskText } from './mask.js';
import { ignoreCovers, ruleIdMatches } from '../util/rule-id.js';

export interface ActionOverride {
  enabled?: boolean;
  params?: Record<string, unknown>;
}

export interface RuleOverride {
  enabled?: boolean;
  severity?: Severity;
  params?: Record<string, unknown>;
  /** The rule's action; for a rule with several, its first (e.g. redact on the secret rules). */
  action?: ActionOverride;
  /** Any of the rule's actions, by type (e.g. `{"flag": {"enabled": true}}`); wins over `action`. */
  actions?: Record<string, ActionOverride>;
}

export interface EvaluateOptions {
  now: Date;
  explain?: boolean;
  overrides?: Record<string, RuleOverride>;
}

/** An action as the config makes it: params merged, switched on or off. */
export interface EffectiveAction extends RuleAction {
  params: Record<string, unknown>;
  enabled: boolean;
}

/** A rule as the evaluator runs it: overrides applied. */
export interface ActiveRule extends LoadedRule {
  effectiveParams: Record<string, unknown>;
  /** Every action of the rule, in its order; findings get the enabled ones. */
  effectiveActions: EffectiveAction[];
  /**
   * False for a `source/` rule that runs although `--only` did not select it (see activateRules): what it
   * reports decides nothing about which sources are read.
   */
  selected: boolean;
}

/**
 * The rules that report a source which could not be read (`source/paperclip-unavailable`, `source/git-unavailable`,
 * `source/paperclip-schema`). They run whatever `--only` selects: `--only` narrows the checks, never the report
 * of what could not be checked (a named Paperclip that does not answer must not pass as "no findings").
 */
export function isSourceRule(r: Pick<LoadedRule, 'id'>): boolean {
  return r.id.startsWith('source/');
}

function effectiveActions(r: LoadedRule, o: RuleOverride): EffectiveAction[] {
  // A comment action posts the rule's `comment` param: one source for the text (the rule file, overridable in
  // rules.overrides[id].params.comment, shown by `clipguard explain`); the action's own params may still name one.
  const comment = { ...(r.params ?? {}), ...(o.params ?? {}) }.comment;
  return ruleActions(r).map((a, i) => {
    const first = i === 0 ? o.action : undefined;
    const byType = o.actions?.[a.type];
    const text = a.type === 'comment' && typeof comment === 'string' ? { comment } : {};
    return { ...a, params: { ...text, ...(a.params ?? {}), ...(first?.params ?? {}), ...(byType?.params ?? {}) }, enabled: byType?.enabled ?? first?.enabled ?? a.enabled ?? true };
  });
}

export function activateRules(rules: LoadedRule[], overrides: Record<string, RuleOverride> = {}, only?: string[]): ActiveRule[] {
  const out: ActiveRule[] = [];
  for (const r of rules) {
    const o = overrides[r.id] ?? {};
    if (o.enabled === false) continue;
    const selected = !only?.length || only.some((sel) => matchesSelector(r, sel));
    if (!selected && !isSourceRule(r)) continue;
    out.push({
      ...r,
      severity: o.severity ?? r.severity,
      severityFrom: o.severity ? undefined : r.severityFrom,
      effectiveParams: { ...(r.params ?? {}), ...(o.params ?? {}) },
      effectiveActions: effectiveActions(r, o),
      selected,
    });
  }
  return out;
}

/** `--only` selects by rule id, id prefix (`ops`, `ops/`), or tag. */
export function matchesSelector(r: Pick<LoadedRule, 'id' | 'tags'>, sel: string): boolean {
  return ruleIdMatches(sel, r.id) || r.tags.includes(sel);
}

function rewriteParams(c: Condition, ruleId: string): Condition {
  const key = `$['${ruleId}']`;
  const fix = (fact: string, path: string | undefined) => (fact === 'params' ? key + (path ? path.slice(1) : '') : path);
  if ('all' in c) return { ...c, all: c.all.map((x) => rewriteParams(x, ruleId)) };
  if ('any' in c) return { ...c, any: c.any.map((x) => rewriteParams(x, ruleId)) };
  if ('not' in c) return { ...c, not: rewriteParams(c.not, ruleId) };
  const leaf = { ...c };
  if (leaf.fact === 'params') leaf.path = fix('params', leaf.path);
  const v = leaf.value as { fact?: string; path?: string } | null;
  if (v && typeof v === 'object' && !Array.isArray(v) && v.fact === 'params') leaf.value = { ...v, path: fix('params', v.path) };
  return leaf;
}

interface GateLeaf {
  fact: string;
  path?: PathSegment[];
  value: unknown;
  op: (factValue: unknown, value: unknown) => boolean;
}

interface RunnableRule {
  rule: ActiveRule;
  conditions: Condition;
  engine?: Engine;
  gate: GateLeaf[];
  /**
   * The gate is the whole condition (a top-level `all` of plain leaves only, most built-in rules): when every
   * leaf evaluates without an error, its verdict is the engine's, and json-rules-engine is not needed.
   */
  gateDecides: boolean;
  /** The facts its conditions name: the only ones handed to json-rules-engine for this rule. */
  factNames: string[];
  message: MessageTemplate;
  /** `each` parsed: the fact it starts from and the rest of the path. */
  each?: FactPath;
}

interface FactPath {
  head: string;
  rest: PathSegment[];
}

/** `fact.a.b` / `fact[0]` as a fact name and the path into its value. */
function factPath(dotted: string): FactPath {
  const segs = parsePath('$' + (dotted.startsWith('[') ? '' : '.') + dotted);
  const head = segs[0];
  if (!head || head.kind !== 'prop') throw new Error(`"${dotted}" must start with a fact name`);
  return { head: head.name, rest: segs.slice(1) };
}

/** A subject's fact by name: own properties only (`constructor` is not a fact). */
function ownFact(facts: Record<string, unknown>, name: string): unknown {
  return Object.prototype.hasOwnProperty.call(facts, name) ? facts[name] : undefined;
}

/** Fact names a condition tree reads (as `fact`, or as a fact-valued `value`). */
function factNamesOf(c: Condition, into = new Set<string>()): Set<string> {
  if ('all' in c) for (const x of c.all) factNamesOf(x, into);
  else if ('any' in c) for (const x of c.any) factNamesOf(x, into);
  else if ('not' in c) factNamesOf(c.not, into);
  else {
    into.add(c.fact);
    const v = c.value as { fact?: unknown } | null;
    if (v && typeof v === 'object' && !Array.isArray(v) && typeof v.fact === 'string') into.add(v.fact);
  }
  return into;
}

// json-rules-engine 7's default operators, as in its engine-default-operators.js: the operator's callback
// guarded by its fact-value validator (Array.isArray for contains, a number check for the comparisons).
// test/unit/engine-gate.test.ts checks them against the engine's own on a grid of values.
const numeric = (a: unknown) => Number.parseFloat(a as string).toString() !== 'NaN';
// Compared as JavaScript compares them (the engine does no coercion of its own): `as number` only types that.
type Cmp = number;
export const GATE_OPERATORS: Record<string, (a: unknown, b: unknown) => boolean> = {
  equal: (a, b) => a === b,
  notEqual: (a, b) => a !== b,
  in: (a, b) => (b as unknown[]).indexOf(a) > -1,
  notIn: (a, b) => (b as unknown[]).indexOf(a) === -1,
  contains: (a, b) => Array.isArray(a) && a.indexOf(b) > -1,
  doesNotContain: (a, b) => Array.isArray(a) && a.indexOf(b) === -1,
  lessThan: (a, b) => numeric(a) && (a as Cmp) < (b as Cmp),
  lessThanInclusive: (a, b) => numeric(a) && (a as Cmp) <= (b as Cmp),
  greaterThan: (a, b) => numeric(a) && (a as Cmp) > (b as Cmp),
  greaterThanInclusive: (a, b) => numeric(a) && (a as Cmp) >= (b as Cmp),
};

/** Leaves of a top-level `all` with a literal value and a plain operator: each must hold for the rule to fire. */
function gateOf(conditions: Condition): GateLeaf[] {
  if (!('all' in conditions)) return [];
  const gate: GateLeaf[] = [];
  for (const c of conditions.all) {
    if ('all' in c || 'any' in c || 'not' in c) continue;
    const leaf = c as { fact: string; path?: string; operator: string; value: unknown; params?: unknown };
    if (leaf.params !== undefined) continue;
    const v = leaf.value as { fact?: unknown } | null;
    if (v && typeof v === 'object' && !Array.isArray(v) && 'fact' in v) continue;
    // An object or array compared by identity (equal, contains, ...): json-rules-engine copies the rule's
    // conditions, so the answer can differ from the gate's when a fact holds that very object. Only `in` and
    // `notIn` against a list are gated; any other object value is left to the engine (seed 197331296).
    if (v !== null && typeof v === 'object' && !((leaf.operator === 'in' || leaf.operator === 'notIn') && Array.isArray(v))) continue;
    const op = Object.prototype.hasOwnProperty.call(GATE_OPERATORS, leaf.operator) ? GATE_OPERATORS[leaf.operator] : undefined;
    if (!op) continue;
    let path: PathSegment[] | undefined;
    try {
      path = leaf.path ? parsePath(leaf.path) : undefined;
    } catch {
      continue; // a path outside the subset: left to the engine, whose resolver rejects it when evaluated
    }
    gate.push({ fact: leaf.fact, path, value: leaf.value, op });
  }
  return gate;
}

/** The leaves as json-rules-engine evaluates them: the path applies only to an object fact value. An
 * operator that throws (e.g. `in` against a non-array) is left to the engine, which reports it ("unsure"). */
function gateVerdict(gate: GateLeaf[], factOf: (name: string) => unknown): 'pass' | 'fail' | 'unsure' {
  let verdict: 'pass' | 'unsure' = 'pass';
  for (const g of gate) {
    let v = factOf(g.fact);
    if (g.path && v !== null && typeof v === 'object') v = resolveSegments(v, g.path);
    try {
      if (!g.op(v, g.value)) return 'fail';
    } catch {
      verdict = 'unsure';
    }
  }
  return verdict;
}

let rulesEngine: { Engine: typeof Engine; Fact: typeof Fact } | undefined;

/** The subject each finding was made on (the planner reads its facts without indexing every subject). */
export const subjectOfFinding = new WeakMap<Finding, Subject>();

export class Evaluator {
  private byType = new Map<SubjectType, RunnableRule[]>();
  private paramsFact: Record<string, Record<string, unknown>> = {};

  constructor(readonly rules: ActiveRule[]) {
    for (const r of rules) {
      this.paramsFact[r.id] = r.effectiveParams;
      const conditions = rewriteParams(r.conditions as Condition, r.id);
      const list = this.byType.get(r.subject) ?? [];
      const gate = gateOf(conditions);
      const gateDecides = 'all' in conditions && conditions.all.length > 0 && gate.length === conditions.all.length;
      list.push({ rule: r, conditions, gate, gateDecides, factNames: [...factNamesOf(conditions)], message: compileMessage(r.message ?? r.title), each: r.each ? factPath(r.each) : undefined });
      this.byType.set(r.subject, list);
    }
  }

  subjectTypes(): SubjectType[] {
    return [...this.byType.keys()];
  }

  async evaluate(subjects: Iterable<Subject>, opts: EvaluateOptions): Promise<Finding[]> {
    const findings: Finding[] = [];
    const nowIso = opts.now.toISOString();
    for (const subject of subjects) {
      const runnable = this.byType.get(subject.type);
      if (!runnable) continue;
      // Most subjects (comments without a secret) fail every gate: nothing is allocated for them but this.
      let subjectFact: { type: SubjectType; id: string; label: string } | undefined;
      const factOf = (name: string): unknown =>
        name === 'params' ? this.paramsFact : name === 'now' ? nowIso : name === 'subject' ? (subjectFact ??= { type: subject.type, id: subject.id, label: subject.label }) : ownFact(subject.facts, name);
      // json-rules-engine Fact objects of this subject, made on first use and shared by its rules.
      // Constant facts without the engine's result cache: its cache key is a hash per fact per run.
      let made: Map<string, Fact> | undefined;
      for (const runnable_ of runnable) {
        const { rule, gate } = runnable_;
        const verdict = gateVerdict(gate, factOf);
        if (verdict === 'fail') continue;
        // The rule's own params (not the per-rule `params` fact the engine saw); no copy of the subject's facts.
        const facts = (name: string): unknown => (name === 'params' ? rule.effectiveParams : factOf(name));
        // The gate said all: no engine run (nor its module load: a blocked commit's hook stays light). --explain
        // shows the engine's evaluated tree, so it still runs the engine.
        if (verdict === 'pass' && runnable_.gateDecides && !opts.explain) {
          this.findingsFor(runnable_, subject, facts, undefined, findings);
          continue;
        }
        const engine = (runnable_.engine ??= await this.engineFor(runnable_));
        made ??= new Map();
        const engineFacts: Record<string, Fact> = {};
        for (const name of runnable_.factNames) {
          let f = made.get(name);
          if (!f) made.set(name, (f = new rulesEngine!.Fact(name, factOf(name), { cache: false })));
          engineFacts[name] = f;
        }
        const { results } = await engine.run(engineFacts);
        if (!results.length) continue;
        for (const res of results) {
          const explanation = opts.explain ? maskDeep(explainTree((res as unknown as { conditions: unknown }).conditions)) : undefined;
          this.findingsFor(runnable_, subject, facts, explanation, findings);
        }
      }
    }
    return findings;
  }

  private async engineFor(r: RunnableRule): Promise<Engine> {
    const { Engine: EngineClass } = (rulesEngine ??= await import('json-rules-engine'));
    const engine = new EngineClass([], { allowUndefinedFacts: true, pathResolver: resolvePath });
    engine.addRule({ name: r.rule.id, conditions: r.conditions, event: { type: r.rule.id } } as RuleProperties);
    return engine;
  }

  private findingsFor({ rule, message, each }: RunnableRule, subject: Subject, facts: (name: string) => unknown, explanation: unknown, out: Finding[]): void {
    const items: unknown[] = each ? ((resolveSegments(facts(each.head), each.rest) as unknown[]) ?? []) : [undefined];
    let severity = rule.severity;
    if (rule.severityFrom) {
      const v = resolvePath(facts(rule.severityFrom.fact), rule.severityFrom.path);
      severity = rule.severityFrom.map[String(v)] ?? severity;
    }
    const label = maskText(subject.label);
    items.forEach((item, index) => {
      const it = (item ?? {}) as Record<string, unknown>;
      const loc = (it.location as Finding['location']) ?? (typeof it.line === 'number' && subject.location?.file ? { file: subject.location.file, line: it.line as number, column: (it.column as number) ?? 1 } : (subject.location ?? null));
      const key = item === undefined ? '' : String(it.fingerprintKey ?? `${it.kind ?? ''}#${index}`);
      const finding: Finding = {
        ruleId: rule.id,
        severity,
        title: rule.title,
        message: maskText(message.render(facts, item)),
        subject: { type: subject.type, id: subject.id, label },
        location: loc,
        fingerprint: fingerprint(rule.id, subject.type, subject.id, key),
        tags: rule.tags,
        actions: [],
      };
      // The detector's masked preview of a secret (maskSecret: at most 4 characters); masked again like the message.
      if (typeof it.preview === 'string') finding.preview = maskText(it.preview);
      // `clipguard-ignore` on the line: for every rule, or (with rule ids after it) for the rules it names.
      const named = Array.isArray(it.ignoreRules) && ignoreCovers(it.ignoreRules, rule.id);
      if (it.inlineIgnored === true || named) finding.suppressed = { kind: 'inline', reason: String(it.ignoreReason ?? 'clipguard-ignore on the line') };
      for (const a of rule.effectiveActions) {
        if (a.enabled) finding.actions.push({ type: a.type, status: 'planned', target: `${subject.type}:${label}`, detail: '', params: { ...a.params, ...(item !== undefined ? { item: index } : {}) } } as FindingAction);
      }
      if (explanation !== undefined) finding.explanation = explanation;
      subjectOfFinding.set(finding, subject);
      out.push(finding);
    });
  }
}

export function fingerprint(...parts: string[]): string {
  return hash('sha256', parts.join('\u0000'), 'hex').slice(0, 32);
}

/**
 * `{{fact.path}}` placeholders; unknown values render as `?`. Numbers get at most 2 decimals. Each value is
 * masked on its own before it meets the template: the template's words ("commit", "hash") can be the
 * anti-context that makes the detector pass over a secret in the finished message.
 */
export function renderMessage(template: string, facts: Record<string, unknown>): string {
  return compileMessage(template).render((name) => ownFact(facts, name), facts.item);
}

interface MessageTemplate {
  render(facts: (name: string) => unknown, item: unknown): string;
}

/** A template split once per rule into text and pre-parsed paths (a scan renders tens of thousands). */
export function compileMessage(template: string): MessageTemplate {
  const texts: string[] = [];
  const paths: (FactPath & { fallback: string | null })[] = [];
  let last = 0;
  for (const m of template.matchAll(MESSAGE_PLACEHOLDER)) {
    texts.push(template.slice(last, m.index));
    const { path, fallback } = splitPlaceholder(m[1]);
    paths.push({ ...factPath(path), fallback });
    last = m.index! + m[0].length;
  }
  texts.push(template.slice(last));
  return {
    render(facts, item) {
      let s = texts[0];
      for (let i = 0; i < paths.length; i++) {
        const p = paths[i];
        const root = p.head === 'item' ? item : facts(p.head);
        const v = p.rest.length ? resolveSegments(root, p.rest) : root;
        s += (p.fallback !== null && (v === undefined || v === null || v === '') ? p.fallback : placeholderText(v)) + texts[i + 1];
      }
      return s;
    },
  };
}

function placeholderText(v: unknown): string {
  // A number or boolean cannot hold a secret; any text is masked on its own (see renderMessage).
  if (typeof v === 'number' || typeof v === 'boolean') return placeholderValue(v);
  return maskText(placeholderValue(v));
}

function placeholderValue(v: unknown): string {
  if (v === undefined || v === null) return '?';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(2).replace(/\.?0+$/, '');
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'object' && x ? ((x as { identifier?: string; id?: string }).identifier ?? (x as { id?: string }).id ?? JSON.stringify(x)) : String(x))).join(', ');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** The condition tree json-rules-engine evaluated, with each leaf's fact value and outcome. */
export function explainTree(c: unknown): unknown {
  if (!c || typeof c !== 'object') return c;
  const node = c as Record<string, unknown>;
  // json-rules-engine records a result on leaves only (and skips the leaves after a short-circuit), so the
  // outcome of all/any/not is computed here from the children it did evaluate.
  const outcome = (x: unknown) => (x as { result?: boolean }).result;
  for (const k of ['all', 'any'] as const) {
    if (Array.isArray(node[k])) {
      const children = (node[k] as unknown[]).map(explainTree);
      const results = children.map(outcome);
      const result = typeof node.result === 'boolean' ? node.result : k === 'all' ? results.every((r) => r === true) : results.some((r) => r === true);
      return { [k]: children, result };
    }
  }
  if (node.not) {
    const inner = explainTree(node.not);
    return { not: inner, result: typeof node.result === 'boolean' ? node.result : outcome(inner) === undefined ? undefined : !outcome(inner) };
  }
  const summarise = (v: unknown) => (Array.isArray(v) ? (v.length > 5 ? { length: v.length, first: v.slice(0, 5) } : v) : v);
  return { fact: node.fact, path: node.path, operator: node.operator, value: node.value, factResult: summarise(node.factResult), valueResult: node.valueResult, result: node.result };
}
