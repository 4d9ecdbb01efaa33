// SARIF 2.1.0, as GitHub code scanning accepts it: every result has a physical location (findings about
// Paperclip subjects point at a synthetic `paperclip/...` URI), partialFingerprints carry the stable
// fingerprint, suppressed findings stay with a `suppressions` entry, and columns are code points.

import type { LoadedRule } from '../engine/rule.js';
import type { Finding, Report, Severity } from '../types.js';
import { plain } from './sanitize.js';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { critical: 'error', error: 'error', warning: 'warning', info: 'note' };
const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.5', error: '7.5', warning: '5.0', info: '2.0' };

export function renderSarif(report: Report, rules: LoadedRule[]): string {
  const ruleIds = [...new Set([...rules.map((r) => r.id), ...report.findings.map((f) => f.ruleId)])];
  const byId = new Map(rules.map((r) => [r.id, r]));
  const driverRules = ruleIds.map((id) => {
    const r = byId.get(id);
    return {
      id,
      name: id.replace(/[^A-Za-z0-9]+(.)/g, (_, ch: string) => ch.toUpperCase()),
      shortDescription: { text: plain(r?.title ?? id) },
      fullDescription: { text: plain(r?.description ?? r?.title ?? id) },
      help: { text: plain(r?.remediation ?? 'See the finding message.'), markdown: plain(r?.remediation ?? 'See the finding message.') },
      defaultConfiguration: { level: LEVEL[r?.severity ?? 'warning'] },
      properties: { tags: r?.tags ?? [], 'security-severity': SECURITY_SEVERITY[r?.severity ?? 'warning'] },
    };
  });
  const index = new Map(ruleIds.map((id, i) => [id, i]));
  const doc = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'clipguard', version: report.tool.version, semanticVersion: report.tool.version, informationUri: 'https://www.npmjs.com/package/clipguard', rules: driverRules } },
        columnKind: 'unicodeCodePoints',
        invocations: [{ executionSuccessful: true, startTimeUtc: report.startedAt, endTimeUtc: report.finishedAt }],
        results: report.findings.map((f) => result(f, index.get(f.ruleId) ?? 0)),
      },
    ],
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

function result(f: Finding, ruleIndex: number) {
  // A file path from a diff is any bytes git allows (spaces, '#', '%', control characters): SARIF wants a URI
  // reference, so each segment is percent-encoded.
  const uri = f.location?.file !== undefined ? pathUri(f.location.file) : `paperclip/${f.subject.type}/${encodeURIComponent(plain(f.subject.label || f.subject.id))}`;
  const region: Record<string, number> = { startLine: Math.max(1, f.location?.line ?? 1), startColumn: Math.max(1, f.location?.column ?? 1) };
  if (f.location?.endLine) region.endLine = f.location.endLine;
  if (f.location?.endColumn) region.endColumn = f.location.endColumn;
  return {
    ruleId: f.ruleId,
    ruleIndex,
    level: LEVEL[f.severity],
    message: { text: plain(f.message) || f.ruleId },
    locations: [{ physicalLocation: { artifactLocation: { uri }, region } }],
    partialFingerprints: { 'clipguard/v1': f.fingerprint },
    properties: { subject: { type: f.subject.type, id: plain(f.subject.id), label: plain(f.subject.label) }, severity: f.severity, actions: f.actions.map((a) => ({ type: a.type, status: a.status, target: plain(a.target) })) },
    ...(f.suppressed ? { suppressions: [{ kind: f.suppressed.kind === 'inline' ? 'inSource' : 'external', justification: plain(f.suppressed.reason) }] } : {}),
  };
}

function pathUri(file: string): string {
  return plain(file)
    .replace(/\\/g, '/')
    .split('/')
    .map((seg) => encodeURIComponent(seg))
    .join('/');
}
