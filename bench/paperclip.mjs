// Benchmark 5: scanning a real Paperclip server (scripts/paperclip/, the e2e harness's install) holding
// 2,000 issues: requests and wall time of a full scan, then of a repeat scan with nothing changed. The
// peer is the full scan itself: a repeat scan should cost a fixed number of requests, whatever the number
// of issues. Optional (it installs/starts a server and seeds it through the API: about a minute or two):
//
//   npm run bench -- --paperclip      or   BENCH_PAPERCLIP=1 npm run bench      or   node bench/paperclip.mjs
//
// Ports: CLIPGUARD_E2E_PORT (default 3497) and CLIPGUARD_E2E_PG_PORT (default 55697). The instance lives in
// ~/.cache/clipguard-e2e/bench-<pid> and is stopped and wiped afterwards. The full and the repeat scan share
// the in-memory read cache `watch` keeps between runs; a third, one-off scan (no cache) reads everything.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SCRIPTS = join(ROOT, 'scripts/paperclip');
const ISSUES = Number(process.env.BENCH_PAPERCLIP_ISSUES ?? 2000);

function sh(script, args, env, timeoutMs) {
  const r = spawnSync('bash', [join(SCRIPTS, script), ...args], { env, encoding: 'utf8', timeout: timeoutMs });
  if (r.status !== 0) throw new Error(`${script} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stderr}\n${r.stdout}`.trim());
  return r.stdout;
}

async function call(api, method, path, body) {
  const res = await fetch(`${api}${path}`, { method, headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (res.status < 200 || res.status > 299) throw new Error(`${method} ${path} -> HTTP ${res.status}: ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

/** One company, 10 quiet agents (never woken), ISSUES issues (some blocked), each with a comment. */
async function seed(url) {
  const api = `${url}/api`;
  const company = await call(api, 'POST', '/companies', { name: `Bench Co ${process.pid}`, description: 'clipguard bench', budgetMonthlyCents: 0 });
  const agents = [];
  for (let i = 0; i < 10; i++) {
    agents.push(await call(api, 'POST', `/companies/${company.id}/agents`, { name: `Bench Agent ${i}`, role: i === 0 ? 'ceo' : 'engineer', adapterType: 'process', adapterConfig: { command: 'true' }, runtimeConfig: { heartbeat: { enabled: false, wakeOnDemand: false } } }));
  }
  const statuses = ['backlog', 'todo', 'todo', 'done', 'done', 'blocked'];
  let next = 0;
  await Promise.all(
    Array.from({ length: 6 }, async () => {
      while (next < ISSUES) {
        const k = next++;
        const status = statuses[k % statuses.length];
        const body = { title: `Bench issue ${k}`, description: `Generated issue ${k} for the scan benchmark.`, status, priority: ['high', 'medium', 'low'][k % 3], allowDuplicate: true };
        if (status === 'blocked') body.unblockDescriptor = { owner: 'board', action: 'Unblock it (bench seed)' };
        const issue = await call(api, 'POST', `/companies/${company.id}/issues`, body);
        // Every issue touched once: an issue never updated since creation has no comments and costs no
        // comment request, so an untouched backlog would flatter the full scan.
        await call(api, 'POST', `/issues/${issue.id}/comments`, { body: `Progress note on issue ${k}.` });
      }
    }),
  );
  return { company, agents };
}

export async function benchPaperclip() {
  const root = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'clipguard-e2e', `bench-${process.pid}`);
  const env = { ...process.env, PAPERCLIP_E2E_ROOT: root, PAPERCLIP_PORT: process.env.CLIPGUARD_E2E_PORT ?? '3497', PAPERCLIP_PG_PORT: process.env.CLIPGUARD_E2E_PG_PORT ?? '55697' };
  sh('install.sh', [], env, 15 * 60_000);
  sh('stop.sh', ['--wipe'], env, 60_000);
  const out = sh('start.sh', [], env, 4 * 60_000);
  const url = out.trim().split('\n').pop();
  const stateDir = mkdtempSync(join(tmpdir(), 'clipguard-bench-state-'));
  try {
    const t0 = performance.now();
    await seed(url);
    const seedMs = performance.now() - t0;
    const { loadConfig } = await import('../dist/config/load.js');
    const { runScan } = await import('../dist/scan.js');
    const { PaperclipReadCache } = await import('../dist/sources/paperclip/cache.js');
    const { textGuard } = await import('../dist/sources/index.js');
    // What `clipguard watch` keeps between its runs (in memory, and masked in <stateDir>/paperclip/ for the
    // next process): the repeat scan reads only what changed, and so does the first scan after a restart.
    const keptDir = join(stateDir, 'paperclip');
    const guard = textGuard(loadConfig(ROOT, { noConfigFile: true, paperclip: url }, {}));
    const cache = new PaperclipReadCache({ guard, dir: keptDir });
    const scan = async (paperclipCache) => {
      const config = loadConfig(ROOT, { noConfigFile: true, paperclip: url }, {});
      config.repos = [];
      config.stateDir = stateDir;
      const t = performance.now();
      const r = await runScan(config, { only: ['ops', 'budget', 'security', 'source'], paperclipCache });
      const ms = performance.now() - t;
      const status = r.report.sources.find((s) => s.name === 'paperclip');
      if (status?.status !== 'ok') throw new Error(`paperclip source: ${status?.status} ${status?.detail}`);
      return { requests: r.requestCount, ms: Math.round(ms), issues: r.subjects.filter((s) => s.type === 'issue').length, findings: r.report.findings.length };
    };
    const full = await scan(cache);
    const keptBytes = readdirSync(keptDir).reduce((n, f) => n + statSync(join(keptDir, f)).size, 0);
    const repeat = await scan(cache);
    // A new process: a new cache over the same directory (what `watch --once` from cron gets).
    const restart = await scan(new PaperclipReadCache({ guard, dir: keptDir }));
    const oneOff = await scan(undefined);
    return [
      { case: `full scan, ${full.issues} issues (watch, keeps its read)`, ...full, seedMs: Math.round(seedMs), keptMB: +(keptBytes / 1048576).toFixed(1) },
      { case: 'repeat scan, nothing changed (watch)', ...repeat },
      { case: 'first scan after a restart, nothing changed (watch --once)', ...restart },
      { case: 'repeat one-off scan (no cache)', ...oneOff },
    ];
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
    sh('stop.sh', ['--wipe'], env, 60_000);
    rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[1] === SELF) console.table(await benchPaperclip());
