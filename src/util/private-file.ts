// State files (watch state, the idempotency ledger, kept Paperclip reads) are private to the user and are
// never seen half-written: written beside the target and renamed over it, in a 0700 directory, mode 0600.
// A write that fails (a full disk, a read-only file system) leaves no temporary file behind and throws.

import { closeSync, constants, mkdirSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';

export function writePrivateFileAtomic(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  // A fresh name, created exclusively and never through a link: a name planted in advance (a symlink at
  // `<file>.<pid>.tmp`) cannot redirect the write. The rename then replaces `file` itself, even a link there.
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  let created = false;
  try {
    const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    created = true;
    try {
      writeFileSync(fd, text);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (e) {
    try {
      if (created) rmSync(tmp, { force: true });
    } catch {
      /* nothing left to remove, or removal refused: the write's own error is the one to report */
    }
    throw e;
  }
}
