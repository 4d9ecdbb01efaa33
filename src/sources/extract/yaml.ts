// YAML scalar values, not keys, with their source ranges from the `yaml` parser. A file the parser
// rejects yields null, and the caller falls back to plain text.

import { createRequire } from 'node:module';
import type { Segment } from './types.js';

// The parser (73 modules) is loaded on the first YAML file, not with the extractors: linting .po or JSON
// files never pays for it. Its package's "node" entry is this CommonJS file, the same one `import` loads.
const require = createRequire(import.meta.url);
let yaml: typeof import('yaml') | undefined;

export function yamlSegments(text: string, base = 0): Segment[] | null {
  const { isScalar, parseAllDocuments, visit } = (yaml ??= require('yaml') as typeof import('yaml'));
  const out: Segment[] = [];
  let docs;
  try {
    const parsed = parseAllDocuments(text, { uniqueKeys: false });
    if (!Array.isArray(parsed)) return null; // an empty stream
    docs = parsed;
  } catch {
    return null;
  }
  for (const doc of docs) {
    if (doc.errors.length) return null;
    visit(doc, {
      Scalar(key, node) {
        if (key === 'key') return; // keys are identifiers, not translations
        if (isScalar(node) && typeof node.value === 'string' && node.range) out.push({ start: base + node.range[0], end: base + node.range[1] });
      },
    });
  }
  return out;
}
