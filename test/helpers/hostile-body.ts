// Answers that never end, or claim to be huge, or drip: written to a real socket with backpressure, so that
// only the reader decides how much memory they cost. Used by a loopback server (unit) and by the fault
// proxy in front of the real Paperclip (e2e).
import type { ServerResponse } from 'node:http';

export type HostileBody =
  /**
   * 200 with a JSON array that goes on (up to `bytes`, default 384 MiB: "endless" to any sane reader; bounded
   * so that the test of a reader without limits cannot take the machine down). `declare`: a Content-Length
   * header with that many bytes (sent as far as `bytes`).
   */
  | { kind: 'endless'; bytes?: number; declare?: number }
  /** 200, then one byte every `everyMs` until the reader goes away. */
  | { kind: 'drip'; everyMs: number };

const CHUNK = Buffer.from('{"id":"00000000-0000-4000-8000-000000000000","title":"x"},'.repeat(1024));

export function sendHostile(res: ServerResponse, body: HostileBody): void {
  if (body.kind === 'drip') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('[');
    const t = setInterval(() => (res.destroyed ? clearInterval(t) : res.write(' ')), body.everyMs);
    res.on('close', () => clearInterval(t));
    return;
  }
  const total = body.bytes ?? 384 * 1024 * 1024;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (body.declare !== undefined) headers['content-length'] = String(body.declare);
  res.writeHead(200, headers);
  let sent = 0;
  const pump = () => {
    while (!res.destroyed && sent < total) {
      const ok = res.write(sent === 0 ? Buffer.concat([Buffer.from('['), CHUNK]) : CHUNK);
      sent += CHUNK.length;
      if (!ok) return void res.once('drain', pump);
    }
    if (!res.destroyed) res.end(body.declare === undefined ? '{}]' : undefined);
  };
  res.on('error', () => undefined);
  pump();
}
