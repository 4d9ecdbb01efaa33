// Benchmark: the zh linter on all the real zh-TW and zh-Hant locale files (fixtures/locales-real, see its
// SOURCE.md: TypeScript's zh-tw diagnostics, CLDR zh-Hant with its emoji annotations, Docusaurus, antd,
// element-plus, uppy), beside the naive linter the issue warns about: opencc-js cn->tw conversion of the
// same files, compared character by character. Every file the locale walk finds as zh-TW or zh-Hant is
// read, so the figure grows with the corpus.
//
//   npx tsc -p tsconfig.build.json && node bench/zh.mjs
//
// Throughput is Han characters of translated text per second. Each side runs once to warm up (JIT,
// opencc-js tries, the detector's tables), then RUNS times, in ROUNDS alternating rounds; the fastest run
// counts (shared machines: the minimum is the run least disturbed by other work, for both sides alike).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as OpenCC from 'opencc-js';

const SELF = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL('../fixtures/locales-real/', import.meta.url));
const RUNS = Number(process.env.BENCH_ZH_RUNS ?? 15);
const ROUNDS = Number(process.env.BENCH_ZH_ROUNDS ?? 4);
const isHan = (cp) => (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x20000 && cp <= 0x3ffff) || (cp >= 0xf900 && cp <= 0xfaff);

/** Fastest of RUNS timed runs, after one warm-up run. */
function best(fn) {
  let out = fn();
  let ms = Infinity;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    out = fn();
    ms = Math.min(ms, performance.now() - t0);
  }
  return { ms, out };
}

/** Rows {name, value, unit, peer, ratio}: ours first, then the peer (ratio = ours / peer). */
export async function run() {
  const { findLocaleFiles, lintLocaleFile } = await import('../dist/sources/locales.js');
  const { extractSegments } = await import('../dist/sources/extract/index.js');
  const files = findLocaleFiles(ROOT)
    .filter((f) => f.locale === 'zh-TW' || f.locale === 'zh-Hant')
    .map((f) => ({ ...f, text: readFileSync(ROOT + f.path, 'utf8') }));
  const bytes = files.reduce((n, f) => n + Buffer.byteLength(f.text), 0);
  let han = 0;
  for (const f of files) for (const s of extractSegments(f.path, f.text)) for (const c of f.text.slice(s.start, s.end)) han += isHan(c.codePointAt(0)) ? 1 : 0;

  const lintAll = () => files.reduce((n, f) => n + lintLocaleFile(f.path, f.text, f.locale).length, 0);
  const cnToTw = OpenCC.Converter({ from: 'cn', to: 'tw' });
  // The naive linter converts only the translated text too (same extractors), then flags every change.
  const naiveAll = () => {
    let flags = 0;
    for (const f of files) {
      for (const s of extractSegments(f.path, f.text)) {
        const piece = f.text.slice(s.start, s.end);
        const a = Array.from(piece);
        const b = Array.from(cnToTw(piece));
        if (a.length === b.length) for (let i = 0; i < a.length; i++) flags += a[i] !== b[i] ? 1 : 0;
      }
    }
    return flags;
  };
  // One side after the other, not interleaved: the garbage one side leaves would be collected while the
  // other is timed.
  // ROUNDS rounds, the order of the two sides swapped each round, and each side's fastest run over all
  // rounds counts: a burst of other work on the shared machine then costs one round of one side, not the
  // figure (one round each gave 1.7x-3.4x back to back on the same code).
  let lint = { ms: Infinity, out: 0 };
  let naive = { ms: Infinity, out: 0 };
  for (let r = 0; r < ROUNDS; r++) {
    for (const side of r % 2 ? ['naive', 'lint'] : ['lint', 'naive']) {
      const got = best(side === 'lint' ? lintAll : naiveAll);
      if (side === 'lint' && got.ms < lint.ms) lint = got;
      if (side === 'naive' && got.ms < naive.ms) naive = got;
    }
  }
  const ours = han / (lint.ms / 1000);
  const peer = han / (naive.ms / 1000);
  const round = (x) => Math.round(x);
  return [
    { name: 'zh lint, real zh-TW text', value: round(ours), unit: 'Han chars/s', peer: 'opencc-js cn->tw (naive linter)', ratio: Math.round((ours / peer) * 10) / 10, findings: lint.out, hanChars: han, files: files.length, bytes },
    { name: 'opencc-js cn->tw, same text', value: round(peer), unit: 'Han chars/s', peer: null, ratio: null, findings: naive.out, hanChars: han, files: files.length, bytes },
  ];
}

if (process.argv[1] === SELF) {
  const rows = await run();
  console.table(rows);
  console.log(`zh lint is ${rows[0].ratio}x the naive cn->tw linter (${rows[0].findings} findings vs ${rows[1].findings} flags on ${rows[0].hanChars} Han characters, ${rows[0].files} files, ${Math.round(rows[0].bytes / 1024)} KB)`);
}
