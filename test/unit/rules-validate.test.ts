import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRulePacks, validateRule } from '../../src/engine/load.js';
import { resolvePath, parsePath } from '../../src/engine/jsonpath.js';
import { cli, tempDir } from '../helpers/cli.js';

const good = {
  id: 'team/idle',
  title: 'Idle agent',
  severity: 'warning',
  subject: 'agent',
  description: 'd',
  remediation: 'r',
  tags: ['ops'],
  conditions: { all: [{ fact: 'agent', path: '$.status', operator: 'equal', value: 'idle' }] },
};

function packWith(name: string, content: unknown | string): string {
  const dir = tempDir();
  mkdirSync(join(dir, 'team'));
  writeFileSync(join(dir, 'team', name), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return dir;
}

describe('rules validate', () => {
  it('accepts the built-in pack', () => {
    const { rules, problems } = loadRulePacks([]);
    expect(problems).toEqual([]);
    expect(rules.length).toBeGreaterThanOrEqual(20);
  });

  it('accepts a valid rule and exits 0', () => {
    const r = cli(['rules', 'validate', packWith('idle.json', good)]);
    expect(r.stdout).toContain('1 rule(s) valid');
    expect(r.code).toBe(0);
  });

  it('rejects a mistyped path, naming file, rule, field and the nearest field', () => {
    const dir = packWith('idle.json', { ...good, conditions: { all: [{ fact: 'agent', path: '$.stauts', operator: 'equal', value: 'idle' }] } });
    const r = cli(['rules', 'validate', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/team\/idle\.json:\d+: rule "team\/idle": conditions\.all\[0\]\.path: path "\$\.stauts" cannot match fact "agent": \$ has no field "stauts" \(did you mean "status"\?\)/);
  });

  it('rejects a path into a nested field that does not exist', () => {
    const ps = validateRule({ ...good, conditions: { all: [{ fact: 'agent', path: '$.runtimeConfig.heartbeat.intervalSecs', operator: 'equal', value: 900 }] } }, 'x.json');
    expect(ps[0].message).toContain('$.runtimeConfig.heartbeat has no field "intervalSecs" (did you mean "intervalSec"?)');
  });

  it('rejects an unknown operator', () => {
    const r = cli(['rules', 'validate', packWith('idle.json', { ...good, conditions: { all: [{ fact: 'agent', path: '$.status', operator: 'equals', value: 'idle' }] } })]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('conditions.all[0].operator: unknown operator "equals"');
  });

  it('rejects an unknown subject with a suggestion', () => {
    const r = cli(['rules', 'validate', packWith('idle.json', { ...good, subject: 'agnet' })]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('rule "team/idle": subject: unknown subject "agnet" (did you mean "agent"?)');
  });

  it('rejects an unknown fact for the subject', () => {
    const ps = validateRule({ ...good, conditions: { all: [{ fact: 'assignableIssue', path: '$.length', operator: 'greaterThan', value: 0 }] } }, 'x.json');
    expect(ps.map((p) => p.message).join()).toContain('unknown fact "assignableIssue" for subject "agent" (did you mean "assignableIssues"?)');
  });

  it('rejects an unknown action type', () => {
    const ps = validateRule({ ...good, action: { type: 'chekout' } }, 'x.json');
    expect(ps.map((p) => `${p.field}: ${p.message}`).join()).toContain('action.type: unknown action type "chekout" (did you mean "checkout"?)');
  });

  it('rejects invalid JSON with file:line:column', () => {
    const r = cli(['rules', 'validate', packWith('broken.json', '{\n  "id": "team/x",\n  "title": "x",\n}\n')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/team\/broken\.json.*invalid JSON/);
  });

  it('rejects a JSONPath filter or script: rule files can never run code', () => {
    for (const path of ['$..[?(@.constructor.constructor("return process")())]', '$.status.(process.exit())', '$..status', '$[*].id']) {
      const ps = validateRule({ ...good, conditions: { all: [{ fact: 'agent', path, operator: 'equal', value: 1 }] } }, 'x.json');
      expect(ps.length, path).toBeGreaterThan(0);
      expect(ps[0].field).toContain('path');
      expect(() => resolvePath({}, path)).toThrow();
    }
  });

  it('resolves the supported path subset', () => {
    const v = { a: { b: [{ c: 1 }, { c: 2 }] }, s: 'abc' };
    expect(resolvePath(v, '$.a.b[1].c')).toBe(2);
    expect(resolvePath(v, '$.a.b.length')).toBe(2);
    expect(resolvePath(v, "$['a'].b[-1].c")).toBe(2);
    expect(resolvePath(v, '$.s.length')).toBe(3);
    expect(resolvePath(v, '$.missing.x')).toBeUndefined();
    expect(resolvePath({ ['__proto__']: 1 }, '$.constructor')).toBeUndefined();
    expect(parsePath('$')).toEqual([]);
  });

  it('reports duplicate ids across packs', () => {
    const a = packWith('idle.json', good);
    const b = packWith('idle.json', good);
    const { problems } = loadRulePacks([a, b], { builtin: false });
    expect(problems).toHaveLength(1);
    expect(problems[0].message).toContain('duplicate rule id');
  });

  it('checks {{item.x}} against the items of `each`: `field` exists for ticket matches, not for diff matches', () => {
    const onDiff = { ...good, id: 'team/diff-key', subject: 'diff', each: 'secrets', message: '{{item.kind}} in {{item.field}}', conditions: { all: [{ fact: 'secrets', path: '$.length', operator: 'greaterThan', value: 0 }] } };
    const bad = validateRule(onDiff, 'x.json');
    expect(bad.map((p) => `${p.field}: ${p.message}`)).toEqual([expect.stringMatching(/^message: placeholder \{\{item\.field\}\}: .*field/)]);
    expect(validateRule({ ...onDiff, message: '{{item.kind}} at line {{item.line}} of {{diff.path}}' }, 'x.json')).toEqual([]);
    expect(validateRule({ ...onDiff, subject: 'comment' }, 'x.json')).toEqual([]);
    const r = cli(['rules', 'validate', packWith('diff-key.json', onDiff)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('{{item.field}}');
  });
});
