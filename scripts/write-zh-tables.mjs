// Writes the zh detector's tables (src/detectors/chinese/tables.ts) compiled from opencc-js, so that no
// clipguard process builds them again: dist/generated/zh-tables.json. Run by `npm run build`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { compileTables } from '../dist/detectors/chinese/tables.js';

const gen = new URL('../dist/generated/', import.meta.url);
mkdirSync(gen, { recursive: true });
writeFileSync(new URL('zh-tables.json', gen), JSON.stringify(compileTables()));
