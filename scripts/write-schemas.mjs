// Writes the published JSON Schemas (config, rule, report) from their TypeScript sources in dist/.
// Run by `npm run build`; schema/*.json is committed so editors find it in the package.
import { mkdirSync, writeFileSync } from 'node:fs';
import { configJsonSchema } from '../dist/config/schema.js';
import { ruleJsonSchema } from '../dist/engine/rule.js';
import { reportJsonSchema } from '../dist/report/schema.js';

const dir = new URL('../schema/', import.meta.url);
mkdirSync(dir, { recursive: true });
for (const [name, schema] of [['config', configJsonSchema], ['rule', ruleJsonSchema], ['report', reportJsonSchema]]) {
  writeFileSync(new URL(`${name}.schema.json`, dir), JSON.stringify(schema, null, 2) + '\n');
}
