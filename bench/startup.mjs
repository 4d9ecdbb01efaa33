// Benchmark: what `clipguard precommit` adds to a 1-file `git commit`, through the hook as `clipguard hook
// install` writes it (node on the launcher, no npx), in a real repository (bench/out/, removed afterwards)
// where clipguard is a devDependency (node_modules/clipguard links to this checkout).
//
//   npm run build && node bench/startup.mjs
//
// Each round commits a 1-file change (10 added lines) once per variant, the variants in turn (a burst of load
// on the shared machine hits them alike); medians and quartiles over BENCH_STARTUP_RUNS rounds:
//   no hook            git commit with an empty hooks directory
//   node -e 0 hook     a pre-commit hook that runs `node -e 0`: the floor of any Node hook, shell included
//   clipguard hook     the pre-commit hook clipguard installs
//   both hooks         pre-commit and commit-msg as installed (what a user's commit runs)
// "over the floor" is clipguard hook minus node -e 0 hook, in wall time and in CPU time (user + system of git
// and the hooks: what other load on the machine moves least). Peak RSS is the largest process of the commit
// (GNU time's maxrss of git, which covers the hook processes it waited for).
import { spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeSourceText } from './gen-secrets-input.mjs';

const SELF = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 15);
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

const git = (cwd, ...args) => {
  const r = spawnSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@example.invalid', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

export function quantiles(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => {
    const i = (s.length - 1) * p;
    const lo = Math.floor(i);
    return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (i - lo);
  };
  return { median: q(0.5), q1: q(0.25), q3: q(0.75), min: s[0], max: s[s.length - 1] };
}

/**
 * Runs `cmd args` (under GNU time when there is one): wall ms, exit status, peak RSS in MB and CPU ms (user +
 * system of the command and the processes it waited for; less moved by other load than wall time), or null.
 */
export function timed(cwd, cmd, args, env = process.env) {
  const argv = TIME ? [TIME, ['-f', 'maxrss-kb=%M cpu-s=%U+%S', cmd, ...args]] : [cmd, args];
  const t0 = performance.now();
  const r = spawnSync(argv[0], argv[1], { cwd, encoding: 'utf8', env, maxBuffer: 1 << 26 });
  const ms = performance.now() - t0;
  if (r.error) throw r.error;
  const m = /maxrss-kb=(\d+) cpu-s=([\d.]+)\+([\d.]+)\s*$/.exec(r.stderr ?? '');
  return { ms, status: r.status, rssMB: m ? Number(m[1]) / 1024 : null, cpuMs: m ? (Number(m[2]) + Number(m[3])) * 1000 : null, stdout: r.stdout, stderr: m ? r.stderr.slice(0, m.index) : r.stderr };
}

export async function benchStartup() {
  const dir = join(ROOT, 'bench/out/startup-repo');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  symlinkSync(ROOT.replace(/\/$/, ''), join(dir, 'node_modules', 'clipguard'));
  git(dir, 'init', '-q', '.');
  writeFileSync(join(dir, '.git', 'info', 'exclude'), 'node_modules\n');
  const file = join(dir, 'src', 'app.ts');
  mkdirSync(join(dir, 'src'));
  writeFileSync(file, makeSourceText(4000, 3));
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'initial', '--no-verify');
  // The hooks as `clipguard hook install` writes them, then copies for each variant.
  const install = spawnSync('node', [join(ROOT, 'bin/clipguard.js'), 'hook', 'install'], { cwd: dir, encoding: 'utf8' });
  if (install.status !== 0) throw new Error(`hook install: ${install.stderr}`);
  const installed = join(dir, '.git', 'hooks');
  const hookDirs = {};
  for (const v of ['none', 'floor', 'pre']) mkdirSync((hookDirs[v] = join(dir, '.git', `hooks-${v}`)));
  writeFileSync(join(hookDirs.floor, 'pre-commit'), '#!/bin/sh\nexec node -e 0\n', { mode: 0o755 });
  copyFileSync(join(installed, 'pre-commit'), join(hookDirs.pre, 'pre-commit'));
  const variants = { 'no hook': hookDirs.none, 'node -e 0 hook': hookDirs.floor, 'clipguard hook (pre-commit)': hookDirs.pre, 'both hooks as installed': installed };
  const lines = makeSourceText(80_000, 8).split('\n');
  let n = 0;
  const times = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  const rss = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  const cpu = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (let round = -1; round < RUNS; round++) {
    for (const [name, hooks] of Object.entries(variants)) {
      appendFileSync(file, lines.slice((n * 10) % (lines.length - 10), ((n * 10) % (lines.length - 10)) + 10).join('\n') + '\n');
      n++;
      git(dir, 'add', file);
      const r = timed(dir, 'git', ['-c', 'user.name=bench', '-c', 'user.email=bench@example.invalid', '-c', `core.hooksPath=${hooks}`, 'commit', '-q', '-m', `change ${n}`]);
      if (r.status !== 0) throw new Error(`${name}: commit failed: ${r.stderr.slice(0, 500)}`);
      if (round >= 0) {
        times[name].push(r.ms);
        if (r.rssMB !== null) rss[name].push(r.rssMB);
        if (r.cpuMs !== null) cpu[name].push(r.cpuMs);
      }
    }
  }
  rmSync(dir, { recursive: true, force: true });
  return Object.keys(variants).map((name) => ({ variant: name, ...round1(quantiles(times[name])), peakRssMB: rss[name].length ? Math.round(Math.max(...rss[name])) : null, cpuMedian: cpu[name].length ? Math.round(quantiles(cpu[name]).median) : null }));
}

function round1(q) {
  return Object.fromEntries(Object.entries(q).map(([k, v]) => [k, Math.round(v)]));
}

if (process.argv[1] === SELF) {
  const rows = await benchStartup();
  console.table(rows);
  const get = (v) => rows.find((r) => r.variant.startsWith(v));
  console.log(`clipguard hook over the node -e 0 hook: +${get('clipguard hook').median - get('node -e 0').median} ms wall, +${get('clipguard hook').cpuMedian - get('node -e 0').cpuMedian} ms CPU (medians, ${RUNS} rounds)`);
}
