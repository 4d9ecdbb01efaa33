// Fixed per-process costs, two builds side by side: node bench/startup-before-after.mjs <before-bin> <after-bin> [runs]
// (each bin a bin/clipguard.js of a built checkout). Commands: `i18n` on an empty folder, `i18n` on the 19 real
// GNOME .po files (fixtures/locales-real, copied to a temp dir: the repository's config excludes them),
// `precommit` on a 1-file change in a scratch repository, and `node -e 0` as the floor. The two builds alternate
// run by run, commands in turn (a shared machine's load hits both alike). CPU time is user + sys from GNU time
// (it moves least with the load); medians with min-max, peak RSS the median of each side.
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const [before, after, runsArg = '15'] = process.argv.slice(2);
if (!before || !after) throw new Error('usage: node bench/startup-before-after.mjs <before-bin> <after-bin> [runs]');
// The commands run in temp folders: a relative bin would not be found there (every run an instant exit 1).
const sides = { before: resolve(before), after: resolve(after) };
const runs = Number(runsArg);
const CORPUS = fileURLToPath(new URL('../fixtures/locales-real/', import.meta.url));

const tmp = mkdtempSync(join(tmpdir(), 'clipguard-startup-'));
const empty = join(tmp, 'empty');
mkdirSync(empty);
const po = join(tmp, 'po');
const walk = (d) => readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : [join(d, n)]));
for (const f of walk(CORPUS).filter((f) => f.endsWith('.po'))) cpSync(f, join(po, relative(CORPUS, f)));
const repo = join(tmp, 'repo');
mkdirSync(repo);
const git = (...a) => execFileSync('git', a, { cwd: repo });
git('init', '-q');
git('config', 'user.email', 'bench@example.invalid');
git('config', 'user.name', 'bench');
writeFileSync(join(repo, 'app.js'), Array.from({ length: 200 }, (_, i) => `export const v${i} = ${i};`).join('\n') + '\n');
git('add', 'app.js');
git('commit', '-qm', 'init');
appendFileSync(join(repo, 'app.js'), Array.from({ length: 10 }, (_, i) => `export const added${i} = 'value ${i}';`).join('\n') + '\n');
git('add', 'app.js');

const cases = [
  { name: 'i18n <empty dir>', cwd: empty, args: ['i18n', '.', '-f', 'json'] },
  { name: 'i18n <19 .po files>', cwd: po, args: ['i18n', '.', '-f', 'json'] },
  { name: 'precommit (1 staged file)', cwd: repo, args: ['precommit'] },
];
const res = {};
const run = (cmd, cwd) => {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S %M', ...cmd], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  const wall = performance.now() - t0;
  const [u, s, m] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
  return { wall, cpu: (u + s) * 1000, rss: m / 1024, status: r.status };
};
const push = (key, x) => {
  res[key] ??= { wall: [], cpu: [], rss: [], status: new Set() };
  res[key].wall.push(x.wall);
  res[key].cpu.push(x.cpu);
  res[key].rss.push(x.rss);
  res[key].status.add(x.status);
};
const loadBefore = loadavg()[0];
try {
  for (let i = 0; i < runs; i++) {
    push('node -e 0', run([process.execPath, '-e', '0'], empty));
    for (const c of cases) for (const side of i % 2 ? ['before', 'after'] : ['after', 'before']) push(`${c.name}|${side}`, run([process.execPath, sides[side], ...c.args], c.cwd));
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
const med = (a) => {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (a) => `${med(a).toFixed(0)} (${Math.min(...a).toFixed(0)}-${Math.max(...a).toFixed(0)})`;
console.log(`${runs} alternating rounds; load average ${loadBefore.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after`);
console.log('| command | CPU ms before | CPU ms after | wall ms before | wall ms after | peak RSS MB before / after | exit |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const c of cases) {
  const b = res[`${c.name}|before`];
  const a = res[`${c.name}|after`];
  console.log(`| \`${c.name}\` | ${fmt(b.cpu)} | ${fmt(a.cpu)} | ${fmt(b.wall)} | ${fmt(a.wall)} | ${med(b.rss).toFixed(0)} / ${med(a.rss).toFixed(0)} | ${[...b.status]} / ${[...a.status]} |`);
}
const f = res['node -e 0'];
console.log(`| \`node -e 0\` | ${fmt(f.cpu)} | | ${fmt(f.wall)} | | ${med(f.rss).toFixed(0)} | |`);
