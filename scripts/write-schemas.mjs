// Writes the published JSON Schemas (config, rule, report, checklist) from their TypeScript sources in dist/.
// Run by `npm run build`; schema/*.json is committed so editors find it in the package.
import { mkdirSync, writeFileSync } from 'node:fs';
import { configJsonSchema } from '../dist/config/schema.js';
import { ruleJsonSchema } from '../dist/engine/rule.js';
import { checklistJsonSchema, reportJsonSchema } from '../dist/report/schema.js';

const dir = new URL('../schema/', import.meta.url);
mkdirSync(dir, { recursive: true });
for (const [name, schema] of [['config', configJsonSchema], ['rule', ruleJsonSchema], ['report', reportJsonSchema], ['checklist', checklistJsonSchema]]) {
  writeFileSync(new URL(`${name}.schema.json`, dir), JSON.stringify(schema, null, 2) + '\n');
}

// The rule and config validators as standalone code (src/util/validators.ts loads them): no Ajv
// compilation when clipguard starts.
const { Ajv } = await import('ajv');
const standaloneCode = (await import('ajv/dist/standalone/index.js')).default;
const { AJV_OPTIONS } = await import('../dist/util/validators.js');
const ajv = new Ajv({ ...AJV_OPTIONS, code: { source: true } });
ajv.addSchema(ruleJsonSchema, 'rule');
ajv.addSchema(configJsonSchema, 'config');
const gen = new URL('../dist/generated/', import.meta.url);
mkdirSync(gen, { recursive: true });
writeFileSync(new URL('validators.cjs', gen), standaloneCode(ajv, { rule: 'rule', config: 'config' }));
