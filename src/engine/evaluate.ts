// Evaluation: one json-rules-engine Engine per subject type holding every active rule of that type, and one
// engine run per subject (json-rules-engine has no loop construct). Rule params differ per rule while the
// `params` fact is per run, so each rule's references to `params` are rewritten to its own slice.

import { createHash } from 'node:crypto';
import { Engine, type RuleProperties } from 'json-rules-engine';
import type { Finding, FindingAction, Severity, Subject, SubjectType } from '../types.js';
import { getDotted, resolvePath } from './jsonpath.js';
import type { Condition, LoadedRule } from './rule.js';
import { maskDeep, maskText } from './mask.js';

export interface RuleOverride {
  enabled?: boolean;
  severity?: Severity;
  params?: Record<string, unknown>;
  action?: { enabled?: boolean; params?: Record<string, unknown> };
}

export interface EvaluateOptions {
  now: Date;
  explain?: boolean;
  overrides?: Record<string, RuleOverride>;
}

/** A rule as the evaluator runs it: overrides applied. */
export interface ActiveRule extends LoadedRule {
  effectiveParams: Record<string, unknown>;
  actionEnabled: boolean;
}

export function activateRules(rules: LoadedRule[], overrides: Record<string, RuleOverride> = {}, only?: string[]): ActiveRule[] {
  const out: ActiveRule[] = [];
  for (const r of rules) {
    const o = overrides[r.id] ?? {};
    if (o.enabled === false) continue;
    if (only && only.length && !only.some((sel) => matchesSelector(r, sel))) continue;
    out.push({
      ...r,
      severity: o.severity ?? r.severity,
      severityFrom: o.severity ? undefined : r.severityFrom,
      effectiveParams: { ...(r.params ?? {}), ...(o.params ?? {}) },
      action: r.action ? { ...r.action, params: { ...(r.action.params ?? {}), ...(o.action?.params ?? {}) } } : undefined,
      actionEnabled: r.action ? (o.action?.enabled ?? r.action.enabled ?? true) : false,
    });
  }
  return out;
}

/** `--only` selects by rule id, id prefix (`ops`, `ops/`), or tag. */
export function matchesSelector(r: LoadedRule, sel: string): boolean {
  return r.id === sel || r.id.startsWith(sel.endsWith('/') ? sel : sel + '/') || r.tags.includes(sel);
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

export class Evaluator {
  private engines = new Map<SubjectType, Engine>();
  private byId = new Map<string, ActiveRule>();
  private paramsFact: Record<string, Record<string, unknown>> = {};

  constructor(readonly rules: ActiveRule[]) {
    for (const r of rules) {
      this.byId.set(r.id, r);
      this.paramsFact[r.id] = r.effectiveParams;
      let engine = this.engines.get(r.subject);
      if (!engine) {
        engine = new Engine([], { allowUndefinedFacts: true, pathResolver: resolvePath });
        this.engines.set(r.subject, engine);
      }
      engine.addRule({
        name: r.id,
        conditions: rewriteParams(r.conditions as Condition, r.id),
        event: { type: r.id },
      } as RuleProperties);
    }
  }

  subjectTypes(): SubjectType[] {
    return [...this.engines.keys()];
  }

  /** Facts the active rules of a subject type use (lets sources skip work nobody needs, e.g. detectors). */
  usesFact(type: SubjectType, fact: string): boolean {
    return this.rules.some((r) => r.subject === type && (JSON.stringify(r.conditions).includes(`"fact":"${fact}"`) || r.each === fact));
  }

  async evaluate(subjects: Iterable<Subject>, opts: EvaluateOptions): Promise<Finding[]> {
    const findings: Finding[] = [];
    const nowIso = opts.now.toISOString();
    for (const subject of subjects) {
      const engine = this.engines.get(subject.type);
      if (!engine) continue;
      const facts = { ...subject.facts, params: this.paramsFact, now: nowIso, subject: { type: subject.type, id: subject.id, label: subject.label } };
      const { results } = await engine.run(facts);
      for (const res of results) {
        const rule = this.byId.get(res.name as string);
        if (!rule) continue;
        const explanation = opts.explain ? maskDeep(explainConditions((res as unknown as { conditions: unknown }).conditions)) : undefined;
        findings.push(...this.findingsFor(rule, subject, { ...facts, params: rule.effectiveParams }, explanation));
      }
    }
    return findings;
  }

  private findingsFor(rule: ActiveRule, subject: Subject, facts: Record<string, unknown>, explanation: unknown): Finding[] {
    const items: unknown[] = rule.each ? ((getDotted(facts, rule.each) as unknown[]) ?? []) : [undefined];
    let severity = rule.severity;
    if (rule.severityFrom) {
      const v = resolvePath(facts[rule.severityFrom.fact], rule.severityFrom.path);
      severity = rule.severityFrom.map[String(v)] ?? severity;
    }
    const out: Finding[] = [];
    items.forEach((item, index) => {
      const it = (item ?? {}) as Record<string, unknown>;
      const loc = (it.location as Finding['location']) ?? (typeof it.line === 'number' && subject.location?.file ? { file: subject.location.file, line: it.line as number, column: (it.column as number) ?? 1 } : (subject.location ?? null));
      const key = item === undefined ? '' : String(it.fingerprintKey ?? `${it.kind ?? ''}#${index}`);
      const finding: Finding = {
        ruleId: rule.id,
        severity,
        title: rule.title,
        message: maskText(renderMessage(rule.message ?? rule.title, { ...facts, item })),
        subject: { type: subject.type, id: subject.id, label: maskText(subject.label) },
        location: loc,
        fingerprint: fingerprint(rule.id, subject.type, subject.id, key),
        tags: rule.tags,
        actions: [],
      };
      if (it.inlineIgnored === true) finding.suppressed = { kind: 'inline', reason: String(it.ignoreReason ?? 'clipguard-ignore on the line') };
      if (rule.action && rule.actionEnabled) {
        finding.actions.push({ type: rule.action.type, status: 'planned', target: `${subject.type}:${maskText(subject.label)}`, detail: '', params: { ...rule.action.params, ...(item !== undefined ? { item: index } : {}) } } as FindingAction);
      }
      if (explanation !== undefined) finding.explanation = explanation;
      out.push(finding);
    });
    return out;
  }
}

export function fingerprint(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
}

/**
 * `{{fact.path}}` placeholders; unknown values render as `?`. Numbers get at most 2 decimals. Each value is
 * masked on its own before it meets the template: the template's words ("commit", "hash") can be the
 * anti-context that makes the detector pass over a secret in the finished message.
 */
export function renderMessage(template: string, facts: Record<string, unknown>): string {
  return template.replace(/\{\{\s*([^}]+?)\s*\}\}/g, (_, path: string) => maskText(placeholderValue(facts, path)));
}

function placeholderValue(facts: Record<string, unknown>, path: string): string {
  const v = getDotted(facts, path.trim());
  if (v === undefined || v === null) return '?';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(2).replace(/\.?0+$/, '');
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'object' && x ? ((x as { identifier?: string; id?: string }).identifier ?? (x as { id?: string }).id ?? JSON.stringify(x)) : String(x))).join(', ');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** The condition tree json-rules-engine evaluated, with each leaf's fact value and outcome. */
function explainConditions(c: unknown): unknown {
  if (!c || typeof c !== 'object') return c;
  const node = c as Record<string, unknown>;
  for (const k of ['all', 'any'] as const) {
    if (Array.isArray(node[k])) return { [k]: (node[k] as unknown[]).map(explainConditions), result: node.result };
  }
  if (node.not) return { not: explainConditions(node.not), result: node.result };
  const summarise = (v: unknown) => (Array.isArray(v) ? (v.length > 5 ? { length: v.length, first: v.slice(0, 5) } : v) : v);
  return { fact: node.fact, path: node.path, operator: node.operator, value: node.value, factResult: summarise(node.factResult), valueResult: node.valueResult, result: node.result };
}
