// Seeded fake credentials for tests, the corpus and the benchmark. Nothing here is a real key, and no
// file holds a key-shaped literal: every token is assembled at run time from a provider prefix and
// seeded random characters, so secret scanners (ours included) have nothing to flag in the repository.
//
// Plain JavaScript so that scripts/ and bench/ (run by node without a TypeScript loader) share it with
// the vitest suites; types are in fake-secrets.d.mts, and test/helpers/fake-secrets.ts re-exports it.

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
const HEX = '0123456789abcdef';
const B62 = UPPER + LOWER + DIGITS;
const B64URL = B62 + '-_';
const B64 = B62 + '+/';
const AWS_ID = UPPER + '234567';

/** A small, fast, seedable PRNG (mulberry32): the same seed gives the same tokens on every platform. */
export function seededRandom(seed) {
  let a = (Number(seed) >>> 0) ^ 0x9e3779b9;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Random parts must not spell a placeholder or a stop word the detector rightly ignores ("xxxxx",
// "example", "null"...): a 1-in-10^5 coincidence would make a property test flaky.
const AVOID = /x{4}|example|dummy|redacted|placeholder|sample|todo|fixme|change|your|null|none|true|false|undefined|qwerty|letmein|insert|replace|enter_|notreal|passw|secret|token|[*]{3}|\.{3}/i;

function randomString(rnd, alphabet, n) {
  for (;;) {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(rnd() * alphabet.length)];
    if (!AVOID.test(s)) return s;
  }
}

function int(rnd, lo, hi) {
  return lo + Math.floor(rnd() * (hi - lo + 1));
}

function digits(rnd, lo, hi) {
  return String(int(rnd, 1, 9)) + randomString(rnd, DIGITS, int(rnd, lo, hi) - 1);
}

function uuid(rnd) {
  const h = (n) => randomString(rnd, HEX, n);
  return `${h(8)}-${h(4)}-4${h(3)}-a${h(3)}-${h(12)}`;
}

function b64url(obj) {
  return Buffer.from(JSON.stringify(obj)).toString('base64url');
}

function withClasses(rnd, alphabet, n, test) {
  for (;;) {
    const s = randomString(rnd, alphabet, n);
    if (test(s)) return s;
  }
}

const allClasses = (s) => /[a-z]/.test(s) && /[A-Z]/.test(s) && /[0-9]/.test(s);

/** Shannon entropy in bits per character. */
function entropy(s) {
  const counts = new Map();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) h -= (n / s.length) * Math.log2(n / s.length);
  return h;
}

const PEM_TYPES = ['RSA PRIVATE KEY', 'PRIVATE KEY', 'EC PRIVATE KEY', 'OPENSSH PRIVATE KEY', 'ENCRYPTED PRIVATE KEY', 'PGP PRIVATE KEY BLOCK'];

/** Generators: kind -> (rnd) -> secret (exactly what the detector must report as the secret). */
const TOKENS = {
  'paperclip-agent-key': (r) => 'pcp_' + randomString(r, HEX, 48),
  'paperclip-board-key': (r) => 'pcp_board_' + randomString(r, HEX, 48),
  'paperclip-cli-auth-token': (r) => 'pcp_cli_auth_' + randomString(r, HEX, 48),
  'paperclip-claim-secret': (r) => 'pcp_claim_' + randomString(r, HEX, 48),
  'paperclip-bootstrap-token': (r) => 'pcp_bootstrap_' + randomString(r, HEX, 48),
  'paperclip-invite-token': (r) => 'pcp_invite_' + randomString(r, B64URL, 43),
  'paperclip-run-jwt': (r) => {
    const now = 1_790_000_000 + int(r, 0, 10_000_000);
    const claims = { sub: uuid(r), company_id: uuid(r), adapter_type: 'claude_local', run_id: uuid(r), responsible_user_id: null, iat: now, exp: now + 172800, iss: 'paperclip', aud: 'paperclip-api', instance_id: 'default' };
    return `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url(claims)}.${randomString(r, B64URL, 43)}`;
  },
  jwt: (r) => {
    const now = 1_790_000_000 + int(r, 0, 10_000_000);
    const alg = ['RS256', 'HS256', 'ES256'][int(r, 0, 2)];
    const sig = randomString(r, B64URL, alg === 'RS256' ? 342 : alg === 'ES256' ? 86 : 43);
    return `${b64url({ alg, typ: 'JWT', kid: randomString(r, B62, 12) })}.${b64url({ sub: uuid(r), scope: 'read write', iat: now, exp: now + 3600 })}.${sig}`;
  },
  'anthropic-api-key': (r) => 'sk-ant-api03-' + randomString(r, B64URL, 93) + 'AA',
  'anthropic-admin-key': (r) => 'sk-ant-admin01-' + randomString(r, B64URL, 93) + 'AA',
  'anthropic-key': (r) => `sk-ant-${['oat', 'ort', 'sid'][int(r, 0, 2)]}01-` + randomString(r, B64URL, int(r, 80, 108)),
  'openai-api-key': (r) => 'sk-' + randomString(r, B62, 20) + 'T3Blbk' + 'FJ' + randomString(r, B62, 20),
  'openai-project-key': (r) => 'sk-proj-' + randomString(r, B64URL, 156),
  'openai-service-account-key': (r) => 'sk-svcacct-' + randomString(r, B64URL, 156),
  'openai-admin-key': (r) => 'sk-admin-' + randomString(r, B64URL, 156),
  'github-pat': (r) => 'ghp_' + randomString(r, B62, 36),
  'github-oauth': (r) => 'gho_' + randomString(r, B62, 36),
  'github-app-token': (r) => (r() < 0.5 ? 'ghs_' : 'ghu_') + randomString(r, B62, 36),
  'github-refresh-token': (r) => 'ghr_' + randomString(r, B62, 36),
  'github-fine-grained-pat': (r) => 'github_pat_' + randomString(r, B62, 22) + '_' + randomString(r, B62, 59),
  'gitlab-pat': (r) => 'glpat-' + randomString(r, B62, 20),
  'aws-access-key-id': (r) => ['AKIA', 'ASIA'][int(r, 0, 1)] + randomString(r, AWS_ID, 16),
  'aws-secret-access-key': (r) => withClasses(r, B64, 40, allClasses),
  'slack-webhook-url': (r) => `hooks.slack.com/services/T${randomString(r, UPPER + DIGITS, 10)}/B${randomString(r, UPPER + DIGITS, 10)}/${randomString(r, B62, 24)}`,
  'slack-bot-token': (r) => `xoxb-${digits(r, 10, 13)}-${digits(r, 10, 13)}-${randomString(r, B62, 24)}`,
  'slack-user-token': (r) => `xoxp-${digits(r, 10, 13)}-${digits(r, 10, 13)}-${digits(r, 10, 13)}-${randomString(r, HEX, 32)}`,
  'slack-app-token': (r) => 'xapp-' + `1-A${randomString(r, UPPER + DIGITS, 10)}-${digits(r, 13, 13)}-${randomString(r, HEX, 64)}`,
  'slack-config-token': (r) => `xoxe.xoxp-1-${randomString(r, B62, 164)}`,
  'slack-legacy-token': (r) => `xoxa-2-${randomString(r, B62, 40)}`,
  'stripe-secret-key': (r) => 'sk_live_' + randomString(r, B62, int(r, 24, 99)),
  'stripe-restricted-key': (r) => 'rk_live_' + randomString(r, B62, int(r, 24, 99)),
  'stripe-test-key': (r) => 'sk_test_' + randomString(r, B62, int(r, 24, 99)),
  'paypal-client-secret': (r) => 'E' + randomString(r, B64URL, 79),
  'private-key': (r) => {
    const body = randomString(r, B64, int(r, 6, 20) * 64);
    return body.replace(/(.{64})(?=.)/g, '$1\n');
  },
  'ethereum-private-key': (r) => randomString(r, HEX, 64),
  'connection-string-password': (r) => withClasses(r, B62 + '_~!-', int(r, 12, 24), allClasses),
  'url-basic-auth': (r) => withClasses(r, B62 + '_~!-', int(r, 12, 24), allClasses),
  // A password beyond doubt, as the detector defines it for a bare assignment: a symbol that cannot appear in
  // an identifier or words (!#%^&*@), and entropy clear of its 3-bit floor; not `%…%` (a Windows %VAR% placeholder,
  // rightly not a password: a generated `%h53KHSANQT%` once failed leaks.test.ts). Values nearer the line are the
  // corpus's business (scripts/measure-secrets.mjs), where a miss is counted, not a test failure.
  'generic-password': (r) => withClasses(r, B62 + '!#%^&*@+=_-', int(r, 12, 20), (s) => allClasses(s) && /[!#%^&*@]/.test(s) && !/^[-_]/.test(s) && !/^%.*%$/.test(s) && entropy(s) >= 3.2),
  'generic-api-key': (r) => withClasses(r, B62, int(r, 24, 40), allClasses),
};

/** Every kind fakeToken can make (the built-in pattern ids). */
export const FAKE_KINDS = Object.keys(TOKENS);

/** Kinds whose token alone (between spaces) is detectable; the others need the context of fakeSample. */
export const SELF_CONTAINED_KINDS = FAKE_KINDS.filter(
  (k) => !['aws-secret-access-key', 'paypal-client-secret', 'private-key', 'ethereum-private-key', 'connection-string-password', 'url-basic-auth', 'generic-password', 'generic-api-key', 'slack-webhook-url'].includes(k),
);

/** The secret of a fake credential of `kind`: the exact substring the detector reports. */
export function fakeToken(kind, seed = 1) {
  const make = TOKENS[kind];
  if (!make) throw new Error(`fakeToken: unknown kind ${kind} (known: ${FAKE_KINDS.join(', ')})`);
  return make(seededRandom(seed));
}

/**
 * A minimal text in which the detector must find the secret of `kind`: the token itself, or the token in
 * the context its row requires (a key name, a URL, a PEM armour). `style` picks one of several contexts.
 */
export function fakeSample(kind, seed = 1, style = 0) {
  const secret = fakeToken(kind, seed);
  const pick = (list) => list[Math.abs(style) % list.length];
  let before = '';
  let after = '';
  switch (kind) {
    case 'aws-secret-access-key':
      [before, after] = pick([
        ['aws_secret_access_key = ', ''],
        ['AWS_SECRET_ACCESS_KEY="', '"'],
        ['"SecretAccessKey": "', '"'],
        ['aws:\n  secret: ', ''],
      ]);
      break;
    case 'paypal-client-secret':
      [before, after] = pick([
        ['PAYPAL_CLIENT_SECRET=', ''],
        ['paypal:\n  client_id: AbCdEf0123\n  client_secret: "', '"'],
        ['PayPal secret: ', ''],
      ]);
      break;
    case 'private-key': {
      const type = pick(PEM_TYPES);
      [before, after] = [`-----BEGIN ${type}-----\n`, `\n-----END ${type}-----`];
      break;
    }
    case 'ethereum-private-key':
      [before, after] = pick([
        ['wallet private key: 0x', ''],
        ['ETH_PRIVATE_KEY=', ''],
        ['私钥：0x', ''],
        ['privkey = "', '"'],
      ]);
      break;
    case 'connection-string-password':
      [before, after] = pick([
        ['postgres://app:', '@db.internal:5432/app'],
        ['DATABASE_URL=postgresql://svc_user:', '@10.0.0.12/prod?sslmode=require'],
        ['mongodb+srv://admin:', '@cluster0.mongo.internal/db'],
        ['REDIS_URL=rediss://:', '@cache.internal:6380/0'],
        ['amqp://worker:', '@mq.internal:5672/vhost'],
        ['mysql://root2:', '@mysql.internal:3306/shop'],
      ]);
      break;
    case 'url-basic-auth':
      [before, after] = pick([
        ['https://deploy:', '@git.internal.corp/team/repo.git'],
        ['curl http://admin:', '@10.1.2.3:8080/api/health'],
      ]);
      break;
    case 'generic-password':
      [before, after] = pick([
        ['DB_PASSWORD=', ''],
        ['password: "', '"'],
        ["'passwd': '", "'"],
        ['smtp_password = ', ''],
        ['密码：', ''],
      ]);
      break;
    case 'generic-api-key':
      [before, after] = pick([
        ['api_key: ', ''],
        ['X_API_KEY="', '"'],
        ['"apiKey": "', '"'],
        ['client_secret = ', ''],
        ['auth_token=', ''],
      ]);
      break;
    case 'slack-webhook-url':
      [before, after] = ['https://', ''];
      break;
    default:
      break;
  }
  return { text: before + secret + after, secret, offset: before.length };
}
