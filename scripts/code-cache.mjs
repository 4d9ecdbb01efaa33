// Writes dist/bundle/clipguard.cjs.cache, the V8 code cache of the CLI's bundle (see src/bundle-loader.ts), at
// build time (scripts/bundle.mjs runs this in a process of its own, with the Node and options that built it).
//
// The cache holds the bytecode of every function compiled when it is written, so it is written after running
// what the git hooks run, in a throwaway repository: `precommit` on a commit that is blocked (a fake key,
// assembled at run time) and on a clean one (real source files of this package staged, a changed file), and
// `precommit --commit-msg`. Other commands use it for the code they share with these and compile the rest.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBundle, writeCodeCache } from '../dist/bundle/loader.cjs';

const root = new URL('..', import.meta.url).pathname;
const bundle = join(root, 'dist/bundle/clipguard.cjs');
const loaded = loadBundle(bundle, null);

/** A key the detector blocks, assembled here (no key-shaped literal in the repository); none without the helper. */
async function fakeKey() {
  try {
    const { fakeToken } = await import('../test/helpers/fake-secrets.mjs');
    return fakeToken('github-pat', 11);
  } catch {
    return null;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'clipguard-code-cache-'));
const here = process.cwd();
// What the CLI prints here is not the build's output.
const write = { out: process.stdout.write, err: process.stderr.write };
let trained = true;
try {
  const git = (...args) => execFileSync('git', ['-c', 'user.name=build', '-c', 'user.email=build@example.invalid', '-c', 'commit.gpgsign=false', '-c', 'init.defaultBranch=main', ...args], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  git('init', '-q');
  writeFileSync(join(dir, 'README.md'), 'base\nline two\n');
  git('add', '-A');
  git('commit', '-qm', 'base');
  writeFileSync(join(dir, 'README.md'), 'base\nline two, changed\nline three\r\n');
  for (const f of ['src/scan.ts', 'src/sources/git.ts', 'src/detectors/secrets/detect.ts', 'src/cli/precommit.ts']) {
    mkdirSync(join(dir, 'code'), { recursive: true });
    writeFileSync(join(dir, 'code', f.replaceAll('/', '-')), readFileSync(join(root, f)));
  }
  const key = await fakeKey();
  if (key) writeFileSync(join(dir, 'code', 'settings.js'), `export const token = '${key}';\n`);
  git('add', '-A');
  process.chdir(dir);
  process.stdout.write = process.stderr.write = () => true;
  await loaded.main(['node', 'clipguard', 'precommit']); // blocked (exit 1) when there is a key
  if (key) {
    git('rm', '-q', '--cached', 'code/settings.js');
    await loaded.main(['node', 'clipguard', 'precommit']);
  }
  writeFileSync(join(dir, 'MSG'), 'Add the settings\n\n# Please enter the commit message\n');
  await loaded.main(['node', 'clipguard', 'precommit', '--commit-msg', join(dir, 'MSG')]);
} catch (e) {
  // No git here, say: the cache then holds what ran (the bundle's top level) and the build goes on.
  trained = false;
  write.err.call(process.stderr, `code cache: the hooks' commands did not run (${e.message.split('\n')[0]}); caching the top level only\n`);
} finally {
  process.stdout.write = write.out;
  process.stderr.write = write.err;
  process.chdir(here);
  rmSync(dir, { recursive: true, force: true });
}
process.exitCode = 0;
const bytes = writeCodeCache(loaded, `${bundle}.cache`);
process.stderr.write(`code cache: ${(bytes / 1024).toFixed(0)} KB for ${process.version}${trained ? '' : ' (top level only)'}\n`);
