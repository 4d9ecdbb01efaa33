// Properties of the zh detector (fast-check), over text built from characters of the genuine locale files,
// so generated strings look like the Chinese the detector meets.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import * as OpenCC from 'opencc-js';
import { describe, expect, it } from 'vitest';
import { detectZh, ZH_SETS } from '../../src/detectors/chinese/index.js';
import { direction } from '../../src/detectors/chinese/convert.js';
import { HK_CANTONESE, VARIANT_PREFERENCES } from '../../src/detectors/chinese/tuning.js';
import { lintLocaleFile } from '../../src/sources/locales.js';
import { extractSegments } from '../../src/sources/extract/index.js';

const REAL = join(import.meta.dirname, '../../fixtures/locales-real');
const hanIn = (file: string) => Array.from(readFileSync(join(REAL, file), 'utf8')).filter((c) => /\p{Script=Han}/u.test(c));
const traditionalPool = [...new Set([...hanIn('typescript-5.9.3/zh-tw/diagnosticMessages.generated.json'), ...hanIn('cldr-48.2.0/zh-Hant/languages.json')])];
const simplifiedPool = [...new Set([...hanIn('typescript-5.9.3/zh-cn/diagnosticMessages.generated.json'), ...hanIn('cldr-48.2.0/zh-Hans/territories.json')])];
const simplifiedOnly = new Set<string>(Array.from(ZH_SETS.simplifiedOnly as string));
const t2s: (text: string) => string = OpenCC.Converter({ from: 'tw', to: 'cn' });
const s2tw: (text: string) => string = OpenCC.Converter({ from: 'cn', to: 'tw' });

const words = (pool: string[]) => fc.array(fc.constantFrom(...pool), { minLength: 1, maxLength: 12 }).map((cs) => cs.join(''));
const text = (pool: string[]) => fc.array(fc.oneof({ weight: 5, arbitrary: words(pool) }, { weight: 1, arbitrary: fc.constantFrom('，', '。', ' ', 'OK', '{0}', '𠮷', '\n') }), { maxLength: 8 }).map((p) => p.join(''));

describe('zh detector properties', () => {
  it('Traditional text converted to Simplified and linted as zh-Hant (and zh-TW) is reported at every Simplified-only character', () => {
    // No alignment of input and output needed (tw->cn phrases may change the length): every Simplified-only
    // character of the output is checked where it stands, whichever input character it came from.
    fc.assert(
      fc.property(text(traditionalPool), (trad) => {
        const simp = t2s(trad);
        for (const locale of ['zh-Hant', 'zh-TW'] as const) {
          const hits = detectZh(simp, locale);
          let offset = 0;
          let any = false;
          for (const c of simp) {
            if (simplifiedOnly.has(c)) {
              any = true;
              expect(hits.some((h) => h.offset === offset && h.kind === 'simplified-in-hant')).toBe(true);
            }
            offset += c.length;
          }
          if (any) expect(hits.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('the cn->tw output of opencc-js is never reported as Simplified in zh-Hant nor in zh-TW', () => {
    fc.assert(
      fc.property(text(simplifiedPool), (simp) => {
        const tw = s2tw(simp);
        expect(detectZh(tw, 'zh-Hant').filter((h) => h.kind === 'simplified-in-hant')).toEqual([]);
        expect(detectZh(tw, 'zh-TW').filter((h) => h.kind === 'simplified-in-hant')).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('the cn->hk output is never reported as Simplified in zh-HK, nor the tw->cn output as Traditional in zh-CN', () => {
    const s2hk: (text: string) => string = OpenCC.Converter({ from: 'cn', to: 'hk' });
    fc.assert(
      fc.property(text(simplifiedPool), text(traditionalPool), (simp, trad) => {
        expect(detectZh(s2hk(simp), 'zh-HK').filter((h) => h.kind === 'simplified-in-hant')).toEqual([]);
        // Only where opencc-js's output is its own fixed point: tw->cn leaves 迴覆所 as 回覆所, which the same
        // converter then turns into 回复所, so 覆 there is Traditional by OpenCC's own tables (seed -1965008188).
        const cn = t2s(trad);
        if (t2s(cn) === cn) expect(detectZh(cn, 'zh-CN').filter((h) => h.kind === 'traditional-in-hans')).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('every finding points at its character: line and column in code points', () => {
    const mixed = fc.array(fc.oneof(words(simplifiedPool), words(traditionalPool), fc.constantFrom('\n', '\r\n', 'ab ', '𠮷𠮷', '😀', '\t')), { maxLength: 15 }).map((p) => p.join(''));
    fc.assert(
      fc.property(mixed, (content) => {
        const lines = content.split('\n').map((l) => l.replace(/\r$/, ''));
        for (const f of lintLocaleFile('notes.txt', content, 'zh-TW')) {
          expect(Array.from(lines[f.line - 1])[f.column - 1]).toBe(f.char);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("the detector's own conversion (compiled tables, no opencc-js at run time) is opencc-js's cn->tw and cn->hk", () => {
    const s2hk: (text: string) => string = OpenCC.Converter({ from: 'cn', to: 'hk' });
    fc.assert(
      fc.property(text(simplifiedPool), text(traditionalPool), (simp, trad) => {
        for (const input of [simp, t2s(trad)]) {
          expect(direction('tw').convert(input)).toBe(s2tw(input));
          expect(direction('hk').convert(input)).toBe(s2hk(input));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a regional variant or variant preference is never reported as simplified-in-hant, and no character gets two kinds', () => {
    const twVariants = Object.keys(ZH_SETS.twVariants as Record<string, string>);
    const variantPool = [...traditionalPool, ...VARIANT_PREFERENCES, ...twVariants];
    fc.assert(
      fc.property(text(variantPool), (trad) => {
        for (const locale of ['zh-TW', 'zh-HK', 'zh-Hant'] as const) {
          const hits = detectZh(trad, locale);
          for (const h of hits) if (h.kind === 'simplified-in-hant') expect([h.char, VARIANT_PREFERENCES.has(h.char) || twVariants.includes(h.char)]).toEqual([h.char, false]);
          const offsets = hits.map((h) => h.offset);
          expect(new Set(offsets).size).toBe(offsets.length);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('every Simplified-only character injected into Traditional text is reported where it stands, in zh-TW and zh-HK', () => {
    const only = [...simplifiedOnly].filter((c) => /\p{Script=Han}/u.test(c));
    const slip = fc.record({ at: fc.nat(), ch: fc.constantFrom(...only) });
    fc.assert(
      fc.property(text(traditionalPool), fc.array(slip, { minLength: 1, maxLength: 4 }), (trad, slips) => {
        const chars = Array.from(trad);
        for (const { at, ch } of slips) chars.splice(at % (chars.length + 1), 0, ch);
        const input = chars.join('');
        for (const locale of ['zh-TW', 'zh-HK'] as const) {
          const hits = detectZh(input, locale);
          let offset = 0;
          for (const c of chars) {
            if (simplifiedOnly.has(c) && !(locale === 'zh-HK' && HK_CANTONESE.has(c))) expect([c, offset, hits.some((h) => h.offset === offset && h.kind === 'simplified-in-hant')]).toEqual([c, offset, true]);
            offset += c.length;
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('JSON and .po extractors map each value back to its source text, and never to a key or msgid', () => {
    const value = fc.oneof(words(simplifiedPool), words(traditionalPool), fc.constantFrom('a𠮷b', '設定 {0}'));
    fc.assert(
      fc.property(fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), value, { minKeys: 1, maxKeys: 6 }), (obj) => {
        const json = JSON.stringify(obj, null, 2);
        const got = extractSegments('x.json', json).map((s) => json.slice(s.start, s.end));
        expect(got).toEqual(Object.values(obj));
        const entries = Object.entries(obj).map(([k, v]) => `#: src/${k}.ts\nmsgid "${k}"\nmsgstr "${v}"\n`).join('\n');
        const po = `msgid ""\nmsgstr "Language: zh_TW\\n"\n\n${entries}`;
        const fromPo = extractSegments('x.po', po).map((s) => po.slice(s.start, s.end));
        expect(fromPo).toEqual(Object.values(obj));
      }),
      { numRuns: 200 },
    );
  });
});
