// Paperclip's records as clipguard reads them, each described once as a zod schema: the TypeScript type
// (`z.infer`), the runtime check of what the server sent (validate.ts) and the list of fields rules rely on
// all come from it. Not a full schema of the server: objects are loose (the server adds fields often and
// they pass through untouched); a field clipguard reads that is missing, of the wrong type or an unknown enum
// value is a problem. Each check's error text is what a `source/paperclip-schema` finding says was expected.
import * as z from 'zod';

export const AGENT_STATUSES = ['active', 'paused', 'idle', 'running', 'error', 'pending_approval', 'terminated'] as const;
export const ISSUE_STATUSES = ['backlog', 'todo', 'in_progress', 'in_review', 'done', 'blocked', 'cancelled'] as const;
export const ISSUE_PRIORITIES = ['critical', 'high', 'medium', 'low'] as const;
export const COMMENT_AUTHOR_TYPES = ['user', 'agent', 'system'] as const;
export const COMPANY_STATUSES = ['active', 'paused', 'archived'] as const;
export const BUDGET_SCOPE_TYPES = ['company', 'agent', 'project'] as const;
export const BUDGET_POLICY_STATUSES = ['ok', 'warning', 'hard_stop'] as const;
export const HEARTBEAT_RUN_STATUSES = ['queued', 'scheduled_retry', 'running', 'succeeded', 'interrupted', 'failed', 'cancelled', 'timed_out'] as const;
export const ACTIVITY_ACTOR_TYPES = ['agent', 'user', 'system', 'plugin'] as const;

// The field checks. Optional ones accept absent and null (the server omits what was never set, or sends null).
const str = z.string({ error: 'string' });
const nonEmpty = z.string({ error: 'non-empty string' }).min(1, { error: 'non-empty string' });
const optStr = z.string({ error: 'string or null' }).nullish();
const int = z.number({ error: 'integer' }).int({ error: 'integer' });
const num = z.number({ error: 'number' });
const optNum = z.number({ error: 'number' }).nullish();
const bool = z.boolean({ error: 'boolean' });
const optBool = z.boolean({ error: 'boolean' }).nullish();
const isoDate = z.string({ error: 'ISO date string' }).refine((v) => !Number.isNaN(Date.parse(v)), { error: 'ISO date string' });
const optDate = isoDate.nullish();
/** Any object: its fields are not read by rules (or are checked where they are). */
const optObj = z.looseObject({}, { error: 'object or null' }).nullish();
/**
 * A field rules may read that clipguard itself does not rely on, so it is not checked (any value passes, and
 * its type is `unknown`). `ruleShape` is what the rule validator lets a condition's path do with it
 * (src/facts/record-shapes.ts, generated from these schemas).
 */
const unchecked = (ruleShape: 'string' | 'number' | 'boolean' | 'any' = 'any') => z.unknown().optional().meta({ ruleShape });
const uncheckedAll = (names: string) => Object.fromEntries(names.split(/\s+/).filter(Boolean).map((n) => [n, unchecked()]));
const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: (issue) => (typeof issue.input === 'string' ? `one of ${values.join(', ')}` : 'string') });

export const AgentRecord = z.looseObject({
  ...uncheckedAll('urlKey title icon reportsTo capabilities adapterConfig defaultEnvironmentId permissions lastHeartbeatAt metadata orgChainHealth'),
  id: nonEmpty,
  companyId: nonEmpty,
  name: str,
  role: str,
  status: oneOf(AGENT_STATUSES),
  adapterType: unchecked('string'),
  updatedAt: unchecked('string'),
  budgetMonthlyCents: int,
  spentMonthlyCents: int,
  pauseReason: optStr,
  // budget facts (month rolled over since the pause), the paused-agent message
  pausedAt: optDate,
  errorReason: optStr,
  // dispatch-missed: idle since the last run, or since the agent was created
  createdAt: isoDate,
  // heartbeat-policy and the CEO's dispatch interval. Absent is fine (the server omits what was never set:
  // recorded agents have no intervalSec); a string "900" or "yes" would read as "no timer" and misfire.
  runtimeConfig: z
    .looseObject(
      {
        heartbeat: z
          .looseObject(
            {
              enabled: optBool,
              intervalSec: optNum,
              wakeOnDemand: optBool,
              maxConcurrentRuns: unchecked('number'),
              skipTimerWhenNoActionableWork: unchecked('boolean'),
              maxDailyRuns: unchecked('number'),
              maxDailyCostCents: unchecked('number'),
            },
            { error: 'object or null' },
          )
          .nullish(),
        modelProfiles: unchecked(),
      },
      { error: 'object or null' },
    )
    .nullish(),
});
export type Agent = z.infer<typeof AgentRecord>;

/** Each blocker in `blockedBy` (list rows read with includeBlockedBy, and GET /issues/{id}): its id and status checked. */
export const BlockerRecord = z.looseObject(
  {
    // The rest of what Paperclip sends for a blocker (services/issues.js blockedByMapForIssues): rules may read them.
    title: unchecked('string'),
    priority: unchecked('string'),
    assigneeAgentId: unchecked('string'),
    assigneeUserId: unchecked('string'),
    id: nonEmpty,
    identifier: optStr,
    status: str,
  },
  { error: 'object' },
);
export type Blocker = z.infer<typeof BlockerRecord>;

export const IssueRecord = z.looseObject({
  ...uncheckedAll(
    'projectId projectWorkspaceId goalId parentId workMode reviewPolicy checkoutRunId executionRunId executionAgentNameKey executionLockedAt createdByUserId responsibleUserId issueNumber originKind originId requestDepth billingCode assigneeAdapterOverrides executionPolicy executionWorkspaceId hiddenAt labelIds labels blocks activeRun successfulRunHandoff scheduledRetry blockerAttention productivityReview unblockDescriptor',
  ),
  id: nonEmpty,
  companyId: unchecked('string'),
  identifier: str,
  title: str,
  description: optStr,
  status: oneOf(ISSUE_STATUSES),
  priority: oneOf(ISSUE_PRIORITIES),
  assigneeAgentId: optStr,
  // assignability (an issue held by a user goes to no agent) and the blockers a checkout would refuse
  assigneeUserId: optStr,
  blockedBy: z.array(BlockerRecord, { error: 'array' }).nullish(),
  // when the issue entered its status (loops, stale work) and became blocked (blocked-without-reason)
  startedAt: optDate,
  completedAt: optDate,
  cancelledAt: optDate,
  blockedTransitionAt: optDate,
  // the evidence of a server block (server-blocked-issue)
  activeRecoveryAction: optObj,
  executionState: optObj,
  originRunId: optStr,
  descriptionTruncated: optBool,
  // who created it (ops/issue-burst: the rate of issues an agent creates)
  createdByAgentId: optStr,
  createdAt: isoDate,
  updatedAt: isoDate,
});
export type Issue = z.infer<typeof IssueRecord>;

export const CommentRecord = z.looseObject({
  ...uncheckedAll('onBehalfOfUserId derivedAuthorAgentId derivedCreatedByRunId derivedAuthorSource presentation deletedByType deletedByAgentId deletedByUserId deletedByRunId sourceTrust followUpRequested'),
  id: nonEmpty,
  companyId: unchecked('string'),
  issueId: unchecked('string'),
  updatedAt: unchecked('string'),
  body: str,
  authorType: oneOf(COMMENT_AUTHOR_TYPES),
  createdAt: isoDate,
  deletedAt: optDate,
  // who wrote it (the redacted copy names them) and the run behind a system comment (server-blocked-issue)
  authorAgentId: optStr,
  authorUserId: optStr,
  createdByRunId: optStr,
  metadata: optObj,
});
export type Comment = z.infer<typeof CommentRecord>;

export const CompanyRecord = z.looseObject({
  ...uncheckedAll(
    'description pauseReason pausedAt attachmentMaxBytes defaultResponsibleUserId requireBoardApprovalForNewAgents interactionResolverGovernance feedbackDataSharingEnabled feedbackDataSharingConsentAt feedbackDataSharingConsentByUserId feedbackDataSharingTermsVersion brandColor logoAssetId logoUrl issueCounter',
  ),
  id: nonEmpty,
  name: str,
  status: oneOf(COMPANY_STATUSES),
  issuePrefix: str,
  budgetMonthlyCents: int,
  spentMonthlyCents: int,
  createdAt: unchecked('string'),
  updatedAt: unchecked('string'),
});
export type Company = z.infer<typeof CompanyRecord>;

export const BudgetPolicyRecord = z.looseObject({
  scopeType: oneOf(BUDGET_SCOPE_TYPES),
  scopeId: nonEmpty,
  windowKind: str,
  amount: int,
  observedAmount: num,
  warnPercent: num,
  hardStopEnabled: bool,
  isActive: bool,
  status: oneOf(BUDGET_POLICY_STATUSES),
});
export type BudgetPolicy = z.infer<typeof BudgetPolicyRecord>;

// The loop, stale-work and dispatch rules read these: a run with an unknown status or a bad date would make
// a failure streak or an idle time silently wrong, so such a run is dropped and reported instead.
export const RunRecord = z.looseObject({
  id: nonEmpty,
  agentId: nonEmpty,
  status: oneOf(HEARTBEAT_RUN_STATUSES),
  createdAt: isoDate,
  startedAt: optDate,
  finishedAt: optDate,
  error: optStr,
  contextSnapshot: z.looseObject({ issueId: optStr, taskKey: optStr }, { error: 'object or null' }).nullish(),
});
export type Run = z.infer<typeof RunRecord>;

export const ActivityRecord = z.looseObject({
  id: nonEmpty,
  actorType: oneOf(ACTIVITY_ACTOR_TYPES),
  action: str,
  createdAt: isoDate,
  runId: optStr,
  details: optObj,
});
export type Activity = z.infer<typeof ActivityRecord>;

export const ROUTINE_STATUSES = ['active', 'paused', 'archived'] as const;
export const APPROVAL_STATUSES = ['pending', 'revision_requested', 'approved', 'rejected', 'cancelled'] as const;

// GET /companies/{id}/live-runs: the hard stop ends these (budget/over-stop-live-run).
export const LiveRunRecord = z.looseObject({
  id: nonEmpty,
  agentId: nonEmpty,
  status: oneOf(HEARTBEAT_RUN_STATUSES),
  createdAt: isoDate,
  startedAt: optDate,
  issueId: optStr,
});
export type LiveRun = z.infer<typeof LiveRunRecord>;

// ops/routine-without-approval: who made it, whether it runs.
export const RoutineRecord = z.looseObject({
  id: nonEmpty,
  title: str,
  status: oneOf(ROUTINE_STATUSES),
  createdByAgentId: optStr,
  createdByUserId: optStr,
  assigneeAgentId: optStr,
  createdAt: isoDate,
  triggers: z.array(z.unknown(), { error: 'array' }).nullish(),
});
export type Routine = z.infer<typeof RoutineRecord>;

// A board approval names the routine it approves in its payload (payload.routineId).
export const ApprovalRecord = z.looseObject({
  id: nonEmpty,
  type: str,
  status: oneOf(APPROVAL_STATUSES),
  payload: optObj,
  decidedByUserId: optStr,
});
export type Approval = z.infer<typeof ApprovalRecord>;

export const CostRowRecord = z.looseObject({
  agentId: nonEmpty,
  costCents: num,
});
export type CostRow = z.infer<typeof CostRowRecord>;

/** The budgets overview: a bad policy is dropped from `policies` and reported (validate.ts). */
export interface BudgetsOverview {
  policies: BudgetPolicy[];
  activeIncidents: Record<string, unknown>[];
  [field: string]: unknown;
}

export { isJsonObject, jsonObjects, type JsonObject } from './json.js';
