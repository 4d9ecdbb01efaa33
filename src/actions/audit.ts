// The audit log: append-only JSONL, created with mode 0600, each line fsync'd before the action it records
// is considered done. A crash mid-write leaves at most a torn last line, which readAudit skips with a warning.

import { closeSync, existsSync, fstatSync, fsyncSync, mkdirSync, openSync, readFileSync, readSync, writeSync, constants } from 'node:fs';
import { dirname } from 'node:path';
import { maskDeep } from '../engine/mask.js';

export interface AuditEntry {
  time: string;
  mode: 'dry-run' | 'apply';
  rule: string;
  subject: string;
  action: string;
  target: string;
  outcome: 'applied' | 'skipped' | 'failed' | 'planned' | 'started';
  detail: string;
  [k: string]: unknown;
}

export class AuditLog {
  private fd: number | null = null;
  constructor(readonly file: string) {}

  /** Open for append (creating it, 0600 in a 0700 directory); append() opens it on first use otherwise. */
  open(): void {
    if (this.fd === null) {
      mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
      // Never through a link (a checkout's `.clipguard/audit.jsonl -> ~/.bashrc`): ELOOP instead.
      this.fd = openSync(this.file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
      // A crash may have left a torn last line: end it, or the next entry would be glued to it and lost too.
      const size = fstatSync(this.fd).size;
      if (size > 0) {
        const last = Buffer.alloc(1);
        const rfd = openSync(this.file, constants.O_RDONLY);
        try {
          readSync(rfd, last, 0, 1, size - 1);
        } finally {
          closeSync(rfd);
        }
        if (last[0] !== 0x0a) writeSync(this.fd, '\n');
      }
    }
  }

  append(entry: AuditEntry): void {
    this.open();
    // Secrets never reach the audit log, whatever a caller passes in.
    const line = Buffer.from(JSON.stringify(maskDeep(entry)) + '\n');
    // A write can be short (a disk filling up): the rest is written, or its error (ENOSPC) thrown. A torn line
    // left behind is ended by the next open.
    for (let off = 0; off < line.length; ) off += writeSync(this.fd!, line, off, line.length - off);
    fsyncSync(this.fd!);
  }

  close(): void {
    if (this.fd !== null) {
      closeSync(this.fd);
      this.fd = null;
    }
  }
}

export function readAudit(file: string, warn: (msg: string) => void = (m) => process.stderr.write(m + '\n')): AuditEntry[] {
  if (!existsSync(file)) return [];
  const lines = readFileSync(file, 'utf8').split('\n');
  const out: AuditEntry[] = [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    try {
      out.push(JSON.parse(line));
    } catch {
      warn(`${file}:${i + 1}: skipping a torn or corrupt audit line (${line.length} bytes)`);
    }
  });
  return out;
}
