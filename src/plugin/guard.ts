// The live guard's one step: an issue changed (created, edited, commented on) -> the secret rules on that
// issue's title, description and comments -> the planner and the executor, exactly as `scan --apply` runs them
// (runScan with the subjects of this one issue). No second implementation: the subjects come from the Paperclip
// subject builder, the findings from the engine, the plan from the planner, the writes from the executor and its
// action kinds (re-read before each write, idempotency ledger, audit log written before the write).
//
// What it returns, and what the worker keeps in plugin state, holds kinds and places and the detector's masked
// preview (`ghp_…`, maskSecret: the first 4 characters at most): never a secret.

import { loadConfig } from '../config/load.js';
import { runScan } from '../scan.js';
import { ONE_ISSUE_RULES, oneIssueSubjects } from '../sources/paperclip/one-issue.js';
import { detectSecrets } from '../detectors/secrets/index.js';
import type { Finding, FindingAction, Subject } from '../types.js';
import type { HostClient } from './host-client.js';

/** Comment redactions of one issue at once (the server answers ~8 concurrent requests before 429s). */
export const REDACT_CONCURRENCY = 4;

/** The rules the live guard runs on each event. */
export const LIVE_RULES = ONE_ISSUE_RULES;

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
  /** Kept since the UI slot; state kept before has none (ui-data.ts fills the severity in, shows no preview). */
  severity?: string;
  /** Where in the subject: `title`, `description` (an issue), `body` (a comment). */
  field?: string;
  /** The detector's masked preview (maskSecret): `ghp_…`. */
  preview?: string;
  actions: { type: string; status: string; target: string; detail: string }[];
}

export interface GuardResult {
  issueId: string;
  identifier: string;
  mode: 'dry-run' | 'apply';
  findings: GuardFinding[];
  /**
   * Actions of `findings` that get no activity entry: the planner's decisions an earlier run recorded already for
   * the same finding and reason (a redaction it knows cannot be made, met again on every event of the issue).
   */
  quiet?: ReadonlySet<GuardFinding['actions'][number]>;
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

  const { issueId: id, identifier, subjects } = await oneIssueSubjects(client, client.companyId, issueId, config, now);
  // A burst of comments on one issue is redacted REDACT_CONCURRENCY at a time: each costs four round trips
  // (list, copy, delete, list again), and one after the other ten of them took 2-3 s.
  const { report, subjects: seen, repeated } = await runScan(config, { only: LIVE_RULES, subjects, statuses: [], client, now, lockCommand: 'live guard (plugin)', noCommentDelete: s.noCommentDelete, actionConcurrency: REDACT_CONCURRENCY });
  const quiet = new Set<GuardFinding['actions'][number]>();
  const findings = report.findings.filter((f) => LIVE_RULES.includes(f.ruleId)).map((f) => guardFinding(f, seen, repeated, quiet));
  return { issueId: id, identifier, mode: report.mode, findings, quiet };
}

function guardFinding(f: Finding, subjects: Subject[], repeated?: ReadonlySet<FindingAction>, quiet?: Set<GuardFinding['actions'][number]>): GuardFinding {
  // A rule with `each` gives its actions the item's index in the subject's `secrets` fact (masked matches):
  // only their kind and line are kept.
  const index = f.actions.find((a) => typeof a.params?.item === 'number')?.params?.item as number | undefined;
  const subject = subjects.find((s) => s.type === f.subject.type && s.id === f.subject.id);
  type Item = { kind?: unknown; line?: unknown; field?: unknown; preview?: unknown };
  const item = ((subject?.facts.secrets as Item[] | undefined)?.[index ?? 0] ?? {}) as Item;
  return {
    rule: f.ruleId,
    subject: `${f.subject.type}:${f.subject.id}`,
    kind: typeof item.kind === 'string' ? item.kind : 'secret',
    line: typeof item.line === 'number' ? item.line : (f.location?.line ?? null),
    severity: f.severity,
    ...(typeof item.field === 'string' ? { field: item.field } : {}),
    ...(typeof item.preview === 'string' ? { preview: item.preview } : {}),
    actions: f.actions.map((a) => {
      const kept = { type: a.type, status: a.status, target: a.target, detail: a.detail };
      if (repeated?.has(a)) quiet?.add(kept);
      return kept;
    }),
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
