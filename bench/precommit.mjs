// Benchmark 2: `clipguard precommit`, the whole process, beside secretlint's own CLI on the same staged files,
// both started the same way (`node <bin>`: no npx in front of either), in a git repository under bench/out/
// (removed afterwards). Three cases:
//   - 200 generated files / 20,000 added lines (bench/gen-secrets-input.mjs);
//   - 200 real source files from node_modules (bench/real-source.mjs), staged as new files;
//   - ~20 MB of real source files, the same way (BENCH_PRECOMMIT_BIG_RUNS rounds, default 3; 0 skips it);
//   - a 1-file change (10 added lines) after the generated files were committed.
// `node -e 0` is the floor of any Node CLI.
//
//   npm run build && node bench/precommit.mjs
//
// BENCH_CLIPGUARD_BIN=<bin/clipguard.js of another built checkout> measures that build instead (a before side,
// in this checkout's scratch repositories).
//
// Every command runs BENCH_PRECOMMIT_RUNS times (default 9) after one warm-up, the commands in turn each round
// (a burst of load on the shared machine hits every tool alike); medians, min-max, and the peak RSS of each
// command (GNU time's maxrss; secretlint reads every file given, clipguard the staged diff), and the CPU time
// (user + system, children included: less moved by the other load on a shared machine than wall time; GNU
// time's resolution is 10 ms), median and min-max. The ratios printed at the end compare medians, both by wall
// and by CPU time, with the load average before and after.
import { spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeSourceText } from './gen-secrets-input.mjs';
import { realFiles, realFilesOfSize } from './real-source.mjs';
import { quantiles, timed } from './startup.mjs';

const SELF = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RUNS = Number(process.env.BENCH_PRECOMMIT_RUNS ?? 9);
const FILES = 200;
const LINES = 20_000;
const BIG_RUNS = Number(process.env.BENCH_PRECOMMIT_BIG_RUNS ?? 3);
const BIG_BYTES = 20 * 1024 * 1024;
const CLIPGUARD = process.env.BENCH_CLIPGUARD_BIN ?? join(ROOT, 'bin/clipguard.js');

const git = (cwd, ...args) => {
  const r = spawnSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@example.invalid', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

function newRepo(dir) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q', '.');
  // secretlint reads its config from the working directory; this file is not staged.
  writeFileSync(join(dir, '.secretlintrc.json'), JSON.stringify({ rules: [{ id: '@secretlint/secretlint-rule-preset-recommend' }] }));
  writeFileSync(join(dir, '.git', 'info', 'exclude'), '.secretlintrc.json\n');
}

/** A repository with FILES staged new files, LINES added lines in all, no secret. */
export function makeRepo(dir) {
  newRepo(dir);
  const lines = makeSourceText(LINES * 60, 7).split('\n').slice(0, LINES);
  const per = LINES / FILES;
  for (let f = 0; f < FILES; f++) {
    const sub = join(dir, 'src', `mod${f % 10}`);
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, `file${f}.ts`), lines.slice(f * per, (f + 1) * per).join('\n') + '\n');
  }
  git(dir, 'add', '-A');
}

/** A repository with real source files of node_modules staged as new files. */
function makeRealRepo(dir, files) {
  newRepo(dir);
  let bytes = 0;
  for (const f of files) {
    const to = join(dir, 'vendor', f.path);
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(f.abs, to);
    bytes += f.bytes;
  }
  git(dir, 'add', '-A');
  return bytes;
}

function staged(dir) {
  return git(dir, 'diff', '--cached', '--name-only', '-z').split('\0').filter(Boolean);
}

function commands(dir) {
  return {
    'node -e 0 (floor)': ['node', ['-e', '0']],
    'clipguard precommit': ['node', [CLIPGUARD, 'precommit']],
    'secretlint <staged>': ['node', [join(ROOT, 'node_modules/secretlint/bin/secretlint.js'), ...staged(dir)]],
  };
}

/** {tool: {median, min, max, q1, q3, cpuMs (median), cpuMin, cpuMax, rssMB, status}}: a warm-up round, then RUNS rounds round-robin. */
function timeAll(dir, cmds, runs = RUNS) {
  const ms = Object.fromEntries(Object.keys(cmds).map((k) => [k, []]));
  const rss = Object.fromEntries(Object.keys(cmds).map((k) => [k, 0]));
  const cpu = Object.fromEntries(Object.keys(cmds).map((k) => [k, []]));
  const status = {};
  for (let i = -1; i < runs; i++) {
    for (const [name, [cmd, args]] of Object.entries(cmds)) {
      const r = timed(dir, cmd, args);
      status[name] = r.status;
      // Findings are not failures here (secretlint finds test keys in real code); a crash is.
      if (r.status !== 0 && r.status !== 1) throw new Error(`${name} exited ${r.status}: ${r.stderr.slice(0, 500)}`);
      if (i < 0) continue;
      ms[name].push(r.ms);
      rss[name] = Math.max(rss[name], r.rssMB ?? 0);
      if (r.cpuMs !== null) cpu[name].push(r.cpuMs);
    }
  }
  const cpuOf = (k) => (cpu[k].length ? quantiles(cpu[k]) : { median: null, min: null, max: null });
  return Object.fromEntries(Object.keys(cmds).map((k) => [k, { ...quantiles(ms[k]), cpuMs: cpuOf(k).median, cpuMin: cpuOf(k).min, cpuMax: cpuOf(k).max, rssMB: rss[k] || null, status: status[k] }]));
}

/** clipguard's report must show it read every staged file. */
function checkRead(dir, files) {
  const check = spawnSync('node', [CLIPGUARD, 'precommit', '--format', 'json'], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 26 });
  const report = JSON.parse(check.stdout);
  const detail = report.sources.find((s) => s.name === 'git:staged')?.detail ?? '';
  const whole = detail.split('read whole: ')[1]?.split('; skipped')[0] ?? '';
  const more = Number(/ and (\d+) more$/.exec(whole)?.[1] ?? 0);
  const read = Number(/^(\d+) file/.exec(detail)?.[1] ?? 0) + (whole ? whole.replace(/ and \d+ more$/, '').split('), ').length + more : 0);
  if (read < files) throw new Error(`clipguard precommit did not read the ${files} staged files: ${detail}`);
  return report.findings.length;
}

function secretlintFindings(dir) {
  // To a file: secretlint exits before a large report piped to stdout is flushed.
  const out = join(dir, '.git', 'secretlint.json');
  spawnSync('node', [join(ROOT, 'node_modules/secretlint/bin/secretlint.js'), '--format', 'json', '--output', out, ...staged(dir)], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 26 });
  try {
    return JSON.parse(readFileSync(out, 'utf8')).reduce((n, f) => n + f.messages.length, 0);
  } catch {
    return null;
  }
}

/** Rows {case, tool, median, min, max, q1, q3, rssMB, findings}. */
export function benchPrecommit() {
  const rows = [];
  const add = (c, timedTools, findings = {}) => {
    for (const [tool, t] of Object.entries(timedTools)) rows.push({ case: c, tool, ...Object.fromEntries(Object.entries(t).map(([k, v]) => [k, typeof v === 'number' && k !== 'rssMB' ? Math.round(v) : v])), rssMB: t.rssMB === null ? null : Math.round(t.rssMB), findings: findings[tool] ?? null });
  };

  const real = join(ROOT, 'bench/out/precommit-real');
  const bytes = makeRealRepo(real, realFiles(FILES));
  const realFindings = { 'clipguard precommit': checkRead(real, FILES), 'secretlint <staged>': secretlintFindings(real) };
  add(`${FILES} real files from node_modules (${(bytes / 1048576).toFixed(1)} MB)`, timeAll(real, commands(real)), realFindings);

  if (BIG_RUNS > 0) {
    // ~20 MB of real source, file by file, whole process (secretlint takes about a minute here: fewer rounds).
    const big = realFilesOfSize(BIG_BYTES);
    const bigBytes = makeRealRepo(real, big);
    const bigFindings = { 'clipguard precommit': checkRead(real, big.length), 'secretlint <staged>': secretlintFindings(real) };
    const { 'node -e 0 (floor)': _floor, ...tools } = commands(real);
    add(`${big.length} real files from node_modules (${(bigBytes / 1048576).toFixed(1)} MB)`, timeAll(real, tools, BIG_RUNS), bigFindings);
  }
  rmSync(real, { recursive: true, force: true });

  const dir = join(ROOT, 'bench/out/precommit-repo');
  makeRepo(dir);
  const genFindings = { 'clipguard precommit': checkRead(dir, FILES), 'secretlint <staged>': secretlintFindings(dir) };
  add(`${FILES} generated files / ${LINES} lines`, timeAll(dir, commands(dir)), genFindings);

  // The 1-file change: commit everything, then change one file (10 added lines) and stage it.
  git(dir, 'commit', '-qm', 'bench: initial');
  const one = join(dir, 'src', 'mod3', 'file13.ts');
  appendFileSync(one, makeSourceText(800, 8).split('\n').slice(0, 10).join('\n') + '\n');
  git(dir, 'add', one);
  add('1-file change', timeAll(dir, commands(dir)));
  rmSync(dir, { recursive: true, force: true });
  return rows;
}

if (process.argv[1] === SELF) {
  const { loadavg } = await import('node:os');
  const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
  const before = load();
  const rows = benchPrecommit();
  console.table(rows);
  for (const c of [...new Set(rows.map((r) => r.case))]) {
    const [cg, sl] = ['clipguard precommit', 'secretlint <staged>'].map((t) => rows.find((r) => r.case === c && r.tool === t));
    if (!cg || !sl) continue;
    const cpu = cg.cpuMs && sl.cpuMs ? `, ${(sl.cpuMs / cg.cpuMs).toFixed(1)}x by CPU time (${cg.cpuMs} vs ${sl.cpuMs} ms)` : '';
    console.log(`${c}: clipguard is ${(sl.median / cg.median).toFixed(1)}x secretlint by wall time (${cg.median} vs ${sl.median} ms)${cpu}`);
  }
  console.log(`load average (1, 5, 15 min): ${before} before, ${load()} after`);
}
