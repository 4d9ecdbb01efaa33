import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  SECRET_PATTERNS,
  SecretPatternError,
  detectSecrets,
  detectSecretsUnfiltered,
  maskSecret,
  redactSecrets,
  secretIgnoredFor,
  shannonEntropy,
  validateSecretPatterns,
  type SecretMatch,
  type SecretPattern,
} from '../../src/detectors/secrets/index.js';
import { FAKE_KINDS, SELF_CONTAINED_KINDS, fakeSample, fakeToken } from '../helpers/fake-secrets.js';

// Hashes and ids for the hard negatives, made at run time like every key-shaped string in this file.
const hex = (n: number, seed = 1) => createHash('sha512').update(`hex${seed}`).digest('hex').repeat(4).slice(0, n);
const b64 = (n: number, seed = 1) => createHash('sha512').update(`b64${seed}`).digest('base64').repeat(4).slice(0, n);
const b62 = (n: number, seed = 1) => b64(n * 2, seed).replace(/[+/=]/g, '').slice(0, n);
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Checks every match against the text: offsets, line/column, mask, hash, and no plain secret anywhere. */
function checkMatches(text: string, matches: SecretMatch[]): void {
  for (const m of matches) {
    const secret = text.slice(m.start, m.end);
    expect(secret.length).toBeGreaterThan(0);
    const before = text.slice(0, m.start);
    expect(m.line).toBe(before.split('\n').length);
    expect(m.column).toBe(Array.from(before.slice(before.lastIndexOf('\n') + 1)).length + 1);
    expect(m.hash).toBe(sha256(secret));
    expect(m.preview.endsWith('…')).toBe(true);
    expect(secret.startsWith(m.preview.slice(0, -1))).toBe(true);
    expect(JSON.stringify(m)).not.toContain(secret);
  }
}

function only(text: string): SecretMatch {
  const ms = detectSecrets(text);
  checkMatches(text, ms);
  expect(ms.map((m) => m.kind), text.slice(0, 200)).toHaveLength(1);
  return ms[0];
}

// Where tokens land in real life: code, .env, YAML, JSON, shell, Markdown, tickets, commit messages.
const CONTEXTS: ((t: string) => string)[] = [
  (t) => t,
  (t) => `const client = new Client({ key: "${t}" });`,
  (t) => `# .env\nSERVICE_CREDENTIAL=${t}\nLOG_LEVEL=debug\n`,
  (t) => `deploy:\n  env:\n    UPSTREAM: '${t}'\n`,
  (t) => `{"name":"svc","auth":{"value":"${t}"},"n":1}`,
  (t) => `export UPSTREAM=${t} && ./run.sh`,
  (t) => `Use this one for now: \`${t}\` (rotate later)`,
  (t) => `Hi team, the deploy failed. I pasted the key here so you can retry:\n\n${t}\n\nThanks!`,
  (t) => `部署失敗了，請用這個金鑰重試：${t} 謝謝。`,
  (t) => `fix(ci): use the new deploy key\n\nThe old one expired, new one is ${t}\n`,
];

describe('detectSecrets: every kind', () => {
  it('knows a fake generator for every built-in row, and a row for every fake kind', () => {
    // (aws-secret-access-key has two rows: with its variable name, and on the line after its label or key id.)
    expect([...FAKE_KINDS].sort()).toEqual([...new Set(SECRET_PATTERNS.map((p) => p.id))].sort());
  });

  for (const kind of SELF_CONTAINED_KINDS) {
    it(`finds ${kind} in code, config, prose and commit messages`, () => {
      CONTEXTS.forEach((ctx, i) => {
        const secret = fakeToken(kind, 100 + i);
        const text = ctx(secret);
        const m = only(text);
        expect(m.kind).toBe(kind);
        expect(text.slice(m.start, m.end)).toBe(secret);
        expect(m.inlineIgnored).toBe(false);
      });
    });
  }

  for (const kind of FAKE_KINDS.filter((k) => !SELF_CONTAINED_KINDS.includes(k))) {
    it(`finds ${kind} in each of its contexts, also inside a larger document`, () => {
      for (let style = 0; style < 6; style++) {
        const s = fakeSample(kind, 200 + style, style);
        const text = `## Notes\n\nSee below.\n\n${s.text}\n\nmore text 中文 🙂 here\n`;
        const m = only(text);
        expect(m.kind).toBe(kind);
        expect(m.start).toBe(text.indexOf(s.text) + s.offset);
        expect(m.end).toBe(m.start + s.secret.length);
      }
    });
  }

  it('reports Paperclip keys by their own kinds', () => {
    expect(only(`PAPERCLIP_API_KEY=${fakeToken('paperclip-agent-key', 1)}`).kind).toBe('paperclip-agent-key');
    expect(only(`Authorization: Bearer ${fakeToken('paperclip-board-key', 1)}`).kind).toBe('paperclip-board-key');
    expect(only(`~/.paperclip/auth.json: {"token": "${fakeToken('paperclip-cli-auth-token', 1)}"}`).kind).toBe('paperclip-cli-auth-token');
    expect(only(`claim ${fakeToken('paperclip-claim-secret', 1)}`).kind).toBe('paperclip-claim-secret');
    expect(only(`https://paperclip.local/invite/${fakeToken('paperclip-invite-token', 1)}`).kind).toBe('paperclip-invite-token');
    // The legacy invite token: 8 base36 characters with a digit.
    expect(only('invite link: pcp_invite_' + 'k3x9q2m7').kind).toBe('paperclip-invite-token');
    expect(detectSecrets('pcp_invite_template and pcp_invite_')).toEqual([]);
  });

  it('tells a Paperclip run JWT (HS256, run_id + company_id) from any other JWT', () => {
    const run = fakeToken('paperclip-run-jwt', 3);
    expect(only(`PAPERCLIP_API_KEY=${run}`).kind).toBe('paperclip-run-jwt');
    const other = fakeToken('jwt', 3);
    expect(only(`Authorization: Bearer ${other}`).kind).toBe('jwt');
    // An HS256 token without the run claims is a plain JWT; one with them but RS256 is not Paperclip's.
    const sig = b62(43, 4).replace(/[^A-Za-z0-9]/g, 'a');
    const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    expect(only(`${enc({ alg: 'HS256', typ: 'JWT' })}.${enc({ sub: 'a', exp: 1 })}.${sig}`).kind).toBe('jwt');
    expect(only(`${enc({ alg: 'RS256', typ: 'JWT' })}.${enc({ run_id: 'r', company_id: 'c' })}.${sig}`).kind).toBe('jwt');
    // Header that is not JSON: not a JWT.
    expect(detectSecrets(`eyJ${b62(20, 5)}.eyJ${b62(30, 6)}.${sig}`)).toEqual([]);
  });

  it('finds a secret next to a specific token once, by the specific kind', () => {
    const gh = fakeToken('github-pat', 9);
    expect(only(`password=${gh}`).kind).toBe('github-pat');
    expect(only(`api_key: "${gh}"`).kind).toBe('github-pat');
    const m = only(`https://x-access-token:${gh}@github.com/org/repo.git`);
    expect(m.kind).toBe('github-pat');
    const sk = fakeToken('anthropic-api-key', 9);
    expect(only(`ANTHROPIC_API_KEY=${sk}`).kind).toBe('anthropic-api-key');
  });

  it('finds several secrets in one text, in order, with correct lines and code-point columns', () => {
    const a = fakeToken('github-pat', 11);
    const b = fakeToken('stripe-secret-key', 12);
    const c = fakeToken('aws-access-key-id', 13);
    const text = `first line\n😀😀 ${a} and ${b}\r\n\ttab ${c}\n`;
    const ms = detectSecrets(text);
    checkMatches(text, ms);
    expect(ms.map((m) => [m.kind, m.line, m.column])).toEqual([
      ['github-pat', 2, 4],
      ['stripe-secret-key', 2, 4 + a.length + 5],
      ['aws-access-key-id', 3, 6],
    ]);
  });

  it('finds generic assignments with enough entropy in many syntaxes', () => {
    const v = 'Q7f' + b62(20, 21) + '9zK';
    for (const text of [`API_KEY=${v}`, `apiKey: '${v}'`, `"api-key": "${v}"`, `client_secret := "${v}"`, `auth_token => ${v}`, `<apiKey>${v}</apiKey>`, `\\"token\\": \\"${v}\\"`, `set -x TOKEN ${v}`.replace(' TOKEN ', ' TOKEN=')]) {
      const m = only(text);
      expect(m.kind, text).toBe('generic-api-key');
      expect(text.slice(m.start, m.end)).toBe(v);
    }
    const pw = 'Tr0ub4dor&3' + b62(4, 22); // clipguard-ignore generic-password -- a well-known example password, completed at run time
    for (const text of [`DB_PASSWORD=${pw}`, `password: "${pw}"`, `'passwd': '${pw}'`, `mysql_pwd=${pw}`, `密码：${pw}`, `密碼: ${pw}`, `passphrase = \`${pw}\``]) {
      const m = only(text);
      expect(m.kind, text).toBe('generic-password');
      expect(text.slice(m.start, m.end)).toBe(pw);
    }
  });

  it('finds a generated generic key whose parts look like syllables (Jyc, Lyqr, Dvxooz): a letter pair no identifier holds makes such a part no word', () => {
    // Seeds the e2e properties met (`api_key: ` + 24-25 random letters and digits), missed before: the value split
    // into capitalised 3-5 letter parts with a vowel plus short acronyms, which read as an identifier.
    for (const [seed, style] of [
      [2027296828, 0],
      [1580234565, 0],
      [2138941470, 2],
      [146044733, 2],
    ]) {
      const s = fakeSample('generic-api-key', seed, style);
      expect(detectSecrets(s.text).map((m) => s.text.slice(m.start, m.end)), `seed ${seed}`).toEqual([s.secret]);
    }
    // Identifiers of real words with a digit stay identifiers, common tool names included (gzip, nginx, vue,
    // ffmpeg, mkdir, opencv: the pairs they hold are not in the rare list).
    for (const v of ['nginxGzipUpstream2', 'vueRouterHistory3', 'ffmpegMkdirOutput2', 'opencvBuilderStep2', 'awsS3BucketName2']) expect(detectSecrets(`api_key: ${v}`), v).toEqual([]);
  });

  it('allowlists key metadata by whole identifier words only', () => {
    const v = 'Q7f' + b62(20, 23) + '9zK';
    for (const key of ['prev_token', 'revoke_token', 'hashicorp_token', 'secret_id', 'SECRET_KEY', 'api_key_v2']) expect(only(`${key} = ${v}`).kind, key).toBe('generic-api-key');
    for (const key of ['token_id', 'TOKEN_VERSION', 'secretSha', 'api_key_name', 'secret_name', 'credentials_path', 'page_token', 'csrf_token']) expect(detectSecrets(`${key} = ${v}`), key).toEqual([]);
  });

  it('finds passwords in every supported connection-string scheme, and URL basic auth', () => {
    const pw = 'pA55' + b62(14, 31);
    for (const scheme of ['postgres', 'postgresql', 'mysql', 'mongodb', 'mongodb+srv', 'redis', 'rediss', 'amqp', 'amqps', 'mariadb']) {
      const text = `url = "${scheme}://svc:${pw}@host.internal:1234/db"`;
      const m = only(text);
      expect(m.kind).toBe('connection-string-password');
      expect(text.slice(m.start, m.end)).toBe(pw);
    }
    expect(only(`redis://:${pw}@cache:6379/0`).kind).toBe('connection-string-password');
    // An unencoded @ in the password: the host starts after the last @.
    const at = `postgres://u:${pw}@x@db.internal/app`;
    expect(at.slice(only(at).start, only(at).end)).toBe(`${pw}@x`);
    expect(only(`git clone https://deploy:${pw}@git.internal.corp/r.git`).kind).toBe('url-basic-auth');
  });

  it('connection strings: a placeholder password is silent, a real-looking one is still found by its own row', () => {
    for (const p of ['<password>', '<your-password>', '<db_password>', '<pwd>', '<passwd>', '${DB_PASS}', '{{password}}', '{{ db_password }}', 'xxx']) {
      for (const dsn of [`postgres://user:${p}@localhost/db`, `mysql://root:${p}@127.0.0.1/app`, `DATABASE_URL=postgresql://app:${p}@db.internal:5432/app`, `redis://:${p}@cache:6379/0`]) {
        expect(detectSecrets(dsn).map((m) => `${m.kind} ${m.preview}`), dsn).toEqual([]);
        expect(detectSecretsUnfiltered(dsn), dsn).toEqual([]);
      }
    }
    const pw = 'pA55' + b62(14, 32);
    for (const dsn of [`postgres://user:${pw}@localhost/db`, `mysql://root:${pw}@127.0.0.1/app`]) {
      const m = only(dsn);
      expect(m.kind).toBe('connection-string-password');
      expect(dsn.slice(m.start, m.end)).toBe(pw);
    }
    // `>` still ends an XML element name: <password>...</password> is an assignment.
    const xml = `<password>${pw}!</password>`;
    expect(xml.slice(only(xml).start, only(xml).end)).toBe(`${pw}!`);
    expect(only(xml).kind).toBe('generic-password');
  });

  it('finds PEM, OpenSSH and PGP private keys, also JSON-escaped, and redacts only the body', () => {
    for (let style = 0; style < 6; style++) {
      const s = fakeSample('private-key', 40 + style, style);
      expect(only(s.text).kind).toBe('private-key');
      const escaped = JSON.stringify({ key: s.text });
      const m = only(escaped);
      expect(m.kind).toBe('private-key');
      const red = redactSecrets(escaped, [m]);
      expect(red).toMatch(/^\{"key":"-----BEGIN [A-Z ]*PRIVATE KEY(?: BLOCK)?-----\\n\[REDACTED:private-key\]\\n-----END [A-Z ]*PRIVATE KEY(?: BLOCK)?-----"\}$/);
    }
  });

  it('finds 64-hex private keys only with wallet / private-key words near them', () => {
    const k = fakeToken('ethereum-private-key', 51);
    expect(only(`wallet:\n  address: 0x${hex(40, 52)}\n  private_key: 0x${k}\n`).kind).toBe('ethereum-private-key');
    expect(only(`0x${k} <- the ETH hot wallet key, do not share`).kind).toBe('ethereum-private-key');
    expect(only(`私鑰: ${k}`).kind).toBe('ethereum-private-key');
    expect(detectSecrets(`value: 0x${k}`)).toEqual([]);
    expect(detectSecrets(`${k}`)).toEqual([]);
    expect(detectSecrets(`wallet tx hash: 0x${k}`)).toEqual([]);
    expect(detectSecrets(`wallet public key: 0x${k}`)).toEqual([]);
  });

  it('finds the AWS secret access key only next to AWS context', () => {
    const s = fakeToken('aws-secret-access-key', 61);
    const id = fakeToken('aws-access-key-id', 61);
    const ms = detectSecrets(`[default]\naws_access_key_id = ${id}\naws_secret_access_key = ${s}\n`);
    expect(ms.map((m) => m.kind)).toEqual(['aws-access-key-id', 'aws-secret-access-key']);
    expect(only(`{"AccessKey": {"AccessKeyId": "${id}", "SecretAccessKey": "${s}"}}`.replace(id, 'ABC')).kind).toBe('aws-secret-access-key');
    // Same value under a generic name without AWS anywhere: the generic row reports it.
    expect(only(`secret: ${s}`).kind).toBe('generic-api-key');
  });

  it('finds a PayPal client secret only as a secret, never the account e-mail', () => {
    const s = fakeToken('paypal-client-secret', 71);
    expect(only(`paypal:\n  account: ops@canfly.ai\n  client_secret: ${s}\n`).kind).toBe('paypal-client-secret');
    expect(detectSecrets('paypal_account: ops@example.com\nPayPal 帳號：ops@canfly.ai\npaypal:\n  mode: live\n  account: billing@canfly.ai')).toEqual([]);
  });

  it('finds a PayPal client secret in ticket prose (English and Chinese), not the account or prose without a value', () => {
    // 64 alphanumeric characters, as PayPal's dashboard shows them (built at run time, never a literal).
    const v = b62(64, 72);
    const prose = [
      `PayPal client secret is ${v}`,
      `The PayPal client secret is ${v}.`,
      `PayPal client secrets are: ${v}`,
      `PayPal 的 client secret 是 ${v}`,
      `PayPal 的 client secret 是：${v}，用完請刪除`,
      `PayPal 的 secret 為 ${v}`,
      `PayPal 的 client secret 为${v}`,
      `PayPal account: ops@canfly.ai, client secret is ${v}`,
    ];
    for (const text of prose) {
      const m = only(text);
      expect(m.kind, text).toBe('paypal-client-secret');
      expect(text.slice(m.start, m.end)).toBe(v);
      expect(detectSecretsUnfiltered(text)).toEqual([m]);
    }
    for (const text of [
      'PayPal account is ops@canfly.ai',
      'PayPal 帳號是 billing@canfly.ai',
      'The PayPal client secret is in Paperclip secrets, ask ops.',
      'PayPal 的 client secret 是什麼？請到 Paperclip secrets 拿。',
      `PayPal client secret is ${hex(64, 73)}`, // a hash, not a key
      `PayPal client secret is not ${v}`, // no operator right after "is": not this shape
    ]) {
      expect(detectSecrets(text).map((m) => m.kind), text).toEqual([]);
    }
  });
});

describe('detectSecrets: hard negatives stay silent', () => {
  const cases: [string, string][] = [
    ['uuid', 'id: 123e4567-e89b-12d3-a456-426614174000'],
    ['uuid as token', `token: ${hex(8, 1)}-${hex(4, 2)}-4${hex(3, 3)}-a${hex(3, 4)}-${hex(12, 5)}`],
    ['uuid in JSON', `"session_token": "${hex(8, 6)}-${hex(4, 7)}-4${hex(3, 8)}-b${hex(3, 9)}-${hex(12, 10)}"`],
    ['git sha', `commit ${hex(40, 11)}`],
    ['git sha in JSON', `"sha": "${hex(40, 12)}"`],
    ['git sha near the word secret', `fixed the secret leak in ${hex(40, 13)}`],
    ['action pin', `uses: actions/checkout@${hex(40, 14)}`],
    ['sha256 hex', `sha256: ${hex(64, 15)}`],
    ['sha256sum line', `${hex(64, 16)}  dist/app.tar.gz`],
    ['image digest', `image: node@sha256:${hex(64, 17)}`],
    ['digest field', `"digest": "sha256:${hex(64, 18)}"`],
    ['checksum', `checksum=${hex(64, 19)}`],
    ['sha512 hex', `sha512 ${hex(128, 20)}`],
    ['sha256 near "private key"', `private key sha256: ${hex(64, 21)}`],
    ['SRI', `<script src="x.js" integrity="sha384-${b64(64, 22)}"></script>`],
    ['lockfile', `"node_modules/js-tokens": {\n      "version": "4.0.0",\n      "resolved": "https://registry.npmjs.org/js-tokens/-/js-tokens-4.0.0.tgz",\n      "integrity": "sha512-${b64(86, 23)}=="\n    }`],
    ['AWS example id', 'aws_access_key_id = AKIA' + 'IOSFODNN7' + 'EXAMPLE'],
    ['AWS example secret', 'aws_secret_access_key = ' + 'wJalrXUtnFEMI/K7MDENG/bPxRfiCY' + 'EXAMPLEKEY'], // clipguard-ignore generic-api-key -- AWS's documented example key, split so no scanner sees it whole
    ['EXAMPLE in a token', `ghp_EXAMPLE${b62(29, 24)}`],
    ['xxx placeholder', 'api_key: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'],
    ['XXXX token', 'GITHUB_TOKEN=ghp_' + 'X'.repeat(36)],
    ['stripe xxx', 'STRIPE_KEY=sk_live_' + 'x'.repeat(24)],
    ['<your-key>', 'token: <your-key>'],
    ['${VAR}', 'api_key: ${API_KEY}'],
    ['$VAR', 'password: $DB_PASSWORD'],
    ['{{ var }}', 'secret: {{ .Values.secret }}'],
    ['{{ var }} quoted', 'password: "{{ db_password }}"'],
    ['GitHub Actions secret', 'password: ${{ secrets.DOCKER_PASSWORD }}'],
    ['changeme', 'password: changeme'],
    ['changeme long', 'DB_PASSWORD=changeme123!'],
    ['your_api_key_here', 'api_key = "your_api_key_here"'],
    ['process.env', 'apiKey: process.env.OPENAI_API_KEY'],
    ['os.environ[]', 'token = os.environ["GITHUB_TOKEN"]'],
    ["os.environ['']", "password = os.environ['DB_PASSWORD']"],
    ['getenv', 'secret = os.getenv("APP_SECRET_KEY")'],
    ['masked', 'password: "********"'],
    ['redacted', 'secret: <redacted>'],
    ['already redacted', 'was [REDACTED:github-pat] now'],
    ['public_key=', `public_key = "${hex(64, 25)}"`],
    ['publicKey', `publicKey: "${b64(44, 26)}"`],
    ['public api key', `public_api_key = ${b62(32, 27)}`],
    ['wallet public key', `wallet public key: 0x${hex(64, 28)}`],
    ['PEM public key', `-----BEGIN PUBLIC KEY-----\n${b64(64, 29)}\n${b64(64, 30)}\n-----END PUBLIC KEY-----`],
    ['PEM placeholder', '-----BEGIN RSA PRIVATE KEY-----\n<your private key here>\n-----END RSA PRIVATE KEY-----'],
    ['ssh public key', `ssh-ed25519 ${b64(68, 31)} user@host`],
    ['PayPal e-mail', 'paypal_account: ops@example.com'],
    ['short token', 'token=abc123'],
    ['short password', 'password: hunter2'],
    ['short secret', 'secret: s3cr3t'],
    ['one repeated char', 'password=aaaaaaaaaaaa'],
    ['digits only', 'api_key=1234567890123456'],
    ['letters only', 'token=abcdefghijklmnop'],
    ['zeros', 'secret: 0000000000000000000000000000000000000000'],
    ['postgres placeholder password', 'postgres://user' + ':password@localhost/db'],
    ['postgres default', 'postgres://postgres' + ':postgres@localhost:5432/db'],
    ['redis ${VAR}', 'redis://:${REDIS_PASSWORD}@redis:6379'],
    ['format string DSN', 'dsn = "postgres://%s:%s@%s/%s"'],
    ['user:pass', 'https://user:pass@host.internal'],
    ['port, not password', 'https://host.internal:8443/path?email=a@b.co'],
    ['code: await', 'const token = await getToken();'],
    ['code: type', 'password: string;'],
    ['code: comparison', 'if (password.length < 12345678) {'],
    ['code: dotted', 'self.secret_key = settings.SECRET_KEY'],
    ['code: call', 'password = get_password()'],
    ['code: config path', 'password = config.db.password'],
    ['model name', 'tokenizer: bert-base-uncased-v2'],
    ['secretName', 'secretName: my-app-secret'],
    ['max_tokens', 'max_tokens: 4096'],
    ['page token', `next_page_token: ${b64(40, 32)}`],
    ['password reset URL', 'password_reset_url: https://id.canfly.ai/reset'],
    ['bcrypt hash', `password_hash = "$2b$12$${b64(53, 33).replace(/[+/]/g, '.')}"`],
    ['api version', 'api_version = 2023-10-16'],
    ['prose', 'The token expired; please rotate the secret. Reset your password: click the link.'],
    ['zh prose', '請勿在工單裡放密碼或私鑰。密码：请联系运维团队的值班同事获取临时访问凭证'],
    ['PWD', 'export PWD=/home/user/project'],
    ['low-entropy Anthropic shape', 'sk-ant-api03-' + 'A'.repeat(93) + 'AA'],
    ['unsigned JWT', 'eyJhbGciOiJub25lIn0.' + 'eyJzdWIiOiIxMjMifQ.'],
    // clipguard's own executor.ts: a ternary between two rule ids read as `secret…: '<value>'`.
    ['ternary of rule ids', "secretIgnoredFor(m, i < n ? 'security/secret-in-diff' : 'security/secret-in-commit-message')"],
    ['slug with short words', 'token: docs/how-to-rotate-a-key-in-ci'],
    ['URLs and git remotes', 'mongodb://localhost:27017/db https://github.com/org/repo/pull/12 git@github.com:org/repo.git'],
  ];
  for (const [name, text] of cases) {
    it(name, () => {
      expect(detectSecrets(text).map((m) => `${m.kind} ${m.preview}`)).toEqual([]);
      expect(detectSecretsUnfiltered(text)).toEqual([]);
    });
  }
});

describe('detectSecrets: inline ignore', () => {
  const gh = fakeToken('github-pat', 81);

  it('flags (does not drop) matches on a line with clipguard-ignore', () => {
    const ms = detectSecrets(`token = "${gh}"  # clipguard-ignore -- test fixture\nother = "${gh}"`);
    expect(ms.map((m) => [m.line, m.inlineIgnored])).toEqual([
      [1, true],
      [2, false],
    ]);
  });

  it('honours a kind after the marker for every rule, and only that kind', () => {
    expect(detectSecrets(`${gh} // clipguard-ignore github-pat`)[0].inlineIgnored).toBe(true);
    expect(detectSecrets(`${gh} // clipguard-ignore stripe-secret-key`)[0].inlineIgnored).toBe(false);
    expect(detectSecrets(`${gh} // clipguard-ignore i18n/simplified-in-hant`)[0].inlineIgnored).toBe(false);
    expect(detectSecrets(`${gh} // clipguard-ignore stripe-secret-key, github-pat`)[0].inlineIgnored).toBe(true);
    // Prose after the marker is not a target list.
    expect(detectSecrets(`${gh} // clipguard-ignore this is a fixture`)[0].inlineIgnored).toBe(true);
  });

  it('a rule id after the marker holds for that rule only: carried as ignoreRules with the reason', () => {
    const m = detectSecrets(`${gh} # clipguard-ignore security/secret-in-comment -- wrong rule`)[0];
    expect(m.inlineIgnored).toBe(false);
    expect(m.ignoreRules).toEqual(['security/secret-in-comment']);
    expect(m.ignoreReason).toBe('wrong rule');
    expect(secretIgnoredFor(m, 'security/secret-in-diff')).toBe(false);
    expect(secretIgnoredFor(m, 'security/secret-in-comment')).toBe(true);
    // Several rules; -next-line above; a prefix ending at "/" as in file ignores; * and plain markers.
    const two = detectSecrets(`${gh} // clipguard-ignore security/secret-in-diff, security/secret-in-issue`)[0];
    expect([two.inlineIgnored, two.ignoreRules, two.ignoreReason]).toEqual([false, ['security/secret-in-diff', 'security/secret-in-issue'], 'clipguard-ignore']);
    expect(['security/secret-in-diff', 'security/secret-in-issue', 'security/secret-in-comment'].map((r) => secretIgnoredFor(two, r))).toEqual([true, true, false]);
    const above = detectSecrets(`# clipguard-ignore-next-line security/secret-in-diff -- fixture\nA=${gh}`)[0];
    expect([above.inlineIgnored, above.ignoreRules, above.ignoreReason]).toEqual([false, ['security/secret-in-diff'], 'fixture']);
    expect(secretIgnoredFor(detectSecrets(`${gh} // clipguard-ignore security/`)[0], 'security/secret-in-diff')).toBe(true);
    const plain = detectSecrets(`${gh} // clipguard-ignore -- test fixture`)[0];
    expect([plain.inlineIgnored, plain.ignoreRules, plain.ignoreReason]).toEqual([true, undefined, 'test fixture']);
    expect(secretIgnoredFor(plain, 'security/secret-in-diff')).toBe(true);
    expect(detectSecrets(`${gh} // clipguard-ignore *`)[0].inlineIgnored).toBe(true);
    // A kind covers every rule even next to a rule id; a rule id of another family suppresses no secret rule.
    expect(detectSecrets(`${gh} // clipguard-ignore github-pat, security/secret-in-diff`)[0].inlineIgnored).toBe(true);
    expect(secretIgnoredFor(detectSecrets(`${gh} // clipguard-ignore i18n/simplified-in-hant`)[0], 'security/secret-in-diff')).toBe(false);
    const none = detectSecrets(`${gh} // clipguard-ignore stripe-secret-key`)[0];
    expect([none.ignoreRules, none.ignoreReason]).toEqual([undefined, undefined]);
  });

  it('the ignore reason never carries a secret', () => {
    const text = `A=${gh} # clipguard-ignore security/secret-in-diff -- old key ${gh} revoked`;
    const ms = detectSecrets(text);
    checkMatches(text, ms);
    expect(ms[0].ignoreReason).toBe('old key [REDACTED:github-pat] revoked');
  });

  it('honours clipguard-ignore-next-line on the line above only', () => {
    const ms = detectSecrets(`# clipguard-ignore-next-line github-pat\nA=${gh}\nB=${gh}`);
    expect(ms.map((m) => m.inlineIgnored)).toEqual([true, false]);
    // -next-line does not cover its own line.
    expect(detectSecrets(`A=${gh} # clipguard-ignore-next-line`)[0].inlineIgnored).toBe(false);
  });
});

describe('detectSecrets: options', () => {
  const gh = fakeToken('github-pat', 91);
  const text = `A=${gh}\nB=${fakeToken('stripe-secret-key', 91)}`;

  it('allowlist.values takes the secret or its reported hash; allowlist.regexes tests the secret', () => {
    const all = detectSecrets(text);
    expect(all).toHaveLength(2);
    expect(detectSecrets(text, { allowlist: { values: [gh] } }).map((m) => m.kind)).toEqual(['stripe-secret-key']);
    expect(detectSecrets(text, { allowlist: { values: [all[0].hash] } }).map((m) => m.kind)).toEqual(['stripe-secret-key']);
    expect(detectSecrets(text, { allowlist: { values: [`sha256:${all[1].hash}`] } }).map((m) => m.kind)).toEqual(['github-pat']);
    expect(detectSecrets(text, { allowlist: { regexes: ['^sk_live_'] } }).map((m) => m.kind)).toEqual(['github-pat']);
  });

  it('allowlist.paths skips whole files by glob', () => {
    const allowlist = { paths: ['docs/examples/**', '**/*.snap'] };
    expect(detectSecrets(text, { allowlist, path: 'docs/examples/a/b.md' })).toEqual([]);
    expect(detectSecrets(text, { allowlist, path: 'test/__snapshots__/x.snap' })).toEqual([]);
    expect(detectSecrets(text, { allowlist, path: 'src/config.ts' })).toHaveLength(2);
  });

  it('runs extra pattern rows (scan anchor by default) ahead of the generic rows', () => {
    const extra: SecretPattern[] = [{ id: 'acme-token', description: 'ACME internal token', keywords: ['acme_'], regex: 'acme_[a-z0-9]{24}', minEntropy: 3 }];
    const tok = 'acme_' + hex(24, 92).replace(/[0-9]/g, (d) => 'qrstuvwxyz'[Number(d)]).slice(0, 12) + hex(12, 93);
    const ms = detectSecrets(`ACME_API_KEY=${tok}`, { extraPatterns: extra });
    expect(ms.map((m) => m.kind)).toEqual(['acme-token']);
    expect(detectSecrets(`ACME_API_KEY=${tok}`).map((m) => m.kind)).toEqual(['generic-api-key']);
  });

  it('supports window anchors and valueRun in extra rows (a secret before or after its keyword, near it)', () => {
    // A user's row runs on RE2 (no lookarounds): the hex run's borders are matched, the key is group 1.
    const extra: SecretPattern[] = [
      { id: 'acme-signing-key', description: 'ACME signing key', keywords: ['acme signing'], anchor: 'window', window: 80, regex: '(?:^|[^0-9a-f])([0-9a-f]{40})(?:[^0-9a-f]|$)', secretGroup: 1, valueRun: { chars: '0-9a-f', length: 40 }, minEntropy: 3 },
    ];
    const key = hex(40, 95);
    expect(detectSecrets(`${key}\n# the acme signing key above`, { extraPatterns: extra }).map((m) => m.kind)).toEqual(['acme-signing-key']);
    expect(detectSecrets(`ACME signing key: ${key}`, { extraPatterns: extra }).map((m) => m.kind)).toEqual(['acme-signing-key']);
    expect(detectSecrets(`acme signing key:${' '.repeat(300)}${key}`, { extraPatterns: extra })).toEqual([]);
    expect(detectSecrets(key, { extraPatterns: extra })).toEqual([]);
  });

  it('rejects a bad extra row with a message naming the row and the field', () => {
    const bad = (p: Partial<SecretPattern>) => () => validateSecretPatterns([{ id: 'x', description: '', keywords: [], regex: 'x', ...p } as SecretPattern]);
    expect(bad({ regex: '(' })).toThrow(SecretPatternError);
    expect(bad({ regex: '(' })).toThrow(/secrets\.patterns\[0\] \(x\): regex: /);
    expect(bad({ flags: 'g' })).toThrow(/flags/);
    expect(bad({ secretGroup: 2 })).toThrow(/secretGroup/);
    expect(bad({ anchor: 'keyword' })).toThrow(/keywords/);
    expect(bad({ verify: 'nope' as never })).toThrow(/verify/);
    expect(bad({ precheck: 'nope' as never })).toThrow(/precheck/);
    expect(bad({ valueRun: { chars: 'a-f', length: 0 } })).toThrow(/valueRun/);
    expect(() => detectSecrets('x', { extraPatterns: [{ id: '', keywords: [], regex: 'x' } as unknown as SecretPattern] })).toThrow(/id/);
  });
});

describe('masking, hashing, redaction, entropy', () => {
  it('masks with the first characters only', () => {
    const gh = fakeToken('github-pat', 5);
    expect(maskSecret(gh)).toBe(gh.slice(0, 4) + '…');
    expect(maskSecret('abcdefgh')).toBe('ab…');
    expect(maskSecret('abc')).toBe('…');
    expect(maskSecret('\n\n\n\nabcdefghij')).toBe('????…');
  });

  it('previews never contain any secret of any kind', () => {
    for (const kind of FAKE_KINDS) {
      for (let seed = 1; seed <= 5; seed++) {
        const s = fakeSample(kind, seed, seed);
        const ms = detectSecrets(s.text);
        expect(ms).toHaveLength(1);
        expect(ms[0].preview.length).toBeLessThanOrEqual(5);
        expect(JSON.stringify(ms)).not.toContain(s.secret);
        expect(JSON.stringify(ms)).not.toContain(s.secret.slice(4, 16));
      }
    }
  });

  it('redacts every secret span and keeps every other character', () => {
    const a = fakeToken('github-pat', 7);
    const b = fakeSample('generic-password', 7, 0);
    const text = `x ${a} y\n${b.text}\nz`;
    const ms = detectSecrets(text);
    expect(redactSecrets(text, ms)).toBe(`x [REDACTED:github-pat] y\n${b.text.slice(0, b.offset)}[REDACTED:generic-password]\nz`);
    expect(redactSecrets(text, [])).toBe(text);
  });

  it('computes Shannon entropy', () => {
    expect(shannonEntropy('')).toBe(0);
    expect(shannonEntropy('aaaa')).toBe(0);
    expect(shannonEntropy('ab')).toBe(1);
    expect(shannonEntropy('0123456789abcdef')).toBe(4);
    expect(shannonEntropy('中文中文')).toBe(1);
  });
});

describe('detectSecrets: large and adversarial input', () => {
  // Correctness on large and adversarial input only: how fast is measured in bench/ (figure 1), not asserted here.
  it('finds the secret at the end of a 10 MB line, with the right offset', () => {
    const filler = 'lorem ipsum dolor sit amet, consectetur adipiscing elit; const value = compute(a, b) + 1; ';
    const secret = fakeToken('openai-project-key', 3);
    const text = filler.repeat(Math.ceil(10_000_000 / filler.length)) + secret;
    const ms = detectSecrets(text);
    expect(ms.map((m) => [m.kind, m.start, m.column])).toEqual([['openai-project-key', text.length - secret.length, text.length - secret.length + 1]]);
  });

  it('reports nothing on text dense with keywords and near-misses, nor on megabyte runs after a prefix', () => {
    const unit = [
      'eyJeyJeyJeyJ.', '-----BEGIN RSA PRIVATE KEY-----', 'token=token=token=', 'sk-proj-sk-proj-', 'password: password: ',
      'ghp_ghp_ghp_', 'postgres://a:b', 'AKIAAKIAAKIA', 'wallet 0x', 'paypal secret: ', 'https://u:p', 'xox' + 'b-1-2-',
    ].join(' ');
    const text = unit.repeat(Math.ceil(2_000_000 / unit.length));
    expect(detectSecrets(text)).toEqual([]);
    const blob = 'eyJ' + 'A'.repeat(1_000_000);
    expect(detectSecrets(`${blob} -----BEGIN PRIVATE KEY-----\n${'Q'.repeat(1_000_000)}`)).toEqual([]);
  });

  it('gives the same result with and without the prefilter on mixed documents', () => {
    const parts = FAKE_KINDS.map((k, i) => fakeSample(k, 300 + i, i).text);
    const text = parts.join('\n\nsome prose in between, token: n/a, 密码：略\n');
    const a = detectSecrets(text);
    expect(a.map((m) => m.kind).sort()).toEqual([...FAKE_KINDS].sort());
    expect(detectSecretsUnfiltered(text)).toEqual(a);
  });

  it('a Slack token on the line after an AWS key id stays a Slack token: the cross-line AWS secret row takes whole tokens only (not its last 40 characters)', () => {
    const slack = fakeToken('slack-legacy-token', 7);
    const text = `${fakeToken('paperclip-agent-key', 7)}\n\n${slack}\n\n${fakeToken('aws-access-key-id', 7)}\n`;
    const ms = detectSecrets(text);
    expect(ms.map((m) => m.kind).sort()).toEqual(['aws-access-key-id', 'paperclip-agent-key', 'slack-legacy-token']);
    expect(ms.find((m) => m.kind === 'slack-legacy-token') && text.slice(ms.find((m) => m.kind === 'slack-legacy-token')!.start, ms.find((m) => m.kind === 'slack-legacy-token')!.end)).toBe(slack);
  });
});

