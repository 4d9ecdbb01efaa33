// The CLI as a newcomer meets it: --help and --version, NO_COLOR, a reader that closes the pipe early, and a
// first scan on a machine where no Paperclip is configured or running.
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { runScan } from '../../src/scan.js';
import { BIN, cli, tempDir } from '../helpers/cli.js';
import { writeTrustedConfig } from '../helpers/trust.js';
import { closedPort, gitRepo } from '../helpers/local.js';

describe('help, version, colour', () => {
  it('--version prints the package version; every command has --help that exits 0', () => {
    const pkg = JSON.parse(execFileSync('node', ['-p', 'JSON.stringify(require("./package.json"))'], { encoding: 'utf8' }));
    expect(cli(['--version']).stdout.trim()).toBe(pkg.version);
    for (const cmd of [[], ['scan'], ['rules'], ['rules', 'list'], ['rules', 'validate'], ['rules', 'test'], ['explain'], ['precommit'], ['hook'], ['i18n'], ['watch'], ['checklist']]) {
      const r = cli([...cmd, '--help']);
      expect(r.code, cmd.join(' ')).toBe(0);
      expect(r.stdout, cmd.join(' ')).toMatch(/^Usage: clipguard/);
    }
  });

  it('NO_COLOR wins over FORCE_COLOR; FORCE_COLOR colours a pipe', () => {
    const dir = gitRepo();
    const colourless = cli(['scan', '--no-paperclip'], { cwd: dir, env: { NO_COLOR: '1', FORCE_COLOR: '1' } });
    expect(colourless.stdout).toContain('git/unpushed-commits');
    expect(colourless.stdout).not.toMatch(/\x1b\[/);
    const forced = cli(['scan', '--no-paperclip'], { cwd: dir, env: { NO_COLOR: '', FORCE_COLOR: '1' } });
    expect(forced.stdout).toMatch(/\x1b\[[0-9;]+m/);
  });
});

describe('a reader that closes the pipe early (clipguard checklist --help | head -1)', () => {
  it('ends without an EPIPE stack trace and keeps its own exit code', async () => {
    const child = spawn(process.execPath, [BIN, 'checklist', '--help'], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    // Close our end before the child writes anything, as `head -1` has done by the time a late line comes.
    child.stdout.destroy();
    const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    expect(stderr).not.toMatch(/EPIPE|Unhandled 'error' event/);
    expect(code).toBe(0);
  });
});

describe('no Paperclip configured, none running', () => {
  it('is information (exit 0 on a clean repository), read with one TCP connect and no retries', async () => {
    const dir = gitRepo();
    const config = loadConfig(dir, {}, {});
    expect(config.paperclip.implicit).toBe(true);
    config.paperclip.url = `http://127.0.0.1:${await closedPort()}`;
    const { report } = await runScan(config, { only: ['source'] });
    const f = report.findings.find((x) => x.ruleId === 'source/paperclip-unavailable')!;
    expect(f.severity).toBe('info');
    expect(f.message).toMatch(/nothing listens there \(connection refused\) and no Paperclip is configured/);
    expect(report.sources.find((s) => s.name === 'paperclip')).toMatchObject({ status: 'unavailable' });
    expect(report.summary.failed).toBe(false);
  });

  it('a URL given by flag, environment or config file that does not answer is critical (exit 1)', async () => {
    const dir = gitRepo();
    const url = `http://127.0.0.1:${await closedPort()}`;
    const byEnv = cli(['scan', '--format', 'json'], { cwd: dir, env: { PAPERCLIP_API_URL: url } });
    const byFlag = cli(['scan', '--format', 'json', '--paperclip', url], { cwd: dir });
    writeTrustedConfig(join(dir, 'clipguard.config.json'), JSON.stringify({ paperclip: { url, retries: 0 } }));
    const byFile = cli(['scan', '--format', 'json'], { cwd: dir, env: { PAPERCLIP_API_URL: '' } });
    for (const [how, r] of [['env', byEnv], ['flag', byFlag], ['file', byFile]] as const) {
      expect(r.code, how).toBe(1);
      const f = JSON.parse(r.stdout).findings.find((x: any) => x.ruleId === 'source/paperclip-unavailable');
      expect(f.severity, how).toBe('critical');
    }
    for (const env of [{ PAPERCLIP_API_URL: url }, {}]) expect(loadConfig(dir, {}, { ...env, CLIPGUARD_TRUST_FILE: process.env.CLIPGUARD_TRUST_FILE }).paperclip.implicit).toBe(false);
    expect(loadConfig(tempDir(), { paperclip: url }, {}).paperclip.implicit).toBe(false);
  });

  it('--no-paperclip: the json report lists only the sources it read, each ok or unavailable', () => {
    const r = cli(['scan', '--no-paperclip', '--format', 'json'], { cwd: gitRepo() });
    const sources = JSON.parse(r.stdout).sources;
    expect(sources.map((s: any) => s.name)).toEqual(['git:.']);
    for (const s of sources) expect(['ok', 'unavailable']).toContain(s.status);
  });
});
