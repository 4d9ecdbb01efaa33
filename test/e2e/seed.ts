// Seeding helpers for e2e tests against the real Paperclip server that global-setup.ts started. Every test
// file makes its own company (unique name), so files never see each other's data.
//
// Agents are `process` agents running `true` (harmless); by default they are QUIET
// (runtimeConfig.heartbeat {enabled:false, wakeOnDemand:false}): assignments, checkouts and comments never
// wake them, so the server does not re-file their issues behind a test's back.

import { inject } from 'vitest';

export function e2eUrl(): string {
  let url: string | undefined;
  try {
    url = inject('paperclipUrl');
  } catch {
    // not inside a vitest worker
  }
  url ??= process.env.CLIPGUARD_E2E_URL;
  if (!url) throw new Error('no Paperclip URL: run through the vitest e2e project (global-setup) or set CLIPGUARD_E2E_URL');
  return url;
}

export interface Answer<T = any> {
  status: number;
  body: T;
}

export interface AgentInput {
  name?: string;
  role?: string;
  title?: string;
  /** Default true: never woken by the server. */
  quiet?: boolean;
  adapterType?: string;
  adapterConfig?: Record<string, unknown>;
  runtimeConfig?: Record<string, unknown>;
  budgetMonthlyCents?: number;
  reportsTo?: string | null;
}

export interface IssueInput {
  title?: string;
  description?: string | null;
  status?: string;
  priority?: string;
  assigneeAgentId?: string | null;
  /** Needed (or blockers) to create an issue as `blocked`; set automatically for status "blocked". */
  unblockDescriptor?: Record<string, unknown>;
  [k: string]: unknown;
}

let counter = 0;
export function unique(prefix: string): string {
  counter++;
  return `${prefix} ${Date.now().toString(36)}${process.pid.toString(36)}${counter}`;
}

export const QUIET = { heartbeat: { enabled: false, wakeOnDemand: false } } as const;

export class Seed {
  readonly api: string;

  constructor(readonly url: string = e2eUrl()) {
    this.api = `${url.replace(/\/+$/, '')}/api`;
  }

  /** Any call; returns status and parsed body (never throws on an HTTP status). */
  async call<T = any>(method: string, path: string, body?: unknown): Promise<Answer<T>> {
    const res = await fetch(`${this.api}${path}`, {
      method,
      headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: any = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = text;
    }
    return { status: res.status, body: parsed };
  }

  /** A call that must succeed (2xx); returns the body. */
  async req<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    const r = await this.call<T>(method, path, body);
    if (r.status < 200 || r.status > 299) throw new Error(`${method} ${path} -> HTTP ${r.status}: ${JSON.stringify(r.body).slice(0, 500)}`);
    return r.body;
  }

  createCompany(opts: { name?: string; budgetMonthlyCents?: number; description?: string } = {}): Promise<any> {
    return this.req('POST', '/companies', { name: opts.name ?? unique('E2E Co'), description: opts.description ?? 'clipguard e2e', budgetMonthlyCents: opts.budgetMonthlyCents ?? 0 });
  }

  createAgent(companyId: string, a: AgentInput = {}): Promise<any> {
    const quiet = a.quiet ?? true;
    return this.req('POST', `/companies/${companyId}/agents`, {
      name: a.name ?? unique('Agent'),
      role: a.role ?? 'engineer',
      title: a.title,
      reportsTo: a.reportsTo ?? undefined,
      adapterType: a.adapterType ?? 'process',
      adapterConfig: a.adapterConfig ?? { command: 'true' },
      runtimeConfig: a.runtimeConfig ?? (quiet ? QUIET : undefined),
      budgetMonthlyCents: a.budgetMonthlyCents,
    });
  }

  createIssue(companyId: string, i: IssueInput = {}): Promise<any> {
    const body: IssueInput = { title: unique('Issue'), allowDuplicate: true, ...i };
    if (body.status === 'blocked' && !body.unblockDescriptor && !body.blockedByIssueIds) body.unblockDescriptor = { owner: 'board', action: 'Unblock it (e2e seed)' };
    return this.req('POST', `/companies/${companyId}/issues`, body);
  }

  /** `n` issues, created `concurrency` at a time. */
  async createIssues(companyId: string, n: number, make: (k: number) => IssueInput = () => ({}), concurrency = 8): Promise<any[]> {
    const out: any[] = new Array(n);
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, n) }, async () => {
        while (next < n) {
          const k = next++;
          out[k] = await this.createIssue(companyId, make(k));
        }
      }),
    );
    return out;
  }

  addComment(issueId: string, body: string): Promise<any> {
    return this.req('POST', `/issues/${issueId}/comments`, { body });
  }

  /** A cost event (spend) for an agent; `occurredAt` defaults to now. Going over a hard-stop budget pauses the agent. */
  addCost(companyId: string, agentId: string, costCents: number, opts: { occurredAt?: string | Date; provider?: string; model?: string } = {}): Promise<any> {
    const occurredAt = opts.occurredAt instanceof Date ? opts.occurredAt.toISOString() : (opts.occurredAt ?? new Date().toISOString());
    return this.req('POST', `/companies/${companyId}/cost-events`, {
      agentId,
      provider: opts.provider ?? 'openai',
      model: opts.model ?? 'gpt-e2e',
      costCents,
      occurredAt,
      inputTokens: 1000,
      outputTokens: 500,
    });
  }

  /** Creates/updates the enforcing agent budget policy (not just the column). */
  setAgentBudget(agentId: string, budgetMonthlyCents: number): Promise<any> {
    return this.req('PATCH', `/agents/${agentId}/budgets`, { budgetMonthlyCents });
  }

  setCompanyBudget(companyId: string, budgetMonthlyCents: number): Promise<any> {
    return this.req('PATCH', `/companies/${companyId}/budgets`, { budgetMonthlyCents });
  }

  getAgent(id: string): Promise<any> {
    return this.req('GET', `/agents/${id}`);
  }

  getIssue(id: string): Promise<any> {
    return this.req('GET', `/issues/${id}`);
  }

  /**
   * An agent in `error`: an `http` adapter pointed at a loopback URL (the server refuses loopback targets),
   * woken once; its run fails and the agent settles in `status: "error"` with `errorReason`.
   */
  async createErrorAgent(companyId: string, opts: { name?: string; timeoutMs?: number } = {}): Promise<any> {
    const agent = await this.createAgent(companyId, {
      name: opts.name ?? unique('Broken'),
      adapterType: 'http',
      adapterConfig: { url: 'http://127.0.0.1:9/paperclip-hook' },
      runtimeConfig: { heartbeat: { enabled: false, wakeOnDemand: true } },
    });
    await this.req('POST', `/agents/${agent.id}/wakeup`, { source: 'on_demand', triggerDetail: 'manual', reason: 'e2e: make this agent fail' });
    return waitFor(
      async () => {
        const a = await this.getAgent(agent.id);
        return a.status === 'error' ? a : null;
      },
      { timeoutMs: opts.timeoutMs ?? 60_000, what: `agent ${agent.id} to reach status error` },
    );
  }
}

/** Poll `fn` until it returns a truthy value (returned), or fail after `timeoutMs`. */
export async function waitFor<T>(fn: () => Promise<T | null | undefined | false> | T | null | undefined | false, opts: { timeoutMs?: number; intervalMs?: number; what?: string } = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const intervalMs = opts.intervalMs ?? 250;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as T;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${opts.what ?? 'a condition'}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
