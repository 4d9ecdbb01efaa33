// release-checkout: the handbook's SOP for an agent in `error` holding an issue (ops/error-agent-holding-issue):
// release the issue and check it out again to the same agent, which wakes it. Two writes: the ledger records
// the half-done state between them, and the executor completes it on the next run (resumePending).

import type { FindingAction } from '../../types.js';
import { unresolvedBlocker } from '../../sources/paperclip/model.js';
import { overStop, overStopLive, stopCents } from '../budget-stop.js';
import { errText, failHttp, ok, skip, type ActionKind } from '../kind.js';
import { CHECKOUT_FROM } from '../pending.js';
import type { Agent } from '../../sources/paperclip/records.js';
import type { IssueSummary } from '../../facts/agent-work.js';

export const releaseCheckout: ActionKind = {
  type: 'release-checkout',
  needsPaperclip: true,
  plan(_f, a, s) {
    const facts = s?.facts ?? {};
    const agent = facts.agent as Agent;
    const held = (facts.heldIssues as (IssueSummary & { waitingOn?: string })[]) ?? [];
    const why = overStop(agent?.name, facts.budget);
    return held.slice(0, 1).map((i) =>
      why || i.waitingOn
        ? ({ ...a, status: 'skipped', target: `issue:${i.identifier}`, detail: why ? `not checked out again to ${agent?.name}: ${why}` : `not released: ${i.identifier} waits for ${i.waitingOn}, so its re-checkout would be refused (422) and leave it released` } as FindingAction)
        : { ...a, target: `issue:${i.identifier}`, detail: `release ${i.identifier} and check it out again to ${agent?.name}`, params: { ...a.params, agentId: agent?.id, issueId: i.id, identifier: i.identifier, stopCents: stopCents(facts.budget) } },
    );
  },
  simulate(world, _f, a) {
    const p = a.params ?? {};
    const agentId = typeof p.agentId === 'string' ? p.agentId : null;
    const issueId = typeof p.issueId === 'string' ? p.issueId : null;
    if (agentId && world.paused.has(agentId)) return `this plan pauses the agent first (${world.paused.get(agentId)}): no work is handed to it`;
    // Two half-done re-checkouts of one issue (released from one agent, then from the next it went to): the first
    // completion hands it out, and the executor's re-read of the issue then finds it with that other agent.
    const earlier = issueId ? world.handed.get(issueId) : undefined;
    if (earlier && earlier.agentId !== agentId) return `this plan checks ${earlier.identifier} out to another agent first`;
    if (issueId && agentId) world.handed.set(issueId, { agentId, identifier: String(p.identifier ?? issueId) });
    return null;
  },
  async execute(ctx, f, a, key) {
    const client = ctx.client!;
    const p = a.params ?? {};
    const agent = await client.getAgent(String(p.agentId));
    if (agent.status === 'running') return skip('agent is running now: not disturbing its heartbeat');
    // The SOP is for an agent in error; one that recovered (idle), was paused, ... since the scan is left alone.
    if (agent.status !== 'error') return skip(`agent is ${agent.status} now, no longer in error: the world has moved, nothing to recover`);
    const over = overStopLive(agent, p);
    if (over) return skip(over);
    const issue = await client.getIssue(String(p.issueId));
    if (issue.status !== 'in_progress' || issue.assigneeAgentId !== p.agentId) return skip(`issue is ${issue.status}, assigned to ${issue.assigneeAgentId ?? 'nobody'}: nothing to recover`);
    // A blocked issue cannot be checked out again (422): releasing it would leave it released.
    const waits = unresolvedBlocker(issue);
    if (waits) return skip(`not released: it waits for ${waits.identifier ?? waits.id} (${waits.status}), so its re-checkout would be refused`);
    // Recorded before the release: the server commits a release before its activity entry, so an answer that is an
    // error (5xx) or lost does not say it was not made; the next run re-reads the issue (pending.ts issueVerdict).
    const resume = { type: 'checkout-after-release' as const, params: p, rule: f.ruleId, target: a.target, fingerprint: f.fingerprint };
    const sent = new Date().toISOString();
    ctx.ledger.set(key, { status: 'partial', at: sent, resume: { ...resume, releaseSentAt: sent } });
    if (ctx.ledger.writeError) return skip('not released: the ledger, which must record the release first, could not be saved');
    // A lock taken over during the re-reads: the new holder may be making this very release + re-checkout.
    const lost = ctx.lostTo?.();
    if (lost) return skip(`not released: ${lost}`);
    const rel = await client.release(String(p.issueId));
    if (rel.status >= 300) {
      if (rel.status < 500) ctx.ledger.delete(key); // refused: nothing was released
      return failHttp('release: ', rel);
    }
    // Between the two writes the issue is released but not re-checked-out: record that, so a crash here is
    // completed by the next run instead of leaving the issue orphaned. Marked attempted, as the completion's own
    // POST is (executor.ts resumePending): should the checkout's answer be lost, the next run knows it as its own.
    const at = new Date().toISOString();
    ctx.ledger.set(key, { status: 'partial', at, resume: { ...resume, attemptedAt: at } });
    const co = await client.checkout(String(p.issueId), String(p.agentId), CHECKOUT_FROM);
    if (co.status === 409) {
      ctx.ledger.delete(key);
      return skip('released; the re-checkout got 409: someone else took the issue');
    }
    if (co.status >= 300) {
      // A refusal (4xx) says nothing was made: no mark (a later hand-made re-checkout is not clipguard's). A 5xx does
      // not (the server commits the checkout, then writes its activity entry): the mark stays, the next run re-reads.
      if (co.status < 500) ctx.ledger.set(key, { status: 'partial', at, resume });
      return { ...failHttp('released, but checkout failed: ', co), detail: `released, but checkout failed: HTTP ${co.status} ${errText(co.body)} (will be retried next run)` };
    }
    return ok('released and checked out again to the same agent');
  },
};
