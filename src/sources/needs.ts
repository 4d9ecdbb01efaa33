// What a scan reads follows from the subjects the selected rules are about, never from their ids or tags:
// a custom rule on `diff` subjects tagged only "custom" must make the scan read the commit range, or it
// would validate and then silently never fire.
import type { ActiveRule } from '../engine/evaluate.js';
import { ruleUsesFact } from '../engine/rule.js';
import { FACT_READS } from '../facts/index.js';

/** Runs whose logs are read per company and scan by default, newest first (the rest in later scans of `watch`). */
export const DEFAULT_RUNS_PER_SCAN = 100;

/** The reads a scan can do (see readSources). `secrets` is the commit range: its commit and diff subjects. */
export interface SourceNeeds {
  paperclip: boolean;
  comments: boolean;
  /**
   * `run` subjects: the logs, events and records of finished heartbeat runs, at most `runLogRuns` not read
   * before per company and scan (the largest `maxRunsPerScan` param of the selected rules on runs).
   */
  runLogs: boolean;
  runLogRuns: number;
  /** The comments that woke an agent's runs (the `selfWake` and `loop` facts tell its own comments by them). */
  wakeComments: boolean;
  secrets: boolean;
  git: boolean;
  pushLeaks: boolean;
  locales: boolean;
  deploy: boolean;
  /** GET /companies/{id}/live-runs: only for a rule that uses the agent's `liveRuns` fact (one request per company). */
  liveRuns: boolean;
  /** GET /companies/{id}/routines and /approvals: only for a rule on `routine` subjects. */
  routines: boolean;
}

/** The source kinds a `source` subject can have (sourceSubject's `kind`). */
const SOURCE_KINDS = ['paperclip', 'git', 'deploy'] as const;
type SourceKind = (typeof SOURCE_KINDS)[number];

/**
 * The source kinds a rule on `source` subjects can fire for: the value of an `equal` test on `$.kind` of the
 * `source` fact that every path through the conditions must pass (a top-level `all`, nested `all`s). A rule
 * without one may fire for any kind, so it needs every source.
 */
export function sourceKindsOf(conditions: unknown): SourceKind[] {
  const required = (c: unknown): string | null => {
    if (!c || typeof c !== 'object') return null;
    const node = c as { all?: unknown[]; fact?: unknown; path?: unknown; operator?: unknown; value?: unknown };
    if (Array.isArray(node.all)) {
      for (const child of node.all) {
        const kind = required(child);
        if (kind) return kind;
      }
      return null;
    }
    if (node.fact === 'source' && node.path === '$.kind' && node.operator === 'equal' && typeof node.value === 'string') return node.value;
    return null;
  };
  const kind = required(conditions);
  if (kind === null) return [...SOURCE_KINDS];
  return (SOURCE_KINDS as readonly string[]).includes(kind) ? [kind as SourceKind] : [];
}

export function sourceNeeds(rules: ActiveRule[]): SourceNeeds {
  const needs: SourceNeeds = { paperclip: false, comments: false, runLogs: false, runLogRuns: 0, wakeComments: false, secrets: false, git: false, pushLeaks: false, locales: false, deploy: false, liveRuns: false, routines: false };
  for (const r of rules) {
    if (!r.selected) continue;
    switch (r.subject) {
      case 'company':
      case 'agent':
      case 'issue':
        needs.paperclip = true;
        break;
      case 'routine':
        needs.paperclip = needs.routines = true;
        break;
      case 'comment':
        needs.paperclip = needs.comments = true;
        break;
      case 'run': {
        needs.paperclip = needs.runLogs = true;
        const n = r.effectiveParams.maxRunsPerScan;
        needs.runLogRuns = Math.max(needs.runLogRuns, typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : DEFAULT_RUNS_PER_SCAN);
        break;
      }
      case 'commit':
      case 'diff':
        needs.secrets = true;
        break;
      case 'file':
        needs.locales = true;
        break;
      case 'source':
        for (const kind of sourceKindsOf(r.conditions)) {
          if (kind === 'paperclip') needs.paperclip = true;
          else if (kind === 'git') needs.git = true;
          else needs.deploy = true;
        }
        break;
    }
    // The reads a fact the rule uses needs beyond its subject's own (the fact families' `reads`).
    for (const [fact, reads] of Object.entries(FACT_READS)) if (ruleUsesFact(r, fact)) for (const read of reads) needs[read] = true;
    if (r.effectiveActions.some((a) => a.type === 'push' && a.enabled)) needs.git = needs.pushLeaks = true;
    // A flag is planned only for keys no earlier flag on the issue names (the `flagged` fact, from its comments):
    // without the comments the plan could show a flag that --apply's re-read then skips.
    if (r.effectiveActions.some((a) => a.type === 'flag' && a.enabled)) needs.paperclip = needs.comments = true;
  }
  return needs;
}
