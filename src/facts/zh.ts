// The zh facts of locale files: Simplified characters in zh-Hant text and the other way,
// regional variants, Japanese forms (built in sources/locale-subjects.ts and sources/locales.ts; each finding names its line).
import { arr, B, N, nul, obj, opt, S } from '../engine/shape.js';
import type { FactFamily } from './family.js';

const zhFindingShape = obj({
  kind: S,
  char: S,
  suggestion: S,
  line: N,
  column: N,
  context: S,
  inlineIgnored: B,
  /** The `-- reason` of the inline ignore behind `inlineIgnored`, when there is one. */
  ignoreReason: opt(S),
  fingerprintKey: S,
});

export const zhFamily = {
  facts: {
    file: {
      file: obj({ path: S, locale: nul(S), size: N }),
      zh: obj({ simplifiedInHant: arr(zhFindingShape), traditionalInHans: arr(zhFindingShape), regionalVariant: arr(zhFindingShape), japaneseForm: arr(zhFindingShape) }),
    },
  },
} satisfies FactFamily;
