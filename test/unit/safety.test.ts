// Nothing clipguard reads can make it run code or read outside the repository:
// - a rule pack is data: a malicious JSONPath is rejected by the validator and, even past it, never evaluated;
// - the exec action runs only commands named in the config, as argv (no shell), whatever a rule asks;
// - binary, huge, non-UTF-8 files are scanned from git's blobs, symlinks in a diff skipped with a note,
//   and a work-tree symlink pointing out of the repository is never followed.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Evaluator, activateRules, renderMessage } from '../../src/engine/evaluate.js';
import { JsonPathError } from '../../src/engine/jsonpath.js';
import { validateRule } from '../../src/engine/load.js';
import type { LoadedRule } from '../../src/engine/rule.js';
import { loadConfig } from '../../src/config/load.js';
import { runScan } from '../../src/scan.js';
import { cli, tempDir } from '../helpers/cli.js';
import { fakeSample } from '../helpers/fake-secrets.js';
import { writeTrustedConfig } from '../helpers/trust.js';

function gitRepo(): { dir: string; git: (...a: string[]) => string } {
  const dir = tempDir();
  const git = (...a: string[]) => execFileSync('git', a, { cwd: dir, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e.st', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e.st' } });
  git('init', '-q', '-b', 'main');
  return { dir, git };
}

function rulePack(dir: string, rule: Record<string, unknown>): string {
  const pack = join(dir, 'pack');
  mkdirSync(join(pack, 'team'), { recursive: true });
  writeFileSync(join(pack, 'team', 'rule.json'), JSON.stringify(rule, null, 2));
  return pack;
}

describe('rule packs cannot run code', () => {
  const canaryDir = tempDir();
  const canary = join(canaryDir, 'CANARY');
  const evil = [
    `$..[?(@.constructor.constructor('require("fs").writeFileSync("${canary}","x")')())]`,
    `$[?(@.constructor.constructor('require("fs").writeFileSync("${canary}","x")')())]`,
    `$.status[(require('fs').writeFileSync('${canary}','x'))]`,
    '$..*',
    '$.__proto__.polluted',
  ];
  const base = { id: 'team/evil', title: 't', severity: 'error', subject: 'agent', description: 'd', remediation: 'r', tags: [] };

  it('the validator rejects a script, filter or recursive path, in a condition, a value reference and severityFrom', () => {
    for (const path of evil.slice(0, 4)) {
      for (const rule of [
        { ...base, conditions: { all: [{ fact: 'agent', path, operator: 'equal', value: 'idle' }] } },
        { ...base, conditions: { all: [{ fact: 'agent', path: '$.status', operator: 'equal', value: { fact: 'agent', path } }] } },
        { ...base, conditions: { all: [{ fact: 'agent', path: '$.status', operator: 'equal', value: 'idle' }] }, severityFrom: { fact: 'agent', path, map: {} } },
      ]) {
        const problems = validateRule(rule, 'evil.json');
        expect(problems.map((p) => p.field).join(), path).toMatch(/path/);
      }
    }
  });

  it('scan --rules with such a pack exits 2 and runs nothing', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'clipguard.config.json'), '{"repos": []}');
    const pack = rulePack(dir, { ...base, conditions: { all: [{ fact: 'agent', path: evil[0], operator: 'equal', value: 'idle' }] } });
    const r = cli(['scan', '--no-paperclip', '--rules', pack], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/team\/rule\.json:\d+: rule "team\/evil": conditions\.all\[0\]\.path: (unsupported JSONPath syntax|expected a field name)/);
    expect(existsSync(canary)).toBe(false);
  });

  it('even past the validator, the engine resolves paths itself: a malicious path throws, is never evaluated', async () => {
    const subject = { type: 'agent' as const, id: 'a1', label: 'A', source: 'paperclip', facts: { agent: { id: 'a1', status: 'idle', name: 'A' } } };
    for (const path of evil) {
      for (const conditions of [
        { all: [{ fact: 'agent', path, operator: 'equal', value: 'idle' }] },
        { all: [{ fact: 'agent', path: '$.status', operator: 'equal', value: { fact: 'agent', path } }] },
      ]) {
        const rule = { ...base, conditions, file: 'evil.json', pack: 'evil' } as unknown as LoadedRule;
        const evaluator = new Evaluator(activateRules([rule]));
        const outcome = await evaluator.evaluate([subject], { now: new Date() }).then(
          (fs) => ({ findings: fs.length }),
          (e) => ({ error: e }),
        );
        if ('error' in outcome) expect(outcome.error, path).toBeInstanceOf(JsonPathError);
        else expect(outcome.findings, path).toBe(0); // '$.__proto__.polluted' parses, and finds nothing
        expect(existsSync(canary)).toBe(false);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }
    }
  });

  it('message placeholders reach only own data, never prototype members', () => {
    expect(renderMessage('{{agent.constructor.name}} {{agent.__proto__}} {{agent.name.constructor}} {{agent.toString}}', { agent: { name: 'A' } })).toBe('? ? ? ?');
  });
});

describe('the exec action runs only configured commands, as argv, no shell', () => {
  function execScan(commands: Record<string, string[]>, actionParams: Record<string, unknown>) {
    const { dir, git } = gitRepo();
    writeFileSync(join(dir, 'README'), 'x\n');
    git('add', '-A');
    git('commit', '-qm', 'init');
    writeTrustedConfig(join(dir, 'clipguard.config.json'), JSON.stringify({ repos: ['.'], actions: { exec: commands } }));
    // A rule that fires once on the git source and asks for an exec action.
    const pack = rulePack(dir, {
      id: 'git/exec-probe',
      title: 't',
      severity: 'warning',
      subject: 'source',
      description: 'd',
      remediation: 'r',
      tags: [],
      conditions: { all: [{ fact: 'source', path: '$.kind', operator: 'equal', value: 'git' }] },
      action: { type: 'exec', enabled: true, params: actionParams },
    });
    const r = cli(['scan', '--no-paperclip', '--rules', pack, '--only', 'git/exec-probe', '--apply', '--format', 'json'], { cwd: dir, env: { CLIPGUARD_STATE_DIR: join(dir, 'state') } });
    return { dir, r, report: r.code === 2 ? null : JSON.parse(r.stdout) };
  }

  it('shell metacharacters in a configured argument are one literal argument', () => {
    const args = ['x; touch pwned', '$(touch sub)', '`touch tick`', 'a | touch piped', '&& touch anded', '> redirected'];
    const { dir, r, report } = execScan({ probe: ['touch', ...args] }, { command: 'probe' });
    expect(r.code, r.stderr).toBe(0);
    expect(report.findings[0].actions[0]).toMatchObject({ type: 'exec', status: 'applied', detail: expect.stringContaining('touch exited 0') });
    const files = readdirSync(dir);
    // Each argument became one file with exactly that name; no shell ever ran the commands inside them.
    for (const a of args) expect(files).toContain(a);
    for (const shellMade of ['pwned', 'sub', 'tick', 'piped', 'anded', 'redirected']) expect(files).not.toContain(shellMade);
    const audit = readFileSync(join(dir, 'state', 'audit.jsonl'), 'utf8');
    expect(audit).toContain('"action":"exec"');
  });

  it('a command not in the config, or a prototype name, is skipped (never run, never a crash); a rule cannot supply argv', () => {
    for (const command of ['not-listed', 'toString', 'constructor', '__proto__']) {
      const { dir, r, report } = execScan({ probe: ['touch', 'ran'] }, { command, argv: ['touch', 'evil'] });
      expect(r.code, r.stderr).not.toBe(2);
      expect(report.findings[0].actions[0].status).toBe('skipped');
      expect(report.findings[0].actions[0].detail).toContain(`no command "${command}" in actions.exec`);
      expect(existsSync(join(dir, 'evil'))).toBe(false);
      expect(existsSync(join(dir, 'ran'))).toBe(false);
    }
    const { dir, report } = execScan({ probe: ['touch', 'ran'] }, { command: 'probe', argv: ['touch', 'evil'] });
    expect(report.findings[0].actions[0].status).toBe('applied');
    expect(existsSync(join(dir, 'ran'))).toBe(true);
    expect(existsSync(join(dir, 'evil'))).toBe(false);
  });
});

describe('git: binary, huge, non-UTF-8 files and symlinks in a diff', () => {
  async function scanRepo(dir: string) {
    const config = loadConfig(dir, { noConfigFile: true }, {});
    config.repos = [dir];
    config.paperclip.enabled = false;
    return (await runScan(config, { only: ['security/secret-in-diff'] })).report;
  }

  it('scans binary and too large files whole, skips symlinked files with a note, and never reads what a symlink points to', async () => {
    const outside = tempDir();
    const outsideSecret = fakeSample('github-pat', 501);
    writeFileSync(join(outside, 'secrets.env'), `${outsideSecret.text}\n`);
    const { dir, git } = gitRepo();
    const inside = fakeSample('gitlab-pat', 502);
    const inBinary = fakeSample('github-pat', 503);
    const inHuge = fakeSample('github-pat', 504);
    writeFileSync(join(dir, 'app.env'), `${inside.text}\n`);
    writeFileSync(join(dir, 'blob.bin'), Buffer.concat([Buffer.from([0, 1, 2, 0]), Buffer.from(inBinary.text)]));
    writeFileSync(join(dir, 'huge.txt'), 'y'.repeat(3 * 1024 * 1024) + '\n' + inHuge.text + '\n');
    symlinkSync(join(outside, 'secrets.env'), join(dir, 'link.env'));
    git('add', '-A');
    git('commit', '-qm', 'everything');
    const report = await scanRepo(dir);
    expect(report.findings.map((f) => f.location?.file).sort()).toEqual(['app.env', 'blob.bin', 'huge.txt']);
    const detail = report.sources.find((s) => s.name.startsWith('git:'))!.detail;
    expect(detail).not.toMatch(/blob\.bin|huge\.txt/);
    expect(detail).toMatch(/not scanned: .*link\.env \(symlink/);
    for (const s of [outsideSecret, inside, inBinary, inHuge]) expect(JSON.stringify(report)).not.toContain(s.secret.slice(4));
  });

  it('a non-UTF-8 (Latin-1) file is scanned as text: its ASCII secret is found, reports stay valid', async () => {
    const { dir, git } = gitRepo();
    const s = fakeSample('github-pat', 505);
    writeFileSync(join(dir, 'legacy.ini'), Buffer.concat([Buffer.from('caf\xe9 = 1\n', 'latin1'), Buffer.from(`token = ${s.text}\n`)]));
    git('add', '-A');
    git('commit', '-qm', 'legacy');
    const report = await scanRepo(dir);
    expect(report.findings.map((f) => [f.location?.file, f.location?.line])).toEqual([['legacy.ini', 2]]);
    expect(JSON.stringify(report)).not.toContain(s.secret);
  });

  it('a work-tree symlink pointing out of the repository is never read (inline ignores come from inside only)', async () => {
    const outside = tempDir();
    writeFileSync(join(outside, 'notes.txt'), 'clipguard-ignore security/secret-in-diff -- read from outside the repository\n');
    const { dir, git } = gitRepo();
    const s = fakeSample('github-pat', 506);
    writeFileSync(join(dir, 'config.txt'), `${s.text}\n`);
    git('add', '-A');
    git('commit', '-qm', 'key');
    // The committed file is later replaced in the work tree by a link to a file outside.
    rmSync(join(dir, 'config.txt'));
    symlinkSync(join(outside, 'notes.txt'), join(dir, 'config.txt'));
    const report = await scanRepo(dir);
    expect(report.findings).toHaveLength(1);
    expect(report.findings[0].suppressed).toBeUndefined();
    // A real inline ignore inside the repository still works.
    const { dir: dir2, git: git2 } = gitRepo();
    writeFileSync(join(dir2, 'config.txt'), `${s.text} # clipguard-ignore security/secret-in-diff -- test fixture\n`);
    git2('add', '-A');
    git2('commit', '-qm', 'key');
    const r2 = await scanRepo(dir2);
    expect(r2.findings[0].suppressed?.kind).toBe('inline');
  });
});
