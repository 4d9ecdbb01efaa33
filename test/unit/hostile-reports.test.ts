// Hostile text in every field a report prints (messages, labels, file paths, action targets and details,
// waiver reasons, source details): any code unit, lone surrogates, NUL, ANSI escapes, `</testcase>`, `]]>`,
// `<script>`, Markdown pipes, and 10 MB lines. Every format must stay valid: JSON matches the report schema,
// SARIF validates against SARIF 2.1.0, JUnit parses as XML, HTML carries no markup but ours, Markdown keeps
// one table row per finding, terminal text carries no control character.
import fc from 'fast-check';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { buildReport, runScan } from '../../src/scan.js';
import { loadRulePacks } from '../../src/engine/load.js';
import { loadConfig } from '../../src/config/load.js';
import { renderSarif } from '../../src/report/sarif.js';
import { renderJunit } from '../../src/report/junit.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { renderText } from '../../src/report/text.js';
import { renderJson } from '../../src/report/json.js';
import { renderHtml } from '../../src/report/html.js';
import { diffSubjects } from '../../src/sources/index.js';
import { severityRank, type Finding, type Report } from '../../src/types.js';
import { fakeSample } from '../helpers/fake-secrets.js';
import { tempDir } from '../helpers/cli.js';
import { reportValidator, sarifValidator } from '../helpers/schemas.js';

const validateSarif = sarifValidator();
const validateReport = reportValidator();
const { rules } = loadRulePacks([]);

const NASTY = ['</testcase>', ']]>', '<![CDATA[', '<script>alert(1)</script>', '" onload="x', "'", '|', '\\|', '`', '\u001b[31m', '\u001b]8;;http://x\u0007', '\u009b2J', '\u0000', '\r\n', '\n', '\ud800', '\udfff', '\ufeff', '\u2028', '&amp;', '&#0;', '<!--', '-->', '**', '[x](javascript:alert(1))', '<img src=x onerror=alert(1)>', '\t'];
// Any UTF-16 code unit (lone surrogates and every control included), mixed with the known trouble-makers.
const hostile = fc
  .array(fc.oneof(fc.constantFrom(...NASTY), fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), fc.string({ maxLength: 8 })), { maxLength: 12 })
  .map((parts) => parts.join(''));

const finding = fc.record({
  severity: fc.constantFrom('critical', 'error', 'warning', 'info') as fc.Arbitrary<Finding['severity']>,
  ruleId: fc.constantFrom('ops/idle-agent-backlog', 'security/secret-in-diff', 'custom/rule-x'),
  message: hostile,
  label: hostile,
  id: hostile,
  file: fc.option(hostile, { nil: undefined }),
  line: fc.integer({ min: 1, max: 1_000_000 }),
  target: hostile,
  detail: hostile,
  suppressed: fc.option(hostile, { nil: undefined }),
}).map(
  (r, i = 0): Finding => ({
    ruleId: r.ruleId,
    severity: r.severity,
    title: 'T',
    message: r.message,
    subject: { type: 'issue', id: r.id, label: r.label },
    location: r.file === undefined ? null : { file: r.file, line: r.line, column: 1 },
    fingerprint: (r.message.length.toString(16) + 'a'.repeat(32)).slice(0, 32),
    tags: ['x'],
    actions: [{ type: 'comment', status: 'planned', target: r.target, detail: r.detail }],
    ...(r.suppressed === undefined ? {} : { suppressed: { kind: 'waiver' as const, reason: r.suppressed } }),
  }),
);

function reportOf(findings: Finding[], sourceDetail = 'ok'): Report {
  return buildReport({ startedAt: new Date('2026-11-25T00:00:00Z'), finishedAt: new Date('2026-11-25T00:00:01Z'), mode: 'dry-run', sources: [{ name: 'paperclip', status: 'unavailable', detail: sourceDetail }], findings, failOn: 'error' });
}

const LONE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const HTML_TAGS = new Set(['html', 'head', 'meta', 'title', 'style', 'body', 'h1', 'h2', 'div', 'span', 'section', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'code', 'p', '!doctype']);

function checkAll(report: Report, opts: { big?: boolean } = {}): void {
  const active = report.findings.filter((f) => !f.suppressed);

  const json = JSON.parse(renderJson(report));
  expect(validateReport(json), JSON.stringify(validateReport.errors?.slice(0, 3))).toBe(true);
  expect(json.findings).toHaveLength(report.findings.length);
  expect(JSON.stringify(json)).not.toMatch(LONE);

  const sarif = JSON.parse(renderSarif(report, rules));
  expect(validateSarif(sarif), JSON.stringify(validateSarif.errors?.slice(0, 3))).toBe(true);
  expect(JSON.stringify(sarif)).not.toMatch(/\\u00(0[0-8bcef]|1[0-9a-f]|7f|9b)/i);

  const xml = renderJunit(report, rules);
  expect(XMLValidator.validate(xml)).toBe(true);
  if (!opts.big) {
    const doc = new XMLParser({ ignoreAttributes: false }).parse(xml);
    expect(Number(doc.testsuites['@_failures'])).toBe(active.filter((f) => severityRank(f.severity) >= severityRank(report.summary.failOn)).length);
  }
  expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/);
  expect(xml).not.toMatch(LONE);

  const html = renderHtml(report);
  const tags = [...html.matchAll(/<\/?([!a-zA-Z][^\s>/]*)/g)].map((m) => m[1].toLowerCase());
  expect(tags.filter((t) => !HTML_TAGS.has(t))).toEqual([]);
  expect(html).not.toMatch(/<script/i);
  expect((html.match(/<tr class=/g) ?? []).length).toBe(active.length);
  expect(html).not.toMatch(LONE);

  const md = renderMarkdown(report);
  const rows = md.split('\n').filter((l) => l.startsWith('| `'));
  expect(rows).toHaveLength(active.length);
  for (const r of rows) expect(r.split(/(?<!\\)\|/).length).toBe(6);
  expect(md).not.toMatch(/<[a-zA-Z!/]/);
  expect(md).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);

  const text = renderText(report, { color: false });
  expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  expect(text).not.toMatch(LONE);
}

describe('reports stay valid whatever the scanned text holds', () => {
  it('any code units, controls, markup and pipes in every printed field (property)', () => {
    fc.assert(
      fc.property(fc.array(finding, { minLength: 1, maxLength: 6 }), hostile, (fs, detail) => {
        checkAll(reportOf(fs, detail));
      }),
      { numRuns: 300 },
    );
  });

  it('10 MB lines: a 10 MB message and action detail', () => {
    const big = ('</testcase>]]><script>|\u001b[2J\u0000\ud800 ' + 'x'.repeat(100)).repeat(Math.ceil((10 * 1024 * 1024) / 140));
    const f: Finding = {
      ruleId: 'security/secret-in-diff',
      severity: 'critical',
      title: 'T',
      message: big,
      subject: { type: 'diff', id: big.slice(0, 4096), label: big.slice(0, 4096) },
      location: { file: big.slice(0, 4096), line: 1, column: 1 },
      fingerprint: 'b'.repeat(32),
      tags: [],
      actions: [{ type: 'redact', status: 'planned', target: big.slice(0, 4096), detail: big }],
    };
    checkAll(reportOf([f], big.slice(0, 4096)), { big: true });
  }, 120_000);

  it('a 10 MB added line with a secret at its end, through the real diff subjects and engine', async () => {
    const s = fakeSample('github-pat', 99);
    const line = '|<script>'.repeat(1024 * 1024 + 10) + ' ' + s.text;
    const config = loadConfig(tempDir(), { noConfigFile: true }, {});
    config.repos = [];
    const subjects = diffSubjects('.', [{ path: 'big </testcase> | \u001b[31m.txt', lines: [{ line: 1, text: line }] }], config);
    const { report } = await runScan(config, { subjects, only: ['security/secret-in-diff'] });
    expect(report.findings).toHaveLength(1);
    checkAll(report);
    for (const format of [renderJson(report), renderSarif(report, rules), renderJunit(report, rules), renderMarkdown(report), renderHtml(report), renderText(report, { color: false })]) {
      expect(format).not.toContain(s.secret);
    }
  });
});
