// Where this package's own files are at run time (rules/, schema/, bin/, package.json, dist/generated/).
//
// The code runs from three places: src/ (vitest), dist/ as tsc writes it (one file per module, at its own
// depth), and dist/bundle/ (esbuild's chunks, what bin/clipguard.js loads). A path relative to a module's own
// file holds in only one of them, so every such file is found from the package root: the nearest folder
// above this module holding a package.json (node_modules/clipguard/ when installed).
import { existsSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (let dir = here; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`clipguard: no package.json above ${here}`);
  }
}

/** The package's root folder (absolute, no trailing separator). */
export const PACKAGE_ROOT = findRoot();

/**
 * The build's generated files (dist/generated/: the Ajv validators, the zh tables), or undefined when running
 * from src/ (vitest), which must not pick up a build made from another version of the sources.
 */
export const GENERATED_DIR: string | undefined = fileURLToPath(import.meta.url).startsWith(join(PACKAGE_ROOT, 'src') + sep)
  ? undefined
  : join(PACKAGE_ROOT, 'dist', 'generated');
