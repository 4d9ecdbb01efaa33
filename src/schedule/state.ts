// Persisted watch state: last run and last success per job, and cursors (where incremental reading of each
// Paperclip company stands: the next `updatedSince`; the reads themselves are kept, masked, in paperclip/).

import { existsSync, readFileSync } from 'node:fs';
import { writePrivateFileAtomic } from '../util/private-file.js';

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
  writePrivateFileAtomic(file, JSON.stringify(state, null, 1));
}
