// A user's row in `secrets.patterns` cannot hang clipguard: a pattern that can backtrack catastrophically
// is refused when the config loads (exit 2, naming the row and the reason), before anything is read.
// (src/detectors/secrets/regex-safety.ts)
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, cliEnv } from '../helpers/cli.js';
import { assertSafeRegex, UnsafeRegexError } from '../../src/detectors/secrets/regex-safety.js';
import { SECRET_PATTERNS, SecretPatternError, validateSecretPatterns, type SecretPattern } from '../../src/detectors/secrets/index.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const CATASTROPHIC = ['(a+)+$', '(a|a)*$', '(a|ab)*c', '(\\w+\\s?)*$', '([a-z]{1,6})+!', '\\s*\\s*$', '.*.*=', '(a?)+b', '(?:a*)*x', '((ab)*)*c', '(?:x|[a-z])+!', '(A+)+$'];
const FINE = ['acme_[a-z0-9]{24}', 'x(ab+)+', 'acme_(?:[a-z0-9]+-)+[a-z]', 'key\\s*=\\s*"?[A-Za-z0-9]+"?', 'host(?:\\.[a-z]{2,6})+', 'password\\s*[:=]\\s*\\S+', '[\\w-]+', '(?:[a-f0-9]{8}-){3}[a-f0-9]{12}', 'v=\\d+\\.\\d+', 'tok_(?<id>[A-Z0-9]{8})_\\k<id>'];
const row = (regex: string, extra: Partial<SecretPattern> = {}): SecretPattern => ({ id: 'acme', description: 'ACME token', keywords: [], regex, ...extra });

describe('user patterns: catastrophic backtracking is refused at load', () => {
  it('precommit with `(a+)+$` in secrets.patterns exits 2 at once with the row and the reason (it used to hang on "a"*50 + "!")', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clipguard-redos-'));
    dirs.push(dir);
    execFileSync('git', ['init', '-q'], { cwd: dir });
    writeFileSync(join(dir, 'clipguard.config.json'), JSON.stringify({ secrets: { patterns: [row('(a+)+$')] } }, null, 2));
    writeFileSync(join(dir, 'x.txt'), `${'a'.repeat(50)}!\n`);
    execFileSync('git', ['add', 'x.txt'], { cwd: dir });
    // The timeout only keeps a regression from hanging the suite; the assertions are on the exit code and message.
    const r = spawnSync(process.execPath, [BIN, 'precommit'], { cwd: dir, env: cliEnv(['precommit'], dir), encoding: 'utf8', timeout: 60_000 });
    expect(r.status, `signal ${r.signal}`).toBe(2);
    expect(r.stderr).toContain('clipguard.config.json');
    expect(r.stderr).toMatch(/secrets\.patterns\[0\] \(acme\): regex: .*catastrophic backtracking.*nested repetition.*\(a\+\)\+\$/);
  });

  it('refuses each catastrophic shape in regex, context and antiContext; accepts ordinary patterns', () => {
    for (const re of CATASTROPHIC) {
      expect(() => validateSecretPatterns([row(re)]), re).toThrow(SecretPatternError);
      expect(() => validateSecretPatterns([row('acme_[a-z]{8}', { context: re })]), `context ${re}`).toThrow(/context: may take exponential time/);
      expect(() => validateSecretPatterns([row('acme_[a-z]{8}', { antiContext: re })]), `antiContext ${re}`).toThrow(/antiContext: may take exponential time/);
    }
    for (const re of FINE) expect(() => validateSecretPatterns([row(re)]), re).not.toThrow();
  });

  it("a 'scan' row that is quadratic in a run's length is refused (`[a-z]+=`: hours on a 1 MB run of letters); behind a literal prefix, or anchored at a keyword, it runs", () => {
    for (const re of ['[a-z]+=', 'a[a-z]+=', '\\d+\\.\\d+', '(?:[a-z0-9]+-)+[a-z]']) {
      expect(() => validateSecretPatterns([row(re)]), re).toThrow(/regex: may take exponential time.*unbounded repetition followed by a required part/);
      expect(() => validateSecretPatterns([row(re, { anchor: 'keyword', keywords: ['a'] })]), `keyword-anchored ${re}`).not.toThrow();
      expect(() => validateSecretPatterns([row('acme', { context: re })]), `context ${re}`).not.toThrow(); // a 200-character window
    }
    for (const re of ['acme_[A-Za-z0-9]{20,}=', 'key=[a-z0-9]+;', '\\b[A-Za-z0-9]{32,}\\b']) expect(() => validateSecretPatterns([row(re)]), re).not.toThrow();
  });

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
