#!/usr/bin/env node
// Seeded corpus for the secret detector: JSONL records {text, expected: [{kind}], context, set}.
//
//   node scripts/gen-secrets-corpus.mjs                 # rewrite fixtures/secrets-corpus/negatives.jsonl
//   node scripts/gen-secrets-corpus.mjs --out <dir>     # write positives, near-misses, bait negatives there
//
// Only the negatives are committed (hashes, ids, placeholders, prose: nothing a scanner should flag).
// Positives (fake provider tokens in code, .env, YAML, JSON, shell, Markdown, tickets in English and
// Chinese, commit messages) and near-misses (tokens one character off) look real by design, so they are
// generated at run time (scripts/measure-secrets.mjs) and never written into the repository.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FAKE_KINDS, SELF_CONTAINED_KINDS, fakeSample, fakeToken, seededRandom } from '../test/helpers/fake-secrets.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const NEGATIVES_FILE = join(ROOT, 'fixtures', 'secrets-corpus', 'negatives.jsonl');

/** Documents a secret (or a non-secret) is embedded in: `wrap(value, name)` -> text. */
export const CONTEXTS = {
  ts: (v, name) => `import { Client } from './client.js';\n\nexport const client = new Client({\n  baseUrl: 'https://api.internal.corp',\n  ${name}: '${v}',\n});\n`,
  python: (v, name) => `import os\n\n${name.toUpperCase()} = "${v}"\n\ndef connect():\n    return Client(${name}=${name.toUpperCase()})\n`,
  go: (v, name) => `package main\n\nconst ${name} = "${v}"\n\nfunc main() { run(${name}) }\n`,
  env: (v, name) => `# service settings\nLOG_LEVEL=info\n${name.toUpperCase()}=${v}\nPORT=8080\n`,
  yaml: (v, name) => `service:\n  name: billing\n  replicas: 2\n  ${name}: "${v}"\n  region: ap-east-1\n`,
  json: (v, name) => JSON.stringify({ service: 'billing', settings: { [name]: v, retries: 3 } }, null, 2) + '\n',
  shell: (v, name) => `#!/bin/sh\nset -eu\nexport ${name.toUpperCase()}="${v}"\n./deploy.sh --env prod\n`,
  markdown: (v) => `## Deploy notes\n\nRun the job with this value:\n\n\`\`\`\n${v}\n\`\`\`\n\nThen check the dashboard.\n`,
  'ticket-en': (v) => `The nightly sync failed again (HTTP 401). I regenerated the credentials, here they are so the agent can retry: ${v}\n\nPlease close this once it is green.\n`,
  'ticket-zh-hant': (v) => `夜間同步又失敗了（HTTP 401）。我重新產生了憑證，先貼在這裡讓代理重試：${v}\n\n恢復正常後請關閉這張工單。\n`,
  'ticket-zh-hans': (v) => `夜间同步又失败了（HTTP 401）。我重新生成了凭证，先贴在这里让代理重试：\n${v}\n\n恢复正常后请关闭这个工单。\n`,
  commit: (v) => `fix(sync): retry with the regenerated credentials\n\nThe previous ones expired. New value: ${v}\n\nRefs: PAP-142\n`,
};

// Contexts with a named slot would put a context kind's own key name in front of it: for those kinds the
// sample (which carries its context) goes in as a whole line instead.
const LINE_CONTEXTS = {
  code: (line) => `export function load() {\n  // copied from the old config\n  const raw = \`\n${line}\n\`;\n  return parse(raw);\n}\n`,
  env: (line) => `# service settings\nLOG_LEVEL=info\n${line}\nPORT=8080\n`,
  yaml: (line) => `service:\n  name: billing\nsecrets: |\n  ${line.replace(/\n/g, '\n  ')}\n`,
  markdown: (line) => `## Notes\n\n    ${line.replace(/\n/g, '\n    ')}\n\nDone.\n`,
  'ticket-en': (line) => `The deploy is blocked. Config we used:\n\n${line}\n\nCan someone rotate this?\n`,
  'ticket-zh-hant': (line) => `部署卡住了，用的設定如下：\n\n${line}\n\n麻煩幫忙輪替。\n`,
  commit: (line) => `chore: add the service config\n\n${line}\n`,
};

// Ticket prose that names a PayPal client secret without an assignment: "<prefix><value><suffix>".
const PAYPAL_PROSE = [
  ['The PayPal client secret is ', ' (sandbox app), please update the config.'],
  ['PayPal client secret: ', ''],
  ['Our PayPal app: client id AbCdEf0123, client secret is ', '.'],
  ['PayPal secrets are ', ', rotate after the launch.'],
  ['PayPal 的 client secret 是 ', '，上線後請輪替。'],
  ['PayPal 的 client secret 為：', ''],
  ['PayPal 的 secret 为 ', '，用完请删除。'],
];

/** A seeded 64-character alphanumeric value with all three classes (the shape of a PayPal client secret). */
function alnum64(seed) {
  const rnd = seededRandom(seed);
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  for (;;) {
    let s = '';
    for (let i = 0; i < 64; i++) s += chars[Math.floor(rnd() * chars.length)];
    if (/[a-z]/.test(s) && /[A-Z]/.test(s) && /[0-9]/.test(s) && !/x{4}|example|dummy|sample|todo|null|none|true|false|your|change|secret|token|passw/i.test(s)) return s;
  }
}

/** Positives: every kind in every context, `perContext` seeds each; and PayPal client secrets in prose. */
export function generatePositives(seed = 1, perContext = 2) {
  const out = [];
  let n = 0;
  for (const kind of FAKE_KINDS) {
    if (SELF_CONTAINED_KINDS.includes(kind)) {
      for (const [context, wrap] of Object.entries(CONTEXTS)) {
        for (let i = 0; i < perContext; i++) out.push({ set: 'positive', context, text: wrap(fakeToken(kind, seed * 100_003 + n++), 'credential'), expected: [{ kind }] });
      }
    } else {
      for (const [context, wrap] of Object.entries(LINE_CONTEXTS)) {
        for (let i = 0; i < perContext; i++) {
          const s = fakeSample(kind, seed * 100_003 + n++, i + n);
          out.push({ set: 'positive', context, text: wrap(s.text), expected: [{ kind }] });
        }
      }
    }
  }
  PAYPAL_PROSE.forEach(([before, after], style) => {
    for (let i = 0; i < perContext; i++) {
      const v = i % 2 ? fakeToken('paypal-client-secret', seed * 100_003 + n++) : alnum64(seed * 100_003 + n++);
      const context = /[\u4e00-\u9fff]/.test(before) ? 'ticket-zh' : 'ticket-en';
      out.push({ set: 'positive', context, text: `${before}${v}${after}\n`, expected: [{ kind: 'paypal-client-secret' }], note: `PayPal prose ${style}` });
    }
  });
  return out;
}

/** Near-misses: real-looking tokens one step off their format (length, charset, prefix), generated only. */
export function generateNearMisses(seed = 1) {
  const rnd = seededRandom(seed);
  const cut = (s, k) => s.slice(0, s.length - k);
  const mutations = [
    ['github-pat', (t) => cut(t, 1)],
    ['github-pat', (t) => t.replace('ghp_', 'ghx_')],
    ['github-fine-grained-pat', (t) => cut(t, 3)],
    ['anthropic-api-key', (t) => t.slice(0, 40)],
    ['openai-api-key', (t) => t.replace('T3Blbk' + 'FJ', 'T3Blbk' + 'FX')],
    ['aws-access-key-id', (t) => t.slice(0, 4) + t.slice(4).toLowerCase()],
    ['aws-access-key-id', (t) => cut(t, 2)],
    ['stripe-secret-key', (t) => t.replace('sk_live_', 'pk_live_')],
    ['slack-bot-token', (t) => t.replace(/-\d+-/, '-x-')],
    ['paperclip-agent-key', (t) => cut(t, 2)],
    ['paperclip-board-key', (t) => t.replace('pcp_board_', 'pcp_boardx_').slice(0, 40)],
    ['paperclip-run-jwt', (t) => t.split('.').slice(0, 2).join('.') + '.'],
  ];
  const out = [];
  let n = 0;
  for (const [kind, mutate] of mutations) {
    for (const [context, wrap] of Object.entries(CONTEXTS)) {
      // Named slots that carry no generic-secret meaning, so only the token row could fire.
      out.push({ set: 'near-miss', context, text: wrap(mutate(fakeToken(kind, seed * 7919 + n++)), 'build_ref'), expected: [], note: `${kind} mutated` });
    }
  }
  // Hex of private-key length without a wallet word; 40 base64 characters without AWS around.
  for (let i = 0; i < 12; i++) {
    const h = createHash('sha256').update(`nm${seed}-${i}-${rnd()}`).digest('hex');
    out.push({ set: 'near-miss', context: 'env', text: `BUILD_DIGEST=${h}\n`, expected: [], note: '64 hex without context' });
  }
  return out;
}

const hex = (s, n = 64) => createHash('sha512').update(s).digest('hex').slice(0, n);
const b64 = (s, n) => createHash('sha512').update(s).digest('base64').repeat(3).slice(0, n);
const uuid = (s) => {
  const h = hex(s, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

/** Hard negatives (committed): nothing here may be reported. */
export function generateNegatives(seed = 1) {
  const out = [];
  const push = (context, text, note) => out.push({ set: 'negative', context, text, expected: [], note });
  for (let i = 0; i < 6; i++) {
    const k = `${seed}-${i}`;
    for (const [context, wrap] of Object.entries(CONTEXTS)) {
      push(context, wrap(hex(`sha256-${k}`), 'sha256'), 'sha256 hex');
      push(context, wrap(hex(`sha1-${k}`, 40), 'commit'), 'git sha');
      push(context, wrap(uuid(`uuid-${k}`), 'request_id'), 'uuid');
      push(context, wrap(uuid(`tok-${k}`), 'session_token'), 'uuid named token');
      push(context, wrap(`sha512-${b64(`sri-${k}`, 86)}==`, 'integrity'), 'SRI');
    }
  }
  const placeholders = [
    'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'XXXXXXXXXXXXXXXXXXXXXXXX', '<your-api-key>', '${API_KEY}', '$API_KEY', '{{ .Values.apiKey }}', '{{ api_key }}',
    'changeme', 'your_api_key_here', 'process.env.API_KEY', "os.environ['API_KEY']", 'os.getenv("API_KEY")', '********', '<redacted>', 'REPLACE_ME',
    '${{ secrets.DEPLOY_TOKEN }}',
  ];
  for (const p of placeholders) {
    for (const [context, wrap] of Object.entries(CONTEXTS)) push(context, wrap(p, 'api_key'), `placeholder ${p.slice(0, 12)}`);
  }
  // Connection strings whose password is a placeholder: neither the connection-string row nor the
  // password row (which once read `password>` as an assignment of "@localhost/db") may fire.
  const dsnPlaceholders = [
    'postgres://user:<password>@localhost/db', 'mysql://root:<your-password>@127.0.0.1/app', 'postgresql://app:<db_password>@db.internal:5432/app',
    'mongodb+srv://admin:<password>@cluster0.mongodb.net/test', 'redis://:<password>@cache:6379/0', 'amqp://worker:<pwd>@mq.internal:5672/vhost',
    'postgres://app:${DB_PASS}@db:5432/app', 'mysql://root:{{password}}@localhost/app', 'postgres://app:{{ db_password }}@db/app', 'mysql://root:xxx@localhost/app',
    'postgres://app:xxxxxxxx@db.internal/app',
  ];
  for (const p of dsnPlaceholders) {
    for (const [context, wrap] of Object.entries(CONTEXTS)) push(context, wrap(p, 'database_url'), `connection string placeholder ${p.slice(0, 28)}`);
  }
  const lines = [
    ['env', 'REDIS_URL=redis://:${REDIS_PASSWORD}@redis:6379/0', 'connection string variable'],
    ['code', 'const dsn = `postgres://${user}:${pass}@${host}/${db}`;', 'template DSN'],
    ['code', 'dsn = "mysql://%s:%s@%s/%s" % (user, pw, host, db)', 'format DSN'],
    ['yaml', 'paypal_account: ops@canfly.ai', 'PayPal account e-mail (allowed by the handbook)'],
    ['ticket-zh-hant', 'PayPal 帳號：billing@canfly.ai（可以寫，私鑰不行）', 'PayPal account in Chinese'],
    ['ticket-en', 'The PayPal account is billing@canfly.ai; the PayPal client secret is in Paperclip secrets, ask ops.', 'PayPal prose without a value'],
    ['ticket-zh-hant', 'PayPal 的 client secret 是什麼？帳號是 billing@canfly.ai，secret 請到 Paperclip secrets 拿。', 'PayPal prose in Chinese without a value'],
    ['yaml', `public_key: "${hex('pub1')}"`, 'public key hex'],
    ['json', `{"publicKey": "${b64('pub2', 44)}"}`, 'public key base64'],
    ['ticket-en', `wallet address 0x${hex('addr', 40)}, tx hash 0x${hex('tx')}`, 'wallet address and tx hash'],
    ['code', `-----BEGIN PUBLIC KEY-----\n${b64('pk1', 64)}\n${b64('pk2', 64)}\n-----END PUBLIC KEY-----`, 'PEM public key'],
    ['code', 'const token = await auth.getToken({ scope: "read" });', 'token identifier'],
    ['code', 'if (password.length < 12) throw new Error("password too short");', 'password identifier'],
    ['code', 'self.secret_key = settings.SECRET_KEY', 'settings reference'],
    ['yaml', 'max_tokens: 4096\ntokenizer: bert-base-uncased-v2', 'model settings'],
    ['yaml', 'secretName: billing-credentials\nsecretKeyRef:\n  name: db\n  key: password', 'Kubernetes references'],
    ['json', `{"next_page_token": "${b64('page', 40)}"}`, 'pagination token'],
    ['code', `password_hash = "$2b$12$${b64('bcrypt', 53).replace(/[+/]/g, '.')}"`, 'bcrypt hash'],
    ['ticket-en', 'Never paste a password, token or private key into a ticket: use Paperclip secrets.', 'prose'],
    ['ticket-zh-hant', '永遠不在 ticket description、comment、git commit 裡放私鑰、API key、密碼。', 'handbook prose'],
    ['ticket-zh-hans', '密码：请联系运维团队的值班同事获取临时访问凭证', 'Chinese prose after 密码'],
    ['env', 'api_key=short1', 'short value'],
    ['env', 'password=aaaaaaaaaaaaaaaa', 'one repeated character'],
    ['env', 'token=1234567890123456', 'digits only'],
    ['code', `uses: actions/checkout@${hex('pin', 40)}`, 'action pin'],
    ['code', `FROM node@sha256:${hex('img')}`, 'image digest'],
    ['markdown', `\`\`\`\n${hex('sum')}  clipguard-0.1.0.tgz\n\`\`\``, 'sha256sum output'],
    ['code', `"integrity": "sha512-${b64('lock', 86)}=="`, 'lockfile integrity'],
    ['commit', 'fix: remove the leaked key from config.env\n\nThe key was rotated; see PAP-77.', 'commit about a key'],
  ];
  for (const [context, text, note] of lines) push(context, text + '\n', note);
  return out;
}

/**
 * Negatives that other scanners flag although they are placeholders (a token prefix padded with X, the AWS
 * documentation keys, default database passwords): generated at run time so the committed corpus stays
 * quiet for every scanner, not only ours.
 */
export function generateBaitNegatives() {
  const out = [];
  const bait = [
    'ghp_' + 'X'.repeat(36), 'sk_live_' + 'x'.repeat(24), 'AKIA' + 'IOSFODNN7' + 'EXAMPLE', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCY' + 'EXAMPLEKEY',
    'sk-ant-api03-' + 'A'.repeat(93) + 'AA', 'pcp_' + '0'.repeat(48),
  ];
  for (const p of bait) for (const [context, wrap] of Object.entries(CONTEXTS)) out.push({ set: 'negative', context, text: wrap(p, 'api_key'), expected: [], note: `placeholder ${p.slice(0, 8)}` });
  const scheme = 'postgres';
  out.push({ set: 'negative', context: 'env', text: `DATABASE_URL=${scheme}://user:password@localhost:5432/app\n`, expected: [], note: 'connection string placeholder' });
  out.push({ set: 'negative', context: 'env', text: `DATABASE_URL=${scheme}://postgres:postgres@localhost:5432/app\n`, expected: [], note: 'connection string default' });
  return out;
}

function writeJsonl(file, records) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

/** Write the generated part of the corpus (positives, near-misses, bait negatives) into `dir`. */
export function writeCorpus(dir, seed = 1) {
  const files = { positives: join(dir, 'positives.jsonl'), nearMisses: join(dir, 'near-misses.jsonl'), baitNegatives: join(dir, 'bait-negatives.jsonl') };
  writeJsonl(files.positives, generatePositives(seed));
  writeJsonl(files.nearMisses, generateNearMisses(seed));
  writeJsonl(files.baitNegatives, generateBaitNegatives());
  return files;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const seed = Number(arg('--seed') ?? 1);
  const out = arg('--out');
  if (out) {
    const files = writeCorpus(out, seed);
    console.log(`wrote ${Object.values(files).join(', ')}`);
  } else {
    writeJsonl(NEGATIVES_FILE, generateNegatives(seed));
    console.log(`wrote ${NEGATIVES_FILE}`);
  }
}
