#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build` (run by `npm install` via "prepare").
// On Node 22.1+ the on-disk V8 compile cache makes later starts (every `git commit`) cheaper; Node 20
// has no such cache and ignores this.
import module from 'node:module';

module.enableCompileCache?.();
const { main } = await import('../dist/cli/main.js');
process.exitCode = await main(process.argv);
