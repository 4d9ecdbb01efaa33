// Benchmark: what each `secrets.patterns` row costs on a 1 MB text, to pick the limit on the number of rows
// (src/config/load.ts MAX_SECRET_PATTERNS). Each row runs on RE2 in linear time (linear-regex.ts), but the rows
// add up: a row without keywords (or whose keyword occurs) reads the whole text again.
//
//   npm run build && node bench/user-pattern-rows.mjs
//
// In process: detectSecrets over 1 MB of generated source text with N rows of three shapes, distinct per row:
//   literal   `acme<i>_[a-z0-9]{24}` (a literal prefix RE2 can look for),
//   class     `[0-9a-f]{40}[g<i>]` (no literal: RE2's DFA on every character),
//   tail      `[0-9a-f]{8}(?:-?[0-9a-f]{4}){3}\w{0,40}z<i>` (a long program with a literal tail),
//   dense     `[a-z]{4,}<i mod 10>[a-z0-9_]{0,20+i}` (matches all over source text: the NFA gives every match's
//             position and each is a candidate the row's checks read).
// Median of BENCH_ROWS_RUNS (default 5) runs, alternating N within each round; ms per row = (N rows - 0 rows) / N.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeSourceText } from './gen-secrets-input.mjs';
import { quantiles } from './startup.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { detectSecrets } = await import(join(ROOT, 'dist/detectors/secrets/detect.js'));
const RUNS = Number(process.env.BENCH_ROWS_RUNS ?? 5);
const NS = (process.env.BENCH_ROWS_N ?? '0,10,50,100').split(',').map(Number);
let text = '';
for (let seed = 1; text.length < 1_000_000; seed++) text += makeSourceText(200, seed);
text = text.slice(0, 1_000_000);
// Hex runs of 40 in the text, so the `class` rows find candidates as real code gives them.
const SHAPES = {
  literal: (i) => `acme${i}_[a-z0-9]{24}`,
  class: (i) => `[0-9a-f]{40}[g${String.fromCharCode(97 + (i % 26))}]`,
  tail: (i) => `[0-9a-f]{8}(?:-?[0-9a-f]{4}){3}\\w{0,40}z${i}`,
  dense: (i) => `[a-z]{4,}${i % 10}[a-z0-9_]{0,${20 + i}}`,
};
const rows = (shape, n) => Array.from({ length: n }, (_, i) => ({ id: `r${i}`, description: `r${i}`, keywords: [], regex: SHAPES[shape](i) }));
console.log(`load before: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
console.log('| shape | ' + NS.map((n) => `${n} rows`).join(' | ') + ' | ms per row |\n| --- | ' + NS.map(() => '---').join(' | ') + ' | --- |');
for (const shape of Object.keys(SHAPES)) {
  const sets = NS.map((n) => rows(shape, n));
  for (const s of sets) detectSecrets(`${text}\n`, { extraPatterns: s }); // warm-up, compiles
  const ms = NS.map(() => []);
  for (let round = 0; round < RUNS; round++) {
    for (let k = 0; k < NS.length; k++) {
      // A new string each run: a row's RE2 gate remembers its answer for the text it last read (linear-regex.ts).
      const fresh = `${text}\n// ${round} ${k}\n`;
      const t = performance.now();
      detectSecrets(fresh, { extraPatterns: sets[k] });
      ms[k].push(performance.now() - t);
    }
  }
  const med = ms.map((m) => quantiles(m).median);
  const last = NS.length - 1;
  const perRow = NS[last] ? (med[last] - med[0]) / NS[last] : 0;
  console.log(`| ${shape} | ${med.map((m, k) => `${m.toFixed(0)} (${quantiles(ms[k]).min.toFixed(0)}-${quantiles(ms[k]).max.toFixed(0)})`).join(' | ')} | ${perRow.toFixed(1)} |`);
}
console.log(`load after: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
