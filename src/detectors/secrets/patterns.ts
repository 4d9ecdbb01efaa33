// The secret detector's pattern table. Detectors are data, as in gitleaks' config: adding a provider is
// adding a row, not a code path. Users add rows of the same shape in clipguard.config.json
// (`secrets.patterns`).
//
// Several rows (GitHub, AWS, Slack, Stripe, Anthropic, OpenAI, private keys, JWT, the generic assignment
// shape and its allowlists) are adapted from gitleaks' default configuration
// (https://github.com/gitleaks/gitleaks, config/gitleaks.toml), MIT License, Copyright (c) 2019 Zachary
// Rice. gitleaks' regexes are RE2; each port below was rewritten for JavaScript (inline `(?i)` and
// `(?-i:...)` groups, `\z` and possessive-free forms do not exist in JS) and every row is exercised by
// test/unit/secrets-detector.test.ts in JavaScript.
//
// How a row runs (see detect.ts):
// - `keywords` (lowercase) feed one Aho-Corasick pass over the text (keywords.ts); a row whose keywords
//   do not occur costs nothing.
// - anchor 'keyword' (the default for built-in rows): the regex is tried only AT each keyword occurrence
//   (sticky), so each regex starts with its keyword. This is what keeps dense text cheap. A secret that
//   may stand before its keyword is reached through a lookbehind (ethereum-private-key).
// - anchor 'window': the regex runs over the text within `window` characters of each keyword occurrence.
// - anchor 'scan': the regex runs over the whole text when any keyword occurs (gitleaks' semantics; the
//   default for user rows, whose regexes need not start with a keyword).
// - `precheck` and `valueRun` are cheap necessary conditions checked before any regex runs, for rows
//   whose keywords are common ("token", "password", "wallet", "https://").
// Quantifiers are bounded everywhere, and tokens carry a left-boundary lookbehind, so that a 10 MB line
// (or a text of nothing but keywords) never makes a row backtrack for long.

export interface SecretPatternAllowlist {
  /** Regexes (JS source) tested against the secret: a match means "not a secret". */
  regexes?: string[];
  /** Regexes tested against the whole match, extended left over the identifier it belongs to. */
  matchRegexes?: string[];
  /** Lowercase substrings: a secret containing one is a placeholder or a word, not a key. */
  stopwords?: string[];
}

export interface SecretPattern {
  /** The kind reported for a match (e.g. "github-pat"). */
  id: string;
  description: string;
  /** Lowercase strings, one of which must occur (case-insensitively) for the row to run. */
  keywords: string[];
  /** JavaScript RegExp source. */
  regex: string;
  /** RegExp flags among i, m, s, u (g, y and d are added by the detector). */
  flags?: string;
  /** Capture group holding the secret (0: the whole match). A list means "the first group that took part". */
  secretGroup?: number | number[];
  anchor?: 'keyword' | 'window' | 'scan';
  /** For anchor 'window' and for `valueRun`: how far (characters) from a keyword the secret may be. */
  window?: number;
  /** Minimum Shannon entropy (bits/char) of the secret. */
  minEntropy?: number;
  allowlist?: SecretPatternAllowlist;
  /** RegExp source (matched case-insensitively) that must occur within `contextWindow` chars of the secret. */
  context?: string;
  contextWindow?: number;
  /** RegExp source (case-insensitive) that must NOT occur in the `antiContextWindow` chars before the secret. */
  antiContext?: string;
  antiContextWindow?: number;
  /**
   * A cheap necessary condition: the secret is a run of at least `length` characters of the class `chars`
   * (RegExp class body, e.g. "0-9a-fA-F"). Keyword hits with no such run within `window` characters are not
   * tried. For rows whose keywords are common words ("wallet", "paypal") but whose values are rare.
   */
  valueRun?: { chars: string; length: number };
  /**
   * A named cheap necessary condition checked right after the keyword, without the regex engine:
   * - 'assignment': the regex is the keyword, the rest of an identifier and an assignment operator (the
   *   ASSIGN shape below); an operator must follow. Most "token" and "password" in code and prose are
   *   not assignments.
   * - 'userinfo': the keyword ends with "://" and the URL's authority holds both ":" and "@". Most URLs
   *   carry no credentials.
   */
  precheck?: 'assignment' | 'userinfo';
  /** A named structural check implemented in detect.ts (decoding a JWT, the generic-value filters...). */
  verify?: 'jwt' | 'paperclip-run-jwt' | 'random-key' | 'generic-value' | 'url-password';
}

// Shared fragments. A token must not be glued to more token characters on either side, or "ghp_..." inside
// a longer base64 blob would match.
const L = String.raw`(?<![A-Za-z0-9_-])`;
const R = String.raw`(?![A-Za-z0-9_-])`;
// The assignment shape of gitleaks' generic rule, anchored at the keyword: the rest of the identifier,
// an optional closing quote, an operator (= : := => ?= > and the full-width colon of Chinese text), an
// optional opening quote. `\\?` lets JSON-in-a-string (`\"token\": \"...\"`) through.
// `>` is there for XML elements (`<password>...</password>`); not when an `@` follows it: that is a
// placeholder in a URL's userinfo (`postgres://user:<password>@localhost/db`), and what follows is the host.
const ASSIGN = String.raw`[\w.-]{0,25}?(?:\\?['"\x60]|\])?[ \t]{0,8}(?:=|:=|::|:|=>|\?=|>(?![ \t]{0,8}@)|：)[ \t]{0,8}`;
// Prose in tickets: "client secret is <value>", "client secrets are: <value>", "client secret 是 <value>"
// (是 / 為 / 为), optionally followed by a colon.
const PROSE_IS = String.raw`s?(?:[ \t]{1,8}(?:is|are)(?:[ \t]{0,8}[:：])?[ \t]{1,8}|[ \t]{0,8}[是為为][ \t]{0,8}[:：]?[ \t]{0,8})`;
const JWT = String.raw`${L}eyJ[A-Za-z0-9_-]{8,4096}\.eyJ[A-Za-z0-9_-]{8,16384}\.[A-Za-z0-9_-]{16,4096}${R}`;
const HEX48 = '[0-9a-fA-F]{48}';
const HEX64 = String.raw`(?<![A-Za-z0-9_])(?:0x)?([0-9a-fA-F]{64})(?![A-Za-z0-9_])`;
const ETH_WORD = String.raw`private[ _-]?key|privkey|priv_key|wallet|mnemonic|ethereum|secp256k1|(?<![a-z])eth(?=[_ :=])|私[钥鑰]`;

/** Placeholder words a generic value must not contain (lowercase). */
const GENERIC_STOPWORDS = [
  'changeme', 'change_me', 'change-me', 'changeit', 'placeholder', 'redacted', 'dummy', 'sample',
  'example', 'your_', 'your-', 'yourpass', 'yourkey', 'yoursecret', 'yourtoken', 'mypassword',
  'password123', 'secret123', 'letmein', 'qwerty', 'xxxxx', 'notreal', 'not_real', 'not-a-real',
  'insert_', 'replace_', 'enter_', 'todo', 'fixme', 'undefined', 'null', 'none', 'true', 'false',
];

export const SECRET_PATTERNS: readonly SecretPattern[] = [
  // --- Paperclip (server/src/services/board-auth.ts, agents.ts, routes/access.ts of paperclipai):
  // `pcp_<kind>_` + 24 random bytes in hex; invite tokens are 32 bytes base64url.
  {
    id: 'paperclip-board-key',
    description: 'Paperclip board API key',
    keywords: ['pcp_board_'],
    regex: `${L}pcp_board_${HEX48}${R}`,
    minEntropy: 3,
  },
  {
    id: 'paperclip-cli-auth-token',
    description: 'Paperclip CLI auth token',
    keywords: ['pcp_cli_auth_'],
    regex: `${L}pcp_cli_auth_${HEX48}${R}`,
    minEntropy: 3,
  },
  {
    id: 'paperclip-claim-secret',
    description: 'Paperclip claim secret',
    keywords: ['pcp_claim_'],
    regex: `${L}pcp_claim_${HEX48}${R}`,
    minEntropy: 3,
  },
  {
    id: 'paperclip-bootstrap-token',
    description: 'Paperclip bootstrap token',
    keywords: ['pcp_bootstrap_'],
    regex: `${L}pcp_bootstrap_${HEX48}${R}`,
    minEntropy: 3,
  },
  {
    id: 'paperclip-invite-token',
    description: 'Paperclip invite token',
    keywords: ['pcp_invite_'],
    // Current: 43 base64url characters. Before 2026 the suffix was 8 base36 characters (needs a digit,
    // or "pcp_invite_template" in code would match).
    regex: String.raw`${L}pcp_invite_(?:[A-Za-z0-9_-]{43}|(?=[a-z]{0,7}[0-9])[a-z0-9]{8})${R}`,
    minEntropy: 3,
  },
  {
    id: 'paperclip-agent-key',
    description: 'Paperclip agent API key',
    keywords: ['pcp_'],
    regex: `${L}pcp_${HEX48}${R}`,
    minEntropy: 3,
  },
  {
    id: 'paperclip-run-jwt',
    description: 'Paperclip agent run JWT',
    keywords: ['eyj'],
    regex: JWT,
    verify: 'paperclip-run-jwt',
  },

  // --- AI providers.
  {
    id: 'anthropic-admin-key',
    description: 'Anthropic admin API key',
    keywords: ['sk-ant-admin01-'],
    regex: String.raw`${L}sk-ant-admin01-[A-Za-z0-9_-]{93}AA${R}`,
    minEntropy: 3.5,
  },
  {
    id: 'anthropic-api-key',
    description: 'Anthropic API key',
    keywords: ['sk-ant-api03-'],
    regex: String.raw`${L}sk-ant-api03-[A-Za-z0-9_-]{93}AA${R}`,
    minEntropy: 3.5,
  },
  {
    // Other Anthropic credentials (OAuth and session tokens) and keys of an unexpected length.
    id: 'anthropic-key',
    description: 'Anthropic credential',
    keywords: ['sk-ant-'],
    regex: String.raw`${L}sk-ant-[a-z]{2,10}[0-9]{2}-[A-Za-z0-9_-]{32,200}${R}`,
    minEntropy: 4,
  },
  {
    id: 'openai-project-key',
    description: 'OpenAI project API key',
    keywords: ['sk-proj-'],
    regex: String.raw`${L}sk-proj-[A-Za-z0-9_-]{40,250}${R}`,
    minEntropy: 4,
  },
  {
    id: 'openai-service-account-key',
    description: 'OpenAI service account key',
    keywords: ['sk-svcacct-'],
    regex: String.raw`${L}sk-svcacct-[A-Za-z0-9_-]{40,250}${R}`,
    minEntropy: 4,
  },
  {
    id: 'openai-admin-key',
    description: 'OpenAI admin key',
    keywords: ['sk-admin-'],
    regex: String.raw`${L}sk-admin-[A-Za-z0-9_-]{40,250}${R}`,
    minEntropy: 4,
  },
  {
    // Legacy user keys carry "T3BlbkFJ" (base64 of "OpenAI") in the middle.
    id: 'openai-api-key',
    description: 'OpenAI API key',
    keywords: ['sk-'],
    regex: String.raw`${L}sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}${R}`,
    minEntropy: 3,
  },

  // --- Code hosting.
  {
    id: 'github-fine-grained-pat',
    description: 'GitHub fine-grained personal access token',
    keywords: ['github_pat_'],
    regex: String.raw`${L}github_pat_[A-Za-z0-9_]{82}${R}`,
    minEntropy: 3,
  },
  {
    id: 'github-pat',
    description: 'GitHub personal access token',
    keywords: ['ghp_'],
    regex: String.raw`${L}ghp_[A-Za-z0-9]{36}${R}`,
    minEntropy: 3,
  },
  {
    id: 'github-oauth',
    description: 'GitHub OAuth access token',
    keywords: ['gho_'],
    regex: String.raw`${L}gho_[A-Za-z0-9]{36}${R}`,
    minEntropy: 3,
  },
  {
    id: 'github-app-token',
    description: 'GitHub App token',
    keywords: ['ghu_', 'ghs_'],
    regex: String.raw`${L}gh[us]_[A-Za-z0-9]{36}${R}`,
    minEntropy: 3,
  },
  {
    id: 'github-refresh-token',
    description: 'GitHub refresh token',
    keywords: ['ghr_'],
    regex: String.raw`${L}ghr_[A-Za-z0-9]{36}${R}`,
    minEntropy: 3,
  },
  {
    id: 'gitlab-pat',
    description: 'GitLab personal access token',
    keywords: ['glpat-'],
    regex: String.raw`${L}glpat-[A-Za-z0-9_-]{20,300}${R}`,
    minEntropy: 3,
  },

  // --- Cloud.
  {
    id: 'aws-access-key-id',
    description: 'AWS access key ID',
    keywords: ['akia', 'asia', 'abia', 'acca', 'a3t'],
    regex: String.raw`(?<![A-Za-z0-9])(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}(?![A-Za-z0-9])`,
    // 2.5, not 3: 16 random base-32 characters after the prefix fall under 3 bits/char often enough for
    // fast-check to find one (ASIAAALKPKAKDAG4D4UD, 2.98). Placeholders (AKIAXXXXXXXXXXXXXXXX) stay far below.
    minEntropy: 2.5,
  },
  {
    // 40 base64 characters assigned to something named secret, with AWS nearby (the key name itself,
    // an access key id, "aws"). A bare 40-character string is too often a hash or an id.
    id: 'aws-secret-access-key',
    description: 'AWS secret access key',
    keywords: ['secret'],
    regex: String.raw`secret${ASSIGN}\\?['"\x60]?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])`,
    precheck: 'assignment',
    flags: 'i',
    secretGroup: 1,
    context: String.raw`aws|amazon|(?<![a-z])(?:akia|asia)|secret_?access_?key`,
    contextWindow: 200,
    verify: 'random-key',
    minEntropy: 4,
  },
  {
    // The same key without its variable name: on the line after an access key id or a "secret access key"
    // label (a Markdown runbook, a commit message, `export …=\` split over lines). Only within 160 characters
    // of those words, only a random-looking 40-character run (all three character classes, entropy >= 4.5), and
    // a whole token: not the tail of a longer one such as `xoxa-2-<40 characters>` (a Slack token on the next line).
    id: 'aws-secret-access-key',
    description: 'AWS secret access key',
    keywords: ['akia', 'asia', 'secret access key', 'secret_access_key', 'secretaccesskey'],
    anchor: 'window',
    window: 160,
    regex: String.raw`(?<![A-Za-z0-9/+=_-])([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])`,
    secretGroup: 1,
    context: String.raw`(?<![a-z])(?:akia|asia)[A-Z2-7]{16}|secret[ _]?access[ _]?key`,
    contextWindow: 160,
    verify: 'random-key',
    minEntropy: 4.5,
  },

  // --- Chat.
  {
    id: 'slack-webhook-url',
    description: 'Slack incoming webhook URL',
    keywords: ['hooks.slack.com'],
    regex: String.raw`hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9_+/-]{40,200}(?![A-Za-z0-9_+/-])`,
    minEntropy: 3.5,
  },
  {
    id: 'slack-bot-token',
    description: 'Slack bot token',
    keywords: ['xoxb-'],
    regex: String.raw`${L}xoxb-[0-9]{8,14}-(?:[0-9]{8,14}-)?[A-Za-z0-9]{18,64}${R}`,
    minEntropy: 3,
  },
  {
    id: 'slack-user-token',
    description: 'Slack user token',
    keywords: ['xoxp-', 'xoxe-'],
    regex: String.raw`${L}xox[pe](?:-[0-9]{8,14}){3}-[A-Za-z0-9]{28,64}${R}`,
    minEntropy: 3,
  },
  {
    id: 'slack-app-token',
    description: 'Slack app-level token',
    keywords: ['xapp-'],
    regex: String.raw`${L}xapp-[0-9]-[A-Z0-9]{1,32}-[0-9]{1,20}-[a-z0-9]{32,128}${R}`,
    minEntropy: 3,
  },
  {
    id: 'slack-config-token',
    description: 'Slack configuration token',
    keywords: ['xoxe.xox', 'xoxe-'],
    regex: String.raw`${L}xoxe(?:\.xox[bp]-[0-9]-[A-Za-z0-9]{163,166}|-[0-9]-[A-Za-z0-9]{146})${R}`,
    minEntropy: 3,
  },
  {
    id: 'slack-legacy-token',
    description: 'Slack legacy token',
    keywords: ['xoxa-', 'xoxr-', 'xoxo-', 'xoxs-'],
    regex: String.raw`${L}(?:xox[ar]-(?:[0-9]-)?[A-Za-z0-9]{8,48}|xox[os]-[0-9]{1,20}-[0-9]{1,20}-[0-9]{1,20}-[A-Fa-f0-9]{8,64})${R}`,
    minEntropy: 3,
  },

  // --- Payments.
  {
    id: 'stripe-secret-key',
    description: 'Stripe live secret key',
    keywords: ['sk_live_', 'sk_prod_'],
    regex: String.raw`${L}sk_(?:live|prod)_[A-Za-z0-9]{16,247}${R}`,
    minEntropy: 3,
  },
  {
    id: 'stripe-restricted-key',
    description: 'Stripe restricted key',
    keywords: ['rk_live_', 'rk_test_', 'rk_prod_'],
    regex: String.raw`${L}rk_(?:live|test|prod)_[A-Za-z0-9]{16,247}${R}`,
    minEntropy: 3,
  },
  {
    id: 'stripe-test-key',
    description: 'Stripe test secret key',
    keywords: ['sk_test_'],
    regex: String.raw`${L}sk_test_[A-Za-z0-9]{16,247}${R}`,
    minEntropy: 3,
  },
  {
    // The handbook allows PayPal account data (an e-mail) in tickets; only the client secret is a key.
    id: 'paypal-client-secret',
    description: 'PayPal client secret',
    keywords: ['paypal'],
    // "secret" within 300 characters after "paypal": PAYPAL_CLIENT_SECRET=..., a `paypal:` YAML block, or
    // ticket prose ("PayPal client secret is ...", "PayPal 的 client secret 是 ...").
    regex: String.raw`paypal[^]{0,300}?secret(?:${ASSIGN}|${PROSE_IS})\\?['"\x60]?([A-Za-z0-9_-]{32,128})${R}`,
    valueRun: { chars: 'A-Za-z0-9_-', length: 32 },
    window: 400,
    flags: 'i',
    secretGroup: 1,
    minEntropy: 3.5,
    verify: 'random-key',
    allowlist: { matchRegexes: [String.raw`secret[_.-]?(?:sha\w*|hash|digest|checksum|name|id|ref|version|file|path)[\w.-]*\W*$`] },
  },

  // --- Keys.
  {
    // The body is the secret: redaction keeps the BEGIN/END lines, so a reader still sees what it was.
    // Also in JSON strings (`\n` escapes) and indented YAML blocks. The body cannot contain "-----", so
    // the lazy search for END from one BEGIN stops at the next armour line instead of running 20000
    // characters past every BEGIN of a text full of them.
    id: 'private-key',
    description: 'Private key',
    keywords: ['-----begin'],
    regex: String.raw`-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----(?:\s|\\[nr])*((?:[A-Za-z0-9+/=:,. \t\r\n]|-(?!----)|\\[nr]){64,20000}?)(?:\s|\\[nr])*-----END[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----`,
    secretGroup: 1,
    minEntropy: 3.5,
  },
  {
    // 64 hex digits are usually a hash: only with a wallet / private-key word within 120 characters
    // (after it, or before it through the lookbehind), and not when the words just before the digits on
    // their line say hash, address, transaction or public key.
    id: 'ethereum-private-key',
    description: 'secp256k1 / Ethereum private key',
    keywords: ['private key', 'private_key', 'privatekey', 'private-key', 'privkey', 'priv_key', 'wallet', 'mnemonic', 'ethereum', 'secp256k1', 'eth_', 'eth ', 'eth:', 'eth=', '私钥', '私鑰'],
    // Starts with the word (so a plain global scan can search for it too): then either the key after it,
    // or, through a lookbehind from just after the word, the key before it.
    regex: `(?:${ETH_WORD})(?:[^]{0,120}?${HEX64}|(?<=${HEX64}[^]{0,120}(?:${ETH_WORD})))`,
    valueRun: { chars: '0-9a-fA-F', length: 64 },
    window: 200,
    flags: 'i',
    secretGroup: [1, 2],
    minEntropy: 3,
    antiContext: String.raw`hash|digest|checksum|sha-?\d|txid|tx[ _-]?id|(?<![a-z])tx(?![a-z])|transaction|block|commit|address|public|pubkey|signature|merkle|nonce`,
    antiContextWindow: 40,
  },

  // --- Credentials in URLs.
  {
    id: 'connection-string-password',
    description: 'Password in a database / broker connection string',
    keywords: ['postgres', 'mysql', 'mariadb', 'mongodb', 'redis', 'amqp', 'mssql'],
    regex: String.raw`(?<![A-Za-z0-9+.-])(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|mssql)://([^\s:@/?#'"\x60<>]{0,256}):([^\s/?#'"\x60<>]{1,256})@(?=[A-Za-z0-9\[._-])`,
    flags: 'i',
    secretGroup: 2,
    verify: 'url-password',
  },
  {
    id: 'url-basic-auth',
    description: 'Password in a URL',
    keywords: ['http://', 'https://', 'ftp://', 'ftps://'],
    precheck: 'userinfo',
    regex: String.raw`(?<![A-Za-z0-9+.-])(?:https?|ftps?)://([^\s:@/?#'"\x60<>]{1,256}):([^\s/?#'"\x60<>]{1,256})@(?=[A-Za-z0-9\[._-])`,
    flags: 'i',
    secretGroup: 2,
    verify: 'url-password',
    allowlist: { stopwords: ['x-oauth-basic'] },
  },

  // --- Generic shapes (last: any specific row above wins an overlap).
  {
    id: 'jwt',
    description: 'JSON Web Token',
    keywords: ['eyj'],
    regex: JWT,
    verify: 'jwt',
  },
  {
    id: 'generic-password',
    description: 'Password assignment',
    keywords: ['password', 'passwd', 'passphrase', 'pwd', '密码', '密碼', '口令'],
    // Values are printable ASCII without spaces (a quoted phrase with spaces is UI text far more often
    // than a passphrase); unquoted ones also stop at , ; < > brackets and quotes.
    regex: String.raw`(?:pass(?:word|wd|phrase)|pwd|密[码碼]|口令)${ASSIGN}(?:\\?"([!#-\[\]-~]{8,128})\\?"|'([!-&(-\[\]-~]{8,128})'|\x60([!-\[\]-_a-~]{8,128})\x60|([!#-&*+\--:=?@-Z^_a-z|~]{8,128})(?![!#-&*+\--:=?@-Z^_a-z|~]))`,
    flags: 'i',
    secretGroup: [1, 2, 3, 4],
    precheck: 'assignment',
    minEntropy: 3,
    verify: 'generic-value',
    allowlist: {
      stopwords: [...GENERIC_STOPWORDS, 'password', 'passwd'],
      matchRegexes: [
        String.raw`(?:passw(?:or)?d|pwd)[_.-]?(?:hash(?:ed)?|digest|salt|length|len|min|max|policy|reset|field|label|placeholder|prompt|hint|confirm(?:ation)?|strength|rules?|regex|pattern|expir\w*|changed|updated|file|path|url|uri|env|var|name|id|required|input|validator|encoder|encrypted|manager|store|auth(?:entication)?|grant|mode|type|kind|enabled|version|ver|count|index|idx|algo(?:rithm)?|format|size|timeout|ttl|retries|attempts|history)`,
        String.raw`(?:get|set|has|is|check|validate|verify|hash|toggle|show|reset|forgot|encode|compare)[_.-]?passw`,
        String.raw`(?:old|\$)pwd|cwd`,
      ],
    },
  },
  {
    id: 'generic-api-key',
    description: 'API key, secret or token assignment',
    keywords: ['api_key', 'apikey', 'api-key', 'api key', 'api.key', 'secret', 'token', 'access_key', 'accesskey', 'access-key', 'auth_key', 'authkey', 'credential'],
    regex: String.raw`(?:api[_ .-]?key|secret|token|access[_-]?key|auth[_-]?key|credential)${ASSIGN}(?:\\?['"\x60])?([A-Za-z0-9_+/=.~-]{12,200})(?![A-Za-z0-9_+/=.~-])`,
    flags: 'i',
    secretGroup: 1,
    precheck: 'assignment',
    minEntropy: 3.5,
    verify: 'generic-value',
    allowlist: {
      stopwords: GENERIC_STOPWORDS,
      // gitleaks' generic-api-key match allowlist (identifiers that name a key without holding one), plus
      // pagination/CSRF tokens and anything public.
      matchRegexes: [
        String.raw`access(?:ibility|or)|access[_.-]?id|random[_.-]?access|api[_.-]?(?:id|name|version)|rapid|capital|author|credentials?[_.-]?id|withCredentials`,
        String.raw`(?:bucket|foreign|hot|idx|natural|primary|pub(?:lic)?|schema|sequence)[_.-]?(?:api[_.-]?)?key|public|publishable`,
        // (Not secret_id: a Vault AppRole secret_id is a credential.)
        String.raw`(?:secret)[_.-]?(?:length|name|size|ref|key[_.-]?ref|provider|store|manager|path|file|arn)|UserSecretsId|secretKeyRef`,
        String.raw`(?:csrf|xsrf|page|next|continuation|cursor|sync|pagination|cancel(?:lation)?|progress|max|min)[_.-]?tokens?|tokens?[_.-]?(?:usage|used|storage|budget|estimate|ize|izer)`,
        // Metadata about a key, not the key: TOKEN_VERSION, secret_name, API_KEY_HEADER, credentials_path.
        String.raw`(?:api[_.-]?key|secret|token|access[_.-]?key|auth[_.-]?key|credential)s?[_.-]?(?:version|ver|revision|rev|hash|sha\w*|digest|index|idx|format|algorithm|algo|count|length|len|size|type|kind|name|url|uri|endpoint|path|file|prefix|header|field|param|env|var|ttl|expir\w*|lifetime|timeout|limit)(?![A-Za-z0-9])`,
        String.raw`(?:api[_.-]?key|token|access[_.-]?key|auth[_.-]?key|credential)s?[_.-]?ids?(?![A-Za-z0-9])`,
        String.raw`(?:api|credentials|token)[_.-]?(?:endpoint|ur[il])|public[_.-]?token|(?:key|token)[_.-]?file|api[_.-]?key[_.-]?(?:id|name|header|param|env|var|file|path|url|prefix)`,
        // A hash named as such (git_commit_sha, checksum, etag), as a whole word: not "prev_token".
        String.raw`(?<![a-z])(?:sha\d*|hash|digest|checksum|integrity|etag|commit|rev|fingerprint)(?![a-z])`,
      ],
    },
  },
];
