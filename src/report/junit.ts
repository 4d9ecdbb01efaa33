// JUnit XML for CI test-report widgets: one testsuite per rule, one testcase per finding (failing when it is
// active and at or above --fail-on, passing with the message in <system-out> when below it, so the widget and
// the exit code agree), a skipped testcase per suppressed finding, one passing testcase for a rule with none.

import type { LoadedRule } from '../engine/rule.js';
import { severityRank, type Finding, type Report } from '../types.js';
import { xml } from './sanitize.js';

export function renderJunit(report: Report, rules: LoadedRule[]): string {
  const ids = [...new Set([...rules.map((r) => r.id), ...report.findings.map((f) => f.ruleId)])].sort();
  const fails = (f: Finding) => !f.suppressed && severityRank(f.severity) >= severityRank(report.summary.failOn);
  const seconds = Math.max(0, (Date.parse(report.finishedAt) - Date.parse(report.startedAt)) / 1000);
  const suites = ids.map((id) => {
    const fs = report.findings.filter((f) => f.ruleId === id);
    const failures = fs.filter(fails);
    const cases = fs.length
      ? fs.map((f) => {
          const name = xml(`${f.subject.type} ${f.location ? `${f.location.file}:${f.location.line}` : f.subject.label}`);
          if (f.suppressed) return `    <testcase classname="${xml(id)}" name="${name}"><skipped message="${xml(`${f.suppressed.kind}: ${f.suppressed.reason}`)}"/></testcase>`;
          if (!fails(f)) return `    <testcase classname="${xml(id)}" name="${name}"><system-out>${xml(`${f.severity} (below --fail-on ${report.summary.failOn}): ${f.message}`)}</system-out></testcase>`;
          return `    <testcase classname="${xml(id)}" name="${name}"><failure type="${f.severity}" message="${xml(f.message)}">${xml(`${f.message}\nfingerprint: ${f.fingerprint}`)}</failure></testcase>`;
        })
      : [`    <testcase classname="${xml(id)}" name="no findings"/>`];
    return `  <testsuite name="${xml(id)}" tests="${cases.length}" failures="${failures.length}" errors="0" skipped="${fs.filter((f) => f.suppressed).length}">\n${cases.join('\n')}\n  </testsuite>`;
  });
  const total = report.findings.length + ids.filter((id) => !report.findings.some((f) => f.ruleId === id)).length;
  const failed = report.findings.filter(fails).length;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="clipguard" tests="${total}" failures="${failed}" errors="0" time="${seconds.toFixed(3)}">\n${suites.join('\n')}\n</testsuites>\n`;
}
