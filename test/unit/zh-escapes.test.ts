// Locale files whose strings spell their characters as \uXXXX (Python's json.dump default, some bundlers) or
// \u{XXXXX} (JS): the zh linter reads them decoded, and each finding points at the escape in the file.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lintLocaleFile } from '../../src/sources/locales.js';
import { unescapeSegments } from '../../src/sources/extract/unescape.js';
import { LineIndex } from '../../src/util/position.js';

/** JSON as Python writes it by default: every non-ASCII UTF-16 unit as \uXXXX. */
const pythonJson = (value: unknown) => JSON.stringify(value, null, 2).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
const view = (fs: ReturnType<typeof lintLocaleFile>) => fs.map((f) => [f.kind, f.char, f.suggestion, f.line]);

describe('\\u escapes in locale files', () => {
  it('a Simplified character spelled \\u8bbe in zh-TW JSON is found, at the escape', () => {
    const text = '{\n  "save": "\\u4fdd\\u5b58\\u8bbe\\u5b9a"\n}\n'; // 保存设定: 设 is Simplified
    const found = lintLocaleFile('zh-TW.json', text, 'zh-TW');
    expect(found).toMatchObject([{ kind: 'simplified-in-hant', char: '设', suggestion: '設', line: 2, column: 24, context: '保存设定' }]);
    expect(text.split('\n')[1].slice(23, 29)).toBe('\\u8bbe');
  });

  it('an escaped backslash is text, not an escape; keys are not linted; \\u{...} in JS is decoded', () => {
    expect(lintLocaleFile('zh-TW.json', '{"a": "\\\\u8bbe"}', 'zh-TW')).toEqual([]);
    expect(lintLocaleFile('zh-TW.json', '{"\\u8bbe": "確定"}', 'zh-TW')).toEqual([]);
    const js = 'export default {\n  ok: "\\u{786E}\\u{8BA4}",\n};\n'; // 确认: both Simplified
    expect(lintLocaleFile('zh-TW.js', js, 'zh-TW').map((f) => [f.char, f.line, f.column])).toEqual([
      ['确', 2, 8],
      ['认', 2, 16],
    ]);
  });

  it('the same findings as the unescaped file, each pointing at a backslash-u in the escaped one (property)', () => {
    // Characters valid only in one script, both-script characters and ASCII, in short values.
    const unit = fc.constantFrom(...'设确认请这个为们软体設確認請這個為們軟體的是在中文 ab,.!'.split(''), '𠮷');
    const values = fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), fc.array(unit, { maxLength: 12 }).map((a) => a.join('')), { maxKeys: 6 });
    fc.assert(
      fc.property(values, fc.constantFrom('zh-TW', 'zh-CN') as fc.Arbitrary<'zh-TW' | 'zh-CN'>, (obj, locale) => {
        const plain = JSON.stringify(obj, null, 2);
        const escaped = pythonJson(obj);
        const a = lintLocaleFile('x.json', plain, locale);
        const b = lintLocaleFile('x.json', escaped, locale);
        expect(view(b)).toEqual(view(a));
        const lines = new LineIndex(escaped);
        for (const f of b) expect(lines.lineText(f.line).slice(f.column - 1, f.column + 1)).toBe('\\u');
      }),
      { numRuns: 300 },
    );
  });

  it('maps every decoded offset back into the file; a file without escapes is left alone', () => {
    expect(unescapeSegments('{"a": "設定"}', [{ start: 7, end: 9 }])).toBeNull();
    const text = '"x\\u4e2d\\u{20BB7}y"';
    const u = unescapeSegments(text, [{ start: 1, end: text.length - 1 }])!;
    expect(u.text).toBe('"x中𠮷y"');
    expect(u.segments).toEqual([{ start: 1, end: 6 }]);
    expect([0, 1, 2, 3, 4, 5, 6].map((o) => u.toSource(o))).toEqual([0, 1, 2, 8, 8, 17, 18]);
  });
});
