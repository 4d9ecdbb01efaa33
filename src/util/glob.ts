// Globs (picomatch), loaded on the first glob matched: its modules cost ~9 ms of start-up, and the pre-commit
// hook or `clipguard i18n` with no allowlist paths, waivers by path or i18n globs match none.

import { createRequire } from 'node:module';
import type picomatchType from 'picomatch';

const require = createRequire(import.meta.url);
let picomatch: typeof picomatchType | undefined;
const load = (): typeof picomatchType => (picomatch ??= require('picomatch') as typeof picomatchType);

/** picomatch(globs, options): a matcher function. */
export function globMatcher(globs: string | string[], options?: picomatchType.PicomatchOptions): (path: string) => boolean {
  return load()(globs, options);
}

/** picomatch.isMatch(path, globs, options). */
export function globMatch(path: string, globs: string | string[], options?: picomatchType.PicomatchOptions): boolean {
  return load().isMatch(path, globs, options);
}
