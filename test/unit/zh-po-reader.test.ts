// The one-pass .po reader (src/sources/extract/po.ts) against the line-splitting reader it replaced
// (test/helpers/po-reference.ts): the same segments on every genuine .po file of the corpus and on
// generated .po-like text, spaces, CRLF, comments, plurals and malformed keywords included.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { poSegments } from '../../src/sources/extract/po.js';
import { findLocaleFiles } from '../../src/sources/locales.js';
import { poSegmentsReference } from '../helpers/po-reference.js';

const REAL = join(import.meta.dirname, '../../fixtures/locales-real');

describe('.po reader', () => {
  it('reads the same msgstr segments as the reference reader on every genuine .po file', () => {
    const files = findLocaleFiles(REAL).filter((f) => f.path.endsWith('.po'));
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) {
      const text = readFileSync(join(REAL, f.path), 'utf8');
      expect([f.path, poSegments(text)]).toEqual([f.path, poSegmentsReference(text)]);
    }
  });

  it('reads the same segments as the reference reader on generated .po-like text', () => {
    const piece = fc.constantFrom('msgid ', 'msgid_plural ', 'msgstr ', 'msgstr[0] ', 'msgstr[] ', 'msgstr[1x', 'msgctxt ', 'msgidx ', 'msgstr\t', '#~ msgstr ', '# ', '#: a.c:1', '"', '""', '"設定"', '"说明\\n"', ' ', '\t', '\u3000', '\r\n', '\n', '\n', '\n', 'x', '\\"', '\uFEFF');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (parts) => {
        const text = parts.join('');
        expect(poSegments(text)).toEqual(poSegmentsReference(text));
      }),
      { numRuns: 3000 },
    );
  });

  it('reads the same segments as the reference reader on generated entries (header, context, plurals, comments between lines)', () => {
    const str = fc.constantFrom('""', '"設定"', '"说明 %s\\n"', '"a\\"b"', '" "');
    const comment = fc.constantFrom('# translator', '#: src/a.c:12', '#, c-format', '#~ msgid "old"', '#~ msgstr "舊"', '  # indented', '');
    const line = (kw: fc.Arbitrary<string>) => fc.tuple(fc.constantFrom('', ' ', '\t'), kw, fc.constantFrom(' ', '\t', '  ', ''), str).map(([a, k, sp, v]) => `${a}${k}${sp}${v}`);
    const entry = fc.tuple(
      fc.array(comment, { maxLength: 2 }),
      fc.option(line(fc.constant('msgctxt'))),
      line(fc.constantFrom('msgid', 'msgid_plural', 'msgidx')),
      fc.array(fc.oneof(str, comment), { maxLength: 2 }),
      fc.option(line(fc.constant('msgid_plural'))),
      fc.array(line(fc.constantFrom('msgstr', 'msgstr[0]', 'msgstr[1]', 'msgstr[]', 'msgstr[x]')), { minLength: 0, maxLength: 3 }),
      fc.array(fc.oneof(str, comment), { maxLength: 2 }),
    ).map((parts) => parts.flat().filter((x): x is string => typeof x === 'string'));
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 6 }), fc.constantFrom('\n', '\r\n'), fc.boolean(), (entries, eol, finalEol) => {
        const text = entries.flat().join(eol) + (finalEol ? eol : '');
        expect(poSegments(text)).toEqual(poSegmentsReference(text));
      }),
      { numRuns: 3000 },
    );
  });
});
