#!/usr/bin/env node
// Trains the generic-credential filter (src/detectors/secrets/credential.ts) on the DEV split of Samsung's
// CredData, rebuilt outside the repository with ../shared/creddata/rebuild-dev.mjs (real values from public
// repositories: they stay in /tmp; only derived data, the weights and a word list, is written here).
//
//   npm run build && node scripts/train-credentials.mjs [--data /tmp/creddata-dev] [--write] [--val-out DIR]
//
// The dev split is split again by repository (sha256("val:" + RepoID) mod 5 == 0 -> validation), so that the
// numbers printed for validation are not training-set numbers. The 30% held-out split of CredData is never
// read: files of repositories in it are skipped. The model: logistic regression (AdaGrad, L2) over the sparse
// features of credential.ts; the threshold is the lowest one whose validation precision, with the known-shape
// rows' findings counted as CredData's scorer counts them, stays >= TARGET_P. --write saves the weights to
// src/detectors/secrets/credential-model.json; --val-out writes a CredData-shaped dir (symlinks) holding only the
// validation repositories, for ../shared/creddata/score.mjs.
import fs from 'node:fs';
import path from 'node:path';
import { devManifest, heldOut, isVal, metaRows } from './creddata-split.mjs';

const { lineCandidates, features, score, CREDENTIAL_KEYWORDS } = await import('../dist/detectors/secrets/credential.js');
const { detectSecrets } = await import('../dist/detectors/secrets/index.js');

const arg = (n, d) => {
  const i = process.argv.indexOf(n);
  return i > 0 ? process.argv[i + 1] : d;
};
const DIR = arg('--data', process.env.CREDDATA_DIR || '/tmp/creddata-dev');
const WRITE = process.argv.includes('--write');
const VAL_OUT = arg('--val-out');
const DIM = 1 << 13;
const TARGET_P = Number(arg('--target-p', 0.92));
const EPOCHS = Number(arg('--epochs', 6));
const SEED = 7;


const manifest = devManifest(DIR);
const rows = new Map(); // meta_path -> rows
for (const r of metaRows(DIR)) {
  if (heldOut(r.RepoName)) continue;
  (rows.get(r.FilePath) ?? rows.set(r.FilePath, []).get(r.FilePath)).push(r);
}
const train = manifest.filter((m) => !isVal(m.repo));
const val = manifest.filter((m) => isVal(m.repo));
console.log(`files: ${train.length} train (${new Set(train.map((m) => m.repo)).size} repos), ${val.length} validation (${new Set(val.map((m) => m.repo)).size} repos)`);

// ---- word list: identifier subwords with a vowel seen in 5+ training repositories (derived data: a piece of
// one repository's key, repeated in its files, never reaches 5 repositories)
const docFreq = new Map();
const repoWords = new Map();
for (const m of train) {
  const text = fs.readFileSync(path.join(DIR, m.local), 'utf8');
  const seen = repoWords.get(m.repo) ?? repoWords.set(m.repo, new Set()).get(m.repo);
  for (const id of text.match(/[A-Za-z][A-Za-z0-9_]{2,40}/g) ?? []) {
    for (const t of id.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(/[^a-z]+/)) if (t.length >= 3 && t.length <= 14 && /[aeiouy]/.test(t)) seen.add(t);
  }
}
for (const seen of repoWords.values()) for (const t of seen) docFreq.set(t, (docFreq.get(t) ?? 0) + 1);
const words = [...docFreq].filter(([, n]) => n >= 5).sort((a, b) => b[1] - a[1]).slice(0, 12000).map(([w]) => w).sort();
console.log(`word list: ${words.length} words`);
const model = { version: 1, dim: DIM, bias: 0, w: new Array(DIM).fill(0), threshold: 0.5, words };

// ---- candidates with labels
const kwRe = new RegExp(CREDENTIAL_KEYWORDS.map((k) => k.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')).join('|'), 'i');
function fileUnits(m) {
  const T = [], F = [], X = [];
  for (const r of rows.get(m.meta_path) ?? []) {
    const u = { ls: +r.LineStart, le: +r.LineEnd, vs: r.ValueStart === '' ? -1 : +r.ValueStart, ve: r.ValueEnd === '' ? -1 : +r.ValueEnd, cats: r.Category.split(':') };
    if (r.GroundTruth === 'T') T.push(u);
    else if (r.GroundTruth === 'F') F.push(u);
    else X.push(u); // ignored by the scorer: neither a hit nor a false alarm
  }
  return { T, F, X };
}
function* fileCandidates(m) {
  const text = fs.readFileSync(path.join(DIR, m.local), 'utf8');
  const p = `${m.repo}/${m.orig_path}`;
  let from = 0, ln = 0;
  while (from <= text.length) {
    ln++;
    const nl = text.indexOf('\n', from);
    const to = nl === -1 ? text.length : nl;
    if (to - from <= 4000 && kwRe.test(text.slice(from, to))) {
      const cands = lineCandidates(text, from, to, true);
      for (const c of cands) yield { ln, c, from, to, fs: features(text, c, from, to, cands.length, p, model) };
    }
    if (nl === -1) break;
    from = nl + 1;
  }
}
function label(units, ln, c, from) {
  for (const u of units.T) {
    if (ln < u.ls || ln > u.le) continue;
    if (u.vs < 0 || u.ls !== u.le) return 1;
    if (c.start - from < u.ve && u.vs < c.end - from) return 1;
  }
  return 0;
}

let rng = SEED;
const rand = () => ((rng = (Math.imul(rng, 1103515245) + 12345) >>> 0) / 4294967296);
function collectSet(files, sampleUnlabelled) {
  const X = [], y = [], wt = [];
  let covered = 0, Tn = 0;
  for (const m of files) {
    const units = fileUnits(m);
    const labelled = new Set(), ignored = new Set();
    for (const u of [...units.T, ...units.F]) for (let i = u.ls; i <= u.le; i++) labelled.add(i);
    for (const u of units.X) for (let i = u.ls; i <= u.le; i++) if (!labelled.has(i)) ignored.add(i);
    const hitT = new Set();
    for (const { ln, c, from, fs: f } of fileCandidates(m)) {
      const yy = label(units, ln, c, from);
      if (yy) for (const u of units.T) if (ln >= u.ls && ln <= u.le) hitT.add(u);
      if (!yy && ignored.has(ln)) continue;
      if (!yy && !labelled.has(ln) && rand() > sampleUnlabelled) continue;
      X.push(f);
      y.push(yy);
      wt.push(!yy && !labelled.has(ln) ? 1 / sampleUnlabelled : 1);
    }
    Tn += units.T.filter((u) => !u.cats.every((c) => c === 'UUID')).length;
    covered += [...hitT].filter((u) => !u.cats.every((c) => c === 'UUID')).length;
  }
  return { X, y, wt, covered, Tn };
}

const t0 = Date.now();
const tr = collectSet(train, 0.25);
console.log(`train: ${tr.X.length} candidates (${tr.y.filter(Boolean).length} positive); candidates reach ${tr.covered}/${tr.Tn} non-UUID T units (${((Date.now() - t0) / 1000).toFixed(0)} s)`);

// ---- logistic regression, AdaGrad
const pos = tr.y.filter(Boolean).length;
const posW = Math.min(4, (tr.y.length - pos) / Math.max(1, pos) / 4);
const g2 = new Float64Array(DIM + 1).fill(1e-8);
const w = model.w;
const L2 = 1e-6, LR = 0.1;
const order = [...tr.X.keys()];
for (let ep = 0; ep < EPOCHS; ep++) {
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  let loss = 0;
  for (const i of order) {
    const f = tr.X[i];
    let z = model.bias;
    for (const [k, x] of f) z += w[k] * x;
    const p = 1 / (1 + Math.exp(-z));
    const sw = tr.wt[i] * (tr.y[i] ? posW : 1);
    loss -= sw * (tr.y[i] ? Math.log(p + 1e-12) : Math.log(1 - p + 1e-12));
    const g = sw * (p - tr.y[i]);
    for (const [k, x] of f) {
      const gk = g * x + L2 * w[k];
      g2[k] += gk * gk;
      w[k] -= (LR * gk) / Math.sqrt(g2[k]);
    }
    g2[DIM] += g * g;
    model.bias -= (LR * g) / Math.sqrt(g2[DIM]);
  }
  console.log(`epoch ${ep + 1}: loss ${(loss / order.length).toFixed(4)}`);
}

// ---- validation, scored as CredData's benchmark scores (units; unlabelled flagged lines are FPs)
function evaluate(files) {
  const perFile = [];
  for (const m of files) {
    const text = fs.readFileSync(path.join(DIR, m.local), 'utf8');
    const units = fileUnits(m);
    const shaped = new Set();
    // The pattern rows as the detector runs them, without the model being trained.
    for (const s of detectSecrets(text, { path: `${m.repo}/${m.orig_path}`, credentials: false })) shaped.add(s.line);
    const lineP = new Map();
    for (const { ln, fs: f } of fileCandidates(m)) lineP.set(ln, Math.max(lineP.get(ln) ?? 0, score(f, model)));
    perFile.push({ units, shaped, lineP });
  }
  return (t) => {
    let TP = 0, T = 0, FP = 0;
    const cat = new Map();
    for (const { units, shaped, lineP } of perFile) {
      const flagged = new Set(shaped);
      for (const [ln, p] of lineP) if (p >= t) flagged.add(ln);
      const cov = new Set();
      for (const u of [...units.T, ...units.F, ...units.X]) for (let i = u.ls; i <= u.le; i++) cov.add(i);
      const hit = (u) => { for (let i = u.ls; i <= u.le; i++) if (flagged.has(i)) return true; return false; };
      // Units are (file, ls, le): several rows may share one.
      const seen = new Map();
      for (const u of units.T) seen.set(`${u.ls}|${u.le}`, { ...u, gt: 'T', cats: [...(seen.get(`${u.ls}|${u.le}`)?.cats ?? []), ...u.cats] });
      for (const u of units.F) if (!seen.has(`${u.ls}|${u.le}`)) seen.set(`${u.ls}|${u.le}`, { ...u, gt: 'F' });
      for (const u of seen.values()) {
        const h = hit(u);
        if (u.gt === 'T') {
          const uuidOnly = u.cats.every((c) => c === 'UUID');
          if (h) TP++;
          if (!uuidOnly) { T++; }
          for (const c of new Set(u.cats)) { const v = cat.get(c) ?? [0, 0]; v[0]++; if (h) v[1]++; cat.set(c, v); }
          if (h && !uuidOnly) u.countedNoUuid = true;
        } else if (h) FP++;
      }
      for (const l of flagged) if (!cov.has(l)) FP++;
    }
    let TPn = 0;
    for (const { units, shaped, lineP } of perFile) {
      const flagged = new Set(shaped);
      for (const [ln, p] of lineP) if (p >= t) flagged.add(ln);
      const seen = new Map();
      for (const u of units.T) seen.set(`${u.ls}|${u.le}`, { ...u, cats: [...(seen.get(`${u.ls}|${u.le}`)?.cats ?? []), ...u.cats] });
      for (const u of seen.values()) {
        if (u.cats.every((c) => c === 'UUID')) continue;
        for (let i = u.ls; i <= u.le; i++) if (flagged.has(i)) { TPn++; break; }
      }
    }
    return { P: TP / Math.max(1, TP + FP), Rn: TPn / Math.max(1, T), TP, FP, TPn, T, cat };
  };
}
const evalVal = evaluate(val);
// The threshold: the best recall at validation precision >= TARGET_P; when none reaches it, the best F1.
let best = null, bestF1 = null;
const f1 = (r) => (2 * r.P * r.Rn) / Math.max(1e-9, r.P + r.Rn);
for (let t = 0.05; t < 0.995; t += 0.01) {
  const r = evalVal(t);
  if (r.P >= TARGET_P && (!best || r.Rn > best.r.Rn)) best = { t, r };
  if (!bestF1 || f1(r) > f1(bestF1.r)) bestF1 = { t, r };
}
best ??= bestF1;
model.threshold = Number(arg('--threshold', best.t.toFixed(2)));
for (const t of [0.3, 0.5, 0.7, model.threshold]) {
  const r = evalVal(t);
  console.log(`validation t=${t.toFixed(2)}: P ${r.P.toFixed(3)} R-noUUID ${r.Rn.toFixed(3)} (TP ${r.TP}, FP ${r.FP}, T ${r.T})`);
}
if (process.argv.includes('--train-eval')) {
  const evalTrain = evaluate(train);
  for (const t of [0.5, 0.7, 0.9]) {
    const r = evalTrain(t);
    console.log(`train t=${t.toFixed(2)}: P ${r.P.toFixed(3)} R-noUUID ${r.Rn.toFixed(3)} (TP ${r.TP}, FP ${r.FP}, T ${r.T})`);
  }
}
const r = evalVal(model.threshold);
console.log(`validation recall by category: ${[...r.cat].sort((a, b) => b[1][0] - a[1][0]).slice(0, 20).map(([c, [n, h]]) => `${c} ${h}/${n}`).join(', ')}`);

if (WRITE) {
  const out = { ...model, bias: Number(model.bias.toFixed(5)), w: model.w.map((x) => Number(x.toFixed(4))) };
  fs.writeFileSync(new URL('../src/detectors/secrets/credential-model.json', import.meta.url), JSON.stringify(out) + '\n');
  console.log('wrote src/detectors/secrets/credential-model.json (npm run build to use it)');
}
if (VAL_OUT) {
  fs.mkdirSync(path.join(VAL_OUT, 'files'), { recursive: true });
  fs.rmSync(path.join(VAL_OUT, 'meta'), { recursive: true, force: true });
  fs.symlinkSync(path.resolve(DIR, 'meta'), path.join(VAL_OUT, 'meta'));
  for (const m of val) {
    fs.mkdirSync(path.join(VAL_OUT, path.dirname(m.local)), { recursive: true });
    const dst = path.join(VAL_OUT, m.local);
    if (!fs.existsSync(dst)) fs.symlinkSync(path.resolve(DIR, m.local), dst);
  }
  fs.writeFileSync(path.join(VAL_OUT, 'files_manifest.json'), JSON.stringify(val));
  console.log(`validation-only corpus: ${VAL_OUT}`);
}
