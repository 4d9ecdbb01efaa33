// The package as a user installs it: what `npm pack` puts in the tarball, and `clipguard rules test` run from
// the installed copy (node_modules/clipguard), on the built-in pack and on a user's own pack with its fixtures
// where the README says to put them. Needs `npm run build` (the tarball ships dist/).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_RULES_DIR, listRuleFiles, loadRulePacks } from '../../src/engine/load.js';
import { cli, tempDir } from '../helpers/cli.js';
import { fakeToken } from '../helpers/fake-secrets.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** `npm pack` of this checkout (no build: scripts ignored), as the list of files and the tarball's path. */
function pack(dest: string): { files: string[]; tarball: string } {
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dest], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const [info] = JSON.parse(out);
  return { files: info.files.map((f: { path: string }) => f.path), tarball: join(dest, info.filename) };
}

/**
 * A project with the tarball installed as npm would (node_modules/clipguard, no dev files), its dependencies
 * linked from this checkout's node_modules: no registry needed.
 */
function installInto(tarball: string): { app: string; bin: string } {
  const app = tempDir('clipguard-app-');
  const nm = join(app, 'node_modules');
  const pkg = join(nm, 'clipguard');
  mkdirSync(pkg, { recursive: true });
  execFileSync('tar', ['xzf', tarball, '-C', pkg, '--strip-components=1']);
  for (const name of readdirSync(join(ROOT, 'node_modules'))) {
    if (name === 'clipguard' || name.startsWith('.')) continue;
    symlinkSync(join(ROOT, 'node_modules', name), join(nm, name));
  }
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, devDependencies: { clipguard: `file:${tarball}` } }));
  return { app, bin: join(pkg, 'bin', 'clipguard.js') };
}

function runInstalled(bin: string, args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', PAPERCLIP_API_URL: 'http://127.0.0.1:9' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A user's pack: one rule, `policy/acme/wip-commit.json`, and its fixtures in `policy/fixtures/acme/wip-commit/`. */
function userPack(dir: string): string {
  const policy = join(dir, 'policy');
  mkdirSync(join(policy, 'acme'), { recursive: true });
  writeFileSync(
    join(policy, 'acme', 'wip-commit.json'),
    JSON.stringify({
      id: 'acme/wip-commit',
      title: 'WIP commit',
      severity: 'warning',
      subject: 'commit',
      description: 'A commit whose subject is WIP says nothing about what it changed.',
      remediation: 'Reword it: git commit --amend.',
      tags: ['git'],
      message: 'commit {{commit.sha}} is titled WIP',
      conditions: { all: [{ fact: 'commit', path: '$.subject', operator: 'equal', value: 'WIP' }] },
    }),
  );
  const fx = join(policy, 'fixtures', 'acme', 'wip-commit');
  mkdirSync(fx, { recursive: true });
  writeFileSync(join(fx, 'fires.json'), JSON.stringify({ input: { commits: [{ sha: 'abc', subject: 'WIP', message: 'WIP' }] }, expect: [{ message: 'commit abc is titled WIP' }] }));
  writeFileSync(join(fx, 'quiet.json'), JSON.stringify({ input: { commits: [{ sha: 'def', subject: 'fix the parser', message: 'fix the parser' }] }, expect: [] }));
  return policy;
}

describe('npm pack', () => {
  let files: string[];
  beforeAll(() => {
    files = pack(tempDir('clipguard-pack-')).files;
  });

  it('ships the bin, dist, the schemas, the GitHub Action, every built-in rule and every built-in rule\'s fixtures', () => {
    expect(files).toEqual(expect.arrayContaining(['bin/clipguard.js', 'dist/bundle/clipguard.cjs', 'dist/bundle/clipguard.cjs.cache', 'dist/bundle/loader.cjs', 'dist/generated/validators.cjs', 'dist/generated/zh-tables.bin', 'schema/config.schema.json', 'schema/rule.schema.json', 'schema/report.schema.json', 'action.yml', 'dist/bundle/action.js', 'package.json', 'README.md']));
    const rules = listRuleFiles(BUILTIN_RULES_DIR).map((f) => relative(ROOT, f));
    expect(rules.length).toBeGreaterThan(20);
    expect(files).toEqual(expect.arrayContaining(rules));
    const { rules: loaded } = loadRulePacks([]);
    for (const r of loaded) expect(files.some((f) => f.startsWith(`fixtures/${r.id}/`)), `fixtures of ${r.id}`).toBe(true);
  });

  it('leaves out the sources, tests, benchmarks and the large test corpora', () => {
    for (const f of files) expect(f, f).not.toMatch(/^(src|test|bench|scripts|\.ci|node_modules)\/|^fixtures\/(locales-real|paperclip-samples|secrets-corpus)\//);
  });
});

describe('clipguard installed from the tarball', () => {
  let app: string;
  let bin: string;
  beforeAll(() => {
    ({ app, bin } = installInto(pack(tempDir('clipguard-pack-')).tarball));
  });

  it('rules test passes on the built-in pack (its fixtures ship with it)', () => {
    const r = runInstalled(bin, ['rules', 'test'], app);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/\n\d+ passed, 0 failed\n$/);
    expect(Number(/(\d+) passed/.exec(r.stdout)![1])).toBeGreaterThan(60);
    expect(r.code).toBe(0);
  });

  it('rules test, validate, list and scan read a user pack whose fixtures sit in policy/fixtures/<rule-id>/', () => {
    const policy = userPack(app);
    const test = runInstalled(bin, ['rules', 'test', 'policy'], app);
    expect(test.stdout).toContain('ok    acme/wip-commit');
    expect(test.stdout).toMatch(/\n2 passed, 0 failed\n$/);
    expect(test.code).toBe(0);
    const validate = runInstalled(bin, ['rules', 'validate', 'policy'], app);
    expect(validate.stderr).toBe('');
    expect(validate.stdout).toBe('1 rule(s) valid\n');
    const list = runInstalled(bin, ['rules', 'list', '--rules', policy], app);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('acme/wip-commit');
    const scan = runInstalled(bin, ['scan', '--no-paperclip', '--rules', 'policy', '--only', 'acme/wip-commit'], app);
    expect(scan.stderr).not.toMatch(/required property/);
    expect(scan.code).toBe(0);
  });
  it('ships the bundle only: no per-module tsc output, which nothing at run time may need', () => {
    expect(existsSync(join(app, 'node_modules', 'clipguard', 'dist', 'bundle', 'clipguard.cjs'))).toBe(true);
    for (const d of ['cli', 'engine', 'detectors', 'action']) expect(existsSync(join(app, 'node_modules', 'clipguard', 'dist', d)), d).toBe(false);
  });

  it('the installed CLI uses the code cache the build wrote (same Node), after npm unpacked it', () => {
    const bundle = join(app, 'node_modules', 'clipguard', 'dist', 'bundle', 'clipguard.cjs');
    const loader = join(app, 'node_modules', 'clipguard', 'dist', 'bundle', 'loader.cjs');
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', `const { loadBundle } = await import(${JSON.stringify(loader)}); process.stdout.write(loadBundle(${JSON.stringify(bundle)}, ${JSON.stringify(`${bundle}.cache`)}).cache);`], { cwd: app, encoding: 'utf8' });
    expect(r.stdout, r.stderr).toBe('used');
  });

  it('the hooks `hook install` writes run the installed bundle: a staged key blocks the commit, a clean change passes', () => {
    const repo = tempDir('clipguard-app-hooks-');
    const git = (...a: string[]) => spawnSync('git', a, { cwd: repo, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.invalid', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.invalid' } });
    git('init', '-q');
    symlinkSync(join(app, 'node_modules'), join(repo, 'node_modules'));
    writeFileSync(join(repo, '.gitignore'), 'node_modules\n');
    const install = runInstalled(join(repo, 'node_modules', 'clipguard', 'bin', 'clipguard.js'), ['hook', 'install'], repo);
    expect(install.code, install.stderr).toBe(0);
    expect(readFileSync(join(repo, '.git', 'hooks', 'pre-commit'), 'utf8')).toContain('node_modules/clipguard/bin/clipguard.js');
    writeFileSync(join(repo, 'config.js'), `export const token = '${fakeToken('github-pat', 3)}';\n`);
    git('add', '.gitignore', 'config.js');
    const blocked = git('commit', '-qm', 'add config');
    expect(blocked.status).not.toBe(0);
    expect(blocked.stdout + blocked.stderr).toContain('security/secret-in-diff');
    writeFileSync(join(repo, 'config.js'), 'export const token = process.env.TOKEN;\n');
    git('add', 'config.js');
    const clean = git('commit', '-qm', 'read the token from the environment');
    expect(clean.status, clean.stdout + clean.stderr).toBe(0);
  });

  it('init in the project writes a config whose $schema is the installed schema, which exists', () => {
    execFileSync('git', ['init', '-q'], { cwd: app });
    const r = runInstalled(bin, ['init', '--no-hooks'], app);
    expect(r.code, r.stderr).toBe(0);
    const config = JSON.parse(readFileSync(join(app, 'clipguard.config.json'), 'utf8'));
    expect(config.$schema).toBe('./node_modules/clipguard/schema/config.schema.json');
    expect(existsSync(join(app, config.$schema))).toBe(true);
  });
});

describe('a pack\'s fixtures folder is never read as rules', () => {
  it('rules validate and rules test from the checkout agree with the installed copy', () => {
    const dir = tempDir();
    userPack(dir);
    expect(cli(['rules', 'validate', 'policy'], { cwd: dir })).toMatchObject({ code: 0, stdout: '1 rule(s) valid\n' });
    expect(cli(['rules', 'test', 'policy'], { cwd: dir }).code).toBe(0);
  });

  it('a rule with no fixtures is told where they go in its own pack', () => {
    const dir = tempDir();
    userPack(dir);
    rmSync(join(dir, 'policy', 'fixtures'), { recursive: true });
    const r = cli(['rules', 'test', 'policy'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('no fixtures: add policy/fixtures/acme/wip-commit/<case>.json');
  });
});
