// Differential check of the secret detector: two builds (each a checkout with `npm run build` done) must report
// exactly the same matches (kinds, offsets, lines, columns, previews, hashes, ignores) on ~20 MB of real source
// (bench/real-source.mjs, file by file and joined, with and without the credential stage), on the same real text
// and on generated text (bench/gen-secrets-input.mjs) with fake keys planted at random places and near the
// keyword walk's 64K-unit chunk edges, and through detectSecretsMany. Used for issue 22's detector changes.
//
//   node scripts/secrets-diff.mjs <before-checkout> <after-checkout>     (exit 1 on any difference)
const [before, after] = process.argv.slice(2).map((p) => (p.startsWith("/") ? p : `${process.cwd()}/${p}`));
const A = await import(before + '/dist/detectors/secrets/index.js');
const B = await import(after + '/dist/detectors/secrets/index.js');
const { realFilesOfSize, readText } = await import(after + '/bench/real-source.mjs');
const gen = await import(after + '/bench/gen-secrets-input.mjs');
const { FAKE_KINDS, fakeSample, seededRandom } = await import(after + '/test/helpers/fake-secrets.mjs');
let texts = 0, matches = 0, diffs = 0;
const check = (label, text, opts) => {
  const a = JSON.stringify(A.detectSecrets(text, opts));
  const b = JSON.stringify(B.detectSecrets(text, opts));
  texts++; matches += JSON.parse(b).length;
  if (a !== b) { diffs++; if (diffs < 5) console.log('DIFF', label, JSON.stringify(opts), a.slice(0, 300), '\n   vs', b.slice(0, 300)); }
};
const files = realFilesOfSize(20 * 1024 * 1024).map((f) => ({ path: f.path, text: readText(f) }));
for (const opts of [{}, { credentials: true }]) {
  for (const f of files) check(f.path, f.text, { ...opts, path: f.path });
  check('joined', files.map((f) => f.text).join('\n'), opts);
}
// planted keys in real and generated text, at random places, including near chunk edges (65536 units)
const rnd = seededRandom(42);
const plant = (text, n) => {
  let out = text; const at = [];
  for (let i = 0; i < n; i++) {
    const s = fakeSample(FAKE_KINDS[Math.floor(rnd() * FAKE_KINDS.length)], 1 + Math.floor(rnd() * 1e6), Math.floor(rnd() * 11));
    const near = rnd() < 0.5 ? Math.floor(rnd() * out.length) : Math.max(0, Math.min(out.length, Math.round(rnd() * out.length / 65536) * 65536 + Math.floor(rnd() * 40) - 20));
    out = out.slice(0, near) + '\n' + s.text + '\n' + out.slice(near);
  }
  return out;
};
const joined = files.map((f) => f.text).join('\n');
for (let k = 0; k < 6; k++) {
  const slice = joined.slice(Math.floor(rnd() * 1e7), Math.floor(1e7 + rnd() * 1e7));
  for (const opts of [{}, { credentials: true }]) check('planted real ' + k, plant(slice, 200), opts);
}
for (const [name, make] of [['source', gen.makeSourceText], ['near-miss', gen.makeNearMissText], ['prose', gen.makeTicketProse]]) {
  for (const seed of [1, 2, 3]) {
    const t = make(2 * 1024 * 1024, seed);
    for (const opts of [{}, { credentials: true }]) { check(name + seed, t, opts); check(name + seed + ' planted', plant(t, 100), opts); }
  }
}
// many: detectSecretsMany of files
for (const opts of [{}, { credentials: true }]) {
  const ts = files.slice(0, 300).map((f) => f.text);
  const a = JSON.stringify(A.detectSecretsMany(ts, opts)), b = JSON.stringify(B.detectSecretsMany(ts, opts));
  texts++; if (a !== b) { diffs++; console.log('DIFF many', JSON.stringify(opts)); }
}
console.log(`texts ${texts}, matches (after) ${matches}, differences ${diffs}`);
process.exitCode = diffs ? 1 : 0;
