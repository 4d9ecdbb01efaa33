// Seeded fake credentials for tests: `fakeToken(kind, seed)` is the secret a detector must report,
// `fakeSample(kind, seed, style)` the smallest text it must find it in. The implementation is plain JS
// (fake-secrets.mjs) so that scripts/ and bench/ share it; see there for why no literal key appears.
export { FAKE_KINDS, SELF_CONTAINED_KINDS, fakeSample, fakeToken, seededRandom } from './fake-secrets.mjs';

/** `text` without the spans of `matches` (sorted, non-overlapping): what redaction must keep, in order. */
export function textOutside(text: string, matches: readonly { start: number; end: number }[]): string {
  let kept = '';
  let pos = 0;
  for (const m of matches) {
    kept += text.slice(pos, m.start);
    pos = m.end;
  }
  return kept + text.slice(pos);
}
