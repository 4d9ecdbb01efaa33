// What a scan reads follows from the subjects of the selected rules (src/sources/needs.ts): a custom rule whose
// tags and id say nothing about git or i18n still gets its subjects, so no rule can validate and then be
// skipped by source selection.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRulePacks } from '../../src/engine/load.js';
import { activateRules } from '../../src/engine/evaluate.js';
import { sourceKindsOf, sourceNeeds, type SourceNeeds } from '../../src/sources/needs.js';
import { SUBJECT_TYPES, type SubjectType } from '../../src/types.js';
import { BUILTIN_RULES_DIR } from '../../src/engine/load.js';
import { cli } from '../helpers/cli.js';
import { gitRepo } from '../helpers/local.js';

/** Which read produces each subject type (readSources): the contract sourceNeeds must honour. */
const PRODUCER: Record<Exclude<SubjectType, 'source'>, keyof SourceNeeds> = {
  company: 'paperclip',
  agent: 'paperclip',
  issue: 'paperclip',
  comment: 'comments',
  run: 'runLogs',
  routine: 'routines',
  commit: 'secrets',
  diff: 'secrets',
  file: 'locales',
};

describe('source selection follows the rules', () => {
  it('every built-in rule, selected alone, makes the scan read what produces its subjects', () => {
    const { rules } = loadRulePacks([BUILTIN_RULES_DIR]);
    expect(rules.length).toBeGreaterThan(20);
    for (const rule of rules) {
      const needs = sourceNeeds(activateRules([rule], {}, [rule.id]));
      if (rule.subject === 'source') {
        const kinds = sourceKindsOf(rule.conditions);
        expect(kinds.length, rule.id).toBeGreaterThan(0);
        for (const k of kinds) expect(needs[k === 'paperclip' ? 'paperclip' : k === 'git' ? 'git' : 'deploy'], rule.id).toBe(true);
      } else {
        expect(needs[PRODUCER[rule.subject]], rule.id).toBe(true);
      }
    }
    expect(Object.keys(PRODUCER).length).toBe(SUBJECT_TYPES.length - 1);
  });

  it('a source rule with no kind test, or one under `any`, needs every source', () => {
    expect(sourceKindsOf({ all: [{ fact: 'source', path: '$.status', operator: 'equal', value: 'unavailable' }] })).toEqual(['paperclip', 'git', 'deploy']);
    expect(sourceKindsOf({ any: [{ fact: 'source', path: '$.kind', operator: 'equal', value: 'git' }, { fact: 'source', path: '$.kind', operator: 'equal', value: 'deploy' }] })).toEqual(['paperclip', 'git', 'deploy']);
    expect(sourceKindsOf({ all: [{ all: [{ fact: 'source', path: '$.kind', operator: 'equal', value: 'deploy' }] }] })).toEqual(['deploy']);
  });

  it('custom rules tagged only "custom" on commit, diff and file subjects fire in a real repository', () => {
    const repo = gitRepo();
    mkdirSync(join(repo, 'locales'));
    writeFileSync(join(repo, 'locales', 'zh-TW.json'), JSON.stringify({ save: '儲存' }));
    writeFileSync(join(repo, 'notes.txt'), 'plain text\n');
    const git = (...a: string[]) => execFileSync('git', a, { cwd: repo, stdio: 'pipe' });
    git('add', '.');
    git('-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-qm', 'add notes and a locale');
    const pack = join(repo, 'custom-pack');
    mkdirSync(join(pack, 'team'), { recursive: true });
    for (const subject of ['commit', 'diff', 'file'] as const) {
      writeFileSync(
        join(pack, 'team', `any-${subject}.json`),
        JSON.stringify({
          id: `team/any-${subject}`,
          title: `Any ${subject}`,
          severity: 'warning',
          subject,
          tags: ['custom'],
          description: `Fires on every ${subject} subject.`,
          remediation: 'None: a test rule.',
          message: `a ${subject}`,
          conditions: { all: [{ fact: 'subject', path: '$.type', operator: 'equal', value: subject }] },
        }),
      );
    }
    const r = cli(['scan', '--no-paperclip', '--rules', pack, '--only', 'custom', '--format', 'json'], { cwd: repo });
    expect(r.stderr).toBe('');
    const fired = new Set((JSON.parse(r.stdout).findings as { ruleId: string }[]).map((f) => f.ruleId));
    expect([...fired].sort()).toEqual(['team/any-commit', 'team/any-diff', 'team/any-file']);
    expect(r.code).toBe(0);
  });

  it('run logs are read only for a rule on runs, as many as its maxRunsPerScan asks; wake comments only for a rule on the loop or selfWake fact', () => {
    const { rules } = loadRulePacks([BUILTIN_RULES_DIR]);
    const rule = (id: string) => rules.find((r) => r.id === id)!;
    const needsOf = (ids: string[], overrides: Record<string, unknown> = {}) => sourceNeeds(activateRules(ids.map(rule), overrides as never, ids));
    expect(needsOf(['security/secret-in-run-log'])).toMatchObject({ paperclip: true, runLogs: true, runLogRuns: 100, wakeComments: false, comments: false });
    expect(needsOf(['security/secret-in-run-log'], { 'security/secret-in-run-log': { params: { maxRunsPerScan: 7 } } }).runLogRuns).toBe(7);
    expect(needsOf(['security/secret-in-comment', 'ops/idle-agent-backlog'])).toMatchObject({ runLogs: false, wakeComments: false });
    expect(needsOf(['ops/agent-looping'])).toMatchObject({ runLogs: false, wakeComments: true });
    expect(needsOf(['ops/agent-self-wake-runaway'])).toMatchObject({ runLogs: false, wakeComments: true });
  });
});
