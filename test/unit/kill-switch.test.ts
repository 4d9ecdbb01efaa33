// The kill switch: with $CLIPGUARD_KILL_SWITCH set or a KILL file in the state directory, `--apply` acts on
// nothing; every planned action is recorded as skipped, saying why. Proven with an exec action (a real command
// that would leave a file behind).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { executeActions, KILL_SWITCH_ENV, KILL_SWITCH_FILE } from '../../src/actions/executor.js';
import { tempDir } from '../helpers/cli.js';
import { execFinding as finding } from '../helpers/exec-finding.js';

const audit = (state: string) => readFileSync(join(state, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));

describe('kill switch', () => {
  it('a KILL file in the state directory stops every action, and the audit log says so', async () => {
    const state = tempDir();
    writeFileSync(join(state, KILL_SWITCH_FILE), '');
    const marker = join(state, 'ran');
    const f = finding(marker);
    await executeActions([f], { mode: 'apply', client: null, stateDir: state, activityLog: false, now: new Date(), env: {} });
    expect(f.actions[0]).toMatchObject({ status: 'skipped' });
    expect(f.actions[0].detail).toContain(`kill switch: ${join(state, KILL_SWITCH_FILE)} exists`);
    expect(existsSync(marker)).toBe(false);
    expect(audit(state)).toMatchObject([{ action: 'exec', outcome: 'skipped' }]);
  });

  it(`$${KILL_SWITCH_ENV} stops every action; "0" or "false" does not`, async () => {
    const state = tempDir();
    const marker = join(state, 'ran');
    const f = finding(marker);
    await executeActions([f], { mode: 'apply', client: null, stateDir: state, activityLog: false, now: new Date(), env: { [KILL_SWITCH_ENV]: '1' } });
    expect(f.actions[0].detail).toContain(`kill switch: $${KILL_SWITCH_ENV} is set`);
    expect(existsSync(marker)).toBe(false);

    for (const off of ['0', 'false']) {
      const g = finding(marker);
      await executeActions([g], { mode: 'apply', client: null, stateDir: tempDir(), activityLog: false, now: new Date(), env: { [KILL_SWITCH_ENV]: off } });
      expect(g.actions[0].status, g.actions[0].detail).toBe('applied');
    }
    expect(existsSync(marker)).toBe(true);
  });
});
