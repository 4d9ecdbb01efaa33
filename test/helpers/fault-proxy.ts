// A fault-injecting HTTP proxy on loopback, started by a test in front of a real server (the e2e Paperclip).
// Each request is passed to `decide`, which says what happens to it: forwarded as is, answered by the proxy
// with a status (500/502/503/429 + Retry-After, 409...), the connection reset before or after forwarding, a
// stall (headers never come), or a forwarded answer mangled (truncated, malformed JSON). Tests change
// `proxy.decide` between runs; every request and what was done to it is kept in `proxy.log`.

import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { sendHostile, type HostileBody } from './hostile-body.js';

export type Fault =
  | { kind: 'pass' }
  /** Answer without forwarding. */
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string }
  /** Destroy the client socket without forwarding (the server never sees the request). */
  | { kind: 'reset' }
  /** Forward, let the server act, then destroy the client socket instead of answering (the answer is lost). */
  | { kind: 'reset-after-forward' }
  /** Never answer (until the proxy closes). */
  | { kind: 'stall' }
  /** Forward, then send only the first half of the body, complete per content-length. */
  | { kind: 'truncate' }
  /** Forward, then replace the body with text that is not JSON. */
  | { kind: 'malformed' }
  /** Run `before` (e.g. a rival controller's write), then forward. */
  | { kind: 'race'; before: () => Promise<void> }
  /** Answer without forwarding with a body that never ends, claims a huge length or drips (./hostile-body.ts). */
  | { kind: 'hostile'; body: HostileBody };

export interface ProxiedRequest {
  method: string;
  path: string;
  body: string;
  fault: Fault['kind'];
  status?: number;
}

export type Decide = (req: { method: string; path: string; body: string; headers: IncomingMessage['headers']; n: number; writes: number }) => Fault;

export class FaultProxy {
  decide: Decide = () => ({ kind: 'pass' });
  readonly log: ProxiedRequest[] = [];
  private server: Server;
  private sockets = new Set<Socket>();
  private target: URL;
  private n = 0;
  private writes = 0;
  port = 0;

  constructor(target: string) {
    this.target = new URL(target);
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Forget counters and log (between test cases). */
  reset(decide: Decide = () => ({ kind: 'pass' })): void {
    this.decide = decide;
    this.log.length = 0;
    this.n = 0;
    this.writes = 0;
  }

  /** Requests seen, as "METHOD /path" without the query string. */
  seen(filter?: (r: ProxiedRequest) => boolean): string[] {
    return this.log.filter(filter ?? (() => true)).map((r) => `${r.method} ${r.path.split('?')[0]}`);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const isWrite = method !== 'GET' && method !== 'HEAD';
    if (isWrite) this.writes++;
    const fault = this.decide({ method, path, body, headers: req.headers, n: ++this.n, writes: this.writes });
    const entry: ProxiedRequest = { method, path, body, fault: fault.kind };
    this.log.push(entry);
    switch (fault.kind) {
      case 'status':
        entry.status = fault.status;
        res.writeHead(fault.status, { 'content-type': 'application/json', ...(fault.headers ?? {}) });
        res.end(fault.body ?? JSON.stringify({ error: `injected ${fault.status}` }));
        return;
      case 'reset':
        req.socket.destroy();
        return;
      case 'stall':
        return; // the socket is destroyed by stop()
      case 'hostile':
        sendHostile(res, fault.body);
        return;
      case 'race':
        await fault.before();
        break;
      default:
        break;
    }
    let upstream: { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer };
    try {
      upstream = await this.forward(method, path, req.headers, chunks);
    } catch {
      req.socket.destroy();
      return;
    }
    entry.status = upstream.status;
    if (fault.kind === 'reset-after-forward') {
      req.socket.destroy();
      return;
    }
    let out = upstream.body;
    if (fault.kind === 'truncate') out = out.subarray(0, Math.floor(out.length / 2));
    if (fault.kind === 'malformed') out = Buffer.from('<html><body>502 Bad Gateway (nginx)</body></html>');
    const headers = { ...upstream.headers };
    delete headers['content-length'];
    delete headers['transfer-encoding'];
    delete headers['connection'];
    delete headers['keep-alive'];
    res.writeHead(upstream.status, { ...headers, 'content-length': String(out.length) });
    res.end(out);
  }

  private forward(method: string, path: string, headers: IncomingMessage['headers'], body: Buffer[]): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const h = { ...headers, host: this.target.host };
      delete h.connection;
      const r = httpRequest({ host: this.target.hostname, port: this.target.port, method, path, headers: h, agent: false }, (up) => {
        const parts: Buffer[] = [];
        up.on('data', (c: Buffer) => parts.push(c));
        up.on('end', () => resolve({ status: up.statusCode ?? 502, headers: up.headers, body: Buffer.concat(parts) }));
        up.on('error', reject);
      });
      r.on('error', reject);
      for (const c of body) r.write(c);
      r.end();
    });
  }
}

export async function startProxy(target: string, decide?: Decide): Promise<FaultProxy> {
  const p = new FaultProxy(target);
  if (decide) p.decide = decide;
  return p.start();
}
