import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SECRET_PATTERNS, detectSecrets, detectSecretsMany, detectSecretsUnfiltered, redactSecrets, secretIgnoredFor, shannonEntropy } from '../../src/detectors/secrets/index.js';
import { KeywordScanner } from '../../src/detectors/secrets/keywords.js';
import { valueRunAnswers } from '../../src/detectors/secrets/detect.js';
import { FAKE_KINDS, fakeSample, textOutside } from '../helpers/fake-secrets.js';

const KEYWORDS = [...new Set(SECRET_PATTERNS.flatMap((p) => p.keywords))];
const MARKER = /\[REDACTED:[a-z0-9._-]+\]/g;

/** How many "\n" precede each chunk of `chunk` units (KeywordHits.lines.before), counted naively. */
const newlinesBefore = (text: string, chunk: number) => Array.from({ length: Math.ceil(text.length / chunk) }, (_, j) => text.slice(0, j * chunk).split('\n').length - 1);

// Text around the secrets: any Unicode, plus an alphabet heavy in the characters keywords and tokens are
// made of, so near-misses (half keywords, token-like runs) are common.
const tokenish = fc.string({ unit: fc.constantFrom(...'abcdeghijkoprstwxyzAEKIJPST0123456789_-.:=/@ "\'\n\t中文😀'.split('')), maxLength: 120 });
const anyText = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 120 }), tokenish).filter((s) => !s.includes('clipguard-ignore') && !s.includes('[REDACTED:'));

const sample = fc.record({ kind: fc.constantFrom(...FAKE_KINDS), seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }), style: fc.nat(10) }).map((r) => ({ ...r, ...fakeSample(r.kind, r.seed, r.style) }));

describe('secrets detector properties', () => {
  it('finds a generated token of every kind embedded in arbitrary text, at the right offsets, never leaking it', () => {
    fc.assert(
      fc.property(anyText, sample, anyText, (before, s, after) => {
        const text = `${before}\n${s.text}\n${after}`;
        const start = before.length + 1 + s.offset;
        const ms = detectSecrets(text);
        const hit = ms.find((m) => m.start === start);
        expect(hit, `${s.kind} not found at ${start}`).toBeDefined();
        expect(hit!.kind).toBe(s.kind);
        expect(hit!.end).toBe(start + s.secret.length);
        expect(text.slice(hit!.start, hit!.end)).toBe(s.secret);
        expect(JSON.stringify(ms)).not.toContain(s.secret);
        // The prefilter changes the cost, never the answer.
        expect(detectSecretsUnfiltered(text)).toEqual(ms);
      }),
      { numRuns: 400 },
    );
  });

  it('returns sorted, non-overlapping matches', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(anyText, sample), { minLength: 1, maxLength: 6 }), (parts) => {
        const text = parts.map(([t, s]) => `${t}\n${s.text}\n`).join('');
        const ms = detectSecrets(text);
        for (let i = 1; i < ms.length; i++) expect(ms[i].start).toBeGreaterThanOrEqual(ms[i - 1].end);
      }),
      { numRuns: 150 },
    );
  });

  it('redaction keeps every non-secret character in order', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(anyText, sample), { minLength: 1, maxLength: 5 }), anyText, (parts, tail) => {
        const text = parts.map(([t, s]) => `${t}\n${s.text}\n`).join('') + tail;
        const ms = detectSecrets(text);
        expect(ms.length).toBeGreaterThanOrEqual(parts.length);
        const redacted = redactSecrets(text, ms);
        for (const [, s] of parts) expect(redacted).not.toContain(s.secret);
        expect(redacted.replace(MARKER, '')).toBe(textOutside(text, ms));
        expect(redacted.match(MARKER)).toHaveLength(ms.length);
      }),
      { numRuns: 200 },
    );
  });

  it('a found key written again elsewhere in the text, as a token of its own, is redacted there too', () => {
    fc.assert(
      fc.property(anyText, sample, anyText, fc.constantFrom(' ', '\n', '"', '(', ': '), (before, s, after, sep) => {
        const text = `${before}\n${s.text}\n${after}${sep}${s.secret}${sep === '(' ? ')' : sep}again`;
        const ms = detectSecrets(text);
        fc.pre(ms.some((m) => text.slice(m.start, m.end) === s.secret));
        expect(redactSecrets(text, ms)).not.toContain(s.secret);
      }),
      { numRuns: 300 },
    );
    // Found beside its keyword only; inside a longer token it is another value and stays.
    const key = ['Zq8Lm3', 'Rt7Wx2Kp9', 'Vb4Nc6Hd1'].join('');
    const text = `api_key: ${key}\nstaging uses ${key} too; ${key}x is another`;
    expect(redactSecrets(text, detectSecrets(text))).toBe(`api_key: [REDACTED:generic-api-key]\nstaging uses [REDACTED:generic-api-key] too; ${key}x is another`);
  });

  it('finds nothing in text that contains no keyword', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, fc.string({ unit: 'binary', maxLength: 2000 }), tokenish.map((s) => s.repeat(20))), (text) => {
        fc.pre(!KEYWORDS.some((k) => text.toLowerCase().includes(k)));
        expect(detectSecrets(text)).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  it('a connection string whose password is a placeholder reports nothing', () => {
    const word = fc.constantFrom('password', 'your-password', 'db_password', 'DB_PASSWORD', 'passwd', 'pwd', 'passphrase', 'pass', 'secret', 'token', 'api_key');
    const placeholder = fc.oneof(
      word.map((w) => `<${w}>`),
      word.map((w) => `\${${w.toUpperCase().replace(/-/g, '_')}}`),
      fc.tuple(word, fc.boolean()).map(([w, sp]) => (sp ? `{{ ${w} }}` : `{{${w}}}`)),
      fc.integer({ min: 1, max: 12 }).map((n) => 'x'.repeat(n)),
    );
    const scheme = fc.constantFrom('postgres', 'postgresql', 'mysql', 'mariadb', 'mongodb', 'mongodb+srv', 'redis', 'rediss', 'amqp', 'mssql', 'https');
    const host = fc.constantFrom('localhost', '127.0.0.1', 'db.internal:5432', 'cache:6379', '[::1]:3306', 'cluster0.mongodb.net');
    const user = fc.constantFrom('', 'user', 'root', 'app_user', 'svc-1');
    const wrap = fc.constantFrom((u: string) => u, (u: string) => `DATABASE_URL=${u}`, (u: string) => `url: "${u}"`, (u: string) => `連線字串是 ${u} 請替換密碼`);
    fc.assert(
      fc.property(scheme, user, placeholder, host, fc.constantFrom('', '/db', '/app?sslmode=require'), wrap, (sc, u, p, h, path, w) => {
        const text = w(`${sc}://${u}:${p}@${h}${path}`);
        expect(detectSecrets(text).map((m) => `${m.kind} ${m.preview}`), text).toEqual([]);
        expect(detectSecretsUnfiltered(text)).toEqual([]);
      }),
      { numRuns: 400 },
    );
  });

  it('an inline ignore naming a rule holds for that rule only; a plain one for every rule', () => {
    const rules = ['security/secret-in-diff', 'security/secret-in-comment', 'security/secret-in-issue', 'security/secret-in-commit-message'];
    const oneLine = sample.filter((s) => !s.text.includes('\n'));
    const reason = fc.stringMatching(/^[a-z ]{0,30}$/);
    fc.assert(
      fc.property(anyText, oneLine, anyText, fc.constantFrom(...rules), reason, fc.boolean(), fc.boolean(), (before, s, after, rule, why, above, plain) => {
        const marker = `clipguard-ignore${above ? '-next-line' : ''}${plain ? '' : ` ${rule}`} -- ${why}`;
        const prefix = above ? `${before}\n# ${marker}\n` : `${before}\n`;
        const text = above ? `${prefix}${s.text}\n${after}` : `${prefix}${s.text} // ${marker}\n${after}`;
        const hit = detectSecrets(text).find((m) => m.start === prefix.length + s.offset);
        expect(hit, s.kind).toBeDefined();
        expect(hit!.inlineIgnored).toBe(plain);
        expect(hit!.ignoreRules).toEqual(plain ? undefined : [rule]);
        expect(hit!.ignoreReason).toBe(why.trim() || 'clipguard-ignore');
        for (const r of rules) expect(secretIgnoredFor(hit!, r), r).toBe(plain || r === rule);
      }),
      { numRuns: 300 },
    );
  });

  it('the keyword scan (WebAssembly lanes, JavaScript lanes) finds exactly what a naive search finds', () => {
    const scanner = new KeywordScanner(KEYWORDS);
    const naive = (text: string) => {
      const lower = text.toLowerCase();
      const found: string[] = [];
      KEYWORDS.forEach((k, id) => {
        for (let p = lower.indexOf(k); p !== -1; p = lower.indexOf(k, p + 1)) found.push(`${p}:${id}`);
      });
      return found.sort();
    };
    const pieces = fc.constantFrom(...KEYWORDS, ...KEYWORDS.map((k) => k.toUpperCase()), ...KEYWORDS.map((k) => k.slice(0, -1)), ' ', 'x', '\n', '中', '😀', 'ß');
    // Long enough for the four-lane walks (>= 4096 units), so keywords also straddle the lane boundaries.
    const big = fc.array(pieces, { minLength: 600, maxLength: 3000 }).map((a) => a.join('').padEnd(4096, 'y'));
    fc.assert(
      fc.property(big, (text) => {
        fc.pre(!/[\u0130\u212a]/.test(text)); // toLowerCase() would fold these to ASCII; the scanner does not
        const { lines, ...hits } = scanner.scan(text);
        const key = (h: { starts: number[]; ids: number[] }) => h.starts.map((p, i) => `${p}:${h.ids[i]}`).sort();
        expect(key(hits)).toEqual(naive(text));
        expect(scanner.scanWithoutWasm(text)).toEqual(hits);
        if (lines) expect(lines.before).toEqual(newlinesBefore(text, lines.chunk));
      }),
      { numRuns: 60 },
    );
    // Walked a chunk at a time (the state carried over), with chunks small enough that keywords straddle
    // chunk and lane edges everywhere: same hits, in the same order, and the newline counts per chunk.
    fc.assert(
      fc.property(big, fc.integer({ min: 16, max: 3000 }), (text, chunk) => {
        fc.pre(!/[\u0130\u212a]/.test(text));
        const { lines, ...hits } = new KeywordScanner(KEYWORDS, { chunk }).scan(text);
        expect(hits).toEqual(scanner.scanWithoutWasm(text));
        expect(lines?.chunk).toBe(chunk);
        expect(lines?.before).toEqual(newlinesBefore(text, chunk));
      }),
      { numRuns: 60 },
    );
    // Whole chunks of nothing but newlines, one and two bytes a unit: the most each 16-bit lane of the SIMD
    // count adds up in one call.
    for (const filler of ['\n', '\n\n\n\n\n\n\n中']) {
      const text = `${filler.repeat(Math.ceil(300_000 / filler.length))}${KEYWORDS[0]}`;
      const { lines } = scanner.scan(text);
      expect(lines?.before).toEqual(newlinesBefore(text, lines!.chunk));
    }
  });
  it('in large texts (walked in chunks, line numbers from the walk): every planted key, the unfiltered detector\'s matches, the right line and column', () => {
    // Filler heavy in what the large-text paths meet: newlines, surrogate pairs (columns), hex runs next to
    // the ethereum row's keywords (its value-run search around each hit), keywords of every row.
    const piece = fc.oneof(anyText, fc.constantFrom('\n', '😀', 'wallet ', 'private key ', 'eth:', '中文\n', ...KEYWORDS), fc.integer({ min: 50, max: 80 }).map((n) => 'a0f9'.repeat(20).slice(0, n)));
    const filler = fc.array(piece, { minLength: 20, maxLength: 200 }).map((a) => a.join(''));
    const big = fc.tuple(filler, fc.integer({ min: 70_000, max: 200_000 })).map(([f, n]) => (f || 'x').repeat(Math.ceil(n / (f.length || 1))).slice(0, n));
    const planted = fc.array(fc.tuple(sample, fc.double({ min: 0, max: 1, noNaN: true })), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(big, planted, fc.boolean(), (filler, keys, credentials) => {
        let text = filler;
        for (const [s, at] of keys) {
          // At a line break (or the end): a key planted inside an earlier one would cut it in two.
          const nl = text.indexOf('\n', Math.floor(at * text.length));
          const p = nl < 0 ? text.length : nl;
          text = `${text.slice(0, p)}\n${s.text}\n${text.slice(p)}`;
        }
        const ms = detectSecrets(text, { credentials });
        expect(ms).toEqual(detectSecretsUnfiltered(text, { credentials }));
        for (const m of ms) {
          const lineStart = text.lastIndexOf('\n', m.start - 1) + 1;
          expect(m.line).toBe(text.slice(0, m.start).split('\n').length);
          expect(m.column).toBe([...text.slice(lineStart, m.start)].length + 1);
        }
        for (const [s] of keys) expect(ms.some((m) => text.slice(m.start, m.end) === s.secret), s.kind).toBe(true);
      }),
      { numRuns: 25 },
    );
  });

  it('the value-run search around a keyword hit answers as the search over the whole text', () => {
    // Runs of class characters of every length, between other characters: runs crossing the window's edges.
    const part = fc.tuple(fc.constantFrom('a', 'f', '0', '9', '0f', 'g', ' ', '\n', '中'), fc.integer({ min: 1, max: 60 })).map(([c, n]) => c.repeat(n));
    const text = fc.array(part, { maxLength: 30 }).map((a) => a.join(''));
    fc.assert(
      fc.property(text, fc.integer({ min: 1, max: 40 }), fc.integer({ min: -50, max: 450 }), fc.integer({ min: 1, max: 100 }), (t, length, from, width) => {
        const [local, whole] = valueRunAnswers(t, '0-9a-f', length, from, from + width);
        expect(local).toBe(whole);
      }),
      { numRuns: 3000 },
    );
  });

  it('detectSecretsMany gives, text by text, exactly what detectSecrets gives (batches, separators, empty texts)', () => {
    // Texts with and without secrets, empty ones, newlines at the edges, and now and then one long enough to
    // fill a batch on its own, so keyword hits near every kind of boundary are checked.
    const text = fc.oneof(
      { weight: 4, arbitrary: anyText },
      { weight: 3, arbitrary: fc.tuple(anyText, sample, anyText).map(([a, s, b]) => `${a}${s.text}${b}`) },
      { weight: 1, arbitrary: fc.constantFrom('', '\n', 'password', 'token\n') },
      { weight: 1, arbitrary: fc.tuple(sample, fc.integer({ min: 1, max: 1_100_000 })).map(([s, n]) => `${'x'.repeat(n)} ${s.text}`) },
    );
    fc.assert(
      fc.property(fc.array(text, { maxLength: 40 }), (texts) => {
        expect(detectSecretsMany(texts)).toEqual(texts.map((t) => detectSecrets(t)));
      }),
      { numRuns: 150 },
    );
  });
  it('reads a random key made of capitalised syllables and short acronyms as a key, not as identifier words', () => {
    // The shape the e2e generator met (`BtaVeeTwi…S1ZF65G4…`): each syllable has a vowel and would pass for a
    // word; a letter pair no English identifier holds (jy, qr, vx…) inside it says it is random.
    const U = 'BCDFGHKLMNPRSTVW';
    const syllable = fc.tuple(fc.constantFrom(...U), fc.constantFrom('jy', 'qr', 'vx', 'zk', 'xq', 'fz', 'wq', 'jz'), fc.constantFrom('a', 'e', 'i', 'o', 'u')).map(([a, b, c]) => a + b + c);
    const acronym = fc.tuple(fc.constantFrom(...U), fc.integer({ min: 1, max: 99 })).map(([a, n]) => `${a}${n}`);
    const key = fc
      .tuple(fc.array(syllable, { minLength: 4, maxLength: 7 }), fc.array(acronym, { minLength: 1, maxLength: 2 }))
      .map(([ss, as]) => ss.slice(0, 2).join('') + as.join('') + ss.slice(2).join(''))
      .filter((v) => shannonEntropy(v) >= 3.5 && /[a-z]/.test(v) && /[A-Z]/.test(v) && /[0-9]/.test(v));
    fc.assert(
      fc.property(key, fc.constantFrom('api_key: ', 'X_API_KEY="', 'client_secret = '), (v, before) => {
        const text = before + v + (before.endsWith('"') ? '"' : '');
        expect(detectSecrets(text).map((m) => text.slice(m.start, m.end))).toEqual([v]);
      }),
      { numRuns: 300 },
    );
  });
});
