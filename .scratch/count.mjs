const { makeSnapshot } = await import('/work/main/bench/gen-snapshot.mjs');
const snap = makeSnapshot({ agents: 1000, issues: 100_000, comments: 300_000, companies: 10 });
const now = new Date('2026-11-15T12:00:00Z');
const cg = {
  ...(await import('/work/main/dist/config/load.js')),
  ...(await import('/work/main/dist/engine/evaluate.js')),
  ...(await import('/work/main/dist/engine/load.js')),
  ...(await import('/work/main/dist/sources/paperclip/subjects.js')),
  ...(await import('/work/main/dist/sources/index.js')),
};
const { Engine } = await import('/work/main/node_modules/json-rules-engine/dist/index.js');
const runs = {}; const orig = Engine.prototype.run;
Engine.prototype.run = function (f) { const n = this.rules[0].name; runs[n] = (runs[n] ?? 0) + 1; return orig.call(this, f); };
const config = cg.loadConfig(process.cwd(), { noConfigFile: true }, {});
const rules = cg.activateRules(cg.loadRulePacks([]).rules, {});
const subjects = cg.paperclipSubjects(snap, { now, detectSecrets: cg.maskedSecrets(config), budget: { companyMonthlyCents: null, forecastWindowDays: 7 } });
const list = await new cg.Evaluator(rules).evaluate(subjects, { now });
const fired = {}; for (const f of list) fired[f.ruleId] = (fired[f.ruleId] ?? 0) + 1;
for (const k of Object.keys(runs)) console.log(k, runs[k], fired[k] ?? 0);

const { maskText } = await import('/work/main/dist/engine/mask.js');
let t1 = performance.now(); for (let i = 0; i < 100000; i++) maskText('deploy fix the build refactor ' + (i % 100)); console.log('maskText short µs', (performance.now() - t1) * 10 / 1000 * 1000 / 1000);
const { fingerprint } = await import('/work/main/dist/engine/evaluate.js');
t1 = performance.now(); for (let i = 0; i < 100000; i++) fingerprint('ops/stale', 'issue', 'i-1-' + i, ''); console.log('fp µs', (performance.now() - t1) / 100);
const c = await import('node:crypto');
t1 = performance.now(); for (let i = 0; i < 100000; i++) c.hash('sha256', ['ops/stale', 'issue', 'i-1-' + i, ''].join('\0')).slice(0, 32); console.log('hash µs', (performance.now() - t1) / 100);
