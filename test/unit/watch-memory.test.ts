// `watch` survives 1,000 consecutive failing runs of the REAL scan (rules loaded, Paperclip client created,
// connection refused, report built) with flat memory: RSS is measured around the runs, with a generous bound.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { Watcher, type JobDef } from '../../src/schedule/watch.js';
import { tempDir } from '../helpers/cli.js';

describe('watch memory', () => {
  it('1,000 consecutive failing scans: every run logged, the watcher goes on, RSS stays flat', async () => {
    const config = loadConfig(tempDir(), { noConfigFile: true }, {});
    config.stateDir = tempDir();
    config.repos = [];
    config.paperclip.url = 'http://127.0.0.1:9'; // nothing listens: connection refused
    config.paperclip.retries = 0;
    const job: JobDef = { name: 'scan', type: 'scan', cron: '*/15 * * * *', only: ['source', 'ops'] };
    let lines = 0;
    let unavailable = 0;
    const w = new Watcher(config, [job], {
      logFormat: 'json',
      jitterMs: 0,
      log: (l) => {
        lines++;
        if (l.includes('unavailable: paperclip')) unavailable++;
      },
    });
    for (let i = 0; i < 100; i++) await w.runJob(job, 'scheduled'); // warm up (JIT, caches, pools)
    global.gc?.();
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 1000; i++) await w.runJob(job, 'scheduled');
    global.gc?.();
    const after = process.memoryUsage().rss;
    expect(lines).toBe(1100);
    expect(unavailable).toBe(1100);
    expect(w.jobState().jobs.scan.runs).toBe(1100);
    // Generous: a leak of even 64 KiB per run (a retained report, client pool or socket) would exceed it.
    expect(after - before, `RSS grew ${((after - before) / 1048576).toFixed(1)} MiB`).toBeLessThan(64 * 1024 * 1024);
  }, 600_000);
});
