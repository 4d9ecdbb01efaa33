// JSON Schema validators for rule files and the config file, compiled ahead of time.
//
// Compiling a schema with Ajv costs ~150 ms per schema at start-up (plus ~80 ms to load Ajv), and
// `clipguard precommit` starts on every commit. `npm run build` writes both validators as standalone code
// (scripts/write-schemas.mjs -> dist/generated/validators.cjs); this module loads that file, and only when
// it is missing (running from src/ under vitest) compiles the schemas with Ajv, on first use.

import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { configJsonSchema } from '../config/schema.js';
import { ruleJsonSchema } from '../engine/rule.js';
import { GENERATED_DIR } from '../paths.js';

const require = createRequire(import.meta.url);
type Name = 'rule' | 'config';
const schemas: Record<Name, object> = { rule: ruleJsonSchema, config: configJsonSchema };
const compiled: Partial<Record<Name, ValidateFunction>> = {};
let generated: Partial<Record<Name, ValidateFunction>> | null | undefined;

/** Ajv options shared by the build-time and the on-demand compilation. */
export const AJV_OPTIONS = { allErrors: true, strict: false } as const;

export function validatorFor(name: Name): ValidateFunction {
  const hit = compiled[name];
  if (hit) return hit;
  if (generated === undefined) {
    try {
      generated = GENERATED_DIR ? (require(join(GENERATED_DIR, 'validators.cjs')) as Partial<Record<Name, ValidateFunction>>) : null;
    } catch {
      generated = null;
    }
  }
  let v = generated?.[name];
  if (!v) {
    const { Ajv } = require('ajv') as typeof import('ajv');
    v = new Ajv(AJV_OPTIONS).compile(schemas[name]);
  }
  compiled[name] = v;
  return v;
}
