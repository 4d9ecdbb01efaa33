// The loader hook of module-trace.mjs (it runs on the loader's own thread).
import { appendFileSync } from 'node:fs';

export async function load(url, context, next) {
  if (process.env.CLIPGUARD_MODULE_TRACE) appendFileSync(process.env.CLIPGUARD_MODULE_TRACE, `${url}\n`);
  return next(url, context);
}
