const { makeSnapshot } = await import('/work/main/bench/gen-snapshot.mjs');
const snap = makeSnapshot({ agents: 1000, issues: 100_000, comments: 300_000, companies: 10 });
const now = new Date('2026-11-15T12:00:00Z');
const cg = {
  ...(await import('/work/main/dist/config/load.js')), ...(await import('/work/main/dist/engine/evaluate.js')), ...(await import('/work/main/dist/engine/load.js')),
  ...(await import('/work/main/dist/sources/paperclip/subjects.js')), ...(await import('/work/main/dist/sources/index.js')), ...(await import('/work/main/dist/actions/planner.js')),
};
for (let round = 0; round < 3; round++) {
  global.gc();
  const c0 = process.cpuUsage(); const t0 = performance.now(); const r0 = process.resourceUsage();
  const config = cg.loadConfig(process.cwd(), { noConfigFile: true }, {});
  const rules = cg.activateRules(cg.loadRulePacks([]).rules, {});
  const subjects = cg.paperclipSubjects(snap, { now, detectSecrets: cg.maskedSecrets(config), budget: { companyMonthlyCents: null, forecastWindowDays: 7 } });
  const t1 = performance.now();
  const list = await new cg.Evaluator(rules).evaluate(subjects, { now });
  cg.planActions(list, subjects, { maxPerScan: 20, maxPerAgent: 3, exec: {} });
  const c = process.cpuUsage(c0); const r1 = process.resourceUsage();
  console.log(`wall ${Math.round(performance.now() - t0)} (subjects ${Math.round(t1 - t0)}) user ${Math.round(c.user / 1000)} sys ${Math.round(c.system / 1000)} minflt ${r1.minorPageFault - r0.minorPageFault}`);
}
