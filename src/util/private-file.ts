// State files (watch state, the idempotency ledger, kept Paperclip reads) are private to the user and are
// never seen half-written: written beside the target and renamed over it, in a 0700 directory, mode 0600.
// A write that fails (a full disk, a read-only file system) leaves no temporary file behind and throws.

import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export function writePrivateFileAtomic(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text, { mode: 0o600 });
    renameSync(tmp, file);
  } catch (e) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      /* nothing left to remove, or removal refused: the write's own error is the one to report */
    }
    throw e;
  }
}
