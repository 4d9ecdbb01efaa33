// Rule tests, ESLint RuleTester-style: each rule has fixtures under `fixtures/<rule-id>/*.json`, each case an
// input (a Paperclip snapshot, files, commits, diffs or source states), and the exact findings expected.
// `clipguard rules test` runs them for the built-in pack and for users' own packs alike.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { loadConfig, type Config } from './config/load.js';
import { planActions } from './actions/planner.js';
import { paperclipSubjects, type SnapshotCompany } from './sources/paperclip/subjects.js';
import { snapshotProblems } from './sources/paperclip/validate.js';
import { budgetOptions, commitSubjects, diffSubjects, maskedSecrets, sourceSubject } from './sources/index.js';
import { localeFileSubject } from './sources/locale-subjects.js';
import { detectLocale } from './sources/locale-files.js';
import { factParamsOf, type FactParams } from './sources/fact-params.js';
import type { Finding, SourceStatus, Subject } from './types.js';
import { parseJsonText } from './util/json-file.js';
import { activateRules, Evaluator } from './engine/evaluate.js';
import { BUILTIN_RULES_DIR, loadRulePacks, RulePackError } from './engine/load.js';
import type { LoadedRule } from './engine/rule.js';
import { applySuppressions } from './engine/suppress.js';

export interface FixtureCase {
  description?: string;
  now?: string;
  config?: { rules?: { overrides?: Record<string, unknown> }; budget?: Record<string, unknown>; i18n?: Record<string, unknown> };
  input: {
    /** A snapshot as read.ts gives it, written by hand: what the rule sees. Its records are checked as read.ts checks the server's. */
    paperclip?: { companies: SnapshotCompany[] };
    files?: Record<string, string>;
    commits?: { sha: string; subject: string; message: string; author?: string; date?: string }[];
    diffs?: { path: string; lines: { line: number; text: string }[] }[];
    sources?: Record<string, unknown>[];
    /** Agent id -> when clipguard last reset its session (what the executor's ledger would say). */
    sessionResets?: Record<string, string>;
  };
  expect: { subject?: string; severity?: string; message?: string; location?: unknown; actions?: { type: string; target?: string; status?: string }[]; suppressed?: boolean }[];
}

export interface CaseResult {
  ruleId: string;
  file: string;
  ok: boolean;
  errors: string[];
}

export function fixturesDirFor(rule: LoadedRule, packRoot: string): string | null {
  for (const base of [join(dirname(packRoot), 'fixtures'), join(packRoot, 'fixtures')]) {
    const d = join(base, rule.id);
    if (existsSync(d)) return d;
  }
  return null;
}

export function subjectsFromInput(input: FixtureCase['input'], config: Config, now: Date, extra: { factParams?: FactParams; sessionResets?: Record<string, string> } = {}): Subject[] {
  const out: Subject[] = [];
  if (input.paperclip) {
    const problems = input.paperclip.companies.flatMap((c) => snapshotProblems(c as unknown as Record<string, unknown>));
    if (problems.length) throw new Error(`the fixture's snapshot holds records the server could never send (they would be dropped and reported as source/paperclip-schema): ${problems.slice(0, 5).map((p) => p.message).join('; ')}${problems.length > 5 ? `; and ${problems.length - 5} more` : ''}`);
    out.push(
      ...paperclipSubjects(input.paperclip.companies, {
        now,
        detectSecrets: maskedSecrets(config),
        budget: budgetOptions(config),
        ...extra,
      }),
    );
  }
  for (const [path, content] of Object.entries(input.files ?? {})) {
    out.push(localeFileSubject(path, content, detectLocale(path, config.i18n.locales), config, maskedSecrets(config, path)(content)));
  }
  if (input.commits) out.push(...commitSubjects('.', input.commits.map((c) => ({ author: 'test', date: '2026-01-01T00:00:00Z', ...c })), config));
  if (input.diffs) out.push(...diffSubjects('.', input.diffs, config));
  for (const { name, kind, status, detail, problems, ...extra } of input.sources ?? []) {
    out.push(sourceSubject(String(name), String(kind), status as SourceStatus['status'], String(detail ?? ''), extra, Array.isArray(problems) ? problems : []));
  }
  return out;
}

export async function runRuleTests(packPaths: string[], opts: { builtin?: boolean; only?: string[] } = {}): Promise<CaseResult[]> {
  const { rules, problems } = loadRulePacks(packPaths, { builtin: opts.builtin ?? packPaths.length === 0 });
  if (problems.length) throw new RulePackError(problems);
  const results: CaseResult[] = [];
  for (const rule of rules) {
    if (opts.only?.length && !opts.only.includes(rule.id)) continue;
    const packRoot = rule.pack === 'builtin' ? BUILTIN_RULES_DIR : resolve(packPaths.find((p) => resolve(rule.file).startsWith(resolve(p))) ?? dirname(rule.file));
    const dir = fixturesDirFor(rule, packRoot);
    if (!dir) {
      // Where to put them: beside the built-in pack (fixtures/), inside a user's (<pack>/fixtures/).
      const where = relative(process.cwd(), join(rule.pack === 'builtin' ? dirname(packRoot) : packRoot, 'fixtures', rule.id)) || '.';
      results.push({ ruleId: rule.id, file: '(none)', ok: false, errors: [`no fixtures: add ${where}/<case>.json with a case that must produce findings and one that must not`] });
      continue;
    }
    const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
    const kinds = { positive: false, negative: false };
    for (const name of files) {
      const file = join(dir, name);
      const shown = relative(process.cwd(), file) || file;
      const errors: string[] = [];
      try {
        const c = parseJsonText(readFileSync(file, 'utf8'), shown) as FixtureCase;
        if (c.expect.length) kinds.positive = true;
        else kinds.negative = true;
        const findings = await runCase(rule, c);
        errors.push(...compare(c.expect, findings));
      } catch (e) {
        errors.push((e as Error).message);
      }
      results.push({ ruleId: rule.id, file: shown, ok: errors.length === 0, errors });
    }
    if (!kinds.positive || !kinds.negative) {
      results.push({ ruleId: rule.id, file: dir, ok: false, errors: [`fixtures need at least one case that produces findings and one that produces none (have: ${kinds.positive ? 'positive' : ''}${kinds.negative ? ' negative' : ''})`] });
    }
  }
  return results;
}

export async function runCase(rule: LoadedRule, c: FixtureCase): Promise<Finding[]> {
  const now = new Date(c.now ?? '2026-11-15T12:00:00Z');
  const config = loadConfig(process.cwd(), { noConfigFile: true }, {});
  Object.assign(config.budget, c.config?.budget ?? {});
  Object.assign(config.i18n, c.config?.i18n ?? {});
  const overrides = (c.config?.rules?.overrides ?? {}) as Record<string, never>;
  const active = activateRules([rule], overrides);
  const subjects = subjectsFromInput(c.input, config, now, { factParams: factParamsOf(active), sessionResets: c.input.sessionResets });
  let findings = await new Evaluator(active).evaluate(subjects, { now });
  findings = applySuppressions(findings, { now });
  planActions(findings, subjects, { maxPerScan: 1000, maxPerAgent: 1000, exec: {} });
  return findings;
}

function compare(expected: FixtureCase['expect'], actual: Finding[]): string[] {
  const errors: string[] = [];
  const show = (f: Finding) => `${f.subject.type}:${f.subject.label} "${f.message}"`;
  if (expected.length !== actual.length) {
    errors.push(`expected ${expected.length} finding(s), got ${actual.length}: ${actual.map(show).join('; ') || 'none'}`);
  }
  const remaining = [...actual];
  for (const e of expected) {
    const i = remaining.findIndex((f) => matches(e, f));
    if (i < 0) errors.push(`no finding matches ${JSON.stringify(e)}; got: ${remaining.map((f) => JSON.stringify({ subject: `${f.subject.type}:${f.subject.label}`, severity: f.severity, message: f.message, actions: f.actions.map((a) => ({ type: a.type, target: a.target, status: a.status })) })).join('; ') || 'none'}`);
    else remaining.splice(i, 1);
  }
  return errors;
}

function matches(e: FixtureCase['expect'][number], f: Finding): boolean {
  if (e.subject !== undefined && e.subject !== `${f.subject.type}:${f.subject.label}`) return false;
  if (e.severity !== undefined && e.severity !== f.severity) return false;
  if (e.message !== undefined && e.message !== f.message) return false;
  if (e.suppressed !== undefined && e.suppressed !== Boolean(f.suppressed)) return false;
  if (e.location !== undefined && JSON.stringify(e.location) !== JSON.stringify(f.location)) return false;
  if (e.actions !== undefined) {
    if (e.actions.length !== f.actions.length) return false;
    return e.actions.every((ea, i) => ea.type === f.actions[i].type && (ea.target === undefined || ea.target === f.actions[i].target) && (ea.status === undefined || ea.status === f.actions[i].status));
  }
  return true;
}
