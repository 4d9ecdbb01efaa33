// The idempotency ledger keys an exec action by its command and the finding that asked for it (issue 17,
// item 9): one command run does not hold back another command, nor the same command for another finding, for
// the ledger's hour; the same command for the same finding runs once per hour.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { executeActions } from '../../src/actions/executor.js';
import type { Finding } from '../../src/types.js';
import { tempDir } from '../helpers/cli.js';
import { execFinding } from '../helpers/exec-finding.js';

const finding = (fingerprint: string, command: string, marker: string): Finding => execFinding(marker, { fingerprint, command });

describe('exec actions in the idempotency ledger', () => {
  it('two commands, and one command for two findings, all run; the same command for the same finding runs once', async () => {
    const state = tempDir();
    const dir = tempDir();
    const m = (n: string) => join(dir, n);
    const run = (fs: Finding[]) => executeActions(fs, { mode: 'apply', client: null, stateDir: state, activityLog: false, now: new Date(), env: {} });
    const first = [finding('a'.repeat(32), 'restart-paperclip', m('restart-a')), finding('a'.repeat(32), 'page-oncall', m('page-a')), finding('b'.repeat(32), 'restart-paperclip', m('restart-b'))];
    await run(first);
    expect(first.map((f) => f.actions[0].status)).toEqual(['applied', 'applied', 'applied']);
    for (const n of ['restart-a', 'page-a', 'restart-b']) expect(existsSync(m(n)), n).toBe(true);

    // The next run (watch, 15 minutes later) while the same finding stands: not again within the hour.
    const again = [finding('a'.repeat(32), 'restart-paperclip', m('restart-a2'))];
    await run(again);
    expect(again[0].actions[0]).toMatchObject({ status: 'skipped' });
    expect(again[0].actions[0].detail).toMatch(/already done at .* \(idempotency ledger\)/);
    expect(existsSync(m('restart-a2'))).toBe(false);
  });
});
