// The leaked-secret detector: keyword prefilter -> the rows whose keywords occur -> candidate checks
// (entropy, placeholders, allowlists, structure, context) -> overlap resolution -> masked matches.
//
// The secret itself never leaves this module: a match carries its offsets, a masked preview and a
// sha256 (for dedup and allowlisting), so nothing downstream can print it by accident.

import { createHash } from 'node:crypto';
import { globMatcher } from '../../util/glob.js';
import { charClassCount, shannonEntropy } from './entropy.js';
import { KeywordScanner, isOneByte, type KeywordHits, type LineMarks } from './keywords.js';
import { CREDENTIAL_KEYWORDS, credentialsIn, keywordMayBind } from './credential.js';
import { SECRET_PATTERNS, type SecretPattern } from './patterns.js';
import { maskSecret, redactSecrets } from './redact.js';
import { LinearRegExp, type RegexLike } from './linear-regex.js';
import { ignoreCovers } from '../../util/rule-id.js';

export interface SecretMatch {
  /** The pattern row that matched (e.g. "github-pat"). */
  kind: string;
  description: string;
  /** UTF-16 offsets of the secret in the scanned text (end exclusive). */
  start: number;
  end: number;
  /** 1-based line of `start`. */
  line: number;
  /** 1-based column of `start`, in code points (what an editor shows). */
  column: number;
  /** Masked: the first characters and an ellipsis. */
  preview: string;
  /** sha256 (hex) of the secret: for dedup and allowlisting, never the secret itself. */
  hash: string;
  /**
   * The line (or the line above, with -next-line) carries a `clipguard-ignore` that covers this match
   * whichever rule reports it: no target (`clipguard-ignore -- reason`), `*`, or this match's kind.
   */
  inlineIgnored: boolean;
  /**
   * Rule ids (the targets containing "/", e.g. "security/secret-in-diff") named by a `clipguard-ignore` on
   * the line (or -next-line above) that does not cover the match by itself. The ignore holds only for a
   * finding of one of these rules: the detector cannot know which rule reports the match, so the rule
   * engine decides (see `secretIgnoredFor`). Absent when there is none, or when `inlineIgnored` is true.
   */
  ignoreRules?: string[];
  /**
   * The `-- reason` text of the ignore behind `inlineIgnored` or `ignoreRules` ("clipguard-ignore" when none
   * was given). Absent when neither is set.
   */
  ignoreReason?: string;
}

export interface SecretAllowlist {
  /** Regexes (JS source) tested against the secret. */
  regexes?: string[];
  /** Exact secrets, or their sha256 as reported in `hash` (optionally prefixed "sha256:"). */
  values?: string[];
  /** Globs (picomatch) of paths never scanned. */
  paths?: string[];
}

export interface DetectOptions {
  /** Extra rows (clipguard.config.json `secrets.patterns`); they default to anchor 'scan'. */
  extraPatterns?: readonly SecretPattern[];
  allowlist?: SecretAllowlist;
  /** Path of the scanned text, for `allowlist.paths` and the credential model's path features. */
  path?: string;
  /**
   * true: also the credential model (credential.ts), generic credentials without a known shape; config
   * `secrets.credentials`. Off by default: on CredData's held-out repositories it takes recall 0.35 -> 0.63 and
   * precision 0.85 -> 0.89, short of issue 20's goals, and costs precommit time (bench/RESULTS.md).
   */
  credentials?: boolean;
}

/**
 * Most rows a config's `secrets.patterns` may hold (refused at load above it). Measured on 1 MB of source text
 * (bench/user-pattern-rows.mjs): a row with a literal prefix costs ~1 ms, one RE2 must run its automaton over
 * every character for ~11-15 ms, one matching all over the text ~120-155 ms. At 50 rows: under a second for the
 * common shapes, 6-8 s for the densest, per MB scanned.
 */
export const MAX_SECRET_PATTERNS = 50;

/** A pattern row that cannot be used; the message names the row and the field. */
export class SecretPatternError extends Error {
  override name = 'SecretPatternError';
}

type Verifier = (secret: string, m: RegExpExecArray) => boolean;

interface Row {
  pattern: SecretPattern;
  priority: number;
  mode: 'keyword' | 'window' | 'scan';
  window: number;
  // A user's row: LinearRegExp (RE2, linear time); a built-in row: RegExp (reviewed and tested, regex-safety.ts).
  sticky: RegexLike;
  global: RegexLike;
  groups: number[];
  keywords: string[];
  minEntropy: number;
  context: RegexLike | null;
  contextWindow: number;
  antiContext: RegexLike | null;
  antiContextWindow: number;
  allow: RegexLike[];
  matchAllow: RegexLike | null;
  stopwords: string[];
  verify: Verifier | null;
  valueRun: ValueRun | null;
  precheck: ((text: string, from: number) => boolean) | null;
}

/** Compiled `valueRun`: the class, and its membership table once a text needs it. */
interface ValueRun {
  key: string;
  cls: RegexLike;
  member: Uint8Array | null;
  length: number;
}

interface Engine {
  /** Compiled on first use (rowAt): a process meets few keywords, and compiling all ~40 rows costs milliseconds at every start. */
  rows: (Row | undefined)[];
  compileAt: (r: number) => Row;
  scanner: KeywordScanner;
  /** Keyword index -> rows that use it. */
  keywordRows: number[][];
  /** Rows without keywords: always run (user rows only). */
  unconditional: number[];
  /** The rows whose kinds the credential model reports (generic-password, generic-api-key): no regex runs for them. */
  modelRows: { password: number; key: number };
  kinds: Set<string>;
}

interface Candidate {
  row: Row;
  /** Start of the whole regex match (the keyword, for anchored rows). */
  matchStart: number;
  start: number;
  end: number;
  /** Null for a candidate the credential model accepted (credential.ts): the row's own checks do not apply. */
  m: RegExpExecArray | null;
}

/** Keyword id of the credential stage in keywordRows (not a row index). */
const CREDENTIAL_STAGE = -1;

// ---------------------------------------------------------------------------------------------------
// Compilation

const ALLOWED_FLAGS = /^[imsu]*$/;

function compileRow(p: SecretPattern, priority: number, where: string, defaultAnchor: Row['mode']): Row {
  const fail = (field: string, why: string): never => {
    throw new SecretPatternError(`${where} (${typeof p?.id === 'string' ? p.id : '?'}): ${field}: ${why}`);
  };
  if (!p || typeof p !== 'object') fail('row', 'must be an object');
  if (typeof p.id !== 'string' || !/^[a-z0-9][a-z0-9._-]*$/i.test(p.id)) fail('id', 'required: letters, digits, ".", "_" or "-"');
  if (p.description !== undefined && typeof p.description !== 'string') fail('description', 'must be a string');
  if (!Array.isArray(p.keywords) || p.keywords.some((k) => typeof k !== 'string' || !k)) fail('keywords', 'must be an array of non-empty strings');
  if (typeof p.regex !== 'string' || !p.regex) fail('regex', 'required (JavaScript RegExp source; a user row runs on RE2: no lookarounds, no backreferences)');
  const flags = p.flags ?? '';
  if (typeof flags !== 'string' || !ALLOWED_FLAGS.test(flags)) fail('flags', 'only i, m, s and u are allowed');
  // A user's row could hang the detector (and every commit) with catastrophic backtracking, in ways no
  // load-time check of the pattern foresees: its regexes run on RE2, in linear time (linear-regex.ts); what
  // RE2 cannot run (lookarounds, backreferences) is refused here, at load, with the reason. The built-in
  // table runs on JavaScript's engine, checked by its own tests (regex-safety.ts).
  const user = where !== 'built-in pattern';
  const compile = (src: string, f: string, field: string): RegexLike => {
    try {
      return user ? new LinearRegExp(src, f) : new RegExp(src, f);
    } catch (e) {
      return fail(field, (e as Error).message);
    }
  };
  const sticky = compile(p.regex, flags + 'yd', 'regex');
  const global = compile(p.regex, flags + 'gd', 'regex');
  const groupCount = (new RegExp(`${p.regex}|`, flags).exec('') ?? []).length - 1;
  const groups = p.secretGroup === undefined ? [0] : Array.isArray(p.secretGroup) ? p.secretGroup : [p.secretGroup];
  if (!groups.length || groups.some((g) => !Number.isInteger(g) || g < 0 || g > groupCount)) fail('secretGroup', `must name capture groups 0..${groupCount}`);
  const mode = p.anchor ?? defaultAnchor;
  if (!['keyword', 'window', 'scan'].includes(mode)) fail('anchor', 'must be "keyword", "window" or "scan"');
  if (mode !== 'scan' && !p.keywords.length) fail('keywords', `anchor "${mode}" needs keywords`);
  const window = p.window ?? 200;
  if (!Number.isInteger(window) || window < 1 || window > 100_000) fail('window', 'must be an integer 1..100000');
  for (const f of ['minEntropy', 'contextWindow', 'antiContextWindow'] as const) {
    if (p[f] !== undefined && (typeof p[f] !== 'number' || !(p[f]! >= 0))) fail(f, 'must be a non-negative number');
  }
  const verify = p.verify === undefined ? null : VERIFIERS[p.verify];
  if (verify === undefined) fail('verify', `unknown check (known: ${Object.keys(VERIFIERS).join(', ')})`);
  if (p.precheck !== undefined && !Object.hasOwn(PRECHECKS, p.precheck)) fail('precheck', `unknown check (known: ${Object.keys(PRECHECKS).join(', ')})`);
  const al = p.allowlist ?? {};
  const list = (v: unknown, field: string): string[] => {
    if (v === undefined) return [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) fail(field, 'must be an array of strings');
    return v as string[];
  };
  const matchAllow = list(al.matchRegexes, 'allowlist.matchRegexes');
  let valueRun: ValueRun | null = null;
  if (p.valueRun !== undefined) {
    const { chars, length } = p.valueRun ?? ({} as { chars?: unknown; length?: unknown });
    if (typeof chars !== 'string' || !Number.isInteger(length) || (length as number) < 1) fail('valueRun', 'must be {chars: "<class body>", length: <integer>}');
    valueRun = { key: `${chars}/${length}`, cls: compile(`[${chars}]`, 'u', 'valueRun.chars'), member: null, length: length as number };
  }
  return {
    pattern: p,
    priority,
    mode,
    window,
    sticky,
    global,
    groups,
    keywords: p.keywords.map((k) => k.toLowerCase()),
    minEntropy: p.minEntropy ?? 0,
    context: p.context ? compile(p.context, 'i', 'context') : null,
    contextWindow: p.contextWindow ?? 200,
    antiContext: p.antiContext ? compile(p.antiContext, 'i', 'antiContext') : null,
    antiContextWindow: p.antiContextWindow ?? 40,
    allow: list(al.regexes, 'allowlist.regexes').map((r, i) => compile(r, '', `allowlist.regexes[${i}]`)),
    matchAllow: matchAllow.length ? compile(matchAllow.map((r) => `(?:${r})`).join('|'), 'i', 'allowlist.matchRegexes') : null,
    stopwords: list(al.stopwords, 'allowlist.stopwords').map((s) => s.toLowerCase()),
    verify,
    valueRun,
    precheck: p.precheck === undefined ? null : PRECHECKS[p.precheck],
  };
}

// Rows that match any assignment or any JWT: a specific row (built-in or the user's) wins an overlap.
const GENERIC_ROWS = new Set(['jwt', 'generic-password', 'generic-api-key']);

function buildEngine(extra: readonly SecretPattern[], credentials = true): Engine {
  if (!Array.isArray(extra)) throw new SecretPatternError('secrets.patterns: must be an array of pattern rows');
  const ordered: [SecretPattern, string, Row['mode']][] = [
    ...SECRET_PATTERNS.filter((p) => !GENERIC_ROWS.has(p.id)).map((p) => [p, `built-in pattern`, 'keyword'] as [SecretPattern, string, Row['mode']]),
    ...extra.map((p, i) => [p, `secrets.patterns[${i}]`, 'scan'] as [SecretPattern, string, Row['mode']]),
    ...SECRET_PATTERNS.filter((p) => GENERIC_ROWS.has(p.id)).map((p) => [p, `built-in pattern`, 'keyword'] as [SecretPattern, string, Row['mode']]),
  ];
  const compileAt = (i: number) => compileRow(ordered[i][0], i, ordered[i][1], ordered[i][2]);
  // The user's rows are compiled now, so that a bad one is an error at load (validateSecretPatterns); the
  // built-in ones (checked by the test suite) when a keyword of theirs first occurs.
  const rows = ordered.map(([, where], i) => (where === 'built-in pattern' ? undefined : compileAt(i)));
  const keywordIndex = new Map<string, number>();
  const keywordRows: number[][] = [];
  const unconditional: number[] = [];
  const modelRows = { password: -1, key: -1 };
  const addKeyword = (k: string, r: number) => {
    let id = keywordIndex.get(k);
    if (id === undefined) {
      id = keywordRows.length;
      keywordIndex.set(k, id);
      keywordRows.push([]);
    }
    if (!keywordRows[id].includes(r)) keywordRows[id].push(r);
  };
  // The credential model (credential.ts) reports under the generic rows' kinds, beside their own regexes.
  // Without it (the default) its keywords are not looked for at all: "key", "pass" and "://" are most of
  // the keyword hits in source code.
  if (credentials) for (const k of CREDENTIAL_KEYWORDS) addKeyword(k, CREDENTIAL_STAGE);
  ordered.forEach(([p, where], r) => {
    if (where === 'built-in pattern' && p.id === 'generic-password') modelRows.password = r;
    if (where === 'built-in pattern' && p.id === 'generic-api-key') modelRows.key = r;
    const keywords = p.keywords.map((k) => k.toLowerCase());
    if (!keywords.length) unconditional.push(r);
    for (const k of new Set(keywords)) addKeyword(k, r);
  });
  return { rows, compileAt, scanner: new KeywordScanner([...keywordIndex.keys()]), keywordRows, unconditional, modelRows, kinds: new Set(ordered.map(([p]) => p.id)) };
}

function rowAt(engine: Engine, r: number): Row {
  return (engine.rows[r] ??= engine.compileAt(r));
}

// Index 1: with the credential stage's keywords (DetectOptions.credentials), 0: without.
const builtinEngines: [Engine | null, Engine | null] = [null, null];
const extraEngines = [new WeakMap<readonly SecretPattern[], Engine>(), new WeakMap<readonly SecretPattern[], Engine>()];

function engineFor(extra: readonly SecretPattern[] | undefined, credentials: boolean): Engine {
  const c = credentials ? 1 : 0;
  if (!extra || (Array.isArray(extra) && extra.length === 0)) return (builtinEngines[c] ??= buildEngine([], credentials));
  let e = extraEngines[c].get(extra);
  if (!e) {
    e = buildEngine(extra, credentials);
    extraEngines[c].set(extra, e);
  }
  return e;
}

/** The compiled regexes of the user's rows, by row and field: which engine runs each (the tests look). */
export function userRowRegexes(extra: readonly SecretPattern[]): { row: string; field: string; re: RegexLike }[] {
  const engine = buildEngine(extra);
  const out: { row: string; field: string; re: RegexLike }[] = [];
  engine.rows.forEach((r) => {
    if (!r) return;
    const at = (field: string, re: RegexLike | null) => re && out.push({ row: r.pattern.id, field, re });
    at('regex (sticky)', r.sticky);
    at('regex', r.global);
    at('context', r.context);
    at('antiContext', r.antiContext);
    r.allow.forEach((re, i) => at(`allowlist.regexes[${i}]`, re));
    at('allowlist.matchRegexes', r.matchAllow);
    at('valueRun.chars', r.valueRun?.cls ?? null);
  });
  return out;
}

/** The compiled `secrets.allowlist.regexes` (which engine runs them: the tests look). */
export function userAllowRegexes(a: SecretAllowlist): RegexLike[] {
  return userAllow(a)?.regexes ?? [];
}

/** Compile rows as the detector would (built-ins plus `extra`); throws SecretPatternError on a bad row. */
export function validateSecretPatterns(extra: readonly SecretPattern[]): void {
  // Before anything is compiled: a config with ten thousand rows is refused at once, not after compiling them.
  if (extra.length > MAX_SECRET_PATTERNS) {
    throw new SecretPatternError(
      `secrets.patterns: ${extra.length} rows, over the limit of ${MAX_SECRET_PATTERNS}. Each row is linear in the text, but the rows add up: a row without keywords (or whose keyword occurs) reads the whole text again, 1-15 ms per MB for most rows and up to ~120-155 ms per MB for one that matches all over the text (bench/RESULTS.md). Keep the rows you need, and give each keywords so that it runs only near them`,
    );
  }
  const engine = buildEngine(extra);
  for (let r = 0; r < engine.rows.length; r++) rowAt(engine, r);
}

// ---------------------------------------------------------------------------------------------------
// Candidate checks

// Placeholders and references that are never the secret itself, whatever the row.
const PLACEHOLDER = new RegExp(
  [
    'example',
    'x{5,}',
    String.raw`\*{3,}`,
    '•{3,}',
    String.raw`\.{3}`,
    '…',
    '<[^<>]*>',
    String.raw`\$\{[^}]*\}`,
    String.raw`\{\{[^}]*\}\}`,
    String.raw`^\$[A-Za-z_][A-Za-z0-9_]*$`,
    String.raw`^%[A-Za-z_][A-Za-z0-9_]*%$`,
    'change[_-]?me|changeit',
    String.raw`your[_-]?(?:api[_-]?)?(?:key|token|secret|password|pass)`,
    String.raw`(?:key|token|secret)[_-]?here`,
    'placeholder|redacted|dummy|replace[_-]?me',
    String.raw`insert[_-]?(?:key|token|here)`,
    String.raw`process\.env|os\.environ|os\.getenv|import\.meta\.env|getenv\(|System\.getenv|ENV\[`,
  ].join('|'),
  'i',
);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Identifier-like: made of words (3+ letters with a vowel), acronyms, short numbers and short lowercase
 * words ("in", "of"), the words holding most of the letters ("bert-base-uncased-v2", "awsS3BucketName2",
 * "security/secret-in-diff"). Random keys break into fragments
 * like "Xk" or "3f9a0c" that are neither, so they never pass. Parts are cut at separators and at
 * lower/digit-to-upper steps, without building arrays: dense text sends many candidates through here.
 */
function looksLikeWords(s: string): boolean {
  let wordLetters = 0;
  let letters = 0;
  let i = 0;
  const n = s.length;
  while (i < n) {
    const start = i;
    let upper = 0;
    let lower = 0;
    let digits = 0;
    let vowel = false;
    let digitThenLetter = false;
    let rarePair = false;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c === 45 || c === 95 || c === 46 || c === 47 || c === 43 || c === 61 || c === 126) break; // - _ . / + = ~
      const isUpper = c >= 65 && c <= 90;
      if (isUpper && i > start && (lower > 0 || digits > 0) && (CHAR_CLASS[s.charCodeAt(i - 1)] & 3) !== 0) break; // camelCase step
      if (isUpper) upper++;
      else if (c >= 97 && c <= 122) lower++;
      else if (c >= 48 && c <= 57) digits++;
      else return false;
      if (!isUpper && c >= 97 && digits > 0) digitThenLetter = true;
      if (VOWEL[c]) vowel = true;
      if (i > start && RARE_PAIR[((s.charCodeAt(i - 1) | 0x20) << 7) | (c | 0x20)]) rarePair = true;
    }
    if (i < n && CHAR_CLASS[s.charCodeAt(i)] === 0) i++; // skip the separator
    const len = upper + lower + digits;
    if (len === 0) continue;
    letters += upper + lower;
    const first = s.charCodeAt(start);
    const word = upper <= 1 && (upper === 0 || (first >= 65 && first <= 90)) && lower >= 2 && upper + lower >= 3 && digits <= 3 && !digitThenLetter && vowel && !rarePair && !(first >= 48 && first <= 57);
    if (word) wordLetters += upper + lower;
    else if (!((lower === 0 && upper >= 1 && upper <= 5 && digits <= 3 && !(first >= 48 && first <= 57)) || (upper + lower === 0 && digits <= 4) || (upper === 0 && lower === 1 && first === 118 && digits >= 1 && digits <= 3) || (upper === 0 && digits === 0 && lower <= 2))) return false;
  }
  return wordLetters > 0 && wordLetters >= 0.6 * letters;
}

// 1: lowercase, 2: digit, 4: uppercase, 0: anything else (for looksLikeWords).
const CHAR_CLASS = new Uint8Array(65536);
const VOWEL = new Uint8Array(65536);
for (let c = 97; c <= 122; c++) CHAR_CLASS[c] = 1;
for (let c = 48; c <= 57; c++) CHAR_CLASS[c] = 2;
for (let c = 65; c <= 90; c++) CHAR_CLASS[c] = 4;
for (const ch of 'aeiouyAEIOUY') VOWEL[ch.charCodeAt(0)] = 1;
// Letter pairs (case folded) that English identifiers almost never hold: fewer than 1 in a million letter pairs of
// TypeScript's own lib .d.ts and compiler identifiers, less the ones of common names (gzip, ffmpeg, nginx, vue,
// opencv, kvm, mkdir...). Random text has them: `Jyc`, `Lyqr`, `Dvxooz` are syllables with a vowel, not words; a part
// holding one is no word. Indexed (first << 7) | second, both lowercase.
const RARE_PAIR = new Uint8Array(128 * 128);
for (const p of 'bh bn bq bx cg cx cz dk dq dz fh fj fk fp fq fx fz gj gk gq gx hf hg hq hv hx hz jc jd jf jg jh jj jk jl jm jn jp jr jt jv jx jy jz kj km kq kx kz lx mv mw mz nz oq pj pq px pz qc qd qe qg qh qi qj qk ql qm qo qp qq qr qs qt qv qw qx qy qz rj rz sz tj tq uj uq uz vd vf vh vj vk vn vp vq vv vw vx vy vz wf wg wj wq wv wx wz xb xg xj xk xn xq xv xw xx xz yh yj yk yq yx yz zb zc zd zf zg zj zk zl zm zn zp zq zr zs zt zv zw zx'.split(' ')) RARE_PAIR[(p.charCodeAt(0) << 7) | p.charCodeAt(1)] = 1;

function genericValue(s: string): boolean {
  if (s.includes('://')) return false; // a URL: its credentials are url-basic-auth's business
  if (/^(?:\/|\.{1,2}\/|~\/|[A-Za-z]:\\)/.test(s)) return false; // a path
  if (/^[A-Za-z_.-]+$/.test(s)) return false; // letters only: a word or an identifier (gitleaks does the same)
  if (/^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$/.test(s)) return false; // config.db.password
  if (UUID.test(s)) return false;
  if (/^sha(?:1|224|256|384|512)-[A-Za-z0-9+/]+=*$/.test(s)) return false; // SRI / lockfile integrity
  if (/^[0-9\s.:_/+-]+$/.test(s)) return false; // numbers, dates, versions
  if (/^\$(?:2[abxy]?|argon2\w*|scrypt|pbkdf2[\w-]*|[156])\$/.test(s)) return false; // a password hash, not a password
  if (looksLikeWords(s)) return false;
  if (charClassCount(s) === 1 && shannonEntropy(s) < 3.5) return false; // "abcdefghij", "1234567890123"
  return true;
}

const URL_PLACEHOLDER_PASSWORDS = /^(?:pass(?:word|wd)?|pwd|secret|changeme|root|admin|user(?:name)?|postgres|mysql|redis|rabbitmq|mongo(?:db)?|guest|test|default|x+|\*+)$/i;

function urlPassword(secret: string, m: RegExpExecArray): boolean {
  if (secret.length < 4) return false;
  if (URL_PLACEHOLDER_PASSWORDS.test(secret)) return false;
  if (secret === m[1]) return false; // guest:guest, postgres:postgres
  if (/^%[sd]$|%\(\w+\)s|^\{\w*\}$|^:\w+$|^\$\w+$|^\$\(/.test(secret)) return false; // format strings and variables
  return true;
}

function decodeJson(segment: string): Record<string, unknown> | null {
  const json = Buffer.from(segment, 'base64url').toString('utf8');
  // Random base64 after "eyJ" decodes to `{"` and garbage: reject it without paying for a JSON.parse
  // exception (the benchmark's near-miss text is full of those).
  if (!/\}\s*$/.test(json)) return null;
  try {
    const v = JSON.parse(json);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

type JwtParts = { header: Record<string, unknown>; payload: Record<string, unknown> } | null;
// Both JWT rows verify the same span, one after the other: decode it once.
let lastJwt: { secret: string; parts: JwtParts } = { secret: '', parts: null };

function jwtParts(secret: string): JwtParts {
  if (lastJwt.secret === secret) return lastJwt.parts;
  const [h, p] = secret.split('.');
  const header = decodeJson(h);
  const payload = header && typeof header.alg === 'string' ? decodeJson(p) : null;
  const parts = header && payload ? { header, payload } : null;
  lastJwt = { secret, parts };
  return parts;
}

const VERIFIERS: Record<NonNullable<SecretPattern['verify']>, Verifier> = {
  jwt: (s) => jwtParts(s) !== null,
  // Paperclip's server signs run tokens HS256 with `run_id` and `company_id` claims (agent-auth-jwt.ts).
  'paperclip-run-jwt': (s) => {
    const j = jwtParts(s);
    return j !== null && j.header.alg === 'HS256' && 'run_id' in j.payload && 'company_id' in j.payload;
  },
  // Random base64 keys (AWS secret keys, PayPal secrets) use all three classes, which a hex hash or a
  // word never does.
  'random-key': (s) => /[A-Z]/.test(s) && /[a-z]/.test(s) && /[0-9]/.test(s),
  'generic-value': (s) => genericValue(s),
  'url-password': (s, m) => urlPassword(s, m),
};

interface UserAllow {
  regexes: RegexLike[];
  values: Set<string>;
  paths: ((p: string) => boolean) | null;
}

const userAllowCache = new WeakMap<SecretAllowlist, UserAllow>();

/** Compile `secrets.allowlist` as the detector will; throws SecretPatternError on a regex that cannot run. */
export function validateSecretAllowlist(a: SecretAllowlist): void {
  userAllow(a);
}

function userAllow(a: SecretAllowlist | undefined): UserAllow | null {
  if (!a) return null;
  let u = userAllowCache.get(a);
  if (!u) {
    u = {
      regexes: (a.regexes ?? []).map((r, i) => {
        try {
          // A config's regex: RE2, linear time (linear-regex.ts); it is run on every secret found.
          return new LinearRegExp(r);
        } catch (e) {
          throw new SecretPatternError(`secrets.allowlist.regexes[${i}]: ${(e as Error).message}`);
        }
      }),
      values: new Set((a.values ?? []).map((v) => v.replace(/^sha256:/, ''))),
      paths: a.paths?.length ? globMatcher(a.paths, { dot: true }) : null,
    };
    userAllowCache.set(a, u);
  }
  return u;
}

function sha256(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}

function accept(c: Candidate, text: string, allow: UserAllow | null): boolean {
  const row = c.row;
  const secret = text.slice(c.start, c.end);
  if (!secret) return false;
  // The credential model has decided (credential.ts); placeholders, UUIDs and the names the generic rows pass over
  // (page tokens, key ids, hashes) it does not report either; their stopwords only as the whole value ("secret123", not
  // "MyPassword2024!").
  if (!c.m) return !PLACEHOLDER.test(secret) && !UUID.test(secret) && !row.stopwords.includes(secret.toLowerCase()) && !nameAllowed(row, text, c) && allowed(secret, allow);
  // Cheapest first: most candidates in dense text fail entropy or the row's own structure check.
  if (row.minEntropy && shannonEntropy(secret) < row.minEntropy) return false;
  if (row.verify && !row.verify(secret, c.m)) return false;
  if (PLACEHOLDER.test(secret)) return false;
  if (stopword(row, secret)) return false;
  if (row.allow.some((re) => re.test(secret))) return false;
  if (nameAllowed(row, text, c)) return false;
  // The context is looked for around the secret, never in it: a random key holding "AWs" is not an AWS key.
  if (row.context && !row.context.test(`${text.slice(Math.max(0, c.start - row.contextWindow), c.start)} ${text.slice(c.end, c.end + row.contextWindow)}`)) return false;
  if (row.antiContext) {
    const lineStart = text.lastIndexOf('\n', c.start - 1) + 1;
    if (row.antiContext.test(text.slice(Math.max(lineStart, c.start - row.antiContextWindow), c.start))) return false;
  }
  return allowed(secret, allow);
}

function stopword(row: Row, secret: string): boolean {
  if (!row.stopwords.length) return false;
  const lower = secret.toLowerCase();
  return row.stopwords.some((w) => lower.includes(w));
}

/**
 * The key part matches the row's matchAllow: the identifier the keyword sits in (extended left, as gitleaks'
 * `[\w.-]{0,50}?` does) up to the secret. `public_key`, `page_token` and `secretName` are decided here.
 */
function nameAllowed(row: Row, text: string, c: Candidate): boolean {
  if (!row.matchAllow) return false;
  let keyStart = c.matchStart;
  while (keyStart > 0 && c.matchStart - keyStart < 64 && IDENT_CODE[text.charCodeAt(keyStart - 1)] === 1) keyStart--;
  return row.matchAllow.test(text.slice(keyStart, c.start));
}

/** Not excluded by the user's allowlist (regexes, values or their hashes). */
function allowed(secret: string, allow: UserAllow | null): boolean {
  if (allow) {
    if (allow.regexes.some((re) => re.test(secret))) return false;
    if (allow.values.size && (allow.values.has(secret) || allow.values.has(sha256(secret)))) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------
// Candidate collection

function candidate(row: Row, m: RegExpExecArray): Candidate | null {
  const idx = m.indices;
  if (!idx) return null;
  for (const g of row.groups) {
    const span = idx[g];
    if (span && span[1] > span[0]) return { row, matchStart: m.index, start: span[0], end: span[1], m };
  }
  return null;
}

function scanAll(row: Row, text: string, out: Candidate[]): void {
  const re = row.global;
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    const c = candidate(row, m);
    if (c) out.push(c);
    if (m[0].length === 0) re.lastIndex++;
  }
}

/** Window rows: run the regex over slices around the keyword hits, then confirm each match in the full text. */
function scanWindows(row: Row, text: string, hitStarts: number[], out: Candidate[]): void {
  hitStarts.sort((a, b) => a - b);
  const w = row.window;
  let i = 0;
  while (i < hitStarts.length) {
    const a = Math.max(0, hitStarts[i] - w);
    let b = Math.min(text.length, hitStarts[i] + w + 64);
    while (i + 1 < hitStarts.length && hitStarts[i + 1] - w <= b) b = Math.min(text.length, hitStarts[++i] + w + 64);
    i++;
    // A slice hides the text around it from lookbehind and lookahead; re-running the sticky regex at the
    // same start in the full text gives the true match (or none).
    const slice = text.slice(a, b);
    const re = row.global;
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(slice))) {
      if (m[0].length === 0) re.lastIndex++;
      row.sticky.lastIndex = a + m.index;
      const full = row.sticky.exec(text);
      const c = full && candidate(row, full);
      if (c) out.push(c);
    }
  }
}

/** A valueRun's searches in one text: around each keyword hit, until they have read as much as the text. */
interface RunSearch {
  read: number;
  /** Every run of the text (findRuns), once the searches around hits would cost more. */
  all: number[] | null;
}

/**
 * Is there a run of at least `run.length` class characters intersecting [from, to)? Read around the hit
 * (most texts have a few hits of the row's keywords, and the whole text is megabytes); a text with hits
 * everywhere gets one findRuns over the whole of it instead, so the cost is at most about twice that.
 */
function valueRunNear(text: string, searches: Map<string, RunSearch>, run: ValueRun, from: number, to: number): boolean {
  let s = searches.get(run.key);
  if (!s) searches.set(run.key, (s = { read: 0, all: null }));
  if (!s.all) {
    s.read += to - from + 2 * run.length;
    if (s.read <= text.length) return runWithin(text, run, from, to);
    s.all = findRuns(text, run);
  }
  return runNear(s.all, from, to);
}

/**
 * Membership of each UTF-16 code unit in the run's class: 1 in, 0 out, UNKNOWN not asked yet. The Latin-1
 * range is filled on first use, the rest one code unit at a time as texts hold them (inClass): testing all
 * 65536 against the class cost ~9 ms in every process that met the row's keyword.
 */
function memberOf(run: ValueRun): Uint8Array {
  if (!run.member) {
    run.member = new Uint8Array(65536).fill(UNKNOWN);
    for (let c = 0; c < 256; c++) run.member[c] = run.cls.test(String.fromCharCode(c)) ? 1 : 0;
  }
  return run.member;
}

const UNKNOWN = 2;

function inClass(run: ValueRun, member: Uint8Array, c: number): boolean {
  const m = member[c];
  if (m !== UNKNOWN) return m === 1;
  const is = run.cls.test(String.fromCharCode(c));
  member[c] = is ? 1 : 0;
  return is;
}

/**
 * runNear(findRuns(text, run), from, to), reading only [from - L + 1, to + L - 1): a run of L or more that
 * meets [from, to) has L consecutive characters in that range, and L consecutive characters in it belong
 * to a run that meets [from, to) (the margins are L - 1 long).
 */
function runWithin(text: string, run: ValueRun, from: number, to: number): boolean {
  const member = memberOf(run);
  const L = run.length;
  const a = Math.max(0, from - L + 1);
  const b = Math.min(text.length, to + L - 1);
  for (let i = a + L - 1; i < b; ) {
    if (!inClass(run, member, text.charCodeAt(i))) {
      i += L;
      continue;
    }
    let s = i;
    while (s > a && inClass(run, member, text.charCodeAt(s - 1))) s--;
    let e = i + 1;
    while (e < b && e - s < L && inClass(run, member, text.charCodeAt(e))) e++;
    if (e - s >= L) return true;
    i = e + L;
  }
  return false;
}

/** @internal For tests: [runWithin, runNear over findRuns] for a class body and length, which must agree. */
export function valueRunAnswers(text: string, chars: string, length: number, from: number, to: number): [boolean, boolean] {
  const run: ValueRun = { key: '', cls: new RegExp(`[${chars}]`, 'u'), member: null, length };
  return [runWithin(text, run, from, to), runNear(findRuns(text, run), from, to)];
}

/**
 * Runs of at least `run.length` class characters, as sorted [start, end) pairs. Skip search: a run of
 * length L must cover one of every L-th position, so most of the text is never read.
 */
function findRuns(text: string, run: ValueRun): number[] {
  const member = memberOf(run);
  const L = run.length;
  const n = text.length;
  const out: number[] = [];
  let floor = 0; // everything before it has been classified
  for (let i = L - 1; i < n; ) {
    if (!inClass(run, member, text.charCodeAt(i))) {
      i += L;
      continue;
    }
    let s = i;
    while (s > floor && inClass(run, member, text.charCodeAt(s - 1))) s--;
    let e = i + 1;
    while (e < n && inClass(run, member, text.charCodeAt(e))) e++;
    if (e - s >= L) out.push(s, e);
    floor = e;
    i = e + L;
  }
  return out;
}

/** Is there a run intersecting [from, to)? (`runs` sorted, non-overlapping.) */
function runNear(runs: number[], from: number, to: number): boolean {
  let lo = 0;
  let hi = runs.length >> 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (runs[2 * mid + 1] <= from) lo = mid + 1;
    else hi = mid;
  }
  return lo < runs.length >> 1 && runs[2 * lo] < to;
}

/**
 * Does an assignment operator follow the keyword that ends at `from`? Mirrors the start of the ASSIGN
 * shape (identifier rest, optional quote, blanks, operator) without the regex engine, and never says no
 * where the regex could match.
 */
function operatorFollows(text: string, from: number): boolean {
  const n = text.length;
  let i = from;
  const identEnd = Math.min(n, from + 26);
  while (i < identEnd && IDENT_CODE[text.charCodeAt(i)] === 1) i++;
  let c = text.charCodeAt(i);
  if (c === 92) c = text.charCodeAt(++i); // backslash before a quote: JSON inside a string
  if (c === 39 || c === 34 || c === 96 || c === 93) c = text.charCodeAt(++i);
  for (let blanks = 0; (c === 32 || c === 9) && blanks < 8; blanks++) c = text.charCodeAt(++i);
  return c === 61 || c === 58 || c === 62 || c === 63 || c === 0xff1a; // = : > ? ：
}

/**
 * Does the URL whose "://" ends at `from` carry credentials, i.e. both ":" and "@" in its authority (up to
 * the first / ? # quote, bracket or blank, at most 520 characters, the bound of the URL rows' regexes)?
 */
function userinfoFollows(text: string, from: number): boolean {
  const end = Math.min(text.length, from + 520);
  let colon = false;
  for (let i = from; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 58) colon = true;
    else if (c === 64) return colon;
    else if (AUTHORITY_END[c] === 1) return false;
  }
  return false;
}

const AUTHORITY_END = new Uint8Array(65536);
for (const ch of '/?#\'"`<> \t\r\n\f\v') AUTHORITY_END[ch.charCodeAt(0)] = 1;

const PRECHECKS: Record<NonNullable<SecretPattern['precheck']>, (text: string, from: number) => boolean> = {
  assignment: operatorFollows,
  userinfo: userinfoFollows,
};

// Indexed by any UTF-16 code unit: an out-of-range read on a typed array is a slow path in V8.
const IDENT_CODE = new Uint8Array(65536);
for (const ch of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-') IDENT_CODE[ch.charCodeAt(0)] = 1;

function collect(text: string, engine: Engine, hits: KeywordHits = engine.scanner.scan(text), path = '', credentials = true): Candidate[] {
  const out: Candidate[] = [];
  const { keywordRows } = engine;
  const keywords = engine.scanner.keywords;
  let windowHits: Map<Row, number[]> | null = null;
  let scanRows: Set<Row> | null = null;
  let runs: Map<string, RunSearch> | null = null;
  let credLines: [number, number][] | null = null;
  let lastLineEnd = -1;
  for (let i = 0; i < hits.starts.length; i++) {
    const start = hits.starts[i];
    const rowsOf = keywordRows[hits.ids[i]];
    for (let j = 0; j < rowsOf.length; j++) {
      const r = rowsOf[j];
      if (r === CREDENTIAL_STAGE) {
        // Hits come sorted by end: one line is looked at once.
        if (!credentials || start < lastLineEnd || !keywordMayBind(text, start, keywords[hits.ids[i]].length)) continue;
        const from = text.lastIndexOf('\n', start - 1) + 1;
        const nl = text.indexOf('\n', start);
        lastLineEnd = nl === -1 ? text.length : nl;
        (credLines ??= []).push([from, lastLineEnd]);
        continue;
      }
      const row = rowAt(engine, r);
      if (row.valueRun && !valueRunNear(text, (runs ??= new Map()), row.valueRun, start - row.window, start + row.window)) continue;
      if (row.precheck && !row.precheck(text, start + keywords[hits.ids[i]].length)) continue;
      if (row.mode === 'keyword') {
        const re = row.sticky;
        re.lastIndex = start;
        const m = re.exec(text);
        if (m) {
          const c = candidate(row, m);
          if (c) out.push(c);
        }
      } else if (row.mode === 'window') {
        windowHits ??= new Map();
        const list = windowHits.get(row);
        if (list) list.push(start);
        else windowHits.set(row, [start]);
      } else {
        (scanRows ??= new Set()).add(row);
      }
    }
  }
  if (windowHits) for (const [row, starts] of windowHits) scanWindows(row, text, starts, out);
  for (const r of engine.unconditional) (scanRows ??= new Set()).add(rowAt(engine, r));
  if (scanRows) for (const row of scanRows) scanAll(row, text, out);
  if (credLines) modelCandidates(text, credLines, engine, path, false, out);
  return out;
}

// Built-in rows whose findings the credential model judges when it is on: where it scored a candidate overlapping
// one of their values, its verdict replaces theirs (they match any assignment or URL userinfo; on CredData's
// training repositories, out of fold, their findings there were a fifth of the false positives).
// The built-in rows' objects, not ids: a user's row of the same id keeps its findings.
const JUDGED_ROWS = new Set<SecretPattern>(SECRET_PATTERNS.filter((p) => p.id === 'generic-password' || p.id === 'generic-api-key' || p.id === 'url-basic-auth'));

/**
 * A value of 12+ characters from three classes with entropy >= 3: the rows keep these whatever the model says
 * (it scores some random planted passwords low; what it removes well are words, identifiers and fixtures).
 */
function looksRandom(text: string, start: number, end: number): boolean {
  if (end - start < 12) return false;
  const v = text.slice(start, end);
  return charClassCount(v) >= 3 && shannonEntropy(v) >= 3;
}

/**
 * Does [s, e) overlap one of the spans `pairs` ([start, end) flat)? Sorted by start with the running maximum of
 * the ends, a binary search each: a file with as many row findings as candidates costs n log n, not n².
 */
export function spanIndex(pairs: number[]): (s: number, e: number) => boolean {
  const n = pairs.length >> 1;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => pairs[2 * a] - pairs[2 * b]);
  const starts = new Float64Array(n), maxEnd = new Float64Array(n);
  let mx = -1;
  order.forEach((k, i) => {
    starts[i] = pairs[2 * k];
    maxEnd[i] = mx = Math.max(mx, pairs[2 * k + 1]);
  });
  return (s, e) => {
    // the last span starting before e
    let lo = 0, hi = n - 1, at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid] < e) (at = mid), (lo = mid + 1);
      else hi = mid - 1;
    }
    return at >= 0 && maxEnd[at] > s;
  };
}

/**
 * The credential model's accepted values on these lines, as candidates of the generic rows; the judged rows'
 * candidates in `out` whose value does not look random and overlaps a value the model scored and rejected (and
 * none it accepted) are dropped.
 */
function modelCandidates(text: string, lines: Iterable<[number, number]>, engine: Engine, path: string, checkKeyword: boolean, out: Candidate[]): void {
  const { password, key } = engine.modelRows;
  if (password < 0 || key < 0) return;
  const judged: number[] = [];
  const accepted = credentialsIn(text, lines, path, checkKeyword, undefined, undefined, judged);
  if (judged.length) {
    const scored = spanIndex(judged);
    const kept = spanIndex(accepted.flatMap((a) => [a.start, a.end]));
    let w = 0;
    for (const c of out) {
      // An accepted value keeps the row's finding (and its kind: url-basic-auth, not the model's generic-password).
      const drop = c.m !== null && JUDGED_ROWS.has(c.row.pattern) && !looksRandom(text, c.start, c.end) && scored(c.start, c.end) && !kept(c.start, c.end);
      if (!drop) out[w++] = c;
    }
    out.length = w;
  }
  for (const c of accepted) {
    // matchStart: where its name begins, so that the rows' name allowlists read the same key part.
    out.push({ row: rowAt(engine, c.password ? password : key), matchStart: c.nameStart, start: c.start, end: c.end, m: null });
  }
}

/** Every line of `text` as [start, end). */
export function* allLines(text: string): Generator<[number, number]> {
  let from = 0;
  for (;;) {
    const nl = text.indexOf('\n', from);
    yield [from, nl === -1 ? text.length : nl];
    if (nl === -1) return;
    from = nl + 1;
  }
}

/** The same rows without the prefilter: every regex over the whole text (the benchmark's baseline). */
function collectUnfiltered(text: string, engine: Engine, path = '', credentials = true): Candidate[] {
  const out: Candidate[] = [];
  let lower: string | null = null;
  for (let r = 0; r < engine.rows.length; r++) {
    const row = rowAt(engine, r);
    const found: Candidate[] = [];
    scanAll(row, text, found);
    for (const c of found) {
      if (row.mode === 'window') {
        // "near a keyword", checked directly around the match
        const around = text.slice(Math.max(0, c.matchStart - row.window - 64), c.matchStart + row.window + 64).toLowerCase();
        if (!row.keywords.some((k) => around.includes(k))) continue;
      } else if (row.mode === 'scan' && row.keywords.length) {
        lower ??= text.toLowerCase();
        if (!row.keywords.some((k) => lower!.includes(k))) continue;
      }
      out.push(c);
    }
  }
  if (credentials) modelCandidates(text, allLines(text), engine, path, true, out);
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Results

const INLINE = /clipguard-ignore(-next-line)?(?:[ \t]+([A-Za-z0-9*][\w./*-]*(?:[ \t]*,[ \t]*[A-Za-z0-9*][\w./*-]*)*))?/g;

// The `-- reason` after a marker's targets, trimmed (group 1).
const REASON = /(?:^|\s)--[ \t]*(\S(?:.*\S)?)[ \t\r]*$/d;

/** What the inline ignores of a match's lines say (see SecretMatch.inlineIgnored / ignoreRules). */
interface InlineIgnore {
  all: boolean;
  /** [start, end) of the `-- reason` text in the scanned text, or null when none was given. */
  allReason: [number, number] | null;
  rules: string[];
  rulesReason: [number, number] | null;
}

/**
 * Read the `clipguard-ignore` markers of `lineText` (for the line above: `-next-line` ones) into `acc`.
 * A marker without targets, with `*` or naming `kind` covers the match for every rule; rule ids
 * ("security/secret-in-diff") cover it only for those rules, which the engine checks.
 */
function readIgnores(text: string, lineStart: number, lineEnd: number, kind: string, nextLine: boolean, kinds: Set<string>, acc: InlineIgnore): void {
  const lineText = text.slice(lineStart, lineEnd);
  if (!lineText.includes('clipguard-ignore')) return;
  INLINE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = INLINE.exec(lineText))) {
    if (Boolean(m[1]) !== nextLine) continue;
    // Words after the marker count as targets only if they name a kind or a rule ("-- reason" and prose
    // do not): `clipguard-ignore` alone covers every kind.
    const ids = (m[2] ?? '').split(/[ \t]*,[ \t]*/).filter((id) => id === '*' || id.includes('/') || kinds.has(id));
    // The reason: after " -- ", up to the end of the line or the next marker.
    const next = lineText.indexOf('clipguard-ignore', INLINE.lastIndex);
    const from = INLINE.lastIndex;
    const span = REASON.exec(lineText.slice(from, next === -1 ? lineText.length : next))?.indices?.[1];
    const reason: [number, number] | null = span ? [lineStart + from + span[0], lineStart + from + span[1]] : null;
    if (!ids.length || ids.some((id) => id === '*' || id === kind)) {
      if (!acc.all) {
        acc.all = true;
        acc.allReason = reason;
      }
      continue;
    }
    const rules = ids.filter((id) => id.includes('/'));
    if (!rules.length) continue;
    if (!acc.rules.length) acc.rulesReason = reason;
    for (const id of rules) if (!acc.rules.includes(id)) acc.rules.push(id);
  }
}

/**
 * Does the inline ignore of `match` hold for a finding of rule `ruleId`? Yes when it covers every rule
 * (`inlineIgnored`), or when one of its `ignoreRules` is the rule id, `*`, or a prefix ending at a "/"
 * ("security/" or "security" for "security/secret-in-diff"), as for inline ignores in files.
 */
export function secretIgnoredFor(match: { inlineIgnored?: boolean; ignoreRules?: readonly string[] }, ruleId: string): boolean {
  return match.inlineIgnored === true || ignoreCovers(match.ignoreRules ?? [], ruleId);
}

/** The reason text of an inline ignore, with any secret in it (the line's own, say) redacted. */
function reasonText(text: string, span: [number, number] | null, kept: readonly Candidate[]): string {
  if (!span) return 'clipguard-ignore';
  const [from, to] = span;
  const inside = kept.filter((c) => c.start < to && c.end > from).map((c) => ({ kind: c.row.pattern.id, start: Math.max(c.start, from) - from, end: Math.min(c.end, to) - from }));
  return redactSecrets(text.slice(from, to), inside);
}

function resolveOverlaps(cands: Candidate[]): Candidate[] {
  // Highest priority (lowest row index) first; an accepted span blocks every overlapping one after it.
  cands.sort((a, b) => a.row.priority - b.row.priority || a.start - b.start || b.end - a.end);
  const kept: Candidate[] = []; // sorted by start
  for (const c of cands) {
    let lo = 0;
    let hi = kept.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (kept[mid].start < c.start) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0 && kept[lo - 1].end > c.start) continue;
    if (lo < kept.length && kept[lo].start < c.end) continue;
    kept.splice(lo, 0, c);
  }
  return kept;
}

function finish(text: string, cands: Candidate[], engine: Engine, allow: UserAllow | null, marks?: LineMarks): SecretMatch[] {
  const kept = resolveOverlaps(cands.filter((c) => accept(c, text, allow)));
  const oneByte = kept.length > 0 && isOneByte(text);
  const out: SecretMatch[] = [];
  let line = 1;
  let lineStart = 0;
  for (const c of kept) {
    // Jump to the match's chunk when the keyword walk counted the newlines before it (large texts): then
    // the walk below reads one chunk at most, not every line from the previous match.
    const chunk = marks ? Math.floor(c.start / marks.chunk) : 0;
    if (marks && chunk < marks.before.length && chunk * marks.chunk > lineStart) {
      const at = chunk * marks.chunk;
      line = marks.before[chunk] + 1;
      lineStart = text.lastIndexOf('\n', at - 1) + 1;
    }
    for (let nl = text.indexOf('\n', lineStart); nl !== -1 && nl < c.start; nl = text.indexOf('\n', lineStart)) {
      line++;
      lineStart = nl + 1;
    }
    let column = c.start - lineStart + 1;
    if (!oneByte) {
      for (let i = lineStart; i < c.start; i++) {
        const u = text.charCodeAt(i);
        if (u >= 0xd800 && u <= 0xdbff && i + 1 < c.start) {
          const v = text.charCodeAt(i + 1);
          if (v >= 0xdc00 && v <= 0xdfff) {
            column--;
            i++;
          }
        }
      }
    }
    const kind = c.row.pattern.id;
    const lineEnd = text.indexOf('\n', c.start);
    const ign: InlineIgnore = { all: false, allReason: null, rules: [], rulesReason: null };
    readIgnores(text, lineStart, lineEnd === -1 ? text.length : lineEnd, kind, false, engine.kinds, ign);
    if (!ign.all && lineStart > 0) {
      const prevStart = text.lastIndexOf('\n', lineStart - 2) + 1;
      readIgnores(text, prevStart, lineStart - 1, kind, true, engine.kinds, ign);
    }
    const secret = text.slice(c.start, c.end);
    const match: SecretMatch = {
      kind,
      description: c.row.pattern.description ?? kind,
      start: c.start,
      end: c.end,
      line,
      column,
      preview: maskSecret(secret),
      hash: sha256(secret),
      inlineIgnored: ign.all,
    };
    if (ign.all) match.ignoreReason = reasonText(text, ign.allReason, kept);
    else if (ign.rules.length) {
      match.ignoreRules = ign.rules;
      match.ignoreReason = reasonText(text, ign.rulesReason, kept);
    }
    out.push(match);
  }
  return out;
}

/**
 * Find secrets in `text`. Matches are sorted by position and never overlap; allowlisted ones are dropped,
 * inline-ignored ones are kept with `inlineIgnored: true` so reports can show them as suppressed.
 */
export function detectSecrets(text: string, options: DetectOptions = {}): SecretMatch[] {
  const run = text ? prepare(options) : null;
  if (!run) return [];
  const hits = run.engine.scanner.scan(text);
  const cands = collect(text, run.engine, hits, options.path, options.credentials === true);
  return cands.length ? finish(text, cands, run.engine, run.allow, hits.lines) : [];
}

/** Texts up to this length are checked by mayHoldBuiltinSecret with one `includes` per keyword; longer ones go to the detector. */
const QUICK_CHECK_MAX = 4096;
let builtinKeywords: string[] | null = null;

/**
 * False only when detectSecrets(text) with no options (the built-in rows) surely finds nothing: every
 * built-in row needs one of its keywords in the text (only user rows may have none), and the keyword pass
 * folds ASCII case only, which `toLowerCase` also does (it may fold more: a superset, never a miss). For
 * short texts (finding messages, labels) this avoids compiling the whole pattern table and the keyword
 * automaton in a process that never meets a keyword (`clipguard i18n`).
 */
export function mayHoldBuiltinSecret(text: string): boolean {
  if (!text) return false;
  if (text.length > QUICK_CHECK_MAX) return true;
  // A built-in row without keywords would run on every text: then no text can be ruled out.
  builtinKeywords ??= SECRET_PATTERNS.some((p) => !p.keywords.length) ? [''] : [...new Set([...CREDENTIAL_KEYWORDS, ...SECRET_PATTERNS.flatMap((p) => p.keywords.map((k) => k.toLowerCase()))])];
  const lower = text.toLowerCase();
  return builtinKeywords.some((k) => lower.includes(k));
}

/** The allowlist and pattern engine for `options`; null when `options.path` is allowlisted (nothing to find). */
function prepare(options: DetectOptions): { allow: UserAllow | null; engine: Engine } | null {
  const allow = userAllow(options.allowlist);
  if (options.path && allow?.paths?.(options.path)) return null;
  return { allow, engine: engineFor(options.extraPatterns, options.credentials === true) };
}

/**
 * detectSecrets of each text (same results, same order), with one keyword pass over all of them: for many
 * short texts, such as every comment of a company, about three times faster than one call per text.
 */
export function detectSecretsMany(texts: readonly string[], options: DetectOptions = {}): SecretMatch[][] {
  const run = prepare(options);
  if (!run) return texts.map(() => []);
  const { allow, engine } = run;
  const hits = engine.scanner.scanMany(texts);
  return texts.map((text, i) => {
    if (!text || (hits[i].starts.length === 0 && engine.unconditional.length === 0)) return [];
    const cands = collect(text, engine, hits[i], options.path, options.credentials === true);
    return cands.length ? finish(text, cands, engine, allow) : [];
  });
}

/**
 * The same pattern table and checks without the keyword prefilter: every row's regex over the whole
 * text. Same results as detectSecrets; it exists as the benchmark's baseline and a test oracle.
 */
export function detectSecretsUnfiltered(text: string, options: DetectOptions = {}): SecretMatch[] {
  const run = text ? prepare(options) : null;
  if (!run) return [];
  const cands = collectUnfiltered(text, run.engine, options.path, options.credentials === true);
  return cands.length ? finish(text, cands, run.engine, run.allow) : [];
}
