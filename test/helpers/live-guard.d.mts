export type Call = (method: string, path: string, body?: unknown) => Promise<any>;
export interface Planted {
  before: string;
  secret: string;
  after: string;
  kind: string;
}
export function api(url: string): Call;
export function until<T>(check: () => Promise<T> | T, opts?: { timeoutMs?: number; everyMs?: number }): Promise<T | null>;
export function commentLatency(call: Call, issueId: string, planted: Planted, timeoutMs?: number): Promise<{ commentId: string; ms: number | null }>;
export function descriptionLatency(call: Call, issueId: string, planted: Planted, timeoutMs?: number): Promise<{ ms: number | null }>;
export function percentile(xs: number[], p: number): number;
export function guardRow(call: Call): Promise<any>;
export function guardData(call: Call, key: string, companyId?: string, params?: Record<string, unknown>): Promise<any>;
