// `npm run bench`: every figure of issue 8 measured in one run beside its peer, printed as a table and
// written to bench/RESULTS.md with the machine, Node version and date. Ratios are the figures that hold on
// a shared, noisy machine; absolute times are shown for scale only.
//
//   npm run bench                      secrets, precommit, zh (when bench/zh.mjs exists), engine, history
//   npm run bench -- --paperclip       also the scan of a real Paperclip server (or BENCH_PAPERCLIP=1)
//   npm run bench -- --engine-10x      engine scaling as 1x -> 10x (default 1/10x -> 1x; needs ~6 GB, minutes)
//   npm run bench -- --only secrets,engine
//   BENCH_HISTORY_REPO=<clone> [BENCH_HISTORY_FULL=1] [BENCH_HISTORY_BEFORE=<other build>] npm run bench -- --only history
//   npm run bench -- --out /tmp/r.md   write the results elsewhere than bench/RESULTS.md
//
// Inputs come from seeded generators in bench/ and from the installed node_modules (real source, chosen the
// same way each run by bench/real-source.mjs); nothing large is committed.
import { existsSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const flag = (f) => args.includes(f);
const onlyArg = args.find((a) => a.startsWith('--only'));
const only = onlyArg ? (onlyArg.includes('=') ? onlyArg.split('=')[1] : args[args.indexOf(onlyArg) + 1]).split(',') : null;
const want = (name) => !only || only.includes(name);
const outArg = args.find((a) => a.startsWith('--out'));
const outFile = outArg ? (outArg.includes('=') ? outArg.split('=')[1] : args[args.indexOf(outArg) + 1]) : fileURLToPath(new URL('./RESULTS.md', import.meta.url));
const withPaperclip = flag('--paperclip') || process.env.BENCH_PAPERCLIP === '1';
const engine10x = flag('--engine-10x') || process.env.BENCH_ENGINE_10X === '1';

const rows = []; // {figure, what, clipguard, peer, ratio, target, met}
const notes = [];
const fmt = (n, d = 1) => (typeof n === 'number' && Number.isFinite(n) ? n.toFixed(d) : String(n));
const log = (s) => process.stderr.write(`${s}\n`);
const started = Date.now();
const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memGB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  date: new Date().toISOString(),
  load: loadavg().map((x) => x.toFixed(2)).join(' '),
};

if (want('secrets')) {
  log('1. secret detector ...');
  const { benchSecrets } = await import('./secrets.mjs');
  const r = await benchSecrets();
  const target = { '(a)': 10, '(b)': 2 };
  for (const c of [...new Set(r.map((x) => x.case))]) {
    const get = (tool) => r.find((x) => x.case === c && x.tool === tool);
    const cg = get('clipguard');
    const sl = get('secretlint');
    const ev = get('every-regex');
    const t = target[c.slice(0, 3)];
    const ratio = cg.mbPerSec / sl.mbPerSec;
    rows.push({ figure: '1 secrets', what: `${c}, MB/s (findings: ${cg.findings} / secretlint ${sl.findings})`, clipguard: fmt(cg.mbPerSec), peer: `secretlint ${fmt(sl.mbPerSec)}`, ratio: `${fmt(ratio)}x`, target: t ? `>= ${t}x` : '-', met: t ? (ratio >= t ? 'yes' : 'NO') : '-' });
    rows.push({ figure: '1 secrets', what: `${c}, MB/s`, clipguard: fmt(cg.mbPerSec), peer: `every regex ${fmt(ev.mbPerSec)}`, ratio: `${fmt(cg.mbPerSec / ev.mbPerSec)}x`, target: '-', met: '-' });
  }
  log('1d. secret detector on real source (one process per tool) ...');
  const { benchRealSource } = await import('./secrets.mjs');
  const real = await benchRealSource();
  for (const c of [...new Set(real.map((x) => x.case))]) {
    const [cg, sl] = ['clipguard', 'secretlint'].map((t) => real.find((x) => x.case === c && x.tool === t));
    rows.push({ figure: '1 secrets', what: `${c} (${cg.mb} MB, ${cg.files} file(s)), MB/s median (min-max), peak RSS (findings: ${cg.findings} / secretlint ${sl.findings})`, clipguard: `${fmt(cg.mbPerSec)} (${fmt(cg.min)}-${fmt(cg.max)}), ${cg.rssMB} MB`, peer: `secretlint ${fmt(sl.mbPerSec)} (${fmt(sl.min)}-${fmt(sl.max)}), ${sl.rssMB} MB`, ratio: `${fmt(cg.mbPerSec / sl.mbPerSec)}x`, target: '>= 10x', met: cg.mbPerSec / sl.mbPerSec >= 10 ? 'yes' : 'NO' });
    rows.push({ figure: '1 secrets', what: `${c}: CPU ms of the lint, median (min-max)`, clipguard: `${fmt(cg.cpuMs)} (${fmt(cg.cpuMin)}-${fmt(cg.cpuMax)})`, peer: `secretlint ${fmt(sl.cpuMs)} (${fmt(sl.cpuMin)}-${fmt(sl.cpuMax)})`, ratio: `${fmt(sl.cpuMs / cg.cpuMs)}x`, target: '>= 10x', met: sl.cpuMs / cg.cpuMs >= 10 ? 'yes' : 'NO' });
  }
}

if (want('precommit')) {
  log('2. precommit ...');
  const { benchPrecommit } = await import('./precommit.mjs');
  const r = await benchPrecommit();
  for (const c of [...new Set(r.map((x) => x.case))]) {
    const get = (tool) => r.find((x) => x.case === c && x.tool === tool);
    const cg = get('clipguard precommit');
    const sl = get('secretlint <staged>');
    const floor = get('node -e 0 (floor)');
    const spread = (t) => `${fmt(t.median, 0)} (${fmt(t.min, 0)}-${fmt(t.max, 0)}), ${t.rssMB} MB`;
    const many = !c.startsWith('1-file');
    rows.push({ figure: '2 precommit', what: `${c}, ms (whole process, both \`node <bin>\`), peak RSS`, clipguard: spread(cg), peer: `secretlint ${spread(sl)}`, ratio: `${fmt(sl.median / cg.median)}x`, target: many ? '>= 5x' : '-', met: many ? (sl.median / cg.median >= 5 ? 'yes' : 'NO') : '-' });
    if (cg.cpuMs && sl.cpuMs) rows.push({ figure: '2 precommit', what: `${c}, CPU ms (user + sys, children included), median (min-max)`, clipguard: `${fmt(cg.cpuMs, 0)} (${fmt(cg.cpuMin, 0)}-${fmt(cg.cpuMax, 0)})`, peer: `secretlint ${fmt(sl.cpuMs, 0)} (${fmt(sl.cpuMin, 0)}-${fmt(sl.cpuMax, 0)})`, ratio: `${fmt(sl.cpuMs / cg.cpuMs)}x`, target: many ? '>= 5x' : '-', met: many ? (sl.cpuMs / cg.cpuMs >= 5 ? 'yes' : 'NO') : '-' });
    if (!many) rows.push({ figure: '2 precommit', what: `${c}: clipguard minus the floor, ms`, clipguard: fmt(cg.median - floor.median, 0), peer: `node -e 0 ${fmt(floor.median, 0)}`, ratio: `+${fmt(cg.median - floor.median, 0)} ms`, target: '<= +150 ms', met: cg.median - floor.median <= 150 ? 'yes' : 'NO' });
  }
  log('2. precommit through the installed hook ...');
  const { benchStartup } = await import('./startup.mjs');
  const h = await benchStartup();
  const hook = (v) => h.find((x) => x.variant.startsWith(v));
  const over = hook('clipguard hook').median - hook('node -e 0').median;
  rows.push({ figure: '2 precommit', what: '1-file `git commit` through the hook as installed, minus a `node -e 0` hook, ms (medians)', clipguard: `${hook('clipguard hook').median} (${hook('clipguard hook').q1}-${hook('clipguard hook').q3}), ${hook('clipguard hook').peakRssMB} MB`, peer: `node -e 0 hook ${hook('node -e 0').median}; no hook ${hook('no hook').median}`, ratio: `+${over} ms`, target: '<= +150 ms', met: over <= 150 ? 'yes' : 'NO' });
}

if (want('zh')) {
  if (existsSync(new URL('./zh.mjs', import.meta.url))) {
    log('3. zh lint ...');
    const { run } = await import('./zh.mjs');
    for (const z of await run()) {
      const has = typeof z.ratio === 'number';
      rows.push({ figure: '3 zh', what: `${z.name} (${z.unit})`, clipguard: fmt(z.value), peer: String(z.peer ?? '-'), ratio: has ? `${fmt(z.ratio)}x` : '-', target: has ? '>= 3x' : '-', met: has ? (z.ratio >= 3 ? 'yes' : 'NO') : '-' });
    }
  } else {
    log('zh: not available');
    notes.push('3. zh: not available (bench/zh.mjs is not there yet).');
    rows.push({ figure: '3 zh', what: 'zh: not available', clipguard: '-', peer: '-', ratio: '-', target: '>= 3x', met: '-' });
  }
}

if (want('engine')) {
  log('4. engine ...');
  const { benchEngine } = await import('./engine.mjs');
  const scales = engine10x ? [1, 10] : [0.1, 1];
  const r = benchEngine(scales);
  const [small, big] = scales;
  const get = (kind, scale) => r.find((x) => x.kind === kind && x.scale === scale);
  const cg = get('clipguard', 1);
  const hw = get('hand-written', 1);
  rows.push({ figure: '4 engine', what: '1,000 agents / 100,000 issues / 300,000 comments, whole built-in pack, s', clipguard: fmt(cg.ms / 1000, 2), peer: '-', ratio: '-', target: '<= 3 s', met: cg.ms <= 3000 ? 'yes' : 'NO' });
  rows.push({ figure: '4 engine', what: 'same, peak RSS of the process, MB', clipguard: String(cg.maxRssMB), peer: `hand-written ${hw.maxRssMB}`, ratio: '-', target: '<= 1024 MB', met: cg.maxRssMB <= 1024 ? 'yes' : 'NO' });
  rows.push({ figure: '4 engine', what: 'same, s', clipguard: fmt(cg.ms / 1000, 2), peer: `hand-written loops ${fmt(hw.ms / 1000, 2)}`, ratio: `${fmt(cg.ms / hw.ms)}x slower`, target: '<= 5x', met: cg.ms / hw.ms <= 5 ? 'yes' : 'NO' });
  const s = get('clipguard', small);
  const b = get('clipguard', big);
  const hs = get('hand-written', small);
  const hb = get('hand-written', big);
  rows.push({ figure: '4 engine', what: `10x the data (${small}x -> ${big}x), time ratio`, clipguard: `${fmt(s.ms / 1000, 2)} -> ${fmt(b.ms / 1000, 2)} s`, peer: `hand-written ${fmt(hb.ms / hs.ms)}x`, ratio: `${fmt(b.ms / s.ms)}x`, target: '<= 11x', met: b.ms / s.ms <= 11 ? 'yes' : 'NO' });
  const same = JSON.stringify(Object.entries(cg.findings).sort()) === JSON.stringify(Object.entries(hw.findings).sort());
  notes.push(`4. Findings per rule at 1x, clipguard = hand-written: ${same ? 'yes' : 'NO'} (${Object.values(cg.findings).reduce((a, c) => a + c, 0)} findings: ${Object.entries(cg.findings).sort().map(([k, v]) => `${k} ${v}`).join(', ')}).`);
  notes.push(`4. Each side runs in its own child process (its RSS is its own), ${r.rounds} rounds round-robin, fastest counts; the clock covers loading and validating the rule pack, building subjects (with the secret detector), evaluating and planning; generating the snapshot and loading modules are outside it. Scaling measured ${engine10x ? '1x -> 10x (--engine-10x)' : '1/10x -> 1x (10x of the data; 1x -> 10x needs ~6 GB and several minutes: --engine-10x)'}.`);
}

if (want('paperclip')) {
  if (withPaperclip) {
    log('5. paperclip scan (real server) ...');
    const { benchPaperclip } = await import('./paperclip.mjs');
    const [full, repeat, restart, oneOff] = await benchPaperclip();
    rows.push({ figure: '5 paperclip', what: `${full.case}: requests / wall ms`, clipguard: `${full.requests} req / ${full.ms} ms`, peer: `one-off scan ${oneOff.ms} ms (keeps nothing)`, ratio: `${fmt(full.ms / oneOff.ms, 2)}x the time`, target: '-', met: '-' });
    rows.push({ figure: '5 paperclip', what: `${repeat.case}: requests / wall ms`, clipguard: `${repeat.requests} req / ${repeat.ms} ms`, peer: `full scan ${full.requests} req`, ratio: `${fmt(repeat.requests / full.requests, 2)}x the requests`, target: 'fixed, whatever the issue count (100 vs 2,000: test/e2e/watch.test.ts)', met: repeat.requests < full.requests / 4 ? 'yes' : 'NO' });
    rows.push({ figure: '5 paperclip', what: `${restart.case}: requests / wall ms`, clipguard: `${restart.requests} req / ${restart.ms} ms`, peer: `full scan ${full.requests} req`, ratio: `${fmt(restart.requests / full.requests, 2)}x the requests`, target: 'the same fixed count as a repeat scan', met: restart.requests === repeat.requests ? 'yes' : 'NO' });
    rows.push({ figure: '5 paperclip', what: `${oneOff.case}: requests / wall ms`, clipguard: `${oneOff.requests} req / ${oneOff.ms} ms`, peer: `full scan ${full.requests} req`, ratio: `${fmt(oneOff.requests / full.requests, 2)}x the requests`, target: '-', met: '-' });
    notes.push(`5. Seeding ${full.issues} issues through the API took ${fmt(full.seedMs / 1000)} s (not part of any figure). Scans run in-process (runScan), the same state directory for all; the restart is a new cache over the kept directory (${full.keptMB} MB kept for the company, masked), as a new process gets. The full scan's time includes masking and writing what it keeps.`);
  } else {
    log('5. paperclip: skipped (npm run bench -- --paperclip, or BENCH_PAPERCLIP=1)');
    rows.push({ figure: '5 paperclip', what: 'skipped: run with --paperclip (or BENCH_PAPERCLIP=1)', clipguard: '-', peer: '-', ratio: '-', target: '-', met: '-' });
  }
}

if (want('history')) {
  log('6. history scan ...');
  const { benchHistory } = await import('./history.mjs');
  const r = benchHistory();
  for (const c of [...new Set(r.rows.map((x) => x.case))]) {
    const side = (prefix) => r.rows.find((x) => x.case === c && x.side.startsWith(prefix));
    const gitLog = side('git log');
    const cg = side('clipguard scan (this build)');
    const before = r.rows.find((x) => x.case === c && x.side.startsWith('clipguard scan (') && x !== cg);
    const span = (x) => `${fmt(x.medianS)} s (${fmt(x.minS)}-${fmt(x.maxS)})`;
    const ratio = cg.medianS / gitLog.medianS;
    const ok = cg.status === 'ok';
    rows.push({ figure: '6 history', what: `${c}: secret scan of the range, s (median, min-max)${ok ? '' : ` [${cg.status}]`}`, clipguard: span(cg), peer: `git log -p > /dev/null ${span(gitLog)}`, ratio: `${fmt(ratio)}x`, target: '<= 2x', met: ok && ratio <= 2 ? 'yes' : 'NO' });
    rows.push({ figure: '6 history', what: `${c}: peak RSS of clipguard's node process, MB (largest process of its tree, git included)`, clipguard: `${cg.nodeRssMB ?? '-'} (${cg.rssMB ?? '-'})`, peer: `git log ${gitLog.rssMB ?? '-'}`, ratio: '-', target: '<= 512 MB', met: cg.nodeRssMB !== null && cg.nodeRssMB <= 512 ? 'yes' : 'NO' });
    if (before) {
      const same = before.status === 'ok' && JSON.stringify(before.findings) === JSON.stringify(cg.findings);
      rows.push({ figure: '6 history', what: `${c}: the build before, s / MB${before.status === 'ok' ? '' : ` [${before.status}]`}`, clipguard: `${fmt(cg.medianS)} s / ${cg.nodeRssMB} MB`, peer: `${before.side.slice(16, -1)} ${span(before)} / ${before.nodeRssMB} MB`, ratio: before.status === 'ok' ? `before takes ${fmt(before.medianS / cg.medianS)}x` : '-', target: 'same findings', met: same ? 'yes' : before.status === 'ok' ? 'NO' : '-' });
    }
  }
  notes.push(...r.notes, '6. Each history case runs `git log` with the options clipguard gives it and the whole `clipguard scan --no-paperclip --only security --git-range <range> -f json` (exit 1 = findings, counted as a run), alternating, BENCH_HISTORY_RUNS times (median, min-max); peak RSS of the node process from process.resourceUsage (preloaded), of the largest process of a tree from /usr/bin/time.');
}

const cols = ['figure', 'what', 'clipguard', 'peer', 'ratio', 'target', 'met'];
const table = [`| ${cols.join(' | ')} |`, `| ${cols.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${cols.map((c) => String(r[c]).replace(/\|/g, '\\|')).join(' | ')} |`)].join('\n');
const md = `# clipguard benchmarks

Written by \`npm run bench\` (bench/run.js${args.length ? ` ${args.join(' ')}` : ''}) on ${machine.date}.

- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memGB} GB; load average at start ${machine.load} (the machine is shared: compare ratios, not absolute times)
- Node ${machine.node}; whole run ${fmt((Date.now() - started) / 1000, 0)} s

${table}

${notes.map((n) => `- ${n}`).join('\n')}
`;
writeFileSync(outFile, md);
console.log(table);
if (notes.length) console.log(`\n${notes.join('\n')}`);
log(`\nwritten: ${outFile}`);
