// Benchmark: the zh linter on the real GNOME zh_TW / zh_HK .po files (fixtures/locales-real, see SOURCE.md)
// beside a naive opencc-js linter on the same files, in-process and as command-line programs.
//
//   npm run build && node bench/zh-po.mjs [--runs N]
//
// The naive linter (bench/naive-opencc-lint.mjs, also runnable alone) reads each file, converts it with
// opencc-js (cn->tw for zh_TW, cn->hk for zh_HK) and flags every character the conversion changes: the
// whole file, no extractor (the cheapest honest naive pass: reading msgstr lines first costs it more).
// In-process, both sides are warm (tables and tries built once before timing); each CLI run is a fresh
// process, so table building counts there; the CLIs run on the corpus once and on COPIES copies of it
// (about the 500 files / 12 MB of real .po text the issue measured). Sides alternate run by run (shared
// machine); medians, min-max, CPU time (user + sys: what contention inflates least) and peak RSS are
// reported.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL('../fixtures/locales-real/', import.meta.url));
const CLI = fileURLToPath(new URL('../bin/clipguard.js', import.meta.url));
const NAIVE = fileURLToPath(new URL('./naive-opencc-lint.mjs', import.meta.url));

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return { median: s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2, min: s[0], max: s[s.length - 1] };
};

/** The .po files of the corpus copied `copies` times to a temp dir (the repository's config excludes the corpus). */
function corpusCopy(files, copies) {
  const dir = mkdtempSync(join(tmpdir(), 'clipguard-zh-po-'));
  for (let c = 0; c < copies; c++) for (const f of files) cpSync(join(ROOT, f.path), join(dir, `copy${c}`, f.path));
  return dir;
}

const HAS_TIME = spawnSync('/usr/bin/time', ['-f', '%M', 'true']).status === 0;

/** One timed child process: wall ms, CPU ms (user + sys) and peak RSS MB (from /usr/bin/time when present). */
function timed(cmd, args, cwd) {
  const t0 = performance.now();
  const r = HAS_TIME ? spawnSync('/usr/bin/time', ['-f', '%U %S %M', cmd, ...args], { cwd, encoding: 'utf8' }) : spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  const ms = performance.now() - t0;
  const [user, sys, rssKb] = HAS_TIME ? r.stderr.trim().split('\n').pop().split(' ').map(Number) : [NaN, NaN, NaN];
  return { ms, cpuMs: (user + sys) * 1000, rssMb: rssKb / 1024, status: r.status, stdout: r.stdout };
}

/** CLI against CLI on `copies` copies of the corpus, alternating. */
function cliRuns(files, copies, runs) {
  const dir = corpusCopy(files, copies);
  const out = { lint: { wall: [], cpu: [], rss: [] }, naive: { wall: [], cpu: [], rss: [] } };
  try {
    for (let r = 0; r < runs; r++) {
      for (const side of r % 2 ? ['naive', 'lint'] : ['lint', 'naive']) {
        const t = side === 'lint' ? timed(process.execPath, [CLI, 'i18n', '.', '-f', 'json'], dir) : timed(process.execPath, [NAIVE, '.'], dir);
        out[side].wall.push(t.ms);
        out[side].cpu.push(t.cpuMs);
        out[side].rss.push(t.rssMb);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const side = (x) => ({ wall: stats(x.wall), cpu: stats(x.cpu), rssMb: stats(x.rss).max });
  const lint = side(out.lint);
  const naive = side(out.naive);
  return { copies, lint, naive, ratio: naive.wall.median / lint.wall.median, cpuRatio: naive.cpu.median / lint.cpu.median };
}

export async function run({ runs = 9, copies = 5 } = {}) {
  const { findLocaleFiles, lintLocaleFile } = await import('../dist/sources/locales.js');
  const { naiveLint } = await import('./naive-opencc-lint.mjs');
  const files = findLocaleFiles(ROOT)
    .filter((f) => f.path.endsWith('.po'))
    .map((f) => ({ ...f, text: readFileSync(join(ROOT, f.path), 'utf8') }));
  const bytes = files.reduce((n, f) => n + Buffer.byteLength(f.text), 0);

  // In-process: one warm-up each, then alternating timed runs.
  const lintAll = () => files.reduce((n, f) => n + lintLocaleFile(f.path, f.text, f.locale).filter((x) => x.kind !== 'regional-variant').length, 0);
  const naiveAll = () => files.reduce((n, f) => n + naiveLint(f.path, f.text), 0);
  const t0 = performance.now();
  const lintFindings = lintAll();
  const lintColdMs = performance.now() - t0;
  const t1 = performance.now();
  const naiveFlags = naiveAll();
  const naiveColdMs = performance.now() - t1;
  const inProc = { lint: [], naive: [] };
  for (let r = 0; r < runs; r++) {
    for (const side of r % 2 ? ['naive', 'lint'] : ['lint', 'naive']) {
      const s = performance.now();
      side === 'lint' ? lintAll() : naiveAll();
      inProc[side].push(performance.now() - s);
    }
  }

  // CLI against CLI, each run a fresh process.
  const cli = [cliRuns(files, 1, runs), cliRuns(files, copies, runs)];
  const li = stats(inProc.lint);
  const ni = stats(inProc.naive);
  return {
    files: files.length,
    bytes,
    load: loadavg().map((x) => x.toFixed(2)).join(' '),
    findings: { lint: lintFindings, naive: naiveFlags },
    inProcess: { lint: li, naive: ni, ratio: ni.median / li.median, cold: { lint: lintColdMs, naive: naiveColdMs } },
    cli,
  };
}

if (process.argv[1] === SELF) {
  const i = process.argv.indexOf('--runs');
  const c = process.argv.indexOf('--copies');
  const r = await run({ runs: i > 0 ? Number(process.argv[i + 1]) : 9, copies: c > 0 ? Number(process.argv[c + 1]) : 5 });
  const f = (s) => `${s.median.toFixed(1)} ms (${s.min.toFixed(1)}-${s.max.toFixed(1)})`;
  console.log(`${r.files} .po files, ${(r.bytes / 1048576).toFixed(2)} MB; load ${r.load}`);
  console.log(`findings (warning and error): clipguard ${r.findings.lint}, naive ${r.findings.naive} flags`);
  console.log(`in-process warm: clipguard ${f(r.inProcess.lint)}, naive ${f(r.inProcess.naive)}: ${r.inProcess.ratio.toFixed(1)}x; first run (tables built): clipguard ${r.inProcess.cold.lint.toFixed(0)} ms, naive ${r.inProcess.cold.naive.toFixed(0)} ms`);
  for (const x of r.cli) {
    console.log(`CLI, ${x.copies} cop${x.copies === 1 ? 'y' : 'ies'} (${r.files * x.copies} files): wall clipguard ${f(x.lint.wall)}, naive ${f(x.naive.wall)}: ${x.ratio.toFixed(1)}x; CPU clipguard ${f(x.lint.cpu)}, naive ${f(x.naive.cpu)}: ${x.cpuRatio.toFixed(1)}x; peak RSS clipguard ${x.lint.rssMb.toFixed(0)} MB, naive ${x.naive.rssMb.toFixed(0)} MB`);
  }
}
