// Seeded inputs for the secret-detector benchmark (bench/secrets.mjs). Same seed, same text, on every
// machine. None of them holds a secret: (a) source code, (b) lines built to look almost like secrets,
// (c) ticket prose in English and Chinese.
import { seededRandom } from '../test/helpers/fake-secrets.mjs';

function tools(seed) {
  const rnd = seededRandom(seed);
  const pick = (list) => list[Math.floor(rnd() * list.length)];
  const int = (lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1));
  const chars = (alphabet, n) => {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(rnd() * alphabet.length)];
    return s;
  };
  return { rnd, pick, int, chars };
}

const HEX = '0123456789abcdef';
const B62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const B64 = B62 + '+/';

function fill(bytes, next) {
  const parts = [];
  let size = 0;
  while (size < bytes) {
    const s = next();
    parts.push(s);
    size += s.length;
  }
  return parts.join('');
}

/** (a) TypeScript-like source: imports, classes, functions, config objects, URLs, comments; identifiers
 * such as `token` and `password` appear the way they do in real code, values never. */
export function makeSourceText(bytes = 5 * 1024 * 1024, seed = 1) {
  const { pick, int, chars } = tools(seed);
  // Vocabulary of a service codebase. Keyword-bearing nouns (token, password, secret, wallet) are a few
  // of ~70, and the lines that use them sparse: real code (this repository's node_modules) has about one
  // keyword occurrence per 2,400 characters; this text has one per ~1,000.
  const nouns = ['user', 'agent', 'issue', 'company', 'budget', 'comment', 'request', 'response', 'session', 'config', 'cache', 'queue', 'report', 'finding', 'rule', 'policy', 'account', 'invoice', 'payment', 'project', 'task', 'run', 'event', 'message', 'channel', 'team', 'member', 'role', 'permission', 'schedule', 'job', 'worker', 'result', 'error', 'status', 'limit', 'window', 'record', 'entry', 'file', 'path', 'line', 'column', 'node', 'edge', 'graph', 'tree', 'index', 'page', 'cursor', 'filter', 'sort', 'order', 'item', 'product', 'price', 'currency', 'amount', 'date', 'time', 'zone', 'locale', 'label', 'title', 'body', 'header', 'footer', 'token', 'password', 'secret'];
  const verbs = ['get', 'set', 'load', 'save', 'parse', 'build', 'render', 'check', 'update', 'delete', 'fetch', 'resolve', 'validate', 'rotate', 'hash', 'encode'];
  const types = ['string', 'number', 'boolean', 'Date', 'Record<string, unknown>', 'unknown[]', 'Promise<void>', 'Map<string, number>'];
  const ident = () => pick(verbs) + pick(nouns).replace(/^./, (c) => c.toUpperCase());
  const snippets = [
    () => `import { ${ident()}, ${ident()} } from '../${pick(nouns)}/${pick(nouns)}.js';\n`,
    () => `export async function ${ident()}(${pick(nouns)}: ${pick(types)}, opts: { ${pick(nouns)}?: ${pick(types)} } = {}): Promise<${pick(types)}> {\n  const ${pick(nouns)} = await this.${ident()}(${pick(nouns)}.id);\n  if (!${pick(nouns)}) throw new Error('${pick(nouns)} not found: ' + ${pick(nouns)}.id);\n  return ${pick(nouns)}.${pick(nouns)} ?? null;\n}\n\n`,
    () => `export class ${pick(nouns).replace(/^./, (c) => c.toUpperCase())}Service {\n  private readonly ${pick(nouns)}s = new Map<string, ${pick(types)}>();\n  constructor(private readonly client: HttpClient, private readonly log: Logger) {}\n\n  ${ident()}(id: string): ${pick(types)} | undefined {\n    return this.${pick(nouns)}s.get(id);\n  }\n}\n\n`,
    () => `// ${pick(verbs)} the ${pick(nouns)} before the ${pick(nouns)} is ${pick(verbs)}d; see https://docs.example.org/${pick(nouns)}/${int(1, 999)}#${pick(nouns)}\n`,
    () => `const ${pick(nouns)}Url = \`\${baseUrl}/api/${pick(nouns)}s/\${${pick(nouns)}.id}/${pick(nouns)}s?limit=${int(1, 500)}\`;\n`,
    () => `  ${pick(nouns)}: { type: '${pick(['string', 'integer', 'object', 'array'])}', minLength: ${int(0, 64)}, description: '${pick(verbs)} ${pick(nouns)} ${pick(nouns)}' },\n`,
    () => `    const token = await auth.${ident()}({ scope: '${pick(nouns)}:${pick(['read', 'write'])}' });\n`,
    () => `    if (password.length < ${int(8, 16)}) return { ok: false, reason: 'password too short' };\n`,
    () => `    const apiKey = process.env.${pick(nouns).toUpperCase()}_API_KEY ?? config.${pick(nouns)}.apiKey;\n`,
    () => `  it('${pick(verbs)}s the ${pick(nouns)} when the ${pick(nouns)} is ${pick(['missing', 'stale', 'paused', 'over budget'])}', async () => {\n    expect(await ${ident()}(${int(0, 99)})).toEqual({ ${pick(nouns)}: ${int(0, 9999)}, ${pick(nouns)}: '${pick(nouns)}' });\n  });\n`,
    () => `    for (let i = 0; i < ${pick(nouns)}s.length; i++) total += ${pick(nouns)}s[i].${pick(['amount', 'cents', 'count', 'size'])} * ${int(2, 100)};\n`,
    () => `const ${pick(nouns).toUpperCase()}_${pick(['ID', 'VERSION', 'HASH'])} = '${chars(HEX, pick([7, 12]))}';\n`,
    () => `/**\n * ${pick(verbs).replace(/^./, (c) => c.toUpperCase())} a ${pick(nouns)} and its ${pick(nouns)}s. Throws when the ${pick(nouns)} is ${pick(['locked', 'deleted', 'invalid'])}.\n */\n`,
  ];
  // The three lines with credential-ish identifiers are rarer than the rest, as in real code.
  const common = snippets.filter((_, i) => i < 6 || i > 8);
  const rare = snippets.slice(6, 9);
  return fill(bytes, () => (int(0, 60) === 0 ? pick(rare) : pick(common))());
}

/** (b) Dense near-misses: every line has a keyword and something token-shaped that must not be reported
 * (wrong length or charset, placeholders, hashes, ids, EXAMPLE keys, env references). */
export function makeNearMissText(bytes = 5 * 1024 * 1024, seed = 2) {
  const { pick, int, chars } = tools(seed);
  const upper = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const uuid = () => `${chars(HEX, 8)}-${chars(HEX, 4)}-4${chars(HEX, 3)}-a${chars(HEX, 3)}-${chars(HEX, 12)}`;
  const lines = [
    () => `the log shows ghp_${chars(B62, int(20, 35))}… (truncated, not a token)\n`,
    () => `token: gho_${'X'.repeat(36)}\n`,
    () => `aws_access_key_id = AKIA${chars(upper.toLowerCase(), 16)}\n`,
    () => `aws_access_key_id = AKIA${'IOSFODNN7'}${'EXAMPLE'}\n`,
    () => `secret_sha256: ${chars(HEX, 64)}\n`,
    () => `"secret_sha": "${chars(HEX, 40)}",\n`,
    () => `session_token: ${uuid()}\n`,
    () => `api_key: \${${pick(['OPENAI', 'STRIPE', 'SLACK'])}_API_KEY}\n`,
    () => `password: ${pick(['changeme', '********', '<your-password>', '$DB_PASSWORD', '{{ .Values.db.password }}', 'hunter2'])}\n`,
    () => `DATABASE_URL=postgres://user:password@localhost:5432/${pick(['app', 'test', 'dev'])}\n`,
    () => `REDIS_URL=redis://:\${REDIS_PASSWORD}@redis:6379/${int(0, 9)}\n`,
    () => `a key starts with sk-ant-api03-${chars(B62, int(10, 30))}, never paste one\n`,
    () => `OPENAI_API_KEY=sk-proj-${'x'.repeat(int(40, 80))}\n`,
    () => `stripe: sk_live_${'0'.repeat(int(16, 32))}\n`,
    () => `Authorization: Bearer eyJ${chars(B62, int(10, 30))}.eyJ${chars(B62, int(10, 30))}.${chars(B62, int(16, 43))}\n`,
    () => `"integrity": "sha512-${chars(B64, 86)}==",\n`,
    () => `wallet address: 0x${chars(HEX, 40)} (tx hash 0x${chars(HEX, 64)})\n`,
    () => `private key fingerprint sha256: ${chars(HEX, 64)}\n`,
    () => `paypal_account: ops${int(1, 99)}@canfly.ai\n`,
    () => `pcp_${chars(HEX, int(20, 47))} is too short to be an agent key\n`,
    () => `xoxb-${int(100, 999)}-${chars(B62, 8)} looks like a Slack token but is not\n`,
    () => `-----BEGIN PUBLIC KEY-----\n${chars(B64, 64)}\n-----END PUBLIC KEY-----\n`,
    () => `const secretName = "${pick(['db', 'api', 'smtp'])}-credentials"; const tokenUrl = "https://auth.canfly.ai/oauth/token";\n`,
    () => `next_page_token: ${chars(B64, 40)}\n`,
  ];
  return fill(bytes, () => pick(lines)());
}

/** (c) Ticket prose, English and Traditional/Simplified Chinese, as agents and people write it. */
export function makeTicketProse(bytes = 5 * 1024 * 1024, seed = 3) {
  const { pick, int } = tools(seed);
  const en = [
    'The deploy to staging failed again after the last merge; the health check returns 502 for about a minute.',
    'Please rotate the API token for the billing agent before Friday, and store the new one in Paperclip secrets, not here.',
    'I checked the budget: we are at 83% for this month, so the forecast says we cross the limit on the 27th.',
    'Blocked: waiting for the PayPal account owner to approve the payout settings. Account: ops@canfly.ai.',
    'Reset your password from the login page if the wallet dashboard shows "session expired".',
    'The agent went into error while refactoring the report module; releasing and checking the issue out again fixed it.',
    'Can someone review PR #412? It changes how secrets are read from the environment.',
    'Note: the private key never goes into a ticket, a comment or a commit. Use the vault.',
    'Heartbeat is every 15 minutes for the CEO agent; other agents wake on demand only.',
  ];
  const zh = [
    '部署到測試環境又失敗了，健康檢查大約一分鐘內回傳 502。',
    '請在週五前輪替帳務代理的 API 金鑰，並把新的放進 Paperclip secrets，不要貼在這裡。',
    '本月預算已用 83%，預測會在 27 號超過上限，請先暫停非必要的任務。',
    '卡住了：等 PayPal 帳號負責人核准付款設定。帳號：ops@canfly.ai。',
    '如果錢包後台顯示「連線逾時」，請從登入頁重設密碼。',
    '代理在重構報表模組時進入 error 狀態；釋放後重新 checkout 就好了。',
    '注意：私鑰絕對不能放進工單、留言或 commit，請使用保險庫。',
    '部署到测试环境又失败了，请检查令牌是否过期，然后重新运行流水线。',
    'CEO 代理每 15 分鐘心跳一次，其他代理只在有需要時喚醒。',
  ];
  const para = () => {
    const n = int(2, 5);
    const out = [];
    for (let i = 0; i < n; i++) out.push(pick(pick([en, zh])));
    return `### ${pick(['Update', '進度', 'Question', '問題'])} ${int(1, 999)}\n\n${out.join(' ')}\n\n`;
  };
  return fill(bytes, para);
}
