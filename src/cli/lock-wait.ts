// `--lock-wait <seconds>`, shared by the commands that take the state lock (scan --apply, checklist, watch).

import { InvalidArgumentError } from 'commander';

/** A whole or decimal number of seconds, 0 or more. */
export function lockWaitSeconds(v: string): number {
  const n = Number(v);
  if (!/^\d+(\.\d+)?$/.test(v.trim()) || !Number.isFinite(n)) throw new InvalidArgumentError('a number of seconds, 0 or more');
  return n;
}
