// The JSON Schema of clipguard.config.json (written to schema/config.schema.json for editors).

import { ACTION_TYPES, SEVERITIES } from '../types.js';
import { ZH_LOCALES } from '../detectors/chinese/locale.js';

const actionOverride = { type: 'object', additionalProperties: false, properties: { enabled: { type: 'boolean' }, params: { type: 'object' } } } as const;

const ruleOverride = {
  type: 'object',
  additionalProperties: false,
  properties: {
    enabled: { type: 'boolean' },
    severity: { enum: [...SEVERITIES] },
    params: { type: 'object' },
    action: { ...actionOverride, description: "The rule's action (for a rule with several: its first)." },
    actions: {
      type: 'object',
      propertyNames: { enum: [...ACTION_TYPES] },
      additionalProperties: actionOverride,
      description: 'Any of the rule\'s actions by type, e.g. {"flag": {"enabled": true}}; wins over action.',
    },
  },
};

const stringList = { type: 'array', items: { type: 'string' } };

export const configJsonSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://clipguard.dev/schema/config.schema.json',
  title: 'clipguard configuration (clipguard.config.json)',
  type: 'object',
  additionalProperties: false,
  properties: {
    $schema: { type: 'string' },
    paperclip: {
      type: 'object',
      additionalProperties: false,
      properties: {
        enabled: { type: 'boolean', description: 'Read a Paperclip server (default true).' },
        url: { type: 'string', description: 'Base URL, default $PAPERCLIP_API_URL or http://127.0.0.1:3100. The API key is sent here: needs a trusted config file (clipguard trust); $PAPERCLIP_API_URL wins.' },
        apiKeyEnv: { type: 'string', description: 'Name of the env var holding the API key (default PAPERCLIP_API_KEY). Keys are never stored in this file. Needs a trusted config file (clipguard trust).' },
        companies: { ...stringList, description: 'Company ids or issue prefixes; default: every visible company.' },
        timeoutMs: { type: 'integer', minimum: 100 },
        retries: { type: 'integer', minimum: 0, maximum: 10 },
        activityLog: { type: 'boolean', description: 'Record each applied action in the company activity log.' },
        maxResponseBytes: { type: 'integer', minimum: 1024, description: 'Bytes one Paperclip answer may have (default 33554432, 32 MiB); a larger one stops the read: source/paperclip-unavailable naming the limit.' },
        maxScanBytes: { type: 'integer', minimum: 1024, description: 'Bytes a scan may read from Paperclip in all (default 268435456, 256 MiB); past it the read stops: source/paperclip-unavailable naming the limit.' },
      },
    },
    repos: { ...stringList, description: 'Git repositories to scan (default: the current directory when it is a git repo).' },
    rules: {
      type: 'object',
      additionalProperties: false,
      properties: {
        packs: { ...stringList, description: 'Extra rule packs (files or directories) on top of the built-in one.' },
        overrides: { type: 'object', additionalProperties: ruleOverride, description: 'Per-rule enabled/severity/params/action.' },
      },
    },
    secrets: {
      type: 'object',
      additionalProperties: false,
      properties: {
        allowlist: {
          type: 'object',
          additionalProperties: false,
          properties: { regexes: stringList, values: stringList, paths: stringList },
        },
        patterns: { type: 'array', items: { type: 'object' }, description: 'Extra detector rows (same shape as the built-in table); at most 50 (MAX_SECRET_PATTERNS): more are refused at load.' },
        credentials: { type: 'boolean', description: 'Also find generic credentials without a known shape (passwords, tokens, Authorization headers, URL userinfo) with the trained credential model: more found, more false alarms, slower (see the README). Default false.' },
      },
    },
    i18n: {
      type: 'object',
      additionalProperties: false,
      properties: {
        include: { ...stringList, description: 'Only locale files matching these globs (relative to the repository).' },
        exclude: { ...stringList, description: 'Skip locale files matching these globs.' },
        locales: {
          type: 'array',
          description: 'Locale of files by glob, before detection from the path (zh-TW, zh_Hant_HK ... in a folder or file name); "none" marks a file as not zh.',
          items: {
            type: 'object',
            required: ['glob', 'locale'],
            additionalProperties: false,
            properties: { glob: { type: 'string' }, locale: { enum: [...ZH_LOCALES, 'none'] } },
          },
        },
        allow: {
          type: 'object',
          propertyNames: { enum: [...ZH_LOCALES, '*'] },
          additionalProperties: stringList,
          description: 'Per-locale characters or phrases that are correct as written (autonyms such as 简体中文); zh-Hant covers zh-TW and zh-HK, zh-Hans covers zh-CN and zh-SG, "*" every locale.',
        },
      },
    },
    budget: {
      type: 'object',
      additionalProperties: false,
      properties: {
        companyMonthlyCents: { type: 'integer', minimum: 0 },
        currency: { type: 'string', minLength: 1, description: 'ISO 4217 code of the amounts in messages and reports (default USD); an unknown code is shown after the amount.' },
        forecastWindowDays: { type: 'integer', minimum: 1, maximum: 31 },
        warnPercent: { type: 'number', exclusiveMinimum: 0, maximum: 1000, description: 'Warn at this % of a monthly budget (default 80); a budget policy\'s own warnPercent wins. Below stopPercent.' },
        stopPercent: { type: 'number', exclusiveMinimum: 0, maximum: 1000, description: 'Spend at this % of a monthly budget is exceeded: error, and pause for an agent (default 100).' },
      },
    },
    actions: {
      type: 'object',
      additionalProperties: false,
      properties: {
        apply: { type: 'boolean', description: 'Act without --apply (default false: dry-run). Needs a trusted config file (clipguard trust).' },
        maxPerScan: { type: 'integer', minimum: 0 },
        maxPerAgent: { type: 'integer', minimum: 0 },
        exec: {
          type: 'object',
          additionalProperties: { type: 'array', items: { type: 'string' }, minItems: 1 },
          description: 'Named commands the exec action may run, as argv arrays (no shell). Needs a trusted config file (clipguard trust).',
        },
      },
    },
    deploy: {
      type: 'object',
      additionalProperties: false,
      properties: {
        urls: {
          type: 'array',
          items: {
            type: 'object',
            required: ['url'],
            additionalProperties: false,
            properties: { url: { type: 'string' }, expectStatus: { type: 'integer' }, expectText: { type: 'string' }, timeoutMs: { type: 'integer' } },
          },
        },
      },
    },
    schedule: {
      type: 'object',
      description: 'Jobs for `clipguard watch`.',
      properties: {
        keepReads: { type: 'boolean', description: 'Keep what watch read of Paperclip, every secret in it masked, in <stateDir>/paperclip/ so that a restart or watch --once reads only what changed (default true). false: in memory only.' },
        keepRuns: { type: 'integer', minimum: 1, maximum: 10000, description: 'How many runs of `clipguard watch` keep their report (JSON and Markdown) in <stateDir>/runs/, read by `clipguard watch status` (default 50).' },
      },
    },
    checklist: {
      type: 'object',
      additionalProperties: false,
      description: 'Where `clipguard checklist` and the `checklist` job of `watch` also publish the checklist, so the board sees it.',
      properties: {
        postIssue: { type: 'string', minLength: 1, description: 'Post it (Markdown) as a comment on this Paperclip issue: id or identifier such as ACM-12. A comment wakes the assignee. Needs a trusted config file (clipguard trust).' },
        postActivity: { type: 'boolean', description: "Record it in each scanned company's activity log (action clipguard.checklist): silent, wakes nobody. Needs a trusted config file (clipguard trust)." },
      },
    },
    stateDir: { type: 'string', description: 'Persisted state, ledger and audit log (default .clipguard). Outside the config file\'s directory: needs a trusted config file (clipguard trust).' },
    waivers: { type: 'string', description: 'Waivers file (default clipguard.waivers.json when present).' },
    failOn: { enum: [...SEVERITIES] },
  },
} as const;
