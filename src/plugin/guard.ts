// The live guard's one step: an issue changed (created, edited, commented on) -> the secret rules on that
// issue's title, description and comments -> the planner and the executor, exactly as `scan --apply` runs them
// (runScan with the subjects of this one issue). No second implementation: the subjects come from the Paperclip
// subject builder, the findings from the engine, the plan from the planner, the writes from the executor and its
// action kinds (re-read before each write, idempotency ledger, audit log written before the write).
//
// What it returns, and what the worker keeps in plugin state, holds kinds and places only: never a secret, never
// a preview of one.

import { loadConfig } from '../config/load.js';
import { runScan } from '../scan.js';
import { budgetOptions, maskedSecrets } from '../sources/index.js';
import { paperclipSubjects } from '../sources/paperclip/subjects.js';
import { detectSecrets } from '../detectors/secrets/index.js';
import type { Finding, Subject } from '../types.js';
import type { HostClient } from './host-client.js';
import { keepValid, validateComment, validateIssue, type SchemaProblem } from '../sources/paperclip/validate.js';
import type { Comment, Company, Issue } from '../sources/paperclip/records.js';

/** Comment redactions of one issue at once (the server answers ~8 concurrent requests before 429s). */
export const REDACT_CONCURRENCY = 4;

/** The rules the live guard runs on each event. */
export const LIVE_RULES = ['security/secret-in-issue', 'security/secret-in-comment'];

export interface GuardSettings {
  /** Act (redact, and flag when on); otherwise report only: the dry-run. */
  apply: boolean;
  /** The flag action of the secret rules (one comment per issue asking for the rotation). */
  flag: boolean;
  /** Ledger, audit log and state lock (the same files `scan --apply` keeps in its state directory). */
  stateDir: string;
  /** Why comments cannot be deleted (no REST URL configured), or undefined. */
  noCommentDelete?: string;
}

/** One finding, as the plugin keeps and shows it: kinds and places, never the value. */
export interface GuardFinding {
  rule: string;
  subject: string;
  kind: string;
  line: number | null;
  actions: { type: string; status: string; target: string; detail: string }[];
}

export interface GuardResult {
  issueId: string;
  identifier: string;
  mode: 'dry-run' | 'apply';
  findings: GuardFinding[];
}

export async function guardIssue(client: HostClient, issueId: string, s: GuardSettings, now = new Date()): Promise<GuardResult> {
  // The defaults of `clipguard scan` with no config file, in the guard's state directory: the built-in rules,
  // the built-in detector rows, actions off unless the operator switched them on.
  const config = loadConfig(s.stateDir, { noConfigFile: true }, { CLIPGUARD_STATE_DIR: s.stateDir });
  config.repos = [];
  config.actions.apply = s.apply;
  // The worker writes one activity entry per action it took (what, where, and that rotation is the remedy):
  // the executor's own entry beside it would be a second server write per comment in a burst.
  config.paperclip.activityLog = false;
  if (s.flag) for (const id of LIVE_RULES) config.rules.overrides[id] = { actions: { flag: { enabled: true } } };

  const issue = await client.getIssue(issueId);
  const comments = await client.listComments(issueId);
  const identifier = String(issue.identifier ?? issue.id);
  const prefix = identifier.includes('-') ? identifier.slice(0, identifier.lastIndexOf('-')) : identifier;
  // The records pass the same schema checks as a scan's read (validate.ts): one that does not is not evaluated.
  const problems: SchemaProblem[] = [];
  const [checked] = keepValid<Issue>([issue], validateIssue, problems, 'issues');
  if (!checked) throw new Error(`issue ${identifier} not checked: ${problems.map((p) => p.message).join('; ')}`);
  const checkedComments = keepValid<Comment>(comments, validateComment, problems, 'comments');
  // Only the company's id and prefix matter to the secret rules; the budget fields are not read here.
  const company: Company = { id: client.companyId, name: prefix, issuePrefix: prefix, status: 'active', budgetMonthlyCents: 0, spentMonthlyCents: 0 };
  const subjects = paperclipSubjects([{ company, agents: [], issues: [checked], comments: { [checked.id]: checkedComments } }], { now, detectSecrets: maskedSecrets(config), budget: budgetOptions(config) });
  // A burst of comments on one issue is redacted REDACT_CONCURRENCY at a time: each costs four round trips
  // (list, copy, delete, list again), and one after the other ten of them took 2-3 s.
  const { report, subjects: seen } = await runScan(config, { only: LIVE_RULES, subjects, statuses: [], client, now, lockCommand: 'live guard (plugin)', noCommentDelete: s.noCommentDelete, actionConcurrency: REDACT_CONCURRENCY });
  return { issueId: String(issue.id), identifier, mode: report.mode, findings: report.findings.filter((f) => LIVE_RULES.includes(f.ruleId)).map((f) => guardFinding(f, seen)) };
}

function guardFinding(f: Finding, subjects: Subject[]): GuardFinding {
  // A rule with `each` gives its actions the item's index in the subject's `secrets` fact (masked matches):
  // only their kind and line are kept.
  const index = f.actions.find((a) => typeof a.params?.item === 'number')?.params?.item as number | undefined;
  const subject = subjects.find((s) => s.type === f.subject.type && s.id === f.subject.id);
  const item = ((subject?.facts.secrets as { kind?: unknown; line?: unknown }[] | undefined)?.[index ?? 0] ?? {}) as { kind?: unknown; line?: unknown };
  return {
    rule: f.ruleId,
    subject: `${f.subject.type}:${f.subject.id}`,
    kind: typeof item.kind === 'string' ? item.kind : 'secret',
    line: typeof item.line === 'number' ? item.line : (f.location?.line ?? null),
    actions: f.actions.map((a) => ({ type: a.type, status: a.status, target: a.target, detail: a.detail })),
  };
}

/**
 * The answer of the `check-text` tool: whether a text holds a secret, by kind and place (line, column, length),
 * never the value nor a preview of it.
 */
export function checkText(text: string): { secrets: { kind: string; description: string; line: number; column: number; length: number }[] } {
  const out = detectSecrets(text).map((m) => ({ kind: m.kind, description: m.description, line: m.line, column: m.column, length: m.end - m.start }));
  return { secrets: out };
}
