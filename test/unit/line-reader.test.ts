// The scan reads the lines around a finding (inline-ignore comments) without splitting the file into a string
// per line: the same line as text.split('\n') gives, for every line number, on any text.
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { lineReader } from '../../src/scan.js';

const dir = realpathSync(mkdtempSync(join(tmpdir(), 'clipguard-lines-')));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('lineReader', () => {
  it('gives text.split("\\n")[line - 1] for every line, null outside the file', () => {
    let n = 0;
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', '設', '\n', '\r', ' ', '𠀀', '#'), maxLength: 60 }), (text) => {
        const file = `f${n++}.po`;
        writeFileSync(join(dir, file), text);
        const read = lineReader([dir]);
        const lines = text.split('\n');
        for (let line = 0; line <= lines.length + 1; line++) expect(read(file, line)).toBe(lines[line - 1] ?? null);
      }),
      { numRuns: 300 },
    );
  });

  it('reads nothing outside the roots', () => {
    writeFileSync(join(dir, 'inside.txt'), 'one\ntwo');
    expect(lineReader([dir])('inside.txt', 2)).toBe('two');
    expect(lineReader([join(dir, 'sub')])('../inside.txt', 1)).toBeNull();
  });
});
