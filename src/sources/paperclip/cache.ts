// What one read of a company left behind, so that the next read (the next `watch` cycle) asks the server only
// for what changed: issues updated since the newest `updatedAt` seen (server-side `updatedSince`), and the
// comments and full descriptions of those issues only. Adding or deleting a comment bumps its issue's
// `updatedAt` on Paperclip 2026.916.1, so an issue whose `updatedAt` is unchanged has unchanged comments.
//
// The cache lives in memory only, for the life of one process: it holds ticket text (secrets included) and
// must never be written to disk. A one-off `clipguard scan` has no cache and reads everything.
//
// A full read is forced every `fullEveryMs` (default 1 h): an issue that leaves the list without a newer
// `updatedAt` (deleted, moved to another company) is only noticed by a full read.

export interface CachedCompany {
  issues: Map<string, any>;
  /** issueId -> comments as read when the issue had this updatedAt. */
  comments: Map<string, { updatedAt: string; comments: any[] }>;
  /** issueId -> full description (the list row was truncated) as read when the issue had this updatedAt. */
  descriptions: Map<string, { updatedAt: string; description: string }>;
  /** issueId -> the activity rows of a blocked issue (who blocked it), as read when it had this updatedAt. */
  activity: Map<string, { updatedAt: string; rows: any[] }>;
  /** When the last full issue list was read (ms since epoch). */
  fullAt: number;
}

/** Slack under the newest `updatedAt` seen: the server filters strictly after, at millisecond precision. */
const SINCE_SLACK_MS = 2_000;

export class PaperclipReadCache {
  private companies = new Map<string, CachedCompany>();
  readonly fullEveryMs: number;

  constructor(opts: { fullEveryMs?: number } = {}) {
    this.fullEveryMs = opts.fullEveryMs ?? 60 * 60_000;
  }

  private key(baseUrl: string, companyId: string): string {
    return `${baseUrl}\u0000${companyId}`;
  }

  /** The previous read of this company, unless there is none or a full read is due. */
  lookup(baseUrl: string, companyId: string, now: Date): CachedCompany | null {
    const c = this.companies.get(this.key(baseUrl, companyId));
    if (!c || now.getTime() - c.fullAt >= this.fullEveryMs) return null;
    return c;
  }

  store(baseUrl: string, companyId: string, entry: CachedCompany): void {
    this.companies.set(this.key(baseUrl, companyId), entry);
  }

  forget(baseUrl: string, companyId: string): void {
    this.companies.delete(this.key(baseUrl, companyId));
  }

  /** The `updatedSince` to ask with: just under the newest `updatedAt` in the cached issues (null: read all). */
  static since(c: CachedCompany): string | null {
    let max = -Infinity;
    for (const i of c.issues.values()) {
      const t = Date.parse(i.updatedAt);
      if (t > max) max = t;
    }
    return Number.isFinite(max) ? new Date(max - SINCE_SLACK_MS).toISOString() : null;
  }

  /** The cached issues with the changed ones applied (hidden ones dropped), in id order like a full list. */
  static merge(c: CachedCompany, changed: any[]): any[] {
    const next = new Map(c.issues);
    for (const i of changed) {
      if (i.hiddenAt) next.delete(i.id);
      else next.set(i.id, i);
    }
    return [...next.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}
