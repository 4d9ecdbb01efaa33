// The cost of the runaway-work facts (issue 24) on the engine benchmark's snapshot (1,000 agents, 100,000 issues
// in 10 companies), every issue created by an agent within the last 14 days: `paperclipSubjects` with the facts
// (this build) against the same call with the three fact builders replaced by no-ops (`--without`), each in its
// own process, alternating, so the difference is what the facts cost. Plus 1,000 routines and 1,000 approvals
// through routineSubjects, and the three issue-creation builders alone (`facts`). Wall and CPU time (CPU is
// steadier on a loaded machine). Needs `npm run build`. Usage: node bench/runaway.mjs [rounds=7]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);

async function child(mode) {
  const { makeSnapshot, rng } = await import('./gen-snapshot.mjs');
  const snap = makeSnapshot({ agents: 1000, issues: 100_000, comments: 0, companies: 10 });
  const r = rng(7);
  const now = new Date('2026-11-15T12:00:00Z');
  for (const c of snap) for (const i of c.issues) {
    i.createdByAgentId = c.agents[Math.floor(r() * c.agents.length)].id;
    i.createdAt = new Date(now.getTime() - r() * 14 * 86_400_000).toISOString();
  }
  const runaway = { ...(await import('../dist/facts/issue-creation.js')), ...(await import('../dist/facts/routine.js')) };
  if (mode === 'routines') {
    const agents = new Map(snap[0].agents.map((a) => [a.id, a]));
    const routines = Array.from({ length: 1000 }, (_, k) => ({ id: `r${k}`, title: `Routine ${k}`, status: 'active', createdByAgentId: snap[0].agents[k % 100].id, createdByUserId: null, assigneeAgentId: null, createdAt: now.toISOString(), triggers: [{ kind: 'schedule', enabled: true, cronExpression: '* * * * *' }] }));
    const approvals = Array.from({ length: 1000 }, (_, k) => ({ id: `p${k}`, status: k % 2 ? 'approved' : 'pending', payload: { routineId: `r${k}` }, createdAt: now.toISOString() }));
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    runaway.routineSubjects(snap[0].company, routines, approvals, agents);
    const cpu = process.cpuUsage(c0);
    return process.stdout.write(JSON.stringify({ mode, ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024) }));
  }
  if (mode === 'facts') {
    // The three builders alone, as paperclipSubjects calls them: one index per company, one count per agent.
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (const c of snap) {
      const index = runaway.creationIndex(c.issues);
      const byId = new Map(c.agents.map((a) => [a.id, a]));
      runaway.companyCreationFacts(index, byId, now, { windowHours: 24, baselineDays: 7 });
      for (const a of c.agents) runaway.creationFacts(index.get(a.id) ?? [], now, { windowHours: 24, baselineDays: 7 });
    }
    const cpu = process.cpuUsage(c0);
    return process.stdout.write(JSON.stringify({ mode, ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024) }));
  }
  const { paperclipSubjects } = await import('../dist/sources/paperclip/subjects.js');
  const t0 = performance.now();
  // `without`: the same call on issues with no creator (the index is then empty, the facts all zero).
  const input = mode === 'without' ? snap.map((c) => ({ ...c, issues: c.issues.map(({ createdByAgentId, ...i }) => i) })) : snap;
  const c1 = process.cpuUsage();
  const t1 = performance.now();
  paperclipSubjects(input, { now, budget: { companyMonthlyCents: null, forecastWindowDays: 7 } });
  const ms = performance.now() - t1;
  const cpu = process.cpuUsage(c1);
  void t0;
  process.stdout.write(JSON.stringify({ mode, ms, cpuMs: (cpu.user + cpu.system) / 1000, maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024) }));
}

if (process.argv[2] === 'child') {
  await child(process.argv[3]);
} else {
  const rounds = Number(process.argv[2] ?? 7);
  const rows = { with: [], without: [], facts: [], routines: [] };
  for (let k = 0; k < rounds; k++) {
    for (const mode of k % 2 ? ['without', 'with', 'facts', 'routines'] : ['with', 'without', 'facts', 'routines']) {
      const r = spawnSync(process.execPath, ['--max-old-space-size=4096', SELF, 'child', mode], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(r.stderr);
      rows[mode].push(JSON.parse(r.stdout));
    }
  }
  const stat = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return `${s[Math.floor(s.length / 2)].toFixed(0)} ms (min ${s[0].toFixed(0)}, max ${s[s.length - 1].toFixed(0)})`;
  };
  for (const [mode, list] of Object.entries(rows)) console.log(`${mode.padEnd(9)} wall ${stat(list.map((x) => x.ms))}, CPU ${stat(list.map((x) => x.cpuMs))}, peak RSS median ${[...list.map((x) => x.maxRssMB)].sort((a, b) => a - b)[Math.floor(list.length / 2)]} MB`);
}
