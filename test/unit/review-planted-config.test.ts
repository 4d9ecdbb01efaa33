// Review (stop 20), fixed (findConfigFile: not above the repository top, not another user's file): the config file is found upward from the current directory all the way to `/`
// (src/config/load.ts findConfigFile), past the repository's top and whoever owns the directories on the way. A
// clipguard.config.json another local user leaves in /tmp (world-writable) is then the config of every repository
// cloned under /tmp that has none of its own, the pre-commit hook's included; an untrusted file keeps its
// allowlists (they "only shape what a scan reports"), so `secrets.allowlist.paths: ["**"]` (or a regex that takes
// every value) turns the hook off: the commit of a key goes through, "dry-run: no findings", exit 0, and nothing
// says a config from outside the repository was read. The same for a parent checkout's config over a repository
// cloned inside it.
//
// Why it matters: "blocks leaked keys in a pre-commit hook" silently stops holding for anyone who works under a
// shared directory, on another user's say-so.
// Suggested fix: stop the upward search at the git work tree's top (the hook's repository) or at $HOME, and skip
// (saying so) a config file the user does not own or that lies in a directory others can write, as git's
// safe.directory does for repositories.
//
// The test plays /tmp with a temp directory of mode 1777; as root the planted file is given to `nobody`.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { runScan } from '../../src/scan.js';
import { cli, tempDir } from '../helpers/cli.js';
import { fakeToken } from '../helpers/fake-secrets.js';
import { fakeAgent, fakeCompany, fakeIssue, serveFakePaperclip, type FakePaperclip } from '../helpers/paperclip-fake.js';

const servers: FakePaperclip[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
const ago = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();

describe('a clipguard.config.json another user left in a shared parent directory (review)', () => {
  it("does not switch off the pre-commit hook of a repository under it", () => {
    const shared = tempDir('clipguard-review-shared-tmp-');
    chmodSync(shared, 0o1777);
    const planted = join(shared, 'clipguard.config.json');
    writeFileSync(planted, JSON.stringify({ secrets: { allowlist: { paths: ['**'] } } }));
    if (process.getuid?.() === 0) chownSync(planted, 65534, 65534);
    const repo = join(shared, 'alice', 'project');
    mkdirSync(repo, { recursive: true });
    execFileSync('git', ['init', '-q'], { cwd: repo });
    writeFileSync(join(repo, 'deploy.sh'), `export GITHUB_TOKEN=${fakeToken('github-pat', 33)}\n`);
    execFileSync('git', ['add', '.'], { cwd: repo });
    const r = cli(['precommit'], { cwd: repo });
    // Fails here: exit 0, "dry-run: no findings" (the planted allowlist took the key).
    expect({ code: r.code, out: r.stdout.trim().split('\n')[0] }).toEqual({ code: 1, out: 'CRITICAL (1)' });
  });

  // The same file, even empty, also moves the state directory there: `.clipguard` beside the config, i.e. the
  // shared directory's. Its planted ledger (not git-tracked, so refuseTrackedStateDir lets it be) then drives
  // `scan --apply`: a `partial` entry naming any issue and agent is "completed" with a checkout on the user's
  // Paperclip (and the user's audit log is written where the other user reads it).
  it("does not make a ledger another user left there drive the user's scan --apply", async () => {
    const shared = tempDir('clipguard-review-shared-tmp-');
    chmodSync(shared, 0o1777);
    writeFileSync(join(shared, 'clipguard.config.json'), '{}');
    const co = fakeCompany();
    const agent = fakeAgent(co.id, 1, { status: 'idle' });
    const issue = fakeIssue(co, 1, { title: 'Wire transfer approval', status: 'todo', assigneeAgentId: null, createdAt: ago(5), updatedAt: ago(5) });
    const pc = await serveFakePaperclip({ company: co, agents: [agent], issues: [issue], comments: {}, activity: [] });
    servers.push(pc);
    const state = join(shared, '.clipguard');
    mkdirSync(state, { mode: 0o777 });
    const params = { agentId: agent.id, issueId: issue.id, identifier: issue.identifier, stopCents: null, companyId: co.id };
    writeFileSync(join(state, 'ledger.json'), JSON.stringify({ version: 1, entries: { [`release-checkout:${agent.id}:${issue.id}:`]: { status: 'partial', at: ago(0.1), resume: { type: 'checkout-after-release', params, rule: 'ops/error-agent-holding-issue', target: `issue:${issue.identifier}`, fingerprint: 'x' } } } }));
    if (process.getuid?.() === 0) for (const f of [join(shared, 'clipguard.config.json'), state, join(state, 'ledger.json')]) chownSync(f, 65534, 65534);
    const repo = join(shared, 'alice', 'project');
    mkdirSync(repo, { recursive: true });
    execFileSync('git', ['init', '-q'], { cwd: repo });
    const config = loadConfig(repo, { paperclip: pc.url, apply: true }, {});
    Object.assign(config.paperclip, { retries: 0 });
    config.repos = [];
    const res = await runScan(config, { only: ['ops'] });
    // The planted ledger is not read: its state dir is not this scan's, and no pending completion (its finding
    // carries the half-done action's rule) is planned or made. (The idle agent does get the waiting issue, from
    // the user's own idle-agent-backlog rule: that checkout is legitimate.)
    expect(config.stateDir).toBe(join(repo, '.clipguard'));
    expect(res.report.findings.filter((f) => f.ruleId === 'ops/error-agent-holding-issue')).toEqual([]);
    expect(res.report.findings.find((f) => f.ruleId === 'ops/idle-agent-backlog')?.actions.map((a) => a.status)).toEqual(['applied']);
  });

  it('says on stderr which config it ignored, and reads it when named with --config', () => {
    const shared = tempDir('clipguard-review-shared-tmp-');
    chmodSync(shared, 0o777); // no sticky bit: anyone can replace a file there, whoever owns it
    writeFileSync(join(shared, 'clipguard.config.json'), JSON.stringify({ failOn: 'critical', secrets: { allowlist: { paths: ['**'] } } }));
    const work = join(shared, 'ops');
    mkdirSync(work);
    const ignored = cli(['rules', 'list'], { cwd: work });
    expect(ignored.code).toBe(0);
    expect(ignored.stderr).toContain(`clipguard: ignored ${join(shared, 'clipguard.config.json')}: in a folder every user can write to; to read it anyway, name it with --config`);
    expect(loadConfig(work, {}, {}).file).toBeNull();
    expect(loadConfig(work, { config: join(shared, 'clipguard.config.json') }, {}).failOn).toBe('critical');
  });

  it("a parent checkout's config is not the config of a repository cloned inside it; a subfolder of a repository still finds the repository's", () => {
    const outer = tempDir('clipguard-review-outer-');
    execFileSync('git', ['init', '-q'], { cwd: outer });
    writeFileSync(join(outer, 'clipguard.config.json'), JSON.stringify({ failOn: 'critical' }));
    const inner = join(outer, 'vendor', 'lib');
    mkdirSync(join(inner, 'src'), { recursive: true });
    execFileSync('git', ['init', '-q'], { cwd: inner });
    expect(loadConfig(join(inner, 'src'), {}, {}).file).toBeNull();
    expect(loadConfig(join(outer, 'vendor'), {}, {}).file).toBe(join(outer, 'clipguard.config.json'));
    writeFileSync(join(inner, 'clipguard.config.json'), '{}');
    expect(loadConfig(join(inner, 'src'), {}, {}).file).toBe(join(inner, 'clipguard.config.json'));
  });

  it("a state directory another user owns or every user can write in is refused, in the dry-run too", () => {
    const shared = tempDir('clipguard-review-shared-tmp-');
    chmodSync(shared, 0o1777);
    const state = join(shared, '.clipguard');
    mkdirSync(state);
    writeFileSync(join(state, 'ledger.json'), JSON.stringify({ version: 1, entries: {} }));
    chmodSync(state, 0o777);
    const r = cli(['scan', '--no-paperclip'], { cwd: shared });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`every user can write in the state directory ${state}`);
    chmodSync(state, 0o700);
    if (process.getuid?.() === 0) {
      chownSync(state, 65534, 65534);
      const owned = cli(['scan', '--no-paperclip'], { cwd: shared });
      expect(owned.code).toBe(2);
      expect(owned.stderr).toContain(`the state directory ${state} is owned by uid 65534, not you (uid 0)`);
      chownSync(state, 0, 0);
    }
    expect(cli(['scan', '--no-paperclip'], { cwd: shared }).code).toBe(0);
  });

  it("a .git another user planted in the shared folder does not make its config the repository's own", () => {
    const shared = tempDir('clipguard-review-shared-tmp-');
    chmodSync(shared, 0o777);
    mkdirSync(join(shared, '.git'));
    writeFileSync(join(shared, 'clipguard.config.json'), JSON.stringify({ secrets: { allowlist: { paths: ['**'] } } }));
    const work = join(shared, 'notes');
    mkdirSync(work);
    expect(loadConfig(work, {}, {}).file).toBeNull();
    expect(loadConfig(work, {}, {}).skippedConfigs).toEqual([`${join(shared, 'clipguard.config.json')}: in a folder every user can write to`]);
  });
});
