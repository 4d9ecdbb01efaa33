// `any` turns the type checker off where it stands: Paperclip's records have one schema (records.ts) and the
// facts, actions and config their own types, so src/ has none. Counted with the TypeScript parser (a type
// `any`, not the word in a comment or a name), so a new one fails here with its place.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');
const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));

function anyTypesIn(name: string, text: string): string[] {
  const sf = ts.createSourceFile(name, text, ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const visit = (n: ts.Node) => {
    if (n.kind === ts.SyntaxKind.AnyKeyword) out.push(`${name}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}`);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

describe('types', () => {
  it('src/ has no `any`', () => {
    expect(filesUnder(SRC).flatMap((f) => anyTypesIn(relative(SRC, f), readFileSync(f, 'utf8')))).toEqual([]);
  });

  it('finds an `any` where there is one, and not in comments, strings or names', () => {
    expect(anyTypesIn('x.ts', 'const a: any = 1;\nconst b = c as any;\nfunction f(x: Record<string, any>) {}')).toEqual(['x.ts:1', 'x.ts:2', 'x.ts:3']);
    expect(anyTypesIn('x.ts', '// any\nconst any = "any";\n/** any */ let s: unknown;')).toEqual([]);
  });
});
