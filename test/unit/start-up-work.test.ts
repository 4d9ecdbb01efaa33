// Work a process skips to start faster must not change what it reports: `clipguard i18n` validates only the
// i18n rules (a broken rule elsewhere is still an error for `scan` and `rules validate`), and maskText skips
// the secret detector only for texts in which no built-in row could match.
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { detectSecrets, mayHoldBuiltinSecret, SECRET_PATTERNS } from '../../src/detectors/secrets/index.js';
import { maskText } from '../../src/engine/mask.js';
import { BIN, cli, cliEnv, tempDir } from '../helpers/cli.js';
import { spawnSync } from 'node:child_process';
import { BUILTIN_RULES_DIR, listRuleFiles } from '../../src/engine/load.js';
import { FAKE_KINDS, fakeSample, fakeToken } from '../helpers/fake-secrets.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const rule = (id: string, tags: string[], operator: string) => ({
  id,
  title: 'Broken',
  severity: 'error',
  subject: 'file',
  description: 'd',
  remediation: 'r',
  tags,
  conditions: { all: [{ fact: 'zh', path: '$.simplifiedInHant.length', operator, value: 0 }] },
});

/** A folder with a zh_TW .po file holding a Simplified character, and a config naming the pack `policy`. */
function project(broken: object): string {
  const dir = tempDir('clipguard-startwork-');
  dirs.push(dir);
  mkdirSync(join(dir, 'po'));
  mkdirSync(join(dir, 'policy'));
  writeFileSync(join(dir, 'po', 'zh_TW.po'), 'msgid "Settings"\nmsgstr "设定"\n');
  writeFileSync(join(dir, 'policy', 'broken.json'), JSON.stringify(broken, null, 2));
  writeFileSync(join(dir, 'clipguard.config.json'), JSON.stringify({ rules: { packs: ['policy'] }, paperclip: { enabled: false } }));
  return dir;
}

describe('clipguard i18n validates the rules it runs', () => {
  it('a broken non-i18n rule does not stop i18n; scan and rules validate still report it (exit 2)', () => {
    const dir = project(rule('custom/broken', ['ops'], 'equalz'));
    const i18n = cli(['i18n', 'po', '-f', 'json'], { cwd: dir });
    expect(i18n.code, i18n.stderr).toBe(1);
    expect(JSON.parse(i18n.stdout).findings.map((f: { ruleId: string }) => f.ruleId)).toContain('i18n/simplified-in-hant');

    const scan = cli(['scan', '--no-paperclip'], { cwd: dir });
    expect(scan.code).toBe(2);
    expect(scan.stderr + scan.stdout).toContain('custom/broken');
    expect(scan.stderr + scan.stdout).toContain('equalz');

    const validate = cli(['rules', 'validate', 'policy'], { cwd: dir });
    expect(validate.code).toBe(2);
    expect(validate.stderr + validate.stdout).toContain('equalz');
  });

  it('a broken rule i18n runs (tagged i18n) is still an error for i18n, exit 2', () => {
    const dir = project(rule('custom/broken-zh', ['i18n'], 'equalz'));
    const i18n = cli(['i18n', 'po'], { cwd: dir });
    expect(i18n.code).toBe(2);
    expect(i18n.stderr).toContain('custom/broken-zh');
    expect(i18n.stderr).toContain('equalz');
  });
});

describe('maskText skips the detector only where nothing can match', () => {
  it('every built-in row needs a keyword (what mayHoldBuiltinSecret relies on)', () => {
    expect(SECRET_PATTERNS.filter((p) => !p.keywords.length).map((p) => p.id)).toEqual([]);
  });

  it('every kind of fake key, in every context style and case, is let through and masked', () => {
    for (const kind of FAKE_KINDS) {
      for (let style = 0; style < 6; style++) {
        const { text } = fakeSample(kind, 7 + style, style);
        for (const variant of [text, text.toUpperCase(), `说明：${text} 结束`]) {
          if (!detectSecrets(variant).length) continue; // an upper-cased key may no longer be one
          expect(mayHoldBuiltinSecret(variant), `${kind} style ${style}`).toBe(true);
          const masked = maskText(variant);
          expect(masked, `${kind} style ${style}`).not.toBe(variant);
        }
      }
    }
  });

  // The property that makes the skip safe: whenever the detector finds anything, the quick check said yes.
  it('property: detectSecrets finds something => mayHoldBuiltinSecret is true', () => {
    const noise = fc.string({ unit: fc.constantFrom(...'abcAKPSTXYZ019_-.:=/@ "\'\n中文设定'.split('')), maxLength: 40 });
    const sample = fc.record({ kind: fc.constantFrom(...FAKE_KINDS), seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }), style: fc.nat(10), upper: fc.boolean() });
    fc.assert(
      fc.property(noise, sample, noise, (before, s, after) => {
        const body = fakeSample(s.kind, s.seed, s.style).text;
        const text = before + (s.upper ? body.toUpperCase() : body) + after;
        if (detectSecrets(text).length) expect(mayHoldBuiltinSecret(text)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('a text with no keyword of any built-in row is not a candidate; an empty text neither', () => {
    expect(mayHoldBuiltinSecret('')).toBe(false);
    expect(mayHoldBuiltinSecret('Simplified 设 in zh-TW text at po/zh_TW.po:2:9: use 設 (设定)')).toBe(false);
  });

  it('a key in a zh locale file name is masked in every i18n finding that names the file', () => {
    const dir = tempDir('clipguard-startwork-');
    dirs.push(dir);
    const key = fakeToken('github-pat', 11);
    mkdirSync(join(dir, 'po'));
    writeFileSync(join(dir, 'po', `zh_TW.${key}.po`), 'msgid "Settings"\nmsgstr "设定"\n');
    const r = cli(['i18n', 'po', '-f', 'json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout);
    const finding = report.findings.find((f: { ruleId: string }) => f.ruleId === 'i18n/simplified-in-hant');
    expect(finding.message).toContain('[REDACTED');
    expect(finding.subject.label).toContain('[REDACTED');
    expect(finding.message).not.toContain(key);
    expect(finding.subject.label).not.toContain(key);
  });
});

describe('built-in rules validated at build time', () => {
  const ROOT = join(BIN, '..', '..');

  it('the build snapshot holds every built-in rule file as it is now (npm run build validated them)', () => {
    const { files } = JSON.parse(readFileSync(join(ROOT, 'dist', 'generated', 'builtin-rules.json'), 'utf8')) as { files: Record<string, string> };
    const now = Object.fromEntries(listRuleFiles(BUILTIN_RULES_DIR).map((f) => [join('rules', f.slice(BUILTIN_RULES_DIR.length + 1)), readFileSync(f, 'utf8')]));
    expect(files).toEqual(now);
  });

  it('a built-in rule edited after the build is validated again; the unedited package runs as before', () => {
    // A copy of the installed package (what bin/clipguard.js reads at run time), its dependencies linked.
    const pkg = tempDir('clipguard-pkg-');
    dirs.push(pkg);
    for (const part of ['bin', 'rules', 'package.json', join('dist', 'bundle'), join('dist', 'generated')]) cpSync(join(ROOT, part), join(pkg, part), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'));
    const dir = tempDir('clipguard-builtin-');
    dirs.push(dir);
    mkdirSync(join(dir, 'po'));
    writeFileSync(join(dir, 'po', 'zh_TW.po'), 'msgid "Settings"\nmsgstr "设定"\n');
    const run = () => {
      const r = spawnSync(process.execPath, [join(pkg, 'bin', 'clipguard.js'), 'i18n', 'po', '-f', 'json'], { cwd: dir, env: cliEnv(['i18n'], dir), encoding: 'utf8' });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    const clean = run();
    expect(clean.code, clean.stderr).toBe(1);
    expect(JSON.parse(clean.stdout).findings.map((f: { ruleId: string }) => f.ruleId)).toContain('i18n/simplified-in-hant');

    const file = join(pkg, 'rules', 'i18n', 'simplified-in-hant.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"operator": "greaterThan"', '"operator": "greaterThann"'));
    expect(readFileSync(file, 'utf8')).toContain('greaterThann');
    const edited = run();
    expect(edited.code).toBe(2);
    expect(edited.stderr).toContain('rules/i18n/simplified-in-hant.json');
    expect(edited.stderr).toContain('greaterThann');
  });
});
