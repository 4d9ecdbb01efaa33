// The live guard's UI slots, loaded by the Paperclip page (dist/plugin/ui/index.js, built by
// scripts/build-plugin.mjs): a dashboard widget with the company's open findings and a tab on an issue with
// that issue's. React and the SDK's hooks are the host's: the bundle keeps `import … from "react"` and
// `"@paperclipai/plugin-sdk/ui"`, which the host rewrites to its own copies (one React on the page).
// The data is the worker's view (ui-data.ts: secrets masked there); it is rendered as text (React children),
// never as HTML: a title or a server message holding markup shows as the characters it is.

import { createElement as h, useEffect, type ReactNode } from 'react';
import { useHostNavigation, usePluginData, type PluginDetailTabProps, type PluginWidgetProps } from '@paperclipai/plugin-sdk/ui';
import type { FindingView, FindingsView, IssueView } from '../ui-data.js';

const DATA = 'open-findings'; // OPEN_FINDINGS_DATA (ui-data.ts imports the detector: not for the page)
const REFRESH_MS = 15_000;

const SEVERITY_COLOR: Record<string, string> = { critical: '#b91c1c', high: '#c2410c', medium: '#a16207', low: '#4d7c0f' };
const cell = { padding: '4px 8px', verticalAlign: 'top', textAlign: 'left' as const };

function modeLine(v: FindingsView): ReactNode {
  return h(
    'div',
    { 'data-clipguard': 'mode', 'data-mode': v.mode, style: { fontSize: 12, opacity: 0.8 } },
    v.mode === 'acting' ? 'Mode: acting (redacts secrets as they are written)' : 'Mode: dry-run, reporting only (acts on nothing; `clipguard plugin install --apply` switches acting on)',
  );
}

function findingRows(issue: IssueView | null, f: FindingView, key: string): ReactNode {
  return h(
    'tr',
    { key, 'data-clipguard': 'finding' },
    issue ? h('td', { style: cell }, h(IssueLink, { issue })) : null,
    h('td', { style: { ...cell, color: SEVERITY_COLOR[f.severity] ?? 'inherit', fontWeight: 600 } }, f.severity),
    h('td', { style: cell }, f.kind, h('br'), h('span', { style: { fontSize: 11, opacity: 0.7 } }, f.rule)),
    h('td', { style: cell }, f.place),
    h('td', { style: { ...cell, fontFamily: 'monospace' } }, f.preview ?? '(masked)'),
    h('td', { style: cell }, f.outcome.join('; ')),
  );
}

function IssueLink({ issue }: { issue: IssueView }): ReactNode {
  const nav = useHostNavigation();
  return h(
    'span',
    null,
    h('a', { ...nav.linkProps(`/issues/${encodeURIComponent(issue.identifier)}`), style: { fontWeight: 600 } }, issue.identifier),
    issue.title ? h('span', { 'data-clipguard': 'title', style: { display: 'block', fontSize: 11, opacity: 0.8 } }, issue.title) : null,
  );
}

function FindingsTable({ view, withIssue }: { view: FindingsView; withIssue: boolean }): ReactNode {
  const heads = [...(withIssue ? ['Issue'] : []), 'Severity', 'Kind', 'Where', 'Masked', 'Guard'];
  return h(
    'table',
    { style: { width: '100%', borderCollapse: 'collapse', fontSize: 13 } },
    h('thead', null, h('tr', null, ...heads.map((t) => h('th', { key: t, style: { ...cell, fontWeight: 600, borderBottom: '1px solid rgba(128,128,128,0.3)' } }, t)))),
    h('tbody', null, ...view.issues.flatMap((i) => i.findings.map((f, n) => findingRows(withIssue ? i : null, f, `${i.issueId}:${n}`)))),
  );
}

/** Re-reads the view now and then: the guard keeps acting while the page is open. */
function useRefresh(refresh: () => void): void {
  useEffect(() => {
    const t = setInterval(refresh, REFRESH_MS);
    return () => clearInterval(t);
  }, [refresh]);
}

function Shell({ title, children }: { title: string; children?: ReactNode }): ReactNode {
  return h('section', { 'data-clipguard': 'findings', style: { display: 'grid', gap: 8 } }, h('strong', null, title), children);
}

export function FindingsWidget({ context }: PluginWidgetProps): ReactNode {
  const { data, loading, error, refresh } = usePluginData<FindingsView>(DATA, { companyId: context.companyId });
  useRefresh(refresh);
  if (error) return h(Shell, { title: 'clipguard: open findings' }, h('div', { 'data-clipguard': 'error' }, `Could not read the findings: ${error.message}`));
  if (loading && !data) return h(Shell, { title: 'clipguard: open findings' }, 'Loading…');
  if (!data) return null;
  const count = data.issues.reduce((n, i) => n + i.findings.length, 0);
  return h(
    Shell,
    { title: 'clipguard: open findings' },
    modeLine(data),
    count
      ? h('div', { 'data-clipguard': 'summary' }, `${count} open finding(s) in ${data.total} issue(s)${data.total > data.issues.length ? ` (the ${data.issues.length} most recent shown)` : ''}. Rotate every key found: redaction does not take it back.`)
      : h('div', { 'data-clipguard': 'summary' }, 'No open findings.'),
    count ? h(FindingsTable, { view: data, withIssue: true }) : null,
  );
}

export function IssueFindingsTab({ context }: PluginDetailTabProps): ReactNode {
  const { data, loading, error, refresh } = usePluginData<FindingsView>(DATA, { companyId: context.companyId, issueId: context.entityId });
  useRefresh(refresh);
  if (error) return h(Shell, { title: 'clipguard' }, h('div', { 'data-clipguard': 'error' }, `Could not read the findings: ${error.message}`));
  if (loading && !data) return h(Shell, { title: 'clipguard' }, 'Loading…');
  if (!data) return null;
  const count = data.issues.reduce((n, i) => n + i.findings.length, 0);
  return h(
    Shell,
    { title: 'clipguard: findings on this issue' },
    modeLine(data),
    h('div', { 'data-clipguard': 'summary' }, count ? `${count} open finding(s). Rotate every key found: redaction does not take it back.` : 'No open findings on this issue.'),
    count ? h(FindingsTable, { view: data, withIssue: false }) : null,
  );
}
