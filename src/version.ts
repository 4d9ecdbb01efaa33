import { readFileSync } from 'node:fs';

// Read from package.json at run time so `--version` and reports can never disagree with the package.
export const VERSION: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;
