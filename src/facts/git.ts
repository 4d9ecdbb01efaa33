// The `commit` and `diff` facts: a commit of the scanned range and each file it adds lines to (built in
// sources/index.ts from sources/git.ts's stream, with their masked secrets).
import { N, obj, S } from '../engine/shape.js';
import type { FactFamily } from './family.js';

export const gitFamily = {
  facts: {
    commit: { commit: obj({ sha: S, subject: S, message: S, author: S, date: S }) },
    diff: { diff: obj({ path: S, addedLines: N }) },
  },
} satisfies FactFamily;
