// `clipguard watch --live` (Paperclip's live-events WebSocket, outside the server) beside the live guard plugin
// (inside it), on one real server, like for like: seconds from a write to the key being gone from what the
// server serves, the rest of the text kept. Each round writes one comment to the plugin's company and one to
// watch's (alternating which goes first), then, at the end, description edits the same way; watch's peak RSS.
//
//   node bench/watch-live.mjs [--paperclip <url>] [--rounds 12] [--edits 4]
//
// Without --paperclip (or BENCH_PAPERCLIP_URL) it starts its own instance with scripts/paperclip/start.sh
// (ports BENCH_PAPERCLIP_PORT / BENCH_PAPERCLIP_PG_PORT, default 3199 / 55399) and wipes it afterwards.
// Needs `npm run build` first.

import { spawn, spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fakeToken } from '../test/helpers/fake-secrets.mjs';
import { api, benchArg, benchServer, commentLatency, descriptionLatency, percentile, PLANT_KINDS, until } from '../test/helpers/live-guard.mjs';

const arg = benchArg;
const ROUNDS = Number(arg('--rounds', 12));
const EDITS = Number(arg('--edits', 4));
const BIN = fileURLToPath(new URL('../bin/clipguard.js', import.meta.url));
const KINDS = PLANT_KINDS;

const server = benchServer('clipguard-bench-watch-live-');
const url = server.url;
const call = api(url);
let seq = 0;
const planted = (kind) => ({ before: `note ${++seq}: use `, secret: fakeToken(kind, 9000 + seq), after: ` for the deploy (kept ${seq})`, kind });
const stats = (xs) => ({ n: xs.length, p50: percentile(xs, 50), p95: percentile(xs, 95), max: Math.max(...xs) });
const ms = (x) => `${Math.round(x).toLocaleString('en')} ms`;

let watch = null;
try {
  const load = loadavg()[0];
  const stamp = Date.now().toString(36);
  const plugCo = await call('POST', '/companies', { name: `bench plugin ${stamp}` });
  const liveCo = await call('POST', '/companies', { name: `bench watch-live ${stamp}` });
  // The plugin acts on its company only; watch --live listens to its own only.
  const pstate = mkdtempSync(join(tmpdir(), 'clipguard-bench-plugin-state-'));
  // The server's worker (uid 65534 as root) writes there; not writable by all: clipguard refuses that.
  if (process.getuid?.() === 0) chownSync(pstate, 65534, 65534);
  const inst = spawnSync(process.execPath, [BIN, 'plugin', 'install', '--paperclip', url, '--apply', '--company', plugCo.id, '--state-dir', pstate], { encoding: 'utf8' });
  if (inst.status !== 0) throw new Error(`plugin install failed: ${inst.stderr}`);
  const cwd = mkdtempSync(join(tmpdir(), 'clipguard-bench-watch-live-cwd-'));
  const trust = join(cwd, 'trusted.json');
  const config = join(cwd, 'clipguard.config.json');
  writeFileSync(config, JSON.stringify({ paperclip: { url, companies: [liveCo.id] }, repos: [], stateDir: join(cwd, '.clipguard'), schedule: { jobs: [{ name: 'scan', type: 'scan', cron: '0 0 1 1 *', apply: true, only: ['security/secret-in-issue', 'security/secret-in-comment'] }] } }));
  const wenv = { ...process.env, NO_COLOR: '1', CLIPGUARD_TRUST_FILE: trust };
  if (spawnSync(process.execPath, [BIN, 'trust', config], { cwd, env: wenv, encoding: 'utf8' }).status !== 0) throw new Error('clipguard trust failed');
  let log = '';
  watch = spawn(process.execPath, [BIN, 'watch', '--live', '--config', config, '--jitter', '0', '--log-format', 'json'], { cwd, env: wenv });
  watch.stdout.on('data', (d) => (log += d));
  if (!(await until(() => log.includes('"live-connected"') && log.includes('"event":"ok"'), { timeoutMs: 60_000 }))) throw new Error(`watch --live did not start: ${log}`);

  const plugIssue = await call('POST', `/companies/${plugCo.id}/issues`, { title: 'bench: plugin', description: 'nothing secret', allowDuplicate: true });
  const liveIssue = await call('POST', `/companies/${liveCo.id}/issues`, { title: 'bench: watch --live', description: 'nothing secret', allowDuplicate: true });
  const res = { plugin: { comments: [], edits: [] }, live: { comments: [], edits: [] } };
  const sides = [['plugin', plugIssue], ['live', liveIssue]];
  for (let i = 0; i < ROUNDS; i++) {
    for (const [name, issue] of i % 2 ? [...sides].reverse() : sides) {
      const m = await commentLatency(call, issue.id, planted(KINDS[i % KINDS.length]));
      if (m.ms === null) throw new Error(`${name}: comment ${i} not redacted within 20 s`);
      res[name].comments.push(m.ms);
    }
  }
  for (let i = 0; i < EDITS; i++) {
    for (const [name, issue] of i % 2 ? [...sides].reverse() : sides) {
      const p = planted('github-pat');
      const d = await descriptionLatency(call, issue.id, { ...p, before: `Steps ${seq}:\n1. export TOKEN=`, after: '\n2. deploy\n' });
      if (d.ms === null) throw new Error(`${name}: edit ${i} not redacted within 20 s`);
      res[name].edits.push(d.ms);
    }
  }
  const hwm = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${watch.pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
  console.log(`watch --live vs the plugin, ${url}, ${ROUNDS} rounds of one comment each + ${EDITS} description edits each, alternating; load ${load.toFixed(1)}, ${cpus().length} cores`);
  for (const name of ['plugin', 'live']) {
    const c = stats(res[name].comments);
    const e = stats(res[name].edits);
    console.log(`${name === 'live' ? 'watch --live' : 'plugin      '}  comments p50 ${ms(c.p50)} p95 ${ms(c.p95)} max ${ms(c.max)} | edits p50 ${ms(e.p50)} p95 ${ms(e.p95)} max ${ms(e.max)} | all p50 ${ms(percentile([...res[name].comments, ...res[name].edits], 50))} p95 ${ms(percentile([...res[name].comments, ...res[name].edits], 95))}`);
  }
  console.log(`watch --live peak RSS ${hwm.toFixed(0)} MB`);
} finally {
  watch?.kill('SIGTERM');
  spawnSync(process.execPath, [BIN, 'plugin', 'uninstall', '--paperclip', url, '--purge'], { encoding: 'utf8' });
  server.stop();
}
