// The zh detector on the cases the issue names: what must be reported, and what must not.
import { describe, expect, it } from 'vitest';
import { detectZh } from '../../src/detectors/chinese/index.js';
import { detectLocale, lintLocaleFile } from '../../src/sources/locales.js';

const chars = (text: string, locale: Parameters<typeof detectZh>[1], kind?: string) =>
  detectZh(text, locale)
    .filter((h) => !kind || h.kind === kind)
    .map((h) => `${h.char}>${h.suggestion}`);

describe('simplified-in-hant', () => {
  it('reports Simplified-only characters with the Traditional form in context', () => {
    expect(chars('請輸入设定的说明', 'zh-TW')).toEqual(['设>設', '说>說']);
    expect(chars('头发很长', 'zh-TW')).toEqual(['头>頭', '发>髮', '长>長']);
  });

  it('reports a both-script character only where OpenCC rewrites it inside its phrase', () => {
    expect(chars('之后再說', 'zh-TW')).toEqual(['后>後']);
    expect(chars('请确認', 'zh-TW')).toEqual(['请>請', '确>確']);
    expect(chars('要么現在', 'zh-TW')).toEqual(['么>麼']);
    expect(chars('在里面', 'zh-TW')).toEqual(['里>裡']);
    expect(chars('複制連結', 'zh-TW')).toEqual(['制>製']);
  });

  it('does not report both-script characters used correctly, nor OpenCC segmentation accidents', () => {
    // 人籲再幹面 is opencc-js's own cn->tw output of 人吁再干面 (a case fast-check found): OpenCC segments
    // 再干 + 面 there, so no phrase rewrites 面. 最多只可 and 阿斯圖里亞文 hold a phrase that rewrites (多只,
    // 图里) beside one that keeps (只可, 里亚).
    for (const ok of ['皇后與國王', '避免干擾', '歡迎來到台灣', '我了解了', '裡面包含三個檔案', '五公里', '阿斯圖里亞文', '美制單位', '分布式', '占用空間', '游標位置', '若干擾動', '人籲再幹面', '最多只可有一個']) {
      expect([ok, chars(ok, 'zh-TW')]).toEqual([ok, []]);
    }
  });

  it('gives no verdict where the full OpenCC table lists a reading that keeps the character (不准 -> 不準 | 不准)', () => {
    // opencc-js keeps only the first reading; CLDR zh-Hant-HK writes 不准通行 ("no entry") and 🥶 冷面.
    for (const loc of ['zh-TW', 'zh-HK'] as const) {
      for (const ok of ['不准通行', '不准使用手機', '冷面', '下面']) expect([ok, loc, chars(ok, loc)]).toEqual([ok, loc, []]);
    }
    // Only the phrase with two readings: 不准确 ("inaccurate", one reading 不準確) is still a slip.
    expect(chars('不准确', 'zh-TW')).toEqual(['准>準', '确>確']);
  });

  it('accepts Taiwan standard forms where OpenCC picks a variant, and the disputed phrases 膠卷, 黑面', () => {
    // CLDR zh-Hant / zh-Hant-HK emoji annotations, each a false alarm before.
    for (const ok of ['攀岩者', '弦樂器', '管弦樂', '拐杖', '扣針', '升天', '彩帶', '彩球', '吸血僵屍', '電影膠卷', '黑面']) {
      for (const loc of ['zh-TW', 'zh-HK'] as const) expect([ok, loc, chars(ok, loc)]).toEqual([ok, loc, []]);
    }
    // 门里 ends a transliteration (CLDR zh-Hant-HK's Yemeni rial); the locative after 在 is still a slip.
    for (const loc of ['zh-TW', 'zh-HK'] as const) expect(chars('也門里雅', loc)).toEqual([]);
    expect(chars('放在門里', 'zh-TW')).toEqual(['里>裡']);
    expect(chars('放在門里', 'zh-HK')).toEqual(['里>裏']);
    // Variant preferences (卷 for 捲, 回 for 迴) are regional variants (info), not Simplified; 面 for 麵 is a slip.
    expect(chars('卷髮', 'zh-TW', 'simplified-in-hant')).toEqual([]);
    expect(chars('卷髮', 'zh-TW', 'regional-variant')).toEqual(['卷>捲']);
    expect(chars('迴紋針', 'zh-TW')).toEqual([]);
    expect(chars('回紋針', 'zh-TW', 'regional-variant')).toEqual(['回>迴']);
    expect(chars('面包屑', 'zh-TW')).toEqual(['面>麵']);
    expect(chars('黑面包', 'zh-TW')).toEqual(['面>麵']);
  });

  it('accepts Cantonese 吓 and 晒 in zh-HK only: HK rules never apply to TW', () => {
    expect(chars('等一吓，全部刪晒', 'zh-HK')).toEqual([]);
    expect(chars('等一吓，全部刪晒', 'zh-TW')).toEqual(['吓>嚇', '晒>曬']);
  });

  it('judges HK text by what both regions accept (群島 is HK usage although OpenCC HK writes 羣)', () => {
    expect(chars('奧蘭群島', 'zh-HK')).toEqual([]);
    expect(chars('之后', 'zh-HK')).toEqual(['后>後']);
  });
});

describe('variant preferences and merged characters (issue 21)', () => {
  it('reports a Traditional character OpenCC spells otherwise in its phrase as a regional variant, never as Simplified', () => {
    // GNOME zh_TW / zh_HK .po text, each reported as Simplified before.
    for (const [text, want] of [['自動儲存周期', '周>週'], ['折疊資料夾', '折>摺'], ['注釋', '注>註'], ['視窗大小和坐標', '坐>座'], ['馬托格羅索州', '托>託']] as const) {
      for (const loc of ['zh-TW', 'zh-HK'] as const) {
        expect([text, loc, chars(text, loc, 'simplified-in-hant')]).toEqual([text, loc, []]);
        expect([text, loc, chars(text, loc, 'regional-variant')]).toEqual([text, loc, [want]]);
      }
    }
    // Simplified spellings no Taiwan dictionary gives stay Simplified: 關系, 放松, 一只, 老板.
    expect(chars('關系', 'zh-TW', 'simplified-in-hant')).toEqual(['系>係']);
    expect(chars('放松', 'zh-TW', 'simplified-in-hant')).toEqual(['松>鬆']);
  });

  it('reports a phrase rewrite of a character a region writes otherwise as a regional variant in every zh-Hant locale', () => {
    // 棱 is Taiwan's variant of 稜 and Traditional all the same; OpenCC's phrase 丹棱 -> 丹稜 once made it
    // Simplified in zh-HK and zh-Hant (the random property drew it in CI).
    for (const loc of ['zh-TW', 'zh-HK', 'zh-Hant'] as const) {
      expect([loc, chars('丹棱所', loc, 'simplified-in-hant')]).toEqual([loc, []]);
      expect([loc, chars('丹棱所', loc, 'regional-variant')]).toEqual([loc, ['棱>稜']]);
    }
  });

  it('reports 于 and 后 wherever OpenCC converts them, its one-character default included, and keeps its names', () => {
    // Missed before: no phrase names these contexts (GNOME calculator, gedit).
    expect(chars('數僅定義于實數', 'zh-TW')).toEqual(['于>於']);
    expect(chars('3 個月后', 'zh-TW')).toEqual(['后>後']);
    expect(chars('選取文字后，才能使用', 'zh-TW')).toEqual(['后>後']);
    expect(chars('3 個月后', 'zh-HK')).toEqual(['后>後']);
    for (const ok of ['皇后', '王后', '后冠', '于右任', '后里區']) expect([ok, chars(ok, 'zh-TW')]).toEqual([ok, []]);
  });

  it('reports 里 after 在 in the same run (the locative 裡), not in 公里 or names', () => {
    expect(chars('在框框里', 'zh-TW')).toEqual(['里>裡']);
    expect(chars('在編碼選單里顯示', 'zh-TW')).toEqual(['里>裡']);
    for (const ok of ['在十公里外', '在斯里蘭卡', '美洲/圖里', '在 5 公里', '里程']) expect([ok, chars(ok, 'zh-TW')]).toEqual([ok, []]);
  });
});

describe('traditional-in-hans', () => {
  it('reports Traditional-only characters and phrase rewrites, not shared forms', () => {
    expect(chars('這是測試', 'zh-CN')).toEqual(['這>这', '測>测', '試>试']);
    expect(chars('他不瞭解', 'zh-CN')).toEqual(['瞭>了']);
    expect(chars('瞭望塔，土著，乾隆年間', 'zh-CN', 'traditional-in-hans')).toEqual(['間>间']);
  });
});

describe('regional-variant and japanese-form', () => {
  it('TW: OpenCC-standard forms Taiwan replaces; HK: only forms neither region writes', () => {
    expect(chars('爲什麼啓動裏面着急峯', 'zh-TW')).toEqual(['爲>為', '啓>啟', '裏>裡', '着>著', '峯>峰']);
    expect(chars('爲什麼啓動', 'zh-HK')).toEqual(['爲>為']);
    expect(chars('爲什麼啓動', 'zh-Hant')).toEqual([]);
  });

  it('shinjitai are reported as Japanese forms with the locale script form', () => {
    expect(chars('発行一覧変更歩道', 'zh-TW')).toEqual(['発>發', '覧>覽', '変>變', '歩>步']);
    expect(chars('発行一覧', 'zh-CN')).toEqual(['発>发', '覧>览']);
    expect(chars('研究概念', 'zh-TW')).toEqual([]);
  });

  it('a Japanese form that is a whole translated string names the glyph (CLDR: 🈺 is 営); within text it is reported', () => {
    const json = '{"🈺": ["営", "按鈕"], "💴": ["円"], "a": "営業時間", "b": "円形", "c": " 円"}';
    const found = lintLocaleFile('zh-Hant-HK/annotations.json', json, 'zh-HK');
    expect(found.map((f) => `${f.kind}:${f.context}`)).toEqual(['japanese-form:営業時間', 'japanese-form:円形', 'japanese-form:円']);
  });
});

describe('positions', () => {
  it('are UTF-16 offsets from detectZh and code-point columns from lintLocaleFile', () => {
    const text = '𠮷𠮷设';
    expect(detectZh(text, 'zh-TW')[0].offset).toBe(4);
    const [f] = lintLocaleFile('a.txt', `第一行\n𠮷𠮷设`, 'zh-TW');
    expect([f.line, f.column, f.char]).toEqual([2, 3, '设']);
  });
});

describe('ignores', () => {
  it('allow-listed phrases per locale (zh-Hant covers zh-TW; "*" every locale)', () => {
    const json = '{"zh_CN": "简体中文", "note": "简体"}';
    expect(lintLocaleFile('zh-TW.json', json, 'zh-TW').map((f) => f.char)).toEqual(['简', '体', '简', '体']);
    expect(lintLocaleFile('zh-TW.json', json, 'zh-TW', { allow: { 'zh-TW': ['简体中文'] } }).map((f) => f.column)).toEqual([28, 29]);
    expect(lintLocaleFile('zh-TW.json', json, 'zh-TW', { allow: { 'zh-Hant': ['简体'] } })).toEqual([]);
    expect(lintLocaleFile('zh-TW.json', json, 'zh-TW', { allow: { 'zh-CN': ['简体'] } })).toHaveLength(4);
    expect(lintLocaleFile('zh-TW.json', json, 'zh-TW', { allow: { '*': ['简', '体'] } })).toEqual([]);
  });

  it('inline clipguard-ignore on the line or the line above, for the finding rule only', () => {
    const yaml = 'a: 简体 # clipguard-ignore i18n/simplified-in-hant -- autonym\n# clipguard-ignore-next-line i18n\nb: 简体\nc: 简体 # clipguard-ignore i18n/regional-variant\n';
    const got = lintLocaleFile('zh-TW.yml', yaml, 'zh-TW').map((f) => [f.line, f.inlineIgnored]);
    expect(got).toEqual([
      [1, true],
      [1, true],
      [3, true],
      [3, true],
      [4, false],
      [4, false],
    ]);
  });
});

describe('locale detection', () => {
  it('reads zh tags in folder or file names, innermost first', () => {
    const cases: Record<string, string | null> = {
      'locales/zh-TW/common.json': 'zh-TW',
      'i18n/zh_TW.po': 'zh-TW',
      'messages.zh-Hant.json': 'zh-Hant',
      'lang/zh_Hant_HK/app.yml': 'zh-HK',
      'zh-HK.json': 'zh-HK',
      'zh-CN/a.md': 'zh-CN',
      'zh-Hans.json': 'zh-Hans',
      'src/zh_CN.ts': 'zh-CN',
      'locales/zh-TW/zh-CN-terms.json': 'zh-CN',
      'zh_tweaks.json': null,
      'docs/en/readme.md': null,
    };
    for (const [path, want] of Object.entries(cases)) expect([path, detectLocale(path)]).toEqual([path, want]);
  });

  it('config overrides by glob come first, "none" excludes', () => {
    const overrides = [
      { glob: 'legacy/**', locale: 'zh-HK' as const },
      { glob: '**/zh-TW/vendor/**', locale: 'none' as const },
    ];
    expect(detectLocale('legacy/strings.json', overrides)).toBe('zh-HK');
    expect(detectLocale('legacy/zh-TW.json', overrides)).toBe('zh-HK');
    expect(detectLocale('app/zh-TW/vendor/x.json', overrides)).toBeNull();
    expect(detectLocale('app/zh-TW/x.json', overrides)).toBe('zh-TW');
  });
});
