// `clipguard precommit` start-up, two builds side by side: node bench/precommit-before-after.mjs <before-bin>
// <after-bin> <repo> [runs]. The sides alternate run by run (the machine's load hits both alike); prints the
// median, IQR, min-max, the median CPU time (user + sys of the process and the git processes it waited for,
// GNU time, 10 ms resolution) with its min-max, and the median peak RSS (/usr/bin/time -f %M) of each.
// BENCH_OK_EXIT=0,1: the exit codes that count as a run (a repository whose staged files hold a finding blocks the
// commit: exit 1).
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const [before, after, repo, runs = '21'] = process.argv.slice(2);
if (!before || !after || !repo) throw new Error('usage: node bench/precommit-before-after.mjs <before-bin> <after-bin> <repo> [runs]');
// Absolute: the runs start in <repo>, where a relative bin path would be a missing module (exit 1, which
// BENCH_OK_EXIT=0,1 would count as a run).
const sides = { before: path.resolve(before), after: path.resolve(after) };
const OK_EXIT = (process.env.BENCH_OK_EXIT ?? '0').split(',').map(Number);
const t = { before: [], after: [] };
const rss = { before: [], after: [] };
const cpu = { before: [], after: [] };
for (let i = 0; i < Number(runs); i++) {
  for (const k of i % 2 ? ['before', 'after'] : ['after', 'before']) {
    const s = process.hrtime.bigint();
    const r = spawnSync('/usr/bin/time', ['-f', '%M %U %S', process.execPath, sides[k], 'precommit'], { cwd: repo, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    t[k].push(Number(process.hrtime.bigint() - s) / 1e6);
    const [maxrss, user, sys] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
    rss[k].push(maxrss);
    cpu[k].push(Math.round((user + sys) * 1000));
    if (!OK_EXIT.includes(r.status)) throw new Error(`${k}: exit ${r.status}: ${r.stderr}`);
  }
}
const q = (a, p) => [...a].sort((x, y) => x - y)[Math.floor(p * (a.length - 1))];
for (const k of ['before', 'after']) {
  console.log(`${k}: median ${q(t[k], 0.5).toFixed(0)} ms, IQR ${q(t[k], 0.25).toFixed(0)}-${q(t[k], 0.75).toFixed(0)} ms, min-max ${Math.min(...t[k]).toFixed(0)}-${Math.max(...t[k]).toFixed(0)} ms, CPU median ${q(cpu[k], 0.5)} ms (${Math.min(...cpu[k])}-${Math.max(...cpu[k])}), peak RSS median ${q(rss[k], 0.5)} KB`);
}
