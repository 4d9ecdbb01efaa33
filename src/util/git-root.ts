// Where a checkout begins, by the files alone (no git process): the config search, the pre-commit hook, the state
// directory's checks and `init` all ask it.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The nearest folder at or above `dir` holding a `.git` (a directory, or a file: a worktree, a submodule), or null. */
export function gitRoot(dir: string): string | null {
  for (let d = resolve(dir); ; d = dirname(d)) {
    if (existsSync(join(d, '.git'))) return d;
    if (dirname(d) === d) return null;
  }
}
