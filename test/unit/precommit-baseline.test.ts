// `clipguard precommit --baseline / --write-baseline` in a real git repository: a key recorded in the baseline
// stays hidden on later runs (its fingerprint is the path, the kind and the line without the secret, so it
// survives the line moving), while a new key, or the same line in another file, still blocks the commit.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { fakeToken } from '../helpers/fake-secrets.js';
import { precommitRepo } from '../helpers/precommit-repo.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const repo = () => precommitRepo('clipguard-precommit-baseline-', dirs);

describe('precommit --baseline', () => {
  it('hides the staged keys the baseline recorded, also after their line moved; a new key still blocks', () => {
    const { dir, stage, precommit } = repo();
    const old = fakeToken('anthropic-api-key', 301);
    const fresh = fakeToken('github-pat', 302);
    stage('settings.py', `import os\nANTHROPIC_KEY = "${old}"\n`);

    const written = precommit('--write-baseline', 'baseline.json');
    // Writing a baseline records the findings; it does not hide them in the same run (the report lists them),
    // and it is the job asked for: exit 0 (issue 23: it used to exit 1 and say "commit blocked").
    expect(written.code, written.stderr).toBe(0);
    const baseline = JSON.parse(readFileSync(join(dir, 'baseline.json'), 'utf8'));
    const first = written.report!.findings.map((f) => f.fingerprint);
    expect(first).toHaveLength(1);
    expect(baseline).toMatchObject({ version: 1, fingerprints: first });
    expect(readFileSync(join(dir, 'baseline.json'), 'utf8')).not.toContain(old);

    const hidden = precommit('--baseline', 'baseline.json');
    expect(hidden.code, hidden.stdout).toBe(0);
    expect(hidden.report!.findings.map((f) => [f.fingerprint, f.suppressed?.kind])).toEqual([[first[0], 'baseline']]);

    // The same key, its line pushed down by new lines above it: the same fingerprint, still hidden.
    stage('settings.py', `import os\n\n# settings\nDEBUG = False\nANTHROPIC_KEY = "${old}"\n`);
    const moved = precommit('--baseline', 'baseline.json');
    expect(moved.code, moved.stdout).toBe(0);
    expect(moved.report!.findings.map((f) => [f.fingerprint, f.location?.line, f.suppressed?.kind])).toEqual([[first[0], 5, 'baseline']]);

    // A second key is new: the commit is blocked by it alone, and the report never holds either key.
    stage('settings.py', `import os\n\n# settings\nDEBUG = False\nANTHROPIC_KEY = "${old}"\nGITHUB_TOKEN = "${fresh}"\n`);
    const blocked = precommit('--baseline', 'baseline.json');
    expect(blocked.code).toBe(1);
    const open = blocked.report!.findings.filter((f) => !f.suppressed);
    expect(open.map((f) => [f.location?.line, f.message.includes('GitHub')])).toEqual([[6, true]]);
    expect(blocked.report!.findings.filter((f) => f.suppressed?.kind === 'baseline').map((f) => f.fingerprint)).toEqual(first);
    for (const out of [blocked.stdout, blocked.stderr]) {
      expect(out).not.toContain(old);
      expect(out).not.toContain(fresh);
    }
  });

  it('the same line in another file is another finding; a baseline file that does not exist is a usage error', () => {
    const { dir, stage, precommit } = repo();
    const key = fakeToken('anthropic-api-key', 303);
    stage('a.py', `KEY = "${key}"\n`);
    expect(precommit('--write-baseline', 'baseline.json').code).toBe(0);
    stage('b.py', `KEY = "${key}"\n`);
    const r = precommit('--baseline', 'baseline.json');
    expect(r.code).toBe(1);
    expect(r.report!.findings.map((f) => [f.subject.label, f.suppressed?.kind ?? null])).toEqual([
      ['a.py', 'baseline'],
      ['b.py', null],
    ]);

    const missing = cli(['precommit', '--baseline', 'nope.json'], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.json');
  });
});
