// Every action clipguard can take, one module each (kinds/): the planner, the plan simulation and the executor
// look an action up here and hold nothing about one action themselves. A type not registered here is refused.

import { ACTION_TYPES, type ActionType } from '../types.js';
import type { ActionKind } from './kind.js';
import { checkout } from './kinds/checkout.js';
import { comment } from './kinds/comment.js';
import { disableRoutine } from './kinds/disable-routine.js';
import { exec } from './kinds/exec.js';
import { flag } from './kinds/flag.js';
import { pause } from './kinds/pause.js';
import { push } from './kinds/push.js';
import { redact } from './kinds/redact.js';
import { release } from './kinds/release.js';
import { releaseCheckout } from './kinds/release-checkout.js';
import { resetSession } from './kinds/reset-session.js';
import { resume } from './kinds/resume.js';

const KINDS: ReadonlyMap<string, ActionKind> = new Map([checkout, releaseCheckout, release, comment, pause, resume, redact, flag, resetSession, exec, push, disableRoutine].map((k) => [k.type, k]));

/** The action of a type; an unknown type is an error (rule validation refuses it first: ACTION_TYPES). */
export function actionKind(type: string): ActionKind {
  const kind = KINDS.get(type);
  if (!kind) throw new Error(`unknown action type "${type}" (known: ${[...KINDS.keys()].join(', ')})`);
  return kind;
}

export function registeredActionTypes(): ActionType[] {
  return [...KINDS.keys()] as ActionType[];
}

// The rule format's list (types.ts, the data contract rules are validated against) and the registry agree.
if (registeredActionTypes().length !== ACTION_TYPES.length || !ACTION_TYPES.every((t) => KINDS.has(t))) {
  throw new Error(`actions/registry.ts and ACTION_TYPES disagree: ${registeredActionTypes().join(',')} vs ${ACTION_TYPES.join(',')}`);
}

/**
 * The idempotency key of an action: its module's own when agent, issue and comment do not identify it (a
 * command, a push, a flag, a session reset for a task), else type, agent, issue and comment.
 */
export function ledgerKey(f: { fingerprint: string }, a: { type: string; params?: Record<string, unknown> }): string {
  const p = a.params ?? {};
  const own = KINDS.get(a.type)?.ledgerKey;
  return own ? own(f, p) : [a.type, p.agentId ?? '', p.issueId ?? '', p.commentId ?? ''].join(':');
}
