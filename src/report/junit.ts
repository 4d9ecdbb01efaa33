// JUnit XML for CI test-report widgets: one testsuite per rule, one failing testcase per active finding,
// a skipped testcase per suppressed finding, and one passing testcase for a rule with no findings.

import type { LoadedRule } from '../engine/rule.js';
import type { Report } from '../types.js';
import { xml } from './sanitize.js';

export function renderJunit(report: Report, rules: LoadedRule[]): string {
  const ids = [...new Set([...rules.map((r) => r.id), ...report.findings.map((f) => f.ruleId)])].sort();
  const seconds = Math.max(0, (Date.parse(report.finishedAt) - Date.parse(report.startedAt)) / 1000);
  const suites = ids.map((id) => {
    const fs = report.findings.filter((f) => f.ruleId === id);
    const failures = fs.filter((f) => !f.suppressed);
    const cases = fs.length
      ? fs.map((f) => {
          const name = xml(`${f.subject.type} ${f.location ? `${f.location.file}:${f.location.line}` : f.subject.label}`);
          if (f.suppressed) return `    <testcase classname="${xml(id)}" name="${name}"><skipped message="${xml(`${f.suppressed.kind}: ${f.suppressed.reason}`)}"/></testcase>`;
          return `    <testcase classname="${xml(id)}" name="${name}"><failure type="${f.severity}" message="${xml(f.message)}">${xml(`${f.message}\nfingerprint: ${f.fingerprint}`)}</failure></testcase>`;
        })
      : [`    <testcase classname="${xml(id)}" name="no findings"/>`];
    return `  <testsuite name="${xml(id)}" tests="${cases.length}" failures="${failures.length}" errors="0" skipped="${fs.length - failures.length}">\n${cases.join('\n')}\n  </testsuite>`;
  });
  const total = report.findings.length + ids.filter((id) => !report.findings.some((f) => f.ruleId === id)).length;
  const failed = report.findings.filter((f) => !f.suppressed).length;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="clipguard" tests="${total}" failures="${failed}" errors="0" time="${seconds.toFixed(3)}">\n${suites.join('\n')}\n</testsuites>\n`;
}
