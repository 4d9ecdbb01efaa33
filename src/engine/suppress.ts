// Suppressions: inline `clipguard-ignore <rule-id> -- reason` comments, a waivers file, and a baseline.
// Suppressed findings are kept (marked `suppressed`) so json and sarif output still show them; expired
// waivers stop suppressing and are reported themselves.

import { existsSync, readFileSync } from 'node:fs';
import { globMatch } from '../util/glob.js';
import type { Finding } from '../types.js';
import { UserFileError, parseJsonText, lineOfKey } from '../util/json-file.js';
import { ignoreCovers } from '../util/rule-id.js';
import { writeOutputFile } from '../util/output-file.js';
import { fingerprint } from './evaluate.js';

export interface Waiver {
  rule: string;
  fingerprint?: string;
  path?: string;
  reason: string;
  expires?: string;
}

export function loadWaivers(file: string): Waiver[] {
  const text = readFileSync(file, 'utf8');
  const raw = parseJsonText(text, file) as { waivers?: unknown };
  const list = Array.isArray(raw) ? raw : raw?.waivers;
  if (!Array.isArray(list)) throw new UserFileError(file, 'expected {"waivers": [{"rule", "fingerprint" or "path", "reason", "expires"}]}');
  const lines = arrayElementLines(text, Array.isArray(raw) ? 0 : text.indexOf('"waivers"'));
  return list.map((w, i) => {
    const where = `waivers[${i}]`;
    const line = lines[i] ?? lineOfKey(text, 'rule');
    if (!w || typeof w !== 'object') throw new UserFileError(file, `${where}: must be an object`, line);
    const o = w as Record<string, unknown>;
    if (typeof o.rule !== 'string' || !o.rule) throw new UserFileError(file, `${where}.rule: required (a rule id, or "*")`, line);
    if (typeof o.reason !== 'string' || !o.reason.trim()) throw new UserFileError(file, `${where}.reason: required: say why the finding is acceptable`, line);
    if (o.fingerprint === undefined && o.path === undefined) throw new UserFileError(file, `${where}: give "fingerprint" or "path" (a glob)`, line);
    if (o.fingerprint !== undefined && (typeof o.fingerprint !== 'string' || !o.fingerprint)) throw new UserFileError(file, `${where}.fingerprint: must be a fingerprint string (from the json report)`, line);
    if (o.path !== undefined && (typeof o.path !== 'string' || !o.path)) throw new UserFileError(file, `${where}.path: must be a glob string, e.g. "docs/examples/**"`, line);
    if (o.expires !== undefined && (typeof o.expires !== 'string' || Number.isNaN(Date.parse(o.expires)))) {
      throw new UserFileError(file, `${where}.expires: not a date (use YYYY-MM-DD)`, lineOfKey(text, 'expires'));
    }
    return o as unknown as Waiver;
  });
}

/** 1-based line of each element of the first JSON array at or after `from` (for errors naming one waiver). */
function arrayElementLines(text: string, from: number): number[] {
  const lines: number[] = [];
  let i = text.indexOf('[', Math.max(0, from));
  if (i < 0) return lines;
  let depth = 0;
  let line = 1;
  for (let k = 0; k < i; k++) if (text.charCodeAt(k) === 10) line++;
  let expectValue = true;
  for (; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') line++;
    else if (c === '"') {
      if (depth === 1 && expectValue) lines.push(line), (expectValue = false);
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (c === '[' || c === '{') {
      if (depth === 1 && expectValue) lines.push(line), (expectValue = false);
      depth++;
    } else if (c === ']' || c === '}') {
      if (--depth === 0) break;
    } else if (c === ',' && depth === 1) expectValue = true;
    else if (depth === 1 && expectValue && !/\s/.test(c)) lines.push(line), (expectValue = false);
  }
  return lines;
}

const INLINE = /clipguard-ignore(?:-next-line)?(?:\s+([a-z0-9/*-]+(?:\s*,\s*[a-z0-9/*-]+)*))?(?:\s+--\s*(.*))?/;

/** Does this source line carry an inline ignore for the rule? Returns the reason, or null. */
export function inlineIgnoreReason(lineText: string, ruleId: string): string | null {
  const m = INLINE.exec(lineText);
  if (!m) return null;
  const ids = m[1]?.split(/\s*,\s*/) ?? [];
  if (ids.length && !ignoreCovers(ids, ruleId)) return null;
  return (m[2] ?? '').trim() || 'clipguard-ignore';
}

export interface SuppressOptions {
  waivers?: Waiver[];
  waiversFile?: string;
  baseline?: Set<string>;
  now: Date;
  /** Returns the text of line `line` of `file`, or null (used for inline ignores). */
  readLine?: (file: string, line: number) => string | null;
  /** The rules this scan ran: an expired waiver of another rule is not reported. Default: every rule. */
  rulesRun?: Set<string>;
}

export function applySuppressions(findings: Finding[], opts: SuppressOptions): Finding[] {
  const out: Finding[] = [];
  const expiredReported = new Set<number>();
  const waivers = opts.waivers ?? [];
  for (const f of findings) {
    if (!f.suppressed && f.location && opts.readLine) {
      const here = opts.readLine(f.location.file, f.location.line);
      const above = f.location.line > 1 ? opts.readLine(f.location.file, f.location.line - 1) : null;
      const reason = (here && inlineIgnoreReason(here, f.ruleId)) ?? (above && /clipguard-ignore-next-line/.test(above) ? inlineIgnoreReason(above, f.ruleId) : null);
      if (reason) f.suppressed = { kind: 'inline', reason };
    }
    if (!f.suppressed) {
      waivers.forEach((w, i) => {
        if (f.suppressed) return;
        if (w.rule !== '*' && w.rule !== f.ruleId) return;
        if (w.fingerprint && w.fingerprint !== f.fingerprint) return;
        if (w.path && !(f.location && globMatch(f.location.file, w.path, { dot: true }))) return;
        if (w.expires && Date.parse(w.expires) < opts.now.getTime()) {
          if (!expiredReported.has(i)) {
            expiredReported.add(i);
            out.push(expiredWaiverFinding(w, i, opts));
          }
          return;
        }
        f.suppressed = { kind: 'waiver', reason: w.reason, ...(w.expires ? { expires: w.expires } : {}) };
      });
    }
    if (!f.suppressed && opts.baseline?.has(f.fingerprint)) f.suppressed = { kind: 'baseline', reason: 'in baseline' };
    out.push(f);
  }
  // An expired waiver that matches nothing today is reported too (it is dead weight in the file), when its
  // rule ran in this scan: a scan of other rules says nothing about it.
  waivers.forEach((w, i) => {
    if (expiredReported.has(i) || !w.expires || Date.parse(w.expires) >= opts.now.getTime()) return;
    if (w.rule === '*' || !opts.rulesRun || opts.rulesRun.has(w.rule)) out.push(expiredWaiverFinding(w, i, opts));
  });
  return out;
}

function expiredWaiverFinding(w: Waiver, i: number, opts: SuppressOptions): Finding {
  return {
    ruleId: 'suppress/expired-waiver',
    severity: 'warning',
    title: 'Expired waiver',
    message: `Waiver for ${w.rule}${w.fingerprint ? ` (${w.fingerprint})` : ''}${w.path ? ` on ${w.path}` : ''} expired on ${w.expires}: it no longer suppresses anything. Fix the finding or renew the waiver (remove it if the finding is gone). Reason given: ${w.reason}`,
    subject: { type: 'file', id: opts.waiversFile ?? 'waivers', label: opts.waiversFile ?? 'waivers' },
    location: null,
    fingerprint: fingerprint('suppress/expired-waiver', String(i), w.rule, w.fingerprint ?? '', w.path ?? ''),
    tags: ['suppress'],
    actions: [],
  };
}

export function readBaseline(file: string): Set<string> {
  if (!existsSync(file)) throw new UserFileError(file, 'baseline file not found (create one with --write-baseline)');
  const raw = parseJsonText(readFileSync(file, 'utf8'), file) as { fingerprints?: unknown };
  if (!raw || !Array.isArray(raw.fingerprints) || raw.fingerprints.some((x) => typeof x !== 'string')) {
    throw new UserFileError(file, 'expected {"version": 1, "fingerprints": ["..."]}');
  }
  return new Set(raw.fingerprints as string[]);
}

export function writeBaseline(file: string, findings: Finding[]): number {
  const fps = [...new Set(findings.filter((f) => !f.suppressed || f.suppressed.kind === 'baseline').map((f) => f.fingerprint))].sort();
  writeOutputFile(file, JSON.stringify({ version: 1, tool: 'clipguard', fingerprints: fps }, null, 2) + '\n', '--write-baseline');
  return fps.length;
}
