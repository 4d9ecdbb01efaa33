// The `source` subject's facts: whether each source (Paperclip, git, a deploy check) answered, and the
// records it sent that failed their schema (built in sources/index.ts sourceSubject).
import { arr, B, N, nul, obj, S } from '../engine/shape.js';
import type { FactFamily } from './family.js';

/** The server's GET /api/health answer, passed through (the fields rules use; the server sends more). */
export const healthShape = obj({ status: S, version: S, deploymentMode: S, error: S });

export const sourceFamily = {
  facts: {
    source: {
      source: obj({
        name: S,
        kind: S,
        status: S,
        detail: S,
        url: nul(S),
        expected: B,
        health: nul(healthShape),
        git: nul(obj({ dir: S, branch: nul(S), upstream: nul(S), ahead: N, commits: arr(obj({ sha: S, subject: S })), leakKinds: nul(arr(S)) })),
        deploy: nul(obj({ url: S, httpStatus: nul(N), expectStatus: N, textFound: B, ok: B, error: nul(S), ms: N })),
      }),
      problems: arr(obj({ entity: S, id: S, field: S, message: S })),
    },
  },
} satisfies FactFamily;
