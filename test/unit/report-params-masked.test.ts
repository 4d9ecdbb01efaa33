// The json report carries each action's `params` masked like its `target` and `detail`, and no command argv (found
// by an adversarial review: the planner masked target and detail only). A key in a configured command's argv (a restart
// command with a bearer token, an exec of `curl -H "Authorization: Bearer ..."`) is masked in the detail, so
// clipguard found it, and printed whole in `params.argv` of the json report (-o report.json, the GitHub Action's json
// input, watch's kept run reports).
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config/load.js';
import { renderJson } from '../../src/report/json.js';
import { runScan } from '../../src/scan.js';
import { tempDir } from '../helpers/cli.js';
import { fakeToken } from '../helpers/fake-secrets.js';
import { FaultProxy } from '../helpers/fault-proxy.js';
import { fakeCompany, serveFakePaperclip, type FakePaperclip, type FakeWorld } from '../helpers/paperclip-fake.js';

const servers: FakePaperclip[] = [];
const proxies: FaultProxy[] = [];
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.stop()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('the json report holds no key the detail masks', () => {
  it('an exec command holding a key: masked in the detail, absent from params', async () => {
    const w: FakeWorld = { company: fakeCompany(), agents: [], issues: [], comments: {}, activity: [] };
    const pc = await serveFakePaperclip(w);
    servers.push(pc);
    const proxy = await new FaultProxy(pc.url).start();
    proxies.push(proxy);
    proxy.decide = (r) => (r.method === 'GET' && r.path === '/api/health' ? { kind: 'status', status: 200, body: '{"status":"degraded"}' } : { kind: 'pass' });
    const key = fakeToken('github-pat', 91);
    const c = loadConfig(tempDir(), { noConfigFile: true, paperclip: proxy.url }, {});
    Object.assign(c.paperclip, { retries: 0, timeoutMs: 5_000 });
    c.repos = [];
    c.stateDir = join(tempDir(), 'state');
    c.rules.overrides = { 'ops/server-health': { action: { enabled: true } } } as Config['rules']['overrides'];
    c.actions.exec = { 'restart-paperclip': ['curl', '-X', 'POST', '-H', `Authorization: Bearer ${key}`, 'https://ops.example/restart'] };
    const r = await runScan(c, { only: ['ops/server-health'] });
    const exec = r.report.findings.flatMap((f) => f.actions).find((a) => a.type === 'exec')!;
    expect(exec.status).toBe('planned');
    expect(exec.detail).not.toContain(key); // the planner found and masked it
    expect(renderJson(r.report)).not.toContain(key);
    expect(exec.params?.argv).toBeUndefined();
    expect(exec.params?.command).toBe('restart-paperclip');
  });
});
