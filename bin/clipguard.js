#!/usr/bin/env node
// Thin launcher: the CLI is compiled and bundled to dist/bundle/ by `npm run build` (run by `npm install` via
// "prepare"): one CommonJS file, clipguard.cjs, which dist/bundle/loader.cjs (src/bundle-loader.ts) compiles
// with the V8 code cache the build wrote beside it, so that later starts (every `git commit`) skip compiling
// what the hook runs. CommonJS itself (bin/package.json), like the two files it loads: a process that loads no
// ES module never starts Node's ES module loader (~5 ms a start). Node 22+'s own compile cache
// (module.enableCompileCache) is not used: it lives in the shared os.tmpdir(), and Node takes an entry another
// local user planted there (it checks sizes and CRC32s, not owners), which would run in place of the loader
// (test/unit/review-compile-cache.test.ts).
'use strict';
const { join } = require('node:path');

// A reader that stops early (`clipguard rules list | head -1`) closes the pipe: stop writing quietly, as Unix
// tools do, instead of dying on an unhandled EPIPE. The process still ends with its own exit code, so a
// failing scan piped into `head` under `set -o pipefail` still fails.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code !== 'EPIPE') throw e;
  });
}
const dir = join(__dirname, '..', 'dist', 'bundle');
const bundle = join(dir, 'clipguard.cjs');
let main;
try {
  ({ main } = require(join(dir, 'loader.cjs')).loadBundle(bundle, `${bundle}.cache`));
} catch (e) {
  // A checkout that was never built (or whose dist/ was removed): say what to do, exit 2 (a git hook blocks).
  const missing = (e?.code === 'MODULE_NOT_FOUND' && String(e.message).includes(join(dir, 'loader.cjs'))) || (e?.code === 'ENOENT' && e.path === bundle);
  if (!missing) throw e;
  process.stderr.write(`clipguard: ${bundle} is missing: run \`npm run build\` (or npm install) in ${join(__dirname, '..')}\n`);
  process.exit(2);
}
main(process.argv).then((code) => {
  process.exitCode = code;
});
