// The live guard's Paperclip: the reads and writes the action kinds make (ActingClient), done through the
// plugin SDK's host services from inside the server. What the SDK cannot do, it does not pretend to: a plugin
// cannot delete a comment (the host has no such service), so `deleteComment` goes to the server's REST API
// when the operator gave its URL (`paperclipUrl`, set by `clipguard plugin install`), and answers 501 with the
// reason otherwise; the redacted copy is then posted there too (see addComment). Everything else an action of another rule would need (checkout, pause, ...) is not part of
// the live guard: it throws, and the executor records the action as failed with that message.

import type { ActingClient, ActivityEntry, PaperclipClient, WriteResult } from '../sources/paperclip/client.js';
import { isJsonObject, type JsonObject } from '../sources/paperclip/json.js';

/** The part of the plugin context the guard uses (the SDK's PluginContext has these members). */
export interface GuardHost {
  issues: {
    get(issueId: string, companyId: string): Promise<unknown | null>;
    update(issueId: string, patch: Record<string, unknown>, companyId: string): Promise<unknown>;
    listComments(issueId: string, companyId: string): Promise<unknown[]>;
    createComment(issueId: string, body: string, companyId: string): Promise<unknown>;
  };
  activity: { log(entry: { companyId: string; message: string; entityType?: string; entityId?: string; metadata?: Record<string, unknown> }): Promise<void> };
}

/** An HTTP-like error the action kinds read (`status`), e.g. flag's "the issue is gone" on 404. */
class HostError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export class HostClient implements ActingClient {
  constructor(
    private readonly host: GuardHost,
    readonly companyId: string,
    /** The server's REST API (the board's reach), or null: then no comment can be deleted. */
    private readonly rest: Pick<PaperclipClient, 'deleteComment' | 'addComment'> | null,
  ) {}

  /** Whether a comment can be deleted at all (the plan says so before any copy is posted). */
  get canDeleteComments(): boolean {
    return this.rest !== null;
  }

  async getIssue(id: string): Promise<JsonObject> {
    const issue = asJson(await this.host.issues.get(id, this.companyId));
    if (!isJsonObject(issue)) throw new HostError(`issue ${id} not found in company ${this.companyId}`, 404);
    return issue;
  }

  async listComments(issueId: string): Promise<unknown[]> {
    const rows = asJson(await this.host.issues.listComments(issueId, this.companyId));
    return Array.isArray(rows) ? rows : [];
  }

  async addComment(issueId: string, body: string): Promise<WriteResult> {
    // Through the REST API when it is there: the copy is then the board's, like the original it replaces and
    // like the copy `scan --apply` posts, so either can delete an identical copy the other posted at the same
    // moment (a comment the plugin writes through its API can be deleted by no one: only its author may).
    if (this.rest) return this.rest.addComment(issueId, body);
    try {
      return { status: 201, body: await this.host.issues.createComment(issueId, body, this.companyId) };
    } catch (e) {
      // No answer from the host: the re-read in postCommentOnce decides whether it was stored.
      return { status: 502, body: { error: (e as Error).message } };
    }
  }

  async patchIssue(issueId: string, patch: Record<string, unknown>): Promise<WriteResult> {
    try {
      return { status: 200, body: await this.host.issues.update(issueId, patch, this.companyId) };
    } catch (e) {
      return { status: 502, body: { error: (e as Error).message } };
    }
  }

  async deleteComment(issueId: string, commentId: string): Promise<WriteResult> {
    if (!this.rest) return { status: 501, body: { error: 'a plugin cannot delete a comment, and no paperclipUrl is configured for the REST API' } };
    return this.rest.deleteComment(issueId, commentId);
  }

  async postActivity(companyId: string, entry: ActivityEntry): Promise<WriteResult> {
    await this.host.activity.log({ companyId, message: `${entry.action} ${entry.entityType} ${entry.entityId}`, entityType: entry.entityType, entityId: entry.entityId, metadata: entry.details });
    return { status: 201, body: null };
  }

  // Not part of the live guard (its rules redact and flag only): said, not faked.
  getAgent(): Promise<JsonObject> {
    return notHere('getAgent');
  }
  listIssues(): Promise<unknown[]> {
    return notHere('listIssues');
  }
  listHeartbeatRuns(): Promise<unknown[]> {
    return notHere('listHeartbeatRuns');
  }
  checkout(): Promise<WriteResult> {
    return notHere('checkout');
  }
  release(): Promise<WriteResult> {
    return notHere('release');
  }
  pauseAgent(): Promise<WriteResult> {
    return notHere('pauseAgent');
  }
  resumeAgent(): Promise<WriteResult> {
    return notHere('resumeAgent');
  }
  resetSession(): Promise<WriteResult> {
    return notHere('resetSession');
  }
  listLiveRuns(): Promise<unknown[]> {
    return notHere('listLiveRuns');
  }
  cancelRun(): Promise<WriteResult> {
    return notHere('cancelRun');
  }
  getRoutine(): Promise<JsonObject> {
    return notHere('getRoutine');
  }
  listApprovals(): Promise<unknown[]> {
    return notHere('listApprovals');
  }
  patchRoutine(): Promise<WriteResult> {
    return notHere('patchRoutine');
  }
  createApproval(): Promise<WriteResult> {
    return notHere('createApproval');
  }
  addApprovalComment(): Promise<WriteResult> {
    return notHere('addApprovalComment');
  }
}

/**
 * A host answer in its JSON form, as the REST API gives it (dates as ISO strings): the records then pass the same
 * schema checks as a scan's read. An in-process host (the SDK's test harness) hands over Date objects.
 */
function asJson(v: unknown): unknown {
  return v === undefined ? undefined : JSON.parse(JSON.stringify(v));
}

const notHere = (what: string): Promise<never> => Promise.reject(new Error(`${what} is not available in the live guard (its rules are the secret rules); use scan --apply or watch`));
