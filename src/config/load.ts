// Configuration: built-in defaults < clipguard.config.json (found upward from the cwd, or --config) < env < flags.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { validatorFor } from '../util/validators.js';
import { SEVERITIES, type Severity } from '../types.js';
import type { RuleOverride } from '../engine/evaluate.js';
import { UserFileError, lineOfKey, parseJsonText } from '../util/json-file.js';
import { SecretPatternError, validateSecretPatterns } from '../detectors/secrets/index.js';
import type { LocaleOverride } from '../sources/locales.js';

/** Where Paperclip listens out of the box (`paperclipai run`). */
export const DEFAULT_PAPERCLIP_URL = 'http://127.0.0.1:3100';

export const CONFIG_FILE = 'clipguard.config.json';

export interface Config {
  /** The file it came from, or null for defaults only. */
  file: string | null;
  /** Directory relative paths resolve against. */
  baseDir: string;
  paperclip: { enabled: boolean; url: string; /** The URL is the built-in default: no flag, env or config file named one. */ implicit: boolean; apiKey: string | null; companies: string[]; timeoutMs: number; retries: number; activityLog: boolean };
  repos: string[] | null;
  rules: { packs: string[]; overrides: Record<string, RuleOverride> };
  secrets: { allowlist: { regexes: string[]; values: string[]; paths: string[] }; patterns: Record<string, unknown>[] };
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
}


export function findConfigFile(startDir: string): string | null {
  let dir = resolve(startDir);
  for (;;) {
    const p = join(dir, CONFIG_FILE);
    if (existsSync(p)) return p;
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
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
  const file = flags.noConfigFile ? null : flags.config ? resolve(cwd, flags.config) : findConfigFile(cwd);
  let raw: Record<string, any> = {};
  if (file) {
    if (!existsSync(file)) throw new UserFileError(file, 'config file not found (check --config)');
    const text = readFileSync(file, 'utf8');
    const parsed = parseJsonText(text, file);
    const validate = validatorFor('config');
    if (!validate(parsed)) {
      const e = validate.errors![0];
      const field = e.instancePath.replace(/^\//, '').replace(/\//g, '.') || '(root)';
      const extra = e.keyword === 'additionalProperties' ? ` "${(e.params as { additionalProperty: string }).additionalProperty}"` : e.keyword === 'enum' ? `: ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}` : '';
      const key = e.keyword === 'additionalProperties' ? (e.params as { additionalProperty: string }).additionalProperty : field.split('.').pop();
      throw new UserFileError(file, `${field}: ${e.message}${extra} (see schema/config.schema.json)`, lineOfKey(text, key));
    }
    raw = parsed as Record<string, any>;
    // The user's detector rows compile here, so a bad one (a syntax error, a pattern that can backtrack
    // catastrophically and hang every commit) stops the command with exit 2, naming the row, before any read.
    if (Array.isArray(raw.secrets?.patterns) && raw.secrets.patterns.length) {
      try {
        validateSecretPatterns(raw.secrets.patterns);
      } catch (e) {
        if (e instanceof SecretPatternError) throw new UserFileError(file, e.message, lineOfKey(text, 'patterns'));
        throw e;
      }
    }
  }
  const baseDir = file ? dirname(file) : cwd;
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
    },
    repos: raw.repos ? (raw.repos as string[]).map(abs) : null,
    rules: { packs: ((raw.rules?.packs as string[]) ?? []).map(abs), overrides: raw.rules?.overrides ?? {} },
    secrets: {
      allowlist: { regexes: [], values: [], paths: [], ...(raw.secrets?.allowlist ?? {}) },
      patterns: raw.secrets?.patterns ?? [],
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

/** The budget rules whose findings the thresholds and the currency shape (their params would be ignored). */
const BUDGET_RULES = ['agent-spend-warning', 'agent-spend-exceeded', 'company-spend', 'forecast', 'forecast-company', 'unenforced', 'unenforced-company', 'paused-for-budget'].map((r) => `budget/${r}`);
const BUDGET_KEYS = ['warnPercent', 'stopPercent', 'currency', 'companyMonthlyCents', 'forecastWindowDays'];

/** `budget` with its defaults; the warn threshold must be below the stop threshold, and set here, not as rule params. */
function budgetConfig(raw: Record<string, any>, file: string | null): Config['budget'] {
  const fail = (message: string, key: string): never => {
    throw new UserFileError(file ?? '(config)', message, file ? lineOfKey(readFileSync(file, 'utf8'), key) : undefined);
  };
  const budget: Config['budget'] = { companyMonthlyCents: null, currency: 'USD', forecastWindowDays: 7, warnPercent: 80, stopPercent: 100, ...(raw.budget ?? {}) };
  if (budget.warnPercent >= budget.stopPercent) {
    fail(`budget.warnPercent (${budget.warnPercent}) must be below budget.stopPercent (${budget.stopPercent}) (see schema/config.schema.json)`, 'warnPercent');
  }
  for (const id of BUDGET_RULES) {
    const key = BUDGET_KEYS.find((k) => raw.rules?.overrides?.[id]?.params && Object.hasOwn(raw.rules.overrides[id].params, k));
    if (key) fail(`rules.overrides.${id}.params.${key}: budget rules take no ${key} param; set budget.${key} instead (it applies to every budget rule)`, key);
  }
  return budget;
}
