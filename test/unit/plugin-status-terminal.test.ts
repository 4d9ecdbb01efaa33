// `clipguard plugin status` prints what a server answers through the sanitizing every report goes through
// (report/sanitize.ts oneLine): a server that lies (or kept plugin state of any shape) writes no escape sequence to
// the operator's terminal (found by an adversarial review). Needs `npm run build`.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { cliAsync } from '../helpers/cli-async.js';

let server: Server | null = null;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = null;
});

const ESC = '\u001b';
// OSC 52 (set the clipboard) and a colour, as a hostile server would send them.
const EVIL = `${ESC}]52;c;ZWNobyBwd25lZA==\u0007${ESC}[31m`;

describe('plugin status on the terminal', () => {
  // Was: plugin.version, plugin.status, company ids, kept issue identifiers, finding kinds and subjects, rule keys,
  // action types and statuses and the compliance time were written raw (only lastError and `unavailable` passed oneLine).
  it('no control character from the server reaches stdout', async () => {
    const plugin = { id: 'p1', pluginKey: 'clipguard.live-guard', version: `1.0.0${EVIL}`, status: 'ready', lastError: null };
    server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      let body: unknown = { error: 'not found' };
      let status = 200;
      if (path === '/api/plugins') body = [plugin];
      else if (path === '/api/companies') body = [{ id: `co${EVIL}` }];
      else if (path.startsWith('/api/plugins/p1/config')) body = { configJson: { apply: true } };
      else if (path === '/api/plugins/p1/data/stats') body = { data: { events: 1 } };
      else if (path === '/api/plugins/p1/data/findings') body = { data: { i1: { identifier: `LIV-1${EVIL}`, findings: [{ kind: `github-pat${EVIL}`, subject: 'issue:i1', actions: [{ type: 'redact', status: `failed${EVIL}` }] }] } } };
      else if (path === '/api/plugins/p1/data/ops') body = { data: { rules: { [`ops/x${EVIL}`]: { findings: [{ subject: `agent:a${EVIL}`, actions: [] }] } } } };
      else if (path === '/api/plugins/p1/data/compliance') body = { data: { at: `2026-01-01${EVIL}`, mode: 'apply', total: 1, bySeverity: {} } };
      else status = 404;
      const s = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(s) });
      res.end(s);
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const r = await cliAsync(['plugin', 'status', '--paperclip', url], { env: { PAPERCLIP_API_KEY: '' } });
    expect(r.stdout, r.stderr).toContain('clipguard live guard'); // it printed the status
    expect(r.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  });
});
