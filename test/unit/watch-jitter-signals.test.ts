// `watch`: the jitter before a scheduled run (bounded, drawn from an injectable random source, applied before
// the run starts, cancelled by a stop), and a graceful shutdown on SIGINT (Ctrl-C) exactly as on SIGTERM, in the
// real process: the run in flight is let finish, the state saved, the lock released, exit 0.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig, type Config } from '../../src/config/load.js';
import { jitterDelay, Watcher, type JobDef } from '../../src/schedule/watch.js';
import { tempDir } from '../helpers/cli.js';
import { startCli } from '../helpers/cli-async.js';

function config(stateDir = tempDir()): Config {
  const c = loadConfig(stateDir, { noConfigFile: true }, {});
  c.stateDir = stateDir;
  return c;
}

describe('jitter', () => {
  it('is a whole number of ms in [0, jitterMs) for any random draw in [0, 1), and 0 when jitter is off', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3_600_000 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (max, r) => {
        const d = jitterDelay(max, () => r);
        return Number.isInteger(d) && d >= 0 && d < max && d === Math.floor(r * max);
      }),
    );
    expect(jitterDelay(5000, () => 0.999_999_999_9)).toBe(4999);
    expect(jitterDelay(5000, () => 0)).toBe(0);
    // A random source out of contract (1, or below 0) still stays in bounds.
    expect(jitterDelay(5000, () => 1)).toBe(4999);
    expect(jitterDelay(5000, () => -0.5)).toBe(0);
    for (const off of [0, -1, Number.NaN]) expect(jitterDelay(off, () => 0.7)).toBe(0);
    // The default source (Math.random) too.
    for (let k = 0; k < 1000; k++) {
      const d = jitterDelay(50);
      expect(d >= 0 && d < 50 && Number.isInteger(d)).toBe(true);
    }
  });

  describe('in the scheduler (fake clock)', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('each scheduled run starts exactly its drawn jitter after the cron slot; the catch-up run does not wait', async () => {
      vi.useFakeTimers({ now: new Date('2026-12-03T12:00:00.000Z'), toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
      const starts: string[] = [];
      const lines: any[] = [];
      const draws = [0.25, 0.999_9];
      const job: JobDef = { name: 'tick', type: 'scan', cron: '0 * * * * *' }; // every minute, on the minute
      const w = new Watcher(config(), [job], {
        logFormat: 'json',
        jitterMs: 2000,
        random: () => draws.shift() ?? 0,
        log: (l) => lines.push(JSON.parse(l)),
        runner: async () => {
          starts.push(new Date().toISOString());
          return { ok: true, findings: 0 };
        },
      });
      await w.start();
      await vi.advanceTimersByTimeAsync(0);
      expect(starts).toEqual(['2026-12-03T12:00:00.000Z']); // no state yet: one catch-up, at once

      // The 12:01 slot fires; the draw 0.25 of 2,000 ms is 500 ms: nothing runs before 12:01:00.500.
      await vi.advanceTimersByTimeAsync(60_499);
      expect(starts).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(starts).toEqual(['2026-12-03T12:00:00.000Z', '2026-12-03T12:01:00.500Z']);
      // The 12:02 slot: 0.9999 of 2,000 ms is 1,999 ms, still inside the bound.
      await vi.advanceTimersByTimeAsync(60_000 - 500 + 1_998);
      expect(starts).toHaveLength(2);
      await vi.advanceTimersByTimeAsync(1);
      expect(starts.at(-1)).toBe('2026-12-03T12:02:01.999Z');

      const runs = lines.filter((l) => l.event === 'ok');
      expect(runs.map((l) => [l.reason, l.slot, l.jitterMs])).toEqual([
        ['catch-up', undefined, undefined],
        ['scheduled', '2026-12-03T12:01:00.000Z', 500],
        ['scheduled', '2026-12-03T12:02:00.000Z', 1999],
      ]);

      // A stop while a slot waits out its jitter cancels that run: the 12:03 slot never runs.
      draws.push(0.5);
      await vi.advanceTimersByTimeAsync(60_000 - 1_999 + 10); // 12:03:00.010, jitter until 12:03:01.000
      await w.stop(1000);
      await vi.advanceTimersByTimeAsync(5_000);
      expect(starts).toHaveLength(3);
      expect(lines.at(-1).event).toBe('stopped');
    });
  });
});

describe('watch shuts down gracefully on SIGINT as on SIGTERM (real process)', () => {
  // The deploy URL of the one job answers only when the test says so: the signal arrives mid-run.
  let server: Server;
  let base = '';
  const held: { req: IncomingMessage; res: ServerResponse }[] = [];
  let arrived: () => void = () => {};
  beforeAll(async () => {
    server = createServer((req, res) => {
      held.push({ req, res });
      arrived();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} mid-run: the run finishes, the state is saved, the lock released, exit 0`, async () => {
      const cwd = tempDir();
      const state = join(cwd, 'state');
      mkdirSync(state);
      writeFileSync(
        join(cwd, 'clipguard.config.json'),
        JSON.stringify({
          paperclip: { enabled: false },
          repos: [],
          stateDir: state,
          deploy: { urls: [{ url: `${base}/${signal}`, expectStatus: 200, timeoutMs: 60_000 }] },
          // Yearly: the only run is the catch-up at start (no state yet).
          schedule: { jobs: [{ name: 'deploy-check', type: 'scan', cron: '0 0 1 1 *', only: ['deploy'] }] },
        }),
      );
      const request = new Promise<void>((r) => (arrived = r));
      const w = startCli(['watch', '--jitter', '0', '--log-format', 'json'], { cwd });
      const events = () => w.stdout().split('\n').filter(Boolean).map((l) => JSON.parse(l));
      await request; // the catch-up run is waiting for the deploy URL
      expect(existsSync(join(state, 'state.lock'))).toBe(true);
      expect(JSON.parse(readFileSync(join(state, 'state.lock'), 'utf8')).pid).toBe(w.child.pid);
      w.child.kill(signal);
      await vi.waitFor(() => expect(events().some((e) => e.event === 'stopping'), w.stdout() + w.child.exitCode).toBe(true), { timeout: 20_000, interval: 20 });
      // Only now does the deploy answer: the run was let finish, not cut off.
      const { res } = held.find((h) => h.req.url === `/${signal}`)!;
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('up');

      const r = await w.done;
      expect(r.code, r.stderr).toBe(0);
      const ev = events();
      expect(ev.map((e) => e.event)).toEqual(['scheduled', 'signal', 'stopping', 'ok', 'stopped']);
      expect(ev[1]).toMatchObject({ signal, note: 'shutting down' });
      expect(ev[2]).toMatchObject({ waiting: 1 });
      expect(ev[3]).toMatchObject({ job: 'deploy-check', reason: 'catch-up', findings: 0 });
      expect(existsSync(join(state, 'state.lock'))).toBe(false);
      const saved = JSON.parse(readFileSync(join(state, 'state.json'), 'utf8'));
      expect(saved.jobs['deploy-check']).toMatchObject({ runs: 1 });
      expect(Date.parse(saved.jobs['deploy-check'].lastSuccessAt)).toBeGreaterThanOrEqual(Date.parse(ev[1].time));
      expect(saved.jobs['deploy-check'].lastError).toBeUndefined();
    });
  }
});
