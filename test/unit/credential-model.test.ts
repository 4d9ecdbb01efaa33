// The generic-credential stage (src/detectors/secrets/credential.ts): structural candidates on keyword lines and
// the learned filter. Every value here is built at run time from hashes: nothing a scanner would flag is committed.
import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { detectSecrets, detectSecretsMany, detectSecretsUnfiltered, maskSecret } from '../../src/detectors/secrets/index.js';
import { CREDENTIAL_KEYWORDS, FEATURE_NAMES, charGrams, credentialsIn, features, lineCandidates, modelInput, score } from '../../src/detectors/secrets/credential.js';
import { allLines, spanIndex } from '../../src/detectors/secrets/detect.js';
import { shannonEntropy } from '../../src/detectors/secrets/entropy.js';
import MODEL from '../../src/detectors/secrets/credential-model.json' with { type: 'json' };
import { precommitRepo } from '../helpers/precommit-repo.js';

const b64 = (n: number, seed = 1) => createHash('sha512').update(`b64${seed}`).digest('base64').repeat(4).slice(0, n);
const b62 = (n: number, seed = 1) => b64(n * 2, seed).replace(/[+/=]/g, '').slice(0, n);
const kinds = (text: string, path = 'app/settings.txt') => detectSecrets(text, { path, credentials: true }).map((m) => m.kind);

describe('credential model: what the pattern rows missed', () => {
  const key = b62(20, 3);
  const pw = `${b62(10, 4)}#${b62(3, 5)}`;
  const basic = Buffer.from(`deploy:${b62(14, 6)}`).toString('base64');

  it.each([
    ['Authorization: Basic header', `Authorization: Basic ${basic}`, 'generic-api-key'],
    ['Basic header in a curl command', `curl -H "Authorization: Basic ${basic}" https://api.internal/v1`, 'generic-api-key'],
    ['salt', `salt = "${key}"`, 'generic-api-key'],
    ['nonce in .env', `NONCE=${key}`, 'generic-api-key'],
    ['OTP seed in YAML', `otp_seed: ${key}`, 'generic-api-key'],
    ['password flag', `mysqldump --password=${pw} appdb`, 'generic-password'],
    ['.NET appSettings key/value', `<add key="Password" value="${pw}" />`, 'generic-password'],
    ['Dockerfile ENV', `ENV DB_PASS=${pw}`, 'generic-password'],
  ])('%s', (_name, text, kind) => {
    const ms = detectSecrets(text, { path: 'app/settings.txt', credentials: true });
    expect(ms.map((m) => m.kind)).toEqual([kind]);
    // Offsets cover the value, the preview shows at most 4 of its characters.
    const secret = text.slice(ms[0].start, ms[0].end);
    expect(text.includes(secret) && secret.length >= 8).toBe(true);
    expect(ms[0].preview).toBe(maskSecret(secret));
    expect(ms[0].preview.length).toBeLessThanOrEqual(5);
  });

  it('is off by default and with credentials: false (what the training script compares against)', () => {
    expect(detectSecrets(`salt = "${key}"`)).toEqual([]);
    expect(detectSecrets(`salt = "${key}"`, { credentials: false })).toEqual([]);
    expect(detectSecrets(`Authorization: Basic ${basic}`, { credentials: false })).toEqual([]);
  });
});

describe('credential model: never these', () => {
  it.each([
    ['template', 'password = "${DB_PASSWORD}"'],
    ['environment read', 'api_key = os.environ["API_KEY"]'],
    ['call', 'password = getPassword()'],
    ['placeholder', 'token: <your-token>'],
    ['the word itself', 'password = "password"'],
    ['assembly PublicKeyToken', `Acme.Widgets, Version=1.2.0.0, Culture=neutral, PublicKeyToken=${createHash('sha1').update('pkt').digest('hex').slice(0, 16)}`],
    ['hex status constant', 'ERR_PASSWORD_TOO_SHORT = 0xC0DE0042,'],
    ['numbers', 'token_ttl_secret = 86400000000'],
    ['translation', 'PROMPT_KEY_HINT#0="Schl\\u00fcssel hier, bitte";'],
    ['keyboard run', 'password=abcdefghijklmnop'],
    ['a key-like value under a name that is no credential', `build_ref: '${b62(40, 9)}'`],
    ['a keyword only inside the value', `commit = "${b62(12, 10)}pwd${b62(12, 11)}"`],
    ['short', 'password: abc'],
    ['a stand-in every scanner knows', 'password: hunter2'],
    ['SRI hash', `integrity_token = "sha512-${b64(86, 12)}=="`],
  ])('%s', (_name, text) => {
    expect(kinds(text)).toEqual([]);
  });
});

describe('credential model: the candidate stage', () => {
  it('reads lines only where a keyword occurs, and the same with or without the prefilter', () => {
    const text = [`const a = "${b62(24, 20)}";`, `const session_secret = "${b62(24, 21)}";`, `x = 1`].join('\n');
    expect(lineCandidates(text, 0, text.indexOf('\n'), true)).toEqual([]);
    const found = detectSecrets(text, { credentials: true });
    expect(found.map((m) => m.line)).toEqual([2]);
    expect(detectSecretsUnfiltered(text)).toEqual(found);
    expect(detectSecretsMany([text, text])).toEqual([found, found]);
  });

  it('ships a model that is data: trees over the named features, a threshold and a word list, no value of the corpus', () => {
    // The dense features, then the char n-gram model's logit (its weights: int8 in base64, one per hash bucket).
    expect(MODEL.features).toEqual([...FEATURE_NAMES, 'char']);
    expect(Buffer.from(MODEL.char.weights, 'base64').length).toBe(2 ** MODEL.char.bits);
    expect(MODEL.char.bits).toBeLessThanOrEqual(16);
    expect(MODEL.threshold).toBeGreaterThan(0);
    expect(MODEL.threshold).toBeLessThan(1);
    expect(MODEL.trees.length).toBeGreaterThan(10);
    for (const t of MODEL.trees) {
      // Inner nodes [feature, threshold, left, right] point forward inside the tree; leaves are [-1, value].
      t.forEach((node, i) => {
        if (node[0] < 0) expect(node.length).toBe(2);
        else {
          expect(node[0]).toBeLessThanOrEqual(FEATURE_NAMES.length);
          expect(node[2] > i && node[2] < t.length && node[3] > i && node[3] < t.length).toBe(true);
        }
      });
    }
    // Words only: letters, 3-14 of them, each with a vowel (identifier pieces seen in 5+ repositories).
    for (const w of MODEL.words) expect(w).toMatch(/^(?=.*[aeiouy])[a-z]{3,14}$/);
  });

  it('property: filtered = unfiltered, and no match ever holds more than its span; previews mask', () => {
    const piece = fc.oneof(
      fc.constantFrom(...CREDENTIAL_KEYWORDS.filter((k) => /^[a-z]+$/.test(k)), 'db_password', 'API_TOKEN', 'client_secret', '"', "'", '=', ': ', ' ', '\n', '(', ')', '<', '>', '</', '-p', '--password=', 'Basic ', 'https://u:', '@h/', '\\"', '{"kty":', '"d":', 'k: ', '}', ' IDENTIFIED BY ', 'ConvertTo-SecureString ', ' -Password ', '[]byte(', '=\\\n', '-----BEGIN USER NKEY SEED-----\n', '\r\n'),
      fc.stringMatching(/^[A-Za-z0-9+/#_-]{1,24}$/),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), fc.constantFrom('a.yml', 'test/x_test.go', 'README.md', ''), (parts, path) => {
        const text = parts.join('');
        // The pattern rows alone can differ already (a global regex over `password=password=x` skips the
        // second assignment the keyword-anchored run finds: an older, separate matter); the model must add
        // no difference of its own.
        fc.pre(JSON.stringify(detectSecrets(text, { path, credentials: false })) === JSON.stringify(detectSecretsUnfiltered(text, { path, credentials: false })));
        const ms = detectSecrets(text, { path, credentials: true });
        expect(detectSecretsUnfiltered(text, { path, credentials: true })).toEqual(ms);
        for (const m of ms) {
          const secret = text.slice(m.start, m.end);
          expect(m.preview).toBe(maskSecret(secret));
          expect(secret.length < 6 || !m.preview.includes(secret)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('credential model: candidates beyond one assignment (issue 20)', () => {
  const v = b62(24, 60);
  // [name, text, the candidate's shape]: each value is found as a candidate of that structure.
  it.each([
    ['the value on the line after its label', `DB_PASSWORD=\\\n  ${v}\n`, 'next'],
    ['a Markdown label, then the value', `**Admin password:**\n    ${v}\n`, 'next'],
    ['SQL IDENTIFIED BY', `ALTER USER app IDENTIFIED BY '${v}';`, 'sql'],
    ['MySQL IDENTIFIED WITH … BY', `CREATE USER 'app'@'%' IDENTIFIED WITH mysql_native_password BY '${v}';`, 'sql'],
    ['PowerShell ConvertTo-SecureString', `$pw = ConvertTo-SecureString '${v}' -AsPlainText -Force`, 'literal'],
    ['a -Password flag', `Invoke-Thing -Password ${v} -User svc`, 'flag'],
    ['a conversion between name and literal', `var signingKey = []byte("${v}")`, 'far'],
    ['JSON inside a string', `conn.write("CONNECT {\\"user\\":\\"svc\\",\\"pass\\":\\"${v}\\"}")`, 'assign'],
    ['a JWK private member, lines after kty', `{\n  "kty": "oct",\n  "k": "${v}"\n}`, 'jwk'],
    ['a query parameter of a URL', `<a href="https://share.example/s/abc?password=${v}&amp;x=1">`, 'assign'],
    ['an access token in a URL after its scheme', `curl https://api.example/v1/info?access_token=${v}`, 'assign'],
    ['a prefixed long flag', `--jwt-secret ${v} \\`, 'flag'],
    ['a prefixed flag with =', `"--client-secret=${v}",`, 'flag'],
    ['a PowerShell parameter ending in Password', `.\\Run.ps1 -CertFilePassword ${v} -Force`, 'flag'],
    ['SQL ROLE … PASSWORD inside a shell string', `psql -c "ALTER ROLE app PASSWORD '${v}'; SELECT 1"`, 'sql'],
    ['curl -u user:password', `curl -u deploy:${v} https://ci.example/api`, 'flag'],
  ])('%s', (_name, text, shape) => {
    const all = [...allLines(text)].flatMap(([f, t]) => lineCandidates(text, f, t, true));
    const hit = all.find((c) => text.slice(c.start, c.end) === v);
    expect(hit?.shape, JSON.stringify(all.map((c) => [c.shape, c.name]))).toBe(shape);
  });

  it.each([
    ['a flag whose keyword is inside another word', `--monkey ${v}`],
    ['a URL path segment, not a query parameter', `https://cdn.example/tokens/${v}/logo.png`],
  ])('no candidate: %s', (_name, text) => {
    const all = [...allLines(text)].flatMap(([f, t]) => lineCandidates(text, f, t, true));
    expect(all.filter((c) => text.slice(c.start, c.end) === v)).toEqual([]);
  });

  it('one value is reported once, also when two label lines reach it', () => {
    const text = `{"kty":"oct","kid":"a",\n"kty2":"x",\n"k":"${v}"}`;
    const found = credentialsIn(text, allLines(text), 'jwk.json', true, undefined, 0);
    expect(found.filter((c) => text.slice(c.start, c.end) === v)).toHaveLength(1);
  });

  it('property: candidates of any text lie inside it, start before they end, and score between 0 and 1', () => {
    const piece = fc.oneof(
      fc.constantFrom('password', 'secret', 'kty', 'identified by ', 'securestring ', '"', "'", '\\"', ':', '=', '\\', '\n', '\r', ' ', '-', '/', '{', '}', '(', ')', '[]byte(', '@"', '-----BEGIN X SEED-----', '**'),
      fc.stringMatching(/^[A-Za-z0-9+/#_-]{1,30}$/),
      fc.string({ maxLength: 6 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (parts) => {
        const text = parts.join('');
        for (const [f, t] of allLines(text)) {
          const cands = lineCandidates(text, f, t, false);
          for (const c of cands) {
            expect(c.start).toBeGreaterThanOrEqual(0);
            expect(c.end).toBeLessThanOrEqual(text.length);
            expect(c.start).toBeLessThan(c.end);
            expect(c.start).toBeGreaterThanOrEqual(f); // on its line or a later one, never before
            expect(features(text, c, f, t, cands.length, 'a/b.yml').length).toBe(FEATURE_NAMES.length);
            const x = modelInput(text, c, f, t, cands.length, 'a/b.yml');
            expect(x.length).toBe(FEATURE_NAMES.length + 1);
            const g = charGrams(text, c, f, t, 'a/b.yml', 16);
            for (const k of g) expect(k >= 0 && k < 2 ** 16).toBe(true);
            expect(new Set(g).size).toBe(g.length);
            const p = score(x);
            expect(p > 0 && p < 1).toBe(true);
          }
        }
      }),
      { numRuns: 400 },
    );
  });
});


describe('credential model: it judges the generic rows and url-basic-auth (round 5)', () => {
  const on = (text: string, path: string) => detectSecrets(text, { path, credentials: true });
  const off = (text: string, path: string) => detectSecrets(text, { path });

  it.each([
    // Not secrets the rows report: a C++ expression after a name, a test URL with a word for a password.
    ['an expression after a password name, in a test', `    ${'pass'}word_ = std::make_shared<std::string>(`, 'test/cc/session_test.cc', 'generic-password'],
    ['a word for a password in a test URL', `url = 'http://user:${'pass'}_word@example.com/x'`, 'test/http_test.py', 'url-basic-auth'],
  ])('%s: the row finds it, the model (on) drops it', (_name, text, path, kind) => {
    expect(off(text, path).map((m) => m.kind)).toEqual([kind]);
    expect(on(text, path)).toEqual([]);
    expect(detectSecretsUnfiltered(text, { path, credentials: true })).toEqual([]);
  });

  it("a user's row is never judged, also under a built-in row's id", () => {
    const text = `url = 'http://user:${'pass'}_word@example.com/x'`;
    for (const id of ['url-basic-auth', 'acme-url']) {
      const extraPatterns = [{ id, description: 'test row', keywords: ['http://'], regex: 'http://user:(pass_word)@', secretGroup: 1 }];
      expect(detectSecrets(text, { path: 'test/http_test.py', credentials: true, extraPatterns }).map((m) => m.kind)).toEqual([id]);
    }
  });

  it('a URL password the model accepts keeps the row and its kind', () => {
    const text = `proxy = "https://someuser:${b62(14, 40)}@proxy.local/a"`;
    expect(on(text, 'tests/test_url.py').map((m) => m.kind)).toEqual(['url-basic-auth']);
  });

  it('a value that looks random stays the row\'s finding even where the model scores it below its threshold', () => {
    const v = `%${'zqqmAHD5dLT'}&XQK`;
    const text = `# service settings\nLOG_LEVEL=info\nsmtp_password = ${v}\nPORT=8080\n`;
    const at = text.indexOf(v);
    const scored = credentialsIn(text, allLines(text), '', true, undefined, 0).filter((c) => c.start < at + v.length && at < c.end);
    expect(scored.length).toBeGreaterThan(0);
    expect(Math.max(...scored.map((c) => c.p))).toBeLessThan(MODEL.threshold); // what makes this test mean something
    expect(on(text, '').map((m) => [m.kind, m.start])).toEqual([['generic-password', at]]);
  });

  it('property: the overlap index answers as a scan of every span would', () => {
    const span = fc.tuple(fc.nat(200), fc.integer({ min: 1, max: 40 })).map(([s, n]) => [s, s + n] as [number, number]);
    fc.assert(
      fc.property(fc.array(span, { maxLength: 30 }), fc.array(span, { minLength: 1, maxLength: 10 }), (spans, queries) => {
        const has = spanIndex(spans.flat());
        for (const [s, e] of queries) expect(has(s, e)).toBe(spans.some(([a, b]) => a < e && s < b));
      }),
      { numRuns: 300 },
    );
  });

  it('property: a random-looking value (12+ characters, three classes) the rows find is found with the model on too', () => {
    const chars = fc.constantFrom(...'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789!#%&*+-_~^'.split(''));
    fc.assert(
      fc.property(fc.array(chars, { minLength: 12, maxLength: 28 }), fc.constantFrom('smtp_password = ', 'password: ', 'api_key = ', 'AUTH_TOKEN=', 'url: https://deploy:'), (cs, prefix) => {
        const v = cs.join('');
        const text = `${prefix}${v}${prefix.startsWith('url') ? '@db.internal/x' : ''}\n`;
        const found = off(text, 'app/config.txt').filter((m) => text.slice(m.start, m.end) === v);
        const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((r) => r.test(v)).length;
        // The guard's own condition (detect.ts looksRandom): url-basic-auth has no entropy floor of its own.
        fc.pre(found.length > 0 && classes >= 3 && shannonEntropy(v) >= 3);
        const withModel = on(text, 'app/config.txt');
        for (const f of found) expect(withModel.some((m) => m.start <= f.start && f.end <= m.end)).toBe(true);
      }),
      { numRuns: Number(process.env.CRED_PROP_RUNS ?? 300) },
    );
  });
});

describe('AWS secret access key without its variable name (context across lines)', () => {
  // 40 characters, all three classes: the shape of an AWS secret, built at run time.
  const sec = `${b62(12, 30)}/${b62(13, 31)}+${b62(13, 32)}`;
  const id = `AKIA${'Q3EGRJ7ZK4NW5T2Y'}`;

  it.each([
    ['the line after an access key id (commit message)', `Rotated the deploy credentials:\n${id}\n${sec}\n`, 3],
    ['a Markdown runbook, after its label line', `## AWS secret access key\n\n    ${sec}\n`, 3],
    ['an export split over two lines', `export AWS_SECRET_ACCESS_KEY=\\\n  ${sec}\n`, 2],
  ])('%s', (_name, text, line) => {
    const ms = detectSecrets(text).filter((m) => m.kind === 'aws-secret-access-key');
    expect(ms.map((m) => m.line)).toEqual([line]);
    expect(text.slice(ms[0].start, ms[0].end)).toBe(sec);
    expect(detectSecretsUnfiltered(text)).toEqual(detectSecrets(text));
  });

  it.each([
    ['a commit hash after a key id', `${id}\n${createHash('sha1').update('c').digest('hex')}\n`],
    ['a random 40-character run with nothing about AWS near it', `## Notes\n\n    ${sec}\n`],
    ['far from the label', `## AWS secret access key\n${'\n'.repeat(3)}${'word '.repeat(60)}\n${sec}\n`],
  ])('not %s', (_name, text) => {
    expect(detectSecrets(text).filter((m) => m.kind === 'aws-secret-access-key')).toEqual([]);
  });
});

describe('precommit: generic credentials block the commit, shown only as a masked preview', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('off by default: the same commit passes without secrets.credentials', () => {
    // A salt only the model finds (the pattern rows have none): the commit passes; with the config, it is blocked.
    const line = `salt = "${b62(24, 43)}"\n`;
    const off = precommitRepo('clipguard-credential-off-', dirs);
    off.stage('config/app.ini', line);
    expect(off.precommit().code).toBe(0);
    const on = precommitRepo('clipguard-credential-on-', dirs);
    writeFileSync(join(on.dir, 'clipguard.config.json'), JSON.stringify({ secrets: { credentials: true } }));
    on.stage('config/app.ini', line);
    expect(on.precommit().code).toBe(1);
  });

  it('with secrets.credentials: a password in .env and a Basic header in a script: findings with preview (<= 4 characters), never the value', () => {
    const { dir, stage, precommit } = precommitRepo('clipguard-credential-', dirs);
    writeFileSync(join(dir, 'clipguard.config.json'), JSON.stringify({ secrets: { credentials: true } }));
    const pw = `${b62(11, 40)}!${b62(4, 41)}`;
    const basic = Buffer.from(`ci:${b62(16, 42)}`).toString('base64');
    stage('deploy/.env', `APP_ENV=production\nDB_PASSWORD=${pw}\n`);
    stage('scripts/sync.sh', `#!/bin/sh\ncurl -H "Authorization: Basic ${basic}" https://api.internal/sync\n`);
    const r = precommit();
    expect(r.code, r.stderr).toBe(1);
    const found = (r.report?.findings ?? []).map((f) => [f.ruleId, f.location?.file, f.location?.line, f.preview]);
    expect(found.sort()).toEqual([
      ['security/secret-in-diff', 'deploy/.env', 2, maskSecret(pw)],
      ['security/secret-in-diff', 'scripts/sync.sh', 2, maskSecret(basic)],
    ]);
    for (const v of [pw, basic]) {
      expect(r.stdout).not.toContain(v);
      expect(r.stderr).not.toContain(v);
    }
  });
});
