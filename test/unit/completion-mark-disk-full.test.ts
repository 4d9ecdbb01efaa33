// The disk fills at the one moment review 4's fix left untested: after the completion of a half-done release +
// re-checkout wrote its audit intent, when it saves its attempt mark ("the POST is sent") before the POST
// (executor.ts resumePending: only a mark that could not be saved stops it there). A real ENOSPC on a tmpfs in a
// private mount namespace: the state dir is filled by a watcher inside the namespace when the fake server is asked
// for the agent, the completion's last read before its intent. The audit log's append still fits its last page
// (tmpfs counts whole pages); the ledger's atomic rewrite needs a new one, and fails.
//
// What must hold: no POST for a mark that is not on disk (else a lost answer could never be told from someone
// else's checkout), the entry kept as it was (no mark), the audit log's intent closed by its outcome (skipped),
// the problem named, no temporary file; and the next run, on
// a disk with room, completes it as its own fresh attempt (not "an earlier run whose answer was lost").
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runScan } from '../../src/scan.js';
import { actingConfig, faultWorld, halfDoneWorld } from '../helpers/fault-world.js';
import { tempDir } from '../helpers/cli.js';
import { canMountTmpfs, faultSetup, runInMountNs } from '../helpers/tmpfs.js';

const DIST = pathToFileURL(join(import.meta.dirname, '../../dist/')).href;
const { serve } = faultWorld();

describe.skipIf(!canMountTmpfs())('the disk full right when the completion saves its attempt mark (real ENOSPC on a tmpfs)', () => {
  it('sends no POST, keeps the entry unmarked and says why; the next run completes it', async () => {
    const { agent, issue, w, state: seeded, key } = halfDoneWorld();
    const { pc, proxy } = await serve(w);
    // The earlier run that released the issue left its audit line: the file the intent is appended to.
    writeFileSync(join(seeded, 'audit.jsonl'), `${JSON.stringify({ time: new Date().toISOString(), mode: 'apply', rule: 'ops/error-agent-holding-issue', subject: `agent:${agent.id}`, action: 'release-checkout', target: `issue:${issue.identifier}`, outcome: 'partial', detail: 'released; re-checkout not made' })}\n`);

    const work = tempDir();
    const state = join(work, 'state');
    const go = join(work, 'go');
    const filled = join(work, 'filled');
    const copy = join(work, 'after');
    // Inside the namespace: wait (at most 30 s) for the go file, then fill the tmpfs to its last page.
    const watcher = `( i=0; while [ ! -e "${go}" ] && [ $i -lt 1500 ]; do sleep 0.02; i=$((i+1)); done; [ -e "${go}" ] && dd if=/dev/zero of="${state}/.filler" bs=1k 2>/dev/null || true; touch "${filled}" ) &`;
    const setup = `${faultSetup(state, null, 256, `cp -a "${seeded}/." "${state}/"`)}\n${watcher}`;
    proxy.decide = (req) =>
      req.method === 'GET' && req.path.startsWith(`/api/agents/${agent.id}`)
        ? {
            kind: 'race',
            before: async () => {
              writeFileSync(go, '');
              for (let i = 0; i < 250 && !existsSync(filled); i++) await new Promise((r) => setTimeout(r, 20));
            },
          }
        : { kind: 'pass' };

    const script = join(work, 'scan.mjs');
    writeFileSync(
      script,
      `import { loadConfig } from '${DIST}config/load.js';
import { runScan } from '${DIST}scan.js';
const [url, state, cwd] = process.argv.slice(2);
const c = loadConfig(cwd, { noConfigFile: true, paperclip: url }, {});
Object.assign(c.paperclip, { retries: 0, timeoutMs: 5000 });
c.repos = [];
c.stateDir = state;
c.actions.apply = true;
const { report } = await runScan(c, { only: ['ops'] });
process.stdout.write(JSON.stringify(report.findings.map((f) => ({ ruleId: f.ruleId, title: f.title, message: f.message, actions: f.actions.map((a) => ({ type: a.type, status: a.status, detail: a.detail })) }))));
`,
    );
    mkdirSync(copy);
    const r = await runInMountNs(setup, [process.execPath, script, proxy.url, state, work], { after: `cp -a "${state}/." "${copy}/"; rm -f "${copy}/.filler"; ls -A "${state}"` });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(go)).toBe(true); // the fault was made, where it was meant to be
    const findings = JSON.parse(r.stdout) as { ruleId: string; title: string; message: string; actions: { type: string; status: string; detail: string }[] }[];

    // No POST: the checkout was never sent.
    expect(pc.writes.filter((x) => /checkout/.test(x))).toEqual([]);
    // The audit log holds the intent (its append fitted), then its outcome: skipped for the unsaved mark. After a
    // failed write the run writes nothing more to the state dir but the outcome of what it began (a dangling intent
    // reads "maybe done").
    const audit = readFileSync(join(copy, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(audit.map((e) => e.outcome)).toEqual(['partial', 'started', 'skipped']);
    expect(audit[1]).toMatchObject({ action: 'release-checkout', subject: `agent:${agent.id}`, detail: 'about to complete the re-checkout an earlier run left half-done' });
    expect(audit[2]).toMatchObject({ action: 'release-checkout', subject: `agent:${agent.id}` });
    expect(audit[2].detail).toMatch(/not acting: saving the idempotency ledger .*ledger\.json failed \(ENOSPC/);
    // The report says what happened: the completion skipped for the unsaved ledger, and the state dir's problem.
    const completion = findings.flatMap((f) => f.actions).filter((a) => a.type === 'release-checkout');
    expect(completion.map((a) => a.status)).toEqual(['skipped']);
    expect(completion[0].detail).toMatch(/not acting: saving the idempotency ledger .*ledger\.json failed \(ENOSPC/);
    expect(findings.filter((f) => f.ruleId === 'source/state-dir-unwritable')).toHaveLength(1);
    // The ledger on disk is the one from before: the entry kept, no attempt mark; no temporary file left.
    const ledger = JSON.parse(readFileSync(join(copy, 'ledger.json'), 'utf8'));
    expect(ledger.entries[key]).toMatchObject({ status: 'partial' });
    expect(ledger.entries[key].resume.attemptedAt).toBeUndefined();
    const listing = r.stderr.split('--after--\n')[1].split('\n').filter(Boolean);
    expect(listing.filter((f) => f.endsWith('.tmp') || f.startsWith('.probe'))).toEqual([]);

    // The next run, on a disk with room, completes it: a fresh attempt of its own, not one credited to a lost answer.
    proxy.reset();
    const second = await runScan(actingConfig(proxy.url, { stateDir: copy }), { only: ['ops'] });
    const done = second.report.findings.flatMap((f) => f.actions).filter((a) => a.type === 'release-checkout');
    expect(done.map((a) => a.status)).toEqual(['applied']);
    expect(done[0].detail).not.toMatch(/answer was lost/);
    expect(pc.writes.filter((x) => /checkout/.test(x))).toHaveLength(1);
    expect(w.issues[0]).toMatchObject({ status: 'in_progress', assigneeAgentId: agent.id });
    expect(JSON.parse(readFileSync(join(copy, 'ledger.json'), 'utf8')).entries[key]).toMatchObject({ status: 'applied' });
  }, 60_000);
});
