// Loading rule packs: every file is validated before json-rules-engine sees it, with errors that name the
// file, the rule id and the bad field, because json-rules-engine itself silently accepts a mistyped path,
// fact or operator and the rule then never fires.

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join, relative, sep } from 'node:path';
import { validatorFor } from '../util/validators.js';
import { GENERATED_DIR, PACKAGE_ROOT } from '../paths.js';
import { ACTION_TYPES, SUBJECT_TYPES, type SubjectType } from '../types.js';
import { lineOfKey, parseJsonText } from '../util/json-file.js';
import { checkPathAgainstShape, closest, type Shape } from './shape.js';
import { FACTS } from '../facts/index.js';
import { JsonPathError, parsePath } from './jsonpath.js';
import { isKnownOperator, MESSAGE_PLACEHOLDER, splitPlaceholder, type Condition, type ConditionLeaf, type LoadedRule, type RuleDef } from './rule.js';
import { byCodeUnits } from '../util/compare.js';

export interface RuleProblem {
  file: string;
  ruleId: string | null;
  field: string;
  message: string;
  line?: number;
}

export function formatProblem(p: RuleProblem): string {
  return `${p.file}${p.line ? `:${p.line}` : ''}: ${p.ruleId ? `rule "${p.ruleId}"` : 'rule'}: ${p.field}: ${p.message}`;
}

export class RulePackError extends Error {
  constructor(readonly problems: RuleProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'RulePackError';
  }
}


export const BUILTIN_RULES_DIR = join(PACKAGE_ROOT, 'rules');

/**
 * A pack's rule-test fixtures live in `<pack>/fixtures/<rule-id>/*.json` (see rule-tests.ts): JSON files that
 * are cases, not rules. A folder with this name is never read as rules, at any depth of a pack.
 */
export const FIXTURES_DIR_NAME = 'fixtures';

/** All `*.json` rule files under a file or directory (sorted, so load order is stable); `fixtures/` folders are skipped. */
export function listRuleFiles(path: string): string[] {
  const st = statSync(path);
  if (st.isFile()) return [path];
  const out: string[] = [];
  const walk = (dir: string) => {
    // Entry types from the directory read itself: no stat per file (this runs in every pre-commit hook).
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => byCodeUnits(a.name, b.name))) {
      const p = join(dir, e.name);
      const isDir = e.isDirectory() || (e.isSymbolicLink() && statSync(p).isDirectory());
      if (isDir) {
        if (e.name !== FIXTURES_DIR_NAME) walk(p);
      }
      else if (e.name.endsWith('.json')) out.push(p);
    }
  };
  walk(path);
  return out;
}

/** Validate one parsed rule; returns its problems (empty when valid). */
export function validateRule(raw: unknown, file: string, text = ''): RuleProblem[] {
  const ruleId = raw && typeof raw === 'object' && typeof (raw as { id?: unknown }).id === 'string' ? (raw as { id: string }).id : null;
  const problems: RuleProblem[] = [];
  const add = (field: string, message: string, key?: string) => problems.push({ file, ruleId, field, message, line: lineOfKey(text, key ?? field.split(/[./[\]]/).filter(Boolean).pop()) });

  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    return [{ file, ruleId, field: '(root)', message: 'a rule file must hold one JSON object' }];
  }
  const r = raw as Record<string, unknown>;
  // Semantic checks first for the fields with the most useful messages; the schema catches the rest.
  if (typeof r.subject === 'string' && !(SUBJECT_TYPES as readonly string[]).includes(r.subject)) {
    const hint = closest(r.subject, [...SUBJECT_TYPES]);
    add('subject', `unknown subject "${r.subject}"${hint ? ` (did you mean "${hint}"?)` : ''}; one of: ${SUBJECT_TYPES.join(', ')}`);
  }
  const listed = Array.isArray(r.actions) ? (r.actions as unknown[]).map((a, i) => [`actions.${i}`, a] as const) : [];
  const declared = r.action !== undefined ? [['action', r.action] as const, ...listed] : listed;
  if (r.action !== undefined && r.actions !== undefined) add('actions', 'a rule has either one "action" or a list of "actions", not both');
  const seenTypes = new Set<string>();
  for (const [where, a] of declared) {
    const type = a && typeof a === 'object' ? (a as { type?: unknown }).type : undefined;
    if (typeof type !== 'string') continue;
    if (!(ACTION_TYPES as readonly string[]).includes(type)) {
      const hint = closest(type, [...ACTION_TYPES]);
      add(`${where}.type`, `unknown action type "${type}"${hint ? ` (did you mean "${hint}"?)` : ''}; one of: ${ACTION_TYPES.join(', ')}`, 'type');
    }
    // Overrides name an action by its type (rules.overrides[id].actions.<type>): two of one type would be one.
    if (seenTypes.has(type)) add(`${where}.type`, `action type "${type}" is listed twice`, 'type');
    seenTypes.add(type);
    // A flag is a comment on the issue that holds the secret: only issue and comment subjects have one.
    if (type === 'flag' && r.subject !== 'issue' && r.subject !== 'comment' && r.subject !== 'run') add(`${where}.type`, `the flag action comments on the issue that holds the finding (a run's: the issue it ran on): subject must be issue, comment or run, not "${String(r.subject)}"`, 'type');
    // It pauses the routine the finding is about: only routine subjects have one.
    if (type === 'disable-routine' && r.subject !== 'routine') add(`${where}.type`, `the disable-routine action pauses the routine the finding is about: subject must be routine, not "${String(r.subject)}"`, 'type');
  }
  const validateSchema = validatorFor('rule');
  if (!validateSchema(raw)) {
    for (const e of validateSchema.errors ?? []) {
      const field = (e.instancePath || '/').replace(/^\//, '').replace(/\//g, '.') || '(root)';
      if ((field === 'subject' || /^action(s\.\d+)?\.type$/.test(field)) && problems.some((p) => p.field === field)) continue;
      // oneOf errors on conditions are noisy; the semantic walk below explains them precisely.
      if (field.startsWith('conditions') && (e.keyword === 'oneOf' || e.keyword === 'required' || e.keyword === 'additionalProperties')) continue;
      const extra = e.keyword === 'additionalProperties' ? ` "${(e.params as { additionalProperty: string }).additionalProperty}"` : e.keyword === 'enum' ? `: ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}` : '';
      add(field, `${e.message}${extra}`);
    }
  }
  const subject = r.subject as SubjectType;
  const facts = FACTS[subject];
  if (facts && r.conditions && typeof r.conditions === 'object') {
    walkConditions(r.conditions as Condition, 'conditions', (leaf, where) => checkLeaf(leaf, where, facts, subject, add));
  }
  // The shape of one `item` of `each` (null when `each` is absent or wrong: that is reported once, below).
  let itemShape: Shape | null = null;
  if (facts && typeof r.each === 'string') {
    const [head, ...rest] = r.each.split('.');
    const shape = facts[head];
    if (!shape) add('each', `unknown fact "${head}" for subject "${subject}"; facts: ${Object.keys(facts).join(', ')}`);
    else {
      const err = checkPathAgainstShape(shape, rest.map((name) => ({ kind: 'prop' as const, name })));
      const leaf = rest.reduce<Shape | undefined>((s, n) => (s && typeof s === 'object' && s.kind === 'object' ? s.props[n] : undefined), shape);
      if (err) add('each', err);
      else if (!(leaf && typeof leaf === 'object' && leaf.kind === 'array')) add('each', `"${r.each}" is not an array fact`);
      else itemShape = leaf.items;
    }
  }
  const sev = r.severityFrom as { fact?: string; path?: string } | undefined;
  if (facts && sev && typeof sev.fact === 'string') {
    const shape = facts[sev.fact];
    if (!shape) add('severityFrom.fact', `unknown fact "${sev.fact}" for subject "${subject}"`);
    else if (typeof sev.path === 'string') {
      try {
        const err = checkPathAgainstShape(shape, parsePath(sev.path).map((s) => (s.kind === 'prop' ? { kind: 'prop' as const, name: s.name } : { kind: 'index' as const })));
        if (err) add('severityFrom.path', err);
      } catch (e) {
        add('severityFrom.path', (e as Error).message);
      }
    }
  }
  if (facts && typeof r.message === 'string') {
    for (const m of r.message.matchAll(MESSAGE_PLACEHOLDER)) {
      let segs;
      try {
        segs = parsePath('$.' + splitPlaceholder(m[1]).path);
      } catch (e) {
        add('message', `placeholder {{${m[1]}}}: ${(e as Error).message}`);
        continue;
      }
      const head = segs[0]?.kind === 'prop' ? segs[0].name : '';
      // {{item.x}} is checked against the items of `each`: a field the subject's matches never have would
      // validate and then print "?" in every message.
      if (head === 'item' && typeof r.each === 'string' && !itemShape) continue;
      const shape = head === 'item' && itemShape ? itemShape : facts[head];
      if (!shape) {
        add('message', `placeholder {{${m[1]}}} names unknown fact "${head}"`);
        continue;
      }
      const err = checkPathAgainstShape(shape, segs.slice(1).map((s) => (s.kind === 'prop' ? { kind: 'prop' as const, name: s.name } : { kind: 'index' as const })));
      if (err) add('message', `placeholder {{${m[1]}}}: ${err}`);
    }
  }
  return problems;
}

function walkConditions(c: Condition, where: string, visit: (leaf: ConditionLeaf, where: string) => void): void {
  if (!c || typeof c !== 'object') return;
  if ('all' in c && Array.isArray(c.all)) c.all.forEach((x, i) => walkConditions(x, `${where}.all[${i}]`, visit));
  else if ('any' in c && Array.isArray(c.any)) c.any.forEach((x, i) => walkConditions(x, `${where}.any[${i}]`, visit));
  else if ('not' in c) walkConditions(c.not, `${where}.not`, visit);
  else visit(c as ConditionLeaf, where);
}

function checkLeaf(
  leaf: ConditionLeaf,
  where: string,
  facts: Record<string, Shape>,
  subject: string,
  add: (field: string, message: string, key?: string) => void,
): void {
  if ('condition' in (leaf as object)) {
    add(where, 'shared condition references ("condition") are not supported; inline the condition', 'condition');
    return;
  }
  if (typeof leaf.fact !== 'string') {
    add(where, 'a condition needs "fact", "operator" and "value" (or "all"/"any"/"not")');
    return;
  }
  const checkRef = (fact: string, path: string | undefined, field: string) => {
    const shape = facts[fact];
    if (!shape) {
      const hint = closest(fact, Object.keys(facts));
      add(field, `unknown fact "${fact}" for subject "${subject}"${hint ? ` (did you mean "${hint}"?)` : ''}; facts: ${Object.keys(facts).join(', ')}`, 'fact');
      return;
    }
    if (path === undefined) return;
    try {
      const segs = parsePath(path);
      const err = checkPathAgainstShape(shape, segs.map((s) => (s.kind === 'prop' ? { kind: 'prop' as const, name: s.name } : { kind: 'index' as const })));
      if (err) add(`${field}.path`, `path "${path}" cannot match fact "${fact}": ${err}`, 'path');
    } catch (e) {
      if (e instanceof JsonPathError) add(`${field}.path`, e.message, 'path');
      else throw e;
    }
  };
  checkRef(leaf.fact, leaf.path, where);
  if (typeof leaf.operator !== 'string' || !isKnownOperator(leaf.operator)) {
    add(`${where}.operator`, `unknown operator "${String(leaf.operator)}"; use equal, notEqual, lessThan, lessThanInclusive, greaterThan, greaterThanInclusive, in, notIn, contains, doesNotContain (optionally with a someFact:/everyFact:/not: decorator)`, 'operator');
  }
  const v = leaf.value as { fact?: unknown; path?: unknown } | null;
  if (v && typeof v === 'object' && !Array.isArray(v) && typeof v.fact === 'string') {
    checkRef(v.fact, typeof v.path === 'string' ? v.path : undefined, `${where}.value`);
  }
}

export interface LoadResult {
  rules: LoadedRule[];
  problems: RuleProblem[];
  /** Ids of the rules left out, unvalidated, because `opts.select` did not select them. */
  unselected: string[];
}

/**
 * Load and validate rule files from paths (files or directories). Duplicated ids are problems.
 * `select` (id and tags as written) limits validation to the rules a run will evaluate: the pre-commit hook
 * runs one rule and need not check the other thirty on every commit (`scan` and `rules validate` do).
 */
/** The rules, those loaded from any of `packs` without their actions (packs an untrusted config file named: they report, they never act). */
export function withoutActionsFrom(rules: LoadedRule[], packs: string[]): LoadedRule[] {
  if (!packs.length) return rules;
  const from = (file: string) => packs.some((d) => file === d || file.startsWith(d.endsWith(sep) ? d : d + sep));
  return rules.map((r) => (from(r.file) ? { ...r, action: undefined, actions: undefined } : r));
}

let builtinSnapshot: Map<string, string> | null | undefined;

/**
 * The built-in rule files as `npm run build` validated them (scripts/write-schemas.mjs ->
 * dist/generated/builtin-rules.json: path as shown -> text), or null (not built: running from src/). A built-in
 * file whose text is still that text is not validated again: every command started paid for loading the
 * validators and checking rules the package ships, which cannot have changed. An edited one is validated.
 */
function validatedBuiltins(): Map<string, string> | null {
  if (builtinSnapshot === undefined) {
    try {
      const files = GENERATED_DIR ? (JSON.parse(readFileSync(join(GENERATED_DIR, 'builtin-rules.json'), 'utf8')) as { files: Record<string, string> }).files : null;
      builtinSnapshot = files ? new Map(Object.entries(files)) : null;
    } catch {
      builtinSnapshot = null;
    }
  }
  return builtinSnapshot;
}

export function loadRulePacks(paths: string[], opts: { builtin?: boolean; select?: (id: string, tags: string[]) => boolean } = {}): LoadResult {
  const unselected: string[] = [];
  const all = [...(opts.builtin === false ? [] : [BUILTIN_RULES_DIR]), ...paths];
  const rules: LoadedRule[] = [];
  const problems: RuleProblem[] = [];
  const seen = new Map<string, string>();
  for (const packPath of all) {
    let files: string[];
    try {
      files = listRuleFiles(packPath);
    } catch (e) {
      problems.push({ file: packPath, ruleId: null, field: '(file)', message: `cannot read rule pack: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
      continue;
    }
    const pack = packPath === BUILTIN_RULES_DIR ? 'builtin' : basename(packPath);
    for (const file of files) {
      const shown = packPath === BUILTIN_RULES_DIR ? join('rules', relative(BUILTIN_RULES_DIR, file)) : file;
      let text: string;
      let raw: unknown;
      try {
        text = readFileSync(file, 'utf8');
        raw = parseJsonText(text, shown);
      } catch (e) {
        const ue = e as { line?: number; message: string };
        problems.push({ file: shown, ruleId: null, field: '(file)', message: ue.message.replace(`${shown}${ue.line ? `:${ue.line}` : ''}`, '').replace(/^:\d+:\s*|^:\s*/, ''), line: ue.line });
        continue;
      }
      const id = (raw as { id?: unknown } | null)?.id;
      const tags = (raw as { tags?: unknown } | null)?.tags;
      if (opts.select && typeof id === 'string' && !opts.select(id, Array.isArray(tags) ? tags.filter((t): t is string => typeof t === 'string') : [])) {
        unselected.push(id);
        continue;
      }
      const unchanged = packPath === BUILTIN_RULES_DIR && validatedBuiltins()?.get(shown) === text;
      const ps = unchanged ? [] : validateRule(raw, shown, text);
      if (ps.length) {
        problems.push(...ps);
        continue;
      }
      const def = raw as RuleDef;
      const prev = seen.get(def.id);
      if (prev) {
        problems.push({ file: shown, ruleId: def.id, field: 'id', message: `duplicate rule id, already defined in ${prev}`, line: lineOfKey(text, 'id') });
        continue;
      }
      seen.set(def.id, shown);
      rules.push({ ...def, file: shown, pack });
    }
  }
  return { rules, problems, unselected };
}
