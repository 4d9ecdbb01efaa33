// Checklist item 5 (部署成功?): a configured URL must answer with the expected status, and contain the
// expected text, within its timeout. Against loopback HTTP servers this test starts (a deployed site, not
// Paperclip).
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkDeploy } from '../../src/sources/deploy.js';

let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/stall') return; // never answers
    if (req.url === '/moved') {
      res.writeHead(302, { location: '/' });
      return res.end();
    }
    if (req.url === '/down') {
      res.writeHead(503);
      return res.end('maintenance');
    }
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<title>Canfly</title> build 2026.11.25');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe('checkDeploy', () => {
  it('is up when the status and the text match', async () => {
    expect(await checkDeploy({ url: `${base}/`, expectText: 'build 2026.11.25' })).toMatchObject({ ok: true, httpStatus: 200, textFound: true, error: null });
  });

  it('is down when the text is missing, or the status differs (a redirect is not followed)', async () => {
    expect(await checkDeploy({ url: `${base}/`, expectText: 'build 2026.12.01' })).toMatchObject({ ok: false, httpStatus: 200, error: 'answered 200 without the text "build 2026.12.01"' });
    expect(await checkDeploy({ url: `${base}/moved` })).toMatchObject({ ok: false, httpStatus: 302, error: 'answered 302, expected 200' });
    expect(await checkDeploy({ url: `${base}/down` })).toMatchObject({ ok: false, httpStatus: 503, error: 'answered 503, expected 200' });
    expect(await checkDeploy({ url: `${base}/down`, expectStatus: 503 })).toMatchObject({ ok: true });
  });

  it('a server that does not answer within the timeout is down, and says it timed out', async () => {
    expect(await checkDeploy({ url: `${base}/stall`, timeoutMs: 300 })).toMatchObject({ ok: false, httpStatus: null, error: 'did not answer: timed out after 300 ms' });
  });

  it('a refused connection is down, with the code', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((r) => closed.close(() => r()));
    expect(await checkDeploy({ url: `http://127.0.0.1:${port}/` })).toMatchObject({ ok: false, httpStatus: null, error: 'did not answer: connection refused (ECONNREFUSED)' });
  });
});
