// Loads the CLI's bundle (dist/bundle/clipguard.cjs, one CommonJS file) with the V8 code cache the build wrote
// beside it (clipguard.cjs.cache), so that a start (every `git commit` runs two) deserialises the bytecode of
// what the hook runs instead of parsing and compiling it again. Node 20 has no compile cache of its own
// (`module.enableCompileCache` is 22+ and caches top-level code only); `vm.Script` takes one.
//
// A code cache is code: V8 executes what it deserialises without checking it. So the cache is only ever read
// from the package's own dist/bundle/ (never a checkout, a temp or a home folder), only ever written by the
// build (`scripts/code-cache.mjs`), and used only when
//   - it is no more writable than the bundle it stands for (same owner; no group or world write bit the
//     bundle does not have): whoever can change it can already change the code;
//   - its header names this Node, V8 and CPU architecture and the SHA-256 of this very bundle (V8's own check
//     compares the source's length only), and the SHA-256 of the cache data that follows (a torn or damaged
//     file);
// and V8 still checks its version and flags. Anything else: the bundle is compiled from source as before.
// Built by esbuild into dist/bundle/loader.cjs (scripts/bundle.mjs); bin/clipguard.js requires it.
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, type Stats } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import vm from 'node:vm';

/** First line of a cache file: this, one space, then the JSON header. */
const MAGIC = 'clipguard-code-cache/1';

interface CacheHeader {
  node: string;
  v8: string;
  arch: string;
  /** SHA-256 (hex) of the bundle's bytes. */
  bundle: string;
  /** SHA-256 (hex) of the V8 data after the header line. */
  data: string;
}

/** Whether the cache was used: `used`, `absent`, `rejected` (by V8), or why it was not read. */
export type CacheUse = 'used' | 'absent' | 'rejected' | `invalid: ${string}`;

export interface LoadedBundle {
  main: (argv: string[]) => Promise<number>;
  cache: CacheUse;
  /** The compiled script and the bytes it was compiled from (the build asks it for its cache after a run). */
  script: vm.Script;
  bytes: Buffer;
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

function header(bundle: Uint8Array, data: Uint8Array): CacheHeader {
  return { node: process.version, v8: process.versions.v8, arch: process.arch, bundle: sha256(bundle), data: sha256(data) };
}

/**
 * The cache file's V8 data when every check above holds, else why not. `bundleStat` is the bundle's own
 * (from the descriptor it was read through).
 */
export function readCodeCache(cacheFile: string, bundle: Uint8Array, bundleStat: Stats): { data: Buffer } | { why: CacheUse } {
  let fd: number;
  try {
    fd = openSync(cacheFile, 'r');
  } catch (e) {
    return { why: (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'absent' : `invalid: cannot open (${(e as NodeJS.ErrnoException).code})` };
  }
  let file: Buffer;
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { why: 'invalid: not a regular file' };
    if (st.uid !== bundleStat.uid) return { why: 'invalid: owned by another user than the bundle' };
    if (st.mode & ~bundleStat.mode & 0o022) return { why: 'invalid: writable by more users than the bundle' };
    file = readFileSync(fd);
  } finally {
    closeSync(fd);
  }
  const nl = file.indexOf(10);
  const line = nl < 0 ? '' : file.subarray(0, nl).toString('utf8');
  if (!line.startsWith(`${MAGIC} `)) return { why: 'invalid: not a clipguard code cache' };
  let got: Partial<CacheHeader>;
  try {
    got = JSON.parse(line.slice(MAGIC.length + 1)) as Partial<CacheHeader>;
  } catch {
    return { why: 'invalid: unreadable header' };
  }
  const data = file.subarray(nl + 1);
  const want = header(bundle, data);
  for (const k of ['node', 'v8', 'arch', 'bundle', 'data'] as const) {
    if (got[k] !== want[k]) return { why: `invalid: made for another ${k === 'data' ? 'content (damaged)' : k}` };
  }
  return { data };
}

/** The bundle as one function of CommonJS's arguments, strict like the ES modules it was made from. */
function compile(file: string, source: string, cachedData?: Buffer): vm.Script {
  return new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    cachedData,
    // No importModuleDynamically: the build leaves no import() in the bundle (scripts/bundle.mjs).
  });
}

/**
 * Compiles and runs the CLI bundle `file`, with the cache `cacheFile` when it passes (null: never read one).
 * Throws what reading the bundle throws (ENOENT when the package was never built).
 */
export function loadBundle(file: string, cacheFile: string | null): LoadedBundle {
  const fd = openSync(file, 'r');
  let bytes: Buffer;
  let st: Stats;
  try {
    st = fstatSync(fd);
    bytes = readFileSync(fd);
  } finally {
    closeSync(fd);
  }
  const found = cacheFile === null ? { why: 'absent' as const } : readCodeCache(cacheFile, bytes, st);
  const script = compile(file, bytes.toString('utf8'), 'data' in found ? found.data : undefined);
  const cache: CacheUse = 'data' in found ? (script.cachedDataRejected ? 'rejected' : 'used') : found.why;
  const mod = { exports: {} as { main?: LoadedBundle['main'] } };
  (script.runInThisContext() as (...a: unknown[]) => void)(mod.exports, createRequire(file), mod, file, dirname(file));
  if (typeof mod.exports.main !== 'function') throw new Error(`${file} does not export main()`);
  return { main: mod.exports.main, cache, script, bytes };
}

/** Writes the cache of `loaded` (a loadBundle) to `cacheFile`, whole or not at all, mode 0644. */
export function writeCodeCache(loaded: Pick<LoadedBundle, 'script' | 'bytes'>, cacheFile: string): number {
  const data = loaded.script.createCachedData();
  const head = Buffer.from(`${MAGIC} ${JSON.stringify(header(loaded.bytes, data))}\n`, 'utf8');
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, Buffer.concat([head, data]), { mode: 0o644, flag: 'wx' });
    renameSync(tmp, cacheFile);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  return head.length + data.length;
}
