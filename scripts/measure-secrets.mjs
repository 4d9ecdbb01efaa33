#!/usr/bin/env node
// Recall and false positives of the secret detector, per kind, on the seeded corpus:
//
//   npx tsc -p tsconfig.build.json && node scripts/measure-secrets.mjs [--seed N] [--keep] [--secretlint] [--credentials]
//
// --credentials: with the opt-in credential model on (config `secrets.credentials: true`).
//
// Positives and near-misses are generated into a temporary directory at run time (they look like real
// keys, so they are never committed); the negatives are the committed fixtures/secrets-corpus file.
// Recall of a kind: records of that kind where a match of that kind was reported. A false positive: any
// match in a near-miss or negative record, or a match of another kind / a second match in a positive.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NEGATIVES_FILE, writeCorpus } from './gen-secrets-corpus.mjs';

const { detectSecrets } = await import('../dist/detectors/secrets/index.js');

const arg = (name) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const seed = Number(arg('--seed') ?? 1);
const detectOptions = process.argv.includes('--credentials') ? { credentials: true } : {};
const dir = mkdtempSync(join(tmpdir(), 'clipguard-secrets-corpus-'));
const files = writeCorpus(dir, seed);
const read = (f) => readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const positives = read(files.positives);
const nearMisses = read(files.nearMisses);
// The committed negatives, plus placeholders other scanners flag (generated, never committed).
const negatives = [...read(NEGATIVES_FILE), ...read(files.baitNegatives)];

const byKind = new Map();
const row = (kind) => {
  if (!byKind.has(kind)) byKind.set(kind, { kind, positives: 0, found: 0, wrongKind: 0, falsePositives: 0 });
  return byKind.get(kind);
};
const misses = [];
const falseHits = [];
const t0 = performance.now();
let bytes = 0;
for (const rec of positives) {
  bytes += Buffer.byteLength(rec.text);
  const want = rec.expected[0].kind;
  const r = row(want);
  r.positives++;
  const ms = detectSecrets(rec.text, detectOptions);
  if (ms.some((m) => m.kind === want)) r.found++;
  else {
    misses.push({ kind: want, context: rec.context, got: ms.map((m) => m.kind) });
    if (ms.length) r.wrongKind++;
  }
  for (const m of ms.filter((m) => m.kind !== want)) {
    row(m.kind).falsePositives++;
    falseHits.push({ set: 'positive', context: rec.context, kind: m.kind, preview: m.preview });
  }
}
for (const rec of [...nearMisses, ...negatives]) {
  bytes += Buffer.byteLength(rec.text);
  for (const m of detectSecrets(rec.text, detectOptions)) {
    row(m.kind).falsePositives++;
    falseHits.push({ set: rec.set, context: rec.context, kind: m.kind, preview: m.preview, note: rec.note });
  }
}
const ms = performance.now() - t0;

const table = [...byKind.values()]
  .sort((a, b) => a.kind.localeCompare(b.kind))
  .map((r) => ({ kind: r.kind, positives: r.positives, found: r.found, recall: r.positives ? +(r.found / r.positives).toFixed(3) : null, 'false positives': r.falsePositives }));
console.table(table);
const totalPos = positives.length;
const found = table.reduce((s, r) => s + r.found, 0);
const clean = nearMisses.length + negatives.length;
const fpRecords = new Set(falseHits.filter((h) => h.set !== 'positive').map((h) => `${h.set}|${h.context}|${h.note}|${h.preview}`)).size;
console.log(`positives: ${found}/${totalPos} found (recall ${(found / totalPos).toFixed(4)})`);
console.log(`near-misses + negatives: ${clean} records, ${falseHits.filter((h) => h.set !== 'positive').length} false positives (FP rate ${(fpRecords / clean).toFixed(4)} per record)`);
console.log(`extra matches in positive records: ${falseHits.filter((h) => h.set === 'positive').length}`);
console.log(`scanned ${(bytes / 1024).toFixed(0)} KiB in ${ms.toFixed(0)} ms`);
if (misses.length) console.log('misses:', JSON.stringify(misses.slice(0, 20), null, 1));
if (falseHits.length) console.log('false positives:', JSON.stringify(falseHits.slice(0, 20), null, 1));

// For scale: secretlint 12's recommended preset on the same records (any message counts as found).
if (process.argv.includes('--secretlint')) {
  const { lintSource } = await import('@secretlint/core');
  const { creator } = await import('@secretlint/secretlint-rule-preset-recommend');
  const config = { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: creator }] };
  const lint = async (text) => (await lintSource({ source: { filePath: '/corpus.txt', content: text, contentType: 'text' }, options: { config, maskSecrets: true } })).messages.length;
  const perKind = new Map();
  for (const rec of positives) {
    const k = rec.expected[0].kind;
    const r = perKind.get(k) ?? { kind: k, positives: 0, found: 0 };
    r.positives++;
    if ((await lint(rec.text)) > 0) r.found++;
    perKind.set(k, r);
  }
  let fp = 0;
  for (const rec of [...nearMisses, ...negatives]) if ((await lint(rec.text)) > 0) fp++;
  const all = [...perKind.values()];
  console.log('secretlint (recommended preset) on the same corpus:');
  console.table(all.map((r) => ({ ...r, recall: +(r.found / r.positives).toFixed(3) })));
  const f = all.reduce((s, r) => s + r.found, 0);
  console.log(`secretlint: ${f}/${totalPos} positives found (recall ${(f / totalPos).toFixed(4)}); ${fp}/${clean} near-miss/negative records flagged (FP rate ${(fp / clean).toFixed(4)})`);
}
if (process.argv.includes('--keep')) console.log(`corpus kept in ${dir}`);
else rmSync(dir, { recursive: true, force: true });
