// Benchmark: the secret detector on ~5 MB inputs, beside secretlint 12 used as a library (its recommended
// preset, same text, same process) and beside our own pattern table run without the keyword prefilter
// ("every regex over the text"). Inputs come from a seeded generator (bench/gen-secrets-input.mjs):
// (a) source code without secrets, (b) text dense with near-miss candidates, (c) ticket prose in English
// and Chinese.
//
//   npx tsc -p tsconfig.build.json && node bench/secrets.mjs
//
// Each tool runs once on the input to warm up (JIT, regex compilation); then, RUNS rounds, each tool in
// turn (round-robin, so a burst of load on the shared machine hits every tool alike) runs a batch of
// repetitions long enough to time (>= 100 ms); the fastest batch counts, per repetition. MB/s are UTF-8
// megabytes (2^20 bytes) per second.
import { fileURLToPath } from 'node:url';
import { makeNearMissText, makeSourceText, makeTicketProse } from './gen-secrets-input.mjs';

const SELF = fileURLToPath(import.meta.url);
const RUNS = Number(process.env.BENCH_SECRETS_RUNS ?? 5);
const SIZE = Number(process.env.BENCH_SECRETS_BYTES ?? 5 * 1024 * 1024);

async function secretlintRunner() {
  const { lintSource } = await import('@secretlint/core');
  const { creator } = await import('@secretlint/secretlint-rule-preset-recommend');
  const config = { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: creator }] };
  return async (text) => {
    const r = await lintSource({ source: { filePath: '/bench/input.txt', content: text, contentType: 'text' }, options: { config, maskSecrets: true } });
    return r.messages.length;
  };
}

async function timeOnce(fn, text) {
  const t0 = performance.now();
  const findings = await fn(text);
  return { ms: performance.now() - t0, findings };
}

/** {tool: {ms, findings}}: warm-up, then RUNS round-robin rounds of batches of >= 100 ms per tool. */
async function timeTools(tools, text) {
  const out = {};
  const reps = {};
  for (const [tool, fn] of Object.entries(tools)) {
    const warm = await timeOnce(fn, text);
    out[tool] = { ms: warm.ms, findings: warm.findings };
    reps[tool] = Math.max(1, Math.ceil(100 / Math.max(warm.ms, 0.01)));
    // A tool that takes seconds per run is measured well enough by one run per round.
    if (warm.ms > 1000) reps[tool] = 1;
  }
  const rounds = Object.values(out).some((o) => o.ms > 1000) ? Math.min(RUNS, 2) : RUNS;
  for (let i = 0; i < rounds; i++) {
    for (const [tool, fn] of Object.entries(tools)) {
      const t0 = performance.now();
      for (let k = 0; k < reps[tool]; k++) await fn(text);
      out[tool].ms = Math.min(i === 0 ? Infinity : out[tool].ms, (performance.now() - t0) / reps[tool]);
    }
  }
  return out;
}

/** Rows {case, tool, mbPerSec, ms, findings}, one per (input, tool). */
export async function benchSecrets() {
  const { detectSecrets, detectSecretsUnfiltered } = await import('../dist/detectors/secrets/index.js');
  const tools = {
    clipguard: (t) => detectSecrets(t).length,
    secretlint: await secretlintRunner(),
    'every-regex': (t) => detectSecretsUnfiltered(t).length,
  };
  const cases = {
    '(a) source, no secrets': makeSourceText(SIZE, 1),
    '(b) dense near-misses': makeNearMissText(SIZE, 2),
    '(c) ticket prose en+zh': makeTicketProse(SIZE, 3),
  };
  const rows = [];
  for (const [name, text] of Object.entries(cases)) {
    const mb = Buffer.byteLength(text, 'utf8') / 1048576;
    const timed = await timeTools(tools, text);
    for (const [tool, { ms, findings }] of Object.entries(timed)) {
      rows.push({ case: name, tool, mbPerSec: Math.round((mb / (ms / 1000)) * 10) / 10, ms: Math.round(ms * 10) / 10, findings });
    }
  }
  return rows;
}

if (process.argv[1] === SELF) {
  const rows = await benchSecrets();
  console.table(rows);
  for (const c of [...new Set(rows.map((r) => r.case))]) {
    const get = (tool) => rows.find((r) => r.case === c && r.tool === tool).mbPerSec;
    console.log(`${c}: clipguard is ${(get('clipguard') / get('secretlint')).toFixed(1)}x secretlint, ${(get('clipguard') / get('every-regex')).toFixed(1)}x every-regex`);
  }
}
