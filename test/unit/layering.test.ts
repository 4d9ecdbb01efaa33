// The pipeline's layers import downwards only: the engine knows rules and facts, never the sources that read
// the world, the actions that change it or the CLI; the sources never know actions or the CLI; a fact family
// (src/facts) knows the shape language and Paperclip's data model, never how the world is read.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');
const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
/** Every module a file imports (static and dynamic), as paths relative to src/. */
const importsOf = (file: string): string[] =>
  [...readFileSync(file, 'utf8').matchAll(/(?:from\s+|import\()\s*'(\.{1,2}\/[^']+)'/g)].map((m) => relative(SRC, resolve(join(file, '..'), m[1])));

describe('layering', () => {
  it.each([
    ['engine', ['actions/', 'cli/', 'sources/', 'schedule/', 'report/']],
    ['sources', ['actions/', 'cli/', 'schedule/']],
    ['detectors', ['actions/', 'cli/', 'schedule/', 'engine/', 'sources/']],
    ['actions', ['cli/', 'schedule/']],
    // A fact family is built from Paperclip's data model and nothing else of the sources (no reads, no client).
    ['facts', ['actions/', 'cli/', 'schedule/', 'report/', 'sources/index', 'sources/git', 'sources/paperclip/client', 'sources/paperclip/read', 'sources/paperclip/subjects', 'sources/paperclip/cache']],
  ])('src/%s imports none of %j', (layer, forbidden) => {
    const bad = filesUnder(join(SRC, layer)).flatMap((f) => importsOf(f).filter((i) => forbidden.some((p) => i.startsWith(p))).map((i) => `${relative(SRC, f)} -> ${i}`));
    expect(bad).toEqual([]);
  });

  it('sees the imports it checks (a file known to import the engine)', () => {
    expect(importsOf(join(SRC, 'scan.ts'))).toContain('engine/evaluate.js');
  });
});
