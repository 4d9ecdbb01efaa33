// Deployment check (handbook checklist item 5): a configured URL must answer with the expected status,
// and optionally contain a text, within a timeout.

import { request } from 'undici';

export interface DeployTarget {
  url: string;
  expectStatus?: number;
  expectText?: string;
  timeoutMs?: number;
}

export interface DeployResult {
  url: string;
  httpStatus: number | null;
  expectStatus: number;
  textFound: boolean;
  ok: boolean;
  /** What went wrong, in words: "answered 502, expected 200", "did not answer: connection refused (ECONNREFUSED)". */
  error: string | null;
  ms: number;
}

export async function checkDeploy(t: DeployTarget): Promise<DeployResult> {
  const expectStatus = t.expectStatus ?? 200;
  const started = performance.now();
  const timeout = t.timeoutMs ?? 10_000;
  try {
    const res = await request(t.url, { method: 'GET', headersTimeout: timeout, bodyTimeout: timeout, signal: AbortSignal.timeout(timeout), maxRedirections: 0 } as never);
    // Read at most 1 MB of the body: enough to find a marker text, bounded for a misbehaving server. Reading
    // stops there (the connection is dropped): a page without end must not run into the timeout and be "down".
    let body = '';
    for await (const chunk of res.body) {
      body += chunk.toString();
      if (body.length >= 1_000_000) break;
    }
    const textFound = t.expectText ? body.includes(t.expectText) : true;
    const ok = res.statusCode === expectStatus && textFound;
    const error = ok ? null : res.statusCode !== expectStatus ? `answered ${res.statusCode}, expected ${expectStatus}` : `answered ${res.statusCode} without the text ${JSON.stringify(t.expectText)}`;
    return { url: t.url, httpStatus: res.statusCode, expectStatus, textFound, ok, error, ms: Math.round(performance.now() - started) };
  } catch (e) {
    const err = e as { code?: unknown; name?: string; message: string };
    // AbortSignal.timeout rejects with a DOMException whose `code` is the number 23: say what happened.
    const why =
      err.name === 'TimeoutError' || err.code === 'UND_ERR_HEADERS_TIMEOUT' || err.code === 'UND_ERR_BODY_TIMEOUT'
        ? `timed out after ${timeout} ms`
        : err.code === 'ECONNREFUSED'
          ? 'connection refused (ECONNREFUSED)'
          : err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN'
            ? `host not found (${err.code})`
            : typeof err.code === 'string'
              ? err.code
              : err.message;
    const error = `did not answer: ${why}`;
    return { url: t.url, httpStatus: null, expectStatus, textFound: false, ok: false, error, ms: Math.round(performance.now() - started) };
  }
}
