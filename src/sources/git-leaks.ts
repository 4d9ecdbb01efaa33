// Secrets in the commits a push would send: read by the git source (so the dry-run shows a push it would refuse
// as skipped) and again by the push action right before it pushes (the branch may have moved since).

import { detectSecretsMany, secretIgnoredFor, type DetectOptions } from '../detectors/secrets/index.js';
import { blobSecrets } from './blob-secrets.js';
import { readBlob, readCommitRange } from './git.js';

/** Kinds of the secrets (not inline-ignored) in the added lines, whole files and messages of a commit range. */
export async function secretKindsInRange(repo: string, range: string, options?: DetectOptions): Promise<string[]> {
  const r = await readCommitRange(repo, range);
  const texts = [...r.files.map((f) => f.lines.map((l) => l.text).join('\n')), ...r.commits.map((c) => c.message)];
  const kinds = detectSecretsMany(texts, options).flatMap((ms, i) => ms.filter((m) => !secretIgnoredFor(m, i < r.files.length ? 'security/secret-in-diff' : 'security/secret-in-commit-message')).map((m) => m.kind));
  // Binary, UTF-16 and large files, read whole; one that cannot be read stops the push as a leak would.
  for (const b of r.blobs) {
    const found = await blobSecrets(readBlob(repo, b.blob), { ...options, path: b.path }).then(
      (s) => s.matches.filter((m) => !secretIgnoredFor(m, 'security/secret-in-diff')).map((m) => m.kind),
      () => [`unreadable file ${b.path}`],
    );
    kinds.push(...found);
  }
  return kinds;
}

/** Why a push with these secrets in its commits is not made: the same words in the plan and in the action. */
export function pushLeakReason(kinds: string[]): string {
  return `not pushed: ${kinds.length} secret(s) in the commits to push (${[...new Set(kinds)].join(', ')}); remove them from the history and rotate the key(s) first`;
}
