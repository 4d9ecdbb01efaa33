// The CLI's V8 code cache (src/bundle-loader.ts): V8 executes a cache's bytecode unchecked and itself compares
// only the source's length, so a cache is used only when it was made for these very bytes, by this Node, is
// whole, and is no more writable than the bundle. Every other case compiles from source and runs the same.
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { loadBundle, writeCodeCache } from '../../src/bundle-loader.js';
import { tempDir } from '../helpers/cli.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

// A small bundle shaped like the CLI's (CommonJS, exports main), with enough code for V8 to cache.
const body = (answer: number) =>
  `"use strict";\nfunction add(a, b) { return a + b; }\nfunction sum(xs) { let s = 0; for (const x of xs) s = add(s, x); return s; }\n` +
  `exports.main = async (argv) => sum([${answer - 3}, 1, 2]) + argv.length * 0;\n`;

let dir: string;
let bundle: string;
let cache: string;
beforeEach(() => {
  dir = tempDir('clipguard-code-cache-');
  dirs.push(dir);
  bundle = join(dir, 'clipguard.cjs');
  cache = `${bundle}.cache`;
  writeFileSync(bundle, body(42), { mode: 0o644 });
  chmodSync(bundle, 0o644);
  const made = loadBundle(bundle, null);
  expect(made.cache).toBe('absent');
  writeCodeCache(made, cache);
});

const run = async () => {
  const loaded = loadBundle(bundle, cache);
  return { cache: loaded.cache, result: await loaded.main([]) };
};

describe('the code cache', () => {
  it('is used for the bundle it was made from', async () => {
    expect(await run()).toEqual({ cache: 'used', result: 42 });
  });

  it('is not used for another bundle of the same length (which V8 alone would accept)', async () => {
    const cached = readFileSync(cache);
    const data = cached.subarray(cached.indexOf(10) + 1);
    writeFileSync(bundle, body(47));
    expect(readFileSync(bundle).length).toBe(body(42).length);
    // V8's own check: the length, not the text.
    const alone = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${body(47)}\n})`, { filename: bundle, cachedData: data });
    expect(alone.cachedDataRejected).toBe(false);
    expect(await run()).toEqual({ cache: 'invalid: made for another bundle', result: 47 });
  });

  it('is not used when damaged, truncated, made by another Node, or not a cache', async () => {
    const good = readFileSync(cache);
    const nl = good.indexOf(10);
    const flipped = Buffer.from(good);
    flipped[nl + 1 + Math.floor((good.length - nl) / 2)] ^= 0xff;
    const header = JSON.parse(good.subarray(0, nl).toString('utf8').replace(/^\S+ /, '')) as Record<string, string>;
    const other = Buffer.concat([Buffer.from(`clipguard-code-cache/1 ${JSON.stringify({ ...header, node: 'v99.0.0' })}\n`), good.subarray(nl + 1)]);
    const cases: [Buffer, string][] = [
      [flipped, 'invalid: made for another content (damaged)'],
      [good.subarray(0, good.length - 100), 'invalid: made for another content (damaged)'],
      [good.subarray(0, nl), 'invalid: not a clipguard code cache'],
      [other, 'invalid: made for another node'],
      [Buffer.from('not a cache\n'), 'invalid: not a clipguard code cache'],
      [Buffer.concat([Buffer.from('clipguard-code-cache/1 {oops\n'), good.subarray(nl + 1)]), 'invalid: unreadable header'],
      [good.subarray(nl + 1), 'invalid: not a clipguard code cache'], // V8's data without our header
    ];
    for (const [bytes, why] of cases) {
      writeFileSync(cache, bytes);
      expect(await run()).toEqual({ cache: why, result: 42 });
    }
  });

  it('is not used when more users can write it than the bundle, or another user owns it', async () => {
    chmodSync(cache, 0o666);
    expect(await run()).toEqual({ cache: 'invalid: writable by more users than the bundle', result: 42 });
    chmodSync(cache, 0o664);
    expect((await run()).cache).toBe('invalid: writable by more users than the bundle');
    // As writable as the bundle: used.
    chmodSync(bundle, 0o664);
    expect((await run()).cache).toBe('used');
    chmodSync(bundle, 0o644);
    chmodSync(cache, 0o644);
    if (process.getuid?.() === 0) {
      chownSync(cache, 4242, 4242);
      expect(await run()).toEqual({ cache: 'invalid: owned by another user than the bundle', result: 42 });
    }
  });

  it('is absent or not read when missing or not a file; a missing bundle throws ENOENT', async () => {
    rmSync(cache);
    expect(await run()).toEqual({ cache: 'absent', result: 42 });
    mkdirSync(cache);
    expect((await run()).cache).toMatch(/^invalid: /);
    rmSync(bundle);
    expect(() => loadBundle(bundle, cache)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });

  it('written by the build, is used by a plain `node` running the built CLI', () => {
    const cli = join(ROOT, 'dist', 'bundle', 'clipguard.cjs');
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', `const { loadBundle } = await import(${JSON.stringify(join(ROOT, 'dist', 'bundle', 'loader.cjs'))}); process.stdout.write(loadBundle(${JSON.stringify(cli)}, ${JSON.stringify(`${cli}.cache`)}).cache);`], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('used');
  });

  it('the launcher of a checkout that was never built says what to do and exits 2 (a hook blocks)', () => {
    const pkg = tempDir('clipguard-unbuilt-');
    dirs.push(pkg);
    cpSync(join(ROOT, 'bin'), join(pkg, 'bin'), { recursive: true });
    copyFileSync(join(ROOT, 'package.json'), join(pkg, 'package.json'));
    for (const built of [[], ['loader.cjs']]) {
      for (const f of built) {
        mkdirSync(join(pkg, 'dist', 'bundle'), { recursive: true });
        copyFileSync(join(ROOT, 'dist', 'bundle', f), join(pkg, 'dist', 'bundle', f));
      }
      const r = spawnSync(process.execPath, [join(pkg, 'bin', 'clipguard.js'), 'precommit'], { cwd: pkg, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toBe(`clipguard: ${join(pkg, 'dist', 'bundle', 'clipguard.cjs')} is missing: run \`npm run build\` (or npm install) in ${pkg}\n`);
    }
  });
});
