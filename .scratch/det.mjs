const { makeSnapshot } = await import('/work/main/bench/gen-snapshot.mjs');
const snap = makeSnapshot({ agents: 1000, issues: 100_000, comments: 300_000, companies: 10 });
const cg = { ...(await import('/work/main/dist/config/load.js')), ...(await import('/work/main/dist/sources/index.js')) };
const { detectSecrets } = await import('/work/main/dist/detectors/secrets/index.js');
const texts = [];
for (const c of snap) { for (const i of c.issues) texts.push(`${i.title ?? ''}\n${i.description ?? ''}`); for (const l of Object.values(c.comments)) for (const x of l) texts.push(x.body); }
const config = cg.loadConfig(process.cwd(), { noConfigFile: true }, {});
const det = cg.maskedSecrets(config);
for (let round = 0; round < 3; round++) {
  let t = performance.now(); let n = 0;
  for (const x of texts) n += det(x).length;
  console.log('masked', (performance.now() - t).toFixed(0), n);
  t = performance.now(); n = 0;
  for (const x of texts) n += detectSecrets(x).length;
  console.log('raw', (performance.now() - t).toFixed(0), n);
}
const big = texts.join('\n');
for (let r = 0; r < 3; r++) { const t = performance.now(); const n = detectSecrets(big).length; console.log('one big', (performance.now() - t).toFixed(0), n); }
const { KeywordScanner } = await import('/work/main/dist/detectors/secrets/keywords.js');
const kw = ['password','token','secret','apikey','api_key','key','auth','bearer','aws','ghp_','sk-','xox','private'];
const sc = new KeywordScanner(kw);
for (let r = 0; r < 3; r++) { let t = performance.now(); let n = 0; for (const x of texts) n += sc.scan(x).starts.length; console.log('scan only', (performance.now() - t).toFixed(0), n); }
let t = performance.now(); let n = 0; for (const x of texts) { for (let i = 0; i < x.length; i++) n += x.charCodeAt(i) & 1; } console.log('charCodeAt loop', (performance.now() - t).toFixed(0), n);
const { isOneByte } = await import('/work/main/dist/detectors/secrets/keywords.js');
let scratch = Buffer.allocUnsafeSlow(1 << 20);
function walkCopy(s, text, ends, states) {
  const { cls, delta, outBase } = s;
  const n = text.length;
  let u;
  if (isOneByte(text)) { scratch.latin1Write(text, 0); u = scratch; }
  else { scratch.ucs2Write(text, 0); u = new Uint16Array(scratch.buffer, scratch.byteOffset, n); }
  let st = 0;
  for (let i = 0; i < n; i++) { st = delta[st + cls[u[i]]]; if (st >= outBase) { ends.push(i); states.push(st); } }
}
function walk(s, text, ends, states) {
  const { cls, delta, outBase } = s;
  let st = 0;
  for (let i = 0; i < text.length; i++) { st = delta[st + cls[text.charCodeAt(i)]]; if (st >= outBase) { ends.push(i); states.push(st); } }
}
for (let r = 0; r < 3; r++) {
  let t = performance.now(); let n = 0; for (const x of texts) { const e = [], s = []; walk(sc, x, e, s); n += e.length; } console.log('walk', (performance.now() - t).toFixed(0), n);
  t = performance.now(); n = 0; for (const x of texts) { const e = [], s = []; walkCopy(sc, x, e, s); n += e.length; } console.log('walkCopy', (performance.now() - t).toFixed(0), n);
}
let one = 0; for (const x of texts) one += isOneByte(x); console.log('one-byte texts', one, texts.length);
function walk4(sc, text, ends, states) {
  const { cls, delta, outBase } = sc;
  const n = text.length; const q = n >> 2; const warm = Math.min(sc.maxLen - 1, q);
  let a = 0, b = 0, c = 0, d = 0;
  for (let k = q - warm; k < q; k++) { b = delta[b + cls[text.charCodeAt(k)]]; c = delta[c + cls[text.charCodeAt(q + k)]]; d = delta[d + cls[text.charCodeAt(2 * q + k)]]; }
  let hb = null, hc = null, hd = null;
  for (let i = 0; i < q; i++) {
    a = delta[a + cls[text.charCodeAt(i)]]; b = delta[b + cls[text.charCodeAt(q + i)]]; c = delta[c + cls[text.charCodeAt(2 * q + i)]]; d = delta[d + cls[text.charCodeAt(3 * q + i)]];
    if ((a | b | c | d) >= outBase) {
      if (a >= outBase) { ends.push(i); states.push(a); }
      if (b >= outBase) (hb ??= []).push(q + i, b);
      if (c >= outBase) (hc ??= []).push(2 * q + i, c);
      if (d >= outBase) (hd ??= []).push(3 * q + i, d);
    }
  }
  for (let i = 4 * q; i < n; i++) { d = delta[d + cls[text.charCodeAt(i)]]; if (d >= outBase) (hd ??= []).push(i, d); }
  for (const lane of [hb, hc, hd]) if (lane) for (let i = 0; i < lane.length; i += 2) { ends.push(lane[i]); states.push(lane[i + 1]); }
}
for (let r = 0; r < 3; r++) {
  let t = performance.now(); let n = 0; for (const x of texts) { const e = [], s = []; walk4(sc, x, e, s); n += e.length; } console.log('walk4', (performance.now() - t).toFixed(0), n);
}
