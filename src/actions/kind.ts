// What an action is: one module in kinds/ (registered in registry.ts) that says what it needs, how it is
// planned from a finding (never writing anything) and how it is done (re-reading live state first). The
// planner, the plan simulation and the executor hold the steps every action shares (caps, ledger, audit log,
// circuit breakers, kill switch); nothing about one action lives outside its module.

import type { Finding, FindingAction, Subject, ActionType } from '../types.js';
import type { ActingClient } from '../sources/paperclip/client.js';
import type { detectSecrets } from '../detectors/secrets/index.js';
import type { Ledger, LedgerEntry } from './ledger.js';

export interface PlanLimits {
  maxPerScan: number;
  maxPerAgent: number;
  exec: Record<string, string[]>;
  /** The config file's actions.exec was not honoured: it is not trusted (said in the skip). */
  execUntrusted?: boolean;
  /** The idempotency ledger, read only: what it records as done is planned as skipped. */
  ledger?: LedgerView;
  /**
   * Why no comment can be deleted by this run (the live guard without the server's REST URL: a plugin has no
   * delete), or undefined: a comment redaction is then planned as failed, and no copy is posted beside it.
   */
  noCommentDelete?: string;
  /**
   * The completions of half-done actions (pending.ts), planned already: not planned again, nor capped, but played in
   * the simulation where the executor acts them, so that the plan knows the issue they hand out and the pauses
   * before them.
   */
  pending?: Finding[];
}

/** What the planner needs of the ledger: a read. A dry-run never writes it. */
export interface LedgerView {
  get(key: string): LedgerEntry | null;
}

/** `serverFault`: the server answered 5xx to a write (counts toward the server's circuit, not only the agent's). */
export type Outcome = { status: 'applied' | 'skipped' | 'failed'; detail: string; serverFault?: boolean };

/** What an action may use when it is done. */
export interface ActionContext {
  /** Never null for an action that `needsPaperclip` (the executor skips it when not connected). */
  client: ActingClient | null;
  ledger: Ledger;
  secretOptions?: Parameters<typeof detectSecrets>[1];
  /** Record one step of a multi-step action in the audit log (false when the write failed). */
  record(f: Finding, a: FindingAction, out: Outcome): boolean;
  /** Why this process no longer holds the state lock (another process took it over), or null: asked before a write. */
  lostTo?: () => string | null;
}

/** The world as an earlier action of the same plan leaves it (see simulate.ts). */
export interface PlanWorld {
  /** agentId -> the rule whose action pauses it */
  paused: Map<string, string>;
  /** issueId -> the agent it is handed to (and the identifier, for the reason a later action is skipped) */
  handed: Map<string, { agentId: string; identifier: string }>;
  /** issueId -> the action that posts a comment on it first */
  commented: Map<string, string>;
}

export interface ActionKind {
  type: ActionType;
  /** Re-reads and writes Paperclip: skipped ("Paperclip is not connected") without a client. */
  needsPaperclip: boolean;
  /**
   * A state that can change back (someone resumes the agent clipguard paused): the ledger never skips it as
   * done, the live re-read decides.
   */
  liveState?: boolean;
  /** The idempotency key when agent, issue and comment do not identify the action (see ledgerKey). */
  ledgerKey?(f: { fingerprint: string }, p: Record<string, unknown>): string;
  /** Planning over every finding at once, before the per-finding plans (checkout: one issue per agent). */
  planBefore?(findings: Finding[], index: (f: Finding) => Subject | undefined): void;
  /** Planning over every finding at once, after them (flag: one comment per issue). */
  planAfter?(findings: Finding[]): void;
  /**
   * An outcome the ledger already decides without trying (a redaction the server refused before fails again):
   * the plan shows it, and the executor records it.
   */
  knownOutcome?(ledger: LedgerView, a: FindingAction): Outcome | null;
  /** The concrete actions for one finding: targets, details and the params the executor needs. */
  plan(f: Finding, a: FindingAction, s: Subject | undefined, limits: PlanLimits): FindingAction[];
  /** What this planned action changes for the actions after it in the same plan, or why it is moot. */
  simulate?(world: PlanWorld, f: Finding, a: FindingAction): string | null;
  /**
   * This action touches nothing another action of the same run touches (a redaction of one comment), so the
   * executor may run it beside others like it when the caller asks for that (ExecutorOptions.concurrency).
   */
  independent?(a: FindingAction): boolean;
  /** Do it, after re-reading what it acts on. */
  execute(ctx: ActionContext, f: Finding, a: FindingAction, key: string): Promise<Outcome>;
}

export const ok = (detail: string): Outcome => ({ status: 'applied', detail });
export const skip = (detail: string): Outcome => ({ status: 'skipped', detail });
export const fail = (detail: string): Outcome => ({ status: 'failed', detail });
/** A write the server refused: a 5xx is the server's fault, a 4xx this action's. */
export const failHttp = (what: string, r: { status: number; body: unknown }): Outcome => ({ status: 'failed', detail: `${what}HTTP ${r.status} ${errText(r.body)}`.trim(), serverFault: r.status >= 500 });

export function errText(body: unknown): string {
  const e = (body as { error?: unknown })?.error;
  return typeof e === 'string' ? e.slice(0, 200) : '';
}

export function truncate(s: string, n = 60): string {
  return s && s.length > n ? s.slice(0, n - 1) + '…' : (s ?? '');
}
