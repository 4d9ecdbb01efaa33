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

// The locale comes from the file's whole path (from the repository root, the config's folder or the cwd),
// whatever part of it the argument names: a file, a folder inside a zh-TW folder, or a folder under a glob.
describe('clipguard i18n <path> reads the locale from the full path', () => {
  // Two Simplified characters (简 体) in zh-Hant text; 字 is the same in both scripts.
  const simplified = JSON.stringify({ x: '简体字' });
  const findings = (r: { stdout: string }) => JSON.parse(r.stdout).findings.map((f: any) => `${f.ruleId} ${f.subject.label}`);

  function zhTwRepo() {
    const root = tempDir('clipguard-zh-path-');
    mkdirSync(join(root, 'locales/zh-TW/sub'), { recursive: true });
    writeFileSync(join(root, 'locales/zh-TW/a.json'), simplified);
    writeFileSync(join(root, 'locales/zh-TW/sub/b.json'), simplified);
    writeFileSync(join(root, 'locales/zh-TW/clean.json'), JSON.stringify({ x: '確定' }));
    return root;
  }

  it('a zh-TW file given by itself is zh-TW', () => {
    const root = zhTwRepo();
    const r = cli(['i18n', 'locales/zh-TW/a.json', '--format', 'json'], { cwd: root });
    expect(r.code).toBe(1);
    expect(findings(r)).toEqual(['i18n/simplified-in-hant locales/zh-TW/a.json', 'i18n/simplified-in-hant locales/zh-TW/a.json']);
    const nested = cli(['i18n', 'zh-TW/sub/b.json', '--format', 'json'], { cwd: join(root, 'locales') });
    expect(nested.code).toBe(1);
    expect(findings(nested)).toEqual(['i18n/simplified-in-hant zh-TW/sub/b.json', 'i18n/simplified-in-hant zh-TW/sub/b.json']);
  });

  it('a zh-TW folder given by itself, or `.` inside it, is zh-TW', () => {
    const root = zhTwRepo();
    const r = cli(['i18n', 'locales/zh-TW', '--format', 'json'], { cwd: root });
    expect(r.code).toBe(1);
    expect(findings(r).sort()).toEqual([
      'i18n/simplified-in-hant locales/zh-TW/a.json',
      'i18n/simplified-in-hant locales/zh-TW/a.json',
      'i18n/simplified-in-hant locales/zh-TW/sub/b.json',
      'i18n/simplified-in-hant locales/zh-TW/sub/b.json',
    ]);
    expect(JSON.parse(r.stdout).sources[0].detail).toBe('3 locale file(s)');
    // From inside the folder, the repository root (a .git folder above) is where the path starts.
    mkdirSync(join(root, '.git'));
    const inside = cli(['i18n', '.', '--format', 'json'], { cwd: join(root, 'locales/zh-TW/sub') });
    expect(inside.code).toBe(1);
    expect(findings(inside)).toEqual(['i18n/simplified-in-hant b.json', 'i18n/simplified-in-hant b.json']);
  });

  function globRepo() {
    const root = tempDir('clipguard-zh-glob-');
    writeFileSync(join(root, 'clipguard.config.json'), JSON.stringify({ i18n: { locales: [{ glob: 'legacy/**', locale: 'zh-HK' }] } }));
    mkdirSync(join(root, 'legacy/ui/strings'), { recursive: true });
    writeFileSync(join(root, 'legacy/ui/strings/main.json'), simplified);
    return root;
  }
  const twice = (p: string) => [`i18n/simplified-in-hant ${p}`, `i18n/simplified-in-hant ${p}`];

  it('a nested folder or file under a zh-HK glob from the config is zh-HK', () => {
    const root = globRepo();
    for (const arg of ['legacy/ui', 'legacy/ui/strings/main.json']) {
      const r = cli(['i18n', arg, '--format', 'json'], { cwd: root });
      expect([arg, r.code]).toEqual([arg, 1]);
      expect(findings(r)).toEqual(twice('legacy/ui/strings/main.json'));
    }
  });

  it('the config globs are read from the config folder when run below it', () => {
    const root = globRepo();
    const r = cli(['i18n', '.', '--format', 'json'], { cwd: join(root, 'legacy/ui') });
    expect(r.code).toBe(1);
    expect(findings(r)).toEqual(twice('strings/main.json'));
  });

  it('a clean zh-TW file given by itself is read as zh-TW and has no findings', () => {
    const root = zhTwRepo();
    const r = cli(['i18n', 'locales/zh-TW/clean.json', '--format', 'json'], { cwd: root });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.findings).toEqual([]);
    expect(report.sources[0].detail).toBe('1 locale file(s)');
  });
});
