// Review (stop 20): the config file is found upward from the current directory all the way to `/`
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
import { describe, expect, it } from 'vitest';
import { cli, tempDir } from '../helpers/cli.js';
import { fakeToken } from '../helpers/fake-secrets.js';

describe('a clipguard.config.json another user left in a shared parent directory (review)', () => {
  it.fails("does not switch off the pre-commit hook of a repository under it", () => {
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
});
