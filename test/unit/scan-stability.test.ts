// Fingerprints, baselines and --explain, through the built CLI on real git repositories (a bare "remote" and
// a clone with unpushed commits), with no Paperclip (--no-paperclip).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, tempDir } from '../helpers/cli.js';
import { fakeToken } from '../helpers/fake-secrets.js';

interface JsonFinding {
  ruleId: string;
  fingerprint: string;
  location: { file?: string; line?: number } | null;
  suppressed?: { kind: string };
  explanation?: unknown;
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function repoWithRemote() {
  const root = tempDir('clipguard-stab-');
  dirs.push(root);
  const dir = join(root, 'work');
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'init.defaultBranch=main', ...args], { cwd: dir, encoding: 'utf8' });
  execFileSync('git', ['init', '-q', '--bare', join(root, 'remote.git')]);
  mkdirSync(dir);
  git('init', '-q');
  git('commit', '-q', '--allow-empty', '-m', 'base');
  git('remote', 'add', 'origin', '../remote.git');
  git('push', '-q', '-u', 'origin', 'main');
  const commit = (path: string, content: string, msg: string) => {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
    git('add', '-A');
    git('commit', '-qm', msg);
  };
  return { dir, git, commit };
}

function scanJson(cwd: string, extra: string[] = []): { code: number; findings: JsonFinding[]; raw: string } {
  const r = cli(['scan', '--no-paperclip', '--format', 'json', ...extra], { cwd });
  expect(r.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
  return { code: r.code, findings: (JSON.parse(r.stdout) as { findings: JsonFinding[] }).findings, raw: r.stdout };
}

const fps = (fs: JsonFinding[]) => fs.map((f) => `${f.ruleId} ${f.fingerprint}`).sort();

describe('fingerprints', () => {
  let repo: ReturnType<typeof repoWithRemote>;
  const key1 = fakeToken('github-pat', 11);
  const key2 = fakeToken('github-pat', 12);
  beforeAll(() => {
    repo = repoWithRemote();
    repo.commit('config/app.env', `GITHUB_TOKEN=${key1}\n`, 'add app env');
    repo.commit('deploy.sh', `#!/bin/sh\nexport GH=${key2}\n`, 'add deploy');
  });

  it('are identical across two scans of the same state', () => {
    const a = scanJson(repo.dir);
    const b = scanJson(repo.dir);
    expect(a.code).toBe(1);
    expect(a.findings.filter((f) => f.ruleId === 'security/secret-in-diff')).toHaveLength(2);
    expect(fps(b.findings)).toEqual(fps(a.findings));
    // and distinct per finding
    expect(new Set(a.findings.map((f) => f.fingerprint)).size).toBe(a.findings.length);
  });

  it('do not change when later commits touch the same file and add others', () => {
    const before = scanJson(repo.dir).findings;
    repo.commit('config/app.env', `# app settings\nLOG_LEVEL=info\nGITHUB_TOKEN=${key1}\n`, 'comment the env file');
    repo.commit('README.md', '# docs\n', 'docs');
    const after = scanJson(repo.dir).findings;
    // The secret was added by the first commit (at line 1); the later diff only adds lines around it.
    expect(fps(after.filter((f) => f.ruleId === 'security/secret-in-diff'))).toEqual(fps(before.filter((f) => f.ruleId === 'security/secret-in-diff')));
    expect(after.find((f) => f.location?.file === 'config/app.env')?.location?.line).toBe(1);
  });
});

describe('baseline', () => {
  it('hides exactly the findings recorded in it, and a new one still fails the run', () => {
    const repo = repoWithRemote();
    repo.commit('a.env', `TOKEN=${fakeToken('github-pat', 21)}\n`, 'a');
    const baselineFile = join(repo.dir, '..', 'baseline.json');
    const first = scanJson(repo.dir, ['--write-baseline', baselineFile]);
    const recorded = (JSON.parse(readFileSync(baselineFile, 'utf8')) as { fingerprints: string[] }).fingerprints;
    expect([...recorded].sort()).toEqual(first.findings.map((f) => f.fingerprint).sort());

    // Same state: everything is in the baseline, nothing is left at error level, exit 0.
    const same = scanJson(repo.dir, ['--baseline', baselineFile]);
    expect(same.code).toBe(0);
    expect(same.findings.every((f) => f.suppressed?.kind === 'baseline')).toBe(true);

    // A new secret: exactly it is new, the old ones stay suppressed.
    repo.commit('b.env', `TOKEN=${fakeToken('github-pat', 22)}\n`, 'b');
    const next = scanJson(repo.dir, ['--baseline', baselineFile]);
    const fresh = next.findings.filter((f) => !f.suppressed);
    const old = next.findings.filter((f) => f.suppressed?.kind === 'baseline');
    expect(fresh.map((f) => `${f.ruleId} ${f.location?.file}`)).toEqual(['security/secret-in-diff b.env']);
    expect(fps(old)).toEqual(fps(first.findings.filter((f) => next.findings.some((n) => n.fingerprint === f.fingerprint))));
    expect(old.map((f) => f.fingerprint).every((fp) => recorded.includes(fp))).toBe(true);
    expect(next.code).toBe(1);

    // The text report does not list baseline-suppressed findings, only the new one.
    const text = cli(['scan', '--no-paperclip', '--baseline', baselineFile], { cwd: repo.dir });
    expect(text.stdout).toContain('b.env');
    expect(text.stdout).not.toContain('a.env:1');
  });

  it('a second secret of the same kind in the same file is new, even on a line of the same shape', () => {
    const repo = repoWithRemote();
    repo.commit('a.env', `TOKEN=${fakeToken('github-pat', 41)}\n`, 'a');
    const baselineFile = join(repo.dir, '..', 'baseline-same-file.json');
    scanJson(repo.dir, ['--write-baseline', baselineFile]);
    // Same variable, same column, same line length: only the secret differs.
    repo.commit('a.env', `TOKEN=${fakeToken('github-pat', 41)}\nTOKEN=${fakeToken('github-pat', 42)}\n`, 'a second token');
    const next = scanJson(repo.dir, ['--baseline', baselineFile]);
    const fresh = next.findings.filter((f) => !f.suppressed && f.ruleId === 'security/secret-in-diff');
    expect(fresh.map((f) => `${f.location?.file}:${f.location?.line}`)).toEqual(['a.env:2']);
    expect(next.code).toBe(1);
  });

  it('an inline ignore names its rule and its reason: the reason is reported, another rule\'s ignore does not hide the finding', () => {
    const repo = repoWithRemote();
    repo.commit('k.env', `A=${fakeToken('github-pat', 45)} # clipguard-ignore security/secret-in-diff -- rotated on 2026-11-20\nB=${fakeToken('github-pat', 46)} # clipguard-ignore security/secret-in-comment -- wrong rule\n`, 'k');
    const found = scanJson(repo.dir).findings.filter((f) => f.ruleId === 'security/secret-in-diff');
    expect(found.map((f) => [f.location?.line, f.suppressed ?? null])).toEqual([
      [1, { kind: 'inline', reason: 'rotated on 2026-11-20' }],
      [2, null],
    ]);
  });

  it('two secrets of one kind on one line get two fingerprints', () => {
    const repo = repoWithRemote();
    repo.commit('pair.env', `TOKENS=${fakeToken('github-pat', 43)},${fakeToken('github-pat', 44)}\n`, 'pair');
    const found = scanJson(repo.dir).findings.filter((f) => f.ruleId === 'security/secret-in-diff');
    expect(found).toHaveLength(2);
    expect(new Set(found.map((f) => f.fingerprint)).size).toBe(2);
  });

  it('a missing or malformed baseline is a usage error (exit 2) naming the file', () => {
    const repo = repoWithRemote();
    const missing = cli(['scan', '--no-paperclip', '--baseline', 'nope.json'], { cwd: repo.dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.json');
    writeFileSync(join(repo.dir, 'bad.json'), '{"fingerprints": [1, 2');
    const bad = cli(['scan', '--no-paperclip', '--baseline', 'bad.json'], { cwd: repo.dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('bad.json');
  });
});

describe('--explain', () => {
  it('shows the evaluated condition tree with fact values, and never the secret', () => {
    const repo = repoWithRemote();
    const key = fakeToken('github-pat', 31);
    repo.commit('k.env', `K=${key}\n`, 'k');
    const text = cli(['scan', '--no-paperclip', '--explain'], { cwd: repo.dir });
    expect(text.code).toBe(1);
    const lines = text.stdout.split('\n');
    const at = lines.findIndex((l) => l.includes('security/secret-in-diff'));
    expect(at).toBeGreaterThanOrEqual(0);
    expect(lines.slice(at, at + 5).join('\n')).toMatch(/why: all ✓\n\s+✓ secrets\.length = 1 greaterThan 0/);
    const unpushed = lines.slice(lines.findIndex((l) => l.includes('git/unpushed-commits'))).join('\n');
    expect(unpushed).toMatch(/✓ source\.git\.ahead = 1 greaterThan 0/);
    expect(text.stdout).not.toContain(key);

    const json = scanJson(repo.dir, ['--explain']);
    const f = json.findings.find((x) => x.ruleId === 'security/secret-in-diff')!;
    expect(f.explanation).toMatchObject({ all: [{ fact: 'secrets', path: '$.length', operator: 'greaterThan', value: 0, factResult: 1, result: true }], result: true });
    expect(json.raw).not.toContain(key);
    // Without --explain there is no explanation.
    expect(scanJson(repo.dir).findings.every((x) => x.explanation === undefined)).toBe(true);
  });

  it('marks a failed leaf ✗ and the leaves json-rules-engine skipped after it as not evaluated', async () => {
    const { explainTree } = await import('../../src/engine/evaluate.js');
    const tree = explainTree({ all: [{ fact: 'a', operator: 'equal', value: 1, factResult: 2, result: false }, { fact: 'b', operator: 'equal', value: 1 }] });
    expect(tree).toMatchObject({ result: false, all: [{ result: false }, { result: undefined }] });
    expect(explainTree({ not: { fact: 'a', operator: 'equal', value: 1, factResult: 2, result: false } })).toMatchObject({ result: true });
    expect(explainTree({ any: [{ fact: 'a', result: false }, { fact: 'b', result: true }] })).toMatchObject({ result: true });
  });
});
