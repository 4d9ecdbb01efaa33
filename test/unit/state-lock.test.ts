// One acting clipguard per state directory (issue 17, item 4): `scan --apply`, `checklist --post-*` and `watch`
// share `<stateDir>/state.lock`. A second one waits (--lock-wait) and then exits 2 naming the holder; a dry-run
// needs no lock; a holder that was frozen past the stale time and taken over acts on nothing more, and a
// watcher whose lock was taken over stops its run.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { StateLock, stateLockFile } from '../../src/schedule/lock.js';
import { Watcher, type JobDef } from '../../src/schedule/watch.js';
import { cliAsync, startCli } from '../helpers/cli-async.js';
import { tempDir } from '../helpers/cli.js';

const DIST = pathToFileURL(join(import.meta.dirname, '../../dist/')).href;

async function until<T>(fn: () => T | null | undefined | false, what: string, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A lock as another live process would hold it: this test process's pid (alive), another command and token. */
function foreignLock(state: string, command: string, pid = process.pid): void {
  mkdirSync(state, { recursive: true });
  writeFileSync(stateLockFile(state), JSON.stringify({ pid, host: hostname(), command, token: 'f'.repeat(32), startedAt: '2026-12-06T01:00:00.000Z' }));
}

describe('the state lock, between real clipguard processes', () => {
  it('a second scan --apply waits --lock-wait, then exits 2 naming the holder; a dry-run scan needs no lock', async () => {
    const cwd = tempDir();
    const state = join(cwd, 'state');
    const env = { CLIPGUARD_STATE_DIR: state };
    foreignLock(state, 'watch');

    const refused = await cliAsync(['scan', '--no-paperclip', '--apply', '--lock-wait', '0'], { cwd, env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`the state directory ${state} is in use by another clipguard: watch (pid ${process.pid} on ${hostname()}, since 2026-12-06T01:00:00.000Z, last heartbeat `);
    expect(refused.stderr).toContain('waited 0 s (--lock-wait)');
    expect(refused.stderr).not.toMatch(/\n\s+at /); // no stack trace

    const t0 = Date.now();
    const waited = await cliAsync(['scan', '--no-paperclip', '--apply', '--lock-wait', '1.5'], { cwd, env });
    expect(waited.code).toBe(2);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1500);
    expect(waited.stderr).toContain('waited 2 s (--lock-wait)');

    // checklist --post-* publishes (a write): it takes the same lock.
    const checklist = await cliAsync(['checklist', '--post-activity', '--lock-wait', '0'], { cwd, env });
    expect(checklist.code).toBe(2);
    expect(checklist.stderr).toContain('is in use by another clipguard: watch');

    // A dry-run writes nothing: it runs while the lock is held.
    const dry = await cliAsync(['scan', '--no-paperclip', '--format', 'json'], { cwd, env });
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout).mode).toBe('dry-run');

    // The holder finishes (its lock goes): a waiting scan --apply then takes the lock, runs, and releases it.
    const waiting = startCli(['scan', '--no-paperclip', '--apply', '--lock-wait', '30', '--format', 'json'], { cwd, env });
    await new Promise((r) => setTimeout(r, 800));
    expect(readFileSync(stateLockFile(state), 'utf8')).toContain('"command":"watch"');
    renameSync(stateLockFile(state), join(state, 'gone'));
    const r = await waiting.done;
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).mode).toBe('apply');
    expect(existsSync(stateLockFile(state))).toBe(false);
  }, 60_000);

  it('a lock whose process is gone is taken over; --lock-wait rejects what is not a number of seconds', async () => {
    const cwd = tempDir();
    const state = join(cwd, 'state');
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => dead.on('exit', r));
    foreignLock(state, 'scan --apply', dead.pid!);
    const r = await cliAsync(['scan', '--no-paperclip', '--apply', '--lock-wait', '0'], { cwd, env: { CLIPGUARD_STATE_DIR: state } });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(stateLockFile(state))).toBe(false);
    const bad = await cliAsync(['scan', '--apply', '--lock-wait', 'soon'], { cwd });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('a number of seconds, 0 or more');
  }, 30_000);

  it('a lock file another process is still writing (empty, fresh) is waited for, not an error', async () => {
    const state = join(tempDir(), 'state');
    mkdirSync(state, { recursive: true });
    // What a second process sees between the first one's O_EXCL create and its write: an empty lock file.
    writeFileSync(stateLockFile(state), '');
    const lock = new StateLock(stateLockFile(state), undefined, 'scan --apply');
    const waiting = lock.acquireWithin(10_000);
    // The writer finishes and releases: the waiter takes the lock (before the fix it threw at once).
    setTimeout(() => renameSync(stateLockFile(state), join(state, 'released')), 300);
    await expect(waiting).resolves.not.toThrow();
    expect(JSON.parse(readFileSync(stateLockFile(state), 'utf8')).command).toBe('scan --apply');
    lock.release();
    const quick = new StateLock(stateLockFile(state), undefined, 'scan --apply');
    writeFileSync(stateLockFile(state), '');
    await expect(quick.acquireWithin(0)).rejects.toThrow(/in use by another clipguard: a lock being written; waited 0 s/);
  });
});

describe('a holder that lost its lock acts on nothing more', () => {
  it('frozen (SIGSTOP) past the stale time, taken over, then woken (SIGCONT): its remaining actions are skipped', async () => {
    const state = tempDir();
    const marks = join(tempDir(), 'marks');
    // The holder: takes the lock (stale after 1 s without a heartbeat) and runs three commands through the
    // executor; the first one freezes the holder itself (SIGSTOP to its parent, the holder).
    const script = join(tempDir(), 'holder.mjs');
    writeFileSync(
      script,
      `import { StateLock, stateLockFile } from '${DIST}schedule/lock.js';
import { executeActions } from '${DIST}actions/executor.js';
const [state, marks] = process.argv.slice(2);
const lock = new StateLock(stateLockFile(state), 1000, 'scan --apply');
lock.acquire();
const step = (n, extra = '') => ({ type: 'exec', status: 'planned', target: 'exec:step' + n, detail: '', params: { command: 'step' + n, argv: ['sh', '-c', 'echo ' + n + ' >> "' + marks + '"' + extra] } });
const f = { ruleId: 'ops/server-health', severity: 'critical', title: 't', message: 'm', subject: { type: 'source', id: 'paperclip', label: 'paperclip' }, location: null, fingerprint: 'a'.repeat(32), tags: [], actions: [step(1, '; kill -STOP $PPID'), step(2), step(3)] };
const result = await executeActions([f], { mode: 'apply', client: null, stateDir: state, activityLog: false, now: new Date(), env: {}, owner: () => lock.lostTo() });
lock.release();
process.stdout.write(JSON.stringify({ result, actions: f.actions }));
`,
    );
    const holder = spawn(process.execPath, [script, state, marks]);
    let out = '';
    holder.stdout.on('data', (d) => (out += d));
    let err = '';
    holder.stderr.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((r) => holder.on('close', r));
    try {
      await until(() => existsSync(marks) && readFileSync(`/proc/${holder.pid}/stat`, 'utf8').split(') ')[1]?.startsWith('T'), 'the holder to freeze itself');
      // No heartbeat while frozen: once it is older than the stale time, another process takes the lock over.
      await until(() => Date.now() - statSync(stateLockFile(state)).mtimeMs > 1300, 'the lock to go stale', 10_000);
      const taker = new StateLock(stateLockFile(state), 1000, 'watch');
      expect(taker.acquire()).toMatch(new RegExp(`took over a stale lock from pid ${holder.pid} \\(no heartbeat since `));
      holder.kill('SIGCONT');
      expect(await exited, err).toBe(0);
      const { result, actions } = JSON.parse(out);
      expect(readFileSync(marks, 'utf8')).toBe('1\n'); // steps 2 and 3 never ran
      expect(actions.map((a: any) => a.status)).toEqual(['applied', 'skipped', 'skipped']);
      for (const a of actions.slice(1)) expect(a.detail).toBe(`lost the state lock to pid ${process.pid} (watch)`);
      expect(result).toMatchObject({ problem: { kind: 'state-lock-lost' }, skipped: 2 });
      // The lock stays the taker's (the woken holder neither rewrote nor removed it) ...
      expect(taker.lostTo()).toBeNull();
      // ... and the holder wrote nothing after it found out: the intent and outcome of step 1, nothing of 2 and 3.
      const audit = readFileSync(join(state, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      expect(audit.map((e) => `${e.target}:${e.outcome}`)).toEqual(['exec:step1:started', 'exec:step1:applied']);
      taker.release();
    } finally {
      holder.kill('SIGCONT');
      holder.kill('SIGKILL');
    }
  }, 40_000);

  it("watch: the heartbeat finds its lock taken over, aborts the current run and stops", async () => {
    const state = tempDir();
    const config = loadConfig(state, { noConfigFile: true }, {});
    config.stateDir = state;
    const job: JobDef = { name: 'scan', type: 'scan', cron: '0 0 1 1 *' };
    let signal: AbortSignal | null = null;
    const runner = (_j: JobDef, _c: unknown, _cache: unknown, s: AbortSignal) =>
      new Promise<{ ok: boolean; findings: number }>((resolve) => {
        signal = s;
        s.addEventListener('abort', () => resolve({ ok: true, findings: 0 }));
      });
    const lines: any[] = [];
    const lost: string[] = [];
    const w = new Watcher(config, [job], { logFormat: 'json', jitterMs: 0, log: (l) => lines.push(JSON.parse(l)), runner: runner as never, lockStaleMs: 400, onLockLost: (r) => lost.push(r) });
    await w.start(); // the catch-up run starts and waits
    await until(() => signal, 'the run to start');
    const mine = readFileSync(stateLockFile(state), 'utf8');
    expect(JSON.parse(mine)).toMatchObject({ pid: process.pid, command: 'watch' });
    // Another process takes the lock over (as after a freeze past the stale time): the file names it now.
    renameSync(stateLockFile(state), join(state, 'old.lock'));
    writeFileSync(stateLockFile(state), JSON.stringify({ pid: 4242, host: hostname(), command: 'scan --apply', token: 'b'.repeat(32), startedAt: new Date().toISOString() }));
    await until(() => lost.length, 'the watcher to notice', 5_000);
    expect(lost).toEqual(['lost the state lock to pid 4242 (scan --apply)']);
    expect(signal!.aborted).toBe(true);
    expect((signal!.reason as Error).message).toBe('lost the state lock to pid 4242 (scan --apply)');
    expect(lines.find((l) => l.event === 'lock-lost')).toMatchObject({ note: 'lost the state lock to pid 4242 (scan --apply): stopping' });
    expect(lines.at(-1)?.event).toBe('stopped');
    // The other process's lock is left in place.
    expect(JSON.parse(readFileSync(stateLockFile(state), 'utf8')).pid).toBe(4242);
  }, 20_000);
});
