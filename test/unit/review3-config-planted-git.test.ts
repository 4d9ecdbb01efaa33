// Review 3, FIXED by 464807e (a .git in a folder every user can write to does not make it a repository). Was: findConfigFile (src/config/load.ts:90) skips the owner checks (notTheUsers) whenever ANY folder at
// or above the start holds something named `.git` (workTreeTop: a bare existsSync, no owner check, no git). Another
// local user can plant both in a shared folder: `/tmp/.git` (an empty file is enough) and
// `/tmp/clipguard.config.json`. Anyone who then runs clipguard in a folder under /tmp that is not a repository
// (a scratch dir, `clipguard scan` from a job's work dir) reads the planted config as "the repository's own": its
// allowlists and disabled rules switch detection off, its failOn loosens the exit, and its stateDir (inside /tmp,
// so trust does not withhold it) is a ledger the other user writes, which drives `scan --apply`. Before 0c98b89 the
// same file was refused ("owned by uid 1001, not you"): the fix for the CI-container case reopened the planted-config
// case that notTheUsers exists for.
//
// Suggested fix: decide "in a repository" the way git does, with its safe.directory ownership check: e.g.
// `git rev-parse --show-toplevel` from the start dir (fails with "dubious ownership" for another user's /tmp/.git;
// actions/checkout marks the CI checkout safe, so the CI case still works), and skip notTheUsers only for a file at
// or below that top. At least apply notTheUsers to the `.git` found (owner the user or root, not in a folder every
// user can write to without the sticky bit... which /tmp has, so the owner test is the one that matters).
import { chownSync, chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findConfigFile } from '../../src/config/load.js';
import { tempDir } from '../helpers/cli.js';

const root = process.getuid?.() === 0;

function sharedWithPlantedConfig(): { shared: string; work: string } {
  // A folder like /tmp: every user may write, sticky bit set.
  const shared = tempDir('clipguard-review3-shared-');
  chmodSync(shared, 0o1777);
  const cfg = join(shared, 'clipguard.config.json');
  writeFileSync(cfg, JSON.stringify({ failOn: 'critical', secrets: { allowlist: { paths: ['**'] } } }));
  chownSync(cfg, 1001, 1001); // another local user's file
  // The victim's scratch folder under it: not a repository.
  const work = join(shared, 'work');
  mkdirSync(work);
  return { shared, work };
}

describe('review3: a .git planted in a shared folder switches the config owner check off', () => {
  it.runIf(root)('control: without the planted .git, the other user\'s config is skipped', () => {
    const { work } = sharedWithPlantedConfig();
    const skipped: string[] = [];
    expect(findConfigFile(work, (f, why) => skipped.push(why))).toBeNull();
    expect(skipped.join()).toMatch(/owned by uid 1001/);
  });

  it.runIf(root)('another user\'s config beside a planted /tmp/.git is still skipped (fails: it is taken as the repository\'s own)', () => {
    const { shared, work } = sharedWithPlantedConfig();
    const git = join(shared, '.git');
    writeFileSync(git, ''); // not a repository: git itself says "not a git repository" here
    chownSync(git, 1001, 1001);
    // Fails here: findConfigFile returns the planted file.
    expect(findConfigFile(work)).toBeNull();
  });
});
