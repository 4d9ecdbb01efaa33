#!/usr/bin/env node
// Precision and recall of the zh detector on genuine locale files (fixtures/locales-real, see SOURCE.md):
//
//   npx tsc -p tsconfig.build.json && node scripts/measure-zh.mjs [--seed N] [--injections N] [--list]
//
// False alarms: findings on the genuine files, less the few real slips the upstream files contain (listed
// in KNOWN_SLIPS, each checked by hand), per million Han characters of translated text, per locale. Beside
// it, the naive linter the issue warns about: every character opencc-js cn->tw (cn->hk) changes.
// Catch rate: single-character slips injected into genuine zh-TW text at seeded random positions, each
// linted on its own: (a) a Traditional character replaced by its Simplified-only form (設 -> 设), (b) one
// replaced by a Simplified form that is also valid Traditional, where OpenCC rewrites it back inside its
// phrase (之後 -> 之后, 確認 -> 确認). Also reported: (b') every such replacement, whether or not OpenCC's
// phrase table knows the phrase (the ceiling of a phrase-based verdict); (c) the reverse in genuine zh-CN
// text, a Simplified character replaced by its Traditional-only form (设 -> 設).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as OpenCC from 'opencc-js';

export const ROOT = fileURLToPath(new URL('../fixtures/locales-real/', import.meta.url));

/** Real slips in the upstream files: reported by the detector and correctly so. path suffix + char. */
export const KNOWN_SLIPS = [
  ['zh-Hant/variants.json', '鲁'],
  ['zh-Hant-HK/variants.json', '鲁'],
  ['zh-Hant/theme-common.json', '内'],
  ['zh-tw/diagnosticMessages.generated.json', '棱'],
  ['antd-6.6.8/zh_HK.js', '载'],
];

const FAMILY = { 'zh-TW': 'zh-TW', 'zh-Hant': 'zh-TW', 'zh-HK': 'zh-HK', 'zh-CN': 'zh-CN', 'zh-Hans': 'zh-CN', 'zh-SG': 'zh-CN' };
const isHanCp = (cp) => (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x20000 && cp <= 0x3ffff) || (cp >= 0xf900 && cp <= 0xfaff);

function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

export async function measure({ seed = 1, injections = 2000, root = ROOT } = {}) {
  const { findLocaleFiles, lintLocaleFile } = await import('../dist/sources/locales.js');
  const { extractSegments } = await import('../dist/sources/extract/index.js');
  const { detectZh, ZH_SETS } = await import('../dist/detectors/chinese/index.js');
  const naive = { tw: OpenCC.Converter({ from: 'cn', to: 'tw' }), hk: OpenCC.Converter({ from: 'cn', to: 'hk' }), cn: OpenCC.Converter({ from: 'tw', to: 'cn' }) };

  const locales = {};
  const falseAlarms = [];
  const twSegments = [];
  const cnSegments = [];
  for (const f of findLocaleFiles(root)) {
    const text = readFileSync(root + f.path, 'utf8');
    const fam = FAMILY[f.locale];
    const row = (locales[fam] ??= { files: 0, hanChars: 0, findings: 0, knownSlips: 0, falseAlarms: 0, naiveFlags: 0 });
    row.files++;
    const conv = fam === 'zh-CN' ? naive.cn : fam === 'zh-HK' ? naive.hk : naive.tw;
    for (const s of extractSegments(f.path, text)) {
      const piece = text.slice(s.start, s.end);
      const cps = Array.from(piece);
      let han = 0;
      for (const c of cps) if (isHanCp(c.codePointAt(0))) han++;
      row.hanChars += han;
      if (!han) continue;
      const out = Array.from(conv(piece));
      if (out.length === cps.length) for (let i = 0; i < cps.length; i++) row.naiveFlags += out[i] !== cps[i] ? 1 : 0;
      if (fam === 'zh-TW' && f.locale === 'zh-TW') twSegments.push(piece);
      if (f.locale === 'zh-CN') cnSegments.push(piece);
    }
    for (const x of lintLocaleFile(f.path, text, f.locale)) {
      row.findings++;
      if (KNOWN_SLIPS.some(([suffix, ch]) => f.path.endsWith(suffix) && x.char === ch)) row.knownSlips++;
      else {
        row.falseAlarms++;
        falseAlarms.push({ file: f.path, line: x.line, column: x.column, kind: x.kind, char: x.char, suggestion: x.suggestion, context: x.context });
      }
    }
  }
  for (const row of Object.values(locales)) {
    row.falseAlarmsPerMillion = round((row.falseAlarms / row.hanChars) * 1e6);
    row.naiveFlagsPerMillion = round((row.naiveFlags / row.hanChars) * 1e6);
  }

  // Injection candidates in genuine zh-TW text.
  const toSimp = OpenCC.Converter({ from: 'tw', to: 'cn' });
  const cnToTw = naive.tw;
  const simplifiedOnly = new Set(Array.from(ZH_SETS.simplifiedOnly));
  const ambiguous = new Set(Array.from(ZH_SETS.ambiguousHant));
  const onlySites = [];
  const bothSites = [];
  twSegments.forEach((seg, si) => {
    let off = 0;
    for (const c of seg) {
      if (isHanCp(c.codePointAt(0))) {
        const s = toSimp(c);
        if (s !== c && [...s].length === 1) {
          if (simplifiedOnly.has(s)) onlySites.push([si, off, c, s]);
          else if (ambiguous.has(s)) bothSites.push([si, off, c, s]);
        }
      }
      off += c.length;
    }
  });
  const random = rng(seed);
  const pick = (arr) => arr[Math.floor(random() * arr.length)];
  const caughtAt = (seg, off, slip) => {
    const text = seg.slice(0, off) + slip + seg.slice(off + slip.length);
    return detectZh(text, 'zh-TW').some((h) => h.offset === off && h.kind === 'simplified-in-hant');
  };
  const catchRate = { simplifiedOnly: { injected: 0, caught: 0 }, bothInPhrase: { injected: 0, caught: 0 }, bothAny: { injected: 0, caught: 0 } };
  for (let n = 0; n < injections && onlySites.length; n++) {
    const [si, off, , s] = pick(onlySites);
    catchRate.simplifiedOnly.injected++;
    if (caughtAt(twSegments[si], off, s)) catchRate.simplifiedOnly.caught++;
  }
  for (let n = 0; n < injections && bothSites.length; n++) {
    const [si, off, c, s] = pick(bothSites);
    const seg = twSegments[si];
    const caught = caughtAt(seg, off, s);
    catchRate.bothAny.injected++;
    if (caught) catchRate.bothAny.caught++;
    // Does OpenCC rewrite the slip back inside its phrase? Convert the Simplified form of the stretch
    // around it and see whether the character comes back (the definition of a detectable slip).
    const before = seg.slice(Math.max(0, off - 4), off);
    const after = seg.slice(off + c.length, off + c.length + 4);
    const simp = toSimp(before) + s + toSimp(after);
    const back = Array.from(cnToTw(simp));
    const at = Array.from(toSimp(before)).length;
    if (back.length === Array.from(simp).length && back[at] === c && cnToTw(s) !== c) {
      catchRate.bothInPhrase.injected++;
      if (caught) catchRate.bothInPhrase.caught++;
    }
  }
  // The reverse, into genuine zh-CN text: a Simplified character replaced by its Traditional-only form.
  const toTrad = OpenCC.Converter({ from: 'cn', to: 'tw' });
  const traditionalOnly = new Set(Array.from(ZH_SETS.traditionalOnly));
  const hansSites = [];
  cnSegments.forEach((seg, si) => {
    let off = 0;
    for (const c of seg) {
      const t = isHanCp(c.codePointAt(0)) ? toTrad(c) : c;
      if (t !== c && [...t].length === 1 && traditionalOnly.has(t)) hansSites.push([si, off, t]);
      off += c.length;
    }
  });
  catchRate.traditionalOnlyInHans = { injected: 0, caught: 0 };
  for (let n = 0; n < injections && hansSites.length; n++) {
    const [si, off, t] = pick(hansSites);
    const seg = cnSegments[si];
    const text = seg.slice(0, off) + t + seg.slice(off + t.length);
    catchRate.traditionalOnlyInHans.injected++;
    if (detectZh(text, 'zh-CN').some((h) => h.offset === off && h.kind === 'traditional-in-hans')) catchRate.traditionalOnlyInHans.caught++;
  }
  for (const r of Object.values(catchRate)) r.rate = r.injected ? round(r.caught / r.injected, 4) : null;
  return { seed, locales, falseAlarms, catchRate, sites: { simplifiedOnly: onlySites.length, both: bothSites.length } };
}

function round(x, digits = 1) {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const r = await measure({ seed: Number(arg('--seed') ?? 1), injections: Number(arg('--injections') ?? 2000) });
  console.log('locale  files  Han chars  findings  known slips  false alarms  per million Han  (naive cn->t flags per million)');
  for (const [loc, x] of Object.entries(r.locales)) {
    console.log(`${loc.padEnd(7)} ${String(x.files).padStart(5)} ${String(x.hanChars).padStart(10)} ${String(x.findings).padStart(9)} ${String(x.knownSlips).padStart(12)} ${String(x.falseAlarms).padStart(13)} ${String(x.falseAlarmsPerMillion).padStart(15)}  (${x.naiveFlagsPerMillion})`);
  }
  console.log(`catch rate on injected slips (seed ${r.seed}; zh-TW text, and zh-CN text for traditionalOnlyInHans):`);
  for (const [k, v] of Object.entries(r.catchRate)) console.log(`  ${k.padEnd(22)} ${v.caught}/${v.injected} = ${v.rate}`);
  if (process.argv.includes('--list')) for (const f of r.falseAlarms) console.log(JSON.stringify(f));
}
