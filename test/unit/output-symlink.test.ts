// `-o <file>` never writes through a symbolic link (issue 17, item 9): a checkout can plant
// `clipguard.sarif -> ~/.bashrc`. The report is refused with exit 2 before anything is read or done, the link
// and its target are left as they were; a plain file is replaced whole (temp file + rename), never appended to.
import { lstatSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliAsync } from '../helpers/cli-async.js';
import { tempDir } from '../helpers/cli.js';

describe('--output and a planted symbolic link', () => {
  it('scan -o <link>: exit 2 naming the link, its target outside the repository unchanged', async () => {
    const outside = join(tempDir(), 'precious.txt');
    writeFileSync(outside, 'do not overwrite\n');
    const repo = tempDir();
    mkdirSync(join(repo, '.git')); // looks like a checkout (the scan finds its root)
    symlinkSync(outside, join(repo, 'clipguard.sarif'));
    const r = await cliAsync(['scan', '--no-paperclip', '--apply', '--format', 'sarif', '-o', 'clipguard.sarif'], { cwd: repo, env: { CLIPGUARD_STATE_DIR: join(repo, 'state') } });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`clipguard: clipguard.sarif: is a symbolic link (to ${outside}); clipguard does not write a report through a link. Remove it, or give another --output path`);
    expect(readFileSync(outside, 'utf8')).toBe('do not overwrite\n');
    expect(lstatSync(join(repo, 'clipguard.sarif')).isSymbolicLink()).toBe(true);
    // Refused before acting: --apply did not even take the state lock or create the state dir.
    expect(readdirSync(repo).sort()).toEqual(['.git', 'clipguard.sarif']);

    // i18n and checklist write reports too: the same refusal.
    const i18n = await cliAsync(['i18n', '.', '-o', 'clipguard.sarif'], { cwd: repo });
    expect(i18n.code).toBe(2);
    expect(i18n.stderr).toContain('is a symbolic link');
    const checklist = await cliAsync(['checklist', '-o', 'clipguard.sarif'], { cwd: repo });
    expect(checklist.code).toBe(2);
    expect(checklist.stderr).toContain('is a symbolic link');
    expect(readFileSync(outside, 'utf8')).toBe('do not overwrite\n');
  });

  it('a plain file is replaced whole, and no temporary file is left beside it', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'out.json'), 'x'.repeat(100_000));
    const r = await cliAsync(['scan', '--no-paperclip', '--format', 'json', '-o', 'out.json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')).tool.name).toBe('clipguard');
    expect(readdirSync(dir)).toEqual(['out.json']);
  });
});
