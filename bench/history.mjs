// Benchmark 6: the secret scan of a commit range (`clipguard scan --git-range`), the whole process, beside
// `git log` itself producing the same output (same options, into /dev/null): what clipguard adds to reading
// the history is the figure. Two inputs:
//
// - a generated history (always): BENCH_HISTORY_COMMITS commits (default 2,000) of generated source text,
//   written with `git fast-import` under bench/out/ (removed afterwards), a few fake keys in it;
// - a real history (when there is one): BENCH_HISTORY_REPO, a clone of a large public repository (GNOME
//   nautilus, 27k commits, was used: `git clone https://gitlab.gnome.org/GNOME/nautilus.git`). Its last
//   2,000 first-parent commits and, with BENCH_HISTORY_FULL=1, its whole history. Without it this part is
//   skipped with a message.
//
// BENCH_HISTORY_BEFORE=<dir>: also run another build (a checkout with dist/ built, e.g. main) on the same
// ranges, alternating with this one, and compare the findings of the two (minus times).
//
//   npm run build && node bench/history.mjs
//   BENCH_HISTORY_REPO=/tmp/nautilus BENCH_HISTORY_BEFORE=/tmp/clipguard-main node bench/history.mjs
//
// Each command runs BENCH_HISTORY_RUNS times (default 3), the sides alternating run by run (a burst of load
// on the shared machine hits both alike); the median and min-max are reported, and the peak RSS of each side:
// clipguard's node process (process.resourceUsage, preloaded) and the largest process of the tree (/usr/bin/time).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeSourceText } from './gen-secrets-input.mjs';
import { fakeToken } from '../test/helpers/fake-secrets.mjs';

const SELF = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RUNS = Number(process.env.BENCH_HISTORY_RUNS ?? 3);
const COMMITS = Number(process.env.BENCH_HISTORY_COMMITS ?? 2000);
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
const log = (s) => process.stderr.write(`${s}\n`);

// The options src/sources/git.ts gives `git log` for a range (the format's marker is random there).
const GIT_LOG = (range) => [
  '-c', 'core.quotePath=false', '-c', 'color.ui=false', 'log', '--no-show-signature', '--root', '--encoding=UTF-8', '--reverse',
  '--format=@clipguard-0123456789abcdef@%H%x00%an <%ae>%x00%aI%x00%B%x00', '--raw', '-p', '--unified=0',
  '--no-color', '--no-ext-diff', '--no-textconv', '--find-renames', '--full-index', '--no-abbrev', '--src-prefix=a/', '--dst-prefix=b/',
  ...range.split(' '), '--',
];

function git(cwd, args, input) {
  const r = spawnSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@example.invalid', ...args], { cwd, encoding: 'utf8', input, maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** A generated history through `git fast-import`: `commits` commits, each changing 1-4 files of 40 source files. */
export function makeHistory(dir, commits = COMMITS) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  git(dir, ['init', '-q', '.']);
  const lines = makeSourceText(8 * 1024 * 1024, 11).split('\n');
  const files = Array.from({ length: 40 }, (_, f) => lines.slice(f * 150, f * 150 + 150));
  let at = 40 * 150;
  const out = [];
  let seed = 1;
  for (let c = 0; c < commits; c++) {
    out.push(`commit refs/heads/main\ncommitter bench <bench@example.invalid> ${1700000000 + c * 60} +0000\n`);
    const msg = `change ${c}\n\nbody of commit ${c}\n`;
    out.push(`data ${Buffer.byteLength(msg)}\n${msg}`);
    for (let k = 0; k < 1 + (c % 4); k++) {
      const f = (c * 7 + k * 13) % files.length;
      // Replace 20 lines and append 10: each commit adds ~30 lines per file it touches.
      const file = files[f];
      const start = (c * 31) % Math.max(1, file.length - 20);
      const fresh = lines.slice(at % (lines.length - 40), (at % (lines.length - 40)) + 30);
      at += 30;
      if (c % 250 === 17 && k === 0) fresh.push(`const token = "${fakeToken('github-pat', seed++)}";`);
      file.splice(start, 20, ...fresh);
      const text = file.join('\n') + '\n';
      out.push(`M 100644 inline src/mod${f % 5}/file${f}.ts\ndata ${Buffer.byteLength(text)}\n${text}`);
    }
    out.push('\n');
  }
  git(dir, ['fast-import', '--quiet'], out.join(''));
  git(dir, ['reset', '-q', '--hard', 'main']);
  return dir;
}

// Preloaded into the clipguard processes: their own peak RSS on exit (/usr/bin/time's is the largest process
// of the tree, which for clipguard may be the git it runs).
const MAXRSS = fileURLToPath(new URL('../test/helpers/report-maxrss.mjs', import.meta.url));

/**
 * One timed run: wall ms, peak RSS in MB of the largest process of the tree (/usr/bin/time; null without it)
 * and of the node process itself (clipguard only), exit status.
 */
function run(cmd, args, cwd) {
  const node = cmd === process.execPath;
  const full = node ? ['--import', MAXRSS, ...args] : args;
  const argv = TIME ? [TIME, ['-f', 'time-maxrss-kb=%M', cmd, ...full]] : [cmd, full];
  const t0 = performance.now();
  const r = spawnSync(argv[0], argv[1], { cwd, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 30 });
  const ms = performance.now() - t0;
  const kb = (re) => {
    const m = re.exec(r.stderr);
    return m ? Number(m[1]) / 1024 : null;
  };
  return { ms, rss: kb(/time-maxrss-kb=(\d+)/), nodeRss: node ? kb(/clipguard-test-maxrss-kb=(\d+)/) : null, status: r.status, stderr: r.stderr };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

function scanArgs(bin, repo, range, out) {
  return [bin, 'scan', '--no-paperclip', '--repo', repo, '--git-range', range, '--only', 'security', '-f', 'json', '-o', out];
}

/** The findings of a json report without what changes run to run. */
function findingsOf(file) {
  try {
    const r = JSON.parse(readFileSync(file, 'utf8'));
    return { sources: r.sources.map((s) => s.status), findings: r.findings.map((f) => JSON.stringify([f.ruleId, f.fingerprint, f.message, f.location])).sort() };
  } catch (e) {
    return { error: e.message };
  }
}

/**
 * Rows {case, side, medianS, minS, maxS, rssMB, status, findings}: `git log` and each clipguard build on one
 * range, alternating, `runs` times each.
 */
export function benchRange(name, repo, range, { before = process.env.BENCH_HISTORY_BEFORE, runs = RUNS, beforeRuns = runs } = {}) {
  const outDir = join(ROOT, 'bench/out');
  mkdirSync(outDir, { recursive: true });
  const sides = [
    { side: 'git log (same options) > /dev/null', cmd: 'git', args: GIT_LOG(range), cwd: repo, runs },
    { side: 'clipguard scan (this build)', cmd: process.execPath, args: scanArgs(join(ROOT, 'bin/clipguard.js'), repo, range, join(outDir, 'history-after.json')), cwd: repo, report: join(outDir, 'history-after.json'), runs },
  ];
  if (before) sides.push({ side: `clipguard scan (${before})`, cmd: process.execPath, args: scanArgs(join(before, 'bin/clipguard.js'), repo, range, join(outDir, 'history-before.json')), cwd: repo, report: join(outDir, 'history-before.json'), runs: beforeRuns });
  const got = sides.map(() => []);
  for (let i = 0; i < Math.max(...sides.map((s) => s.runs)); i++) {
    sides.forEach((s, k) => {
      if (i >= s.runs) return;
      if (s.report) rmSync(s.report, { force: true });
      const r = run(s.cmd, s.args, s.cwd);
      // Exit 1 is findings only with a report written: a crash exits 1 too (the build before on a whole history).
      if (s.report && r.status === 1 && !existsSync(s.report)) r.status = 'crashed (exit 1, no report)';
      log(`  ${name}: ${s.side}: ${(r.ms / 1000).toFixed(1)} s, peak RSS ${r.nodeRss ? `node ${Math.round(r.nodeRss)} MB, ` : ''}largest process ${r.rss ? Math.round(r.rss) : '?'} MB, exit ${r.status}`);
      got[k].push(r);
    });
  }
  for (const s of sides) if (s.report) got[sides.indexOf(s)].findings = findingsOf(s.report);
  for (const s of sides) if (s.report) rmSync(s.report, { force: true });
  const rows = sides.map((s, k) => {
    const rs = got[k];
    const secs = rs.map((r) => r.ms / 1000);
    const failed = rs.find((r) => r.status !== 0 && !(s.report && r.status === 1));
    return {
      case: name,
      side: s.side,
      medianS: median(secs),
      minS: Math.min(...secs),
      maxS: Math.max(...secs),
      rssMB: rs.every((r) => r.rss !== null) ? Math.round(Math.max(...rs.map((r) => r.rss))) : null,
      nodeRssMB: rs.every((r) => r.nodeRss !== null) ? Math.round(Math.max(...rs.map((r) => r.nodeRss))) : null,
      status: failed ? `${typeof failed.status === 'number' ? `exit ${failed.status}` : failed.status}: ${(/\b(?:ERR_[A-Z_]+|[A-Za-z]*Error: [^\n]*)/.exec(failed.stderr)?.[0] ?? failed.stderr.trim().split('\n').filter((l) => l && !/maxrss-kb=/.test(l)).slice(-2).join(' ')).slice(0, 200)}` : 'ok',
      findings: s.report ? got[k].findings : null,
    };
  });
  return rows;
}

/** Every case this machine can run (the real repository's only when BENCH_HISTORY_REPO names one). */
export function benchHistory() {
  const rows = [];
  const notes = [];
  const gen = makeHistory(join(ROOT, 'bench/out/history-repo'));
  rows.push(...benchRange(`generated, ${COMMITS} commits`, gen, `${git(gen, ['rev-list', '--max-parents=0', 'HEAD']).trim()}..HEAD`));
  rmSync(gen, { recursive: true, force: true });
  const real = process.env.BENCH_HISTORY_REPO;
  if (!real || !existsSync(join(real, '.git'))) {
    const why = real ? `${real} is not a git clone` : 'BENCH_HISTORY_REPO is not set';
    log(`6. history: real repository skipped (${why})`);
    notes.push(`6. The real-history cases were skipped: ${why} (e.g. BENCH_HISTORY_REPO=/tmp/nautilus after cloning GNOME nautilus).`);
    return { rows, notes };
  }
  const name = real.split('/').filter(Boolean).pop();
  const first = git(real, ['rev-list', '--first-parent', 'HEAD']).split('\n');
  if (first.length > 2001) rows.push(...benchRange(`${name}, last 2,000 commits`, real, `${first[2000]}..HEAD`));
  if (process.env.BENCH_HISTORY_FULL === '1') {
    const root = git(real, ['rev-list', '--max-parents=0', 'HEAD']).trim().split('\n').pop();
    const total = git(real, ['rev-list', '--count', `${root}..HEAD`]).trim();
    // The build before streaming dies on this range (a minute, 2.4 GB): one run of it is enough.
    rows.push(...benchRange(`${name}, whole history (${total} commits)`, real, `${root}..HEAD`, { beforeRuns: 1 }));
  } else notes.push('6. The whole real history was not run (BENCH_HISTORY_FULL=1: several minutes).');
  return { rows, notes };
}

if (process.argv[1] === SELF) {
  log(`load average at start: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const { rows, notes } = benchHistory();
  console.table(rows.map(({ findings, ...r }) => ({ ...r, findings: findings ? (findings.error ?? `${findings.findings.length} (${findings.sources.join(',')})`) : '-' })));
  for (const c of new Set(rows.map((r) => r.case))) {
    const f = rows.filter((r) => r.case === c && r.findings && !r.findings.error).map((r) => JSON.stringify(r.findings));
    if (f.length === 2) console.log(`${c}: findings of the two builds ${f[0] === f[1] ? 'identical' : 'DIFFER'}`);
  }
  if (notes.length) console.log(notes.join('\n'));
  log(`load average at end: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
}
