// A source the user named and clipguard could not read is reported whatever `--only` selects (issue 17 item
// 5, issue 16 item 5): the CLI as a real process against real loopback servers.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cliAsync } from '../helpers/cli-async.js';
import { tempDir } from '../helpers/cli.js';
import { fakeToken } from '../helpers/fake-secrets.js';
import { serveJson, type JsonServer } from '../helpers/json-server.js';
import { sample } from '../helpers/samples.js';
import { writeTrustedConfig } from '../helpers/trust.js';
import { closedPort, gitRepo } from '../helpers/local.js';

const findingsOf = (stdout: string) => (JSON.parse(stdout).findings as { ruleId: string; severity: string; message: string; subject: { label: string } }[]).filter((f) => f.ruleId.startsWith('source/'));

let servers: JsonServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

/** A Paperclip on loopback that answers health and the company list (CAN, plus `extra`), counting requests. */
async function fakePaperclip(extra: unknown[] = []): Promise<{ url: string; paths: string[] }> {
  const paths: string[] = [];
  const company = sample('35-company-get');
  const srv = await serveJson((path) => {
    paths.push(path);
    if (path === '/api/health') return sample('01-health');
    if (path === '/api/companies') return [{ ...company, issuePrefix: 'CAN', name: 'Canfly' }, ...extra];
    return undefined;
  });
  servers.push(srv);
  return { url: srv.url, paths };
}

describe('a named Paperclip that does not answer is reported whatever --only selects', () => {
  it('--paperclip http://127.0.0.1:<closed> --only security: critical source/paperclip-unavailable, exit 1', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const r = await cliAsync(['scan', '--paperclip', url, '--only', 'security', '--format', 'json'], { cwd: gitRepo() });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const f = findingsOf(r.stdout);
    expect(f.map((x) => [x.ruleId, x.severity])).toEqual([['source/paperclip-unavailable', 'critical']]);
    expect(f[0].message).toContain('connection refused');
  });

  it('named in the environment, with --only git (no selected rule reads Paperclip): probed, reported, exit 1', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const r = await cliAsync(['scan', '--only', 'git', '--format', 'json'], { cwd: gitRepo(), env: { PAPERCLIP_API_URL: url } });
    expect(r.code).toBe(1);
    expect(findingsOf(r.stdout).map((x) => [x.ruleId, x.severity])).toEqual([['source/paperclip-unavailable', 'critical']]);
  });

  it('named in the config file, with --only i18n: reported the same way', async () => {
    const dir = gitRepo();
    writeTrustedConfig(join(dir, 'clipguard.config.json'), JSON.stringify({ paperclip: { url: `http://127.0.0.1:${await closedPort()}`, retries: 0 } }));
    const r = await cliAsync(['scan', '--only', 'i18n', '--format', 'json'], { cwd: dir, env: { PAPERCLIP_API_URL: '' } });
    expect(r.code).toBe(1);
    expect(findingsOf(r.stdout).map((x) => x.ruleId)).toEqual(['source/paperclip-unavailable']);
  });

  it('a named Paperclip that answers, with --only git: only its health and company list are read, exit 0', async () => {
    const pc = await fakePaperclip();
    const r = await cliAsync(['scan', '--paperclip', pc.url, '--only', 'git', '--format', 'json'], { cwd: gitRepo() });
    expect(r.stderr).toBe('');
    expect(findingsOf(r.stdout)).toEqual([]);
    expect(r.code).toBe(0);
    expect(pc.paths).toEqual(['/api/health', '/api/companies']);
    expect(JSON.parse(r.stdout).sources.find((s: { name: string }) => s.name === 'paperclip')).toMatchObject({ status: 'ok' });
  });

  it('--no-paperclip still reads nothing', async () => {
    const pc = await fakePaperclip();
    const r = await cliAsync(['scan', '--no-paperclip', '--only', 'git', '--format', 'json'], { cwd: gitRepo(), env: { PAPERCLIP_API_URL: pc.url } });
    expect(r.code).toBe(0);
    expect(pc.paths).toEqual([]);
  });
});

describe('a named company the server does not have (--company XYZ)', () => {
  it('is a critical source/paperclip-unavailable naming it and what the server has, exit 1, whatever --only selects', async () => {
    // Company names are anyone's text: a key, terminal escapes and a bidi override in one of them.
    const key = fakeToken('github-pat', 7);
    const hostile = { ...sample('35-company-get'), id: '11111111-1111-4111-8111-111111111111', issuePrefix: 'OPS', name: `Ops \u001b[31m${key}\u202e` };
    const pc = await fakePaperclip([hostile]);
    for (const only of [['ops'], ['git'], ['security'], []]) {
      const r = await cliAsync(['scan', '--paperclip', pc.url, '--company', 'XYZ', ...(only.length ? ['--only', ...only] : []), '--format', 'json'], { cwd: gitRepo() });
      expect(r.code, only.join()).toBe(1);
      const f = findingsOf(r.stdout);
      // Not a garbled source/paperclip-schema problem: one finding, on a subject that names the company.
      expect(f.map((x) => [x.ruleId, x.severity, x.subject.label]), only.join()).toEqual([['source/paperclip-unavailable', 'critical', 'paperclip company XYZ']]);
      expect(f[0].message).toContain('company "XYZ" is not on this server');
      expect(f[0].message).toContain('CAN (Canfly)');
      expect(f[0].message).toContain('OPS (Ops');
      expect(r.stdout).not.toContain(key);
      expect(f[0].message).not.toMatch(/[\u001b\u202e]/);
    }
  });

  it('a named company that exists is read; one of two missing is still reported', async () => {
    const pc = await fakePaperclip();
    const r = await cliAsync(['scan', '--paperclip', pc.url, '--company', 'can', 'XYZ', '--only', 'git', '--format', 'json'], { cwd: gitRepo() });
    expect(r.code).toBe(1);
    expect(findingsOf(r.stdout).map((x) => x.subject.label)).toEqual(['paperclip company XYZ']);
  });
});

describe('a named repository that is not one is reported whatever --only selects', () => {
  it('--repo <plain dir> --only security: source/git-unavailable, exit 1', async () => {
    const plain = tempDir();
    const r = await cliAsync(['scan', '--no-paperclip', '--repo', plain, '--only', 'security', '--format', 'json'], { cwd: gitRepo() });
    expect(r.code).toBe(1);
    expect(findingsOf(r.stdout).map((x) => [x.ruleId, x.severity])).toEqual([['source/git-unavailable', 'error']]);
  });
});

describe('a named locale path that cannot be read', () => {
  it('clipguard i18n <missing>: exit 2 naming the path, not an unexpected error', async () => {
    const r = await cliAsync(['i18n', 'no-such-locales/'], { cwd: tempDir() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('clipguard: no-such-locales/: cannot read it (no such file or directory)');
    expect(r.stderr).not.toContain('unexpected error');
  });
});
