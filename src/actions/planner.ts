// The planner turns the actions rules ask for into concrete ones: which issue goes to which idle agent (at
// most one each per scan, highest priority then oldest, never one issue to two agents, an issue assigned
// to an agent only to that agent, never to an agent at or over its budget's stop threshold), what to release,
// what to pause. It never writes anything. Its plan is what --apply does (simulate.ts): what the executor
// would skip (the ledger says done, an earlier action of the plan makes it moot) is skipped in the plan.

import type { Finding, Subject } from '../types.js';
import { maskText } from '../engine/mask.js';
import { subjectOfFinding } from '../engine/evaluate.js';
import { registeredActionTypes, actionKind, ledgerKey } from './registry.js';
import { RESUME_KEY } from './pending.js';
import { simulatePlan, skipDone, skipRepeats } from './simulate.js';
import type { PlanLimits } from './kind.js';
import type { Agent, Comment, Company } from '../sources/paperclip/records.js';

export type { PlanLimits } from './kind.js';
export { overStop } from './budget-stop.js';

type SubjectIndex = (f: Finding) => Subject | undefined;
const key = (type: string, id: string) => `${type}:${id}`;

export function planActions(findings: Finding[], subjects: Subject[], limits: PlanLimits): void {
  // The evaluator remembers each finding's subject; a finding made elsewhere (rule tests, a baseline) is
  // looked up by id. Only the subjects such findings name are indexed: a scan has hundreds of thousands.
  const unknown = findings.filter((f) => !subjectOfFinding.has(f));
  const named = new Set(unknown.map((f) => f.subject.id));
  const byKey = new Map<string, Subject>();
  if (named.size) for (const s of subjects) if (named.has(s.id)) byKey.set(key(s.type, s.id), s);
  const index: SubjectIndex = (f) => {
    const s = subjectOfFinding.get(f);
    return s && s.type === f.subject.type && s.id === f.subject.id ? s : byKey.get(key(f.subject.type, f.subject.id));
  };
  const kinds = registeredActionTypes().map(actionKind);
  for (const k of kinds) k.planBefore?.(findings, index);
  for (const f of findings) {
    if (f.suppressed) {
      f.actions = [];
      continue;
    }
    const s = index(f);
    f.actions = f.actions.flatMap((a) => actionKind(a.type).plan(f, a, s, limits));
  }
  for (const k of kinds) k.planAfter?.(findings);
  skipDone(findings, limits.ledger);
  skipCompleted(findings, limits.pending ?? []);
  skipRepeats(findings);
  for (const f of findings) {
    const facts = index(f)?.facts ?? {};
    const companyId = (facts.company as Company)?.id ?? (facts.agent as Agent)?.companyId ?? (facts.comment as Comment)?.companyId;
    for (const a of f.actions) if (companyId) a.params = { ...a.params, companyId };
  }
  applyLimits(findings, limits);
  simulatePlan([...findings, ...(limits.pending ?? [])]);
  // Targets and details quote titles and names people and agents wrote: they go to every report and the
  // audit log, so a secret in them is masked here, once, for all of them.
  for (const f of findings) for (const a of f.actions) Object.assign(a, { target: maskText(a.target), detail: maskText(a.detail) });
}

/**
 * A planned completion of a half-done release + re-checkout holds that action's ledger key as done once it is made
 * (executor.ts resumePending, before the rest): the same action planned again by its rule is skipped, as the
 * executor then skips it ("already done").
 */
function skipCompleted(findings: Finding[], pending: Finding[]): void {
  const keys = new Set(pending.flatMap((f) => f.actions.filter((a) => a.status === 'planned' && typeof a.params?.[RESUME_KEY] === 'string').map((a) => a.params![RESUME_KEY] as string)));
  if (!keys.size) return;
  for (const f of findings) {
    for (const a of f.actions) {
      if (a.status === 'planned' && keys.has(ledgerKey(f, a))) Object.assign(a, { status: 'skipped', detail: `${a.detail}; skipped: done by the completion of the half-done ${a.type} planned before it` });
    }
  }
}

/** Cap write actions per scan and per agent (blast radius); the rest are skipped, saying why. */
function applyLimits(findings: Finding[], limits: PlanLimits): void {
  let total = 0;
  const perAgent = new Map<string, number>();
  // Most severe first, so the cap keeps what matters.
  const order = ['critical', 'error', 'warning', 'info'];
  const sorted = [...findings].sort((a, b) => order.indexOf(a.severity) - order.indexOf(b.severity));
  for (const f of sorted) {
    for (const a of f.actions) {
      if (a.status !== 'planned') continue;
      const agentId = (a.params?.agentId as string) ?? (f.subject.type === 'agent' ? f.subject.id : null);
      const n = agentId ? (perAgent.get(agentId) ?? 0) : 0;
      if (total >= limits.maxPerScan) {
        Object.assign(a, { status: 'skipped', detail: `${a.detail}; skipped: limit of ${limits.maxPerScan} actions per scan (actions.maxPerScan)` });
      } else if (agentId && n >= limits.maxPerAgent) {
        Object.assign(a, { status: 'skipped', detail: `${a.detail}; skipped: limit of ${limits.maxPerAgent} actions per agent (actions.maxPerAgent)` });
      } else {
        total++;
        if (agentId) perAgent.set(agentId, n + 1);
      }
    }
  }
}
