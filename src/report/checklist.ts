// The daily checklist as a report: its text, Markdown and JSON. It follows the scan report's contract: the same
// `--format` / `--output` options (cli/output.ts; a file's extension implies the format), the JSON versioned
// with a published schema (schema/checklist.schema.json) that carries the scan's own json report whole under
// `report`, and for SARIF, JUnit and HTML the scan's report behind the checklist, rendered by its formats.
import { createHash } from 'node:crypto';
import type { Checklist, Mark } from '../checklist.js';
import { jsonText } from './json.js';
import { markdownCell, oneLine } from './sanitize.js';
import { VERSION } from '../version.js';

const ICON: Record<Mark, string> = { ok: '✅', warn: '⚠️', fail: '❌' };

export function renderChecklistText(c: Checklist): string {
  const lines = [`clipguard daily checklist ${c.date.slice(0, 16).replace('T', ' ')} UTC (${c.mode})`];
  for (const i of c.items) {
    lines.push(`${ICON[i.status]} ${i.n}. ${i.title} — ${oneLine(i.detail, 300)}`);
    for (const f of i.findings.slice(0, 10)) lines.push(`     · ${oneLine(f, 1000)}`);
    if (i.findings.length > 10) lines.push(`     · … ${i.findings.length - 10} more`);
  }
  return lines.join('\n') + '\n';
}

/** How a posted checklist comment starts, and the marker after it that says what it was about. */
export const CHECKLIST_MD_HEAD = '## clipguard daily checklist';
export const CHECKLIST_SUBSTANCE = /<!-- clipguard-checklist ([0-9a-f]{16,64}) -->/;

/**
 * What the checklist says, without its figures: the day, each item's status and the findings behind it (by
 * fingerprint). A forecast that moved by a cent, a spend that grew, the same agents in another order: the same
 * substance, so the comment is not posted again that day.
 */
export function checklistSubstance(c: Pick<Checklist, 'date' | 'items'>): string {
  const items = c.items.map((i) => [i.n, i.status, [...new Set(i.keys ?? [])].sort()]);
  return createHash('sha256').update(JSON.stringify({ day: c.date.slice(0, 10), items })).digest('hex').slice(0, 32);
}

export function renderChecklistMarkdown(c: Checklist): string {
  const lines = [`${CHECKLIST_MD_HEAD} — ${c.date.slice(0, 10)}`, '', '| | item | detail |', '| --- | --- | --- |'];
  for (const i of c.items) lines.push(`| ${ICON[i.status]} | ${i.n}. ${markdownCell(i.title)} (${markdownCell(i.handbook)}) | ${markdownCell(i.detail, 500)} |`);
  // Invisible in the rendered Markdown: what the next run compares with, instead of the text.
  lines.push('', `<!-- clipguard-checklist ${checklistSubstance(c)} -->`);
  return lines.join('\n') + '\n';
}

/** The checklist JSON (schema/checklist.schema.json): the six items, and the scan's json report behind them. */
export function renderChecklistJson(c: Checklist): string {
  return jsonText({ version: 1, tool: { name: 'clipguard', version: VERSION }, date: c.date, mode: c.mode, ok: c.ok, items: c.items, report: c.report });
}
