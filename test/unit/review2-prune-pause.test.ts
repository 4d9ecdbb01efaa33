// Review 2, FIXED (applied pause: entries are standing: never pruned by age, ledger.ts). Was (branch wt-trust, commit 797634a). DEFECT, reproduced
// with it.fails where the prune is saved (wt-trust); on main the prune is never written, so the scenario cannot
// arise there and the test does not run.
// clipguard tells its own pauses from a person's by the ledger's applied `pause:` entries (ledger.ts ledgerPauses)
// and the activity log's `clipguard.pause` entries; the server records clipguard's pause as `manual`. Before
// wt-trust those ledger entries stayed on disk for good; now Ledger.prune() forgets every non-partial entry older
// than 7 days and saves. With `paperclip.activityLog: false` (documented opt-out: nothing written to Paperclip's
// activity log), the ledger is the only record: 7 days after clipguard paused a runaway agent
// (ops/agent-self-wake-runaway, a pause "clipguard never lifts; resume it by hand once the cause is fixed"), the
// first --apply prunes the record, and the next sees a plain `manual` pause, and ops/paused-agent's resume
// (enabled, resumeReasons ["manual"]) starts the runaway agent again; a budget pause is resumed the same way
// (only the live stop check stands between).
//
// Why it matters: a safety stop is undone by clipguard itself, by the passing of time, with no change in the world.
// Suggested fix: never prune an applied `pause:` entry by age (nor what else records a standing state: a pause lasts
// until someone resumes it), or keep it while the agent's pausedAt is still the one it explains (ownPause).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Ledger } from '../../src/actions/ledger.js';
import { runScan } from '../../src/scan.js';
import { tempDir } from '../helpers/cli.js';
import { actingConfig, faultWorld, hoursAgo as ago } from '../helpers/fault-world.js';
import { fakeAgent, fakeCompany, type FakeWorld } from '../helpers/paperclip-fake.js';

const { serve } = faultWorld();

/** Does Ledger.prune() write what it forgets (wt-trust), or only drop it in memory (main)? */
function pruneSaves(): boolean {
  const file = join(tempDir(), 'ledger.json');
  writeFileSync(file, JSON.stringify({ version: 1, entries: { old: { status: 'applied', at: ago(24 * 30) } } }));
  new Ledger(file).prune();
  return !('old' in JSON.parse(readFileSync(file, 'utf8')).entries);
}

describe('review2: a pause clipguard made for a loop, 8 days on, with the activity log off', () => {
  it.runIf(pruneSaves())('is never lifted by clipguard (fails: the prune forgets it, the next run resumes the agent)', async () => {
    const co = fakeCompany();
    const pausedAt = ago(24 * 8);
    const agent = fakeAgent(co.id, 1, { status: 'paused', pauseReason: 'manual', pausedAt, createdAt: ago(24 * 30), updatedAt: pausedAt });
    const w: FakeWorld = { company: co, agents: [agent], issues: [], comments: {}, activity: [] };
    const state = join(tempDir(), 'state');
    mkdirSync(state, { recursive: true });
    const key = ['pause', agent.id, '', '', 'ops/agent-self-wake-runaway'].join(':');
    writeFileSync(join(state, 'ledger.json'), JSON.stringify({ version: 1, entries: { [key]: { status: 'applied', at: pausedAt } } }));
    const { pc } = await serve(w);
    const config = () => {
      const c = actingConfig(pc.url, { stateDir: state, overrides: { 'ops/paused-agent': { action: { enabled: true } } } });
      c.paperclip.activityLog = false;
      return c;
    };
    const resumes = (r: Awaited<ReturnType<typeof runScan>>) => r.report.findings.flatMap((f) => f.actions.filter((a) => a.type === 'resume').map((a) => a.status));
    const first = await runScan(config(), { only: ['ops'] });
    // The first run knows the pause is clipguard's, for a loop: not resumed.
    expect(resumes(first)).toEqual(['skipped']);
    const second = await runScan(config(), { only: ['ops'] });
    // Fails here: ['applied'] (the ledger record was pruned and saved by the first run).
    expect(resumes(second)).toEqual(['skipped']);
    expect(pc.writes.filter((x) => x.endsWith('/resume'))).toEqual([]);
  });
});
