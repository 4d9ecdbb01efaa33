// The data contracts of the pipeline: sources -> subjects -> engine -> findings -> planner/executor/reporters.
// Everything here is plain data (JSON-serialisable): no live handles cross a stage boundary.

export const SEVERITIES = ['info', 'warning', 'error', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

export const SUBJECT_TYPES = [
  'source',
  'company',
  'agent',
  'issue',
  'comment',
  'run',
  'routine',
  'commit',
  'diff',
  'file',
] as const;
export type SubjectType = (typeof SUBJECT_TYPES)[number];

export interface Location {
  file: string;
  line: number; // 1-based
  column: number; // 1-based, in code points (what an editor shows)
  endLine?: number;
  endColumn?: number;
}

/**
 * A typed record read from the world. `facts` holds everything rules may look at (json-rules-engine facts):
 * e.g. an agent subject has facts `agent`, `company`, `assignableIssues`, `heldIssues`.
 */
export interface Subject {
  type: SubjectType;
  id: string;
  label: string;
  /** Which source produced it ("paperclip", "git", "locales", ...). */
  source: string;
  location?: Location | null;
  facts: Record<string, unknown>;
  /** Text of the subject that inline `clipguard-ignore` comments are looked for in (files, diffs). */
  ignoreText?: string;
}

export const ACTION_TYPES = [
  'checkout',
  'release',
  'release-checkout',
  'comment',
  'pause',
  'resume',
  'redact',
  'flag',
  'reset-session',
  'exec',
  'push',
  'disable-routine',
] as const;
export type ActionType = (typeof ACTION_TYPES)[number];

export type ActionStatus = 'planned' | 'applied' | 'skipped' | 'failed';

export interface FindingAction {
  type: ActionType;
  status: ActionStatus;
  /** What the action acts on, e.g. "issue:PAP-12" or "agent:<uuid>". */
  target: string;
  detail: string;
  params?: Record<string, unknown>;
}

export interface Suppression {
  kind: 'inline' | 'waiver' | 'baseline';
  reason: string;
  expires?: string;
}

export interface Finding {
  ruleId: string;
  severity: Severity;
  title: string;
  message: string;
  subject: { type: SubjectType; id: string; label: string };
  location: Location | null;
  fingerprint: string;
  tags: string[];
  actions: FindingAction[];
  /** Why the rule fired (condition tree with fact values, secrets masked). Only with --explain. */
  explanation?: unknown;
  suppressed?: Suppression;
  /** Extra, already-masked data for reports (e.g. budget figures). */
  data?: Record<string, unknown>;
  /** A secret finding's masked value from the detector (at most 4 characters of it and an ellipsis). */
  preview?: string;
}

export interface SourceStatus {
  name: string;
  status: 'ok' | 'unavailable';
  detail: string;
}

export interface ReportSummary {
  total: number;
  suppressed: number;
  bySeverity: Record<Severity, number>;
  actions: Record<ActionStatus, number>;
  failOn: Severity;
  failed: boolean;
}

export interface BudgetRow {
  name: string;
  status?: string;
  spentCents: number;
  budgetCents: number;
  percent: number;
  warnPercent: number;
  /** The stop threshold (config `budget.stopPercent`, 100 by default): `projectedCrossDate` is when spend reaches it. */
  stopPercent: number;
  forecastCents: number;
  projectedCrossDate: string | null;
  level: string;
}

/** Budget figures for every agent (not only flagged ones): the budget report's tables and chart. */
export interface BudgetSection {
  currency: string;
  companies: (BudgetRow & { id: string; agents: BudgetRow[] })[];
}

export interface Report {
  version: 1;
  tool: { name: 'clipguard'; version: string };
  startedAt: string;
  finishedAt: string;
  mode: 'dry-run' | 'apply';
  sources: SourceStatus[];
  findings: Finding[];
  summary: ReportSummary;
  /** Present when budget rules ran. */
  budget?: BudgetSection;
}
