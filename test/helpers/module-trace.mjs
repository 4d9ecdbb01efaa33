// Preloaded into a CLI child (node --import <this file>): appends every module the process loads, ES modules
// through a loader hook and CommonJS ones from the require cache at exit, one URL or path a line, to the file
// in $CLIPGUARD_MODULE_TRACE. Lets a test say which dependencies a command loaded.
import { createRequire, register } from 'node:module';
import { appendFileSync } from 'node:fs';

register(new URL('./module-trace-hooks.mjs', import.meta.url));
const require = createRequire(import.meta.url);
process.on('exit', () => {
  const out = process.env.CLIPGUARD_MODULE_TRACE;
  if (out) appendFileSync(out, Object.keys(require.cache).join('\n') + '\n');
});
