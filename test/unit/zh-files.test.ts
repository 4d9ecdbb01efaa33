// Locale files on disk: what is read, what is skipped with a note, and what `clipguard i18n` reports,
// including SARIF regions that point at the exact character (columns in code points).
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { readLocaleSubjects } from '../../src/sources/locale-subjects.js';
import { findLocaleFiles, MAX_LOCALE_FILE_BYTES } from '../../src/sources/locales.js';
import { cli, tempDir } from '../helpers/cli.js';

function repo() {
  const root = tempDir('clipguard-zh-');
  const outside = tempDir('clipguard-zh-outside-');
  writeFileSync(join(outside, 'zh-TW.json'), '{"a": "设定"}');
  mkdirSync(join(root, 'locales/zh-TW'), { recursive: true });
  writeFileSync(join(root, 'locales/zh-TW/app.json'), '{\n  "title": "𠮷 请确认",\n  "ok": "確定"\n}\n');
  writeFileSync(join(root, 'locales/zh-TW/logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 1, 2]));
  writeFileSync(join(root, 'locales/zh-TW/latin1.txt'), Buffer.from([0x61, 0xe9, 0xff, 0x62]));
  writeFileSync(join(root, 'zh-CN.json'), '{"a": "设定"}');
  symlinkSync(join(outside, 'zh-TW.json'), join(root, 'locales/zh-TW/linked.json'));
  symlinkSync(outside, join(root, 'locales/outside'));
  symlinkSync(join(root, 'locales/zh-TW/app.json'), join(root, 'zh-HK.json'));
  return root;
}

describe('locale files on disk', () => {
  it('follows links inside the repo only, and skips binary and non-UTF-8 files with a note', () => {
    const root = repo();
    const config = loadConfig(root, { noConfigFile: true }, {});
    const { subjects, skipped } = readLocaleSubjects(root, config);
    expect(subjects.map((s) => s.id).sort()).toEqual(['locales/zh-TW/app.json', 'zh-CN.json', 'zh-HK.json']);
    expect(skipped).toEqual(
      expect.arrayContaining([
        { path: 'locales/zh-TW/linked.json', reason: 'symbolic link leading outside the repository: not read' },
        { path: 'locales/outside', reason: 'symbolic link leading outside the repository: not read' },
        { path: 'locales/zh-TW/logo.png', reason: 'binary (NUL bytes): not linted' },
        { path: 'locales/zh-TW/latin1.txt', reason: 'not valid UTF-8: not linted' },
      ]),
    );
  });

  it('skips files over the size limit', () => {
    const root = tempDir('clipguard-zh-big-');
    writeFileSync(join(root, 'zh-TW.txt'), Buffer.alloc(MAX_LOCALE_FILE_BYTES + 1, 0x61));
    const { subjects, skipped } = readLocaleSubjects(root, loadConfig(root, { noConfigFile: true }, {}));
    expect(subjects).toEqual([]);
    expect(skipped[0].reason).toMatch(/larger than 5 MB/);
  });

  it('include, exclude and locale overrides come from the config', () => {
    const root = repo();
    expect(findLocaleFiles(root, { exclude: ['locales/**'] }).map((f) => f.path).sort()).toEqual(['zh-CN.json', 'zh-HK.json']);
    expect(findLocaleFiles(root, { include: ['*.json'], overrides: [{ glob: 'zh-CN.json', locale: 'zh-TW' }] })).toEqual([
      { path: 'zh-CN.json', locale: 'zh-TW' },
      { path: 'zh-HK.json', locale: 'zh-HK' },
    ]);
  });

  it('rejects an unknown locale in the config, naming the field', () => {
    const root = tempDir('clipguard-zh-cfg-');
    writeFileSync(join(root, 'clipguard.config.json'), JSON.stringify({ i18n: { locales: [{ glob: '**', locale: 'zh-XX' }] } }));
    expect(() => loadConfig(root, {}, {})).toThrow(/i18n\.locales\.0\.locale/);
    writeFileSync(join(root, 'clipguard.config.json'), JSON.stringify({ i18n: { allow: { 'zh-TW': ['简体中文'] } } }));
    expect(loadConfig(root, {}, {}).i18n.allow).toEqual({ 'zh-TW': ['简体中文'] });
  });
});

describe('clipguard i18n', () => {
  it('SARIF regions point at the exact character, in code points after an Extension B character', () => {
    const root = repo();
    const r = cli(['i18n', 'locales', '--format', 'sarif'], { cwd: root });
    expect(r.code).toBe(1);
    const run = JSON.parse(r.stdout).runs[0];
    expect(run.columnKind).toBe('unicodeCodePoints');
    const got = run.results.map((x: any) => [x.ruleId, x.locations[0].physicalLocation.artifactLocation.uri, x.locations[0].physicalLocation.region]).sort((a: any, b: any) => a[2].startColumn - b[2].startColumn);
    // Line 2 is `  "title": "𠮷 请确认",`: 𠮷 is two UTF-16 units but one column, so 请 is column 15.
    expect(got).toEqual([
      ['i18n/simplified-in-hant', 'locales/zh-TW/app.json', { startLine: 2, startColumn: 15 }],
      ['i18n/simplified-in-hant', 'locales/zh-TW/app.json', { startLine: 2, startColumn: 16 }],
      ['i18n/simplified-in-hant', 'locales/zh-TW/app.json', { startLine: 2, startColumn: 17 }],
    ]);
    const line = '  "title": "𠮷 请确认",';
    expect(Array.from(line)[15 - 1]).toBe('请');
    expect(r.stderr + JSON.stringify(run.invocations)).not.toContain('设定');
  });

  it('text output names the character, the suggestion and the place; skipped files are noted', () => {
    const root = repo();
    const r = cli(['i18n', '.', '--format', 'json'], { cwd: root });
    const report = JSON.parse(r.stdout);
    const messages = report.findings.map((f: any) => f.message);
    expect(messages).toContain('Simplified 认 in zh-TW text at locales/zh-TW/app.json:2:17: use 認 (𠮷 请确认)');
    expect(messages).toContain('Simplified 请 in zh-HK text at zh-HK.json:2:15: use 請 (𠮷 请确认)');
    expect(report.findings.filter((f: any) => f.subject.label === 'zh-CN.json')).toEqual([]);
    expect(report.sources[0].detail).toMatch(/skipped .*linked\.json \(symbolic link leading outside the repository: not read\)/);
  });

  it('--locale lints a file whose path names no locale; an unknown locale is a usage error', () => {
    const root = tempDir('clipguard-zh-flag-');
    writeFileSync(join(root, 'strings.json'), '{"a": "设定"}');
    expect(JSON.parse(cli(['i18n', 'strings.json', '--format', 'json'], { cwd: root }).stdout).findings).toEqual([]);
    const r = cli(['i18n', 'strings.json', '--locale', 'zh-TW', '--format', 'json'], { cwd: root });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).findings.map((f: any) => f.message)).toEqual(['Simplified 设 in zh-TW text at strings.json:1:8: use 設 (设定)']);
    const bad = cli(['i18n', 'strings.json', '--locale', 'zh-XX'], { cwd: root });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('Allowed choices are zh-TW, zh-HK, zh-Hant, zh-CN, zh-Hans, zh-SG');
  });
});
