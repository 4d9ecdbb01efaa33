// One self-contained HTML file (no network, no external assets, no script): the budget chart, then the
// findings. Every string that comes from Paperclip is escaped.
//
// The chart reads at a glance: within a company every bar is drawn on one scale, percent of its own budget (so
// 85%, 117% and 130% draw three different lengths, and 100% is at the same place on every row); the spend is a
// solid bar in its level's colour, the forecast a lighter, outlined extension of it; the warn and stop lines
// (budget.warnPercent, stopPercent) cross every bar and are labelled on the scale above; a paused agent is
// marked and not forecast (it spends nothing while paused). Each bar has a text alternative (role="img" with
// the figures), and a legend explains the marks. Colours meet WCAG contrast: text 4.5:1, bars and lines 3:1.

import type { BudgetRow, BudgetSection, Report } from '../types.js';
import { SEVERITIES } from '../types.js';
import { html } from './sanitize.js';
import { formatMoney } from '../util/money.js';

const money = (cents: number, currency: string) => html(formatMoney(cents, currency));

/** The widest the scale goes (percent of budget): an agent at 1,000% must not flatten everyone else. */
const MAX_SCALE = 300;

const isPaused = (row: BudgetRow) => row.status === 'paused';

/** The scale of a company's chart: 0..N% of budget, N a multiple of 25 covering every bar, line and forecast. */
export function scaleOf(rows: BudgetRow[]): number {
  let top = 100;
  for (const r of rows) {
    if (!(r.budgetCents > 0)) continue;
    top = Math.max(top, r.stopPercent * 1.1, r.warnPercent, (r.spentCents / r.budgetCents) * 100, isPaused(r) ? 0 : (r.forecastCents / r.budgetCents) * 100);
  }
  return Math.min(MAX_SCALE, Math.ceil(top / 25) * 25);
}

function bar(row: BudgetRow, currency: string, cls: string, scale: number): string {
  const budget = row.budgetCents;
  const has = budget > 0;
  const paused = isPaused(row);
  const pctOf = (cents: number) => (has ? (cents / budget) * 100 : 0);
  const x = (percent: number) => Math.max(0, Math.min(100, (percent / scale) * 100)).toFixed(2);
  const spent = pctOf(row.spentCents);
  const forecast = paused ? spent : Math.max(spent, pctOf(row.forecastCents));
  const level = html(row.level);
  const over = spent > scale ? ` <span class="overflow">▶ ${spent.toFixed(0)}%</span>` : '';
  const forecastText = paused ? 'not forecast (paused)' : `forecast ${money(row.forecastCents, currency)}${has ? ` (${pctOf(row.forecastCents).toFixed(0)}%)` : ''}`;
  const alt = has
    ? `${row.name}: ${formatMoney(row.spentCents, currency)} of ${formatMoney(budget, currency)} (${spent.toFixed(1)}%), ${row.level}${paused ? ', paused, not forecast' : `, forecast ${formatMoney(row.forecastCents, currency)} (${pctOf(row.forecastCents).toFixed(0)}%)`}; warn at ${row.warnPercent}%, stop at ${row.stopPercent}%`
    : `${row.name}: ${formatMoney(row.spentCents, currency)} spent, no budget`;
  return `<div class="row ${cls}${paused ? ' paused' : ''}" data-agent="${html(row.name)}" data-level="${level}"${paused ? ' data-paused="true"' : ''}>
  <div class="name">${html(row.name)}${row.status ? ` <span class="status${paused ? ' status-paused' : ''}">${html(row.status)}</span>` : ''}</div>
  <div class="track${has ? '' : ' no-budget'}" role="img" aria-label="${html(alt)}">
    ${has && !paused && forecast > spent ? `<div class="forecast level-${level}" style="left:${x(spent)}%;width:${(Number(x(forecast)) - Number(x(spent))).toFixed(2)}%"></div>` : ''}
    ${has ? `<div class="bar level-${level}" style="width:${x(spent)}%"></div>` : ''}
    ${has ? `<div class="line warn" style="left:${x(row.warnPercent)}%"></div><div class="line stop" style="left:${x(row.stopPercent)}%"></div>` : ''}
  </div>
  <div class="nums">${money(row.spentCents, currency)} / ${has ? money(budget, currency) : 'no budget'} · ${has ? `${spent.toFixed(1)}%` : '—'} · ${forecastText}${!paused && row.projectedCrossDate ? ` · crosses ${html(String(row.stopPercent))}% on ${html(row.projectedCrossDate)}` : ''}${over}</div>
</div>`;
}

/** The scale above a company's bars: 0%, 100%, the scale's end, and the warn and stop lines, labelled. */
function axis(rows: BudgetRow[], scale: number): string {
  const budgeted = rows.filter((r) => r.budgetCents > 0);
  const x = (p: number) => Math.max(0, Math.min(100, (p / scale) * 100)).toFixed(2);
  const warns = [...new Set(budgeted.map((r) => r.warnPercent))];
  const stops = [...new Set(budgeted.map((r) => r.stopPercent))];
  const ticks = [0, 100, scale].filter((t, i, a) => a.indexOf(t) === i && !stops.includes(t) && !warns.includes(t));
  return `<div class="row axis" aria-hidden="true"><div class="name"></div><div class="scale">
${ticks.map((t) => `<span class="tick${t === 0 ? ' start' : t === scale ? ' end' : ''}" style="left:${x(t)}%">${t}%</span>`).join('')}
${warns.map((w) => `<span class="mark warn" style="left:${x(w)}%">warn ${html(String(w))}%</span>`).join('')}
${stops.map((st) => `<span class="mark stop" style="left:${x(st)}%">stop ${html(String(st))}%</span>`).join('')}
</div></div>`;
}

const LEGEND = `<div class="legend" role="list" aria-label="Legend">
<span role="listitem"><i class="sw level-ok"></i>spent, within budget</span>
<span role="listitem"><i class="sw level-warning"></i>spent, past the warn line</span>
<span role="listitem"><i class="sw level-exceeded"></i>spent, past the stop line</span>
<span role="listitem"><i class="sw forecast level-ok"></i>forecast to month end (lighter)</span>
<span role="listitem"><i class="ln warn"></i>warn line</span>
<span role="listitem"><i class="ln stop"></i>stop line</span>
<span role="listitem"><span class="status status-paused">paused</span> not forecast</span>
</div>`;

function budgetHtml(b: BudgetSection): string {
  return (
    LEGEND +
    b.companies
      .map((c) => {
        const rows: BudgetRow[] = [c, ...c.agents];
        const scale = scaleOf(rows);
        return `<section class="company" data-company="${html(c.name)}" data-scale="${scale}">
<h2>${html(c.name)}</h2>
<p class="scale-note">Bars in percent of each one's own budget, on one scale: 0–${scale}%.</p>
${axis(rows, scale)}
${bar({ ...c, name: 'Company total' }, b.currency, 'total', scale)}
${c.agents.map((a) => bar(a, b.currency, 'agent', scale)).join('\n')}
</section>`;
      })
      .join('\n')
  );
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
.summary{color:#4a5360;margin-bottom:16px}
.row{display:grid;grid-template-columns:180px 1fr;gap:2px 12px;margin:6px 0}
.row .nums{grid-column:2;color:#4a5360;font-size:12px}
.row.total .name{font-weight:700}
.status{font-size:11px;color:#4a5360;border:1px solid #8a94a0;border-radius:3px;padding:0 3px}
.status-paused{color:#1d4f91;border-color:#1d4f91;font-weight:700}
.status-paused::before{content:"";display:inline-block;width:2px;height:7px;border:solid currentColor;border-width:0 2px;margin-right:3px}
.row.paused .name{font-style:italic}
.track{position:relative;height:18px;background:#eef1f4;border-radius:3px;overflow:hidden}
.track.no-budget{background:repeating-linear-gradient(135deg,#eef1f4,#eef1f4 6px,#f8f9fa 6px,#f8f9fa 12px)}
.bar{position:absolute;left:0;top:0;bottom:0}
.forecast{position:absolute;top:2px;bottom:2px;box-sizing:border-box;border:2px solid;border-left:0;opacity:1}
.level-ok,.level-none{background:#2e7d4f;border-color:#2e7d4f}.level-warning{background:#a35f00;border-color:#a35f00}.level-exceeded{background:#c62828;border-color:#c62828}
.forecast.level-ok,.forecast.level-none{background:#b9dcc7}.forecast.level-warning{background:#f0d3a6}.forecast.level-exceeded{background:#f4c0bd}
.line{position:absolute;top:0;bottom:0;width:0;border-left:2px dashed;box-shadow:1px 0 0 #fff,-3px 0 0 -1px #fff}.line.warn{border-color:#7a5500}.line.stop{border-left-style:solid;border-color:#1d232a}
.axis{margin:0 0 -2px}.scale{position:relative;height:18px;font-size:11px;color:#4a5360}
.scale span{position:absolute;top:0;transform:translateX(-50%);white-space:nowrap}.scale .start{transform:none}.scale .end{transform:translateX(-100%)}
.scale .mark.warn{color:#7a5500;font-weight:700}.scale .mark.stop{color:#1d232a;font-weight:700}
.scale-note{color:#4a5360;font-size:12px;margin:0 0 4px}
.overflow{color:#c62828;font-weight:700}
.legend{display:flex;flex-wrap:wrap;gap:6px 16px;font-size:12px;color:#1d232a;margin:4px 0 8px}
.legend span{display:inline-flex;align-items:center;gap:4px}
.sw{display:inline-block;width:16px;height:10px}.sw.forecast{position:static;border:2px solid;border-left:0;box-sizing:border-box}
.ln{display:inline-block;width:0;height:12px;border-left:2px dashed}.ln.warn{border-color:#7a5500}.ln.stop{border-left-style:solid;border-color:#1d232a}
table{border-collapse:collapse;width:100%;margin-top:8px}td,th{border-bottom:1px solid #e3e6ea;text-align:left;padding:4px 6px;vertical-align:top}
.sev-critical td:first-child,.sev-error td:first-child{color:#c62828;font-weight:700}.sev-warning td:first-child{color:#8a5a00}
</style></head><body>
<h1>clipguard report</h1>
<div class="summary">${html(report.mode)} · ${html(report.finishedAt)} · ${SEVERITIES.map((s) => `${report.summary.bySeverity[s]} ${s}`).join(' · ')} · ${report.summary.failed ? 'failed' : 'passed'}</div>
${report.budget ? `<h2>Budget</h2>${budgetHtml(report.budget)}` : ''}
<h2>Findings (${active.length})</h2>
${active.length ? `<table><thead><tr><th>severity</th><th>rule</th><th>where</th><th>message</th><th>actions</th></tr></thead><tbody>${rows}</tbody></table>` : '<p>No findings.</p>'}
</body></html>
`;
}
