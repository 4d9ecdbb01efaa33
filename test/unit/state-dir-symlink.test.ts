// A checkout can plant its own `.clipguard` (the default state directory, in the work tree) as a symbolic link
// to a directory of the user's (`.clipguard -> ~/.ssh`): every acting command would then write its lock, ledger
// and audit log there. A state directory that is a link is refused before anything is written through it.
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { executeActions } from '../../src/actions/executor.js';
import { cli, tempDir } from '../helpers/cli.js';
import { gitRepo } from '../helpers/local.js';
import { execFinding } from '../helpers/exec-finding.js';

function plantedRepo(): { repo: string; victim: string } {
  const repo = gitRepo();
  const victim = join(tempDir(), 'victim');
  mkdirSync(victim);
  symlinkSync(victim, join(repo, '.clipguard'));
  return { repo, victim };
}

describe('a state directory that is a symbolic link', () => {
  it('scan --apply reports it and acts on nothing, watch --once refuses it (exit 2); nothing is written through it', () => {
    const { repo, victim } = plantedRepo();
    const env = { CLIPGUARD_STATE_DIR: '' };
    const scan = cli(['scan', '--apply', '--no-paperclip', '--lock-wait', '0', '--format', 'json'], { cwd: repo, env });
    expect(scan.code, scan.stderr).toBe(1);
    const problem = JSON.parse(scan.stdout).findings.find((f: { ruleId: string }) => f.ruleId === 'source/state-dir-unwritable');
    expect(problem?.message).toContain('is a symbolic link');
    const watch = cli(['watch', '--once'], { cwd: repo, env });
    expect(watch.code, watch.stderr).toBe(2);
    expect(watch.stderr).toContain('is a symbolic link');
    expect(readdirSync(victim)).toEqual([]);
    // A dry-run writes nothing anyway, and still works there.
    expect(cli(['scan', '--no-paperclip'], { cwd: repo, env }).code).toBe(0);
  });

  it('a real state directory holding a planted link (audit.jsonl -> a file of the user\'s) is refused the same way: the file is untouched', () => {
    for (const name of ['audit.jsonl', 'ledger.json', 'state.lock']) {
      const repo = gitRepo();
      const victim = join(tempDir(), 'bashrc');
      writeFileSync(victim, 'export PS1=ok\n');
      mkdirSync(join(repo, '.clipguard'));
      symlinkSync(victim, join(repo, '.clipguard', name));
      const scan = cli(['scan', '--apply', '--no-paperclip', '--lock-wait', '0', '--format', 'json'], { cwd: repo, env: { CLIPGUARD_STATE_DIR: '' } });
      expect(scan.code, scan.stderr).toBe(1);
      const problem = JSON.parse(scan.stdout).findings.find((f: { ruleId: string }) => f.ruleId === 'source/state-dir-unwritable');
      expect(problem?.message, name).toContain(`${name} is a symbolic link`);
      expect(readFileSync(victim, 'utf8')).toBe('export PS1=ok\n');
    }
  });

  it('the executor takes no action through it: each is skipped and the problem says why', async () => {
    const { repo, victim } = plantedRepo();
    const marker = join(tempDir(), 'ran');
    const f = execFinding(marker, { fingerprint: 'd'.repeat(32) });
    const result = await executeActions([f], { mode: 'apply', client: null, stateDir: join(repo, '.clipguard'), activityLog: false, now: new Date(), env: {} });
    expect(result.problem?.message).toContain('is a symbolic link');
    expect(f.actions[0].status).toBe('skipped');
    expect(readdirSync(victim)).toEqual([]);
    expect(() => readdirSync(marker)).toThrow();
  });
});
