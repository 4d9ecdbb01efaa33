#!/usr/bin/env node
// Precision and recall of the zh detector on genuine locale files (fixtures/locales-real, see SOURCE.md):
//
//   npx tsc -p tsconfig.build.json && node scripts/measure-zh.mjs [--seed N] [--injections N] [--list]
//
// False alarms: findings on the genuine files, less the few real slips the upstream files contain (listed
// in KNOWN_SLIPS, each checked by hand), per million Han characters of translated text, per locale. Beside
// it, the naive linter the issue warns about: every character opencc-js cn->tw (cn->hk) changes.
// Catch rate: single-character slips injected into genuine text at seeded random positions, each linted on
// its own, per locale family. Into zh-TW (and zh-Hant, Taiwan's) and zh-HK text: (a) a Traditional
// character replaced by its Simplified-only form (設 -> 设), (b) one replaced by a Simplified form that is
// also valid Traditional, where OpenCC rewrites it back inside its phrase (之後 -> 之后, 確認 -> 确認). Also
// reported: (b') every such replacement, whether or not OpenCC's phrase table knows the phrase (the ceiling
// of a phrase-based verdict). Into zh-CN (and zh-Hans) text: (c) a Simplified character replaced by its
// Traditional-only form (设 -> 設).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as OpenCC from 'opencc-js';

export const ROOT = fileURLToPath(new URL('../fixtures/locales-real/', import.meta.url));

/**
 * Real slips in the upstream files (SOURCE.md, "Known slips"): reported by the detector and correctly so.
 * path suffix, char, and where one char is a slip in some phrases only, the phrase (in the finding's context).
 */
export const KNOWN_SLIPS = [
  ['zh-Hant/variants.json', '鲁'],
  ['zh-Hant-HK/variants.json', '鲁'],
  ['zh-Hant/theme-common.json', '内'],
  ['zh-tw/diagnosticMessages.generated.json', '棱'],
  ['antd-6.6.8/zh_HK.js', '载'],
  ['element-plus-2.14.8/zh-tw.mjs', '面', '面包屑'],
  // CLDR zh-Hant emoji annotations: Simplified-only characters, and Simplified mergers in their phrase.
  ...['横', '残', '夹', '静', '额'].map((c) => ['zh-Hant/annotations.json', c]),
  ['zh-Hant/annotations.json', '刮', '刮風'],
  ['zh-Hant/annotations.json', '卷', '卷髮'],
  ['zh-Hant/annotations.json', '卷', '卷餅'],
  ['zh-Hant/annotations.json', '回', '回紋針'],
  // CLDR zh-Hant-HK emoji annotations and currencies.
  ...['厨', '抛', '猬', '瓮'].map((c) => ['zh-Hant-HK/annotations.json', c]),
  ['zh-Hant-HK/annotations.json', '刮', '刮風'],
  ['zh-Hant-HK/annotations.json', '卷', '卷餅'],
  ['zh-Hant-HK/annotations.json', '回', '回帶'],
  ['zh-Hant-HK/annotations.json', '托', '拜托'],
  ['zh-Hant-HK/annotations.json', '杆', '控制杆'],
  ['zh-Hant-HK/annotations.json', '癡', '癡線'],
  ['zh-Hant-HK/currencies.json', '祕', '祕魯'],
  // GNOME nautilus zh_HK.po: Simplified-only 丢 (丟) in 丢進回收筒.
  ['gnome-nautilus-a7e2395/po/zh_HK.po', '丢'],
  // CLDR zh (Simplified) emoji annotations: Traditional-only characters.
  ...['唸', '擊', '餅', '騎'].map((c) => ['zh-Hans/annotations.json', c]),
];

/**
 * Findings on correct text that the detector still makes (SOURCE.md, "Remaining false alarms"): counted as
 * false alarms, listed so that a new one shows. path suffix, char, phrase in the finding's context.
 */
export const KNOWN_FALSE_ALARMS = [
  // None left: CLDR zh-Hant-HK's 也門里雅 (门里 is disputed, tuning.ts) and the Japanese characters its
  // annotations name alone (円 営 満: a Japanese form that is a whole string, detect.ts) are no longer reported.
];

const matches = (list, file, x) => list.some(([suffix, ch, phrase]) => file.endsWith(suffix) && x.char === ch && (!phrase || x.context.includes(phrase)));

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
  const { HK_CANTONESE } = await import('../dist/detectors/chinese/tuning.js');
  const naive = { tw: OpenCC.Converter({ from: 'cn', to: 'tw' }), hk: OpenCC.Converter({ from: 'cn', to: 'hk' }), cn: OpenCC.Converter({ from: 'tw', to: 'cn' }) };

  const locales = {};
  const falseAlarms = [];
  const variants = [];
  const segments = { 'zh-TW': [], 'zh-HK': [], 'zh-CN': [] };
  for (const f of findLocaleFiles(root)) {
    const text = readFileSync(root + f.path, 'utf8');
    const fam = FAMILY[f.locale];
    const row = (locales[fam] ??= { files: 0, hanChars: 0, findings: 0, knownSlips: 0, falseAlarms: 0, naiveFlags: 0, variantFindings: 0 });
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
      segments[fam].push(piece);
    }
    for (const x of lintLocaleFile(f.path, text, f.locale)) {
      // Regional variants and preferences (爲 -> 為, 注釋 -> 註釋) are info, off by default for CI failure:
      // counted apart, never as false alarms of the Simplified / Traditional / Japanese warnings.
      if (x.kind === 'regional-variant') {
        row.variantFindings++;
        variants.push({ file: f.path, line: x.line, char: x.char, suggestion: x.suggestion, context: x.context });
        continue;
      }
      row.findings++;
      if (matches(KNOWN_SLIPS, f.path, x)) row.knownSlips++;
      else {
        row.falseAlarms++;
        const known = matches(KNOWN_FALSE_ALARMS, f.path, x);
        falseAlarms.push({ file: f.path, line: x.line, column: x.column, kind: x.kind, char: x.char, suggestion: x.suggestion, context: x.context, known });
      }
    }
  }
  for (const row of Object.values(locales)) {
    row.falseAlarmsPerMillion = round((row.falseAlarms / row.hanChars) * 1e6);
    row.naiveFlagsPerMillion = round((row.naiveFlags / row.hanChars) * 1e6);
    row.precision = row.findings ? round(row.knownSlips / row.findings, 4) : null;
  }

  const random = rng(seed);
  const pick = (arr) => arr[Math.floor(random() * arr.length)];
  const toSimp = OpenCC.Converter({ from: 'tw', to: 'cn' });
  const { VARIANT_PREFERENCES } = await import('../dist/detectors/chinese/tuning.js');
  const catchRate = {
    'zh-TW': injectIntoHant(segments['zh-TW'], 'zh-TW', { VARIANT_PREFERENCES, toSimp, back: naive.tw, simplifiedOnly: new Set(Array.from(ZH_SETS.simplifiedOnly)), ambiguous: new Set(Array.from(ZH_SETS.ambiguousHant)), injections, pick, detectZh }),
    // Cantonese 吓 晒 are written on purpose in HK text (not flagged there), so they are not injected as slips.
    'zh-HK': injectIntoHant(segments['zh-HK'], 'zh-HK', { VARIANT_PREFERENCES, toSimp: OpenCC.Converter({ from: 'hk', to: 'cn' }), back: naive.hk, simplifiedOnly: new Set(Array.from(ZH_SETS.simplifiedOnly).filter((c) => !HK_CANTONESE.has(c))), ambiguous: new Set(Array.from(ZH_SETS.ambiguousHant)), injections, pick, detectZh }),
    'zh-CN': {},
  };
  // The reverse, into genuine zh-CN text: a Simplified character replaced by its Traditional-only form.
  const toTrad = OpenCC.Converter({ from: 'cn', to: 'tw' });
  const traditionalOnly = new Set(Array.from(ZH_SETS.traditionalOnly));
  const hansSites = [];
  const cnSegments = segments['zh-CN'];
  cnSegments.forEach((seg, si) => {
    let off = 0;
    for (const c of seg) {
      const t = isHanCp(c.codePointAt(0)) ? toTrad(c) : c;
      if (t !== c && [...t].length === 1 && traditionalOnly.has(t)) hansSites.push([si, off, t]);
      off += c.length;
    }
  });
  const hans = (catchRate['zh-CN'].traditionalOnlyInHans = { injected: 0, caught: 0 });
  for (let n = 0; n < injections && hansSites.length; n++) {
    const [si, off, t] = pick(hansSites);
    const seg = cnSegments[si];
    const text = seg.slice(0, off) + t + seg.slice(off + t.length);
    hans.injected++;
    if (detectZh(text, 'zh-CN').some((h) => h.offset === off && h.kind === 'traditional-in-hans')) hans.caught++;
  }
  for (const rates of Object.values(catchRate)) for (const [k, r] of Object.entries(rates)) if (k !== 'sites') r.rate = r.injected ? round(r.caught / r.injected, 4) : null;
  return { seed, locales, falseAlarms, variants, catchRate };
}

/** Slips injected into genuine Traditional text of one locale: (a) Simplified-only, (b) in-phrase, (b') any. */
function injectIntoHant(segs, locale, { VARIANT_PREFERENCES, toSimp, back, simplifiedOnly, ambiguous, injections, pick, detectZh }) {
  const onlySites = [];
  const bothSites = [];
  segs.forEach((seg, si) => {
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
  // A slip is caught when it is reported at its place: as Simplified, or, for a character whose rewrite is a
  // variant preference (注 for 註, 回 for 迴: tuning.ts), as a regional variant, the kind it is reported as.
  const caughtAt = (seg, off, slip) => {
    const text = seg.slice(0, off) + slip + seg.slice(off + slip.length);
    return detectZh(text, locale).some((h) => h.offset === off && (h.kind === 'simplified-in-hant' || (h.kind === 'regional-variant' && VARIANT_PREFERENCES.has(slip))));
  };
  const rate = { all: { injected: 0, caught: 0 }, simplifiedOnly: { injected: 0, caught: 0 }, bothInPhrase: { injected: 0, caught: 0 }, bothAny: { injected: 0, caught: 0 } };
  // Every slip the issue names, at every place the genuine text offers one (not sampled).
  for (const [trad, simp] of [['於', '于'], ['後', '后'], ['裡', '里']]) {
    const r = (rate[`${trad}->${simp}`] = { injected: 0, caught: 0 });
    segs.forEach((seg) => {
      for (let off = seg.indexOf(trad); off >= 0; off = seg.indexOf(trad, off + 1)) {
        r.injected++;
        if (caughtAt(seg, off, simp)) r.caught++;
      }
    });
  }
  // Any single-character slip at a random place: a Traditional character whose Simplified form differs.
  const allSites = [...onlySites, ...bothSites];
  for (let n = 0; n < injections && allSites.length; n++) {
    const [si, off, , s] = pick(allSites);
    rate.all.injected++;
    if (caughtAt(segs[si], off, s)) rate.all.caught++;
  }
  for (let n = 0; n < injections && onlySites.length; n++) {
    const [si, off, , s] = pick(onlySites);
    rate.simplifiedOnly.injected++;
    if (caughtAt(segs[si], off, s)) rate.simplifiedOnly.caught++;
  }
  for (let n = 0; n < injections && bothSites.length; n++) {
    const [si, off, c, s] = pick(bothSites);
    const seg = segs[si];
    const caught = caughtAt(seg, off, s);
    rate.bothAny.injected++;
    if (caught) rate.bothAny.caught++;
    // Does OpenCC rewrite the slip back inside its phrase? Convert the Simplified form of the stretch
    // around it and see whether the character comes back (the definition of a detectable slip).
    const before = seg.slice(Math.max(0, off - 4), off);
    const after = seg.slice(off + c.length, off + c.length + 4);
    const simp = toSimp(before) + s + toSimp(after);
    const out = Array.from(back(simp));
    const at = Array.from(toSimp(before)).length;
    if (out.length === Array.from(simp).length && out[at] === c && back(s) !== c) {
      rate.bothInPhrase.injected++;
      if (caught) rate.bothInPhrase.caught++;
    }
  }
  rate.sites = { simplifiedOnly: onlySites.length, both: bothSites.length };
  return rate;
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
  console.log('locale  files  Han chars  findings  known slips  false alarms  precision  per million Han  variants (info)  (naive: what OpenCC converts, per million)');
  for (const [loc, x] of Object.entries(r.locales).sort()) {
    console.log(`${loc.padEnd(7)} ${String(x.files).padStart(5)} ${String(x.hanChars).padStart(10)} ${String(x.findings).padStart(9)} ${String(x.knownSlips).padStart(12)} ${String(x.falseAlarms).padStart(13)} ${String(x.precision).padStart(10)} ${String(x.falseAlarmsPerMillion).padStart(15)} ${String(x.variantFindings).padStart(16)}  (${x.naiveFlagsPerMillion})`);
  }
  console.log(`catch rate on injected single-character slips (seed ${r.seed}):`);
  for (const [loc, rates] of Object.entries(r.catchRate)) {
    for (const [k, v] of Object.entries(rates)) if (k !== 'sites') console.log(`  ${loc.padEnd(6)} ${k.padEnd(22)} ${v.caught}/${v.injected} = ${v.rate}`);
  }
  if (process.argv.includes('--list')) for (const v of r.variants) console.log(`regional variant (info): ${JSON.stringify(v)}`);
  for (const f of r.falseAlarms) if (!f.known || process.argv.includes('--list')) console.log(`${f.known ? 'known false alarm' : 'NEW false alarm'}: ${JSON.stringify(f)}`);
}
