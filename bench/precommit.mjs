// Benchmark 2: `clipguard precommit`, the whole process, on a generated git repository (real git, under
// bench/out/, removed afterwards): 200 staged new files with 20,000 added lines, then a 1-file change.
// Peers in the same run: `npx secretlint` on the same staged files (what people put in a pre-commit hook),
// secretlint's own bin run by node (no npx), and `node -e 0`, the floor of any Node CLI.
//
//   npm run build && node bench/precommit.mjs
//
// Every command runs BENCH_PRECOMMIT_RUNS times, round-robin (so a burst of load on the shared machine hits
// every tool alike), and the fastest run counts.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeSourceText } from './gen-secrets-input.mjs';

const SELF = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RUNS = Number(process.env.BENCH_PRECOMMIT_RUNS ?? 5);
const FILES = 200;
const LINES = 20_000;

function sh(cwd, cmd, args, input) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', input, maxBuffer: 1 << 26 });
  if (r.error) throw r.error;
  return r;
}
const git = (cwd, ...args) => {
  const r = sh(cwd, 'git', ['-c', 'user.name=bench', '-c', 'user.email=bench@example.invalid', '-c', 'commit.gpgsign=false', ...args]);
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

/** A repository with FILES staged new files, LINES added lines in all, no secret. */
export function makeRepo(dir) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q', '.');
  // secretlint reads its config from the working directory; this file is not staged.
  writeFileSync(join(dir, '.secretlintrc.json'), JSON.stringify({ rules: [{ id: '@secretlint/secretlint-rule-preset-recommend' }] }));
  writeFileSync(join(dir, '.git', 'info', 'exclude'), '.secretlintrc.json\n');
  const lines = makeSourceText(LINES * 60, 7).split('\n').slice(0, LINES);
  const per = LINES / FILES;
  for (let f = 0; f < FILES; f++) {
    const sub = join(dir, 'src', `mod${f % 10}`);
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, `file${f}.ts`), lines.slice(f * per, (f + 1) * per).join('\n') + '\n');
  }
  git(dir, 'add', '-A');
}

function staged(dir) {
  return git(dir, 'diff', '--cached', '--name-only', '-z').split('\0').filter(Boolean);
}

function commands(dir) {
  const files = staged(dir);
  return {
    'node -e 0 (floor)': ['node', ['-e', '0']],
    'clipguard precommit': ['node', [join(ROOT, 'bin/clipguard.js'), 'precommit']],
    'npx secretlint <staged>': ['npx', ['--no-install', 'secretlint', ...files]],
    'node secretlint/bin <staged>': ['node', [join(ROOT, 'node_modules/secretlint/bin/secretlint.js'), ...files]],
  };
}

function timeAll(dir, cmds) {
  const best = Object.fromEntries(Object.keys(cmds).map((k) => [k, Infinity]));
  const status = {};
  for (let i = 0; i < RUNS; i++) {
    for (const [name, [cmd, args]] of Object.entries(cmds)) {
      const t0 = performance.now();
      const r = sh(dir, cmd, args);
      const ms = performance.now() - t0;
      status[name] = r.status;
      if (r.status !== 0) throw new Error(`${name} exited ${r.status}: ${r.stderr.slice(0, 500)}`);
      best[name] = Math.min(best[name], ms);
    }
  }
  return best;
}

/** Rows {case, tool, ms}; clipguard's report is checked first (it must have read every staged file). */
export function benchPrecommit() {
  const dir = join(ROOT, 'bench/out/precommit-repo');
  makeRepo(dir);
  const check = sh(dir, 'node', [join(ROOT, 'bin/clipguard.js'), 'precommit', '--format', 'json']);
  const detail = JSON.parse(check.stdout).sources.find((s) => s.name === 'git:staged')?.detail ?? '';
  if (!detail.startsWith(`${FILES} file(s)`)) throw new Error(`clipguard precommit did not read the ${FILES} staged files: ${detail}`);
  const rows = [];
  const big = timeAll(dir, commands(dir));
  for (const [tool, ms] of Object.entries(big)) rows.push({ case: `${FILES} files / ${LINES} lines`, tool, ms: Math.round(ms) });

  // The 1-file change: commit everything, then change one file (10 added lines) and stage it.
  git(dir, 'commit', '-qm', 'bench: initial');
  const one = join(dir, 'src', 'mod3', 'file13.ts');
  appendFileSync(one, makeSourceText(800, 8).split('\n').slice(0, 10).join('\n') + '\n');
  git(dir, 'add', one);
  const small = timeAll(dir, commands(dir));
  for (const [tool, ms] of Object.entries(small)) rows.push({ case: '1-file change', tool, ms: Math.round(ms) });
  rmSync(dir, { recursive: true, force: true });
  return rows;
}

if (process.argv[1] === SELF) console.table(benchPrecommit());
