// Which Paperclip event makes the live guard check what. What each event carries, on paperclipai 2026.916.1
// (server/dist/services/activity-log.js and heartbeat.js):
//
// - issue.created / issue.updated / issue.comment.created: the issue's id (entityId; a comment's issue in
//   payload.issueId when the entity is the comment) -> that issue's secret rules.
// - agent.updated: payload.changedTopLevelKeys (PATCH /api/agents/{id}, also an agent on itself); a change of
//   `status` -> the agent-in-error rule. agent.status_changed is declared by the SDK but this server never
//   publishes it (a failed run sets `error` without a plugin event): handled the same way should a server send
//   it, skipped when its payload names a status other than error.
// - agent.run.failed (failed or timed out: the run that puts an agent in error) -> the agent-in-error rule, the
//   loop rules (a failure streak) and the budget rules (the run's cost). agent.run.finished (succeeded only) ->
//   the loop rules and the budget rules. Their payload: runId, agentId, status, issueId; the rules re-read the
//   runs.
// - issue.checked_out: the issue (entityId); its payload does not say to whom (the server spreads the activity's
//   details, then overwrites their agentId with the actor's, null for a person). Checked out by a person, the board
//   or the system -> the agent-in-error rule: an agent already in error that is handed an issue gets no other event
//   (its wake-up run may never start). By an agent (as a rule, for itself: an agent that runs is not in error) ->
//   nothing, so the guard does not read the company on every checkout agents make.
// - budget.incident.opened (a soft or hard threshold crossed) and cost_event.created (declared, not published
//   by this server: POST /cost-events logs `cost.reported`) -> the budget rules, with the hard stop.
//
// The rules of agents and budgets read the whole company (agents, issues held, runs, costs, budgets, live runs):
// one task per company, coalesced, whatever agent the event names.

import type { PluginEvent } from '@paperclipai/plugin-sdk';
import { BUDGET_RULES, ERROR_RULES, LOOP_RULES } from './company-guard.js';

export const ISSUE_EVENTS = ['issue.created', 'issue.updated', 'issue.comment.created'] as const;
export const COMPANY_EVENTS = ['issue.checked_out', 'agent.updated', 'agent.status_changed', 'agent.run.failed', 'agent.run.finished', 'budget.incident.opened', 'cost_event.created'] as const;
export const GUARDED_EVENTS = [...ISSUE_EVENTS, ...COMPANY_EVENTS] as const;

export type Route = { kind: 'issue'; issueId: string } | { kind: 'company'; rules: string[] } | { kind: 'none'; why: string };

type EventLike = Pick<PluginEvent, 'eventType' | 'entityId' | 'entityType' | 'payload'> & Partial<Pick<PluginEvent, 'actorType' | 'actorId'>>;

const field = (payload: unknown, name: string): unknown => (payload && typeof payload === 'object' ? (payload as Record<string, unknown>)[name] : undefined);

export function routeEvent(e: EventLike): Route {
  switch (e.eventType) {
    case 'issue.created':
    case 'issue.updated':
    case 'issue.comment.created': {
      const fromPayload = field(e.payload, 'issueId');
      const issueId = e.entityType === 'issue' || !e.entityType ? e.entityId : typeof fromPayload === 'string' ? fromPayload : undefined;
      return issueId ? { kind: 'issue', issueId } : { kind: 'none', why: 'no issue id' };
    }
    case 'issue.checked_out':
      return e.actorType === 'agent' ? { kind: 'none', why: 'a checkout by an agent' } : { kind: 'company', rules: ERROR_RULES };
    case 'agent.updated': {
      const keys = field(e.payload, 'changedTopLevelKeys');
      return Array.isArray(keys) && keys.includes('status') ? { kind: 'company', rules: ERROR_RULES } : { kind: 'none', why: 'not a status change' };
    }
    case 'agent.status_changed': {
      const status = field(e.payload, 'status') ?? field(e.payload, 'newStatus') ?? field(e.payload, 'to');
      return typeof status === 'string' && status !== 'error' ? { kind: 'none', why: `status ${status.slice(0, 40)}` } : { kind: 'company', rules: ERROR_RULES };
    }
    case 'agent.run.failed':
      return { kind: 'company', rules: [...ERROR_RULES, ...LOOP_RULES, ...BUDGET_RULES] };
    case 'agent.run.finished':
      return { kind: 'company', rules: [...LOOP_RULES, ...BUDGET_RULES] };
    case 'budget.incident.opened':
    case 'cost_event.created':
      return { kind: 'company', rules: BUDGET_RULES };
    default:
      return { kind: 'none', why: 'not an event the guard checks' };
  }
}
