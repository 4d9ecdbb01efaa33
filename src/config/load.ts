// Configuration: built-in defaults < clipguard.config.json (found upward from the cwd, or --config) < env < flags.

import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { gitRoot } from '../util/git-root.js';
import { validatorFor } from '../util/validators.js';
import { PACKAGE_ROOT } from '../paths.js';
import { SEVERITIES, type Severity } from '../types.js';
import type { RuleOverride } from '../engine/evaluate.js';
import { UserFileError, lineOfKey, parseJsonText } from '../util/json-file.js';
import { SecretPatternError, validateSecretAllowlist, validateSecretPatterns } from '../detectors/secrets/index.js';
import type { SecretPattern } from '../detectors/secrets/index.js';
import type { LocaleOverride } from '../sources/locale-files.js';
import { pinnedHashes, sha256Of, trustOf, TRUST_PIN_ENV } from './trust.js';

/** The config schema this clipguard ships (node_modules/clipguard/schema/ in a user's repository). */
export const CONFIG_SCHEMA_FILE = join(PACKAGE_ROOT, 'schema', 'config.schema.json');

/**
 * Where a config error sends the user: the schema file of the installed clipguard, as a path from the config
 * file's folder when it is below it (node_modules/clipguard/schema/config.schema.json, what `$schema` names),
 * else absolute (a global or npx install).
 */
export function schemaHint(configDir: string): string {
  const rel = relative(configDir, CONFIG_SCHEMA_FILE);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel.split(sep).join('/') : CONFIG_SCHEMA_FILE;
}

/** Where Paperclip listens out of the box (`paperclipai run`). */
export const DEFAULT_PAPERCLIP_URL = 'http://127.0.0.1:3100';

export const CONFIG_FILE = 'clipguard.config.json';

export interface Config {
  /** The file it came from, or null for defaults only. */
  file: string | null;
  /** Directory relative paths resolve against. */
  baseDir: string;
  paperclip: { enabled: boolean; url: string; /** The URL is the built-in default: no flag, env or config file named one. */ implicit: boolean; apiKey: string | null; companies: string[]; timeoutMs: number; retries: number; activityLog: boolean; /** Byte limits on what is read (see paperclip/client.ts). */ maxResponseBytes: number; maxScanBytes: number };
  repos: string[] | null;
  /** actionlessPacks: packs an untrusted config file named; their rules report but ask for no action. */
  rules: { packs: string[]; overrides: Record<string, RuleOverride>; actionlessPacks: string[] };
  secrets: { allowlist: { regexes: string[]; values: string[]; paths: string[] }; patterns: SecretPattern[]; /** The credential model (detectors/secrets/credential.ts), off by default. */ credentials: boolean };
  i18n: { include: string[]; exclude: string[]; locales: LocaleOverride[]; allow: Record<string, string[]> };
  /** The one place for budget thresholds and currency (the budget rules have no threshold params). */
  budget: { companyMonthlyCents: number | null; currency: string; forecastWindowDays: number; warnPercent: number; stopPercent: number };
  actions: { apply: boolean; maxPerScan: number; maxPerAgent: number; exec: Record<string, string[]> };
  deploy: { urls: { url: string; expectStatus?: number; expectText?: string; timeoutMs?: number }[] };
  schedule: Record<string, unknown>;
  checklist: { postIssue: string | null; postActivity: boolean };
  stateDir: string;
  waivers: string | null;
  failOn: Severity;
  /** sha256 of the config file's exact bytes (null: no file). */
  sha256: string | null;
  /** What an untrusted config file asked for and was not given (empty: trusted, or it asked for nothing that needs trust). */
  untrusted: string[];
  /** Why the file is not trusted ("never trusted", "it changed since it was trusted", ...); null when it is. */
  untrustedReason: string | null;
  /** Config files found upward and not read, each with why (findConfigFile): the CLI says so on stderr. */
  skippedConfigs: string[];
}


/**
 * The config file as schema/config.json admits it (ajv checks it before anything reads it): every section
 * optional. Sections an untrusted file may not set are taken out of it in place (withholdUntrusted).
 */
type Obj = Record<string, unknown>;
export interface RawConfig {
  paperclip?: Partial<Omit<Config['paperclip'], 'implicit' | 'apiKey'>> & { apiKeyEnv?: string } & Obj;
  repos?: string[];
  rules?: { packs?: string[]; overrides?: Record<string, RuleOverride & Obj> };
  secrets?: { allowlist?: Partial<Config['secrets']['allowlist']>; patterns?: SecretPattern[]; credentials?: boolean };
  i18n?: Partial<Config['i18n']>;
  budget?: Partial<Config['budget']>;
  actions?: Partial<Config['actions']> & Obj;
  deploy?: Partial<Config['deploy']>;
  schedule?: { jobs?: unknown[] } & Obj;
  checklist?: Partial<Config['checklist']> & Obj;
  stateDir?: string;
  waivers?: string;
  failOn?: Severity;
}

export function findConfigFile(startDir: string, skipped?: (file: string, why: string) => void): string | null {
  let dir = resolve(startDir);
  // In a repository the search ends at its top, and what it finds there is the checkout's own config, whoever owns
  // the checkout (a CI container's root over the runner's files): trust decides what it may do. Outside one, a
  // file found upward must be the user's (notTheUsers).
  const top = gitRoot(dir);
  const inRepo = top !== null && ownRepository(top);
  for (;;) {
    const p = join(dir, CONFIG_FILE);
    if (existsSync(p)) {
      const why = inRepo ? null : notTheUsers(p);
      if (!why) return p;
      skipped?.(p, why);
    }
    // Not above the repository's top: a parent checkout's or a shared folder's config is not this repository's.
    if (dir === top) return null;
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

/**
 * Is the folder holding a `.git` (gitRoot) a repository, as far as the config search goes: one not every user can
 * write to. Anyone can make `/tmp/.git`: that does not make `/tmp` a checkout whose config is its own.
 */
function ownRepository(top: string): boolean {
  try {
    return (statSync(top).mode & 0o002) === 0;
  } catch {
    return false;
  }
}

/**
 * Why a config found upward outside any repository is not taken as the user's own (null when it is): another user's file, or one others
 * could replace. A clipguard.config.json another local user left in /tmp would otherwise be the config of every
 * repository cloned under it: its allowlists switch the pre-commit hook off and its state dir holds a ledger that
 * drives `scan --apply` (git's safe.directory refuses others' repositories for the same reason). `--config` names a
 * file on purpose and is read whoever owns it.
 */
function notTheUsers(file: string): string | null {
  const uid = process.getuid?.();
  if (uid === undefined) return null;
  const st = statSync(file);
  if (st.uid !== uid && st.uid !== 0) return `owned by uid ${st.uid}, not you (uid ${uid})`;
  if (st.mode & 0o002) return 'writable by every user';
  const parent = statSync(dirname(file));
  if (parent.mode & 0o002 && !(parent.mode & 0o1000)) return 'in a folder every user can write to';
  return null;
}

export interface ConfigFlags {
  config?: string;
  /** Ignore any config file: built-in defaults + env + flags only (rule tests). */
  noConfigFile?: boolean;
  paperclip?: string | false;
  apiKey?: string;
  company?: string[];
  repo?: string[];
  rules?: string[];
  apply?: boolean;
  failOn?: Severity;
}

export function loadConfig(cwd: string, flags: ConfigFlags = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const skippedConfigs: string[] = [];
  const named = flags.noConfigFile ? null : flags.config ? resolve(cwd, flags.config) : findConfigFile(cwd, (f, why) => skippedConfigs.push(`${f}: ${why}`));
  let raw: RawConfig = {};
  const file = named;
  let real: string | null = null;
  let sha256: string | null = null;
  if (file) {
    if (!existsSync(file)) throw new UserFileError(file, 'config file not found (check --config)');
    // Trust is per real file and per content: the bytes hashed are the bytes parsed (read once, through the
    // resolved path, so a symlink swapped in between cannot pair one file's trust with another's keys).
    real = realpathSync(file);
    const bytes = readFileSync(real);
    sha256 = sha256Of(bytes);
    // A pipeline that pins its reviewed config stops on any other: a changed file may also loosen what is only
    // reported (rules turned off, allowlists, failOn), which trust alone does not withhold.
    const pins = pinnedHashes(env);
    if (pins.length && !pins.includes(sha256)) {
      throw new UserFileError(file, `sha256 ${sha256} is not the one ${TRUST_PIN_ENV} pins: the config changed since it was reviewed; review it, then pin the new hash (clipguard trust --status prints it)`);
    }
    const text = bytes.toString('utf8');
    const parsed = parseJsonText(text, file);
    const validate = validatorFor('config');
    if (!validate(parsed)) {
      const e = validate.errors![0];
      const field = e.instancePath.replace(/^\//, '').replace(/\//g, '.') || '(root)';
      const extra = e.keyword === 'additionalProperties' ? ` "${(e.params as { additionalProperty: string }).additionalProperty}"` : e.keyword === 'enum' ? `: ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}` : '';
      const key = e.keyword === 'additionalProperties' ? (e.params as { additionalProperty: string }).additionalProperty : field.split('.').pop();
      throw new UserFileError(file, `${field}: ${e.message}${extra} (schema: ${schemaHint(dirname(file))})`, lineOfKey(text, key));
    }
    raw = parsed as RawConfig;
    // The user's detector rows and allowlist regexes compile here (on RE2: linear time, whatever the pattern),
    // so a bad one (a syntax error, a lookaround RE2 cannot run) stops the command with exit 2, naming the row,
    // before any read.
    if (Array.isArray(raw.secrets?.patterns) && raw.secrets.patterns.length) {
      try {
        validateSecretPatterns(raw.secrets.patterns);
      } catch (e) {
        if (e instanceof SecretPatternError) throw new UserFileError(file, e.message, lineOfKey(text, 'patterns'));
        throw e;
      }
    }
    if (Array.isArray(raw.secrets?.allowlist?.regexes) && raw.secrets.allowlist.regexes.length) {
      try {
        validateSecretAllowlist(raw.secrets.allowlist);
      } catch (e) {
        if (e instanceof SecretPatternError) throw new UserFileError(file, e.message, lineOfKey(text, 'regexes'));
        throw e;
      }
    }
  }
  // Relative paths mean what they mean beside the real file, the one trust is keyed on: a checkout's link to a
  // trusted config must not lend that trust to the checkout's own rule packs, commands or state.
  const baseDir = real ? dirname(real) : file ? dirname(file) : cwd;
  const verdict = real && sha256 ? trustOf(real, sha256, env) : null;
  const untrusted = verdict && !verdict.trusted ? withholdUntrusted(raw, baseDir) : [];
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const pc = raw.paperclip ?? {};
  const keyEnv = pc.apiKeyEnv ?? 'PAPERCLIP_API_KEY';
  const cfg: Config = {
    file,
    baseDir,
    paperclip: {
      enabled: pc.enabled ?? true,
      // Environment over the file (the documented layering): the same config works on every machine.
      url: (env.PAPERCLIP_API_URL || pc.url || DEFAULT_PAPERCLIP_URL).replace(/\/+$/, ''),
      implicit: !env.PAPERCLIP_API_URL && !pc.url,
      apiKey: env[keyEnv] || null,
      companies: pc.companies ?? (env.PAPERCLIP_COMPANY_ID ? [env.PAPERCLIP_COMPANY_ID] : []),
      timeoutMs: pc.timeoutMs ?? 10_000,
      retries: pc.retries ?? 3,
      activityLog: pc.activityLog ?? true,
      maxResponseBytes: pc.maxResponseBytes ?? 32 * 1024 * 1024,
      maxScanBytes: pc.maxScanBytes ?? 256 * 1024 * 1024,
    },
    repos: raw.repos ? (raw.repos as string[]).map(abs) : null,
    rules: { packs: ((raw.rules?.packs as string[]) ?? []).map(abs), overrides: raw.rules?.overrides ?? {}, actionlessPacks: verdict && !verdict.trusted ? ((raw.rules?.packs as string[]) ?? []).map(abs) : [] },
    secrets: {
      allowlist: { regexes: [], values: [], paths: [], ...(raw.secrets?.allowlist ?? {}) },
      patterns: raw.secrets?.patterns ?? [],
      credentials: raw.secrets?.credentials === true,
    },
    i18n: { include: [], exclude: [], locales: [], allow: {}, ...(raw.i18n ?? {}) },
    budget: budgetConfig(raw, file),
    actions: { apply: false, maxPerScan: 20, maxPerAgent: 3, exec: {}, ...(raw.actions ?? {}) },
    deploy: { urls: raw.deploy?.urls ?? [] },
    schedule: raw.schedule ?? {},
    checklist: { postIssue: raw.checklist?.postIssue ?? null, postActivity: raw.checklist?.postActivity ?? false },
    stateDir: env.CLIPGUARD_STATE_DIR ? resolve(cwd, env.CLIPGUARD_STATE_DIR) : abs(raw.stateDir ?? '.clipguard'),
    waivers: raw.waivers ? abs(raw.waivers) : existsSync(join(baseDir, 'clipguard.waivers.json')) ? join(baseDir, 'clipguard.waivers.json') : null,
    failOn: raw.failOn ?? 'error',
    sha256,
    untrusted,
    untrustedReason: verdict && !verdict.trusted ? verdict.reason : null,
    skippedConfigs,
  };
  // env
  if (env.CLIPGUARD_FAIL_ON) {
    if (!(SEVERITIES as readonly string[]).includes(env.CLIPGUARD_FAIL_ON)) throw new UserFileError('$CLIPGUARD_FAIL_ON', `must be one of ${SEVERITIES.join(', ')} (got ${JSON.stringify(env.CLIPGUARD_FAIL_ON)})`);
    cfg.failOn = env.CLIPGUARD_FAIL_ON as Severity;
  }
  // flags
  if (flags.paperclip === false) cfg.paperclip.enabled = false;
  else if (typeof flags.paperclip === 'string') {
    cfg.paperclip.url = flags.paperclip.replace(/\/+$/, '');
    cfg.paperclip.implicit = false;
  }
  if (flags.apiKey) cfg.paperclip.apiKey = flags.apiKey;
  if (flags.company?.length) cfg.paperclip.companies = flags.company;
  if (flags.repo?.length) cfg.repos = flags.repo.map((r) => resolve(cwd, r));
  if (flags.rules?.length) cfg.rules.packs.push(...flags.rules.map((r) => resolve(cwd, r)));
  if (flags.apply) cfg.actions.apply = true;
  if (flags.failOn) cfg.failOn = flags.failOn;
  return cfg;
}

/** The action limits an untrusted config may lower but not raise. */
const DEFAULT_LIMITS = { maxPerScan: 20, maxPerAgent: 3 } as const;

/**
 * Take out of `raw` (a parsed config file not trusted) every key that would let the file's author act
 * without --apply, run a command, pick the server (or the env var) the API key is sent to, publish to
 * Paperclip, switch off the activity record of actions, widen the action limits, switch actions on, or
 * read and write outside the file's own directory. Returns what was taken, as dotted keys. What is left
 * only shapes what a scan reports.
 */
export function withholdUntrusted(raw: RawConfig, baseDir: string): string[] {
  const out: string[] = [];
  const take = (o: object | undefined, key: string, name: string, when: (v: unknown) => boolean = () => true) => {
    const obj = o as Obj | undefined;
    if (obj && Object.hasOwn(obj, key) && when(obj[key])) {
      delete obj[key];
      out.push(name);
    }
  };
  const a = raw.actions;
  take(a, 'apply', 'actions.apply', (v) => v === true);
  take(a, 'exec', 'actions.exec', (v) => Object.keys(v as object).length > 0);
  take(a, 'maxPerScan', 'actions.maxPerScan', (v) => (v as number) > DEFAULT_LIMITS.maxPerScan);
  take(a, 'maxPerAgent', 'actions.maxPerAgent', (v) => (v as number) > DEFAULT_LIMITS.maxPerAgent);
  take(raw.paperclip, 'url', 'paperclip.url');
  take(raw.paperclip, 'apiKeyEnv', 'paperclip.apiKeyEnv');
  take(raw.paperclip, 'activityLog', 'paperclip.activityLog', (v) => v === false);
  const jobs = raw.schedule?.jobs;
  if (Array.isArray(jobs)) {
    // Anything but false: a value that is not a boolean must not slip past as "not asking to act".
    jobs.forEach((j, i) => take(j && typeof j === 'object' ? j : undefined, 'apply', `schedule.jobs[${i}].apply`, (v) => v !== false));
  }
  take(raw.checklist, 'postIssue', 'checklist.postIssue');
  take(raw.checklist, 'postActivity', 'checklist.postActivity', (v) => v === true);
  take(raw, 'stateDir', 'stateDir', (v) => !within(baseDir, v as string));
  // Paths out of the file's directory: a checkout must not make clipguard read (and, for repos, push) what
  // lies elsewhere on the machine; a file that does not parse is quoted in the error, so reading is leaking.
  take(raw, 'waivers', 'waivers', (v) => !within(baseDir, v as string));
  const keepInside = (o: object | undefined, key: string, name: string) => {
    const obj = o as Obj | undefined;
    const list = obj?.[key];
    if (!obj || !Array.isArray(list)) return;
    const kept = (list as string[]).filter((p) => within(baseDir, p));
    if (kept.length < list.length) {
      out.push(`${name} (outside the config's directory)`);
      obj[key] = kept;
    }
  };
  keepInside(raw, 'repos', 'repos');
  keepInside(raw.rules, 'packs', 'rules.packs');
  // Switching an action off is the config's to say (like disabling a rule); switching one on or giving it params is not.
  const offOnly = (x: unknown) => (x as { enabled?: unknown })?.enabled === false && (x as { params?: unknown }).params === undefined;
  for (const [id, o] of Object.entries(raw.rules?.overrides ?? {})) {
    take(o, 'action', `rules.overrides.${id}.action`, (v) => !offOnly(v));
    // A rule param an action writes into the world (the comment ops/blocked-without-reason posts, which wakes
    // the assignee) is the file's words on every blocked issue under --apply: it needs trust too.
    if (o && typeof o.params === 'object' && o.params) take(o.params, 'comment', `rules.overrides.${id}.params.comment`);
    for (const t of Object.keys(o.actions ?? {})) take(o.actions, t, `rules.overrides.${id}.actions.${t}`, (v) => !offOnly(v));
  }
  if (raw.rules?.packs?.length) out.push('the actions of the rules in rules.packs');
  return out;
}

/** `p` (relative to `dir`) names `dir` or a path under it, also once existing symlinks are resolved. */
function within(dir: string, p: string): boolean {
  const inside = (d: string, q: string) => {
    const rel = relative(d, q);
    return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
  };
  const abs = resolve(dir, p);
  if (!inside(dir, abs)) return false;
  // The deepest part of the path that exists, resolved: a checked-in symlink must not lead out.
  let probe = abs;
  while (!existsSync(probe) && dirname(probe) !== probe) probe = dirname(probe);
  try {
    return inside(realpathSync(dir), realpathSync(probe));
  } catch {
    return false;
  }
}

/** The budget rules whose findings the thresholds and the currency shape (their params would be ignored). */
const BUDGET_RULES = ['agent-spend-warning', 'agent-spend-exceeded', 'company-spend', 'forecast', 'forecast-company', 'unenforced', 'unenforced-company', 'paused-for-budget'].map((r) => `budget/${r}`);
const BUDGET_KEYS = ['warnPercent', 'stopPercent', 'currency', 'companyMonthlyCents', 'forecastWindowDays'];

/** `budget` with its defaults; the warn threshold must be below the stop threshold, and set here, not as rule params. */
function budgetConfig(raw: RawConfig, file: string | null): Config['budget'] {
  const fail = (message: string, key: string): never => {
    throw new UserFileError(file ?? '(config)', message, file ? lineOfKey(readFileSync(file, 'utf8'), key) : undefined);
  };
  const budget: Config['budget'] = { companyMonthlyCents: null, currency: 'USD', forecastWindowDays: 7, warnPercent: 80, stopPercent: 100, ...(raw.budget ?? {}) };
  if (budget.warnPercent >= budget.stopPercent) {
    fail(`budget.warnPercent (${budget.warnPercent}) must be below budget.stopPercent (${budget.stopPercent}) (schema: ${schemaHint(file ? dirname(file) : process.cwd())})`, 'warnPercent');
  }
  for (const id of BUDGET_RULES) {
    const key = BUDGET_KEYS.find((k) => raw.rules?.overrides?.[id]?.params && Object.hasOwn(raw.rules.overrides[id].params, k));
    if (key) fail(`rules.overrides.${id}.params.${key}: budget rules take no ${key} param; set budget.${key} instead (it applies to every budget rule)`, key);
  }
  return budget;
}
