// Extractors: only translated text is linted, and every finding maps back to the file's line and column.
import { describe, expect, it } from 'vitest';
import { extractSegments } from '../../src/sources/extract/index.js';
import { lintLocaleFile } from '../../src/sources/locales.js';

const texts = (path: string, text: string) => extractSegments(path, text).map((s) => text.slice(s.start, s.end));
const found = (path: string, text: string) => lintLocaleFile(path, text, 'zh-TW').map((f) => `${f.char}@${f.line}:${f.column}`);

describe('extractors', () => {
  it('JSON: values, not keys; nested; comments skipped; {{placeholders}} cut out', () => {
    const json = '{\n  // 说明\n  "设置": {"title": "设定", "list": ["一", "说"]},\n  "n": "{{用户}}好"\n}';
    expect(texts('a.json', json)).toEqual(['设定', '一', '说', '好']);
    expect(found('a.json', json)).toEqual(['设@3:20', '说@3:40']);
  });

  it('YAML: scalar values, not keys, block scalars included', () => {
    const yaml = '设置: 设定\nnested:\n  说明: |\n    第一行\n    说明\nlist:\n  - "说"\n';
    expect(texts('a.yml', yaml).map((t) => t.trim())).toEqual(['设定', '|\n    第一行\n    说明', '"说"']);
    expect(found('a.yml', yaml)).toEqual(['设@1:5', '说@5:5', '说@7:6']);
    expect(found('a.yml', '设置: 確定\n---\n说明: 设定\n')).toEqual(['设@3:5']);
  });

  it('.po: msgstr only (with continuation lines), not the header, msgid, comments or obsolete #~ entries', () => {
    const po = [
      'msgid ""',
      'msgstr ""',
      '"Last-Translator: 张三\\n"',
      '',
      '# 译者注释',
      '#: src/a.ts:1',
      'msgid "说明"',
      'msgstr "說"',
      '"说明"',
      '',
      'msgctxt "menu"',
      'msgid "File"',
      'msgid_plural "Files"',
      'msgstr[0] "档案"',
      '',
      '#~ msgid "Old"',
      '#~ msgstr "旧"',
    ].join('\n');
    expect(texts('zh_TW.po', po)).toEqual(['說', '说明', '档案']);
    expect(found('zh_TW.po', po)).toEqual(['说@9:2', '档@14:12']);
  });

  it('Markdown: prose only, not code fences, inline code, URLs, link targets, HTML comments or tags', () => {
    const md = [
      '---',
      'title: 说明',
      '---',
      '# 说明',
      '',
      '执行 `npm run 开发` 或見 [文件](https://example.com/简体) 與 https://x.io/这 。',
      '',
      '```sh',
      'echo 简体',
      '```',
      '<!-- 这是注释 -->',
      '<img alt="图" src="a.png"> 图',
    ].join('\n');
    expect(found('README.zh-TW.md', md)).toEqual(['说@2:8', '说@4:3', '执@6:1', '图@12:27']);
  });

  it('JS/TS locale modules: string values, not keys or comments', () => {
    const ts = "// 说明\nexport default {\n  '设置': '设定',\n  title: `共 ${n} 条`,\n};\n";
    expect(found('zh_TW.ts', ts)).toEqual(['设@3:10', '条@4:18']);
  });

  it('plain text: the whole file', () => {
    expect(found('notes.txt', 'a\n设')).toEqual(['设@2:1']);
  });
});
