// The daily checklist published where the board reads it, on a REAL Paperclip: a Markdown comment on an issue
// (by identifier), an entry in the company's activity log, the same checklist never posted twice on the issue,
// a clear failure for an issue that does not exist, and the same from the `checklist` job of `watch`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cli.js';
import { cliAsync } from '../helpers/cli-async.js';
import { e2eUrl, Seed, unique } from './seed.js';
import { writeTrustedConfig } from '../helpers/trust.js';

const seed = new Seed();
let company: any;
let board: any;
let cwd: string;

beforeAll(async () => {
  company = await seed.createCompany({ name: unique('Checklist') });
  await seed.createAgent(company.id, { name: 'Kit', role: 'engineer' });
  // In review: not assignable work, so the checklist reads the same before and after the comment it posts.
  board = await seed.createIssue(company.id, { title: 'Daily ops', status: 'in_review', priority: 'low' });
  cwd = tempDir();
  writeTrustedConfig(join(cwd, 'clipguard.config.json'), JSON.stringify({ paperclip: { url: e2eUrl(), companies: [company.issuePrefix] }, repos: [], stateDir: join(cwd, 'state') }));
});

const checklistComments = async () => (await seed.req('GET', `/issues/${board.id}/comments?order=asc`)).filter((c: any) => !c.deletedAt && c.body.startsWith('## clipguard daily checklist'));
const checklistActivity = async () => (await seed.req('GET', `/companies/${company.id}/activity?entityType=company&entityId=${company.id}&limit=100`)).filter((a: any) => a.action === 'clipguard.checklist');

describe('clipguard checklist, published', () => {
  it('posts the Markdown on the issue named by its identifier and records an activity entry; a second run does not post it again', async () => {
    const r = await cliAsync(['checklist', '--post-issue', board.identifier, '--post-activity', '--format', 'json'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const items = JSON.parse(r.stdout).items;
    expect(items.map((i: any) => i.n)).toEqual([1, 2, 3, 4, 5, 6]);
    const posted = await checklistComments();
    expect(posted).toHaveLength(1);
    expect(r.stderr).toContain(`clipguard: checklist posted on ${board.identifier} (comment ${posted[0].id})`);
    expect(posted[0].body).toContain('| ✅ | 1. Every agent in a normal state');
    expect(posted[0].body.split('\n').filter((l: string) => /^\| (✅|⚠️|❌) \| \d\./.test(l))).toHaveLength(6);
    const entries = await checklistActivity();
    expect(entries).toHaveLength(1);
    expect(r.stderr).toContain(`activity entry clipguard.checklist recorded for ${company.name}`);
    expect(entries[0]).toMatchObject({ actorType: 'system', actorId: 'clipguard', entityType: 'company', entityId: company.id });
    expect(entries[0].details.items.map((i: any) => [i.n, i.status])).toEqual(items.map((i: any) => [i.n, i.status]));

    const again = await cliAsync(['checklist', '--post-issue', board.identifier], { cwd });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(`the checklist was already on ${board.identifier} (comment ${posted[0].id})`);
    expect(await checklistComments()).toHaveLength(1);

    // Every write is in the audit log, its intent before it; the second run found the checklist there and wrote nothing.
    const audit = readFileSync(join(cwd, 'state', 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(audit.map((a) => [a.action, a.target, a.outcome])).toEqual([
      ['comment', `issue:${board.identifier}`, 'started'],
      ['comment', `issue:${board.identifier}`, 'applied'],
      ['activity', `company:${company.id}`, 'started'],
      ['activity', `company:${company.id}`, 'applied'],
      ['comment', `issue:${board.identifier}`, 'skipped'],
    ]);
  });

  it('an issue that does not exist: the checklist still prints, the failure is named, exit 1', async () => {
    const r = await cliAsync(['checklist', '--post-issue', 'NOPE-99999'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('clipguard daily checklist');
    expect(r.stderr).toMatch(/clipguard: posting the checklist on NOPE-99999 failed: .*404/);
  });

  it('the checklist job of `watch --once` publishes what the config names', async () => {
    const dir = tempDir();
    writeTrustedConfig(
      join(dir, 'clipguard.config.json'),
      JSON.stringify({
        paperclip: { url: e2eUrl(), companies: [company.issuePrefix] },
        repos: [],
        stateDir: join(dir, 'state'),
        checklist: { postActivity: true },
        schedule: { jobs: [{ name: 'daily', type: 'checklist', cron: '0 9 * * *' }] },
      }),
    );
    const before = (await checklistActivity()).length;
    const r = await cliAsync(['watch', '--once', '--jitter', '0', '--log-format', 'json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const run = r.stdout.trim().split('\n').map((l) => JSON.parse(l)).find((l) => l.event === 'ok');
    expect(run.note).toContain(`activity entry clipguard.checklist recorded for ${company.name}`);
    expect(await checklistActivity()).toHaveLength(before + 1);
  });
});

// The checklist's own issue, waiting in `todo` with nobody on it (as a new user would make it): not work for
// the idle agent, and the checklist is posted on it again only when what it says changes, not its figures.
describe('the checklist issue on a real Paperclip', () => {
  let co: any;
  let kit: any;
  let ops: any;
  let dir: string;

  beforeAll(async () => {
    co = await seed.createCompany({ name: unique('ChecklistIssue') });
    kit = await seed.createAgent(co.id, { name: 'Kit', role: 'engineer' });
    await seed.addCost(co.id, kit.id, 1);
    ops = await seed.createIssue(co.id, { title: 'Daily ops checklist', status: 'todo', priority: 'medium' });
    dir = tempDir();
    writeTrustedConfig(join(dir, 'clipguard.config.json'), JSON.stringify({ paperclip: { url: e2eUrl(), companies: [co.issuePrefix] }, repos: [], stateDir: join(dir, 'state'), checklist: { postIssue: ops.identifier } }));
  });

  const posted = async () => (await seed.req('GET', `/issues/${ops.id}/comments?order=asc`)).filter((c: any) => !c.deletedAt && c.body.startsWith('## clipguard daily checklist'));
  const item = (stdout: string, n: number) => JSON.parse(stdout).items.find((i: any) => i.n === n);

  it('is not assignable work: no idle-agent finding, nothing checked out to the agent by --apply', async () => {
    const r = await cliAsync(['scan', '--only', 'ops/idle-agent-backlog', '--format', 'json', '--apply'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).findings).toEqual([]);
    expect(await seed.getIssue(ops.id)).toMatchObject({ status: 'todo', assigneeAgentId: null });
  });

  it('a cent more spent changes its text, not its substance: not posted again; new work waiting is news: posted', async () => {
    const first = await cliAsync(['checklist', '--format', 'json'], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    expect(item(first.stdout, 2).status).toBe('ok');
    expect(await posted()).toHaveLength(1);

    await seed.addCost(co.id, kit.id, 1);
    const second = await cliAsync(['checklist', '--format', 'json'], { cwd: dir });
    expect(second.code, second.stderr).toBe(0);
    expect(item(second.stdout, 3).detail).not.toBe(item(first.stdout, 3).detail);
    expect(second.stderr).toContain(`the checklist was already on ${ops.identifier}`);
    expect(await posted()).toHaveLength(1);

    await seed.createIssue(co.id, { title: 'Real work', status: 'todo', priority: 'high' });
    const third = await cliAsync(['checklist', '--format', 'json'], { cwd: dir });
    expect(third.code, third.stderr).toBe(0);
    expect(item(third.stdout, 2).status).toBe('warn');
    expect(third.stderr).toContain(`checklist posted on ${ops.identifier}`);
    expect(await posted()).toHaveLength(2);
  });
});
