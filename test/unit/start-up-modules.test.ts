// What a process loads is what it pays at start-up: the hook runs on every
// commit, and a scan of a repository with no zh file and no deploy URL should not pay for the zh tables,
// undici or the YAML parser. Checked by tracing the modules a real CLI process loads.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, cliEnv } from '../helpers/cli.js';
import { fakeToken } from '../helpers/fake-secrets.js';
import { precommitRepo } from '../helpers/precommit-repo.js';
import { writeTrustedConfig } from '../helpers/trust.js';

const TRACER = fileURLToPath(new URL('../helpers/module-trace.mjs', import.meta.url));
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BUNDLE = join(ROOT, 'dist', 'bundle') + '/';
const CLI = join(BUNDLE, 'clipguard.cjs');
/** esbuild's metafile of the build (scripts/bundle.mjs): the source modules in the CLI's one file. */
const META = JSON.parse(readFileSync(join(ROOT, 'dist', 'bundle-meta.json'), 'utf8')) as { outputs: Record<string, { inputs: Record<string, unknown> }> };
const IN_CLI = Object.keys(META.outputs[relative(ROOT, CLI)].inputs);
/**
 * The modules of the file that are wrapped in a function esbuild names after them (`"src/x.ts"() {...}`), run
 * when first imported (those reached through a dynamic import(), and the CommonJS ones); the others run
 * whenever the file does.
 */
const WRAPPED = new Set(IN_CLI.filter((m) => readFileSync(CLI, 'utf8').includes(`  ${JSON.stringify(m)}(`)));

/**
 * Runs the CLI in `cwd` with the tracer; the modules it loaded, and its exit code. The CLI is one file
 * (dist/bundle/clipguard.cjs): its modules that ran (`<root>/src/...ts`, and the dependencies bundled in,
 * `<root>/node_modules/...`) are those not wrapped and those whose wrapper V8's coverage (NODE_V8_COVERAGE)
 * saw called; `files` is what the process itself loaded as modules (the launcher, the loader, dependencies).
 */
function traced(args: string[], cwd: string): { code: number | null; modules: string[]; files: string[]; out: string } {
  const trace = join(mkdtempSync(join(tmpdir(), 'clipguard-trace-')), 'modules.txt');
  const coverage = join(trace, '..', 'coverage');
  dirs.push(join(trace, '..'));
  writeFileSync(trace, '');
  const r = spawnSync(process.execPath, ['--import', TRACER, BIN, ...args], { cwd, encoding: 'utf8', env: { ...cliEnv(args, cwd), CLIPGUARD_MODULE_TRACE: trace, NODE_V8_COVERAGE: coverage } });
  const files = [...new Set(readFileSync(trace, 'utf8').split('\n').filter(Boolean).map((m) => (m.startsWith('file://') ? fileURLToPath(m) : m)))];
  const ran = new Set<string>();
  for (const f of readdirSync(coverage)) {
    const { result } = JSON.parse(readFileSync(join(coverage, f), 'utf8')) as { result: { url: string; functions: { functionName: string; ranges: { count: number }[] }[] }[] };
    for (const script of result.filter((s) => s.url === CLI || s.url === pathToFileURL(CLI).href)) {
      for (const fn of script.functions) if (WRAPPED.has(fn.functionName) && fn.ranges[0].count > 0) ran.add(fn.functionName);
    }
  }
  if (!ran.size) throw new Error(`no coverage of ${CLI}: did the CLI run from it?\n${r.stderr}`);
  const bundled = IN_CLI.filter((m) => !WRAPPED.has(m) || ran.has(m)).map((m) => join(ROOT, m));
  return { code: r.status, modules: [...new Set([...files, ...bundled])], files, out: r.stdout + r.stderr };
}

const pkg = (modules: string[], name: string) => modules.filter((m) => m.includes(`/node_modules/${name}/`));
/** The zh detector beyond the locale names (its tables and converters). */
const zhTables = (modules: string[]) => modules.filter((m) => /\/src\/detectors\/chinese\//.test(m) && !m.endsWith('/locale.ts'));
// zod: the Paperclip record schemas, for a read of Paperclip only (the precommit hook loaded it through the
// plugin command's helpers once, ~50 ms a commit).
const HEAVY = ['json-rules-engine', 'opencc-js', 'undici', 'yaml', 'node-cron', 'simple-git', 'zod'];
const unusedByTheHook = (m: string) => /\/src\/(actions\/(planner|executor|registry|kinds\/)|sources\/paperclip\/subjects|sources\/git-leaks|hooks\/install)/.test(m);

describe('modules loaded at start-up', () => {
  it('precommit on a 1-file change, clean or blocked, loads none of the heavy dependencies', () => {
    const repo = precommitRepo('clipguard-modules-', dirs);
    repo.stage('src/app.js', 'export const answer = 42;\n');
    const clean = traced(['precommit'], repo.dir);
    expect(clean.code, clean.out).toBe(0);
    expect(clean.modules.some((m) => m.endsWith('/src/cli/precommit.ts'))).toBe(true);
    for (const name of HEAVY) expect(pkg(clean.modules, name), name).toEqual([]);
    expect(zhTables(clean.modules)).toEqual([]);
    // It runs from the bundle: no file of tsc's per-module output (dist/cli/, dist/engine/...) is opened.
    expect(clean.files.filter((f) => f.startsWith(join(ROOT, 'dist')) && !f.startsWith(BUNDLE) && !f.startsWith(join(ROOT, 'dist', 'generated')))).toEqual([]);

    // A blocked commit too: the secret rule is decided without json-rules-engine.
    repo.stage('src/config.js', `export const token = '${fakeToken('github-pat', 5)}';\n`);
    const blocked = traced(['precommit'], repo.dir);
    expect(blocked.code, blocked.out).toBe(1);
    expect(blocked.out).toContain('security/secret-in-diff');
    for (const name of HEAVY) expect(pkg(blocked.modules, name), name).toEqual([]);
    expect(zhTables(blocked.modules)).toEqual([]);
    // Nor what a dry-run with no action to plan never calls: the planner, the executor and every action kind,
    // the Paperclip subject builders, the hook installer.
    for (const run of [clean, blocked]) expect(run.modules.filter(unusedByTheHook)).toEqual([]);
    // No glob to match (no allowlist paths, no waivers): no glob library.
    for (const run of [clean, blocked]) expect(pkg(run.modules, 'picomatch')).toEqual([]);
  });

  it('a scan that acts still loads the executor (it also resumes what an earlier run left pending)', () => {
    const repo = precommitRepo('clipguard-modules-', dirs);
    repo.stage('src/app.js', 'export const answer = 42;\n');
    execFileSync('git', ['commit', '-qm', 'one unpushed commit'], { cwd: repo.dir });
    const dry = traced(['scan', '--no-paperclip', '--only', 'git/unpushed-commits'], repo.dir);
    expect(dry.modules.some((m) => m.endsWith('/src/actions/executor.ts'))).toBe(false);
    const acting = traced(['scan', '--no-paperclip', '--only', 'git/unpushed-commits', '--apply'], repo.dir);
    expect(acting.modules.some((m) => m.endsWith('/src/actions/executor.ts')), acting.out).toBe(true);
  });

  it('a scan with no zh file and no deploy URL loads neither the zh tables, undici nor the YAML parser; a zh file and a deploy URL do', () => {
    const repo = precommitRepo('clipguard-modules-', dirs);
    writeFileSync(join(repo.dir, 'notes.yml'), 'title: hello\n');
    const plain = traced(['scan', '--no-paperclip'], repo.dir);
    expect(plain.code, plain.out).toBe(0);
    for (const name of ['opencc-js', 'undici', 'yaml']) expect(pkg(plain.modules, name), name).toEqual([]);
    expect(zhTables(plain.modules)).toEqual([]);

    const i18n = traced(['i18n', 'notes.yml'], repo.dir);
    expect(i18n.code, i18n.out).toBe(0);
    for (const name of ['opencc-js', 'yaml']) expect(pkg(i18n.modules, name), name).toEqual([]);
    expect(zhTables(i18n.modules)).toEqual([]);

    // The other side: what needs them still loads them (and the tracer sees it).
    writeFileSync(join(repo.dir, 'zh-TW.yml'), 'title: 设置\n');
    const zh = traced(['i18n', 'zh-TW.yml'], repo.dir);
    expect(zh.code, zh.out).toBe(1);
    expect(zhTables(zh.modules)).not.toEqual([]);
    // A .po (or JSON) file needs the zh tables but not the YAML parser.
    writeFileSync(join(repo.dir, 'zh_TW.po'), 'msgid "Settings"\nmsgstr "设定"\n');
    const po = traced(['i18n', 'zh_TW.po'], repo.dir);
    expect(po.code, po.out).toBe(1);
    expect(zhTables(po.modules)).not.toEqual([]);
    expect(pkg(po.modules, 'yaml')).toEqual([]);
    // The tables compiled at build time (dist/generated/, found from the bundle's chunks): opencc-js, which
    // compiles them when that file is not found, is not loaded.
    expect(pkg(po.modules, 'opencc-js')).toEqual([]);
    writeTrustedConfig(join(repo.dir, 'clipguard.config.json'), JSON.stringify({ paperclip: { enabled: false }, deploy: { urls: [{ url: 'http://127.0.0.1:9/', timeoutMs: 2000 }] } }));
    const deploy = traced(['scan', '--no-paperclip', '--only', 'deploy'], repo.dir);
    expect(deploy.out).toContain('deploy/url-down');
    expect(pkg(deploy.modules, 'undici')).not.toEqual([]);
  });
});
