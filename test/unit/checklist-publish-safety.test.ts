// Publishing the daily checklist, a write to Paperclip made outside the executor, under the executor's rules: the
// kill switch stops it, and its intent is audit-logged before each write (found by an adversarial review).
import { mkdirSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { publishChecklist, runChecklist } from '../../src/checklist.js';
import { loadConfig, type Config } from '../../src/config/load.js';
import { tempDir } from '../helpers/cli.js';
import { fakeAgent, fakeCompany, fakeIssue, serveFakePaperclip, type FakePaperclip, type FakeWorld } from '../helpers/paperclip-fake.js';

const servers: FakePaperclip[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
const ago = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();

function world(): FakeWorld {
  const co = fakeCompany();
  const kit = fakeAgent(co.id, 1, { name: 'Kit', createdAt: ago(100) });
  const board = fakeIssue(co, 1, { title: 'Daily ops', status: 'todo', priority: 'low', assigneeAgentId: null, createdAt: ago(50), updatedAt: ago(50) });
  return { company: co, agents: [kit], issues: [board], comments: {}, activity: [] };
}

function config(url: string, postIssue: string): Config {
  const c = loadConfig(tempDir(), { noConfigFile: true, paperclip: url }, {});
  Object.assign(c.paperclip, { retries: 0, timeoutMs: 5_000 });
  c.repos = [];
  c.stateDir = join(tempDir(), 'state');
  c.checklist = { postIssue, postActivity: true };
  return c;
}

describe('checklist publishing', () => {
  // Was (src/checklist.ts publishChecklist): the kill switch (`.clipguard/KILL`, README "stops everything when the
  // kill switch is on"; `clipguard --help`: "CLIPGUARD_KILL_SWITCH=1 (stops all actions)") is never consulted:
  // `clipguard checklist --post-issue X --post-activity`, `watch` and the plugin's daily-checklist job still comment
  // on the issue (waking its assignee) and write activity entries while the operator has pulled the switch.
  it('writes nothing to Paperclip while the kill switch is on (KILL file in the state directory)', async () => {
    const w = world();
    const pc = await serveFakePaperclip(w);
    servers.push(pc);
    const cfg = config(pc.url, w.issues[0].identifier);
    mkdirSync(cfg.stateDir, { recursive: true });
    writeFileSync(join(cfg.stateDir, 'KILL'), '');
    const c = await runChecklist(cfg);
    const before = pc.writes.length;
    await publishChecklist(c, cfg, cfg.checklist);
    expect(pc.writes.slice(before)).toEqual([]);
  });

  it('writes nothing to Paperclip while CLIPGUARD_KILL_SWITCH=1', async () => {
    const w = world();
    const pc = await serveFakePaperclip(w);
    servers.push(pc);
    const cfg = config(pc.url, w.issues[0].identifier);
    const c = await runChecklist(cfg);
    const before = pc.writes.length;
    const old = process.env.CLIPGUARD_KILL_SWITCH;
    process.env.CLIPGUARD_KILL_SWITCH = '1';
    try {
      await publishChecklist(c, cfg, cfg.checklist);
    } finally {
      if (old === undefined) delete process.env.CLIPGUARD_KILL_SWITCH;
      else process.env.CLIPGUARD_KILL_SWITCH = old;
    }
    expect(pc.writes.slice(before)).toEqual([]);
  });

  // Was (src/checklist.ts publishChecklist `outcome`): each publication is appended to the audit log only AFTER
  // the POST (no `started` intent, no preflight open of the audit log as executor.ts openAudit does). The README
  // promises every write is audit-logged before it is made. With an audit log that cannot be appended to (here a
  // directory in its place; in life ENOSPC between the probe and the append) the comment is posted and the
  // activity entry written, and nothing records them: publishChecklist then throws EISDIR out of its catch.
  it('an audit log that takes no append means no write to Paperclip (intent before the write)', async () => {
    const w = world();
    const pc = await serveFakePaperclip(w);
    servers.push(pc);
    const cfg = config(pc.url, w.issues[0].identifier);
    const c = await runChecklist(cfg);
    mkdirSync(join(cfg.stateDir, 'audit.jsonl'), { recursive: true }); // probeStateDir passes, append fails
    const before = pc.writes.length;
    await publishChecklist(c, cfg, cfg.checklist).catch(() => undefined);
    expect(pc.writes.slice(before)).toEqual([]);
  });

  // The same order, seen in a healthy state directory: the only audit entry for the comment is its outcome; no
  // entry says it was about to be made (the executor writes `started` first, then the outcome).
  it('the audit log holds an intent (`started`) for the checklist comment, as for every executor write', async () => {
    const w = world();
    const pc = await serveFakePaperclip(w);
    servers.push(pc);
    const cfg = config(pc.url, w.issues[0].identifier);
    const c = await runChecklist(cfg);
    await publishChecklist(c, cfg, { postIssue: cfg.checklist.postIssue });
    const file = join(cfg.stateDir, 'audit.jsonl');
    expect(existsSync(file)).toBe(true);
    const outcomes = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l).outcome);
    expect(outcomes).toEqual(['started', 'applied']);
  });
});
