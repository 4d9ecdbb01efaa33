// Generic credentials (passwords, API keys, tokens, salts, nonces, OTP seeds... without a known shape), in
// CredSweeper's shape: broad, cheap candidates from keywords and structure, then a learned filter.
//
// 1. Only lines where the keyword automaton found one of CREDENTIAL_KEYWORDS are looked at (detect.ts).
// 2. Candidates on such a line: quoted literals (bound to the name before them, or to one further left across a
//    conversion), bare values after an assignment operator, JSON inside a string, XML element text,
//    `Authorization: Basic|Bearer …` values, CLI flags (`-p…`, `--password …`, `-Password …`), URL userinfo,
//    SQL `IDENTIFIED BY`; and across lines: the value alone on the line after its label, a JWK's private
//    members after its `kty`.
// 3. Each candidate is scored by gradient-boosted trees over features of the value (entropy, character
//    classes, word coverage and letter-bigram likelihood against a word list, placeholder and template shapes,
//    repetition in the file), of its name (the identifier before it), of the structure, of the line and of the
//    file path. The trees are data (credential-model.json), trained on the dev split of Samsung's CredData by
//    scripts/train-credentials.mjs; nothing is downloaded or compiled at run time.
//
// Candidates never leave the detector except as offsets: the value is only read here, to compute features.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GENERATED_DIR, PACKAGE_ROOT } from '../../paths.js';
import { shannonEntropy } from './entropy.js';

/** Lowercase keywords that make a line worth looking at (the automaton folds ASCII case). */
export const CREDENTIAL_KEYWORDS = [
  'pass', 'pwd', 'pw', 'secret', 'token', 'key', 'auth', 'cred', 'salt', 'nonce', 'otp', 'seed', 'private', 'bearer', 'basic', '://', '密码', '密碼', '口令',
  // Structures whose marker is not a name: SQL `IDENTIFIED BY 'x'`, PowerShell `ConvertTo-SecureString 'x'`, a JWK's `"kty"`.
  'identified', 'securestring', 'kty',
];

export interface CredentialCandidate {
  /** Offsets of the value in the scanned text (end exclusive). */
  start: number;
  end: number;
  /** Which structure produced it. */
  shape: Shape;
  /** The identifier or label the value is bound to ('' when none). */
  name: string;
  /** Offset of the name in the scanned text (the value's start when there is none). */
  nameStart: number;
  /** The operator between name and value ('' when none). */
  op: string;
  /** The quote around the value ('' when bare). */
  quote: string;
}

// far: a quoted literal whose nearest name holds no keyword, bound to one further left on the line
// (`var key = []byte("…")`, `password:@"…"`); next: the value alone on the line after its label (`password:`,
// `export X_SECRET=\\`, `-----BEGIN … SEED-----`); jwk: a private member (d, p, q, dp, dq, qi, k) of a JSON Web
// Key, on the `kty` line or the lines after it; sql: `IDENTIFIED [WITH …] BY …`.
const SHAPES = ['assign', 'literal', 'xml', 'header', 'flag', 'url', 'call', 'far', 'next', 'jwk', 'sql'] as const;
type Shape = (typeof SHAPES)[number];

/**
 * Gradient-boosted trees over the dense features of `features()`. Tree t's nodes are `trees[t]`, a flat list of
 * [feature, threshold, left, right] for inner nodes and [-1, value] for leaves (node 0 is the root; a feature
 * value <= threshold goes left). The score is the sigmoid of `bias` plus the leaves reached.
 */
export interface CredentialModel {
  version: number;
  features: string[];
  bias: number;
  trees: number[][][];
  threshold: number;
  words: string[];
  /** The character n-gram model (round 4), when present: its logit is the trees' last feature and is added to their sum times `blend`. */
  char?: CharModel;
}

/**
 * A logistic model over hashed character n-grams of the value (its characters and its character classes), the
 * name, the line around the value and the path: `weights` are int8 (times `scale`) in base64, one per hash bucket
 * (2^bits buckets, FNV-1a of a part's tag and the gram).
 */
export interface CharModel {
  bits: number;
  scale: number;
  bias: number;
  blend: number;
  weights: string;
}

let shipped: CredentialModel | undefined;

/**
 * The shipped model, read on first use (dist/generated/credential-model.json, copied there by the build; from
 * src/ when running from the sources): its 200 KB are parsed only by a process that scores a candidate, not by
 * every precommit and i18n run that loads the detector with the stage off (the default).
 */
export function credentialModel(): CredentialModel {
  return (shipped ??= JSON.parse(readFileSync(GENERATED_DIR ? join(GENERATED_DIR, 'credential-model.json') : join(PACKAGE_ROOT, 'src', 'detectors', 'secrets', 'credential-model.json'), 'utf8')) as CredentialModel);
}

// ---------------------------------------------------------------------------------------------------
// Candidates

// name op value, the value bare or quoted. The name may sit in quotes or brackets (JSON, dict, PHP arrays).
const ASSIGN_RE = /(?<![\w$.\-@])([A-Za-z_$@][\w$.\-]{0,80})(?:['"`]\]?|\])?[ \t]{0,8}(:=|=>|==|!=|\?\?=|\|\|=|\+=|=|:|->|<-|\?=|：)[ \t]{0,8}(?:(["'`])((?:\\.|(?!\3)[^\\\n]){1,500})\3|([^\s'"`,;(){}\[\]<>|&]{1,500}))/g;
// Any quoted literal (function arguments, lists, the value of a dict written as pairs).
const LITERAL_RE = /(["'`])((?:\\.|(?!\1)[^\\\n]){3,500})\1/g;
// <add key="DbPassword" value="…"/>, {"name": "API_TOKEN", "value": "…"}: the name is the other attribute's value.
const KV_RE = /\b(?:key|name)["']?\s*[=:]\s*(["'])([^"'\n]{1,80})\1[\s,]+["']?value["']?\s*[=:]\s*(["'])((?:\\.|(?!\3)[^\\\n]){1,500})\3/gi;
const XML_RE = /<([A-Za-z_][\w.:-]{0,60})(?:\s[^<>]{0,200})?>([^<>\n]{1,500})<\/\1>/g;
const HEADER_RE = /\b(Basic|Bearer|Token|Digest|Bot|token|bearer|basic)[ \t]+([A-Za-z0-9+/=._~:-]{6,1000})/g;
const FLAG_RE = /(?:^|[\s'"(])((?:--?[A-Za-z0-9-]{0,24}?|\/)(?:password|passwd|pass|pwd|token|secret|api-?key|key|auth)(?![\w-])|-p)(=|:|[ \t]+|)(["']?)([^\s'"`;|&]{3,300})\3/gi;
const SQL_RE = /\bidentified(?:[ \t]+with[ \t]+[\w'"]+)?[ \t]+by[ \t]+(?:password[ \t]+)?(["']?)([^\s'";]{1,300})\1/gi;
// CREATE/ALTER ROLE|USER … [WITH] [ENCRYPTED] PASSWORD '…' (also inside a string of another language).
const SQL_PASSWORD_RE = /\b(?:role|user|login)\b[^;\n'"]{0,80}?\bpassword[ \t]+(["'])([^\s'"]{1,300})\1/gi;
// curl -u user:password
const CURL_USER_RE = /(?<=\s)(?:-u|--user)[ \t]+(["']?)([^\s:'"]{1,64}):([^\s'"]{3,300})\1/g;
// JSON inside a string literal: {\"pass\":\"…\"}.
const ESCAPED_JSON_RE = /\\"([A-Za-z_$][\w$.\-]{0,80})\\"[ \t]*:[ \t]*\\"((?:(?!\\")[^\n]){1,500}?)\\"/g;
const JWK_RE = /["']?\b(d|p|q|dp|dq|qi|k)["']?[ \t]*[:=][ \t]*(["'])([A-Za-z0-9_-]{16,2000})\2/g;
// The next line holds one value and nothing else (indented, quoted, or after a comment marker).
const NEXT_VALUE_RE = /^[ \t]*(?:(?:#|\/\/|\*|>|-)[ \t]*)?(["'`]?)([^\s'"`]{4,500})\1[ \t]*[,;]?[ \t]*\r?$/;
const URL_RE = /[A-Za-z][A-Za-z0-9+.-]{1,20}:\/\/([^\s:@/?#'"`<>]{0,256}):([^\s@/?#'"`<>]{1,256})@/g;
const CALL_RE = /(?<![\w$.])([A-Za-z_$][\w$.]{0,80})[ \t]*\([ \t]*(["'`])((?:\\.|(?!\2)[^\\\n]){1,500})\2/g;

// Names that hold a keyword without meaning it: credit_card, keyboard, monkey, passport, compass, bypass...
const NOT_KEYWORDS = /credit|keyboard|keystroke|keyframe|keyword|keycode|keydown|keyup|keypress|monkey|turkey|donkey|hockey|jockey|passport|compass|bypass|passive|passage|passenger|pwm|spw|sigma|signal|sign(?:ed|up|in|out)|design|assign|seeds?_?(?:data|file|er)/g;

const KEYWORD_RE = new RegExp(CREDENTIAL_KEYWORDS.map((k) => k.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')).join('|'));
function hasKeyword(lower: string): boolean {
  return KEYWORD_RE.test(lower);
}

const IDENT = new Uint8Array(65536);
for (const ch of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$.-') IDENT[ch.charCodeAt(0)] = 1;
const WORD = new Uint8Array(65536); // letters, digits, _
for (const ch of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_') WORD[ch.charCodeAt(0)] = 1;
const AFTER_NAME = new Uint8Array(65536); // what may follow the identifier of a candidate's name
for (const ch of '=:>?(,!<+|"\'`\uff1a') AFTER_NAME[ch.charCodeAt(0)] = 1;

/**
 * Can the keyword at text[at, at + length) start a candidate? Its identifier must be followed (past a closing
 * bracket and blanks) by an operator, a quote, "(" or ",", or the keyword is a structure's own marker. A
 * necessary condition of every candidate shape, checked without a regex: most keyword occurrences in code
 * (`Object.keys`, `monkey patch`) are not.
 */
export function keywordMayBind(text: string, at: number, length: number): boolean {
  const c0 = text.charCodeAt(at) | 0x20;
  if (c0 === 98 || text.charCodeAt(at) === 58) return true; // basic, bearer, ://
  if (c0 === 105 || (c0 === 115 && length === 12)) return true; // identified, securestring: structure markers
  // A flag (`--password x`, `-Password x`, `/password:x`): the value follows a blank.
  let b = at;
  while (b > 0 && WORD[text.charCodeAt(b - 1)]) b--;
  if (b > 0 && (text.charCodeAt(b - 1) === 45 || text.charCodeAt(b - 1) === 47)) return true;
  let i = at + length;
  const end = Math.min(text.length, i + 80);
  while (i < end && IDENT[text.charCodeAt(i)]) i++;
  for (let k = 0; k < 8; k++, i++) {
    if (i >= text.length) return true; // a label at the end of the text
    const c = text.charCodeAt(i);
    if (AFTER_NAME[c]) return true;
    if (c === 10 || c === 13) return true; // a label at the end of its line: the value may be on the next
    if (c !== 32 && c !== 9 && c !== 93 && c !== 92 && c !== 42) return false; // blank, ], backslash, *
  }
  return false;
}

/** Does the line text[from, to) hold a keyword that may bind (the prefilter's condition, without the automaton)? */
function lineMayBind(text: string, from: number, to: number): boolean {
  const lower = text.slice(from, to).toLowerCase();
  for (const k of CREDENTIAL_KEYWORDS) {
    for (let i = lower.indexOf(k); i !== -1; i = lower.indexOf(k, i + 1)) if (keywordMayBind(text, from + i, k.length)) return true;
  }
  return false;
}

/**
 * The candidates of the line text[from, to). `checkKeyword`: look for a keyword first (the unfiltered path;
 * the automaton already did it otherwise). Offsets are in `text`.
 */
export function lineCandidates(text: string, from: number, to: number, checkKeyword = false): CredentialCandidate[] {
  const line = text.slice(from, to);
  if (line.length > 4000) return []; // minified code: no line of a config looks like this
  if (checkKeyword && !lineMayBind(text, from, to)) return [];
  if (BASE64_LINE.test(line)) return []; // a line of a PEM body or of a base64 blob: a known-shape row's business
  const out: CredentialCandidate[] = [];
  // s, e, ns: offsets in `text`.
  const pushAt = (s: number, e: number, shape: Shape, name: string, op: string, quote: string, ns: number) => {
    if (e <= s) return;
    const ls = Math.max(from, ns);
    if (PUBLIC_NAME.test(text.slice(Math.max(from, ls - 24), s < to ? s : ls + name.length))) return;
    // A value is a credential by what it is bound to: a name holding a keyword, or a structure that says so
    // (Authorization scheme, password flag, URL userinfo, JWK member). A keyword inside the value does not count.
    if (NAMED_SHAPES.has(shape) && !credentialName(name)) return;
    const v = text.slice(s, e);
    // Never a credential in CredData's labels (fewer than 1 in 200 true values): text in another script or
    // prose (translations), and 32-bit constants in hex (status codes).
    if (v.length < MIN_LENGTH || NOT_A_VALUE.test(v) || NAME_WORD.test(v) || v.toLowerCase() === name.toLowerCase() || sequential(v)) return;
    for (const c of out) if (c.start === s && c.end === e) return;
    out.push({ start: s, end: e, shape, name, op, quote, nameStart: ns });
  };
  const push = (s: number, e: number, shape: Shape, name: string, op: string, quote: string, ns = -1) => pushAt(from + s, from + e, shape, name, op, quote, from + (ns >= 0 ? ns : s));
  let m: RegExpExecArray | null;
  ASSIGN_RE.lastIndex = 0;
  while ((m = ASSIGN_RE.exec(line))) {
    const v = m[4] ?? m[5];
    const vs = m.index + m[0].length - v.length - (m[3] ? 1 : 0);
    if (m[2] === ':' && line.startsWith('//', m.index + m[1].length + 1)) {
      // A URL's scheme: no value, but its query may hold one (`?password=…`, `&access_token=…`).
      ASSIGN_RE.lastIndex = m.index + m[1].length + 3;
      continue;
    }
    push(vs, vs + v.length, 'assign', m[1], m[2], m[3] ?? '', m.index);
    ASSIGN_RE.lastIndex = m.index + m[1].length; // values may hold further pairs ("a=b&c=d")
  }
  // Each structure's regex runs only where its marker occurs (most keyword lines have none of them).
  const lower = line.toLowerCase();
  KV_RE.lastIndex = lower.includes('value') ? 0 : line.length;
  while ((m = KV_RE.exec(line))) {
    const s = m.index + m[0].length - 1 - m[4].length;
    push(s, s + m[4].length, 'assign', m[2], '=', m[3], m.index + m[0].indexOf(m[2]));
  }
  XML_RE.lastIndex = line.includes('</') ? 0 : line.length;
  while ((m = XML_RE.exec(line))) {
    const s = m.index + m[0].length - m[2].length - m[1].length - 3;
    push(s, s + m[2].length, 'xml', m[1], '>', '');
  }
  HEADER_RE.lastIndex = /basic|bearer|token|digest|bot/.test(lower) ? 0 : line.length;
  while ((m = HEADER_RE.exec(line))) {
    const s = m.index + m[0].length - m[2].length;
    push(s, s + m[2].length, 'header', m[1], ' ', '');
  }
  FLAG_RE.lastIndex = line.includes('-') || line.includes('/') ? 0 : line.length;
  while ((m = FLAG_RE.exec(line))) {
    const s = m.index + m[0].length - m[4].length - m[3].length;
    if (m[1].length > 2 && !credentialName(m[1])) continue; // --monkey, --turkey
    push(s, s + m[4].length, 'flag', m[1], m[2] ? (m[2] === '=' || m[2] === ':' ? m[2] : ' ') : '', m[3]);
    FLAG_RE.lastIndex = s;
  }
  URL_RE.lastIndex = line.includes('://') ? 0 : line.length;
  while ((m = URL_RE.exec(line))) {
    const s = m.index + m[0].length - 1 - m[2].length;
    push(s, s + m[2].length, 'url', m[1], ':', '');
  }
  CURL_USER_RE.lastIndex = lower.includes('curl') ? 0 : line.length;
  while ((m = CURL_USER_RE.exec(line))) {
    const s = m.index + m[0].length - m[1].length - m[3].length;
    push(s, s + m[3].length, 'flag', '--user', ' ', m[1]);
  }
  CALL_RE.lastIndex = line.includes('(') ? 0 : line.length;
  while ((m = CALL_RE.exec(line))) {
    const s = m.index + m[0].length - 1 - m[3].length;
    push(s, s + m[3].length, 'call', m[1], '(', m[2]);
  }
  ESCAPED_JSON_RE.lastIndex = line.includes('\\"') ? 0 : line.length;
  while ((m = ESCAPED_JSON_RE.exec(line))) {
    const s = m.index + m[0].length - 2 - m[2].length;
    push(s, s + m[2].length, 'assign', m[1], ':', '"', m.index + 2);
  }
  SQL_RE.lastIndex = lower.includes('identified') ? 0 : line.length;
  while ((m = SQL_RE.exec(line))) {
    const s = m.index + m[0].length - m[1].length - m[2].length;
    push(s, s + m[2].length, 'sql', 'identified by', 'by', m[1], m.index);
  }
  SQL_PASSWORD_RE.lastIndex = lower.includes('password') && /role|user|login/.test(lower) ? 0 : line.length;
  while ((m = SQL_PASSWORD_RE.exec(line))) {
    const s = m.index + m[0].length - 1 - m[2].length;
    push(s, s + m[2].length, 'sql', 'password', 'by', m[1], m.index);
  }
  // Other quoted literals last: a span found above keeps the structure that found it.
  LITERAL_RE.lastIndex = 0;
  while ((m = LITERAL_RE.exec(line))) {
    const s = m.index + 1;
    // Name: the last identifier-ish run before the literal, within 60 characters; when it holds no keyword
    // (a conversion, a string prefix: `[]byte("…")`, `b'…'`, `@"…"`), the last one further left that does.
    const before = line.slice(Math.max(0, m.index - 80), m.index);
    const near = before.slice(-60);
    const nm = /([A-Za-z_$@][\w$.\-]*)[^A-Za-z0-9_$@]*$/.exec(near);
    if (nm && credentialName(nm[1])) {
      push(s, s + m[2].length, 'literal', nm[1], '', m[1], m.index - near.length + nm.index);
      continue;
    }
    const far = farName(before);
    if (far) push(s, s + m[2].length, 'far', far.name, '', m[1], m.index - before.length + far.at);
    else push(s, s + m[2].length, 'literal', nm ? nm[1] : '', '', m[1]);
  }
  if (lower.includes('kty')) {
    // A JWK's members sit on this line or the next ones, up to the object's end.
    const close = text.indexOf('}', from);
    const end = Math.min(close === -1 ? text.length : close, from + 4000);
    const body = text.slice(from, end);
    JWK_RE.lastIndex = 0;
    while ((m = JWK_RE.exec(body))) {
      const s = from + m.index + m[0].length - 1 - m[3].length;
      pushAt(s, s + m[3].length, 'jwk', m[1], ':', m[2], from + m.index);
    }
  }
  if (!out.length && to < text.length) {
    // A label without a value: the value may be alone on the next line.
    const lm = labelAtEnd(line);
    // Not a PEM header: its body is the private-key row's business (an NKEY seed's label is no PEM).
    if (lm && credentialName(lm.name) && (!lm.name.endsWith('-----') || /seed/i.test(lm.name))) {
      const nFrom = to + 1;
      const nl = text.indexOf('\n', nFrom);
      const nTo = nl === -1 ? text.length : nl;
      const nm = nTo - nFrom <= 600 ? NEXT_VALUE_RE.exec(text.slice(nFrom, nTo)) : null;
      if (nm) {
        const s = nFrom + nm[0].indexOf(nm[2], nm[1] ? nm[0].indexOf(nm[1]) : 0);
        pushAt(s, s + nm[2].length, 'next', lm.name, '', nm[1], from + lm.at);
      }
    }
  }
  return out;
}

/**
 * The label a line ends with, when it has no value: `password:`, `DB_PASSWORD=\\`, `**Secret key**`,
 * `-----BEGIN … SEED-----`. Read backwards from the end (a regex anchored at the end would try every start).
 */
function labelAtEnd(line: string): { name: string; at: number } | null {
  let i = line.length;
  const skip = (chars: string) => {
    while (i > 0 && chars.includes(line[i - 1])) i--;
  };
  skip(' \t\r');
  if (i > 0 && line[i - 1] === '\\') i--;
  skip(' \t*');
  if (line.endsWith('=>', i)) i -= 2;
  else if (i > 0 && ':=\uff1a'.includes(line[i - 1])) i--;
  skip(' \t');
  skip('*\'"])');
  const end = i;
  while (i > 0 && end - i < 81 && IDENT[line.charCodeAt(i - 1)]) i--;
  while (i < end && !/[A-Za-z_$@]/.test(line[i])) i++; // a name starts with a letter
  if (i >= end || (i > 0 && IDENT[line.charCodeAt(i - 1)])) return null;
  return { name: line.slice(i, end), at: i };
}

const MIN_LENGTH = 4;
const NAMED_SHAPES = new Set<Shape>(['assign', 'literal', 'xml', 'call', 'far', 'next']);

/** Does a name hold a credential keyword (and not only inside credit, keyboard, passport…)? */
function credentialName(name: string): boolean {
  return hasKeyword(name.toLowerCase().replace(NOT_KEYWORDS, ''));
}

/**
 * The last identifier holding a keyword in `before` (the text left of a literal on its line), outside other
 * string literals: `var key = []byte(`, `password:@`, `secretData, _ := hex.DecodeString(`, not a word of another
 * string (`'vary', 'Accept, Authorization, …'`).
 */
function farName(before: string): { name: string; at: number } | null {
  const code = before.replace(/(["'`])(?:\\.|(?!\1)[^\\])*\1/g, (q) => ' '.repeat(q.length));
  let found: { name: string; at: number } | null = null;
  for (const m of code.matchAll(/[A-Za-z_$][\w$.\-]{0,80}/g)) if (credentialName(m[0])) found = { name: m[0], at: m.index };
  return found;
}

// ---------------------------------------------------------------------------------------------------
// Features (hashed into model.dim slots; index 0.. are dense)

const KEY_CLASSES: [string, RegExp][] = [
  ['pass', /pass|pwd|(?:^|[^a-z])pw(?:[^a-z]|$)|密[码碼]|口令/],
  ['secret', /secret/],
  ['token', /token/],
  ['key', /key/],
  ['api', /api/],
  ['auth', /auth/],
  ['cred', /cred/],
  ['salt', /salt/],
  ['nonce', /nonce/],
  ['otp', /otp|totp|2fa|mfa/],
  ['seed', /seed/],
  ['private', /priv/],
  ['session', /session|cookie/],
  ['sig', /sig|hmac/],
  ['bearer', /bearer/],
  ['basic', /basic/],
  ['login', /login|user/],
  ['client', /client/],
  ['access', /access/],
  ['public', /public|pub(?:[^a-z]|$)/],
  ['id', /(?:^|[^a-z])id(?:[^a-z]|$)|_id$|Id$/],
  ['meta', /name|file|path|url|uri|length|len|size|type|field|label|hint|prompt|placeholder|policy|regex|pattern|format|header|param|env|var|count|max|min|expir|timeout|ttl|version/],
  ['neg', /hash|digest|encrypted|encoded|confirm|reset|forgot|old|new|validate|verify|check|store|manager|provider|service|factory|handler|util|config|setting/],
];

const EXT_FLAGS: [string, RegExp][] = [
  ['test', /(?:^|[/._-])(?:tests?|spec|specs|__tests__|testing|mocks?|fixtures?|stubs?|fakes?)(?:[/._-]|$)/i],
  ['doc', /(?:^|[/._-])(?:docs?|documentation|examples?|samples?|demos?|tutorials?|guides?|readme)(?:[/._-]|$)/i],
  ['vendor', /(?:^|\/)(?:vendor|node_modules|third[_-]?party|dist|build)\//i],
  ['lock', /(?:lock\.json|\.lock|-lock\.ya?ml|go\.sum|\.min\.js)$/i],
  ['i18n', /(?:^|[/._-])(?:i18n|l10n|locales?|lang|translations?|messages)(?:[/._-]|$)/i],
];

const EXTS = ['', 'md', 'txt', 'rst', 'adoc', 'html', 'json', 'yml', 'yaml', 'xml', 'properties', 'ini', 'cfg', 'conf', 'config', 'env', 'toml', 'tf', 'sh', 'bash', 'ps1', 'bat', 'sql', 'py', 'js', 'ts', 'jsx', 'tsx', 'go', 'java', 'kt', 'scala', 'rb', 'php', 'cs', 'c', 'cpp', 'h', 'rs', 'swift', 'm', 'lua', 'gradle', 'example', 'template', 'dist', 'sample'];
const OPS = ['', '=', ':', '=>', '==', ':=', '(', '>', ' ', 'by', '!='];
const QUOTES = ['', '"', "'", '`'];

/** The names of the dense feature vector `features()` returns, in order (the model's `features`: these, then 'char' when it has a char model). */
export const FEATURE_NAMES: string[] = [
  'len', 'loglen', 'H', 'Hnorm', 'lower', 'upper', 'digit', 'special', 'classes', 'fDigit', 'fUpper', 'fSpecial', 'hex', 'b64', 'eq', 'space',
  'words', 'wordCover', 'segs', 'ident', 'dotted', 'template', 'placeholder', 'call', 'startsSym', 'repeat', 'seq', 'uuid', 'path', 'number', 'url', 'email',
  'hexNumber', 'constName', 'valueUpperIdent', 'valueHasSlash', 'nameCall', 'nameUpper',
  'nameEqValue', 'valueHasName', 'nameEmpty', 'lineComment', 'lineLen', 'lineCands', 'lineKw', 'lineTestWords', 'lineExample', 'quoted', 'bigHex', 'isCamel', 'lowerOnly', 'upperOnly', 'hasUnderscoreWord',
  'bigram', 'rareBigrams', 'charsPerSeg', 'nameLen', 'nameTestWords', 'valueRepeats', 'valueAtLineEnd', 'lineIndent', 'nameExactPass', 'digitRuns', 'letterDigitSwitches', 'maxRun', 'endsDigits', 'capWord',
  ...KEY_CLASSES.map(([c]) => `n:${c}`), 'n:none',
  ...SHAPES.map((x) => `shape:${x}`),
  ...OPS.map((x) => `op:${x}`), 'op:other',
  ...QUOTES.map((x) => `q:${x}`),
  ...EXTS.map((x) => `ext:${x}`), 'ext:other',
  ...EXT_FLAGS.map(([f]) => `p:${f}`),
];
const NF = FEATURE_NAMES.length;
const EXT_INDEX = new Map(EXTS.map((x, i) => [x, i]));

const wordSets = new WeakMap<CredentialModel, { set: Set<string>; max: number; bigram: Float64Array }>();
function words(m: CredentialModel): { set: Set<string>; max: number; bigram: Float64Array } {
  let w = wordSets.get(m);
  if (!w) {
    // Letter bigram log-probabilities of the word list: how much a value reads like identifiers (the
    // "token efficiency" signal without a tokenizer's merge table: random text has rare letter pairs).
    const counts = new Float64Array(27 * 27).fill(0.5);
    for (const x of m.words) for (let i = 0; i <= x.length; i++) counts[(i ? x.charCodeAt(i - 1) - 96 : 0) * 27 + (i < x.length ? x.charCodeAt(i) - 96 : 0)]++;
    const bigram = new Float64Array(27 * 27);
    for (let a = 0; a < 27; a++) {
      let row = 0;
      for (let b = 0; b < 27; b++) row += counts[a * 27 + b];
      for (let b = 0; b < 27; b++) bigram[a * 27 + b] = Math.log(counts[a * 27 + b] / row);
    }
    w = { set: new Set(m.words), max: m.words.reduce((a, x) => Math.max(a, x.length), 0), bigram };
    wordSets.set(m, w);
  }
  return w;
}

/** Mean letter-bigram log-probability of the value's letters (case folded), and the share of pairs rarer than 1 in 200. */
function bigramScore(v: string, m: CredentialModel): [number, number] {
  const { bigram } = words(m);
  let sum = 0, n = 0, rare = 0, prev = -1;
  for (let i = 0; i < v.length; i++) {
    let c = v.charCodeAt(i) | 0x20;
    c = c >= 97 && c <= 122 ? c - 96 : -1;
    if (c > 0 && prev > 0) {
      const lp = bigram[prev * 27 + c];
      sum += lp;
      n++;
      if (lp < -5.3) rare++;
    }
    prev = c;
  }
  return n ? [sum / n, rare / n] : [0, 0];
}

/** Letters of `v` covered by known words (greedy longest match over its letter runs), and the segment count per character. */
function wordCoverage(v: string, m: CredentialModel): [number, number] {
  const { set: ws, max: maxWord } = words(m);
  const lower = v.toLowerCase();
  let covered = 0;
  let letters = 0;
  let segs = 0;
  let i = 0;
  const n = lower.length;
  while (i < n) {
    const c = lower.charCodeAt(i);
    if (c < 97 || c > 122) {
      i++;
      segs++;
      continue;
    }
    let best = 0;
    for (let L = Math.min(maxWord, n - i); L >= 3; L--) {
      if (ws.has(lower.slice(i, i + L))) {
        best = L;
        break;
      }
    }
    if (best) {
      covered += best;
      letters += best;
      i += best;
    } else {
      letters++;
      i++;
    }
    segs++;
  }
  return [letters ? covered / letters : 0, n ? segs / n : 0];
}

const PLACEHOLDER_RE = /example|sample|dummy|fake|mock|placeholder|redacted|changeme|change_me|changeit|your[_-]?|xxx|\*\*\*|•••|\.\.\.|…|todo|fixme|replace|insert|secret123|password123|passw0rd|qwerty|letmein|foobar|hunter2|^(?:test|pass|password|secret|admin|root|guest|user|none|null|true|false|undefined)$/i;
const TEMPLATE_RE = /\$\{|\{\{|%\(|%[sdv]\b|^\$[A-Za-z_]|^%[A-Za-z_]+%$|<[^<>]+>|\$\(|#\{|^@[A-Za-z]|^:[a-z]/;

/**
 * How many times `v` occurs within 4 KB of `at` (up to 10): a value repeated across a file is a fixture more often
 * than a secret. A window, so that a large file with many candidates costs no more than a small one per candidate.
 */
function occurrences(text: string, v: string, at: number): number {
  const w = text.slice(Math.max(0, at - 4096), at + 4096);
  let n = 0;
  for (let i = w.indexOf(v); i !== -1 && n < 10; i = w.indexOf(v, i + v.length)) n++;
  return n;
}

/** The dense feature vector of a candidate (FEATURE_NAMES says what each slot is). */
export function features(text: string, c: CredentialCandidate, lineFrom: number, lineTo: number, lineCandCount: number, path: string, m: CredentialModel = credentialModel()): Float64Array {
  const v = text.slice(c.start, c.end);
  const line = text.slice(lineFrom, lineTo);
  const f = new Float64Array(NF);
  const n = v.length;
  let lo = 0, up = 0, dg = 0, sp = 0, spaces = 0, digitRuns = 0, switches = 0, maxRun = 1, run = 1, prevCls = -1;
  for (let i = 0; i < n; i++) {
    const ch = v.charCodeAt(i);
    let cls: number;
    if (ch >= 97 && ch <= 122) (lo++, (cls = 0));
    else if (ch >= 65 && ch <= 90) (up++, (cls = 1));
    else if (ch >= 48 && ch <= 57) (dg++, (cls = 2));
    else {
      sp++;
      cls = 3;
      if (ch === 32) spaces++;
    }
    if (cls === 2 && prevCls !== 2) digitRuns++;
    if (prevCls >= 0 && (cls === 2) !== (prevCls === 2) && cls !== 3 && prevCls !== 3) switches++;
    if (i && ch === v.charCodeAt(i - 1)) maxRun = Math.max(maxRun, ++run);
    else run = 1;
    prevCls = cls;
  }
  const H = shannonEntropy(v);
  const [cover, segs] = wordCoverage(v, m);
  const [bg, rareBg] = bigramScore(v, m);
  const name = c.name.toLowerCase();
  const lineLower = line.toLowerCase();
  let k = 0;
  const set = (x: number | boolean) => (f[k++] = +x);
  set(Math.min(n, 64) / 64);
  set(Math.log(1 + n) / 5);
  set(H / 6);
  set(n > 1 ? H / Math.log2(Math.min(n, 64)) : 0);
  set(lo > 0);
  set(up > 0);
  set(dg > 0);
  set(sp > 0);
  set(((lo ? 1 : 0) + (up ? 1 : 0) + (dg ? 1 : 0) + (sp ? 1 : 0)) / 4);
  set(n ? dg / n : 0);
  set(n ? up / n : 0);
  set(n ? sp / n : 0);
  set(/^[0-9a-f]+$/i.test(v) && n >= 16);
  set(/^[A-Za-z0-9+/_-]+={0,2}$/.test(v) && n >= 16 && dg > 0 && lo + up > 0);
  set(/=$/.test(v));
  set(spaces ? Math.min(spaces, 5) / 5 : 0);
  set(looksLikeIdentifierWords(v, m));
  set(cover);
  set(segs);
  set(/^[A-Za-z_$][\w$]*$/.test(v));
  set(/^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$/.test(v));
  set(TEMPLATE_RE.test(v));
  set(PLACEHOLDER_RE.test(v));
  set(/[A-Za-z_]\(|\)$/.test(v));
  set(/^[^A-Za-z0-9]/.test(v));
  set(/(.)\1{3,}/.test(v));
  set(/0123|1234|2345|3456|4567|5678|6789|abcd|bcde|qwer|asdf/i.test(v));
  set(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v));
  set(/^(?:\/|\.{1,2}\/|~\/|[A-Za-z]:\\)|\/[\w.-]+\//.test(v));
  set(/^[0-9\s.:_/+-]+$/.test(v));
  set(v.includes('://'));
  set(/^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i.test(v));
  set(/^(?:0x|&h|#)[0-9a-f]+[ul]*$/i.test(v));
  set(/^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+){2,}$/.test(c.name));
  set(/^[A-Z][A-Z0-9_]*$/.test(v));
  set(v.includes('/'));
  set(/[a-z]\.[a-z]/i.test(c.name));
  set(/^[A-Z0-9_]+$/.test(c.name));
  set(name !== '' && v.toLowerCase() === name);
  set(name.length >= 3 && v.toLowerCase().includes(name));
  set(name === '');
  set(/^\s*(?:#|\/\/|\*|\/\*|<!--|--|;|rem\s|%)/i.test(line));
  set(Math.min(line.length, 400) / 400);
  set(Math.min(lineCandCount, 10) / 10);
  set(/pass|secret|token|key|auth|cred/.test(lineLower));
  set(/assert|expect|should|test|mock|stub|fake|spec/.test(lineLower));
  set(/example|sample|dummy|placeholder|your[_ -]|e\.g\.|for instance/.test(lineLower));
  set(c.quote !== '');
  set(/^[0-9a-f]{32,}$/i.test(v));
  set(/^[a-z]+(?:[A-Z][a-z]+)+$/.test(v));
  set(/^[a-z]+$/.test(v));
  set(/^[A-Z_]+$/.test(v));
  set(/^[a-z]+(?:_[a-z]+)+$/i.test(v));
  set(bg / 6);
  set(rareBg);
  set(n / Math.max(1, segs * n));
  set(Math.min(c.name.length, 40) / 40);
  set(/test|example|sample|dummy|fake|mock|demo/.test(name));
  set(occurrences(text, v, c.start) / 10);
  set(line.slice(c.end - lineFrom).trim().replace(/^["'`;,)\]}]+/, '').length === 0);
  set(Math.min(line.length - line.trimStart().length, 16) / 16);
  set(/^(?:.*[_.-])?(?:pass(?:word|wd)?|pwd)$/.test(name));
  set(Math.min(digitRuns, 8) / 8);
  set(Math.min(switches, 16) / 16);
  set(Math.min(maxRun, 8) / 8);
  set(/[0-9]$/.test(v) && /^[A-Za-z]/.test(v));
  set(/^[A-Z][a-z]+/.test(v));
  let anyClass = false;
  for (const [, re] of KEY_CLASSES) {
    const hit = re.test(name);
    anyClass ||= hit;
    set(hit);
  }
  set(!anyClass);
  for (const x of SHAPES) set(c.shape === x);
  const op = OPS.indexOf(c.op);
  for (let i = 0; i < OPS.length; i++) set(op === i);
  set(op === -1);
  for (const q of QUOTES) set(c.quote === q);
  const lastDot = path.lastIndexOf('.');
  const ext = lastDot > path.lastIndexOf('/') ? path.slice(lastDot + 1).toLowerCase() : '';
  const e = EXT_INDEX.get(ext) ?? -1;
  for (let i = 0; i < EXTS.length; i++) set(e === i);
  set(e === -1);
  for (const [, re] of EXT_FLAGS) set(re.test(path));
  return f;
}

/** Subwords of an identifier: "dbPassword_hash" -> db, password, hash. */
function nameTokens(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((t) => t.length >= 2 && t.length <= 20)
    .slice(0, 8);
}

/** camelCase / snake_case / kebab-case made of known words: a variable name, not a secret. */
function looksLikeIdentifierWords(v: string, m: CredentialModel): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_.-]*$/.test(v)) return false;
  const parts = nameTokens(v);
  if (!parts.length) return false;
  const ws = words(m).set;
  return parts.every((p) => ws.has(p) || /^\d{1,4}$/.test(p));
}

/** The trees as flat typed arrays (one node per index, all trees end to end): the walk reads numbers, not nested arrays. */
interface FlatTrees {
  roots: Int32Array;
  feature: Int32Array; // -1: a leaf
  value: Float64Array; // threshold, or the leaf's value
  left: Int32Array;
  right: Int32Array;
}
const flatCache = new WeakMap<CredentialModel, FlatTrees>();
function flat(m: CredentialModel): FlatTrees {
  let t = flatCache.get(m);
  if (t) return t;
  const n = m.trees.reduce((a, x) => a + x.length, 0);
  t = { roots: new Int32Array(m.trees.length), feature: new Int32Array(n), value: new Float64Array(n), left: new Int32Array(n), right: new Int32Array(n) };
  let base = 0;
  m.trees.forEach((tree, ti) => {
    t!.roots[ti] = base;
    tree.forEach((node, i) => {
      t!.feature[base + i] = node[0];
      t!.value[base + i] = node[1];
      if (node[0] >= 0) {
        t!.left[base + i] = base + node[2];
        t!.right[base + i] = base + node[3];
      }
    });
    base += tree.length;
  });
  flatCache.set(m, t);
  return t;
}

// ---------------------------------------------------------------------------------------------------
// The character n-gram model

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
/** Character class of a code unit: a lower, A upper, 0 digit, itself otherwise. */
function charClass(ch: number): number {
  return ch >= 97 && ch <= 122 ? 97 : ch >= 65 && ch <= 90 ? 65 : ch >= 48 && ch <= 57 ? 48 : ch;
}

/**
 * The hashed n-grams of a candidate (a set of bucket numbers below 2^bits): the value's character-class 2-4-grams
 * (runs squeezed to two) and its length; the value's lower-cased 1-3-grams; the name's words, 3-grams and the
 * shape; the line's lower-cased 3-4-grams around the value (60 characters before, 30 after, the value itself one
 * mark); the line's words; the path's words and extension. The training script hashes with this same function.
 */
export function charGrams(text: string, c: CredentialCandidate, from: number, to: number, path: string, bits: number): Int32Array {
  const mask = (1 << bits) - 1;
  // A set of bucket numbers without a Set: a bucket is new when its stamp is not this call's.
  if (stamp.length !== mask + 1) stamp = new Uint32Array(mask + 1);
  if (++gen === 0xffffffff) (stamp.fill(0), (gen = 1));
  let n = 0;
  const add = (h: number) => {
    const k = (h >>> 0) & mask;
    if (stamp[k] === gen) return;
    stamp[k] = gen;
    if (n === buf.length) {
      const bigger = new Int32Array(buf.length * 2);
      bigger.set(buf);
      buf = bigger;
    }
    buf[n++] = k;
  };
  // Every n-gram (n in [lo, hi]) of s, behind the tag character.
  const grams = (tag: number, s: string, lo: number, hi: number) => {
    for (let i = 0; i < s.length; i++) {
      let h = Math.imul(FNV_OFFSET ^ tag, FNV_PRIME);
      for (let k = 1; k <= hi && i + k <= s.length; k++) {
        h = Math.imul(h ^ s.charCodeAt(i + k - 1), FNV_PRIME);
        if (k >= lo) add(h);
      }
    }
  };
  const v = text.slice(c.start, c.end);
  const v64 = v.slice(0, 64);
  let cls = '^';
  for (let i = 0; i < v64.length; i++) {
    const k = charClass(v64.charCodeAt(i));
    if (!(cls.length >= 2 && cls.charCodeAt(cls.length - 1) === k && cls.charCodeAt(cls.length - 2) === k)) cls += String.fromCharCode(k);
  }
  grams(67 /* C */, cls + '$', 2, 4);
  add(hashWhole(76 /* L */, String(Math.min(v.length, 48))));
  grams(118 /* v */, '^' + v64.toLowerCase() + '$', 1, 3);
  const nm = c.name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  for (const w of nm.split(/[^a-z0-9]+/)) if (w) add(hashWhole(78 /* N */, w));
  grams(110 /* n */, '^' + nm.replace(/[^a-z0-9]+/g, '_') + '$', 3, 3);
  add(hashWhole(83 /* S */, c.shape + c.op + c.quote));
  const vs = Math.max(from, Math.min(c.start, to));
  const ve = Math.max(vs, Math.min(c.end, to));
  grams(108 /* l */, (text.slice(Math.max(from, vs - 60), vs) + '\u0001' + text.slice(ve, Math.min(to, ve + 30))).toLowerCase().replace(/\s+/g, ' '), 3, 4);
  // The line's words and the path's words are the same for every candidate of a line, of a file: hashed once.
  if (lineMemo.text !== text || lineMemo.from !== from || lineMemo.to !== to) {
    const hs: number[] = [];
    for (const w of text.slice(from, to).toLowerCase().split(/[^a-z]+/)) if (w.length >= 2 && w.length <= 20) hs.push(hashWhole(87 /* W */, w));
    lineMemo = { text, from, to, hs };
  }
  for (const h of lineMemo.hs) add(h);
  if (pathMemo.path !== path) {
    const hs: number[] = [];
    const rel = path.slice(path.indexOf('/') + 1).replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
    for (const w of rel.split(/[^a-z]+/)) if (w.length >= 2) hs.push(hashWhole(80 /* P */, w));
    const ext = /\.([a-z0-9]{1,8})$/.exec(rel);
    hs.push(hashWhole(69 /* E */, ext ? ext[1] : ''));
    hs.push(hashWhole(66 /* B */, ''));
    pathMemo = { path, hs };
  }
  for (const h of pathMemo.hs) add(h);
  return buf.slice(0, n);
}
let stamp = new Uint32Array(0);
let gen = 0;
let buf = new Int32Array(512);
const NO_LINE: { text: string; from: number; to: number; hs: number[] } = { text: '', from: -1, to: -1, hs: [] };
let lineMemo = NO_LINE;
let pathMemo: { path: string; hs: number[] } = { path: '\u0000', hs: [] };
/** FNV-1a of a tag character and a string. */
function hashWhole(tag: number, s: string): number {
  let h = Math.imul(FNV_OFFSET ^ tag, FNV_PRIME);
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h;
}

const charWeights = new WeakMap<CharModel, Int8Array>();
/** The char model's logit for a candidate's n-grams. */
export function charLogit(g: ArrayLike<number>, cm: CharModel): number {
  let w = charWeights.get(cm);
  if (!w) {
    const raw = Buffer.from(cm.weights, 'base64');
    w = new Int8Array(raw.buffer, raw.byteOffset, raw.length);
    charWeights.set(cm, w);
  }
  let z = 0;
  for (let i = 0; i < g.length; i++) z += w[g[i]];
  return cm.bias + z * cm.scale;
}

/** The feature vector the model reads: the dense features, and the char model's logit when it has one. */
export function modelInput(text: string, c: CredentialCandidate, from: number, to: number, lineCandCount: number, path: string, m: CredentialModel = credentialModel()): Float64Array {
  const f = features(text, c, from, to, lineCandCount, path, m);
  if (!m.char) return f;
  const x = new Float64Array(NF + 1);
  x.set(f);
  x[NF] = charLogit(charGrams(text, c, from, to, path, m.char.bits), m.char);
  return x;
}

/** The model's probability that the candidate is a credential: the boosted trees' sum (and the char model's blended logit), through a sigmoid. `f`: `modelInput()`. */
export function score(f: ArrayLike<number>, m: CredentialModel = credentialModel()): number {
  const { roots, feature, value, left, right } = flat(m);
  let z = m.bias;
  for (let r = 0; r < roots.length; r++) {
    let i = roots[r];
    while (feature[i] >= 0) i = f[feature[i]] <= value[i] ? left[i] : right[i];
    z += value[i];
  }
  if (m.char) z += m.char.blend * f[NF];
  return 1 / (1 + Math.exp(-z));
}

export function threshold(): number {
  return credentialModel().threshold;
}

// The value is the name of what it should hold, or a word every scanner knows as a stand-in.
const NAME_WORD = /^(?:pass(?:word|wd)?s?|pwd|secrets?|tokens?|keys?|api[_-]?keys?|credentials?|auth|changeme|changeit|hunter2|test|tests|admin|root|none|null|nil|true|false|undefined|example|sample|string|str|int|bool|xxx+|\*+|\.+)$/i;
const BASE64_LINE = /^\s*[A-Za-z0-9+/]{40,}={0,2}\s*$/;
const NOT_A_VALUE = /^\d+$|(.)\1{9,}|^sha(?:1|224|256|384|512)-[A-Za-z0-9+/]+=*$|^\$(?:2[abxy]?|argon2\w*|scrypt|pbkdf2[\w-]*|[156])\$|[^\x00-\x7f]|\\u[0-9a-f]{4}|\S\s+\S+\s+\S|^(?:0x|&h)[0-9a-f]{1,16}[ul]*$|^[a-z][a-z0-9+.-]*:\/\/(?![^\/?#@\s]*:[^\/?#@\s]*@)/i;
/** Mostly runs of consecutive characters ("abcdefgh", "12345678"): a keyboard, not a key. */
function sequential(v: string): boolean {
  let steps = 0;
  for (let i = 1; i < v.length; i++) if (v.charCodeAt(i) === v.charCodeAt(i - 1) + 1) steps++;
  return steps >= 0.5 * (v.length - 1);
}

// PublicKeyToken=…, public_key, pubkey: published by design.
const PUBLIC_NAME = /public|(?:^|[^a-z])pub[_-]?key/i;

/** Is the name one of a password (the kind reported), else a key/token. */
export function isPasswordName(name: string, shape: Shape): boolean {
  return shape === 'url' || shape === 'flag' ? /key|token|secret|auth/i.test(name) === false : /pass|pwd|(?:^|[^a-z])pw(?:[^a-z]|$)|密[码碼]|口令/i.test(name);
}

/**
 * The accepted credentials of the lines text[from, to) for each [from, to) in `lines`: at most the best-scoring,
 * non-overlapping candidates at or above the model's threshold. `judged`, when given, receives the [start, end)
 * of every candidate scored, accepted or not.
 */
export function credentialsIn(text: string, lines: Iterable<[number, number]>, path: string, checkKeyword = false, m: CredentialModel = credentialModel(), cut = m.threshold, judged?: number[]): { start: number; end: number; nameStart: number; password: boolean; p: number }[] {
  const out: { start: number; end: number; nameStart: number; password: boolean; p: number }[] = [];
  let last = -1; // candidates may lie on later lines (jwk, next): one value is reported once
  for (const [from, to] of lines) {
    const cands = lineCandidates(text, from, to, checkKeyword);
    if (!cands.length) continue;
    if (judged) for (const c of cands) judged.push(c.start, c.end);
    const scored = cands.map((c) => ({ c, p: score(modelInput(text, c, from, to, cands.length, path, m), m) })).filter((x) => x.p >= cut);
    scored.sort((a, b) => b.p - a.p || a.c.start - b.c.start);
    const kept: typeof scored = [];
    for (const s of scored) if (s.c.start >= last && !kept.some((k) => k.c.start < s.c.end && s.c.start < k.c.end)) kept.push(s);
    kept.sort((a, b) => a.c.start - b.c.start);
    for (const s of kept) out.push({ start: s.c.start, end: s.c.end, nameStart: s.c.nameStart, password: isPasswordName(s.c.name, s.c.shape), p: s.p });
    for (const s of kept) if (s.c.end > to) last = Math.max(last, s.c.end);
  }
  // The memo holds the scanned text: not kept past the scan (the live guard's worker lives on, and the text may hold a key).
  lineMemo = NO_LINE;
  return out;
}
