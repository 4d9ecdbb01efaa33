// Decisions sort strings by UTF-16 code units (src/util/compare.ts), never by the process's locale: the plugin
// runs under the server's locale, the CLI under the user's, and both must pick the same issue for an agent and
// the same copy of a redacted comment to keep. Each case below is one where the two orders differ ('B' < 'a' in
// code units; a locale's collation puts 'a' first), so a `localeCompare` back in any of them fails here.
import { describe, expect, it } from 'vitest';
import * as fc from 'fast-check';
import { compareIssues } from '../../src/sources/paperclip/model.js';
import { flagBody, type FlagEntry } from '../../src/actions/flag.js';
import { byCodeUnits } from '../../src/util/compare.js';

describe('code-unit order in decisions', () => {
  it('byCodeUnits is the order of < on strings, total and antisymmetric (property)', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        expect(byCodeUnits(a, b)).toBe(a < b ? -1 : a > b ? 1 : 0);
        expect(byCodeUnits(a, b)).toBe(-byCodeUnits(b, a) || 0);
      }),
    );
    expect('a'.localeCompare('B')).toBeLessThan(0); // the locale order this guards against
    expect(byCodeUnits('a', 'B')).toBe(1);
  });

  it('compareIssues: same priority and creation time, the identifier decides by code units', () => {
    const at = '2026-11-15T12:00:00.000Z';
    const issues = [
      { priority: 'high', createdAt: at, identifier: 'a-1' },
      { priority: 'high', createdAt: at, identifier: 'B-1' },
    ];
    expect([...issues].sort(compareIssues).map((i) => i.identifier)).toEqual(['B-1', 'a-1']);
  });

  it('the flag comment lists places by code units (the same text from every process, so an earlier post is recognised)', () => {
    const entry = (commentId: string): FlagEntry => ({ kind: 'github-pat', description: 'GitHub token', place: 'comment', commentId, line: 1, author: null, key: `github-pat:${commentId}` });
    const body = flagBody([entry('a0000000-0000'), entry('B0000000-0000')]);
    expect(body.indexOf('B0000000-0000')).toBeLessThan(body.indexOf('a0000000-0000'));
  });
});
