// Benchmark: what routing a config's regexes to RE2 (re2js, src/detectors/secrets/linear-regex.ts) costs
// `clipguard precommit`, and that it stays linear on the patterns the old load-time check let through.
//
//   npm run build && node bench/user-patterns.mjs [<base checkout with its own dist/, e.g. a build of the commit before>]
//
// 1. precommit, the whole process, in a repository under bench/out/ with one staged file (10 KB, or 1 MB of
//    source text): no user pattern; one user row with a literal prefix (`acme_[a-z0-9]{24}`); one without
//    (`[0-9a-f]{40}`, RE2's automaton on every character). With a base checkout given, its CLI runs the same
//    cases in turn, round by round (BENCH_USER_PATTERNS_RUNS rounds, default 9, after a warm-up): medians and
//    min-max of wall and CPU time, peak RSS.
// 2. In process: LinearRegExp's global search for the hostile rows over 10 KB, 100 KB and 1 MB of the text
//    each one hangs JavaScript's engine on; median of 5 runs. Linear: ten times the text, about ten times the time.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeSourceText } from './gen-secrets-input.mjs';
import { quantiles, timed } from './startup.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BASE = process.argv[2] ?? null;
const RUNS = Number(process.env.BENCH_USER_PATTERNS_RUNS ?? 9);
const git = (cwd, ...args) => spawnSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@example.invalid', ...args], { cwd, encoding: 'utf8' });

function repo(name, bytes, patterns) {
  const dir = join(ROOT, 'bench/out', name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q', '.');
  let text = '';
  for (let seed = 1; text.length < bytes; seed++) text += makeSourceText(200, seed);
  writeFileSync(join(dir, 'app.ts'), text.slice(0, bytes));
  if (patterns) writeFileSync(join(dir, 'clipguard.config.json'), JSON.stringify({ secrets: { patterns } }));
  git(dir, 'add', 'app.ts');
  return dir;
}

const row = (id, regex) => ({ id, description: id, keywords: [], regex });
const CASES = [
  ['no user pattern', null],
  ['a row with a literal prefix', [row('acme', 'acme_[a-z0-9]{24}')]],
  ['a row without one', [row('hex40', '[0-9a-f]{40}')]],
];
const fmt = (q) => `${q.median.toFixed(0)} (${q.min.toFixed(0)}-${q.max.toFixed(0)})`;

const load = () => spawnSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).stdout.trim();
console.log(`load before: ${load()}`);
for (const bytes of process.env.BENCH_USER_PATTERNS_PRECOMMIT === '0' ? [] : [10_000, 1_000_000]) {
  const repos = CASES.map(([name, patterns], i) => [name, repo(`user-patterns-${bytes}-${i}`, bytes, patterns)]);
  const clis = [['this build', join(ROOT, 'bin/clipguard.js')], ...(BASE ? [['base', join(BASE, 'bin/clipguard.js')]] : [])];
  const results = new Map();
  for (let round = 0; round <= RUNS; round++) {
    for (const [name, dir] of repos) {
      for (const [who, bin] of clis) {
        const r = timed(dir, process.execPath, [bin, 'precommit']);
        if (r.status !== 0) throw new Error(`${who} ${name}: exit ${r.status} ${r.stderr}`);
        if (round === 0) continue; // warm-up
        const k = `${name}|${who}`;
        if (!results.has(k)) results.set(k, { ms: [], cpu: [], rss: [] });
        const v = results.get(k);
        v.ms.push(r.ms);
        if (r.cpuMs !== null) v.cpu.push(r.cpuMs);
        if (r.rssMB !== null) v.rss.push(r.rssMB);
      }
    }
  }
  console.log(`\nprecommit, one staged file of ${bytes.toLocaleString('en')} bytes, ${RUNS} runs each (ms: median (min-max))`);
  console.log('| case | build | wall ms | CPU ms | peak RSS MB |\n| --- | --- | --- | --- | --- |');
  for (const [k, v] of results) {
    const [name, who] = k.split('|');
    console.log(`| ${name} | ${who} | ${fmt(quantiles(v.ms))} | ${v.cpu.length ? fmt(quantiles(v.cpu)) : '-'} | ${v.rss.length ? quantiles(v.rss).median.toFixed(0) : '-'} |`);
  }
}

const { LinearRegExp } = await import(join(ROOT, 'dist/detectors/secrets/linear-regex.js'));
const HOSTILE = [
  ['(a+)+$', 'a', '!'],
  // A tail with the literal the pattern requires: RE2's prefilter cannot skip the text.
  ['\\w{0,60}\\w{0,60}\\w{0,60}\\w{0,60}!', 'a', '-!'],
  ['(a{1,10}){1,10}(b{1,10}){1,10}!', 'a', '!'],
  ['(?:a{1,10}){0,10}(?:a{1,10}){0,10}!', 'a', '-!'],
  ['^ghp_(\\w+)+!', 'ghp_', 'a'],
];
console.log('\nLinearRegExp global search over a run of the hostile text (ms, median of 5)');
console.log('| pattern | 10 KB | 100 KB | 1 MB |\n| --- | --- | --- | --- |');
for (const [src, head, tail] of HOSTILE) {
  const cells = [];
  for (const n of [10_000, 100_000, 1_000_000]) {
    const text = head === 'ghp_' ? `ghp_${'a'.repeat(n)}-!` : head.repeat(n) + tail;
    const ts = [];
    for (let i = 0; i < 5; i++) {
      const re = new LinearRegExp(src, 'gd');
      const t = performance.now();
      for (let m = re.exec(text); m; m = re.exec(text)) if (m[0].length === 0) re.lastIndex++;
      ts.push(performance.now() - t);
    }
    cells.push(quantiles(ts).median.toFixed(1));
  }
  console.log(`| \`${src}\` | ${cells.join(' | ')} |`);
}
console.log(`\nload after: ${load()}`);
rmSync(join(ROOT, 'bench/out'), { recursive: true, force: true });
