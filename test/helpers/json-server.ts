// A loopback HTTP server that answers GETs with JSON from a route function: the body it returns, or 404 with
// Paperclip's own "API route not found" when it returns undefined. For replaying recorded Paperclip responses.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface JsonServer {
  url: string;
  close(): Promise<void>;
}

export async function serveJson(route: (path: string, url: URL) => unknown): Promise<JsonServer> {
  const server: Server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const body = route(u.pathname, u);
    res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body ?? { error: 'API route not found' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
