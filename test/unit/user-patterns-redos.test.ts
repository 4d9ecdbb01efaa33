// A config's regexes (`secrets.patterns` rows, their allowlists, `secrets.allowlist.regexes`) cannot hang
// clipguard: they run on RE2 (src/detectors/secrets/linear-regex.ts), in linear time whatever the pattern, and
// what RE2 cannot run (lookarounds, backreferences) is refused when the config loads (exit 2, naming the row).
// The load-time check of src/detectors/secrets/regex-safety.ts, which refused catastrophic user patterns before,
// was not sound: the shapes below passed it and never returned. It stays as the test of the built-in table,
// which runs on JavaScript's engine.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, cliEnv } from '../helpers/cli.js';
import { fakeToken } from '../helpers/fake-secrets.js';
import { assertSafeRegex, UnsafeRegexError } from '../../src/detectors/secrets/regex-safety.js';
import { LinearRegExp } from '../../src/detectors/secrets/linear-regex.js';
import { userAllowRegexes, userRowRegexes } from '../../src/detectors/secrets/detect.js';
import { detectSecrets, SECRET_PATTERNS, SecretPatternError, validateSecretPatterns, MAX_SECRET_PATTERNS, type SecretPattern } from '../../src/detectors/secrets/index.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const CATASTROPHIC = ['(a+)+$', '(a|a)*$', '(a|ab)*c', '(\\w+\\s?)*$', '([a-z]{1,6})+!', '\\s*\\s*$', '.*.*=', '(a?)+b', '(?:a*)*x', '((ab)*)*c', '(?:x|[a-z])+!', '(A+)+$'];
// Shapes the old load-time check let through (each hung JavaScript's engine past 10 s on the input beside it,
// run by hand). RE2 runs these in linear time; a fourth level of nesting, (?:(?:(?:a{1,9}){1,9}){1,9}){1,9}!,
// it refuses (a repeat count over 1000 once expanded): refused at load, below.
const PASSED_THE_OLD_CHECK: [string, string][] = [
  ['\\w{0,60}\\w{0,60}\\w{0,60}\\w{0,60}!', 'a'.repeat(400)],
  ['(a{1,10}){1,10}(b{1,10}){1,10}!', 'a'.repeat(100)],
  ['(?:a{1,10}){0,10}(?:a{1,10}){0,10}!', 'a'.repeat(200)],
];
const FINE = ['acme_[a-z0-9]{24}', 'x(ab+)+', 'acme_(?:[a-z0-9]+-)+[a-z]', 'key\\s*=\\s*"?[A-Za-z0-9]+"?', 'host(?:\\.[a-z]{2,6})+', 'password\\s*[:=]\\s*\\S+', '[\\w-]+', '(?:[a-f0-9]{8}-){3}[a-f0-9]{12}', 'v=\\d+\\.\\d+', 'tok_(?<id>[A-Z0-9]{8})'];
const row = (regex: string, extra: Partial<SecretPattern> = {}): SecretPattern => ({ id: 'acme', description: 'ACME token', keywords: [], regex, ...extra });

/** A git repository whose config carries `config` and whose index holds `file` with `text`. */
function repo(config: unknown, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'clipguard-redos-'));
  dirs.push(dir);
  execFileSync('git', ['init', '-q'], { cwd: dir });
  writeFileSync(join(dir, 'clipguard.config.json'), JSON.stringify(config, null, 2));
  writeFileSync(join(dir, 'x.txt'), text);
  execFileSync('git', ['add', 'x.txt'], { cwd: dir });
  return dir;
}
// The timeout only keeps a regression from hanging the suite; the assertions are on exit codes and findings.
const precommit = (dir: string) => spawnSync(process.execPath, [BIN, 'precommit', '--format', 'json'], { cwd: dir, env: cliEnv(['precommit'], dir), encoding: 'utf8', timeout: 120_000 });

describe('a config\'s regexes run in linear time (RE2)', () => {
  it('precommit with hostile rows (nested and bounded-nested repetition) over hostile staged text: the hook ends, and a row still finds its match', () => {
    const hostile = [...CATASTROPHIC.slice(0, 3), ...PASSED_THE_OLD_CHECK.map(([re]) => re)];
    const patterns = [...hostile.map((re, i) => row(re, { id: `hostile-${i}` })), row('acme_(?:[a-z0-9]+-?)+!', { id: 'acme-token', description: 'ACME token' })];
    const text = `${PASSED_THE_OLD_CHECK.map(([, input]) => input).join('\n')}\n${'a'.repeat(50)}!\nsecret=acme_${'q7'.repeat(12)}-${'x9'.repeat(6)}!\n`;
    const r = precommit(repo({ secrets: { patterns } }, text));
    expect(r.signal, 'the hook was killed: it did not end').toBeNull();
    expect(r.status, r.stderr).toBe(1);
    const messages = (JSON.parse(r.stdout).findings as { message: string }[]).map((f) => f.message);
    expect(messages.some((m) => m.startsWith('ACME token added in x.txt:'))).toBe(true);
  });

  it('a hostile secrets.allowlist.regexes (run on every secret found; it was not checked at all and hung precommit on one token): the hook ends and the key is reported', () => {
    const key = fakeToken('github-pat', 3);
    const r = precommit(repo({ secrets: { allowlist: { regexes: ['^ghp_(\\w+)+!', '^ghp_(?:\\w|[a-z0-9])+!'] } } }, `GITHUB_TOKEN=${key}\n`));
    expect(r.signal, 'the hook was killed: it did not end').toBeNull();
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).not.toContain(key);
  });

  it('every regex of a user row and of the allowlist is routed to the linear engine; built-in rows are not', () => {
    const p = row('acme_[a-z]{8}', { context: '(a+)+$', antiContext: '(a|ab)*c', allowlist: { regexes: ['(x+)+y'], matchRegexes: ['(?:k+)+'] }, valueRun: { chars: 'a-z', length: 8 } });
    const compiled = userRowRegexes([p, ...PASSED_THE_OLD_CHECK.map(([re], i) => row(re, { id: `h${i}` }))]);
    expect(compiled.map((c) => c.field)).toEqual(expect.arrayContaining(['regex', 'regex (sticky)', 'context', 'antiContext', 'allowlist.regexes[0]', 'allowlist.matchRegexes', 'valueRun.chars']));
    for (const c of compiled) expect(c.re, `${c.row} ${c.field}`).toBeInstanceOf(LinearRegExp);
    for (const re of userAllowRegexes({ regexes: ['(a+)+$', 'b'] })) expect(re).toBeInstanceOf(LinearRegExp);
    expect(compiled.some((c) => SECRET_PATTERNS.some((b) => b.id === c.row))).toBe(false);
  });

  it('what RE2 cannot run is refused at load, naming the row and the reason; the CLI exits 2', () => {
    const refused: [string, RegExp][] = [
      ['acme(?=_)', /unsupported Perl syntax: `\(\?=`.*RE2/],
      ['(?<=x)acme', /RE2/],
      ['(a)\\1', /backreferences/],
      ['tok_(?<id>[A-Z0-9]{8})_\\k<id>', /backreferences/],
      ['a{1001}', /invalid repeat count/],
      ['(?:(?:(?:a{1,9}){1,9}){1,9}){1,9}!', /invalid repeat count/],
      // RE2's time grows with the program's size: capped (MAX_PROGRAM).
      ['\\w{0,99}\\w{0,99}\\w{0,99}\\w{0,99}!', /too large for the linear-time engine.*795 instructions, at most 500/],
      ['(', /Invalid regular expression/],
    ];
    for (const [re, why] of refused) {
      expect(() => validateSecretPatterns([row(re)]), re).toThrow(SecretPatternError);
      expect(() => validateSecretPatterns([row(re)]), re).toThrow(why);
      expect(() => validateSecretPatterns([row('acme_[a-z]{8}', { context: re })]), `context ${re}`).toThrow(/secrets\.patterns\[0\] \(acme\): context: /);
    }
    for (const re of [...FINE, ...CATASTROPHIC, ...PASSED_THE_OLD_CHECK.map(([x]) => x)]) expect(() => validateSecretPatterns([row(re)]), re).not.toThrow();
    const r = precommit(repo({ secrets: { patterns: [row('acme(?=_)')] } }, 'x\n'));
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/clipguard\.config\.json.*secrets\.patterns\[0\] \(acme\): regex: .*RE2/);
    const a = precommit(repo({ secrets: { allowlist: { regexes: ['(?!x)'] } } }, 'x\n'));
    expect(a.status, a.stderr).toBe(2);
    expect(a.stderr).toMatch(/secrets\.allowlist\.regexes\[0\]: .*RE2/);
  });

  it('more rows than MAX_SECRET_PATTERNS are refused at load, naming the limit and the count; the CLI exits 2 before compiling them; at the limit they load and run', () => {
    // Was: no limit. Each row is linear, but the rows add up: one matching all over a text reads it again for
    // ~155 ms per MB (bench/user-pattern-rows.mjs), so a config with a few hundred such rows made every commit of a
    // 1 MB file take minutes.
    const rows = (n: number) => Array.from({ length: n }, (_, i) => row(`acme${i}_[a-z0-9]{24}`, { id: `acme-${i}`, description: `ACME token ${i}` }));
    expect(MAX_SECRET_PATTERNS).toBe(50);
    expect(() => validateSecretPatterns(rows(MAX_SECRET_PATTERNS))).not.toThrow();
    expect(() => validateSecretPatterns(rows(MAX_SECRET_PATTERNS + 1))).toThrow(new RegExp(`^secrets\\.patterns: ${MAX_SECRET_PATTERNS + 1} rows, over the limit of ${MAX_SECRET_PATTERNS}\\.`));
    // Ten thousand rows, one a bad regex RE2 refuses: the count is the error (nothing was compiled).
    const many = [...rows(9_999), row('acme(?=_)')];
    const r = precommit(repo({ secrets: { patterns: many } }, 'x\n'));
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/clipguard\.config\.json:\d+: secrets\.patterns: 10000 rows, over the limit of 50\./);
    // At the limit the rows run: the last one still finds its key.
    const key = `acme${MAX_SECRET_PATTERNS - 1}_${'q7'.repeat(12)}`;
    const ok = precommit(repo({ secrets: { patterns: rows(MAX_SECRET_PATTERNS) } }, `token ${key}\n`));
    expect(ok.status, ok.stderr).toBe(1);
    expect(JSON.parse(ok.stdout).findings.map((f: any) => f.message)).toEqual([`ACME token ${MAX_SECRET_PATTERNS - 1} added in x.txt:1: acme…`]);
  });

  it('a user row on RE2 finds what it found on JavaScript\'s engine: spans, groups and the secret group', () => {
    const p = row('key=(?<v>[a-z0-9]{12,})(!)?', { id: 'acme-key', secretGroup: 1, keywords: ['key='], anchor: 'keyword' });
    const text = `one key=${'ab12'.repeat(4)}! two key=${'zz99'.repeat(4)}\nkey=short`;
    const found = detectSecrets(text, { extraPatterns: [p] }).filter((m) => m.kind === 'acme-key');
    expect(found.map((m) => [m.start, m.end])).toEqual([
      [text.indexOf('ab12'), text.indexOf('ab12') + 16],
      [text.indexOf('zz99'), text.indexOf('zz99') + 16],
    ]);
  });

  it('property: on the syntax both engines share, LinearRegExp finds the same matches as RegExp (global and sticky, match indices)', () => {
    const atom: fc.Arbitrary<string> = fc.letrec((tie) => ({
      atom: fc.oneof({ depthSize: 'small', withCrossShrink: true }, fc.constantFrom('a', 'b', '-', '[ab]', '[^a]', '.', '\\d', '\\w', '[a-]'), tie('group')),
      group: fc.tuple(fc.array(tie('seq'), { minLength: 1, maxLength: 3 }), fc.boolean()).map(([alts, cap]) => `(${cap ? '' : '?:'}${alts.join('|')})`),
      // A repetition of what can match the empty string is left out: there the engines differ (JavaScript
      // rejects an empty round of a loop and tries the next branch; RE2 takes it), a difference README states.
      seq: fc
        .array(fc.tuple(tie('atom'), fc.constantFrom('', '', '*', '+', '?', '{1,3}', '{2}', '*?', '+?')).map(([a, q]) => (q && new RegExp(`^(?:${a})$`).test('') ? a : a + q)), { minLength: 1, maxLength: 3 })
        .map((xs) => xs.join('')),
    })).seq as fc.Arbitrary<string>;
    const text = fc.string({ unit: fc.constantFrom('a', 'b', '-', '1', 'c'), maxLength: 24 });
    fc.assert(
      fc.property(atom, text, fc.array(fc.nat(24), { minLength: 1, maxLength: 8 }), (src, t, ats) => {
        const spans = (re: { lastIndex: number; exec(s: string): RegExpExecArray | null }) => {
          const out: [number, number][] = [];
          re.lastIndex = 0;
          for (let m = re.exec(t), n = 0; m && n < 50; m = re.exec(t), n++) {
            out.push(m.indices![0]);
            if (m[0].length === 0) re.lastIndex++;
          }
          return out;
        };
        let linear: LinearRegExp;
        try {
          linear = new LinearRegExp(src, 'gd');
        } catch (e) {
          // Over RE2's size cap (refused at load, tested above): nothing to compare.
          fc.pre(!/too large for the linear-time engine/.test((e as Error).message));
          throw e;
        }
        expect(spans(linear), src).toEqual(spans(new RegExp(src, 'gd')));
        // Sticky at positions in any order, on the same objects (the linear one keeps its last search).
        const js = new RegExp(src, 'yd');
        const lin = new LinearRegExp(src, 'yd');
        for (const at of ats) {
          js.lastIndex = lin.lastIndex = Math.min(at, t.length);
          expect(lin.exec(t)?.indices?.[0] ?? null, `${src} sticky at ${at}`).toEqual(js.exec(t)?.indices?.[0] ?? null);
          expect(lin.lastIndex).toBe(js.lastIndex);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('the built-in table: catastrophic backtracking checked by regex-safety.ts', () => {
  it('every built-in pattern passes the same check (the check does not refuse what clipguard itself ships)', () => {
    for (const p of SECRET_PATTERNS) {
      for (const [src, flags] of [[p.regex, p.flags ?? ''], [p.context, 'i'], [p.antiContext, 'i']] as const) if (src) expect(() => assertSafeRegex(src, flags), `${p.id}: ${src}`).not.toThrow();
    }
  });

  it('property: a repeated group around any repeated character class is refused; the checker never crashes on what RegExp accepts', () => {
    const cls = fc.constantFrom('a', '\\w', '\\d', '[a-z]', '[^"]', '.', '\\S', '[A-Za-z0-9_-]', '\\p{L}');
    const rep = fc.constantFrom('+', '*', '{1,8}', '{2,}');
    const outer = fc.constantFrom('+', '*', '{1,}', '{0,50}');
    fc.assert(
      fc.property(cls, rep, outer, fc.constantFrom('', '$', '!', '\\b'), (c, r, o, tail) => {
        const src = `(?:${c}${r})${o}${tail}`;
        expect(() => assertSafeRegex(src, 'u'), src).toThrow(UnsafeRegexError);
      }),
      { numRuns: 200 },
    );
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'()[]{}|*+?.^$\\-,:=!<>abwdsSDWkpux0123456789'.split('')), maxLength: 30 }), (src) => {
        let ok = true;
        try {
          new RegExp(src, 'u');
        } catch {
          ok = false;
        }
        if (!ok) return;
        try {
          assertSafeRegex(src, 'u');
        } catch (e) {
          expect(e).toBeInstanceOf(UnsafeRegexError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
