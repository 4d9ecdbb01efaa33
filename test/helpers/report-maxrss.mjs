// Preloaded into a CLI child (NODE_OPTIONS=--import <this file>): on exit, writes its peak resident set size
// to stderr, so that a test can bound the memory a run took whatever the process read.
import { writeSync } from 'node:fs';

process.on('exit', () => {
  writeSync(2, `\nclipguard-test-maxrss-kb=${process.resourceUsage().maxRSS}\n`);
});
