// Secrets in the commits a push would send: read by the git source (so the dry-run shows a push it would refuse
// as skipped) and again by the push action right before it pushes (the branch may have moved since).

import { detectSecretsMany, secretIgnoredFor, type DetectOptions } from '../detectors/secrets/index.js';
import { blobSecrets } from './blob-secrets.js';
import { readBlob, streamCommitRange, type BlobFile } from './git.js';

/**
 * Kinds of the secrets (not inline-ignored) in the added lines, whole files and messages of a commit range,
 * read as a stream (see streamCommitRange). A range git cannot read to its end throws: the push is not made.
 */
export async function secretKindsInRange(repo: string, range: string, options?: DetectOptions): Promise<string[]> {
  const kinds: string[] = [];
  const blobs: BlobFile[] = [];
  const found = (text: string, rule: string) => {
    for (const m of detectSecretsMany([text], options)[0]) if (!secretIgnoredFor(m, rule)) kinds.push(m.kind);
  };
  for await (const ev of streamCommitRange(repo, range)) {
    if (ev.type === 'commit') found(ev.commit.message, 'security/secret-in-commit-message');
    else if (ev.type === 'file') found(ev.file.lines.map((l) => l.text).join('\n'), 'security/secret-in-diff');
    else if (ev.type === 'blob') blobs.push(ev.blob);
    // Part of a commit git could not show was not checked: it stops the push as a leak would.
    else if (ev.type === 'unread') kinds.push(`unread ${ev.what} in ${ev.commit.slice(0, 10)}`);
  }
  // Binary, UTF-16 and large files, read whole; one that cannot be read stops the push as a leak would.
  for (const b of blobs) {
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
