// Writes the zh detector's tables (src/detectors/chinese/tables.ts) compiled from opencc-js and packed in
// the layout the detector reads in place, so that no clipguard process builds them again:
// dist/generated/zh-tables.bin. Run by `npm run build`.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { compileTables, packTables } from '../dist/detectors/chinese/tables.js';

const gen = new URL('../dist/generated/', import.meta.url);
mkdirSync(gen, { recursive: true });
writeFileSync(new URL('zh-tables.bin', gen), packTables(compileTables()));
// The JSON layout of earlier builds: no longer read, not shipped.
rmSync(new URL('zh-tables.json', gen), { force: true });
