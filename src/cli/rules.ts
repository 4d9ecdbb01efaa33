// `clipguard rules list|validate|test` and `clipguard explain`.

import { resolve } from 'node:path';
import type { Config } from '../config/load.js';
import { activateRules } from '../engine/evaluate.js';
import { formatProblem, loadRulePacks, withoutActionsFrom } from '../engine/load.js';
import { ruleActions } from '../engine/rule.js';
import { oneLine, plain } from '../report/sanitize.js';
import { EXIT } from './output.js';

export function rulesList(config: Config, json: boolean): number {
  const loaded = loadRulePacks(config.rules.packs);
  const { problems } = loaded;
  const rules = withoutActionsFrom(loaded.rules, config.rules.actionlessPacks);
  if (problems.length) {
    process.stderr.write(plain(problems.map(formatProblem).join('\n')) + '\n');
    return EXIT.usage;
  }
  // As the config makes them: its overrides change a rule's severity, turn it off, or switch its action on.
  const effective = new Map(activateRules(rules, config.rules.overrides).map((r) => [r.id, r]));
  const rows = rules.map((r) => {
    const e = effective.get(r.id);
    // `action`/`actionEnabled` are the first action (what this list has always shown); `actions` has them all.
    const actions = (e?.effectiveActions ?? ruleActions(r).map((a) => ({ ...a, enabled: false }))).map((a) => ({ type: a.type, enabled: Boolean(e) && a.enabled }));
    return { id: r.id, severity: e?.severity ?? r.severity, enabled: Boolean(e), subject: r.subject, title: r.title, tags: r.tags, action: actions[0]?.type ?? null, actionEnabled: actions[0]?.enabled ?? false, actions, file: r.file };
  });
  if (json) {
    process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
    return EXIT.ok;
  }
  const w = Math.max(...rows.map((r) => r.id.length), 2);
  const lines = [`${'id'.padEnd(w)}  ${'severity'.padEnd(8)}  ${'subject'.padEnd(12)}  title`];
  for (const r of rows) {
    const action = r.actions.length ? `  [action${r.actions.length > 1 ? 's' : ''}: ${r.actions.map((a) => `${a.type}${a.enabled ? '' : ', off'}`).join('; ')}]` : '';
    lines.push(`${r.id.padEnd(w)}  ${(r.enabled ? r.severity : 'off').padEnd(8)}  ${r.subject.padEnd(12)}  ${oneLine(r.title, 200)}${action}`);
  }
  const off = rows.filter((r) => !r.enabled).length;
  // A checkout's rule pack wrote the titles (rules.packs is honoured untrusted): no escape sequence reaches the terminal.
  process.stdout.write(plain(lines.join('\n')) + `\n\n${rules.length} rules${off ? ` (${off} turned off in the config)` : ''}. Details: clipguard explain <id>\n`);
  return EXIT.ok;
}

export function rulesValidate(paths: string[]): number {
  const { rules, problems } = loadRulePacks(paths.map((p) => resolve(p)), { builtin: false });
  if (problems.length) {
    process.stderr.write(plain(problems.map(formatProblem).join('\n')) + `\n${problems.length} problem(s); ${rules.length} valid rule(s)\n`);
    return EXIT.usage;
  }
  process.stdout.write(`${rules.length} rule(s) valid\n`);
  return EXIT.ok;
}

export async function rulesTest(paths: string[], only?: string[]): Promise<number> {
  // Lazy: the rule-test harness pulls in the locale side (opencc-js, YAML), which `precommit` must not load.
  const { runRuleTests } = await import('../rule-tests.js');
  const results = await runRuleTests(paths.map((p) => resolve(p)), { only });
  let failed = 0;
  for (const r of results) {
    if (r.ok) process.stdout.write(plain(`ok    ${r.ruleId}  ${r.file}`) + '\n');
    else {
      failed++;
      process.stdout.write(plain(`FAIL  ${r.ruleId}  ${r.file}\n${r.errors.map((e) => `      ${e}`).join('\n')}`) + '\n');
    }
  }
  const passed = results.length - failed;
  process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
  return failed ? EXIT.findings : EXIT.ok;
}

export function explainRule(config: Config, id: string): number {
  const { rules } = loadRulePacks(config.rules.packs);
  const r = rules.find((x) => x.id === id);
  if (!r) {
    const near = rules.filter((x) => x.id.includes(id.split('/').pop() ?? id)).map((x) => x.id);
    process.stderr.write(`clipguard: no rule "${oneLine(id, 200)}"${near.length ? `; did you mean ${near.join(', ')}?` : ''} (clipguard rules list)\n`);
    return EXIT.usage;
  }
  const actions = ruleActions(r);
  const out = [
    `${r.id}  (${r.severity}, subject: ${r.subject}, tags: ${r.tags.join(', ')})`,
    r.title,
    '',
    `Why:  ${r.description}`,
    r.handbook ? `Handbook: ${r.handbook}` : '',
    `Fix:  ${r.remediation}`,
    ...(actions.length
      ? actions.map((a) => `Action: ${a.type}${a.enabled === false ? ` (off by default; enable with rules.overrides["${r.id}"].${r.actions ? `actions.${a.type}` : 'action'}.enabled)` : ' (planned in dry-run, done with --apply)'}`)
      : ['Action: none (report only)']),
    r.params ? `Params (override in rules.overrides["${r.id}"].params): ${JSON.stringify(r.params)}` : '',
    '',
    'Conditions:',
    JSON.stringify(r.conditions, null, 2),
    '',
    `File: ${r.file}`,
  ].filter((l, i, a) => l !== '' || a[i - 1] !== '');
  process.stdout.write(plain(out.join('\n')) + '\n');
  return EXIT.ok;
}
