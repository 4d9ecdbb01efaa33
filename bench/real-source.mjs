// Real source for the benchmarks: JavaScript and TypeScript files of the installed dependencies (node_modules),
// chosen the same way on every run from what is installed (sorted paths, evenly spaced picks), no minified
// bundles or source maps, each 1 KB-1 MB. Real code has what generated code lacks: long lines, base64 blobs,
// hashes and test fixtures, comments in other languages.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const EXT = /\.(?:[cm]?js|tsx?|d\.ts)$/;

function walk(dir, out) {
  let names;
  try {
    names = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of names) {
    const abs = join(dir, e.name);
    if (e.isDirectory()) walk(abs, out);
    else if (e.isFile() && EXT.test(e.name) && !/\.min\.|[-.]bundle\.|\.map$/.test(e.name)) out.push(abs);
  }
}

let all;
/** Every candidate file under node_modules: [{path (relative to node_modules), abs, bytes}], sorted by path. */
export function candidates() {
  if (all) return all;
  const found = [];
  walk(join(ROOT, 'node_modules'), found);
  all = found
    .map((abs) => ({ abs, path: relative(join(ROOT, 'node_modules'), abs), bytes: statSync(abs).size }))
    .filter((f) => f.bytes >= 1024 && f.bytes <= 1024 * 1024)
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return all;
}

/** `count` files spread evenly over the candidates. */
export function realFiles(count) {
  const c = candidates();
  const step = c.length / count;
  return Array.from({ length: Math.min(count, c.length) }, (_, i) => c[Math.floor(i * step)]);
}

/** Files spread evenly over the candidates until `bytes` (in all) are reached. */
export function realFilesOfSize(bytes) {
  const c = candidates();
  const total = c.reduce((a, f) => a + f.bytes, 0);
  const step = Math.max(1, total / bytes);
  const out = [];
  let size = 0;
  for (let x = 0; x < c.length && size < bytes; x += step) {
    const f = c[Math.floor(x)];
    out.push(f);
    size += f.bytes;
  }
  return out;
}

export const readText = (f) => readFileSync(f.abs, 'utf8');
