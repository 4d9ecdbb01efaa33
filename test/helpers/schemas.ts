// The report validators the tests share: the published report schema and SARIF 2.1.0 (test/schemas/), with
// ajv-formats registered, so `date-time`, `uri` and `uri-reference` are checked instead of ignored with an
// "unknown format" warning per use (84 of them in the test output before).
import { readFileSync } from 'node:fs';
import Ajv4Module from 'ajv-draft-04';
import { Ajv, type Options, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { checklistJsonSchema, reportJsonSchema } from '../../src/report/schema.js';

const Ajv4 = ((Ajv4Module as any).default ?? Ajv4Module) as typeof import('ajv').default;
const addFormats = ((addFormatsModule as any).default ?? addFormatsModule) as (ajv: unknown) => unknown;

export const SARIF_SCHEMA = JSON.parse(readFileSync(new URL('../schemas/sarif-2.1.0-rtm.5.json', import.meta.url), 'utf8'));

/** SARIF 2.1.0 (draft-04 schema). `logger` is for the test that checks nothing is warned. */
export function sarifValidator(logger?: Options['logger']): ValidateFunction {
  const ajv = new Ajv4({ strict: false, allErrors: true, unicodeRegExp: false, ...(logger ? { logger } : {}) });
  addFormats(ajv);
  return ajv.compile(SARIF_SCHEMA);
}

/** clipguard's json report (schema/report.schema.json). */
export function reportValidator(logger?: Options['logger']): ValidateFunction {
  const ajv = new Ajv({ strict: false, ...(logger ? { logger } : {}) });
  addFormats(ajv);
  return ajv.compile(reportJsonSchema);
}

/** clipguard's checklist json (schema/checklist.schema.json), the scan's report inside it. */
export function checklistValidator(): ValidateFunction {
  const ajv = new Ajv({ strict: false });
  addFormats(ajv);
  return ajv.compile(checklistJsonSchema);
}
