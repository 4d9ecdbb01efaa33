// The `run` fact of a `run` subject: a finished heartbeat run whose log, events and record were read
// (sources/paperclip/run-logs.ts runSubjectFacts builds it, with the run's agent, issue and secrets).
import { B, N, nul, obj, S } from '../engine/shape.js';
import type { FactFamily } from './family.js';

export const runFamily = {
  facts: {
    run: {
      run: obj({ id: S, agentId: S, status: S, invocationSource: nul(S), issueId: nul(S), createdAt: S, startedAt: nul(S), finishedAt: nul(S), logBytes: nul(N), truncated: B }),
    },
  },
} satisfies FactFamily;
