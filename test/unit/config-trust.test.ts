// Trust in a config file (src/config/trust.ts, config/load.ts): a clipguard.config.json that came with the
// checkout does not act, run commands, receive the API key, publish or reach outside its directory until the
// user trusts that exact file; trust lives outside the repo and is lost when one byte changes or the file moves.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { addTrust, sha256Of } from '../../src/config/trust.js';
import { jobsFromConfig } from '../../src/schedule/watch.js';
import { tempDir } from '../helpers/cli.js';
import { cliAsync } from '../helpers/cli-async.js';
import { fakeToken } from '../helpers/fake-secrets.js';

interface Seen {
  method: string;
  path: string;
  authorization: string | undefined;
}

/** A loopback server that records every request (method, path, Authorization) and answers 404. */
async function recorder(): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', path: req.url ?? '', authorization: req.headers.authorization });
    req.resume();
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"error":"API route not found"}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

function gitRepo(): { dir: string; git: (...a: string[]) => string } {
  const dir = tempDir('clipguard-trust-');
  const git = (...a: string[]) => execFileSync('git', a, { cwd: dir, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e.st', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e.st' } });
  git('init', '-q', '-b', 'main');
  return { dir, git };
}

/** A rule that fires on every scan of a git repository and asks to run the command named "marker". */
const execRule = {
  id: 'git/every-scan',
  title: 'fires on every scan',
  severity: 'warning',
  subject: 'source',
  description: 'd',
  remediation: 'r',
  tags: [],
  conditions: { all: [{ fact: 'source', path: '$.kind', operator: 'equal', value: 'git' }] },
  action: { type: 'exec', enabled: true, params: { command: 'marker' } },
};

describe('a checked-in config file is not trusted until the user trusts that exact file', () => {
  let server: Awaited<ReturnType<typeof recorder>>;
  const apiKey = `k-${randomBytes(16).toString('hex')}`;
  const trustFile = join(tempDir('clipguard-trust-store-'), 'sub', 'trusted.json');
  beforeAll(async () => {
    server = await recorder();
  });
  afterAll(() => server.close());

  /** The hostile checkout: apply on, a command that creates a marker file, a pack rule that runs it, its own server. */
  function hostileCheckout() {
    const { dir, git } = gitRepo();
    const marker = join(dir, '..', `${dir.split('/').pop()}-MARKER`);
    mkdirSync(join(dir, 'policy', 'team'), { recursive: true });
    writeFileSync(join(dir, 'policy', 'team', 'every-scan.json'), JSON.stringify(execRule, null, 2));
    const config = {
      paperclip: { url: server.url },
      repos: ['.'],
      rules: { packs: ['./policy'] },
      actions: { apply: true, exec: { marker: [process.execPath, '-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran')`] } },
    };
    writeFileSync(join(dir, 'clipguard.config.json'), JSON.stringify(config, null, 2) + '\n');
    git('add', '-A');
    git('commit', '-qm', 'a checkout someone else wrote');
    return { dir, marker, configFile: join(dir, 'clipguard.config.json') };
  }

  const env = { PAPERCLIP_API_KEY: apiKey, PAPERCLIP_API_URL: '', CLIPGUARD_TRUST_FILE: trustFile, CLIPGUARD_TRUST_CONFIG_SHA256: '' };
  const keySeen = () => server.seen.filter((s) => s.authorization?.includes(apiKey)).length;

  it('plain `clipguard scan` runs no command and sends the key nowhere; after `clipguard trust` it does what the config says; one changed byte withdraws it', async () => {
    const { dir, marker, configFile } = hostileCheckout();
    const keys = keySeen();
    const scan = () => cliAsync(['scan', '--only', 'git/every-scan', 'source/', '--format', 'json'], { cwd: dir, env });

    const before = await scan();
    expect(existsSync(marker), before.stderr).toBe(false);
    expect(keySeen()).toBe(keys);
    expect(server.seen).toEqual([]);
    const report = JSON.parse(before.stdout);
    expect(report.mode).toBe('dry-run');
    expect(report.findings.find((f: any) => f.ruleId === 'git/every-scan')?.actions).toEqual([]);
    expect(before.stderr).toContain(`${configFile} is not trusted (never trusted): ignored actions.apply, actions.exec, paperclip.url`);
    expect(before.stderr).toContain('clipguard trust');
    expect(before.stderr).not.toContain(apiKey);

    const trust = await cliAsync(['trust'], { cwd: dir, env });
    expect(trust.code, trust.stderr).toBe(0);
    expect(trust.stdout).toContain(`trusted ${configFile} (sha256 ${sha256Of(readFileSync(configFile))})`);
    expect(trust.stdout).toContain('actions.exec');
    expect(statSync(trustFile).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(trustFile)).mode & 0o777).toBe(0o700);

    const trusted = await scan();
    expect(trusted.stderr).not.toContain('not trusted');
    expect(JSON.parse(trusted.stdout).mode).toBe('apply');
    expect(readFileSync(marker, 'utf8')).toBe('ran');
    expect(keySeen()).toBeGreaterThan(keys);

    rmSync(marker);
    const seenBefore = server.seen.length;
    appendFileSync(configFile, ' ');
    const changed = await scan();
    expect(existsSync(marker)).toBe(false);
    expect(server.seen.length).toBe(seenBefore);
    expect(JSON.parse(changed.stdout).mode).toBe('dry-run');
    expect(changed.stderr).toContain('is not trusted (it changed since it was trusted)');
  });

  it('`scan --apply` with an untrusted config acts, but the config\'s commands never run and its packs ask for no action', async () => {
    const { dir, marker } = hostileCheckout();
    // The user's own pack (a flag) asks for the config's command: the command is still not the config's to give.
    const own = join(tempDir(), 'own');
    mkdirSync(join(own, 'team'), { recursive: true });
    writeFileSync(join(own, 'team', 'mine.json'), JSON.stringify({ ...execRule, id: 'git/mine' }));
    const keys = keySeen();
    const r = await cliAsync(['scan', '--apply', '--rules', own, '--only', 'git/every-scan', 'git/mine', 'source/', '--format', 'json'], { cwd: dir, env });
    const report = JSON.parse(r.stdout);
    expect(report.mode).toBe('apply');
    expect(existsSync(marker)).toBe(false);
    expect(report.findings.find((f: any) => f.ruleId === 'git/every-scan').actions).toEqual([]);
    expect(report.findings.find((f: any) => f.ruleId === 'git/mine').actions[0]).toMatchObject({ type: 'exec', status: 'skipped', detail: expect.stringContaining('the config file is not trusted') });
    expect(keySeen()).toBe(keys);
    // `rules list` shows the rules as a scan runs them: the untrusted pack's rule has no action.
    const listed = JSON.parse((await cliAsync(['rules', 'list', '--json'], { cwd: dir, env })).stdout);
    expect(listed.find((r: any) => r.id === 'git/every-scan')).toMatchObject({ action: null, actions: [] });
  });

  it('CI pins the reviewed config by its hash (CLIPGUARD_TRUST_CONFIG_SHA256); a config with another hash stops the scan (exit 2)', async () => {
    const { dir, marker, configFile } = hostileCheckout();
    const sha = sha256Of(readFileSync(configFile));
    const keys = keySeen();
    const other = await cliAsync(['scan', '--only', 'git/every-scan', '--format', 'json'], { cwd: dir, env: { ...env, CLIPGUARD_TRUST_FILE: join(tempDir(), 't.json'), CLIPGUARD_TRUST_CONFIG_SHA256: sha256Of(Buffer.from('x')) } });
    expect(other.code).toBe(2);
    expect(other.stdout).toBe('');
    expect(other.stderr).toContain(`sha256 ${sha} is not the one CLIPGUARD_TRUST_CONFIG_SHA256 pins`);
    expect(existsSync(marker)).toBe(false);
    expect(keySeen()).toBe(keys);
    const pinned = await cliAsync(['scan', '--only', 'git/every-scan', '--format', 'json'], { cwd: dir, env: { ...env, CLIPGUARD_TRUST_FILE: join(tempDir(), 't.json'), CLIPGUARD_TRUST_CONFIG_SHA256: sha } });
    expect(JSON.parse(pinned.stdout).mode, pinned.stderr).toBe('apply');
    expect(readFileSync(marker, 'utf8')).toBe('ran');
    const status = await cliAsync(['trust', '--status'], { cwd: dir, env: { ...env, CLIPGUARD_TRUST_CONFIG_SHA256: sha256Of(Buffer.from('x')) } });
    expect(status.code).toBe(1);
    expect(status.stdout).toContain(`sha256 ${sha}`);
  });

  it('trust --status, --list and --revoke', async () => {
    const { dir, configFile } = hostileCheckout();
    const store = join(tempDir(), 'trusted.json');
    const e = { ...env, CLIPGUARD_TRUST_FILE: store };
    expect((await cliAsync(['trust', '--status'], { cwd: dir, env: e })).code).toBe(1);
    expect((await cliAsync(['trust', configFile], { cwd: tempDir(), env: e })).code).toBe(0);
    const status = await cliAsync(['trust', '--status'], { cwd: dir, env: e });
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('trusted (');
    expect((await cliAsync(['trust', '--list'], { cwd: dir, env: e })).stdout).toContain(`${configFile}  (ok)`);
    appendFileSync(configFile, '\n');
    expect((await cliAsync(['trust', '--list'], { cwd: dir, env: e })).stdout).toContain('changed since: not trusted');
    expect((await cliAsync(['trust', '--revoke'], { cwd: dir, env: e })).stdout).toContain('no longer trusted');
    expect(JSON.parse(readFileSync(store, 'utf8')).trusted).toEqual([]);
    const help = await cliAsync(['trust', '--help'], { cwd: dir, env: e });
    expect(help.stdout).toContain('CLIPGUARD_TRUST_CONFIG_SHA256');
  });

  it('trust shows what a config runs and where the key goes, a key in a command masked and the key variable named', async () => {
    const dir = tempDir();
    const key = fakeToken('github-pat', 93);
    const configFile = join(dir, 'clipguard.config.json');
    writeFileSync(configFile, JSON.stringify({ actions: { exec: { notify: ['curl', '-H', `Authorization: Bearer ${key}`, 'https://ops.example/hook'] } }, paperclip: { url: 'http://127.0.0.1:9', apiKeyEnv: 'OPS_PAPERCLIP_KEY' } }));
    const r = await cliAsync(['trust', configFile], { cwd: dir, env: { ...env, CLIPGUARD_TRUST_FILE: join(tempDir(), 'trusted.json') } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('actions.exec "notify": "curl" "-H" "Authorization: Bearer [REDACTED:github-pat]');
    expect(r.stdout).toContain('paperclip.apiKeyEnv (the variable whose value is sent as your API key): "OPS_PAPERCLIP_KEY"');
    expect(r.stdout + r.stderr).not.toContain(key);
  });

  it('checklist publishing (checklist.postIssue, postActivity) waits for trust, also to a server the environment names', async () => {
    const { dir, configFile } = hostileCheckout();
    writeFileSync(configFile, JSON.stringify({ checklist: { postIssue: 'OPS-1', postActivity: true } }));
    const store = join(tempDir(), 'trusted.json');
    const e = { ...env, CLIPGUARD_TRUST_FILE: store, PAPERCLIP_API_URL: server.url };
    const posts = () => server.seen.filter((s) => s.path.includes('OPS-1') || s.method !== 'GET').length;
    const before = posts();
    const keys = keySeen();
    const untrusted = await cliAsync(['checklist', '--format', 'json'], { cwd: dir, env: e });
    expect(untrusted.stderr).toContain('ignored checklist.postIssue, checklist.postActivity');
    expect(posts()).toBe(before);
    // The environment naming the user's own server needs no trust: the key goes there.
    expect(keySeen()).toBeGreaterThan(keys);
    addTrust(configFile, sha256Of(readFileSync(configFile)), { CLIPGUARD_TRUST_FILE: store });
    await cliAsync(['checklist', '--format', 'json'], { cwd: dir, env: e });
    expect(posts()).toBeGreaterThan(before);
  });
});

describe('what an untrusted config may not do (loadConfig)', () => {
  const store = () => ({ CLIPGUARD_TRUST_FILE: join(tempDir(), 'trusted.json') });
  function configDir(config: unknown): { dir: string; file: string } {
    const dir = tempDir('clipguard-trust-cfg-');
    writeFileSync(join(dir, 'clipguard.config.json'), JSON.stringify(config));
    return { dir, file: join(dir, 'clipguard.config.json') };
  }
  const trusting = (file: string, env: NodeJS.ProcessEnv) => addTrust(file, sha256Of(readFileSync(file)), env);

  it('watch: a scan job\'s "apply": true is ignored until trusted', () => {
    const env = store();
    const { dir, file } = configDir({ schedule: { jobs: [{ name: 'act', type: 'scan', cron: '*/5 * * * *', apply: true }] } });
    const untrusted = loadConfig(dir, {}, env);
    expect(untrusted.untrusted).toEqual(['schedule.jobs[0].apply']);
    expect(jobsFromConfig(untrusted)[0].apply).toBeFalsy();
    trusting(file, env);
    expect(jobsFromConfig(loadConfig(dir, {}, env))[0].apply).toBe(true);
  });

  it('watch: a scan job\'s "apply" that is not a boolean ("yes", 1) is withheld untrusted, and refused trusted: only true acts', () => {
    const env = store();
    for (const apply of ['yes', 1]) {
      const { dir, file } = configDir({ schedule: { jobs: [{ name: 'act', type: 'scan', cron: '*/5 * * * *', apply }] } });
      const untrusted = loadConfig(dir, {}, env);
      expect(untrusted.untrusted).toEqual(['schedule.jobs[0].apply']);
      expect(jobsFromConfig(untrusted)[0].apply).toBeUndefined();
      trusting(file, env);
      expect(() => jobsFromConfig(loadConfig(dir, {}, env))).toThrow(/schedule\.jobs\[0\] \(act\)\.apply: must be true or false/);
    }
  });

  it('the comment text an action posts (rules.overrides.<id>.params.comment) needs trust; other params do not', () => {
    const env = store();
    const { dir, file } = configDir({ rules: { overrides: { 'ops/blocked-without-reason': { params: { comment: 'text from the checkout' } }, 'ops/stale-in-progress': { params: { limitMinutes: 30 } } } } });
    const untrusted = loadConfig(dir, {}, env);
    expect(untrusted.untrusted).toEqual(['rules.overrides.ops/blocked-without-reason.params.comment']);
    expect(untrusted.rules.overrides['ops/blocked-without-reason']).toEqual({ params: {} });
    expect(untrusted.rules.overrides['ops/stale-in-progress']).toEqual({ params: { limitMinutes: 30 } });
    trusting(file, env);
    expect(loadConfig(dir, {}, env).rules.overrides['ops/blocked-without-reason']).toEqual({ params: { comment: 'text from the checkout' } });
  });

  it('stateDir, repos, waivers and rule packs outside the config\'s directory (also through a checked-in symlink) are ignored until trusted', () => {
    const env = store();
    const outside = tempDir('clipguard-elsewhere-');
    writeFileSync(join(outside, 'w.json'), '{"waivers": []}');
    const { dir, file } = configDir({ stateDir: '../elsewhere', repos: ['.', outside], waivers: join(outside, 'w.json'), rules: { packs: [outside] } });
    const untrusted = loadConfig(dir, {}, env);
    expect(untrusted.stateDir).toBe(join(dir, '.clipguard'));
    expect(untrusted.repos).toEqual([dir]);
    expect(untrusted.waivers).toBe(null);
    expect(untrusted.rules.packs).toEqual([]);
    expect(untrusted.untrusted).toEqual(['stateDir', 'waivers', "repos (outside the config's directory)", "rules.packs (outside the config's directory)"]);
    symlinkSync(outside, join(dir, 'state-link'));
    writeFileSync(file, JSON.stringify({ stateDir: 'state-link/deeper' }));
    expect(loadConfig(dir, {}, env).stateDir).toBe(join(dir, '.clipguard'));
    writeFileSync(file, JSON.stringify({ stateDir: 'state/inside' }));
    expect(loadConfig(dir, {}, env)).toMatchObject({ stateDir: join(dir, 'state', 'inside'), untrusted: [] });
    writeFileSync(file, JSON.stringify({ stateDir: '../elsewhere' }));
    trusting(file, env);
    expect(loadConfig(dir, {}, env)).toMatchObject({ stateDir: join(dir, '..', 'elsewhere'), untrusted: [] });
  });

  it('the key\'s env var, activity logging off, wider limits and action switches in overrides need trust; lower limits and read-only keys do not', () => {
    const env = { ...store(), OTHER_SECRET: 'x' };
    const config = {
      paperclip: { apiKeyEnv: 'OTHER_SECRET', activityLog: false, companies: ['CAN'] },
      actions: { maxPerScan: 1000, maxPerAgent: 1 },
      rules: { overrides: { 'ops/paused-agent': { severity: 'info', action: { enabled: true } }, 'security/secret-in-comment': { actions: { flag: { enabled: true } } }, 'security/secret-in-issue': { action: { enabled: false }, actions: { flag: { enabled: false } } } } },
      budget: { warnPercent: 70 },
      deploy: { urls: [{ url: 'https://example.invalid/' }] },
    };
    const { dir, file } = configDir(config);
    const c = loadConfig(dir, {}, env);
    expect(c.untrusted).toEqual(['actions.maxPerScan', 'paperclip.apiKeyEnv', 'paperclip.activityLog', 'rules.overrides.ops/paused-agent.action', 'rules.overrides.security/secret-in-comment.actions.flag']);
    expect(c.paperclip).toMatchObject({ apiKey: null, activityLog: true, companies: ['CAN'] });
    expect(c.actions).toMatchObject({ maxPerScan: 20, maxPerAgent: 1 });
    expect(c.rules.overrides['ops/paused-agent']).toEqual({ severity: 'info' });
    expect(c.rules.overrides['security/secret-in-issue']).toEqual({ action: { enabled: false }, actions: { flag: { enabled: false } } });
    expect(c.budget.warnPercent).toBe(70);
    expect(c.deploy.urls).toHaveLength(1);
    trusting(file, env);
    const t = loadConfig(dir, {}, env);
    expect(t).toMatchObject({ untrusted: [], paperclip: { apiKey: 'x', activityLog: false }, actions: { maxPerScan: 1000 } });
  });

  it('an explicit --config needs trust too; flags and the environment naming the server need none', () => {
    const env = { ...store(), PAPERCLIP_API_KEY: 'k' };
    const { file } = configDir({ paperclip: { url: 'http://evil.invalid' } });
    const cwd = tempDir();
    expect(loadConfig(cwd, { config: file }, env).paperclip.url).toBe('http://127.0.0.1:3100');
    expect(loadConfig(cwd, { config: file }, { ...env, PAPERCLIP_API_URL: 'http://127.0.0.1:4000' }).paperclip).toMatchObject({ url: 'http://127.0.0.1:4000', apiKey: 'k' });
    expect(loadConfig(cwd, { config: file, paperclip: 'http://127.0.0.1:5000', apply: true }, env)).toMatchObject({ paperclip: { url: 'http://127.0.0.1:5000' }, actions: { apply: true } });
  });

  it('a symlinked config: trust follows the real file and its bytes; the link retargeted to a copy elsewhere is not trusted', () => {
    const env = store();
    const real = configDir({ actions: { apply: true } });
    const checkout = tempDir();
    symlinkSync(real.file, join(checkout, 'clipguard.config.json'));
    expect(loadConfig(checkout, {}, env).actions.apply).toBe(false);
    trusting(join(checkout, 'clipguard.config.json'), env);
    expect(loadConfig(checkout, {}, env).actions.apply).toBe(true);
    expect(loadConfig(real.dir, {}, env).actions.apply).toBe(true);
    const copy = configDir({ actions: { apply: true } });
    rmSync(join(checkout, 'clipguard.config.json'));
    symlinkSync(copy.file, join(checkout, 'clipguard.config.json'));
    expect(loadConfig(checkout, {}, env).actions.apply).toBe(false);
  });

  it('a trust store others can write, or one that does not parse, trusts nothing', () => {
    const env = store();
    const { dir, file } = configDir({ actions: { apply: true } });
    trusting(file, env);
    expect(loadConfig(dir, {}, env).actions.apply).toBe(true);
    chmodSync(env.CLIPGUARD_TRUST_FILE, 0o666);
    expect(loadConfig(dir, {}, env)).toMatchObject({ actions: { apply: false }, untrustedReason: expect.stringContaining('writable by other users') });
    writeFileSync(env.CLIPGUARD_TRUST_FILE, '{', { mode: 0o600 });
    chmodSync(env.CLIPGUARD_TRUST_FILE, 0o600);
    expect(loadConfig(dir, {}, env).actions.apply).toBe(false);
  });
});
