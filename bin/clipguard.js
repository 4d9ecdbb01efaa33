#!/usr/bin/env node
// Thin launcher: the CLI is compiled and bundled to dist/bundle/ by `npm run build` (run by `npm install` via
// "prepare"): one CommonJS file, clipguard.cjs, which dist/bundle/loader.js (src/bundle-loader.ts) compiles
// with the V8 code cache the build wrote beside it, so that later starts (every `git commit`) skip compiling
// what the hook runs. On Node 22.1+ Node's own compile cache also covers the dependencies loaded from
// node_modules; Node 20 has none and ignores this.
import module from 'node:module';

module.enableCompileCache?.();
// A reader that stops early (`clipguard rules list | head -1`) closes the pipe: stop writing quietly, as Unix
// tools do, instead of dying on an unhandled EPIPE. The process still ends with its own exit code, so a
// failing scan piped into `head` under `set -o pipefail` still fails.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code !== 'EPIPE') throw e;
  });
}
const dir = new URL('../dist/bundle/', import.meta.url);
const bundle = new URL('clipguard.cjs', dir).pathname;
let main;
try {
  const { loadBundle } = await import(new URL('loader.js', dir).href);
  ({ main } = loadBundle(bundle, `${bundle}.cache`));
} catch (e) {
  // A checkout that was never built (or whose dist/ was removed): say what to do, exit 2 (a git hook blocks).
  const missing = (e?.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes(dir.pathname)) || (e?.code === 'ENOENT' && e.path === bundle);
  if (!missing) throw e;
  process.stderr.write(`clipguard: ${bundle} is missing: run \`npm run build\` (or npm install) in ${new URL('..', import.meta.url).pathname}\n`);
  process.exit(2);
}
process.exitCode = await main(process.argv);
