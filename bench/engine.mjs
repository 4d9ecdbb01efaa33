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
  // Modules load before the clock starts (a one-off cost of any process, measured by benchmark 2); loading
  // and validating the rule pack, building subjects, evaluating and planning are inside it.
  const cg = kind === 'clipguard'
    ? {
        ...(await import('../dist/config/load.js')),
        ...(await import('../dist/engine/evaluate.js')),
        ...(await import('../dist/engine/load.js')),
        ...(await import('../dist/sources/paperclip/subjects.js')),
        ...(await import('../dist/sources/index.js')),
        ...(await import('../dist/actions/planner.js')),
      }
    : null;
  const { handWritten } = await import('./hand-written.mjs');
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const t0 = performance.now();
  let findings;
  if (cg) {
    const config = cg.loadConfig(process.cwd(), { noConfigFile: true }, {});
    const rules = cg.activateRules(cg.loadRulePacks([]).rules, {});
    const subjects = cg.paperclipSubjects(snap, { now, detectSecrets: cg.maskedSecrets(config), budget: { companyMonthlyCents: null, forecastWindowDays: 7 } });
    const list = await new cg.Evaluator(rules).evaluate(subjects, { now });
    cg.planActions(list, subjects, { maxPerScan: 20, maxPerAgent: 3, exec: {} });
    findings = {};
    for (const f of list) findings[f.ruleId] = (findings[f.ruleId] ?? 0) + 1;
  } else {
    findings = await handWritten(snap, now);
  }
  const ms = performance.now() - t0;
  const rss = process.memoryUsage().rss;
  process.stdout.write(JSON.stringify({ kind, scale, ms, findings, rssMB: Math.round(rss / 1048576), maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024), rssDeltaMB: Math.round((rss - rssBefore) / 1048576) }));
}

/** Rows {kind, scale, ms, maxRssMB, findings}: both sides at each scale, ROUNDS rounds round-robin, the
 * fastest run of each (the peak RSS is that of the same run). */
export function benchEngine(scales = [0.1, 1], rounds = Number(process.env.BENCH_ENGINE_ROUNDS ?? 2)) {
  const run = (kind, scale) => {
    const heap = scale > 1 ? ['--max-old-space-size=12288'] : ['--max-old-space-size=4096'];
    const r = spawnSync(process.execPath, [...heap, '--expose-gc', SELF, kind, String(scale)], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (r.status !== 0) throw new Error(`engine bench ${kind} ${scale}: ${r.stderr}`);
    return JSON.parse(r.stdout);
  };
  const best = new Map();
  for (let i = 0; i < rounds; i++) {
    for (const scale of scales) {
      for (const kind of ['clipguard', 'hand-written']) {
        const r = run(kind, scale);
        const k = `${kind}@${scale}`;
        if (!best.has(k) || r.ms < best.get(k).ms) best.set(k, r);
      }
    }
  }
  const rows = [...best.values()];
  rows.rounds = rounds;
  return rows;
}

if (process.argv[2] === 'clipguard' || process.argv[2] === 'hand-written') {
  await child(process.argv[2], Number(process.argv[3]));
} else if (process.argv[1] === SELF) {
  console.table(benchEngine().map((r) => ({ ...r, findings: Object.values(r.findings).reduce((a, b) => a + b, 0) })));
}
