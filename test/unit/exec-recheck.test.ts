// A command for an unhealthy Paperclip (ops/server-health's restart) runs only if the server is still unhealthy when
// the action comes: a restart kills every heartbeat in flight (found by an adversarial review: the command ran on
// the scan's read). A stateful fake Paperclip behind the fault proxy; the command touches a file.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/load.js';
import { runScan } from '../../src/scan.js';
import { tempDir } from '../helpers/cli.js';
import { actingConfig, faultWorld } from '../helpers/fault-world.js';
import { fakeCompany, type FakeWorld } from '../helpers/paperclip-fake.js';

const { serve } = faultWorld();

async function run(unhealthyChecks: number, apply = true) {
  const w: FakeWorld = { company: fakeCompany(), agents: [], issues: [], comments: {}, activity: [] };
  const { proxy } = await serve(w);
  let checks = 0;
  proxy.decide = (r) => (r.method === 'GET' && r.path === '/api/health' && checks++ < unhealthyChecks ? { kind: 'status', status: 503, body: '{"status":"unhealthy","error":"database_unreachable"}' } : { kind: 'pass' });
  const marker = join(tempDir(), 'restarted');
  const c = actingConfig(proxy.url, { apply, overrides: { 'ops/server-health': { action: { enabled: true } } } as Config['rules']['overrides'] });
  c.actions.exec = { 'restart-paperclip': ['touch', marker] };
  const r = await runScan(c, { only: ['ops/server-health'] });
  const actions = r.report.findings.filter((f) => f.ruleId === 'ops/server-health').flatMap((f) => f.actions.map((a) => `${a.status}: ${a.detail}`));
  return { restarted: existsSync(marker), actions };
}

describe('exec for an unhealthy Paperclip re-reads its health', () => {
  it('a server healthy again at action time is not restarted, and the finding says so', async () => {
    const r = await run(1);
    expect(r.restarted).toBe(false);
    expect(r.actions).toEqual([expect.stringMatching(/^skipped: .*the server answers healthy again \(GET \/api\/health: ok\): not run/)]);
  });

  it('a server still unhealthy is restarted, as the dry-run planned', async () => {
    const dry = await run(99, false);
    expect(dry.restarted).toBe(false);
    expect(dry.actions).toEqual([expect.stringMatching(/^planned: run touch .*restarted \(unless GET \/api\/health answers ok again by then\)$/)]);
    const applied = await run(99);
    expect(applied.restarted).toBe(true);
    expect(applied.actions).toEqual([expect.stringMatching(/^applied: /)]);
  });
});
