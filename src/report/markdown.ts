// Markdown for a PR comment or $GITHUB_STEP_SUMMARY: a summary line, then one table per severity.

import type { Report } from '../types.js';
import { SEVERITIES } from '../types.js';
import { formatMoney } from '../util/money.js';
import { markdownCell } from './sanitize.js';

const ICON = { critical: '🛑', error: '❌', warning: '⚠️', info: 'ℹ️' } as const;

export function renderMarkdown(report: Report): string {
  const s = report.summary;
  const out: string[] = ['## clipguard', ''];
  out.push(`**${s.failed ? '❌ failed' : '✅ passed'}** (fail on ${s.failOn}) · ${report.mode} · ${SEVERITIES.map((x) => `${s.bySeverity[x]} ${x}`).join(' · ')}${s.suppressed ? ` · ${s.suppressed} suppressed` : ''}`, '');
  const down = report.sources.filter((x) => x.status === 'unavailable');
  if (down.length) out.push(...down.map((x) => `> source **${markdownCell(x.name)}** unavailable: ${markdownCell(x.detail)}`), '');
  for (const sev of [...SEVERITIES].reverse()) {
    const fs = report.findings.filter((f) => !f.suppressed && f.severity === sev);
    if (!fs.length) continue;
    out.push(`### ${ICON[sev]} ${sev} (${fs.length})`, '', '| rule | where | message | action |', '| --- | --- | --- | --- |');
    for (const f of fs) {
      const where = f.location ? `${f.location.file}:${f.location.line}` : `${f.subject.type} ${f.subject.label}`;
      const act = f.actions.map((a) => `${a.type}: ${a.status}`).join(', ');
      out.push(`| \`${markdownCell(f.ruleId).replace(/`/g, '')}\` | ${markdownCell(where, 120)} | ${markdownCell(f.message, 1000)} | ${markdownCell(act)} |`);
    }
    out.push('');
  }
  if (!report.findings.some((f) => !f.suppressed)) out.push('No findings.', '');
  if (report.budget) out.push(renderBudgetMarkdown(report));
  return out.join('\n');
}

/** Budget tables (one per company) for a PR comment or the daily checklist. */
export function renderBudgetMarkdown(report: Report): string {
  const b = report.budget;
  if (!b) return '';
  const money = (c: number) => markdownCell(formatMoney(c, b.currency));
  const out: string[] = ['## Budget', ''];
  for (const c of b.companies) {
    out.push(`### ${markdownCell(c.name)}: ${money(c.spentCents)} of ${c.budgetCents ? money(c.budgetCents) : 'no budget'}${c.budgetCents ? ` (${c.percent.toFixed(1)}%)` : ''}`, '');
    out.push('| agent | spent | budget | % | status | forecast |', '| --- | ---: | ---: | ---: | --- | --- |');
    for (const a of c.agents) {
      const icon = a.level === 'exceeded' ? '❌' : a.level === 'warning' ? '⚠️' : '✅';
      // A paused agent spends nothing more while paused: its forecast is its spend, and the cell says why.
      const forecast = a.status === 'paused' ? `${money(a.spentCents)} (paused: no further spend)` : `${money(a.forecastCents)}${a.projectedCrossDate ? ` (${a.stopPercent}% on ${markdownCell(a.projectedCrossDate)})` : ''}`;
      out.push(`| ${markdownCell(a.name)} | ${money(a.spentCents)} | ${a.budgetCents ? money(a.budgetCents) : '—'} | ${a.budgetCents ? `${a.percent.toFixed(1)}%` : '—'} | ${icon} ${markdownCell(a.status ?? '')} | ${forecast} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
