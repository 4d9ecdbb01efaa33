import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { buildReport } from '../../src/scan.js';
import { loadRulePacks } from '../../src/engine/load.js';
import { renderSarif } from '../../src/report/sarif.js';
import { renderJunit } from '../../src/report/junit.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { renderText } from '../../src/report/text.js';
import { renderJson } from '../../src/report/json.js';
import { renderHtml } from '../../src/report/html.js';
import type { Finding } from '../../src/types.js';
import { reportValidator, sarifValidator } from '../helpers/schemas.js';

const hostile = 'bad </testcase> ]]> <script>alert(1)</script> | pipe \u001b[31mred\u001b[0m nul\u0000 lone\ud800 end';

function finding(over: Partial<Finding> = {}): Finding {
  return {
    ruleId: 'ops/idle-agent-backlog',
    severity: 'warning',
    title: 'Idle agent',
    message: hostile,
    subject: { type: 'agent', id: 'a-1', label: `Alice ${hostile}` },
    location: null,
    fingerprint: '0123456789abcdef0123456789abcdef',
    tags: ['ops'],
    actions: [{ type: 'checkout', status: 'planned', target: 'issue:ACM-1', detail: hostile }],
    ...over,
  };
}

const findings: Finding[] = [
  finding(),
  finding({ ruleId: 'security/secret-in-diff', severity: 'critical', subject: { type: 'diff', id: 'src/a.ts', label: 'src/a.ts' }, location: { file: 'src/a.ts', line: 3, column: 7 }, fingerprint: 'f'.repeat(32), actions: [] }),
  finding({ ruleId: 'i18n/simplified-in-hant', severity: 'error', location: { file: 'locales/zh-TW.json', line: 2, column: 12 }, fingerprint: 'e'.repeat(32), suppressed: { kind: 'waiver', reason: hostile, expires: '2027-01-01' }, actions: [] }),
];
const reportInput = { startedAt: new Date('2026-11-25T00:00:00Z'), finishedAt: new Date('2026-11-25T00:00:01Z'), mode: 'dry-run' as const, sources: [{ name: 'paperclip', status: 'ok' as const, detail: 'x' }], findings, failOn: 'error' as const };
const report = buildReport(reportInput);
const { rules } = loadRulePacks([]);

describe('reports', () => {
  it('json matches the published report schema and keeps the contract names', () => {
    const doc = JSON.parse(renderJson(report));
    expect(Object.keys(doc)).toEqual(expect.arrayContaining(['version', 'startedAt', 'finishedAt', 'mode', 'sources', 'findings', 'summary']));
    expect(doc.version).toBe(1);
    const validate = reportValidator();
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    expect(doc.summary).toMatchObject({ total: 2, suppressed: 1, failed: true, failOn: 'error' });
    expect(doc.findings[2].suppressed.kind).toBe('waiver');
  });

  it('sarif validates against the SARIF 2.1.0 schema and keeps suppressed results', () => {
    const validate = sarifValidator();
    const doc = JSON.parse(renderSarif(report, rules));
    expect(validate(doc), JSON.stringify(validate.errors?.slice(0, 5))).toBe(true);
    const results = doc.runs[0].results;
    expect(results).toHaveLength(3);
    expect(results[1].locations[0].physicalLocation).toEqual({ artifactLocation: { uri: 'src/a.ts' }, region: { startLine: 3, startColumn: 7 } });
    expect(results[2].suppressions[0].kind).toBe('external');
    expect(results[0].partialFingerprints['clipguard/v1']).toBe(findings[0].fingerprint);
    expect(doc.runs[0].columnKind).toBe('unicodeCodePoints');
    expect(JSON.stringify(doc)).not.toMatch(/\\u001b|\\u0000/);
  });

  it('junit is well-formed XML with one failure per active finding, despite hostile text', () => {
    const xml = renderJunit(report, rules);
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false }).parse(xml);
    expect(doc.testsuites['@_failures']).toBe('1');
    expect(xml).not.toContain('</testcase> ]]>');
    expect(xml).not.toMatch(/[\u0000\u001b]/);
  });

  it('junit fails only the findings at or above --fail-on, as the exit code does; the others pass with their message', () => {
    const at = (failOn: 'info' | 'warning' | 'error' | 'critical') => {
      const doc = new XMLParser({ ignoreAttributes: false }).parse(renderJunit(buildReport({ ...reportInput, failOn }), rules));
      const suites = [doc.testsuites.testsuite].flat();
      const idle = suites.find((x: any) => x['@_name'] === 'ops/idle-agent-backlog');
      return { total: doc.testsuites['@_failures'], idle: idle['@_failures'], idleOut: idle.testcase['system-out'] };
    };
    expect(at('error')).toMatchObject({ total: '1', idle: '0' });
    expect(at('error').idleOut).toMatch(/^warning \(below --fail-on error\): bad/);
    expect(at('warning')).toMatchObject({ total: '2', idle: '1', idleOut: undefined });
    expect(at('info')).toMatchObject({ total: '2', idle: '1' });
    expect(at('critical')).toMatchObject({ total: '1', idle: '0' });
  });

  it('markdown keeps one table row per finding (pipes escaped, no raw HTML)', () => {
    const md = renderMarkdown(report);
    const rows = md.split('\n').filter((l) => l.startsWith('| `'));
    expect(rows).toHaveLength(2);
    for (const r of rows) expect(r.split(/(?<!\\)\|/).length).toBe(6);
    expect(md).not.toContain('<script>');
  });

  it('text has no raw escape sequences without colour, and colours only when asked', () => {
    const plainText = renderText(report, { color: false });
    expect(plainText).not.toMatch(/\u001b/);
    expect(plainText).toContain('CRITICAL (1)');
    expect(renderText(report, { color: true })).toMatch(/\u001b\[/);
  });

  it('html escapes everything and carries no script', () => {
    const page = renderHtml(report);
    expect(page).not.toContain('<script>');
    expect(page).toContain('&lt;script&gt;');
  });
});

describe('the report validators the tests use', () => {
  it('know every format the schemas use (no "unknown format ... ignored" warning) and check them', () => {
    const warned: string[] = [];
    const logger = { log: () => {}, warn: (...a: unknown[]) => warned.push(a.join(' ')), error: (...a: unknown[]) => warned.push(a.join(' ')) };
    const validateReport = reportValidator(logger);
    sarifValidator(logger);
    expect(warned).toEqual([]);
    const doc = JSON.parse(renderJson(report));
    expect(validateReport(doc)).toBe(true);
    expect(validateReport({ ...doc, startedAt: 'yesterday' })).toBe(false);
  });
});
