// Benchmark: the secret detector on ~5 MB inputs, beside secretlint 12 used as a library (its recommended
// preset, same text, same process) and beside our own pattern table run without the keyword prefilter
// ("every regex over the text"). Inputs come from a seeded generator (bench/gen-secrets-input.mjs):
// (a) source code without secrets, (b) text dense with near-miss candidates, (c) ticket prose in English
// and Chinese.
//
//   npx tsc -p tsconfig.build.json && node bench/secrets.mjs          (a)-(c), in one process
//   npx tsc -p tsconfig.build.json && node bench/secrets.mjs --real   (d), real source, one process per tool
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

// (d) Real source, like for like: ~20 MB of JavaScript and TypeScript from node_modules (bench/real-source.mjs)
// joined into one text (as (a)-(c) are one text), each tool in its own child process (so its peak RSS is its
// own). The child reads the files, loads the tool, warms it up on the first 20 files, then lints the text once,
// timed: wall time and CPU time (user + system of the whole child process, all its threads: process.cpuUsage
// around the lint), and the child's total CPU (process.resourceUsage at its end). The parent runs the children
// in turn, BENCH_REAL_RUNS rounds (default 5); medians, min-max, peak RSS. On a shared machine the CPU
// figures move least with the other load: MB/s by CPU is megabytes per CPU second of the lint.
// File by file is measured whole-process by bench/precommit.mjs (200 real files, and the same ~20 MB): there
// secretlint also pays its profiler, which keeps every mark of the process and searches them linearly after
// each file (quadratic in the file count, and deferred past any timer a library benchmark would stop).
const REAL_BYTES = Number(process.env.BENCH_REAL_BYTES ?? 20 * 1024 * 1024);

async function childRun(tool, mode, bytes) {
  const { realFilesOfSize, readText } = await import('./real-source.mjs');
  let files = realFilesOfSize(bytes).map((f) => ({ path: f.path, text: readText(f) }));
  const warm = files.slice(0, 20);
  if (mode === 'joined') files = [{ path: 'joined.js', text: files.map((f) => f.text).join('\n') }];
  let lint;
  if (tool === 'clipguard') {
    const { detectSecrets } = await import('../dist/detectors/secrets/index.js');
    lint = async (f) => detectSecrets(f.text).length;
  } else {
    const { lintSource } = await import('@secretlint/core');
    const { creator } = await import('@secretlint/secretlint-rule-preset-recommend');
    const config = { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: creator }] };
    lint = async (f) => (await lintSource({ source: { filePath: `/bench/${f.path}`, content: f.text, contentType: 'text' }, options: { config, maskSecrets: true } })).messages.length;
  }
  for (const f of warm) await lint(f);
  let findings = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (const f of files) findings += await lint(f);
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const mb = files.reduce((a, f) => a + Buffer.byteLength(f.text, 'utf8'), 0) / 1048576;
  const ru = process.resourceUsage();
  process.stdout.write(JSON.stringify({ ms, cpuMs: (c.user + c.system) / 1000, processCpuMs: (ru.userCPUTime + ru.systemCPUTime) / 1000, mb, files: files.length, findings, rssMB: ru.maxRSS / 1024 }));
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * Rows {case, tool, mbPerSec (median by wall time), min, max, cpuMs (median CPU of the lint), cpuMin, cpuMax,
 * mbPerCpuSec, processCpuMs (median CPU of the whole child), rssMB (peak), findings, files, mb}, and `pairs`: the
 * per-round ratios (secretlint's time / clipguard's, wall and CPU), each round's two children run back to back.
 */
export async function benchRealSource() {
  const { spawnSync } = await import('node:child_process');
  const runs = Number(process.env.BENCH_REAL_RUNS ?? 5);
  const tools = ['clipguard', 'secretlint'];
  const rows = [];
  for (const mode of ['joined']) {
    const got = Object.fromEntries(tools.map((t) => [t, []]));
    for (let i = 0; i < runs; i++) {
      for (const tool of tools) {
        const r = spawnSync(process.execPath, [SELF, '--child', tool, mode, String(REAL_BYTES)], { encoding: 'utf8', maxBuffer: 1 << 24 });
        if (r.status !== 0) throw new Error(`${tool} child: ${r.stderr.slice(0, 500)}`);
        got[tool].push(JSON.parse(r.stdout));
      }
    }
    const r1 = (n) => Math.round(n * 10) / 10;
    for (const tool of tools) {
      const xs = got[tool];
      const rates = xs.map((x) => x.mb / (x.ms / 1000)).sort((a, b) => a - b);
      const cpu = xs.map((x) => x.cpuMs);
      const what = mode === 'files' ? 'each file on its own' : 'the files joined into one text';
      rows.push({
        case: `(d) real source from node_modules, ${what}`,
        tool,
        mbPerSec: r1(median(rates)),
        min: r1(rates[0]),
        max: r1(rates[rates.length - 1]),
        cpuMs: r1(median(cpu)),
        cpuMin: r1(Math.min(...cpu)),
        cpuMax: r1(Math.max(...cpu)),
        mbPerCpuSec: r1(xs[0].mb / (median(cpu) / 1000)),
        processCpuMs: Math.round(median(xs.map((x) => x.processCpuMs))),
        rssMB: Math.round(Math.max(...xs.map((x) => x.rssMB))),
        findings: xs[0].findings,
        files: got.clipguard[0].files,
        mb: r1(xs[0].mb),
      });
    }
    // Not a row (console.table would print it as one).
    Object.defineProperty(rows, 'pairs', { value: got.clipguard.map((cg, i) => ({ wall: got.secretlint[i].ms / cg.ms, cpu: got.secretlint[i].cpuMs / cg.cpuMs })) });
  }
  return rows;
}

if (process.argv[2] === '--child') {
  await childRun(process.argv[3], process.argv[4], Number(process.argv[5]));
} else if (process.argv[1] === SELF && process.argv.includes('--real')) {
  const { loadavg } = await import('node:os');
  const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
  const before = load();
  const rows = await benchRealSource();
  console.table(rows);
  for (const c of [...new Set(rows.map((r) => r.case))]) {
    const [cg, sl] = ['clipguard', 'secretlint'].map((t) => rows.find((r) => r.case === c && r.tool === t));
    const p = rows.pairs;
    const spread = (k) => `${Math.min(...p.map((x) => x[k])).toFixed(1)}x-${Math.max(...p.map((x) => x[k])).toFixed(1)}x`;
    console.log(`${c}: clipguard is ${(cg.mbPerSec / sl.mbPerSec).toFixed(1)}x secretlint by wall time (medians; rounds ${spread('wall')}), ${(sl.cpuMs / cg.cpuMs).toFixed(1)}x by CPU time (rounds ${spread('cpu')})`);
  }
  console.log(`load average (1, 5, 15 min): ${before} before, ${load()} after`);
} else if (process.argv[1] === SELF) {
  const rows = await benchSecrets();
  console.table(rows);
  for (const c of [...new Set(rows.map((r) => r.case))]) {
    const get = (tool) => rows.find((r) => r.case === c && r.tool === tool).mbPerSec;
    console.log(`${c}: clipguard is ${(get('clipguard') / get('secretlint')).toFixed(1)}x secretlint, ${(get('clipguard') / get('every-regex')).toFixed(1)}x every-regex`);
  }
}
