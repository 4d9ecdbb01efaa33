// Review 2, FIXED (baseDir is now the real file's folder; src/config/load.ts loadConfig, was `baseDir = dirname(file)`). DEFECT,
// reproduced with it.fails:
// Trust follows a symlinked config to its real file (trustOf(realpath, sha256): by design, config-trust.test.ts),
// but every relative path in it (rules.packs, repos, stateDir, waivers) is resolved against the directory of the
// LINK, not of the real file. A checkout can ship `clipguard.config.json -> /home/alice/ops/clipguard.config.json`
// (git stores symlinks with any target; the link is the user's own file, so notTheUsers accepts it, and the real
// file is the user's, trusted): it then runs with that file's trust (actions.apply, actions.exec commands,
// paperclip.url with the key) and its OWN packs in place of the trusted file's `rules.packs: ["./policy"]`. Here a
// plain `clipguard scan` in the hostile checkout runs the trusted file's command because the checkout's
// policy/ rule asks for it: "a checkout cannot make clipguard run commands" fails. (The README says trust does
// not cover the packs a trusted file names, but those are meant to be the packs beside the trusted file, which
// its owner reviewed, not a stranger's.)
//
// Why it matters: the checkout picks which actions a trusted config takes (exec of the user's commands, Paperclip
// writes with --apply made implicit by the trusted `actions.apply`); the attacker needs only the trusted file's
// path (standard paths on CI runners and shared hosts are guessable).
// Suggested fix: resolve relative paths against dirname(realpath(file)) (the file trust was given to); and/or do
// not honour trust through a symlink whose real file lies outside the link's repository (trust the link's own path
// and the target's, both).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addTrust, sha256Of } from '../../src/config/trust.js';
import { cli, tempDir } from '../helpers/cli.js';

describe('review2: a checkout whose clipguard.config.json links to the user\'s trusted config elsewhere', () => {
  it("does not run the trusted file's command for the checkout's own rule (fails: relative packs resolve in the checkout)", () => {
    // The user's own, trusted config, with its own (empty) policy pack beside it.
    const ops = tempDir('clipguard-review2-ops-');
    const marker = join(tempDir(), 'MARKER');
    mkdirSync(join(ops, 'policy'));
    const config = {
      paperclip: { enabled: false },
      repos: ['.'],
      rules: { packs: ['./policy'] },
      actions: { apply: true, exec: { marker: [process.execPath, '-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran')`] } },
    };
    const trusted = join(ops, 'clipguard.config.json');
    writeFileSync(trusted, JSON.stringify(config, null, 2) + '\n');
    const env = { CLIPGUARD_TRUST_FILE: join(tempDir(), 'trust', 'trusted.json'), CLIPGUARD_TRUST_CONFIG_SHA256: '', PAPERCLIP_API_URL: '' };
    addTrust(trusted, sha256Of(readFileSync(trusted)), env);
    // The hostile checkout: a link to that path, and a rule that fires on every scan and asks for "marker".
    const repo = tempDir('clipguard-review2-hostile-');
    execFileSync('git', ['init', '-q'], { cwd: repo });
    symlinkSync(trusted, join(repo, 'clipguard.config.json'));
    mkdirSync(join(repo, 'policy', 'team'), { recursive: true });
    const rule = {
      id: 'git/every-scan', title: 'fires on every scan', severity: 'warning', subject: 'source', description: 'd', remediation: 'r', tags: [],
      conditions: { all: [{ fact: 'source', path: '$.kind', operator: 'equal', value: 'git' }] },
      action: { type: 'exec', enabled: true, params: { command: 'marker' } },
    };
    writeFileSync(join(repo, 'policy', 'team', 'every-scan.json'), JSON.stringify(rule, null, 2));
    const r = cli(['scan', '--only', 'git/every-scan', 'source/', '--format', 'json'], { cwd: repo, env });
    // With the fix the checkout's pack is not the trusted file's `./policy`: its rule is not even known (exit 2, named).
    expect({ code: r.code, unknown: /git\/every-scan/.test(r.stderr) }).toEqual({ code: 2, unknown: true });
    // Fails here: the trusted file's command ran for the checkout's rule.
    expect(existsSync(marker)).toBe(false);
  });
});
