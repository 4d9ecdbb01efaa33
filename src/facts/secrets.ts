// The `secrets` facts: keys found in a subject's text, masked at detection (never the secret), with where
// they are. Built by the detectors' callers: ticket texts in sources/paperclip/subjects.ts, run logs in
// sources/paperclip/run-logs.ts, agent configurations in sources/paperclip/agent-config.ts, commits, diffs
// and files in sources/index.ts and sources/locale-subjects.ts.
import { arr, B, N, nul, obj, opt, S } from '../engine/shape.js';
import type { FactFamily } from './family.js';

/**
 * A match as rules see it: masked, never the secret. `fingerprintKey` tells two matches of one text apart (the
 * finding's fingerprint; no part of the secret); `inlineIgnored` is always false where no inline ignore can apply.
 */
const matchFields = {
  kind: S,
  description: S,
  line: N,
  column: N,
  preview: S,
  inlineIgnored: B,
  fingerprintKey: S,
};
/** In a file, a commit or a diff, a `clipguard-ignore` on the line may name rules, with a reason. */
const secretMatchShape = obj({ ...matchFields, ignoreRules: opt(arr(S)), ignoreReason: opt(S) });
/** In a ticket or comment (no inline ignore honoured there: anyone can write one), the field it is in (title, description, body). */
const ticketSecretMatchShape = obj({ ...matchFields, field: S });
/** In a heartbeat run's log, events or record: the place (`log (stdout)`, `event 3 (adapter.invoke)`, `run result`) and the other places the same key is in. */
const runSecretMatchShape = obj({ ...matchFields, place: S, also: S });
/** A secret in an agent's configuration: where, and masked. */
const configSecretShape = obj({ kind: S, description: S, preview: S, path: S, field: S, binding: nul(S), name: nul(S), fingerprintKey: S });

export const secretsFamily = {
  facts: {
    issue: { secrets: arr(ticketSecretMatchShape) },
    comment: { secrets: arr(ticketSecretMatchShape) },
    run: { secrets: arr(runSecretMatchShape) },
    commit: { secrets: arr(secretMatchShape) },
    diff: { secrets: arr(secretMatchShape) },
    file: { secrets: arr(secretMatchShape) },
    /** Secrets in the agent's adapterConfig, runtimeConfig, metadata or capabilities (masked there too). */
    agent: { configSecrets: arr(configSecretShape) },
  },
} satisfies FactFamily;
