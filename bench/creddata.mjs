// Benchmark: recall and precision on Samsung's CredData (its dev split, rebuilt outside the repository with
// ../shared/creddata/rebuild-dev.mjs; the files hold real credentials and stay in /tmp), three detectors side by
// side in one run over the same files:
//   - clipguard: this checkout's detector (dist/), with the credential model;
//   - previous:  the detector of another build (--prev <dist dir>, e.g. a build of the commit before the model);
//   - secretlint 12 with its recommended preset, as a library.
// Each gets every file whole, with its path (`<RepoID>/<path in repo>`, as score.mjs stages it).
//
//   npm run build && node bench/creddata.mjs [--data /tmp/creddata-dev] [--prev /tmp/cred-prev/dist] [--repos all|val|train]
//
// Scoring is CredData's (and ../shared/creddata/score.mjs's): a unit is a labelled (file, LineStart..LineEnd);
// a T unit is found when a flagged line touches it; a flagged F unit and a flagged line that no label covers
// are false positives; X is ignored. Recall is given without the UUID-only units too, and per category.
// --repos val: only the repositories scripts/train-credentials.mjs holds out for validation (the numbers that
// are not training-set numbers); train: the others. Only counts and masked data are printed.
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

// secretlint leaves handles open: end here, the tables are printed.
process.exit(0);
