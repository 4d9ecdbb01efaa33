// The rule file format: one JSON rule per file. This module holds its TypeScript shape and its JSON Schema
// (also written to schema/rule.schema.json so editors complete rule files).

import type { ActionType, Severity, SubjectType } from '../types.js';
import { ACTION_TYPES, SEVERITIES, SUBJECT_TYPES } from '../types.js';

export interface ConditionLeaf {
  fact: string;
  operator: string;
  value: unknown;
  path?: string;
  params?: Record<string, unknown>;
  name?: string;
  priority?: number;
}
export type Condition = ConditionLeaf | { all: Condition[] } | { any: Condition[] } | { not: Condition };

export interface RuleAction {
  type: ActionType;
  params?: Record<string, unknown>;
  /** Off-by-default actions (e.g. resume, exec) are planned only when config turns them on. */
  enabled?: boolean;
}

export interface RuleDef {
  id: string;
  title: string;
  severity: Severity;
  subject: SubjectType;
  description: string;
  remediation: string;
  tags: string[];
  /** Finding message; `{{fact.path}}` placeholders, `{{item.x}}` inside `each`. */
  message?: string;
  /** Defaults for rule params; conditions read them as `{"fact": "params", "path": "$.name"}`. */
  params?: Record<string, unknown>;
  /** An array fact: one finding per element (e.g. one per secret found in a file). */
  each?: string;
  conditions: { all: Condition[] } | { any: Condition[] } | { not: Condition };
  /** The rule's one action; a rule with more than one lists them in `actions` instead (never both). */
  action?: RuleAction;
  /** Several actions, each a distinct type, planned in this order (e.g. redact, then flag). */
  actions?: RuleAction[];
  /** The handbook line the rule enforces. */
  handbook?: string;
  /** Severity picked per finding from a fact value (e.g. budget level warning/exceeded); default `severity`. */
  severityFrom?: { fact: string; path: string; map: Record<string, Severity> };
}

/** A rule's actions, whichever way the file declares them (`action` or `actions`). */
export function ruleActions(r: Pick<RuleDef, 'action' | 'actions'>): RuleAction[] {
  return r.actions ?? (r.action ? [r.action] : []);
}

/** A `{{fact.path}}` placeholder in a rule's message: what the loader validates and the evaluator renders. */
export const MESSAGE_PLACEHOLDER = /\{\{\s*([^}]+?)\s*\}\}/g;

/**
 * A placeholder's path and its fallback: `{{agent.errorReason | no reason recorded}}` reads "no reason recorded"
 * when the fact has no value (absent, null or empty), where a bare placeholder would read "?". Facts a record may
 * lack need one: "Carol is in error (?)" says nothing.
 */
export function splitPlaceholder(inner: string): { path: string; fallback: string | null } {
  const bar = inner.indexOf('|');
  return bar < 0 ? { path: inner.trim(), fallback: null } : { path: inner.slice(0, bar).trim(), fallback: inner.slice(bar + 1).trim() };
}

export interface LoadedRule extends RuleDef {
  file: string;
  pack: string;
}

const conditionRef = { $ref: '#/definitions/condition' };
const actionSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['type'],
  properties: { type: { enum: [...ACTION_TYPES] }, params: { type: 'object' }, enabled: { type: 'boolean' } },
} as const;

export const ruleJsonSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://clipguard.dev/schema/rule.schema.json',
  title: 'clipguard rule',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'title', 'severity', 'subject', 'description', 'remediation', 'tags', 'conditions'],
  properties: {
    $schema: { type: 'string' },
    id: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]*(/[a-z0-9][a-z0-9-]*)+$', description: 'area/name, e.g. ops/idle-agent-backlog' },
    title: { type: 'string', minLength: 1 },
    severity: { enum: [...SEVERITIES] },
    subject: { enum: [...SUBJECT_TYPES] },
    description: { type: 'string', minLength: 1 },
    remediation: { type: 'string', minLength: 1 },
    tags: { type: 'array', items: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]*$' } },
    message: { type: 'string' },
    params: { type: 'object' },
    each: { type: 'string' },
    handbook: { type: 'string' },
    severityFrom: {
      type: 'object',
      additionalProperties: false,
      required: ['fact', 'path', 'map'],
      properties: { fact: { type: 'string' }, path: { type: 'string' }, map: { type: 'object', additionalProperties: { enum: [...SEVERITIES] } } },
    },
    conditions: {
      type: 'object',
      minProperties: 1,
      maxProperties: 1,
      additionalProperties: false,
      properties: { all: { type: 'array', items: conditionRef }, any: { type: 'array', items: conditionRef }, not: conditionRef },
    },
    action: actionSchema,
    actions: { type: 'array', minItems: 1, items: actionSchema },
  },
  definitions: {
    condition: {
      type: 'object',
      oneOf: [
        {
          additionalProperties: false,
          required: ['fact', 'operator', 'value'],
          properties: {
            fact: { type: 'string' },
            operator: { type: 'string' },
            value: {},
            path: { type: 'string' },
            params: { type: 'object' },
            name: { type: 'string' },
            priority: { type: 'integer', minimum: 1 },
          },
        },
        { additionalProperties: false, required: ['all'], properties: { all: { type: 'array', items: conditionRef }, name: { type: 'string' }, priority: { type: 'integer' } } },
        { additionalProperties: false, required: ['any'], properties: { any: { type: 'array', items: conditionRef }, name: { type: 'string' }, priority: { type: 'integer' } } },
        { additionalProperties: false, required: ['not'], properties: { not: conditionRef, name: { type: 'string' }, priority: { type: 'integer' } } },
      ],
    },
  },
} as const;

export const BUILTIN_OPERATORS = [
  'equal',
  'notEqual',
  'lessThan',
  'lessThanInclusive',
  'greaterThan',
  'greaterThanInclusive',
  'in',
  'notIn',
  'contains',
  'doesNotContain',
] as const;

/** json-rules-engine 7 operator decorators, written `decorator:operator`. */
export const OPERATOR_DECORATORS = ['someFact', 'someValue', 'everyFact', 'everyValue', 'swap', 'not'] as const;

export function isKnownOperator(op: string): boolean {
  const parts = op.split(':');
  const base = parts.pop() as string;
  return (BUILTIN_OPERATORS as readonly string[]).includes(base) && parts.every((d) => (OPERATOR_DECORATORS as readonly string[]).includes(d));
}

/** Whether a rule reads a fact: in a condition, a value, `each`, `severityFrom` or a message placeholder. */
export function ruleUsesFact(r: Pick<RuleDef, 'conditions' | 'each' | 'message' | 'severityFrom'>, fact: string): boolean {
  if (JSON.stringify(r.conditions ?? {}).includes(`"fact":${JSON.stringify(fact)}`)) return true;
  if (typeof r.each === 'string' && r.each.split('.')[0] === fact) return true;
  if ((r.severityFrom as { fact?: unknown } | undefined)?.fact === fact) return true;
  return typeof r.message === 'string' && new RegExp(`\\{\\{\\s*${fact}[.\\[}\\s]`).test(r.message);
}
