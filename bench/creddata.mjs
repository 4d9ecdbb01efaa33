// Benchmark: recall and precision on Samsung's CredData (its dev split, rebuilt outside the repository with
// ../shared/creddata/rebuild-dev.mjs; the files hold real credentials and stay in /tmp), three detectors side by
// side in one run over the same files:
//   - clipguard: this checkout's detector (dist/), with the credential model;
//   - model-on base: another build with its credential model on (--base <dist dir>, e.g. the commit before a
//     retraining), when given;
//   - previous:  the detector of another build (--prev <dist dir>, e.g. a build of the commit before the model);
//   - secretlint 12 with its recommended preset, as a library.
// Each gets every file whole, with its path (`<RepoID>/<path in repo>`, as score.mjs stages it).
//
//   npm run build && node bench/creddata.mjs [--data /tmp/creddata-dev] [--base <dist>] [--prev /tmp/cred-prev/dist] [--repos all|val|train] [--candidates <dist>...]
//
// Scoring is CredData's (and ../shared/creddata/score.mjs's): a unit is a labelled (file, LineStart..LineEnd);
// a T unit is found when a flagged line touches it; a flagged F unit and a flagged line that no label covers
// are false positives; X is ignored. Recall is given without the UUID-only units too, and per category.
// --repos val: only the repositories scripts/train-credentials.mjs holds out for validation (the numbers that
// are not training-set numbers); train: the others. Only counts and masked data are printed.
// --candidates: also the candidate stage's reach, for this build and each further dist given (a build whose
// credential.ts has lineCandidates): the share of non-UUID T units with a candidate on one of their lines, alone
// and together with the known-shape rows' findings (the recall an ideal filter would reach).
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { devManifest, isVal, metaRows } from '../scripts/creddata-split.mjs';

const arg = (n, d) => {
  const i = process.argv.indexOf(n);
  return i > 0 ? process.argv[i + 1] : d;
};
const DIR = arg('--data', process.env.CREDDATA_DIR || '/tmp/creddata-dev');
const PREV = arg('--prev');
const BASE = arg('--base');
const REPOS = arg('--repos', 'all');

if (!fs.existsSync(path.join(DIR, 'files_manifest.json'))) {
  console.log(`CredData corpus not found in ${DIR} (rebuild it with ../shared/creddata/rebuild-dev.mjs)`);
  process.exit(0);
}
const manifest = devManifest(DIR).filter((m) => REPOS === 'all' || (REPOS === 'val') === isVal(m.repo));
const wanted = new Set(manifest.map((m) => m.meta_path));
const units = new Map(); // meta_path -> Map(key -> unit)
const covered = new Map();
for (const r of metaRows(DIR)) {
  if (!wanted.has(r.FilePath)) continue;
  const ls = +r.LineStart, le = +r.LineEnd;
  const byKey = units.get(r.FilePath) ?? units.set(r.FilePath, new Map()).get(r.FilePath);
  const u = byKey.get(`${ls}|${le}`) ?? { gt: new Set(), cats: new Set(), ls, le };
  u.gt.add(r.GroundTruth);
  for (const x of r.Category.split(':')) u.cats.add(x);
  byKey.set(`${ls}|${le}`, u);
  const s = covered.get(r.FilePath) ?? covered.set(r.FilePath, new Set()).get(r.FilePath);
  for (let i = ls; i <= le; i++) s.add(i);
}

const tools = {};
const own = await import(pathToFileURL(path.resolve('dist/detectors/secrets/index.js')).href);
tools.clipguard = (text, p) => own.detectSecrets(text, { path: p, credentials: true }).map((m) => [m.line, m.line]);
if (BASE) {
  const base = await import(pathToFileURL(path.resolve(BASE, 'detectors/secrets/index.js')).href);
  tools['model-on base'] = (text, p) => base.detectSecrets(text, { path: p, credentials: true }).map((m) => [m.line, m.line]);
}
if (PREV) {
  const prev = await import(pathToFileURL(path.resolve(PREV, 'detectors/secrets/index.js')).href);
  tools.previous = (text, p) => prev.detectSecrets(text, { path: p }).map((m) => [m.line, m.line]);
}
{
  const { lintSource } = await import('@secretlint/core');
  const { creator } = await import('@secretlint/secretlint-rule-preset-recommend');
  const config = { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: creator }] };
  tools.secretlint = async (text, p) =>
    (await lintSource({ source: { filePath: `/creddata/${p}`, content: text, contentType: 'text' }, options: { config, maskSecrets: true } })).messages.map((m) => [m.loc.start.line, m.loc.end.line]);
}

const results = {};
for (const [name, run] of Object.entries(tools)) {
  const t0 = performance.now();
  let T = 0, TP = 0, Tn = 0, TPn = 0, FP = 0;
  const cat = new Map();
  for (const m of manifest) {
    const text = fs.readFileSync(path.join(DIR, m.local), 'utf8');
    const flagged = new Set();
    for (const [a, b] of await run(text, `${m.repo}/${m.orig_path}`)) for (let i = a; i <= b; i++) flagged.add(i);
    const hit = (u) => {
      for (let i = u.ls; i <= u.le; i++) if (flagged.has(i)) return true;
      return false;
    };
    for (const u of (units.get(m.meta_path) ?? new Map()).values()) {
      if (u.gt.has('T')) {
        const h = hit(u), uuidOnly = [...u.cats].every((c) => c === 'UUID');
        T++;
        if (h) TP++;
        if (!uuidOnly) {
          Tn++;
          if (h) TPn++;
        }
        for (const c of u.cats) {
          const v = cat.get(c) ?? [0, 0];
          v[0]++;
          if (h) v[1]++;
          cat.set(c, v);
        }
      } else if (u.gt.has('F') && hit(u)) FP++;
    }
    const cov = covered.get(m.meta_path) ?? new Set();
    for (const l of flagged) if (!cov.has(l)) FP++;
  }
  results[name] = { P: TP / Math.max(1, TP + FP), R: TP / Math.max(1, T), Rn: TPn / Math.max(1, Tn), TP, FP, T, Tn, cat, s: (performance.now() - t0) / 1000 };
}

const names = Object.keys(results);
const f = (x) => x.toFixed(3);
console.log(`CredData dev split (${REPOS} repos): ${manifest.length} files from ${new Set(manifest.map((m) => m.repo)).size} repositories (${DIR})\n`);
console.log(`| | ${names.join(' | ')} |\n|---|${names.map(() => '---:').join('|')}|`);
console.log(`| precision | ${names.map((n) => f(results[n].P)).join(' | ')} |`);
console.log(`| recall (all T units) | ${names.map((n) => f(results[n].R)).join(' | ')} |`);
console.log(`| recall (without UUID-only) | ${names.map((n) => f(results[n].Rn)).join(' | ')} |`);
console.log(`| TP / FP | ${names.map((n) => `${results[n].TP} / ${results[n].FP}`).join(' | ')} |`);
console.log(`| seconds (in process) | ${names.map((n) => results[n].s.toFixed(1)).join(' | ')} |`);
const cats = [...results[names[0]].cat].sort((a, b) => b[1][0] - a[1][0]).map(([c]) => c);
console.log(`\nRecall per category (T units; a unit with several categories counts in each):\n`);
console.log(`| category | T units | ${names.join(' | ')} |\n|---|---:|${names.map(() => '---:').join('|')}|`);
for (const c of cats) {
  const n = results[names[0]].cat.get(c)[0];
  if (n < 5) continue;
  console.log(`| ${c} | ${n} | ${names.map((k) => f((results[k].cat.get(c)?.[1] ?? 0) / n)).join(' | ')} |`);
}

if (process.argv.includes('--candidates')) {
  const after = process.argv.slice(process.argv.indexOf('--candidates') + 1);
  const stop = after.findIndex((a) => a.startsWith('--'));
  const more = stop === -1 ? after : after.slice(0, stop);
  const dists = [path.resolve('dist'), ...more.map((d) => path.resolve(d))];
  console.log(`\nCandidate reach (non-UUID T units with a candidate on one of their lines):\n`);
  console.log('| build | candidates | candidates or known-shape rows |\n|---|---:|---:|');
  for (const d of dists) {
    const cred = await import(pathToFileURL(path.join(d, 'detectors/secrets/credential.js')).href);
    const det = await import(pathToFileURL(path.join(d, 'detectors/secrets/index.js')).href);
    let Tn = 0, cand = 0, either = 0;
    for (const m of manifest) {
      const us = [...(units.get(m.meta_path) ?? new Map()).values()].filter((u) => u.gt.has('T') && ![...u.cats].every((c) => c === 'UUID'));
      if (!us.length) continue;
      const text = fs.readFileSync(path.join(DIR, m.local), 'utf8');
      const starts = [0];
      for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
      const lineOf = (off) => {
        let lo = 0, hi = starts.length - 1;
        while (lo < hi) {
          const mid = (lo + hi + 1) >> 1;
          if (starts[mid] <= off) lo = mid;
          else hi = mid - 1;
        }
        return lo + 1;
      };
      const candLines = new Set();
      for (let li = 0; li < starts.length; li++) {
        const to = li + 1 < starts.length ? starts[li + 1] - 1 : text.length;
        for (const c of cred.lineCandidates(text, starts[li], to, true)) candLines.add(lineOf(c.start));
      }
      const shaped = new Set(det.detectSecrets(text, { path: `${m.repo}/${m.orig_path}`, credentials: false }).map((x) => x.line));
      for (const u of us) {
        Tn++;
        let c = false, s = false;
        for (let i = u.ls; i <= u.le; i++) (c ||= candLines.has(i)), (s ||= shaped.has(i));
        if (c) cand++;
        if (c || s) either++;
      }
    }
    console.log(`| ${path.relative(process.cwd(), d) || d} | ${cand}/${Tn} (${f(cand / Tn)}) | ${either}/${Tn} (${f(either / Tn)}) |`);
  }
}

// secretlint leaves handles open: end here, the tables are printed.
process.exit(0);
