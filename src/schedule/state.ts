// Persisted watch state: last run and last success per job, and cursors (where incremental reading of each
// Paperclip company stands: the next `updatedSince`; the reads themselves are kept, masked, in paperclip/).

import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface JobState {
  lastRunAt?: string;
  lastSuccessAt?: string;
  lastError?: string;
  runs?: number;
  failures?: number;
}

export interface WatchState {
  version: 1;
  jobs: Record<string, JobState>;
  cursors: Record<string, string>;
}

export function loadState(file: string): WatchState {
  if (!existsSync(file)) return { version: 1, jobs: {}, cursors: {} };
  try {
    const s = JSON.parse(readFileSync(file, 'utf8'));
    return { version: 1, jobs: s.jobs ?? {}, cursors: s.cursors ?? {} };
  } catch {
    // A corrupt state file costs at most one catch-up run; it must not stop the scheduler.
    return { version: 1, jobs: {}, cursors: {} };
  }
}

export function saveState(file: string, state: WatchState): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 1), { mode: 0o600 });
  renameSync(tmp, file);
}
