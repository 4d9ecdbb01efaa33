// One self-contained HTML file (no network, no external assets, no script): the budget chart — for each
// agent a bar of spend against its budget with the warning and stop lines (budget.warnPercent, stopPercent:
// 80% and 100% by default) and the forecast, the company total
// on top — followed by the findings. Every string that comes from Paperclip is escaped.

import type { BudgetSection, Report } from '../types.js';
import { SEVERITIES } from '../types.js';
import { html } from './sanitize.js';
import { formatMoney } from '../util/money.js';

const money = (cents: number, currency: string) => html(formatMoney(cents, currency));

function bar(row: { name: string; status?: string; spentCents: number; budgetCents: number; percent: number; warnPercent: number; stopPercent: number; forecastCents: number; level: string; projectedCrossDate: string | null }, currency: string, cls: string): string {
  // Scale: the bar track is 0..max(120%, the stop line + 10%, spend, forecast) of the budget, so the stop line
  // and over-budget stay visible.
  const budget = row.budgetCents;
  const scale = budget > 0 ? Math.max(1.2, (row.stopPercent / 100) * 1.1, row.spentCents / budget, row.forecastCents / budget) : 1;
  const pct = (v: number) => (budget > 0 ? Math.min(100, (v / budget / scale) * 100) : 0).toFixed(2);
  const level = html(row.level);
  return `<div class="row ${cls}" data-agent="${html(row.name)}" data-level="${level}">
  <div class="name">${html(row.name)}${row.status ? ` <span class="status">${html(row.status)}</span>` : ''}</div>
  <div class="track" title="${html(`${money(row.spentCents, currency)} of ${money(budget, currency)}`)}">
    ${budget > 0 ? `<div class="forecast" style="width:${pct(row.forecastCents)}%"></div>` : ''}
    <div class="bar level-${level}" style="width:${budget > 0 ? pct(row.spentCents) : '0'}%"></div>
    ${budget > 0 ? `<div class="line warn" title="warn at ${html(String(row.warnPercent))}%" style="left:${pct((budget * row.warnPercent) / 100)}%"></div><div class="line limit" title="stop at ${html(String(row.stopPercent))}%" style="left:${pct((budget * row.stopPercent) / 100)}%"></div>` : ''}
  </div>
  <div class="nums">${money(row.spentCents, currency)} / ${budget > 0 ? money(budget, currency) : 'no budget'} · ${budget > 0 ? `${row.percent.toFixed(1)}%` : '—'} · forecast ${money(row.forecastCents, currency)}${row.projectedCrossDate ? ` · crosses ${html(String(row.stopPercent))}% on ${html(row.projectedCrossDate)}` : ''}</div>
</div>`;
}

function budgetHtml(b: BudgetSection): string {
  return b.companies
    .map(
      (c) => `<section class="company" data-company="${html(c.name)}">
<h2>${html(c.name)}</h2>
${bar({ ...c, name: 'Company total' }, b.currency, 'total')}
${c.agents.map((a) => bar(a, b.currency, 'agent')).join('\n')}
</section>`,
    )
    .join('\n');
}

export function renderHtml(report: Report): string {
  const active = report.findings.filter((f) => !f.suppressed);
  const rows = active
    .map(
      (f) => `<tr class="sev-${f.severity}"><td>${html(f.severity)}</td><td><code>${html(f.ruleId)}</code></td><td>${html(f.location ? `${f.location.file}:${f.location.line}` : `${f.subject.type} ${f.subject.label}`)}</td><td>${html(f.message)}</td><td>${html(f.actions.map((a) => `${a.type}: ${a.status}`).join(', '))}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>clipguard report</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d232a;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:20px 0 8px}
.summary{color:#555;margin-bottom:16px}
.row{display:grid;grid-template-columns:180px 1fr;gap:2px 12px;margin:6px 0}
.row .nums{grid-column:2;color:#555;font-size:12px}
.row.total .name{font-weight:700}
.status{font-size:11px;color:#666;border:1px solid #ccc;border-radius:3px;padding:0 3px}
.track{position:relative;height:18px;background:#eef1f4;border-radius:3px;overflow:hidden}
.bar{position:absolute;left:0;top:0;bottom:0}
.forecast{position:absolute;left:0;top:0;bottom:0;background:repeating-linear-gradient(45deg,#c9d3dd,#c9d3dd 4px,#eef1f4 4px,#eef1f4 8px)}
.level-ok,.level-none{background:#2e8b57}.level-warning{background:#e6a700}.level-exceeded{background:#d0312d}
.line{position:absolute;top:0;bottom:0;width:2px}.line.warn{background:#b8860b}.line.limit{background:#000}
table{border-collapse:collapse;width:100%;margin-top:8px}td,th{border-bottom:1px solid #e3e6ea;text-align:left;padding:4px 6px;vertical-align:top}
.sev-critical td:first-child,.sev-error td:first-child{color:#d0312d;font-weight:700}.sev-warning td:first-child{color:#a07000}
</style></head><body>
<h1>clipguard report</h1>
<div class="summary">${html(report.mode)} · ${html(report.finishedAt)} · ${SEVERITIES.map((s) => `${report.summary.bySeverity[s]} ${s}`).join(' · ')} · ${report.summary.failed ? 'failed' : 'passed'}</div>
${report.budget ? `<h2>Budget</h2>${budgetHtml(report.budget)}` : ''}
<h2>Findings (${active.length})</h2>
${active.length ? `<table><thead><tr><th>severity</th><th>rule</th><th>where</th><th>message</th><th>actions</th></tr></thead><tbody>${rows}</tbody></table>` : '<p>No findings.</p>'}
</body></html>
`;
}
