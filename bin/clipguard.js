#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build` (run by `npm install` via "prepare").
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
const { main } = await import('../dist/cli/main.js');
process.exitCode = await main(process.argv);
