// The facts each subject type offers to rules, with their shapes. The rule validator walks a condition's
// `path` through these shapes, because json-rules-engine silently yields `undefined` for a mistyped path
// and the rule would then never fire. Shapes are closed: a field not listed here is an error that names
// the nearest known field. Paperclip record fields follow ../shared/paperclip/API.md section 13.

import type { SubjectType } from '../types.js';

export type Shape =
  | 'string'
  | 'number'
  | 'boolean'
  | 'any'
  | { kind: 'object'; props: Record<string, Shape> }
  | { kind: 'array'; items: Shape }
  | { kind: 'nullable'; of: Shape };

const obj = (props: Record<string, Shape>): Shape => ({ kind: 'object', props });
const arr = (items: Shape): Shape => ({ kind: 'array', items });
const nul = (of: Shape): Shape => ({ kind: 'nullable', of });
const S = 'string' as const;
const N = 'number' as const;
const B = 'boolean' as const;
const A = 'any' as const;

function fields(names: string, shape: Shape = A): Record<string, Shape> {
  return Object.fromEntries(names.split(/\s+/).filter(Boolean).map((n) => [n, shape]));
}

export const companyShape = obj({
  ...fields(
    'description pauseReason pausedAt attachmentMaxBytes defaultResponsibleUserId requireBoardApprovalForNewAgents interactionResolverGovernance feedbackDataSharingEnabled feedbackDataSharingConsentAt feedbackDataSharingConsentByUserId feedbackDataSharingTermsVersion brandColor logoAssetId logoUrl issueCounter',
  ),
  id: S,
  name: S,
  status: S,
  issuePrefix: S,
  budgetMonthlyCents: N,
  spentMonthlyCents: N,
  createdAt: S,
  updatedAt: S,
});

export const heartbeatShape = obj({
  enabled: B,
  intervalSec: N,
  wakeOnDemand: B,
  maxConcurrentRuns: N,
  skipTimerWhenNoActionableWork: B,
  maxDailyRuns: N,
  maxDailyCostCents: N,
});

export const agentShape = obj({
  ...fields('urlKey title icon reportsTo capabilities adapterConfig defaultEnvironmentId permissions lastHeartbeatAt metadata orgChainHealth pausedAt errorReason'),
  id: S,
  companyId: S,
  name: S,
  role: S,
  status: S,
  adapterType: S,
  runtimeConfig: obj({ heartbeat: heartbeatShape, modelProfiles: A }),
  budgetMonthlyCents: N,
  spentMonthlyCents: N,
  pauseReason: nul(S),
  createdAt: S,
  updatedAt: S,
});

export const issueSummaryShape = obj({
  id: S,
  identifier: S,
  title: S,
  status: S,
  priority: S,
  assigneeAgentId: nul(S),
  createdAt: S,
  updatedAt: S,
});

export const issueShape = obj({
  ...fields(
    'projectId projectWorkspaceId goalId parentId workMode reviewPolicy assigneeUserId checkoutRunId executionRunId executionAgentNameKey executionLockedAt createdByAgentId createdByUserId responsibleUserId issueNumber originKind originId originRunId requestDepth billingCode assigneeAdapterOverrides executionPolicy executionState executionWorkspaceId startedAt completedAt cancelledAt hiddenAt labelIds labels blockedBy blocks activeRun activeRecoveryAction successfulRunHandoff scheduledRetry blockerAttention productivityReview unblockDescriptor',
  ),
  id: S,
  companyId: S,
  identifier: S,
  title: S,
  description: nul(S),
  status: S,
  priority: S,
  assigneeAgentId: nul(S),
  createdAt: S,
  updatedAt: S,
});

export const commentShape = obj({
  ...fields('onBehalfOfUserId createdByRunId derivedAuthorAgentId derivedCreatedByRunId derivedAuthorSource presentation metadata deletedByType deletedByAgentId deletedByUserId deletedByRunId sourceTrust followUpRequested'),
  id: S,
  companyId: S,
  issueId: S,
  authorType: S,
  authorAgentId: nul(S),
  authorUserId: nul(S),
  body: S,
  deletedAt: nul(S),
  createdAt: S,
  updatedAt: S,
});

const secretMatchFields = {
  kind: S,
  description: S,
  line: N,
  column: N,
  preview: S,
  inlineIgnored: B,
  ignoreRules: arr(S),
  ignoreReason: S,
};
/** Secret matches as rules see them: masked, never the secret. */
export const secretMatchShape = obj(secretMatchFields);
/** In a ticket or comment, a match also names the field it is in (title, description, body). */
export const ticketSecretMatchShape = obj({ ...secretMatchFields, field: S });

/** In a heartbeat run's log, events or record: the place (`log (stdout)`, `event 3 (adapter.invoke)`, `run result`) and the other places the same key is in. */
export const runSecretMatchShape = obj({ ...secretMatchFields, place: S, also: S });

/** A secret in an agent's configuration (sources/paperclip/agent-config.ts): where, and masked. */
export const configSecretShape = obj({ kind: S, description: S, preview: S, path: S, field: S, binding: nul(S), name: nul(S) });

export const budgetShape = obj({
  scope: S,
  level: S,
  spentCents: N,
  budgetCents: N,
  percent: N,
  warnPercent: N,
  stopPercent: N,
  spentText: S,
  budgetText: S,
  stopText: S,
  forecastText: S,
  burnPerDayText: S,
  hasPolicy: B,
  policyActive: B,
  hardStopEnabled: B,
  daysLeftInMonth: N,
  monthEnd: S,
  forecastCents: N,
  forecastPercent: N,
  projectedCrossDate: nul(S),
  burnCentsPerDay: N,
  openIncidents: N,
  monthRolledOverSincePause: B,
  /** Spend past the stop threshold (0 under it): the overrun a hard stop that came late let through. */
  overrunCents: N,
  overrunText: S,
});

/** An agent's queued and running runs (GET /companies/{id}/live-runs; sources/paperclip/live-runs.ts). */
export const liveRunsShape = obj({
  read: B,
  count: N,
  runIds: arr(S),
  runs: arr(obj({ id: S, status: S, issueId: nul(S), startedAt: nul(S), minutes: nul(N) })),
  summary: S,
});

/** Issues created in a window against a baseline (sources/paperclip/runaway.ts). */
const issueCreationProps: Record<string, Shape> = {
  windowHours: N,
  baselineDays: N,
  recent: N,
  baseline: N,
  baselinePerWindow: N,
  ratio: N,
  newest: arr(S),
};
export const issueCreationShape = obj(issueCreationProps);
export const companyIssueCreationShape = obj({ ...issueCreationProps, topCreators: arr(obj({ agentId: S, name: S, recent: N })), topCreatorsText: S });

export const routineShape = obj({
  id: S,
  title: S,
  status: S,
  assigneeAgentId: nul(S),
  createdByAgentId: nul(S),
  createdByUserId: nul(S),
  updatedByUserId: nul(S),
  createdAt: S,
  lastTriggeredAt: nul(S),
  triggerCount: N,
  schedules: arr(S),
  schedulesText: S,
});

export const zhFindingShape = obj({
  kind: S,
  char: S,
  suggestion: S,
  line: N,
  column: N,
  context: S,
  inlineIgnored: B,
  ignoreReason: S,
});

export const runShape = obj({
  id: S,
  agentId: S,
  status: S,
  issueId: nul(S),
  taskKey: nul(S),
  createdAt: S,
  finishedAt: nul(S),
  error: nul(S),
});

const common: Record<string, Shape> = {
  params: A, // rule params (defaults from the rule, overridden by config); free-form by design
  now: S,
  subject: obj({ type: S, id: S, label: S }),
};

export const FACTS: Record<SubjectType, Record<string, Shape>> = {
  source: {
    ...common,
    source: obj({
      name: S,
      kind: S,
      status: S,
      detail: S,
      url: nul(S),
      expected: B,
      health: nul(obj({ status: S, version: S, deploymentMode: S, error: S })),
      git: nul(obj({ dir: S, branch: nul(S), upstream: nul(S), ahead: N, commits: arr(obj({ sha: S, subject: S })), leakKinds: nul(arr(S)) })),
      deploy: nul(obj({ url: S, httpStatus: nul(N), expectStatus: N, textFound: B, ok: B, error: nul(S), ms: N })),
    }),
    problems: arr(obj({ entity: S, id: S, field: S, message: S })),
  },
  company: {
    ...common,
    company: companyShape,
    budget: budgetShape,
    agentCounts: obj({ total: N, idle: N, running: N, error: N, paused: N }),
    companyIssueCreation: companyIssueCreationShape,
  },
  agent: {
    ...common,
    agent: agentShape,
    company: companyShape,
    /** Secrets in the agent's adapterConfig, runtimeConfig, metadata or capabilities (masked there too). */
    configSecrets: arr(configSecretShape),
    assignableIssues: arr(issueSummaryShape),
    heldIssues: arr(issueSummaryShape),
    budget: budgetShape,
    /** For a paused agent: its pause reason and what to do about it (empty advice otherwise). */
    pause: obj({ reason: nul(S), reasonText: S, byClipguard: B, byClipguardAt: nul(S), byClipguardFor: nul(S), advice: S }),
    heartbeat: obj({ enabled: B, intervalSec: nul(N), wakeOnDemand: B }),
    recentRuns: arr(runShape),
    liveRuns: liveRunsShape,
    issueCreation: issueCreationShape,
    loop: obj({
      failedStreak: N,
      sameIssueStreak: N,
      issueId: nul(S),
      issueIdentifier: nul(S),
      runIds: arr(S),
      taskKey: nul(S),
      lastError: nul(S),
      /** Finished runs within the window, after the last reset, woken by a comment this agent wrote. */
      by: S,
      selfWakeStreak: N,
      selfWakeCommentIds: arr(S),
      reason: S,
      windowMinutes: N,
      lastResetAt: nul(S),
      coolingDown: B,
    }),
    /** Runs woken by the agent's own comments, counted across clipguard's session resets (sources/paperclip/subjects.ts selfWakeFacts). */
    selfWake: obj({
      streak: N,
      runIds: arr(S),
      commentIds: arr(S),
      issueIds: arr(S),
      issues: S,
      windowMinutes: N,
      firstAt: nul(S),
      lastAt: nul(S),
      resetsDuring: N,
    }),
    dispatchMissed: obj({
      ceoIntervalSec: N,
      thresholdMinutes: N,
      idleSince: nul(S),
      issues: arr(obj({ ...(issueSummaryShape as { props: Record<string, Shape> }).props, waitingSince: S, waitedMinutes: N })),
    }),
  },
  issue: {
    ...common,
    issue: issueShape,
    company: companyShape,
    assignee: nul(agentShape),
    blocked: obj({
      bySystem: B,
      commentsSinceBlocked: N,
      evidenceRead: B,
      blockedSince: nul(S),
      systemReason: nul(S),
      runId: nul(S),
      run: nul(obj({ id: S, agentId: S, status: S, error: nul(S), finishedAt: nul(S) })),
      runSummary: nul(S),
      waitingOn: nul(S),
    }),
    lastRunOfAssigneeAt: nul(S),
    stale: obj({ minutesWithoutAssigneeRun: nul(N), since: nul(S), lastAssigneeRunAt: nul(S), assigneeStatus: nul(S) }),
    secrets: arr(ticketSecretMatchShape),
  },
  comment: {
    ...common,
    comment: commentShape,
    issue: issueSummaryShape,
    secrets: arr(ticketSecretMatchShape),
  },
  run: {
    ...common,
    run: obj({ id: S, agentId: S, status: S, invocationSource: nul(S), issueId: nul(S), createdAt: S, startedAt: nul(S), finishedAt: nul(S), logBytes: nul(N), truncated: B }),
    agent: obj({ id: S, name: S, role: nul(S), status: nul(S) }),
    issue: nul(obj({ id: S, identifier: S, title: S, status: S, assigneeAgentId: nul(S) })),
    company: companyShape,
    /** Secrets in the run's log, events or record, masked (sources/paperclip/run-logs.ts). */
    secrets: arr(runSecretMatchShape),
  },
  routine: {
    ...common,
    routine: routineShape,
    company: companyShape,
    /** Who created the routine: an agent (with its name and role), a user, or unknown. */
    createdBy: obj({ type: S, agentId: nul(S), name: nul(S), role: nul(S) }),
    /** The newest approval naming the routine (payload.routineId); `known` false when approvals could not be read. */
    approval: obj({ known: B, approved: B, pending: B, id: nul(S), status: nul(S) }),
  },
  commit: {
    ...common,
    commit: obj({ sha: S, subject: S, message: S, author: S, date: S }),
    secrets: arr(secretMatchShape),
  },
  diff: {
    ...common,
    diff: obj({ path: S, addedLines: N }),
    secrets: arr(secretMatchShape),
  },
  file: {
    ...common,
    file: obj({ path: S, locale: nul(S), size: N }),
    zh: obj({ simplifiedInHant: arr(zhFindingShape), traditionalInHans: arr(zhFindingShape), regionalVariant: arr(zhFindingShape), japaneseForm: arr(zhFindingShape) }),
    secrets: arr(secretMatchShape),
  },
  'locale-entry': {
    ...common,
    entry: obj({ path: S, locale: S, text: S, line: N, column: N }),
    zh: arr(zhFindingShape),
  },
};

/** Walk `path` through `shape`; returns an error message, or null when the path can match. */
export function checkPathAgainstShape(shape: Shape, segments: { kind: 'prop' | 'index'; name?: string }[]): string | null {
  let cur: Shape = shape;
  const walked: string[] = ['$'];
  for (const seg of segments) {
    while (typeof cur === 'object' && cur.kind === 'nullable') cur = cur.of;
    if (cur === 'any') return null;
    if (seg.kind === 'index') {
      if (typeof cur === 'object' && cur.kind === 'array') {
        cur = cur.items;
        walked.push('[i]');
        continue;
      }
      return `${walked.join('')} is ${describe(cur)}, not an array`;
    }
    const name = seg.name as string;
    if (name === 'length' && (cur === 'string' || (typeof cur === 'object' && cur.kind === 'array'))) {
      cur = 'number';
      walked.push('.length');
      continue;
    }
    if (typeof cur === 'object' && cur.kind === 'object') {
      const next: Shape | undefined = cur.props[name];
      if (!next) {
        const known = Object.keys(cur.props);
        const hint = closest(name, known);
        return `${walked.join('')} has no field "${name}"${hint ? ` (did you mean "${hint}"?)` : ''}; known fields: ${known.slice(0, 12).join(', ')}${known.length > 12 ? ', ...' : ''}`;
      }
      cur = next;
      walked.push('.' + name);
      continue;
    }
    return `${walked.join('')} is ${describe(cur)}, it has no field "${name}"`;
  }
  return null;
}

function describe(s: Shape): string {
  if (typeof s === 'string') return `a ${s}`;
  if (s.kind === 'array') return 'an array';
  if (s.kind === 'object') return 'an object';
  return 'nullable';
}

export function closest(name: string, candidates: string[]): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = levenshtein(name.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : null;
}

/** Up to `n` candidates nearest to `name` (edit distance, within what `closest` accepts), nearest first. */
export function nearest(name: string, candidates: string[], n = 3): string[] {
  const limit = Math.max(2, Math.floor(name.length / 3));
  return [...new Set(candidates)]
    .map((c) => ({ c, d: levenshtein(name.toLowerCase(), c.toLowerCase()) }))
    .filter((x) => x.d <= limit)
    .sort((a, b) => a.d - b.d || (a.c < b.c ? -1 : 1))
    .slice(0, n)
    .map((x) => x.c);
}

function levenshtein(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0];
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j];
      dp[j] = Math.min(dp[j] + 1, dp[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length];
}
