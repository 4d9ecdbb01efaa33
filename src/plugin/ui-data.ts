// What the live guard's UI slots show (src/plugin/ui/): the company's open findings as the worker kept them in
// plugin state (worker.ts, FINDINGS_KEY), made into a view by a data handler. Every string in the view went
// through the secret detector and is cut short: the state may have been written by an older version of the
// guard, and issue titles are ticket text anyone writes (a key in a title shows as [REDACTED:<kind>]). The view
// holds kinds, places, the detector's masked preview (`ghp_…`) and what the guard did or would do; never a
// secret. The UI renders it as text (React children), never as HTML.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PluginContext } from '@paperclipai/plugin-sdk';
import { detectSecrets } from '../detectors/secrets/index.js';
import { redactSecrets } from '../detectors/secrets/redact.js';
import { BUILTIN_RULES_DIR } from '../engine/load.js';

export const OPEN_FINDINGS_DATA = 'open-findings';
/** Issues shown at most (the most recent first); `total` says how many there are. */
export const MAX_ISSUES = 50;
const MAX_FINDINGS = 20;

export interface FindingView {
  rule: string;
  severity: string;
  kind: string;
  /** `description, line 3`, `comment 1a2b3c4d, line 1`. */
  place: string;
  /** The detector's masked preview (`ghp_…`), or null (kept by a guard older than the UI slot). */
  preview: string | null;
  /** What the guard did or would do: `would redact (dry-run)`, `redacted`, `redact failed: …`. */
  outcome: string[];
}

export interface IssueView {
  issueId: string;
  identifier: string;
  /** The issue's title now (secrets masked), or null when it cannot be read. */
  title: string | null;
  /** When the guard last looked at it. */
  at: string | null;
  findings: FindingView[];
}

export interface FindingsView {
  companyId: string;
  /** The company's guard setting now: `apply` off reports only. */
  mode: 'dry-run' | 'acting';
  total: number;
  issues: IssueView[];
}

/** A string fit to show: secrets masked, control characters out, at most `max` characters. */
export function showable(value: unknown, max = 200): string {
  if (typeof value !== 'string' && typeof value !== 'number') return '';
  // Masked whole, then cut (a key cut in two is not found). Only the detector's run is bounded, far past what
  // is shown: what the redactions shorten cannot bring the cut's end into view.
  const text = String(value).slice(0, 10_000).replace(/[\u0000-\u001f\u007f]/g, ' ');
  const masked = redactSecrets(text, detectSecrets(text));
  return masked.length > max ? `${masked.slice(0, max - 1)}…` : masked;
}

const severities = new Map<string, string>();
/** A built-in rule's severity, for findings kept before the guard kept it. */
export function ruleSeverity(rule: string): string {
  if (!/^[a-z0-9-]+\/[a-z0-9-]+$/.test(rule)) return 'unknown';
  let s = severities.get(rule);
  if (s === undefined) {
    try {
      const r = JSON.parse(readFileSync(join(BUILTIN_RULES_DIR, `${rule}.json`), 'utf8')) as { severity?: unknown };
      s = typeof r.severity === 'string' ? r.severity : 'unknown';
    } catch {
      s = 'unknown';
    }
    severities.set(rule, s);
  }
  return s;
}

const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low', 'info'];
const rank = (s: string) => (SEVERITY_ORDER.includes(s) ? SEVERITY_ORDER.indexOf(s) : SEVERITY_ORDER.length);

function record(v: unknown): Record<string, unknown> | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

function place(f: Record<string, unknown>): string {
  const [type, id] = showable(f.subject, 80).split(':');
  const line = typeof f.line === 'number' && Number.isInteger(f.line) && f.line > 0 ? `, line ${f.line}` : '';
  const field = typeof f.field === 'string' ? showable(f.field, 20) : null;
  if (type === 'comment') return `comment ${(id ?? '').slice(0, 8)}${line}`;
  if (type === 'issue') return `${field ?? 'title or description'}${field === 'title' ? '' : line}`;
  return `${type || 'unknown'}${line}`;
}

function outcome(a: Record<string, unknown>): string {
  const type = showable(a.type, 30) || 'action';
  const detail = showable(a.detail, 160);
  switch (a.status) {
    case 'planned':
      return `would ${type} (dry-run)`;
    case 'applied':
      return type === 'redact' ? 'redacted' : `${type}: done`;
    case 'skipped':
      // The planner makes one write per text: a second secret in it rides on the first one's action.
      if (/done by the same/.test(detail)) return `in the same ${type} as another finding here`;
      return `${type} skipped${detail ? `: ${detail}` : ''}`;
    case 'failed':
      return `${type} failed${detail ? `: ${detail}` : ''}`;
    default:
      return `${type} ${showable(a.status, 20) || 'unknown'}${detail ? `: ${detail}` : ''}`;
  }
}

function findingView(raw: unknown): FindingView | null {
  const f = record(raw);
  if (!f || typeof f.rule !== 'string') return null;
  const rule = showable(f.rule, 80);
  const preview = typeof f.preview === 'string' && f.preview ? showable(f.preview, 16) : null;
  const actions = Array.isArray(f.actions) ? f.actions.map(record).filter((a): a is Record<string, unknown> => a !== null) : [];
  return {
    rule,
    severity: typeof f.severity === 'string' ? showable(f.severity, 16) : ruleSeverity(rule),
    kind: showable(f.kind, 60) || 'secret',
    place: place(f),
    preview,
    outcome: actions.length ? actions.slice(0, 5).map(outcome) : ['reported (no action)'],
  };
}

/**
 * The view of a company's kept findings (`state`: the FINDINGS_KEY value, issue id -> entry), the most
 * recently guarded issues first; `issueId`: that issue's only. Whatever the state holds (another version's
 * shape, junk), the view has the shape above and no secret.
 */
export function findingsView(state: unknown, o: { companyId: string; apply: boolean; issueId?: string; titles?: ReadonlyMap<string, string | null> }): FindingsView {
  const all = record(state) ?? {};
  const issues: IssueView[] = [];
  for (const [issueId, value] of Object.entries(all)) {
    if (o.issueId !== undefined && issueId !== o.issueId) continue;
    const e = record(value);
    if (!e) continue;
    const findings = (Array.isArray(e.findings) ? e.findings : []).map(findingView).filter((f): f is FindingView => f !== null);
    if (!findings.length) continue;
    findings.sort((a, b) => rank(a.severity) - rank(b.severity));
    const at = typeof e.at === 'string' && Number.isFinite(Date.parse(e.at)) ? new Date(e.at).toISOString() : null;
    issues.push({ issueId: showable(issueId, 80), identifier: showable(e.identifier, 40) || showable(issueId, 12), title: o.titles?.get(issueId) ?? null, at, findings: findings.slice(0, MAX_FINDINGS) });
  }
  issues.sort((a, b) => (b.at ?? '').localeCompare(a.at ?? ''));
  return { companyId: o.companyId, mode: o.apply ? 'acting' : 'dry-run', total: issues.length, issues: issues.slice(0, MAX_ISSUES) };
}

/**
 * The data handler of the UI slots. The company is the one the host authorized: the UI bridge sends the
 * page's company, the server checks the board's access to it and its `companyId` wins over one in the params
 * (the SDK spreads it last); only an instance admin may call without one, and then gets nothing here.
 */
export function registerUiData(ctx: PluginContext, findingsKey: string): void {
  ctx.data.register(OPEN_FINDINGS_DATA, async (params) => {
    const companyId = params.companyId;
    if (typeof companyId !== 'string' || !companyId) throw new Error('open-findings needs the company (the dashboard or issue page gives it)');
    const issueId = typeof params.issueId === 'string' ? params.issueId : undefined;
    const [state, config] = await Promise.all([ctx.state.get({ scopeKind: 'company', scopeId: companyId, stateKey: findingsKey }), ctx.config.get(companyId).catch(() => ({}))]);
    const view = findingsView(state, { companyId, apply: (config as { apply?: unknown }).apply === true, issueId });
    // Titles as they are now, read from the company's own issues (an id that is not the company's reads null).
    const titles = new Map<string, string | null>();
    await Promise.all(
      view.issues.map(async (i) => {
        const issue = await ctx.issues.get(i.issueId, companyId).catch(() => null);
        titles.set(i.issueId, issue && issue.companyId === companyId ? showable(issue.title, 120) : null);
      }),
    );
    for (const i of view.issues) i.title = titles.get(i.issueId) ?? null;
    return view;
  });
}
