// Review 2, FIXED (a repository's own config is read whoever owns it; the owner checks are for files found outside any repository). Was:
// notTheUsers refuses a config file whose owner is neither the user nor root, wherever it was found, the
// repository's own top included. A CI job in a container (GitHub Actions `container:`, GitLab's docker executor
// with a bind-mounted checkout) runs as root over a checkout owned by the runner's uid (1001 on GitHub's hosted
// runners); actions/checkout marks it safe.directory, so git works, but clipguard drops the repository's own
// clipguard.config.json ("owned by uid 1001, not you (uid 0)", one stderr line) and runs on the defaults. What the
// file asked for that is stricter than the defaults is lost without a failure: here a `secrets.patterns` row
// (the company's own key shape), equally `secrets.credentials: true` or `failOn: "warning"`; the
// pre-commit/CI check passes a commit it was configured to stop (fails open). The GitHub Action's step summary
// (src/action/run.ts untrustedNote) says nothing either: config.file is null.
//
// Why it matters: "blocks leaked keys" quietly stops holding for the configured detectors in a common CI layout;
// the owner check guards against a file planted ABOVE the repository, not the repository's own.
// Suggested fix: apply the owner/world-writable checks to files above the directory where the search started only
// when that directory is not in a work tree, or: inside the repository (at or below the top git reports, the top
// whose owner git's safe.directory accepted), take the file whoever owns it; it is the checkout's own config and
// trust (clipguard trust) already decides what it may do. At least make a skipped config a failure (exit 2) in CI
// (CI=true) rather than a stderr note, so the job does not pass on the defaults.
import { execFileSync } from 'node:child_process';
import { chownSync, readdirSync, writeFileSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, tempDir } from '../helpers/cli.js';

const root = process.getuid?.() === 0;

function chownR(p: string, uid: number): void {
  chownSync(p, uid, uid);
  if (lstatSync(p).isDirectory()) for (const e of readdirSync(p)) chownR(join(p, e), uid);
}

describe('review2: the repository\'s own config in a checkout owned by the CI runner\'s uid, clipguard run as root', () => {
  it.runIf(root)("reads the repository's own config (fails: skipped, the configured detector is off and the commit passes)", () => {
    const repo = tempDir('clipguard-review2-ci-');
    execFileSync('git', ['init', '-q'], { cwd: repo });
    writeFileSync(join(repo, 'clipguard.config.json'), JSON.stringify({ secrets: { patterns: [{ id: 'acme-key', description: 'ACME deploy key', keywords: ['acmk_'], regex: 'acmk_[a-z0-9]{24}' }] } }));
    // The company's own key shape: only the config's detector row finds it.
    writeFileSync(join(repo, 'settings.py'), `deploy(${'"acmk_' + 'q7zp2xw9rtmkvn4hs8jd3lcb'}")\n`);
    execFileSync('git', ['add', 'settings.py'], { cwd: repo });
    // git as the container's root accepts the runner's checkout as actions/checkout arranges (safe.directory).
    const gitConfig = join(tempDir(), 'gitconfig');
    writeFileSync(gitConfig, '[safe]\n\tdirectory = *\n');
    const env = { GIT_CONFIG_GLOBAL: gitConfig };
    // Control: owned by us (root), the config is read and the hook stops the commit.
    const own = cli(['precommit'], { cwd: repo, env });
    expect(own.code).toBe(1);
    chownR(repo, 1001);
    const ci = cli(['precommit'], { cwd: repo, env });
    expect(ci.stderr).not.toMatch(/ignored/);
    // Fails here: exit 0, the configured credential detection is off.
    expect(ci.code).toBe(1);
  });
});
