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

  append(entry: AuditEntry): void {
    if (this.fd === null) {
      mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
      this.fd = openSync(this.file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o600);
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
    // Secrets never reach the audit log, whatever a caller passes in.
    const line = JSON.stringify(maskDeep(entry)) + '\n';
    writeSync(this.fd, line);
    fsyncSync(this.fd);
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
