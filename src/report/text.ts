import type { Finding, Report, Severity } from '../types.js';
import { SEVERITIES } from '../types.js';
import { oneLine } from './sanitize.js';

export interface TextOptions {
  color: boolean;
  showSuppressed?: boolean;
}

const COLORS: Record<Severity, string> = { critical: '\x1b[35;1m', error: '\x1b[31;1m', warning: '\x1b[33m', info: '\x1b[36m' };

/** Human report grouped by severity, most severe first; colour only on a TTY without NO_COLOR. */
export function renderText(report: Report, opts: TextOptions): string {
  const c = (code: string, s: string) => (opts.color ? `${code}${s}\x1b[0m` : s);
  const lines: string[] = [];
  for (const s of report.sources) {
    if (s.status !== 'ok') lines.push(c('\x1b[2m', `source ${s.name}: ${s.status} — ${oneLine(s.detail)}`));
  }
  const active = report.findings.filter((f) => !f.suppressed);
  for (const sev of [...SEVERITIES].reverse()) {
    const group = active.filter((f) => f.severity === sev);
    if (!group.length) continue;
    lines.push('', c(COLORS[sev], `${sev.toUpperCase()} (${group.length})`));
    for (const f of group) lines.push(...renderFinding(f, c));
  }
  const suppressed = report.findings.length - active.length;
  const s = report.summary;
  const counts = SEVERITIES.filter((x) => s.bySeverity[x]).map((x) => `${s.bySeverity[x]} ${x}`).join(', ') || 'no findings';
  const acts = Object.entries(s.actions).filter(([, n]) => n).map(([k, n]) => `${n} ${k}`).join(', ');
  lines.push(
    '',
    `${report.mode === 'apply' ? 'apply' : 'dry-run'}: ${counts}${suppressed ? `; ${suppressed} suppressed` : ''}${acts ? `; actions: ${acts}` : ''}` +
      (report.mode === 'dry-run' && s.actions.planned ? ' (run with --apply to act)' : ''),
  );
  return lines.join('\n').replace(/^\n/, '') + '\n';
}

function renderFinding(f: Finding, c: (code: string, s: string) => string): string[] {
  const where = f.location ? `${oneLine(f.location.file, 200)}:${f.location.line}:${f.location.column}` : `${f.subject.type} ${oneLine(f.subject.label, 80)}`;
  const out = [`  ${c('\x1b[1m', f.ruleId)}  ${where}`, `    ${oneLine(f.message, 2000)}`];
  for (const a of f.actions) out.push(`    → ${a.type} ${oneLine(a.target, 120)}: ${a.status}${a.detail ? ` (${oneLine(a.detail, 200)})` : ''}`);
  if (f.explanation !== undefined) out.push(...explainLines(f.explanation, '    why: '));
  return out;
}

function explainLines(node: unknown, prefix: string): string[] {
  const n = node as Record<string, unknown>;
  const mark = (r: unknown) => (r === undefined ? '·' : r ? '✓' : '✗'); // · = not evaluated (short-circuit)
  if (Array.isArray(n?.all) || Array.isArray(n?.any)) {
    const k = Array.isArray(n.all) ? 'all' : 'any';
    return [`${prefix}${k} ${mark(n.result)}`, ...(n[k] as unknown[]).flatMap((x) => explainLines(x, prefix.replace(/why: $/, '     ') + '  '))];
  }
  if (n?.not) return [`${prefix}not ${mark(n.result)}`, ...explainLines(n.not, prefix + '  ')];
  return [`${prefix}${mark(n?.result)} ${String(n?.fact)}${n?.path ? String(n.path).replace(/^\$/, '') : ''} = ${oneLine(JSON.stringify(n?.factResult) ?? 'undefined', 160)} ${String(n?.operator)} ${oneLine(JSON.stringify(n?.valueResult ?? n?.value) ?? '', 80)}`];
}
