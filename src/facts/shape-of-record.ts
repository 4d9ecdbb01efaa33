// The rule-validation shape of a Paperclip record, read off its zod schema (sources/paperclip/records.ts), and
// that shape written as TypeScript: src/facts/record-shapes.ts is this output, generated and kept in step by
// test/unit/record-shapes.test.ts. Not on any command's path: the CLI must not load zod to validate rules.
import * as z from 'zod';
import type { Shape } from '../engine/shape.js';

interface Def {
  type: string;
  innerType?: z.ZodType;
  element?: z.ZodType;
  shape?: Record<string, z.ZodType>;
}

/** A record's shape: strings, enums and dates are `string`, an object without listed fields is `any`. */
export function shapeOfRecord(schema: z.ZodType): Shape {
  const meta = z.globalRegistry.get(schema) as { ruleShape?: Shape } | undefined;
  if (meta?.ruleShape) return meta.ruleShape;
  const def = (schema as unknown as { _zod: { def: Def } })._zod.def;
  switch (def.type) {
    case 'string':
    case 'enum':
      return 'string';
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'optional':
      return shapeOfRecord(def.innerType as z.ZodType);
    case 'nullable': {
      const inner = shapeOfRecord(def.innerType as z.ZodType);
      return inner === 'any' ? 'any' : { kind: 'nullable', of: inner };
    }
    case 'array':
      return { kind: 'array', items: shapeOfRecord(def.element as z.ZodType) };
    case 'object': {
      const entries = Object.entries(def.shape ?? {});
      if (!entries.length) return 'any';
      return { kind: 'object', props: Object.fromEntries(entries.map(([k, v]) => [k, shapeOfRecord(v)])) };
    }
    case 'unknown':
    case 'any':
      return 'any';
    default:
      throw new Error(`shapeOfRecord: no shape for a zod ${def.type}`);
  }
}

/** Only the named fields of an object shape (an issue as agent facts list it). */
export function pick(shape: Shape, names: string[]): Shape {
  if (typeof shape !== 'object' || shape.kind !== 'object') throw new Error('pick: not an object shape');
  return { kind: 'object', props: Object.fromEntries(names.map((n) => [n, shape.props[n] ?? 'any'])) };
}

/** The shape as TypeScript over engine/shape.ts's constructors, fields in the schema's order. */
export function shapeSource(shape: Shape, indent = ''): string {
  if (shape === 'string') return 'S';
  if (shape === 'number') return 'N';
  if (shape === 'boolean') return 'B';
  if (shape === 'any') return 'A';
  if (shape.kind === 'nullable') return `nul(${shapeSource(shape.of, indent)})`;
  if (shape.kind === 'optional') return `opt(${shapeSource(shape.of, indent)})`;
  if (shape.kind === 'array') return `arr(${shapeSource(shape.items, indent)})`;
  const inner = indent + '  ';
  const props = Object.entries(shape.props).map(([k, v]) => `${inner}${/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)}: ${shapeSource(v, inner)},`);
  return `obj({\n${props.join('\n')}\n${indent}})`;
}
