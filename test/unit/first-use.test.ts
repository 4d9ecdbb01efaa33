// The rough edges a first user hit (issue 23, "Smaller"), each with the behaviour it has now: the report format
// from the -o extension, JUnit failures at --fail-on (reports.test.ts), --only typos, baseline writing, config
// errors naming a schema the user has, a missing --commit-msg file, the uncommitted message's label, hook
// install's text, i18n with no locale file, one "no findings" per clean commit, message placeholders with no
// value, long messages.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderMessage } from '../../src/engine/evaluate.js';
import { validateRule } from '../../src/engine/load.js';
import { renderText } from '../../src/report/text.js';
import { buildReport } from '../../src/scan.js';
import { BIN, cli, tempDir } from '../helpers/cli.js';
import { fakeToken } from '../helpers/fake-secrets.js';
import { gitRepo } from '../helpers/local.js';
import { precommitRepo } from '../helpers/precommit-repo.js';
import { sarifValidator } from '../helpers/schemas.js';
import { rmSync } from 'node:fs';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A repository whose one unpushed commit adds a key: `scan` finds a critical secret-in-diff. */
function repoWithKey(): string {
  const dir = gitRepo();
  writeFileSync(join(dir, 'settings.py'), `KEY = "${fakeToken('anthropic-api-key', 41)}"\n`);
  execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-qam', 'settings', '--allow-empty'], { cwd: dir });
  execFileSync('git', ['add', 'settings.py'], { cwd: dir });
  execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-qm', 'add settings'], { cwd: dir });
  return dir;
}

describe('-o without --format', () => {
  it('takes the format from the extension: x.sarif is SARIF 2.1.0, .json json, .xml JUnit, .md Markdown; --format still wins', () => {
    const dir = gitRepo();
    const r = cli(['scan', '--no-paperclip', '-o', 'x.sarif'], { cwd: dir });
    expect(r.stderr).toContain('sarif report written to x.sarif');
    const sarif = JSON.parse(readFileSync(join(dir, 'x.sarif'), 'utf8'));
    const validate = sarifValidator();
    expect(validate(sarif), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    cli(['scan', '--no-paperclip', '-o', 'r.json'], { cwd: dir });
    expect(JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')).version).toBe(1);
    cli(['scan', '--no-paperclip', '-o', 'r.xml'], { cwd: dir });
    expect(readFileSync(join(dir, 'r.xml'), 'utf8')).toMatch(/^<\?xml/);
    cli(['scan', '--no-paperclip', '-o', 'r.md'], { cwd: dir });
    expect(readFileSync(join(dir, 'r.md'), 'utf8')).toMatch(/^## clipguard/);
    cli(['scan', '--no-paperclip', '-o', 'y.sarif', '--format', 'text'], { cwd: dir });
    expect(readFileSync(join(dir, 'y.sarif'), 'utf8')).toMatch(/^WARNING/);
    cli(['scan', '--no-paperclip', '-o', 'report.out'], { cwd: dir });
    expect(readFileSync(join(dir, 'report.out'), 'utf8')).toMatch(/^WARNING/);
  });
});

describe('--only with a typo', () => {
  it('names each selector that matches no rule with the nearest ids, areas or tags (exit 2)', () => {
    const dir = gitRepo();
    const typo = cli(['scan', '--no-paperclip', '--only', 'secuirty'], { cwd: dir });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('clipguard: --only: no rule matches "secuirty" (did you mean "security"?)');
    expect(typo.stderr).not.toContain('rule: only:');
    const id = cli(['scan', '--no-paperclip', '--only', 'ops/idle-agent-backlg'], { cwd: dir });
    expect(id.stderr).toContain('(did you mean "ops/idle-agent-backlog"?)');
    // One good selector does not hide a misspelt one next to it.
    const mixed = cli(['scan', '--no-paperclip', '--only', 'git', 'secuirty'], { cwd: dir });
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain('"secuirty"');
    expect(cli(['scan', '--no-paperclip', '--only', 'zzzzzzzz'], { cwd: dir }).stderr).toMatch(/no rule matches "zzzzzzzz"; give a rule id/);
  });
});

describe('writing a baseline', () => {
  it('scan --write-baseline confirms the file and exits 0 with a critical finding; the next scan with it exits 0', () => {
    const dir = repoWithKey();
    const w = cli(['scan', '--no-paperclip', '--write-baseline', 'base.json'], { cwd: dir });
    expect(w.stdout).toContain('security/secret-in-diff');
    expect(w.stderr).toMatch(/clipguard: baseline written to base\.json \(\d+ finding\(s\) recorded\)/);
    expect(w.code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'base.json'), 'utf8')).fingerprints.length).toBeGreaterThan(0);
    expect(cli(['scan', '--no-paperclip', '--baseline', 'base.json'], { cwd: dir }).code).toBe(0);
  });

  it('precommit --write-baseline does not say "commit blocked" and exits 0', () => {
    const { dir, stage } = precommitRepo('clipguard-first-', dirs);
    stage('app.py', `KEY = "${fakeToken('anthropic-api-key', 42)}"\n`);
    const r = cli(['precommit', '--write-baseline', '.clipguard-precommit-baseline.json'], { cwd: dir });
    expect(r.stderr).not.toContain('commit blocked');
    expect(r.stderr).toContain('baseline written to .clipguard-precommit-baseline.json (1 finding(s) recorded)');
    expect(r.code).toBe(0);
    expect(cli(['precommit', '--baseline', '.clipguard-precommit-baseline.json'], { cwd: dir }).code).toBe(0);
    expect(cli(['precommit'], { cwd: dir }).code).toBe(1);
  });

  it('is never written through a symbolic link a checkout planted (exit 2, the target untouched)', () => {
    const dir = repoWithKey();
    const target = join(tempDir(), 'bashrc');
    writeFileSync(target, 'keep me\n');
    symlinkSync(target, join(dir, 'base.json'));
    const r = cli(['scan', '--no-paperclip', '--write-baseline', 'base.json'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('base.json: is a symbolic link');
    expect(r.stderr).toContain('--write-baseline');
    expect(readFileSync(target, 'utf8')).toBe('keep me\n');
  });
});

describe('a config error', () => {
  it('points at the schema file the installed clipguard ships, which exists', () => {
    const dir = gitRepo();
    writeFileSync(join(dir, 'clipguard.config.json'), JSON.stringify({ paperclip: { urll: 'http://x' } }));
    const r = cli(['scan', '--no-paperclip'], { cwd: dir });
    expect(r.code).toBe(2);
    const schema = /\(schema: ([^)]+)\)/.exec(r.stderr)?.[1];
    expect(schema, r.stderr).toMatch(/schema\/config\.schema\.json$/);
    expect(existsSync(schema!)).toBe(true);
    expect(r.stderr).not.toContain('(see schema/config.schema.json)');
  });
});

describe('precommit --commit-msg', () => {
  it('a message file that does not exist is exit 2 naming it, not "unexpected error: ENOENT"', () => {
    const r = cli(['precommit', '--commit-msg', 'no-such-msg'], { cwd: gitRepo() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('clipguard: no-such-msg: cannot read the commit message (no such file)');
    expect(r.stderr).not.toMatch(/unexpected error|ENOENT/);
  });

  it('the message being committed is labelled "(uncommitted)", not "commit-mes"', () => {
    const dir = gitRepo();
    writeFileSync(join(dir, 'MSG'), `add thing\n\ntoken ${fakeToken('anthropic-api-key', 43)}\n`);
    const r = cli(['precommit', '--commit-msg', 'MSG'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('commit (uncommitted) add thing');
    expect(r.stdout).toContain('in the message of commit (uncommitted) "add thing"');
    expect(r.stdout).not.toMatch(/commit commit-mes|commit commit-messa/);
  });
});

describe('hook install', () => {
  it('prints what it did as text, JSON only with --format json; a clean commit prints "no findings" once', () => {
    const dir = gitRepo();
    const cmd = `"${process.execPath}" "${BIN}"`;
    const r = cli(['hook', 'install', '--command', cmd], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^pre-commit: installed \(.*pre-commit\)\ncommit-msg: installed \(.*commit-msg\)\n/);
    expect(() => JSON.parse(r.stdout)).toThrow();
    const again = cli(['hook', 'install', '--command', cmd, '--format', 'json'], { cwd: dir });
    expect(JSON.parse(again.stdout).hooks.map((h: { action: string }) => h.action)).toEqual(['unchanged', 'unchanged']);

    writeFileSync(join(dir, 'notes.txt'), 'ok\n');
    execFileSync('git', ['add', 'notes.txt'], { cwd: dir });
    const commit = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'add notes'], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(commit.status, commit.stderr).toBe(0);
    expect((commit.stdout + commit.stderr).match(/no findings/g)).toHaveLength(1);

    const un = cli(['hook', 'uninstall'], { cwd: dir });
    expect(un.stdout).toMatch(/^pre-commit: removed .*\ncommit-msg: removed /);
  });
});

describe('i18n with no zh locale file', () => {
  it('says in the text output that no file has a locale, and how to give one', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'loc'));
    writeFileSync(join(dir, 'loc', 'x.json'), '{"a":"说"}');
    const r = cli(['i18n', 'loc/x.json'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('clipguard i18n: no zh locale file found in loc/x.json (skipped loc/x.json (no zh locale in its path))');
    expect(r.stderr).toContain('--locale');
    const dirOnly = cli(['i18n', 'loc'], { cwd: dir });
    expect(dirOnly.stderr).toContain('no zh locale file found in loc.');
    const json = cli(['i18n', 'loc/x.json', '--format', 'json'], { cwd: dir });
    expect(json.stderr).toBe('');
    expect(JSON.parse(json.stdout).sources[0].detail).toContain('no zh locale in its path');
    const given = cli(['i18n', 'loc/x.json', '--locale', 'zh-TW'], { cwd: dir });
    expect(given.stderr).toBe('');
    expect(given.stdout).toContain('i18n/simplified-in-hant');
  });
});

describe('message placeholders with no value', () => {
  it('{{path | text}} reads the text when the fact is absent, null or empty; a value wins', () => {
    const t = '{{agent.name}} is in error ({{agent.errorReason | no reason recorded}})';
    expect(renderMessage(t, { agent: { name: 'Carol', errorReason: null } })).toBe('Carol is in error (no reason recorded)');
    expect(renderMessage(t, { agent: { name: 'Carol' } })).toBe('Carol is in error (no reason recorded)');
    expect(renderMessage(t, { agent: { name: 'Carol', errorReason: '' } })).toBe('Carol is in error (no reason recorded)');
    expect(renderMessage(t, { agent: { name: 'Carol', errorReason: 'adapter_failed' } })).toBe('Carol is in error (adapter_failed)');
    expect(renderMessage('n={{agent.n | 0}}', { agent: { n: 0 } })).toBe('n=0');
  });

  it('the validator checks the path before the bar', () => {
    const rule = (message: string) => ({ id: 'x/y', title: 'T', severity: 'warning', subject: 'agent', description: 'd', remediation: 'r', tags: [], message, conditions: { all: [{ fact: 'agent', path: '$.status', operator: 'equal', value: 'error' }] } });
    expect(validateRule(rule('{{agent.errorReason | none}}'), 'r.json')).toEqual([]);
    const bad = validateRule(rule('{{agent.nmae | none}}'), 'r.json');
    expect(bad.map((p) => p.message).join()).toContain('did you mean "name"');
  });
});

describe('long messages', () => {
  it('the text report prints a finding message of 1,500 characters whole', () => {
    const message = 'x'.repeat(1500);
    const report = buildReport({ startedAt: new Date(0), finishedAt: new Date(0), mode: 'dry-run', sources: [], failOn: 'error', findings: [{ ruleId: 'a/b', severity: 'warning', title: 'T', message, subject: { type: 'agent', id: 'a', label: 'A' }, location: null, fingerprint: 'f'.repeat(32), tags: [], actions: [] }] });
    expect(renderText(report, { color: false })).toContain(`    ${message}\n`);
  });
});
