// A broken state directory (issue 17, item 8), with real file-system faults: a tiny tmpfs in a private mount
// namespace that fills up (ENOSPC) or turns read-only (EROFS) in the middle of a run. The executor writes an
// intent before each action and stops once a write of the state dir fails: what is left is skipped, the run's
// problem is reported; `watch` logs a failed run (no stack), goes on, and leaves no temporary file behind.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BIN, cliEnv, tempDir } from '../helpers/cli.js';
import { canMountTmpfs, faultSetup, runInMountNs } from '../helpers/tmpfs.js';

const DIST = pathToFileURL(join(import.meta.dirname, '../../dist/')).href;
const afterLines = (stderr: string) => stderr.split('--after--\n')[1] ?? '';

describe.skipIf(!canMountTmpfs())('a state directory that stops taking writes mid-run (real ENOSPC / EROFS on a tmpfs)', () => {
  for (const fault of ['full', 'read-only'] as const) {
    it(`${fault} after the second action: the third is not taken, the problem names the file and errno, no .tmp left`, async () => {
      const state = join(tempDir(), 'state');
      const marks = join(tempDir(), 'marks');
      // Step 2 breaks the state dir: fills the tmpfs, or mounts it read-only over itself (a remount would be
      // refused while the audit log is open for writing).
      const breakIt = fault === 'full' ? `dd if=/dev/zero of="${state}/fill" bs=1k 2>/dev/null; true` : `mount --bind "${state}" "${state}" && mount -o remount,bind,ro "${state}"`;
      const script = join(tempDir(), 'run.mjs');
      writeFileSync(
        script,
        `import { readdirSync, readFileSync } from 'node:fs';
import { executeActions } from '${DIST}actions/executor.js';
const [state, marks, breakIt] = process.argv.slice(2);
const step = (n, extra = '') => ({ type: 'exec', status: 'planned', target: 'exec:step' + n, detail: '', params: { command: 'step' + n, argv: ['sh', '-c', 'echo ' + n + ' >> "' + marks + '"; ' + extra] } });
const f = { ruleId: 'ops/server-health', severity: 'critical', title: 't', message: 'm', subject: { type: 'source', id: 'paperclip', label: 'paperclip' }, location: null, fingerprint: 'c'.repeat(32), tags: [], actions: [step(1), step(2, breakIt), step(3)] };
const result = await executeActions([f], { mode: 'apply', client: null, stateDir: state, activityLog: false, now: new Date(), env: {} });
process.stdout.write(JSON.stringify({ result, actions: f.actions, files: readdirSync(state), audit: readFileSync(state + '/audit.jsonl', 'utf8') }));
`,
      );
      const r = await runInMountNs(faultSetup(state, null, 256), [process.execPath, script, state, marks, breakIt]);
      expect(r.code, r.stderr).toBe(0);
      const { result, actions, files, audit } = JSON.parse(r.stdout);
      const code = fault === 'full' ? 'ENOSPC' : 'EROFS';
      expect(actions.map((a: any) => a.status)).toEqual(['applied', 'applied', 'skipped']);
      expect(actions[2].detail).toMatch(new RegExp(`^not acting: saving the idempotency ledger ${state}/ledger.json failed \\(${code}: `));
      expect(result.problem).toMatchObject({ kind: 'state-dir-unwritable', code, path: `${state}/ledger.json` });
      expect(result.skipped).toBe(1);
      const { readFileSync } = await import('node:fs');
      expect(readFileSync(marks, 'utf8')).toBe('1\n2\n'); // step 3 never ran
      expect(files.filter((f: string) => f.endsWith('.tmp') || f.startsWith('.probe'))).toEqual([]);
      // The intent of each action taken was written before it; nothing of step 3.
      const entries = audit.trim().split('\n').map((l: string) => JSON.parse(l));
      expect(entries.filter((e: any) => e.outcome === 'started').map((e: any) => e.target)).toEqual(['exec:step1', 'exec:step2']);
      expect(entries.some((e: any) => e.target === 'exec:step3')).toBe(false);
    }, 30_000);
  }

  it('watch --once on a full state dir exits 2 with one clear line, no stack trace, no .tmp file', async () => {
    const cwd = tempDir();
    const state = join(cwd, 'state');
    const args = ['watch', '--once', '--state-dir', state];
    const r = await runInMountNs(faultSetup(state, 'full', 64), [process.execPath, BIN, ...args], { cwd, env: cliEnv(args, cwd), after: `ls -A "${state}"` });
    expect(r.code).toBe(2);
    const [err, listing] = r.stderr.split('--after--\n');
    expect(err.trim()).toBe(`clipguard watch: cannot write the state lock ${state}/state.lock (ENOSPC: no space left on device); the state directory must be writable (--state-dir, CLIPGUARD_STATE_DIR)`);
    expect(listing.split('\n').filter(Boolean)).toEqual(['.filler']);
  }, 30_000);

  it('watch: a disk that fills during a run is a logged failed run; the next run saves the state; no .tmp file', async () => {
    const state = join(tempDir(), 'state');
    const script = join(tempDir(), 'watch.mjs');
    writeFileSync(
      script,
      `import { execSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadConfig } from '${DIST}config/load.js';
import { Watcher } from '${DIST}schedule/watch.js';
const state = process.argv[2];
const config = loadConfig(state, { noConfigFile: true }, {});
config.stateDir = state;
const jobs = [{ name: 'fills', type: 'scan', cron: '0 0 1 1 *' }, { name: 'frees', type: 'scan', cron: '0 0 1 1 *' }];
const runner = async (job) => {
  if (job.name === 'fills') execSync('dd if=/dev/zero of="' + state + '/fill" bs=1k 2>/dev/null; true', { shell: '/bin/sh' });
  else rmSync(state + '/fill');
  return { ok: true, findings: 0 };
};
const lines = [];
const w = new Watcher(config, jobs, { logFormat: 'json', jitterMs: 0, log: (l) => lines.push(JSON.parse(l)), runner });
const ok = await w.once();
process.stdout.write(JSON.stringify({ ok, lines, files: readdirSync(state), saved: JSON.parse(readFileSync(state + '/state.json', 'utf8')) }));
`,
    );
    mkdirSync(state, { recursive: true });
    const r = await runInMountNs(faultSetup(state, null, 128), [process.execPath, script, state]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const { lines, files, saved } = JSON.parse(r.stdout);
    const failed = lines.find((l: any) => l.event === 'failed');
    expect(failed).toMatchObject({ job: 'fills' });
    expect(failed.error).toBe(`the watch state could not be saved to ${state}/state.json (ENOSPC: no space left on device)`);
    expect(lines.filter((l: any) => l.event === 'ok').map((l: any) => l.job)).toEqual(['fills', 'frees']);
    // The next run saved the state (both jobs' runs are in it), and nothing half-written is left.
    expect(Object.keys(saved.jobs).sort()).toEqual(['fills', 'frees']);
    expect(files.filter((f: string) => f.endsWith('.tmp'))).toEqual([]);
    expect(afterLines(r.stderr)).toBe('');
  }, 30_000);
});
