// Report and baseline files a user names (-o, --write-baseline): never written through a symbolic link a
// checkout planted, never seen half-written.

import { randomBytes } from 'node:crypto';
import { closeSync, lstatSync, mkdirSync, openSync, readlinkSync, renameSync, rmSync, writeSync, constants } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UserFileError } from './json-file.js';

/**
 * Refuse an output path that is a symbolic link: a checkout can plant `clipguard.sarif -> ~/.bashrc`, and
 * writing through it would overwrite the link's target. Called before a scan acts (so a refused path costs no
 * action) and again when writing. Throws UserFileError (exit 2).
 */
export function checkOutputPath(file: string, flag = '--output'): void {
  const abs = resolve(file);
  let st;
  try {
    st = lstatSync(abs);
  } catch {
    return; // not there yet: created by the write
  }
  if (st.isSymbolicLink()) {
    let to = '?';
    try {
      to = readlinkSync(abs);
    } catch {
      /* unreadable link: named without its target */
    }
    throw new UserFileError(file, `is a symbolic link (to ${to}); clipguard does not write a report through a link. Remove it, or give another ${flag} path`);
  }
  if (st.isDirectory()) throw new UserFileError(file, `is a directory; give a file path to ${flag}`);
}

/**
 * Write a report file: into a new temporary file beside it (O_EXCL | O_NOFOLLOW: never through a link planted
 * under that name), renamed over the path. A link planted at the path after the check is replaced, its target
 * untouched: rename replaces the link itself.
 */
export function writeOutputFile(file: string, text: string, flag = '--output'): void {
  checkOutputPath(file, flag);
  const abs = resolve(file);
  mkdirSync(dirname(abs), { recursive: true });
  const tmp = join(dirname(abs), `.${basename(abs)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  try {
    const buf = Buffer.from(text);
    for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off, buf.length - off);
    closeSync(fd);
    renameSync(tmp, abs);
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      /* already closed */
    }
    rmSync(tmp, { force: true });
    throw e;
  }
}
