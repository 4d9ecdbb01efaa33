// `clipguard watch` and `clipguard watch status`.

import { resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
// The scheduler (node-cron) loads only when these commands run: `clipguard precommit`
// starts on every commit and must not pay for them.
import { configFrom, warnIfUntrusted } from './config.js';
import { EXIT } from './output.js';
import { lockWaitSeconds } from './lock-wait.js';
import { SEVERITIES } from '../types.js';
import { plain } from '../report/sanitize.js';

/** A line on stderr. Lock holders, server answers and config text are shown without their control characters. */
const say = (s: string) => process.stderr.write(`clipguard watch: ${plain(s)}\n`);

export function registerWatch(program: Command): void {
  const watch = program
    .command('watch')
    .description('run the scheduled jobs (default: a compliance scan every 15 min, dry-run; the daily checklist at 09:00 local time)')
    .option('--once', 'run every job once and exit (for cron, systemd timers, Kubernetes CronJobs, CI)')
    .option('--live', "also react within seconds: Paperclip's live events (WebSocket) run the secret rules on each issue written to, as the scan job (its apply, its rules); for servers without the live guard plugin")
    .addOption(new Option('--log-format <format>', 'one status line per run').choices(['text', 'json']).default('text'))
    .option('--jitter <ms>', 'random delay before each scheduled run', (v) => Number(v), 5000)
    .option('--state-dir <dir>', 'persisted state, lock, ledger and audit log (default .clipguard)')
    .option('--lock-wait <seconds>', 'wait this long for another clipguard holding the state directory (scan --apply, another watch), then exit 2', lockWaitSeconds, 0)
    .addOption(new Option('--fail-on <severity>', 'with --once: exit 1 when a run has a finding at or above this severity (default: failOn in config, else error)').choices([...SEVERITIES]))
    .option('--metrics <host:port>', 'serve Prometheus metrics on http://host:port/metrics (host 127.0.0.1 unless given; refused if the port is in use)')
    .addHelpText('after', '\nJobs come from "schedule.jobs" in clipguard.config.json: [{"name", "type": "scan"|"checklist", "cron", "timezone", "apply", "only"}].\nA scan job acts only with "apply": true, in a trusted config file (clipguard trust --help).\nRepeat scans read only what changed in Paperclip, also after a restart or with --once: what watch read is kept, with every secret in it masked, in <state-dir>/paperclip/ ("schedule": {"keepReads": false} keeps it in memory only).\nOne acting clipguard per state directory: watch holds <state-dir>/state.lock while it runs (scan --apply and checklist --post-* wait for it, then exit 2); a lock whose process is gone, or without a heartbeat for 10 min, is taken over, and a watch whose lock was taken over stops (exit 2).\nStop with SIGTERM or Ctrl-C: the current run finishes (or is abandoned after 10 s), the lock is released.\nEach run keeps its report (JSON and Markdown) in <state-dir>/runs/, the newest 50 ("schedule": {"keepRuns": n}); `clipguard watch status` prints them.\nWith --once, exit codes as scan: 0 clean, 1 a finding at or above --fail-on, a failed checklist item or a failed run, 2 usage, config or a state directory in use.')
    .action(async (opts) => {
      const { jobsFromConfig, ScheduleError, Watcher } = await import('../schedule/watch.js');
      const { LockError } = await import('../schedule/lock.js');
      const metricsMod = opts.metrics ? await import('../schedule/metrics.js') : null;
      const config = configFrom({ ...program.opts(), ...opts });
      warnIfUntrusted(config);
      if (opts.stateDir) config.stateDir = resolve(opts.stateDir);
      let jobs;
      try {
        jobs = jobsFromConfig(config);
      } catch (e) {
        if (e instanceof ScheduleError) {
          say(`${config.file ?? 'config'}: ${e.message}`);
          process.exitCode = EXIT.usage;
          return;
        }
        throw e;
      }
      // `--live` follows the (first) scan job: its apply and its selection of the secret rules.
      const liveJob = opts.live ? jobs.find((j) => j.type === 'scan') : undefined;
      const liveMod = opts.live ? await import('../schedule/live.js') : null;
      const liveProblem = !opts.live ? null : opts.once ? '--live does not go with --once' : !config.paperclip.enabled ? '--live needs Paperclip (paperclip.enabled)' : !liveJob ? '--live follows a scan job, and there is none' : !liveMod?.liveRules(liveJob.only).length ? `--live runs the secret rules, which the scan job "${liveJob.name}" does not select (only)` : null;
      if (liveProblem) {
        say(`${liveProblem}`);
        process.exitCode = EXIT.usage;
        return;
      }
      let live: import('../schedule/live.js').LiveWatch | null = null;
      let lockLost: ((reason: string) => void) | null = null;
      const onLockLost = (reason: string) => {
        say(`${reason}; stopped (the process that took the state directory over acts now)`);
        process.exitCode = EXIT.usage;
        void live?.stop(0);
        lockLost?.(reason);
      };
      const metrics = metricsMod ? new metricsMod.WatchMetrics() : null;
      const log = (l: string) => process.stdout.write(l + '\n');
      const watcher = new Watcher(config, jobs, { logFormat: opts.logFormat, jitterMs: opts.jitter, lockWaitMs: opts.lockWait * 1000, onLockLost, log, onRun: metrics ? (r) => metrics.record(r) : undefined });
      // The metrics address is taken before the state lock: a port in use is a usage error, and nothing ran.
      let server: { url: string; close: () => Promise<void> } | null = null;
      if (metricsMod && metrics) {
        try {
          metrics.seed(watcher.jobState());
          server = await metricsMod.serveMetrics(metricsMod.parseMetricsAddress(opts.metrics), metrics);
        } catch (e) {
          if (!(e instanceof metricsMod.MetricsAddressError)) throw e;
          say(`${e.message}`);
          process.exitCode = EXIT.usage;
          return;
        }
        log(opts.logFormat === 'json' ? JSON.stringify({ time: new Date().toISOString(), event: 'metrics', job: '-', url: server.url }) : `${new Date().toISOString()} - metrics url=${server.url}`);
      }
      if (opts.once) {
        try {
          const ok = await watcher.once();
          if (process.exitCode !== EXIT.usage) process.exitCode = ok && !watcher.findingsFailed() ? EXIT.ok : EXIT.findings;
        } catch (e) {
          if (!(e instanceof LockError)) throw e;
          say(`${e.message}`);
          process.exitCode = EXIT.usage;
        } finally {
          await server?.close();
        }
        return;
      }
      // Handlers first: a SIGTERM that arrives while the catch-up run starts must still stop cleanly.
      const stopped = new Promise<void>((resolveStop) => {
        lockLost = () => resolveStop(); // the watcher stopped itself
        const stop = (sig: string) => void Promise.all([live?.stop(10_000), watcher.stop(10_000, sig)]).then(() => resolveStop());
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      });
      watcher.gated = liveJob !== undefined;
      try {
        await watcher.start();
      } catch (e) {
        if (!(e instanceof LockError)) throw e;
        say(`${e.message}`);
        process.exit(EXIT.usage);
      }
      if (liveMod && liveJob) {
        const fmt = (f: Record<string, unknown>) => {
          if (opts.logFormat === 'json') return JSON.stringify({ time: new Date().toISOString(), ...f });
          const { event, job, ...rest } = f;
          return `${new Date().toISOString()} ${String(job)} ${String(event)} ${Object.entries(rest).filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => `${k}=${String(v)}`).join(' ')}`.trimEnd();
        };
        live = new liveMod.LiveWatch(config, { apply: liveJob.apply === true, only: liveJob.only, lock: watcher.stateLock, eventsKey: process.env.CLIPGUARD_LIVE_EVENTS_KEY || null, exclusive: (fn) => watcher.exclusive(fn), log: (f) => log(fmt(f)), onGap: () => void watcher.runJob(liveJob, 'catch-up', { after: 'live events missed' }) });
        try {
          const companies = await live.start();
          log(fmt({ event: 'live', job: 'live', companies: companies.length, apply: liveJob.apply === true, follows: liveJob.name }));
        } catch (e) {
          // Paperclip unreachable at start: the scheduled jobs go on (they report it); live is off.
          log(fmt({ event: 'live-failed', job: 'live', error: String((e as Error).message).slice(0, 300), note: 'live events off; the scheduled jobs go on' }));
        }
      }
      await stopped;
      await server?.close();
      process.exit(process.exitCode ?? 0);
    });

  watch
    .command('status')
    .description('the last runs of clipguard watch and what they found (read from the state directory)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('-n, --last <n>', 'how many runs', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a whole number, at least 1');
      return n;
    }, 10)
    .option('--state-dir <dir>', 'the state directory watch uses (default .clipguard, or stateDir in config)')
    .addHelpText('after', '\nExit codes: 0 the newest run of each job passed, 1 one failed (a run that failed, findings at or above its failOn, a failed checklist item), 2 usage or config error.')
    .action(async (opts) => {
      const { renderWatchStatusText, watchStatus } = await import('./watch-status.js');
      const config = configFrom({ ...program.opts() });
      // `watch --state-dir X status` names it before the subcommand: the same directory.
      const dir = opts.stateDir ?? watch.opts().stateDir;
      const stateDir = dir ? resolve(dir) : config.stateDir;
      const s = watchStatus(stateDir, opts.last);
      if ('refused' in s) {
        process.stderr.write(`clipguard watch status: ${plain(s.refused)}\n`);
        process.exitCode = EXIT.usage;
        return;
      }
      process.stdout.write(opts.format === 'json' ? JSON.stringify(s, null, 2) + '\n' : renderWatchStatusText(s));
      const newest = new Map<string, boolean>();
      for (const r of s.runs) if (!newest.has(r.job)) newest.set(r.job, r.outcome === 'failed' || r.failed === true);
      process.exitCode = [...newest.values()].some(Boolean) ? EXIT.findings : EXIT.ok;
    });
}
