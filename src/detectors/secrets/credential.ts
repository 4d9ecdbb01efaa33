// Generic credentials (passwords, API keys, tokens, salts, nonces, OTP seeds... without a known shape), in
// CredSweeper's shape: broad, cheap candidates from keywords and structure, then a learned filter.
//
// 1. Only lines where the keyword automaton found one of CREDENTIAL_KEYWORDS are looked at (detect.ts).
// 2. Candidates on such a line: quoted literals, bare values after an assignment operator, XML element text,
//    `Authorization: Basic|Bearer …` values, CLI flags (`-p…`, `--password …`), URL userinfo.
// 3. Each candidate is scored by a logistic regression over features of the value (entropy, character
//    classes, word coverage, placeholder and template shapes), of its name (the identifier before it), of
//    the line and of the file path. The weights are data (credential-model.json), trained on the dev split
//    of Samsung's CredData by scripts/train-credentials.mjs; nothing is downloaded or compiled at run time.
//
// Candidates never leave the detector except as offsets: the value is only read here, to compute features.

import MODEL from './credential-model.json' with { type: 'json' };
import { shannonEntropy } from './entropy.js';

/** Lowercase keywords that make a line worth looking at (the automaton folds ASCII case). */
export const CREDENTIAL_KEYWORDS = [
  'pass', 'pwd', 'pw', 'secret', 'token', 'key', 'auth', 'cred', 'salt', 'nonce', 'otp', 'seed', 'private', 'bearer', 'basic', '://', '密码', '密碼', '口令',
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

type Shape = 'assign' | 'literal' | 'xml' | 'header' | 'flag' | 'url' | 'call';

export interface CredentialModel {
  version: number;
  dim: number;
  bias: number;
  w: number[];
  threshold: number;
  words: string[];
}

const model = MODEL as CredentialModel;

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
const FLAG_RE = /(?:^|[\s'"])(-p|-P|--password|--passwd|--pass|--token|--secret|--api-key|--apikey|--key|--auth|-pass|-password)(=|[ \t]+|)(["']?)([^\s'"`;|&]{3,300})\3/g;
const URL_RE = /[A-Za-z][A-Za-z0-9+.-]{1,20}:\/\/([^\s:@/?#'"`<>]{0,256}):([^\s@/?#'"`<>]{1,256})@/g;
const CALL_RE = /(?<![\w$.])([A-Za-z_$][\w$.]{0,80})[ \t]*\([ \t]*(["'`])((?:\\.|(?!\2)[^\\\n]){1,500})\2/g;

// Names that hold a keyword without meaning it: credit_card, keyboard, monkey, passport, compass, bypass...
const NOT_KEYWORDS = /credit|keyboard|keystroke|keyframe|keyword|keycode|keydown|keyup|keypress|monkey|turkey|donkey|hockey|jockey|passport|compass|bypass|passive|passage|passenger|pwm|spw|sigma|signal|sign(?:ed|up|in|out)|design|assign|seeds?_?(?:data|file|er)/g;

function hasKeyword(lower: string): boolean {
  for (const k of CREDENTIAL_KEYWORDS) if (lower.includes(k)) return true;
  return false;
}

const IDENT = new Uint8Array(65536);
for (const ch of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$.-') IDENT[ch.charCodeAt(0)] = 1;
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
  let i = at + length;
  const end = Math.min(text.length, i + 80);
  while (i < end && IDENT[text.charCodeAt(i)]) i++;
  for (let k = 0; k < 8 && i < text.length; k++, i++) {
    const c = text.charCodeAt(i);
    if (AFTER_NAME[c]) return true;
    if (c !== 32 && c !== 9 && c !== 93 && c !== 92) return false; // blank, ], backslash
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
  const push = (s: number, e: number, shape: Shape, name: string, op: string, quote: string, ns = -1) => {
    if (e <= s || PUBLIC_NAME.test(line.slice(Math.max(0, (ns >= 0 ? ns : s) - 24), s))) return;
    // A value is a credential by what it is bound to: a name holding a keyword, or a structure that says so
    // (Authorization scheme, password flag, URL userinfo). A keyword inside the value itself does not count.
    if ((shape === 'assign' || shape === 'literal' || shape === 'xml' || shape === 'call') && !hasKeyword(name.toLowerCase().replace(NOT_KEYWORDS, ''))) return;
    const v = line.slice(s, e);
    // Never a credential in CredData's labels (fewer than 1 in 200 true values): text in another script or
    // prose (translations), and 32-bit constants in hex (status codes).
    if (v.length < 8 || NOT_A_VALUE.test(v) || NAME_WORD.test(v) || v.toLowerCase() === name.toLowerCase() || sequential(v)) return;
    out.push({ start: from + s, end: from + e, shape, name, op, quote, nameStart: from + (ns >= 0 ? ns : s) });
  };
  let m: RegExpExecArray | null;
  ASSIGN_RE.lastIndex = 0;
  while ((m = ASSIGN_RE.exec(line))) {
    const v = m[4] ?? m[5];
    const vs = m.index + m[0].length - v.length - (m[3] ? 1 : 0);
    if (m[2] === ':' && line.startsWith('//', m.index + m[1].length + 1)) continue; // a URL's scheme
    push(vs, vs + v.length, 'assign', m[1], m[2], m[3] ?? '', m.index);
    ASSIGN_RE.lastIndex = m.index + m[1].length; // values may hold further pairs ("a=b&c=d")
  }
  LITERAL_RE.lastIndex = 0;
  while ((m = LITERAL_RE.exec(line))) {
    const s = m.index + 1;
    // Name: the last identifier-ish run before the literal, within 60 characters.
    const before = line.slice(Math.max(0, m.index - 60), m.index);
    const nm = /([A-Za-z_$@][\w$.\-]*)[^A-Za-z0-9_$@]*$/.exec(before);
    push(s, s + m[2].length, 'literal', nm ? nm[1] : '', '', m[1], nm ? m.index - before.length + nm.index : -1);
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
  FLAG_RE.lastIndex = line.includes('-p') || line.includes('-P') || line.includes('--') ? 0 : line.length;
  while ((m = FLAG_RE.exec(line))) {
    const s = m.index + m[0].length - m[4].length - m[3].length;
    push(s, s + m[4].length, 'flag', m[1], m[2] ? (m[2] === '=' ? '=' : ' ') : '', m[3]);
    FLAG_RE.lastIndex = s;
  }
  URL_RE.lastIndex = line.includes('://') ? 0 : line.length;
  while ((m = URL_RE.exec(line))) {
    const s = m.index + m[0].length - 1 - m[2].length;
    push(s, s + m[2].length, 'url', m[1], ':', '');
  }
  CALL_RE.lastIndex = line.includes('(') ? 0 : line.length;
  while ((m = CALL_RE.exec(line))) {
    const s = m.index + m[0].length - 1 - m[3].length;
    push(s, s + m[3].length, 'call', m[1], '(', m[2]);
  }
  return out;
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

const DENSE = [
  'len', 'loglen', 'H', 'Hnorm', 'lower', 'upper', 'digit', 'special', 'classes', 'fDigit', 'fUpper', 'fSpecial', 'hex', 'b64', 'eq', 'space',
  'words', 'wordCover', 'segs', 'ident', 'dotted', 'template', 'placeholder', 'call', 'startsSym', 'repeat', 'seq', 'uuid', 'path', 'number', 'url', 'email',
  'hexNumber', 'constName', 'valueUpperIdent', 'valueHasSlash', 'nameCall', 'nameUpper',
  'nameEqValue', 'valueHasName', 'nameEmpty', 'lineComment', 'lineLen', 'lineCands', 'lineKw', 'lineTestWords', 'lineExample', 'quoted', 'bigHex', 'isCamel', 'lowerOnly', 'upperOnly', 'hasUnderscoreWord', 'lenLt8', 'lenGe16', 'lenGe32',
] as const;
const D = DENSE.length;

function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const wordSets = new WeakMap<CredentialModel, { set: Set<string>; max: number }>();
function words(m: CredentialModel): { set: Set<string>; max: number } {
  let w = wordSets.get(m);
  if (!w) {
    w = { set: new Set(m.words), max: m.words.reduce((a, x) => Math.max(a, x.length), 0) };
    wordSets.set(m, w);
  }
  return w;
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

const PLACEHOLDER_RE = /example|sample|dummy|fake|mock|placeholder|redacted|changeme|change_me|changeit|your[_-]?|xxx|\*\*\*|•••|\.\.\.|…|todo|fixme|replace|insert|secret123|password123|passw0rd|qwerty|letmein|foobar|^(?:test|pass|password|secret|admin|root|guest|user|none|null|true|false|undefined)$/i;
const TEMPLATE_RE = /\$\{|\{\{|%\(|%[sdv]\b|^\$[A-Za-z_]|^%[A-Za-z_]+%$|<[^<>]+>|\$\(|#\{|^@[A-Za-z]|^:[a-z]/;

/** Sparse features of a candidate: [index, value] pairs (index < model.dim). */
export function features(text: string, c: CredentialCandidate, lineFrom: number, lineTo: number, lineCandCount: number, path: string, m: CredentialModel = model): [number, number][] {
  const v = text.slice(c.start, c.end);
  const line = text.slice(lineFrom, lineTo);
  const dim = m.dim;
  const f: [number, number][] = [];
  const dense = new Float64Array(D);
  const n = v.length;
  let lo = 0, up = 0, dg = 0, sp = 0, spaces = 0;
  for (let i = 0; i < n; i++) {
    const ch = v.charCodeAt(i);
    if (ch >= 97 && ch <= 122) lo++;
    else if (ch >= 65 && ch <= 90) up++;
    else if (ch >= 48 && ch <= 57) dg++;
    else {
      sp++;
      if (ch === 32) spaces++;
    }
  }
  const H = shannonEntropy(v);
  const [cover, segs] = wordCoverage(v, m);
  const name = c.name.toLowerCase();
  const lineLower = line.toLowerCase();
  let k = 0;
  const set = (x: number) => (dense[k++] = x);
  set(Math.min(n, 64) / 64);
  set(Math.log(1 + n) / 5);
  set(H / 6);
  set(n > 1 ? H / Math.log2(Math.min(n, 64)) : 0);
  set(lo ? 1 : 0);
  set(up ? 1 : 0);
  set(dg ? 1 : 0);
  set(sp ? 1 : 0);
  set(((lo ? 1 : 0) + (up ? 1 : 0) + (dg ? 1 : 0) + (sp ? 1 : 0)) / 4);
  set(n ? dg / n : 0);
  set(n ? up / n : 0);
  set(n ? sp / n : 0);
  set(/^[0-9a-f]+$/i.test(v) && n >= 16 ? 1 : 0);
  set(/^[A-Za-z0-9+/_-]+={0,2}$/.test(v) && n >= 16 && dg > 0 && lo + up > 0 ? 1 : 0);
  set(/=$/.test(v) ? 1 : 0);
  set(spaces ? Math.min(spaces, 5) / 5 : 0);
  set(looksLikeIdentifierWords(v, m) ? 1 : 0);
  set(cover);
  set(segs);
  set(/^[A-Za-z_$][\w$]*$/.test(v) ? 1 : 0);
  set(/^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$/.test(v) ? 1 : 0);
  set(TEMPLATE_RE.test(v) ? 1 : 0);
  set(PLACEHOLDER_RE.test(v) ? 1 : 0);
  set(/[A-Za-z_]\(|\)$/.test(v) ? 1 : 0);
  set(/^[^A-Za-z0-9]/.test(v) ? 1 : 0);
  set(/(.)\1{3,}/.test(v) ? 1 : 0);
  set(/0123|1234|2345|3456|4567|5678|6789|abcd|bcde|qwer|asdf/i.test(v) ? 1 : 0);
  set(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v) ? 1 : 0);
  set(/^(?:\/|\.{1,2}\/|~\/|[A-Za-z]:\\)|\/[\w.-]+\//.test(v) ? 1 : 0);
  set(/^[0-9\s.:_/+-]+$/.test(v) ? 1 : 0);
  set(v.includes('://') ? 1 : 0);
  set(/^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i.test(v) ? 1 : 0);
  set(/^(?:0x|&h|#)[0-9a-f]+[ul]*$/i.test(v) ? 1 : 0);
  set(/^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+){2,}$/.test(c.name) ? 1 : 0);
  set(/^[A-Z][A-Z0-9_]*$/.test(v) ? 1 : 0);
  set(v.includes('/') ? 1 : 0);
  set(/[a-z]\.[a-z]/i.test(c.name) ? 1 : 0);
  set(/^[A-Z0-9_]+$/.test(c.name) ? 1 : 0);
  set(name && v.toLowerCase() === name ? 1 : 0);
  set(name.length >= 3 && v.toLowerCase().includes(name) ? 1 : 0);
  set(name ? 0 : 1);
  set(/^\s*(?:#|\/\/|\*|\/\*|<!--|--|;|rem\s|%)/i.test(line) ? 1 : 0);
  set(Math.min(line.length, 400) / 400);
  set(Math.min(lineCandCount, 10) / 10);
  set(/pass|secret|token|key|auth|cred/.test(lineLower) ? 1 : 0);
  set(/assert|expect|should|test|mock|stub|fake|spec/.test(lineLower) ? 1 : 0);
  set(/example|sample|dummy|placeholder|your[_ -]|e\.g\.|for instance/.test(lineLower) ? 1 : 0);
  set(c.quote ? 1 : 0);
  set(/^[0-9a-f]{32,}$/i.test(v) ? 1 : 0);
  set(/^[a-z]+(?:[A-Z][a-z]+)+$/.test(v) ? 1 : 0);
  set(/^[a-z]+$/.test(v) ? 1 : 0);
  set(/^[A-Z_]+$/.test(v) ? 1 : 0);
  set(/^[a-z]+(?:_[a-z]+)+$/i.test(v) ? 1 : 0);
  set(n < 8 ? 1 : 0);
  set(n >= 16 ? 1 : 0);
  set(n >= 32 ? 1 : 0);
  for (let i = 0; i < D; i++) if (dense[i]) f.push([i, dense[i]]);
  // Hashed one-hots: shape, operator, quote, name classes (and their crosses with the value shape), path.
  const hashed = (s: string, x = 1) => f.push([D + (hash32(s) % (dim - D)), x]);
  const vshape = n < 8 ? 'short' : H > 4 && lo + up > 0 && dg > 0 ? 'rand' : cover > 0.7 ? 'wordy' : 'mid';
  // Binned value descriptors, crossed with the name's classes and the structure: what a tree would split on.
  const Hb = `H${Math.min(6, Math.floor(H * 1.5) / 1.5).toFixed(1)}`;
  const Lb = `L${n < 4 ? 0 : n < 6 ? 1 : n < 8 ? 2 : n < 12 ? 3 : n < 16 ? 4 : n < 24 ? 5 : n < 32 ? 6 : n < 48 ? 7 : n < 80 ? 8 : 9}`;
  const Cb = `C${(lo ? 1 : 0) + (up ? 1 : 0) + (dg ? 1 : 0) + (sp ? 1 : 0)}${sp ? 's' : ''}${spaces ? 'w' : ''}`;
  const Wb = `W${cover === 0 ? 0 : cover < 0.3 ? 1 : cover < 0.6 ? 2 : cover < 0.9 ? 3 : 4}`;
  const vb = [Hb, Lb, Cb, Wb, `${Hb}|${Lb}`, `${Cb}|${Lb}`, `${Wb}|${Lb}`, `${Hb}|${Cb}`];
  hashed(`shape:${c.shape}`);
  hashed(`op:${c.op}`);
  hashed(`q:${c.quote}`);
  hashed(`q:${c.quote}|op:${c.op}|s:${c.shape}`);
  hashed(`shape:${c.shape}|v:${vshape}`);
  for (const b of vb) {
    hashed(b);
    hashed(`s:${c.shape}|${b}`);
  }
  let anyClass = false;
  for (const [cls, re] of KEY_CLASSES) {
    if (re.test(name)) {
      anyClass = true;
      hashed(`n:${cls}`);
      hashed(`n:${cls}|v:${vshape}`);
      hashed(`n:${cls}|s:${c.shape}`);
      hashed(`n:${cls}|s:${c.shape}|q:${c.quote}`);
      for (const b of vb) hashed(`n:${cls}|${b}`);
    }
  }
  if (!anyClass) {
    hashed(`n:none|v:${vshape}`);
    hashed(`n:none|s:${c.shape}`);
    for (const b of vb) hashed(`n:none|${b}`);
  }
  for (const t of nameTokens(c.name)) hashed(`t:${t}`);
  const lastDot = path.lastIndexOf('.');
  const ext = lastDot > path.lastIndexOf('/') ? path.slice(lastDot + 1).toLowerCase() : '';
  hashed(`ext:${ext}`);
  hashed(`ext:${ext}|s:${c.shape}`);
  hashed(`ext:${ext}|v:${vshape}`);
  for (const [flag, re] of EXT_FLAGS) if (re.test(path)) hashed(`p:${flag}`);
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

/** The model's probability that the candidate is a credential. */
export function score(fs: [number, number][], m: CredentialModel = model): number {
  let z = m.bias;
  for (const [i, x] of fs) z += (m.w[i] ?? 0) * x;
  return 1 / (1 + Math.exp(-z));
}

export function threshold(): number {
  return model.threshold;
}

// The value is the name of what it should hold, or a word every scanner knows as a stand-in.
const NAME_WORD = /^(?:pass(?:word|wd)?s?|pwd|secrets?|tokens?|keys?|api[_-]?keys?|credentials?|auth|changeme|changeit|test|tests|admin|root|none|null|nil|true|false|undefined|example|sample|string|str|int|bool|xxx+|\*+|\.+)$/i;
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
 * non-overlapping candidates at or above the model's threshold.
 */
export function credentialsIn(text: string, lines: Iterable<[number, number]>, path: string, checkKeyword = false, m: CredentialModel = model, cut = m.threshold): { start: number; end: number; nameStart: number; password: boolean; p: number }[] {
  const out: { start: number; end: number; nameStart: number; password: boolean; p: number }[] = [];
  for (const [from, to] of lines) {
    const cands = lineCandidates(text, from, to, checkKeyword);
    if (!cands.length) continue;
    const scored = cands.map((c) => ({ c, p: score(features(text, c, from, to, cands.length, path, m), m) })).filter((x) => x.p >= cut);
    scored.sort((a, b) => b.p - a.p || a.c.start - b.c.start);
    const kept: typeof scored = [];
    for (const s of scored) if (!kept.some((k) => k.c.start < s.c.end && s.c.start < k.c.end)) kept.push(s);
    for (const s of kept) out.push({ start: s.c.start, end: s.c.end, nameStart: s.c.nameStart, password: isPasswordName(s.c.name, s.c.shape), p: s.p });
  }
  return out;
}
