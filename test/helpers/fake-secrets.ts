// Seeded fake credentials for tests: `fakeToken(kind, seed)` is the secret a detector must report,
// `fakeSample(kind, seed, style)` the smallest text it must find it in. The implementation is plain JS
// (fake-secrets.mjs) so that scripts/ and bench/ share it; see there for why no literal key appears.
export { FAKE_KINDS, SELF_CONTAINED_KINDS, fakeSample, fakeToken, seededRandom } from './fake-secrets.mjs';
