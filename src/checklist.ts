// The handbook's daily checklist (每日運維 Checklist): six ✅/⚠️/❌ items, each with the detail behind it,
// computed from one scan (ops, budget, git, deploy and i18n rules) — the checklist reuses the rules.

import type { Config } from './config/load.js';
import { runScan, type ScanResult } from './scan.js';
import type { PaperclipReadCache } from './sources/paperclip/cache.js';
import { jsonObjects } from './sources/paperclip/json.js';
import { byClipguardSide } from './facts/flagged.js';
import { byPostingOrder, postCommentOnce } from './actions/post-comment.js';
import type { Finding, Report } from './types.js';
import { CHECKLIST_MD_HEAD, CHECKLIST_SUBSTANCE, checklistSubstance, renderChecklistMarkdown } from './report/checklist.js';
import { join } from 'node:path';
import { maskText } from './engine/mask.js';
import { formatMoney } from './util/money.js';
import { paperclipClient } from './sources/index.js';
import type { StateLock } from './schedule/lock.js';

export type Mark = 'ok' | 'warn' | 'fail';

export interface ChecklistItem {
  n: number;
  title: string;
  handbook: string;
  status: Mark;
  detail: string;
  findings: string[];
  /** The findings' fingerprints: what the item is about, without the figures its text quotes. */
  keys: string[];
}

export interface Checklist {
  date: string;
  mode: Report['mode'];
  items: ChecklistItem[];
  ok: boolean;
  report: Report;
  /** The rules the scan behind it ran (the SARIF and JUnit renderings of its report describe them). */
  rules: ScanResult['rules'];
  /** The Paperclip companies scanned (where `postActivity` records the checklist). */
  companies: { id: string; name: string }[];
  /** Paperclip requests the scan behind it sent (runChecklist only). */
  requests?: number;
}

const ITEMS = [
  { n: 1, title: 'Every agent in a normal state (not error, not paused)', handbook: '所有 agent 狀態正常?(非 error/paused)' },
  { n: 2, title: 'No idle agent while assignable work waits', handbook: '有沒有 idle agent + backlog issue?→ checkout' },
  { n: 3, title: "The month's spend within budget", handbook: '月花費在預算內?' },
  { n: 4, title: 'No unpushed commits', handbook: 'Git 有沒有 unpushed commits?→ push' },
  { n: 5, title: 'The deploy is up', handbook: '部署成功?' },
  { n: 6, title: 'No Simplified characters in zh-Hant files (and the reverse)', handbook: 'i18n 繁簡混用檢查?' },
];

/** `paperclipCache`: watch's kept reads, so the checklist job reads only what changed in Paperclip too. */
/** `lock`: the state lock the caller holds (watch, `checklist --apply / --post-*`), checked before each action. */
export async function runChecklist(config: Config, opts: { now?: Date; signal?: AbortSignal; paperclipCache?: PaperclipReadCache; lock?: StateLock } = {}): Promise<Checklist> {
  const result = await runScan(config, { only: ['ops', 'budget', 'git', 'deploy', 'i18n', 'source'], now: opts.now, signal: opts.signal, paperclipCache: opts.paperclipCache, lock: opts.lock, lockCommand: 'checklist --apply' });
  return { ...checklistFrom(result, config), requests: result.requestCount };
}

export function checklistFrom(result: ScanResult, config: Config): Checklist {
  const { report, subjects } = result;
  const active = report.findings.filter((f) => !f.suppressed);
  const by = (pred: (f: Finding) => boolean) => active.filter(pred);
  const pc = report.sources.find((s) => s.name === 'paperclip');
  // Not read at all (--no-paperclip), or none configured and none running here: not scanned (a warning), as
  // opposed to a configured server that is down (a failure).
  const pcSubject = subjects.find((s) => s.type === 'source' && s.id === 'paperclip');
  const notConfigured = (pcSubject?.facts.source as { expected?: boolean } | undefined)?.expected === false;
  const pcDown = pc?.status === 'unavailable' && !notConfigured ? `Paperclip unavailable: ${pc.detail}` : null;
  const pcOff = !pc ? 'Paperclip not scanned' : notConfigured ? `Paperclip not scanned: ${pc!.detail}` : null;
  const agents = subjects.filter((s) => s.type === 'agent').map((s) => s.facts.agent as { name: string; status: string; pauseReason?: string });
  const items: ChecklistItem[] = [];
  const push = (n: number, status: Mark, detail: string, fs: Finding[] = []) => items.push({ ...ITEMS[n - 1], status, detail, findings: fs.map((f) => f.message), keys: fs.map((f) => f.fingerprint) });

  // 1. agent states
  if (pcDown || pcOff) push(1, pcDown ? 'fail' : 'warn', (pcDown ?? pcOff)!);
  else {
    const err = agents.filter((a) => a.status === 'error');
    const paused = agents.filter((a) => a.status === 'paused');
    const list = (xs: typeof agents) => xs.map((a) => `${a.name}${a.pauseReason ? ` (${a.pauseReason})` : ''}`).join(', ');
    push(1, err.length ? 'fail' : paused.length ? 'warn' : 'ok', err.length || paused.length ? [err.length ? `error: ${list(err)}` : '', paused.length ? `paused: ${list(paused)}` : ''].filter(Boolean).join('; ') : `${agents.length} agent(s), none in error or paused`, by((f) => f.ruleId === 'ops/error-agent-holding-issue' || f.ruleId === 'ops/paused-agent'));
  }
  // 2. idle agents with work waiting
  if (pcDown || pcOff) push(2, pcDown ? 'fail' : 'warn', (pcDown ?? pcOff)!);
  else {
    const idle = by((f) => f.ruleId === 'ops/idle-agent-backlog');
    const acted = idle.flatMap((f) => f.actions).filter((a) => a.status === 'applied').length;
    push(2, idle.length ? (acted === idle.length ? 'ok' : 'warn') : 'ok', idle.length ? `${idle.length} idle agent(s) with assignable work${acted ? `; ${acted} checked out` : ' (scan --apply checks it out)'}` : 'no idle agent while work waits', idle);
  }
  // 3. budget
  if (pcDown || pcOff) push(3, pcDown ? 'fail' : 'warn', (pcDown ?? pcOff)!);
  else {
    // The hard stop of a running agent is an over-budget finding too (its agent is counted once).
    const over = by((f) => f.ruleId === 'budget/agent-spend-exceeded' || f.ruleId === 'budget/over-stop-live-run' || (f.ruleId === 'budget/company-spend' && f.severity === 'error'));
    const warn = by((f) => f.ruleId.startsWith('budget/') && !over.includes(f) && f.severity !== 'info');
    const companies = report.budget?.companies ?? [];
    const money = (cents: number) => formatMoney(cents, config.budget.currency);
    const summary = companies.map((c) => `${c.name}: ${money(c.spentCents)} of ${c.budgetCents ? money(c.budgetCents) : 'no budget'}${c.budgetCents ? ` (${c.percent.toFixed(1)}%, forecast ${money(c.forecastCents)})` : ''}`).join('; ');
    push(3, over.length ? 'fail' : warn.length ? 'warn' : 'ok', [summary, over.length ? `${new Set(over.map((f) => `${f.subject.type}:${f.subject.id}`)).size} over budget` : '', warn.length ? `${warn.length} warning(s)` : ''].filter(Boolean).join('; ') || 'no budget data', [...over, ...warn]);
  }
  // 4. git
  const repos = report.sources.filter((s) => s.name.startsWith('git:'));
  const unpushed = by((f) => f.ruleId === 'git/unpushed-commits');
  push(4, !repos.length ? 'warn' : unpushed.length ? 'warn' : repos.some((r) => r.status !== 'ok') ? 'warn' : 'ok', !repos.length ? 'no git repository configured (repos in config, or run inside one)' : unpushed.length ? unpushed.map((f) => f.message).join('; ') : `${repos.length} repo(s), nothing unpushed`, unpushed);
  // 5. deploy
  const down = by((f) => f.ruleId === 'deploy/url-down');
  push(5, !config.deploy.urls.length ? 'warn' : down.length ? 'fail' : 'ok', !config.deploy.urls.length ? 'no deploy URL configured (deploy.urls in config)' : down.length ? down.map((f) => f.message).join('; ') : `${config.deploy.urls.length} URL(s) up`, down);
  // 6. i18n
  const mixed = by((f) => f.ruleId === 'i18n/simplified-in-hant' || f.ruleId === 'i18n/traditional-in-hans');
  // Variant preferences (注釋 for 註釋) are info: noted, never a warning of their own.
  const variantRule = (f: Finding) => f.ruleId === 'i18n/regional-variant' || f.ruleId === 'i18n/japanese-form';
  const variants = by((f) => variantRule(f) && f.severity !== 'info');
  const preferences = by((f) => variantRule(f) && f.severity === 'info').length;
  const files = subjects.filter((s) => s.type === 'file').length;
  const noted = preferences ? ` (${preferences} variant preference(s), info)` : '';
  push(6, mixed.length ? 'fail' : variants.length ? 'warn' : 'ok', mixed.length || variants.length ? `${mixed.length} script mix(es), ${variants.length} variant form(s) in ${files} locale file(s)${noted}` : `${files} zh locale file(s) clean${noted}`, [...mixed, ...variants]);

  const companies = subjects.filter((s) => s.type === 'company').map((s) => s.facts.company as { id: string; name: string }).map((c) => ({ id: c.id, name: c.name }));
  return { date: report.finishedAt, mode: report.mode, items, ok: items.every((i) => i.status !== 'fail'), report, rules: result.rules, companies };
}

/** A checklist comment clipguard could have written (an agent posting one with the same marker must not stand in for it). */
const isChecklist = (x: Record<string, unknown>): boolean => byClipguardSide(x) && typeof x.body === 'string' && x.body.startsWith(CHECKLIST_MD_HEAD) && CHECKLIST_SUBSTANCE.test(x.body);
const substanceOf = (x: Record<string, unknown>): string => CHECKLIST_SUBSTANCE.exec(String(x.body))![1];

/** The newest checklist comment on the issue (posting order, whatever order the server listed them in), if it has the same substance as `c`. */
function sameChecklistPosted(comments: Record<string, unknown>[], c: Checklist): { id: string } | null {
  const last = comments.filter(isChecklist).sort(byPostingOrder).at(-1);
  return last && typeof last.id === 'string' && substanceOf(last) === checklistSubstance(c) ? { id: last.id } : null;
}

/**
 * After posting `mine`: the checklist comment posted just before it, when that one says the same (a second
 * clipguard, another state directory, posted the same day's checklist at the same moment), or null. The newest
 * before mine, not any with the same substance: a checklist that went X, Y, then X again is news each time.
 */
function sameChecklistBefore(comments: Record<string, unknown>[], mine: string, substance: string): string | null {
  const me = comments.find((x) => x.id === mine);
  if (!me) return null;
  const prev = comments.filter((x) => x.id !== mine && typeof x.id === 'string' && isChecklist(x) && byPostingOrder(x, me) < 0).sort(byPostingOrder).at(-1);
  return prev && substanceOf(prev) === substance ? String(prev.id) : null;
}

export interface PublishTargets {
  /** A Paperclip issue (id or identifier such as ACM-12): the checklist is posted on it as a Markdown comment. */
  postIssue?: string | null;
  /** Record the checklist in each scanned company's activity log. */
  postActivity?: boolean;
}

/**
 * Publishes the checklist where the board reads: a comment on an issue (wakes its assignee) and/or an entry in
 * each company's activity log (silent). Returns one line per target, and whether every one succeeded. The same
 * checklist already on the issue (an earlier attempt whose answer was lost) is not posted again.
 */
export async function publishChecklist(c: Checklist, config: Config, to: PublishTargets): Promise<{ ok: boolean; lines: string[] }> {
  const lines: string[] = [];
  let ok = true;
  if (!to.postIssue && !to.postActivity) return { ok, lines };
  if (!config.paperclip.enabled) return { ok: false, lines: ['not published: Paperclip is disabled (--no-paperclip or paperclip.enabled false)'] };
  // The kill switch stops every write clipguard makes, this one included.
  const { killSwitchOn } = await import('./actions/executor.js');
  const killed = killSwitchOn(config.stateDir);
  if (killed) return { ok: false, lines: [`not published: ${killed}`] };
  // Every publication is audit-logged: a state dir that takes no writes means nothing is published.
  const { probeStateDir } = await import('./actions/state-dir.js');
  const unwritable = probeStateDir(config.stateDir);
  if (unwritable) return { ok: false, lines: [`not published: ${unwritable.message}`] };
  const client = await paperclipClient(config);
  const { AuditLog } = await import('./actions/audit.js');
  const audit = new AuditLog(join(config.stateDir, 'audit.jsonl'));
  const why = (e: unknown) => (e as Error)?.message ?? String(e);
  // One line for the user per target, and every write to Paperclip in the audit log, like the executor's actions.
  const entry = (action: string, target: string, status: 'started' | 'applied' | 'skipped' | 'failed', detail: string) =>
    audit.append({ time: new Date().toISOString(), mode: 'apply', rule: 'checklist', subject: `checklist:${c.date.slice(0, 10)}`, action, target, outcome: status, detail });
  const outcome = (action: string, target: string, status: 'applied' | 'skipped' | 'failed', line: string, detail: string) => {
    if (status === 'failed') ok = false;
    lines.push(line);
    entry(action, target, status, detail);
  };
  // The intent is logged before the write, as the executor does: an audit log that takes no entry means no write.
  const intend = (action: string, target: string, line: string): boolean => {
    try {
      entry(action, target, 'started', 'about to publish');
      return true;
    } catch (e) {
      ok = false;
      lines.push(`${line}: not published, the audit log took no entry (${why(e)})`);
      return false;
    }
  };
  try {
    if (to.postIssue) {
      const target = `issue:${to.postIssue}`;
      try {
        // Compared on the substance (statuses and findings), not the text: a cent more in a forecast is not news.
        const comments = await client.listComments(to.postIssue);
        const same = sameChecklistPosted(jsonObjects(comments), c);
        const r = same ? { id: same.id, reused: true } : intend('comment', target, `the checklist on ${to.postIssue}`) ? await postCommentOnce(client, to.postIssue, renderChecklistMarkdown(c), comments, byClipguardSide) : null;
        if (r === null) {
          // said by intend(); nothing was written
        } else if ('error' in r) outcome('comment', target, 'failed', `posting the checklist on ${to.postIssue} failed: ${r.error}`, r.error);
        else if (r.reused) outcome('comment', target, 'skipped', `the checklist was already on ${to.postIssue} (comment ${r.id})`, `already posted as comment ${r.id}`);
        else {
          // A second clipguard (a `watch` and a `checklist --post-issue`, each with its own state directory) may
          // have posted the same checklist between the read above and this post: each wakes the assignee. As
          // for flags (actions/kinds/flag.ts), the earliest stays; this one goes again when the checklist posted
          // just before it says the same. The other process finds this one later than its own and keeps its own.
          // The checklist is posted whatever follows: a read or a delete that fails here is said, not a failure.
          let earlier: string | null = null;
          let then = '';
          try {
            earlier = sameChecklistBefore(jsonObjects(await client.listComments(to.postIssue)), r.id, checklistSubstance(c));
            if (earlier) {
              const del = await client.deleteComment(to.postIssue, r.id);
              then = `, then ${del.status < 300 ? 'deleted it again' : `deleting it failed (HTTP ${del.status})`}: comment ${earlier}, posted at the same moment by another process, says the same`;
            }
          } catch (e) {
            then = `; whether another process posted it at the same moment is not known (${why(e)})`;
          }
          const d = `posted as comment ${r.id}${then}`;
          outcome('comment', target, 'applied', earlier ? `checklist on ${to.postIssue}: ${d}` : `checklist posted on ${to.postIssue} (comment ${r.id})${then}`, d);
        }
      } catch (e) {
        outcome('comment', target, 'failed', `posting the checklist on ${to.postIssue} failed: ${why(e)}`, why(e));
      }
    }
    if (to.postActivity) {
      if (!c.companies.length) {
        ok = false;
        lines.push('no activity entry: no Paperclip company was scanned');
      }
      for (const co of c.companies) {
        const target = `company:${co.id}`;
        if (!intend('activity', target, `the activity entry for ${co.name}`)) continue;
        try {
          const r = await client.postActivity(co.id, {
            actorType: 'system',
            actorId: 'clipguard',
            action: 'clipguard.checklist',
            entityType: 'company',
            entityId: co.id,
            details: { date: c.date, mode: c.mode, ok: c.ok, items: c.items.map((i) => ({ n: i.n, title: i.title, status: i.status, detail: maskText(i.detail) })) },
          });
          if (r.status >= 300) outcome('activity', target, 'failed', `the activity entry for ${co.name} failed: HTTP ${r.status}`, `HTTP ${r.status}`);
          else outcome('activity', target, 'applied', `activity entry clipguard.checklist recorded for ${co.name}`, 'recorded');
        } catch (e) {
          outcome('activity', target, 'failed', `the activity entry for ${co.name} failed: ${why(e)}`, why(e));
        }
      }
    }
  } finally {
    audit.close();
    await client.close();
  }
  return { ok, lines: lines.map((l) => maskText(l)) };
}
