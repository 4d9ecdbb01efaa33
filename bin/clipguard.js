#!/usr/bin/env node
// Thin launcher: the CLI is compiled and bundled to dist/bundle/ by `npm run build` (run by `npm install` via "prepare").
// On Node 22.1+ the on-disk V8 compile cache makes later starts (every `git commit`) cheaper; Node 20
// has no such cache and ignores this.
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
const built = new URL('../dist/bundle/clipguard.js', import.meta.url);
let main;
try {
  ({ main } = await import(built.href));
} catch (e) {
  // A checkout that was never built (or whose dist/ was removed): say what to do, exit 2 (a git hook blocks).
  if (e?.code !== 'ERR_MODULE_NOT_FOUND' || !String(e.message).includes(built.pathname)) throw e;
  process.stderr.write(`clipguard: ${built.pathname} is missing: run \`npm run build\` (or npm install) in ${new URL('..', import.meta.url).pathname}\n`);
  process.exit(2);
}
process.exitCode = await main(process.argv);
