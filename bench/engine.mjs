// Benchmark 4: a snapshot of 1,000 agents, 100,000 issues and 300,000 comments through the whole built-in
// pack (sources replaced by the snapshot), beside the same rules hand-written as plain loops. Each side runs
// in its own child process so its RSS is its own. Also the scaling: the same at 1/10 of the data.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);

async function child(kind, scale) {
  const { makeSnapshot } = await import('./gen-snapshot.mjs');
  const snap = makeSnapshot({ agents: 1000 * scale, issues: 100_000 * scale, comments: 300_000 * scale, companies: 10 });
  const now = new Date('2026-11-15T12:00:00Z');
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const t0 = performance.now();
  let findings;
  if (kind === 'clipguard') {
    const { loadConfig } = await import('../dist/config/load.js');
    const { activateRules, Evaluator } = await import('../dist/engine/evaluate.js');
    const { loadRulePacks } = await import('../dist/engine/load.js');
    const { paperclipSubjects } = await import('../dist/sources/paperclip/subjects.js');
    const { maskedSecrets } = await import('../dist/sources/index.js');
    const { planActions } = await import('../dist/actions/planner.js');
    const config = loadConfig(process.cwd(), { noConfigFile: true }, {});
    const rules = activateRules(loadRulePacks([]).rules, {});
    const subjects = paperclipSubjects(snap, { now, detectSecrets: maskedSecrets(config), budget: { companyMonthlyCents: null, forecastWindowDays: 7 } });
    const list = await new Evaluator(rules).evaluate(subjects, { now });
    planActions(list, subjects, { maxPerScan: 20, maxPerAgent: 3, exec: {} });
    findings = list.length;
  } else {
    const { handWritten } = await import('./hand-written.mjs');
    findings = await handWritten(snap, now);
  }
  const ms = performance.now() - t0;
  const rss = process.memoryUsage().rss;
  process.stdout.write(JSON.stringify({ kind, scale, ms, findings, rssMB: Math.round(rss / 1048576), rssDeltaMB: Math.round((rss - rssBefore) / 1048576) }));
}

export function benchEngine() {
  const run = (kind, scale) => {
    const r = spawnSync(process.execPath, ['--max-old-space-size=8192', '--expose-gc', SELF, kind, String(scale)], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (r.status !== 0) throw new Error(r.stderr);
    return JSON.parse(r.stdout);
  };
  const rows = [];
  for (const scale of [0.1, 1]) for (const kind of ['clipguard', 'hand-written']) rows.push(run(kind, scale));
  return rows;
}

if (process.argv[2] === 'clipguard' || process.argv[2] === 'hand-written') {
  await child(process.argv[2], Number(process.argv[3]));
} else if (process.argv[1] === SELF) {
  console.table(benchEngine());
}
