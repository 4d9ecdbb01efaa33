// What the builders put in each fact is what the fact families declare (src/facts): the rule validator accepts
// a path by the declared shape, so a declared field no builder fills would validate and then read `undefined`
// (a rule that never fires, a message with "?"), and a built field not declared could not be used at all.
// Checked over the subjects of every rule fixture (Paperclip snapshots, commits, diffs, locale files, sources).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Shape } from '../../src/engine/shape.js';
import { FACT_FAMILIES, FACT_PARAM_DEFAULTS, FACTS } from '../../src/facts/index.js';
import { agentShape, commentShape, companyShape, issueShape } from '../../src/facts/record-shapes.js';
import { healthShape } from '../../src/facts/source.js';
import { loadConfig } from '../../src/config/load.js';
import { subjectsFromInput, type FixtureCase } from '../../src/rule-tests.js';
import { SUBJECT_TYPES, type Subject } from '../../src/types.js';

const ROOT = resolve(import.meta.dirname, '../..');
const files = (d: string): string[] => readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? files(join(d, n)) : n.endsWith('.json') ? [join(d, n)] : []));
// Records pass through from the server: the fields they list need not all be there (the server omits what was never set).
const RECORDS = new Set<Shape>([agentShape, commentShape, companyShape, issueShape, healthShape]);

/** Where `value` differs from `shape`: a wrong type, a declared field missing (outside records), a field not declared. */
function drift(value: unknown, shape: Shape, at: string, inRecord: boolean, out: string[]): void {
  if (shape === 'any') return;
  if (typeof shape === 'object' && shape.kind === 'nullable') {
    if (value !== null) drift(value, shape.of, at, inRecord, out);
    return;
  }
  if (typeof shape === 'object' && shape.kind === 'optional') {
    if (value !== undefined) drift(value, shape.of, at, inRecord, out);
    return;
  }
  if (typeof shape === 'string') {
    if (typeof value !== shape && !(inRecord && value == null)) out.push(`${at}: ${shape} declared, ${value === null ? 'null' : typeof value} built`);
    return;
  }
  if (shape.kind === 'array') {
    if (!Array.isArray(value)) return void (inRecord && value == null ? null : out.push(`${at}: array declared, ${typeof value} built`));
    value.forEach((v, k) => k < 20 && drift(v, shape.items, `${at}[]`, inRecord, out));
    return;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    if (!(inRecord && value == null)) out.push(`${at}: object declared, ${value === null ? 'null' : typeof value} built`);
    return;
  }
  const record = inRecord || RECORDS.has(shape);
  const v = value as Record<string, unknown>;
  for (const [k, s] of Object.entries(shape.props)) {
    if (!(k in v)) {
      if (!record && !(typeof s === 'object' && s.kind === 'optional')) out.push(`${at}.${k}: declared, never built`);
      continue;
    }
    drift(v[k], s, `${at}.${k}`, record, out);
  }
  // A record carries every field the server sends (loose); what clipguard builds carries what it declares.
  if (!record) for (const k of Object.keys(v)) if (!(k in shape.props)) out.push(`${at}.${k}: built, not declared`);
}

function fixtureSubjects(): { file: string; subjects: Subject[] }[] {
  const config = loadConfig(ROOT, { noConfigFile: true }, {});
  return files(join(ROOT, 'fixtures'))
    .filter((f) => f.includes('/fixtures/') && !f.includes('/fixtures/locales-real/'))
    .flatMap((file) => {
      let c: FixtureCase;
      try {
        c = JSON.parse(readFileSync(file, 'utf8')) as FixtureCase;
      } catch {
        return [];
      }
      if (!c || typeof c !== 'object' || !c.input || !Array.isArray(c.expect)) return [];
      return [{ file: file.slice(ROOT.length + 1), subjects: subjectsFromInput(c.input, config, new Date(c.now ?? '2026-11-15T12:00:00Z')) }];
    });
}

describe('fact shapes and builders', () => {
  const cases = fixtureSubjects();

  it('reads the fixtures of every subject type that has rules', () => {
    const types = new Set(cases.flatMap((c) => c.subjects.map((s) => s.type)));
    expect([...types].sort()).toEqual([...SUBJECT_TYPES].sort());
  });

  it('every built fact is what its family declares, and nothing else is built', () => {
    const problems = new Set<string>();
    for (const { file, subjects } of cases) {
      for (const s of subjects) {
        const declared = FACTS[s.type];
        for (const [name, value] of Object.entries(s.facts)) {
          if (!(name in declared)) {
            problems.add(`${s.type}.${name}: built, not declared (${file})`);
            continue;
          }
          const out: string[] = [];
          drift(value, declared[name], `${s.type}.${name}`, false, out);
          for (const p of out) problems.add(p);
        }
      }
    }
    expect([...problems].sort()).toEqual([]);
  });

  it('every fact a family declares for a subject is built for it', () => {
    const built = new Set(cases.flatMap((c) => c.subjects.flatMap((s) => Object.keys(s.facts).map((f) => `${s.type}.${f}`))));
    const declared = Object.entries(FACTS).flatMap(([t, facts]) => Object.keys(facts).filter((f) => !['params', 'now', 'subject'].includes(f)).map((f) => `${t}.${f}`));
    expect(declared.filter((d) => !built.has(d))).toEqual([]);
  });

  it('the windows of every family with params are the defaults factParamsOf starts from', () => {
    const fromFamilies = Object.assign({}, ...FACT_FAMILIES.map((f) => f.params ?? {}));
    expect(FACT_PARAM_DEFAULTS).toEqual(fromFamilies);
  });
});
