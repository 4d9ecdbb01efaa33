import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync, mkdirSync, existsSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { blocksOfLines, defaultRange, linesOfBlocks, parsePatch, parsePatchBytes, rangeArgs, readBlob, readCommitRange, readSmallBlobs, readStagedDiff, unpushedCommits, workTreeBlobs, type DiffReadOptions } from '../../src/sources/git.js';
import { fakeToken } from '../helpers/fake-secrets.js';
import { parsePatch as parseLines } from '../helpers/git-range-whole.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function repo(): { dir: string; git: (...args: string[]) => string; write: (path: string, content: string | Buffer) => void } {
  const dir = mkdtempSync(join(tmpdir(), 'clipguard-git-'));
  dirs.push(dir);
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'init.defaultBranch=main', ...args], { cwd: dir, encoding: 'utf8' });
  git('init', '-q');
  const write = (path: string, content: string | Buffer) => {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  };
  return { dir, git, write };
}

describe('readSmallBlobs / readBlob', () => {
  it('reads blobs through one batch in the order asked, null for one git cannot read; readBlob streams one or throws', async () => {
    const { dir, git, write } = repo();
    const contents = [Buffer.from([0, 1, 2, 10, 10, 0]), Buffer.from('second\n'), Buffer.alloc(0), Buffer.from('x'.repeat(100_000))];
    const shas = contents.map((c, i) => {
      write(`f${i}`, c);
      git('add', `f${i}`);
      return git('rev-parse', `:f${i}`).trim();
    });
    const missing = 'ab'.repeat(20);
    const got: { sha: string; bytes: Buffer | null }[] = [];
    for await (const b of readSmallBlobs(dir, [shas[0], missing, shas[1], shas[2], shas[3]])) got.push(b);
    expect(got.map((b) => b.sha)).toEqual([shas[0], missing, shas[1], shas[2], shas[3]]);
    expect(got.map((b) => b.bytes)).toEqual([contents[0], null, contents[1], contents[2], contents[3]]);
    const chunks: Buffer[] = [];
    for await (const c of readBlob(dir, shas[3])) chunks.push(c);
    expect(Buffer.concat(chunks)).toEqual(contents[3]);
    await expect((async () => {
      for await (const _ of readBlob(dir, missing)) void _;
    })()).rejects.toThrow();
  });
});

/** readStagedDiff's files line by line (their runs split back), each checked to count its added lines. */
async function stagedLines(dir: string, options?: DiffReadOptions) {
  const r = await readStagedDiff(dir, options);
  return {
    ...r,
    files: r.files.map((f) => {
      const lines = linesOfBlocks(f.blocks);
      expect(f.added).toBe(lines.length);
      return { path: f.path, lines };
    }),
  };
}

describe('readStagedDiff', () => {
  it('returns added lines only, with their line numbers in the new file', async () => {
    const { dir, git, write } = repo();
    write('a.txt', 'one\ntwo\nthree\nfour\n');
    git('add', '-A');
    git('commit', '-qm', 'base');
    write('a.txt', 'one\nTWO\nthree\ninserted 1\ninserted 2\nfour\nlast\n');
    write('new.md', '# title\n\nbody\n');
    git('add', '-A');
    const r = await stagedLines(dir);
    expect(r.skipped).toEqual([]);
    expect(r.files).toEqual([
      { path: 'a.txt', lines: [{ line: 2, text: 'TWO' }, { line: 4, text: 'inserted 1' }, { line: 5, text: 'inserted 2' }, { line: 7, text: 'last' }] },
      { path: 'new.md', lines: [{ line: 1, text: '# title' }, { line: 2, text: '' }, { line: 3, text: 'body' }] },
    ]);
    // As the detector reads them: runs of consecutive line numbers, one text each.
    expect((await readStagedDiff(dir)).files).toEqual([
      { path: 'a.txt', added: 4, blocks: [{ line: 2, text: 'TWO' }, { line: 4, text: 'inserted 1\ninserted 2' }, { line: 7, text: 'last' }] },
      { path: 'new.md', added: 3, blocks: [{ line: 1, text: '# title\n\nbody' }] },
    ]);
  });

  it('handles renames, spaces, unicode, quotes and tabs in paths, CRLF and a missing final newline', async () => {
    const { dir, git, write } = repo();
    write('old name.txt', 'shared line 1\nshared line 2\nshared line 3\nshared line 4\n');
    git('add', '-A');
    git('commit', '-qm', 'base');
    mkdirSync(join(dir, 'dir with space'));
    git('mv', 'old name.txt', 'dir with space/新 名字.txt');
    write('dir with space/新 名字.txt', 'shared line 1\nshared line 2\nshared line 3\nshared line 4\nadded after rename\n');
    write('we"ird\tname.txt', 'q\r\nno newline at end');
    git('add', '-A');
    const r = await stagedLines(dir);
    expect(r.files).toEqual([
      { path: 'dir with space/新 名字.txt', lines: [{ line: 5, text: 'added after rename' }] },
      { path: 'we"ird\tname.txt', lines: [{ line: 1, text: 'q' }, { line: 2, text: 'no newline at end' }] },
    ]);
  });

  it('is not fooled by added lines that look like diff headers', async () => {
    const { dir, git, write } = repo();
    write('x.patch', 'diff --git a/evil b/evil\n+++ b/evil\n--- a/evil\n@@ -1 +1 @@\n+fake\n');
    git('add', '-A');
    const r = await stagedLines(dir);
    expect(r.files).toEqual([{ path: 'x.patch', lines: ['diff --git a/evil b/evil', '+++ b/evil', '--- a/evil', '@@ -1 +1 @@', '+fake'].map((text, i) => ({ line: i + 1, text })) }]);
  });

  it('reads binary and too large files as whole blobs, skips symlinked (never followed) files and submodules; ignores deletions', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'clipguard-outside-'));
    dirs.push(outside);
    const secretOutside = fakeToken('github-pat', 5);
    writeFileSync(join(outside, 'creds.txt'), `token=${secretOutside}\n`);
    const { dir, git, write } = repo();
    write('gone.txt', 'bye\n');
    git('add', '-A');
    git('commit', '-qm', 'base');
    git('rm', '-q', 'gone.txt');
    write('img.bin', Buffer.from([0, 1, 2, 3, 0, 255]));
    write('big.txt', 'x'.repeat(5000) + '\n');
    symlinkSync(join(outside, 'creds.txt'), join(dir, 'link-out'));
    write('small.txt', 'ok\n');
    git('add', '-A');
    // A submodule is a gitlink entry (mode 160000) naming a commit of another repository.
    git('update-index', '--add', '--cacheinfo', `160000,${'ab'.repeat(20)},vendored`);
    const r = await stagedLines(dir, { maxFileBytes: 1000 });
    expect(r.files).toEqual([{ path: 'small.txt', lines: [{ line: 1, text: 'ok' }] }]);
    const blobId = (p: string) => git('rev-parse', `:${p}`).trim();
    expect(r.blobs.sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: 'big.txt', blob: blobId('big.txt'), why: 'too large' },
      { path: 'img.bin', blob: blobId('img.bin'), why: 'binary' },
    ]);
    expect(r.skipped.sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: 'link-out', reason: 'symlink' },
      { path: 'vendored', reason: 'submodule' },
    ]);
    expect(JSON.stringify(r)).not.toContain(secretOutside);
  });

  it('returns nothing when nothing is staged, and works before the first commit', async () => {
    const { dir, git, write } = repo();
    expect(await readStagedDiff(dir)).toEqual({ files: [], blobs: [], skipped: [] });
    write('first.txt', 'hello\n');
    git('add', '-A');
    expect((await stagedLines(dir)).files).toEqual([{ path: 'first.txt', lines: [{ line: 1, text: 'hello' }] }]);
  });
});

describe('readCommitRange', () => {
  it('lists the commits of a range and the lines each added, including lines a later commit removed', async () => {
    const { dir, git, write } = repo();
    write('README.md', 'hi\n');
    git('add', '-A');
    git('commit', '-qm', 'base');
    const base = git('rev-parse', 'HEAD').trim();
    const key = fakeToken('stripe-secret-key', 9);
    write('config.env', `STRIPE=${key}\nLEVEL=debug\n`);
    git('add', '-A');
    git('commit', '-qm', 'add config', '-m', 'with a body line');
    write('config.env', 'LEVEL=debug\n');
    git('add', '-A');
    git('commit', '-qm', 'remove the key again');
    const r = await readCommitRange(dir, `${base}..HEAD`);
    expect(r.commits.map((c) => [c.subject, c.author])).toEqual([
      ['add config', 't <t@t>'],
      ['remove the key again', 't <t@t>'],
    ]);
    expect(r.commits[0].message).toBe('add config\n\nwith a body line');
    expect(r.commits[0].sha).toMatch(/^[0-9a-f]{40}$/);
    expect(Date.parse(r.commits[0].date)).not.toBeNaN();
    expect(r.files).toEqual([{ path: 'config.env', commit: r.commits[0].sha, lines: [{ line: 1, text: `STRIPE=${key}` }, { line: 2, text: 'LEVEL=debug' }] }]);
  });

  it('reads large and binary files per commit as blobs and accepts rev-list selectors', async () => {
    const { dir, git, write } = repo();
    write('a.txt', 'a\n');
    write('blob.bin', Buffer.from([0, 0, 1]));
    write('huge.txt', 'y'.repeat(3000) + '\n');
    git('add', '-A');
    git('commit', '-qm', 'everything');
    const r = await readCommitRange(dir, 'HEAD --not --remotes', { maxFileBytes: 2000 });
    expect(r.files.map((f) => f.path)).toEqual(['a.txt']);
    expect(r.blobs.map((b) => [b.path, b.why, b.commit]).sort()).toEqual([
      ['blob.bin', 'binary', r.commits[0].sha],
      ['huge.txt', 'too large', r.commits[0].sha],
    ]);
    expect(r.skipped).toEqual([]);
  });

  it('refuses range arguments that would be git options', async () => {
    expect(rangeArgs('origin/main..HEAD')).toEqual(['origin/main..HEAD']);
    expect(rangeArgs(' HEAD  --not --remotes ')).toEqual(['HEAD', '--not', '--remotes']);
    expect(() => rangeArgs('--output=/tmp/pwned')).toThrow(/invalid git range/);
    expect(() => rangeArgs('HEAD -p')).toThrow(/invalid git range/);
    expect(() => rangeArgs('')).toThrow(/empty/);
    const { dir } = repo();
    await expect(readCommitRange(dir, '--output=x')).rejects.toThrow(/invalid git range/);
    expect(existsSync(join(dir, 'x'))).toBe(false);
  });
});

describe('unpushedCommits and defaultRange', () => {
  it('has no range before the first commit', async () => {
    const { dir } = repo();
    expect(await defaultRange(dir)).toBeNull();
    expect(await unpushedCommits(dir)).toEqual({ branch: 'main', upstream: null, ahead: 0, commits: [] });
  });

  it('counts every commit when there is no remote, and none on a detached HEAD at a pushed commit', async () => {
    const { dir, git, write } = repo();
    for (const n of [1, 2, 3]) {
      write(`f${n}.txt`, `${n}\n`);
      git('add', '-A');
      git('commit', '-qm', `commit ${n}`);
    }
    expect(await defaultRange(dir)).toBe('HEAD --not --remotes');
    const u = await unpushedCommits(dir);
    expect([u.branch, u.upstream, u.ahead]).toEqual(['main', null, 3]);
    expect(u.commits.map((c) => c.subject)).toEqual(['commit 3', 'commit 2', 'commit 1']);
  });

  it('uses the upstream when there is one, and remote branches otherwise', async () => {
    const remote = mkdtempSync(join(tmpdir(), 'clipguard-remote-'));
    dirs.push(remote);
    execFileSync('git', ['init', '-q', '--bare', remote]);
    const { dir, git, write } = repo();
    write('a.txt', 'a\n');
    git('add', '-A');
    git('commit', '-qm', 'pushed');
    git('remote', 'add', 'origin', remote);
    git('push', '-q', '-u', 'origin', 'main');
    expect(await unpushedCommits(dir)).toMatchObject({ branch: 'main', upstream: 'origin/main', ahead: 0 });
    write('b.txt', 'b\n');
    git('add', '-A');
    git('commit', '-qm', 'local only');
    expect(await defaultRange(dir)).toBe('@{upstream}..HEAD');
    const u = await unpushedCommits(dir);
    expect([u.ahead, u.commits.map((c) => c.subject)]).toEqual([1, ['local only']]);
    const r = await readCommitRange(dir, (await defaultRange(dir))!);
    expect(r.files).toEqual([{ path: 'b.txt', commit: u.commits[0].sha, lines: [{ line: 1, text: 'b' }] }]);

    // A new branch without upstream: only what no remote has.
    git('checkout', '-q', '-b', 'feature');
    write('c.txt', 'c\n');
    git('add', '-A');
    git('commit', '-qm', 'feature work');
    const f = await unpushedCommits(dir);
    expect([f.branch, f.upstream, f.commits.map((c) => c.subject)]).toEqual(['feature', null, ['feature work', 'local only']]);

    git('checkout', '-q', '--detach', 'origin/main');
    expect(await unpushedCommits(dir)).toMatchObject({ branch: null, upstream: null, ahead: 0 });
  });
});

describe('readStagedDiff, the patch started ahead', () => {
  it('reads a patch larger than what a git started ahead holds before it is read (8 MiB) whole', async () => {
    const { dir, git, write } = repo();
    // Five files under the patch size limit (2 MiB each), ~9.5 MB of patch: git may fill the held output and
    // wait on its paused pipe before readStagedDiff has the sizes; every line must still arrive.
    const lines = 48_000;
    for (let f = 0; f < 5; f++) write(`f${f}.txt`, Array.from({ length: lines }, (_, i) => `file ${f} line ${i} ${'x'.repeat(24)}`).join('\n') + '\n');
    git('add', '-A');
    const r = await readStagedDiff(dir);
    expect(r.blobs).toEqual([]);
    expect(r.files.map((f) => [f.path, f.added, f.blocks.length])).toEqual([0, 1, 2, 3, 4].map((f) => [`f${f}.txt`, lines, 1]));
    expect(r.files[4].blocks[0].text.split('\n').at(-1)).toBe(`file 4 line ${lines - 1} ${'x'.repeat(24)}`);
  });
});

describe('parsePatch (the staged diff\'s reader)', () => {
  // The reader cuts each run of '+' lines out of the patch as one text; the oracle is the line-by-line reader
  // it replaced (kept verbatim in test/helpers/git-range-whole.ts), grouped the way the detector reads lines.
  it('reads the same added lines as the line-by-line reader, as runs of consecutive line numbers (property)', () => {
    // \u0001 stands for a byte that is not UTF-8 (parsePatchBytes' check below).
    const text = fc.array(fc.constantFrom('a', 'Z', ' ', '+', '-', '\r', '\\', '@', 'diff --git a/x b/x', '+++ b/y', '@@ -1 +1 @@', 'é', '\t', '中', '\u0001'), { maxLength: 6 }).map((cs) => cs.join(''));
    const hunk = fc.record({
      gap: fc.nat(2), // 0: the hunk's first added line follows the previous hunk's last one (one run)
      dels: fc.nat(2),
      body: fc.array(fc.record({ context: fc.nat(4).map((n) => n === 0), text }), { maxLength: 5 }),
      shortCounts: fc.boolean(),
      noNewline: fc.boolean(),
    });
    const section = fc.record({ path: fc.constantFrom('a.txt', 'b c.txt', 'é.md'), binary: fc.boolean(), crlf: fc.boolean(), hunks: fc.array(hunk, { maxLength: 3 }) });
    const patch = fc.array(section, { maxLength: 4 }).map((sections) =>
      sections
        .map((s) => {
          let out = `diff --git a/${s.path} b/${s.path}\nindex ${'1'.repeat(40)}..${'2'.repeat(40)} 100644\n`;
          if (s.binary) return out + `Binary files a/${s.path} and b/${s.path} differ\n`;
          out += `--- a/${s.path}\n+++ b/${s.path}\n`;
          let next = 1;
          for (const h of s.hunks) {
            const start = next + h.gap;
            const adds = h.body.length;
            const ctx = h.body.filter((b) => b.context).length;
            const count = (n: number) => (h.shortCounts && n === 1 ? '' : `,${n}`);
            out += `@@ -${start}${count(h.dels + ctx)} +${start}${count(adds)} @@\n`;
            for (let i = 0; i < h.dels; i++) out += `-old ${i}\n`;
            for (const b of h.body) out += `${b.context ? ' ' : '+'}${b.text}${s.crlf ? '\r' : ''}\n`;
            if (h.noNewline) out += '\\ No newline at end of file\n';
            next = start + adds;
          }
          return out;
        })
        .join(''),
    );
    let bytesChecked = 0;
    fc.assert(
      fc.property(patch, (p) => {
        const oracle = parseLines(p).map((f) => ({ path: f.path, binary: f.binary, blocks: blocksOfLines(f.lines), added: f.lines.length }));
        expect(parsePatch(p)).toEqual(oracle);
        expect(parsePatch(p).map((f) => linesOfBlocks(f.blocks))).toEqual(parseLines(p).map((f) => f.lines));
        // From the bytes, a file section at a time (ASCII ones as Latin-1): the same as the whole patch decoded
        // as UTF-8, bytes that are not UTF-8 included (each \u0001 made one). On patches as git writes them with
        // --unified=0, without context lines: a context line is not counted down by either reader, which then
        // reads the next file's header as part of the hunk (the whole-patch reader; the other starts afresh).
        if (/^ /m.test(p)) return;
        bytesChecked++;
        const bytes = Buffer.from(p, 'utf8');
        for (let i = 0, k = 0; i < bytes.length; i++) if (bytes[i] === 1) bytes[i] = [0x80, 0xc3, 0xe2, 0xff][k++ % 4];
        expect(parsePatchBytes(bytes)).toEqual(parsePatch(bytes.toString('utf8')));
        expect(parsePatchBytes(Buffer.from(p, 'utf8'))).toEqual(oracle);
      }),
      { numRuns: 500 },
    );
    expect(bytesChecked).toBeGreaterThan(100);
  });
});

describe('readStagedDiff: new files read whole from their blobs', () => {
  // New regular files are read with `git cat-file --batch`, the rest from a patch limited to them; the oracle is
  // the same function reading every file from the whole patch (viaPatch), on real repositories: the same
  // files, runs, line counts, whole-blob reads and skips, in the same order.
  const piece = fc.constantFrom('a', 'key = 1', ' ', '\r', '\r\n', '\n', '\n\n', 'é', '中文', '\0', '\t', '+', '-', 'diff --git a/x b/x', '\\ No newline', '\uFEFF');
  const content = fc.oneof(
    fc.array(piece, { maxLength: 12 }).map((p) => Buffer.from(p.join(''), 'utf8')),
    // bytes that are not UTF-8, a NUL after git's first 8000 bytes, UTF-16
    fc.array(fc.constantFrom(0x80, 0xc3, 0xe2, 0xff, 0x0a, 0x0d, 0x61), { maxLength: 12 }).map((b) => Buffer.from(b)),
    fc.nat(3).map((n) => Buffer.concat([Buffer.from('x\n'.repeat(4000 + n)), Buffer.from([0]), Buffer.from('\ny\n')])),
    fc.constant(Buffer.from('\uFEFFa = 1\r\n', 'utf16le')),
  );
  const file = fc.record({
    name: fc.constantFrom('a.txt', 'b c.txt', 'é.md', 'dir/d.js', 'dir/e.bin', 'f.dat', 'g.txt', 'h.txt'),
    before: fc.option(content, { nil: undefined }), // committed first (undefined: new)
    after: fc.option(content, { nil: undefined }), // staged (undefined: deleted, or renamed when `rename`)
    rename: fc.boolean(),
  });
  const attrs = fc.constantFrom('', '*.bin -diff\n', '*.dat binary\n', '*.txt diff\n', '*.md diff=markdown\n', 'dir/** -diff\n*.dat diff\n');
  // What happens to the work tree after `git add` (a new file is read from its copy only when that is its blob).
  const later = fc.constantFrom('same', 'same', 'same', 'edited', 'crlf', 'deleted', 'directory', 'symlink to the same bytes');
  it('reads what the whole patch gives, from the work tree or from git (property, real repositories)', async () => {
    let compared = 0;
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(file, { selector: (f) => f.name, minLength: 1, maxLength: 6 }), attrs, fc.constantFrom(undefined, 40), fc.array(later, { minLength: 6, maxLength: 6 }), async (files, gitattributes, maxFileBytes, afterAdd) => {
        const { dir, git, write } = repo();
        write('README', 'base\n');
        if (gitattributes) write('.gitattributes', gitattributes);
        for (const f of files) if (f.before) write(f.name, f.before);
        git('add', '-A');
        git('commit', '-qm', 'base');
        for (const f of files) {
          if (f.after === undefined) {
            if (f.before && f.rename) git('mv', f.name, `moved-${f.name.replace('/', '-')}`);
            else if (f.before) git('rm', '-q', f.name);
            continue;
          }
          write(f.name, f.after);
          git('add', f.name);
        }
        files.forEach((f, i) => {
          if (f.after === undefined || afterAdd[i] === 'same') return;
          const at = join(dir, f.name);
          rmSync(at, { recursive: true, force: true });
          if (afterAdd[i] === 'edited') write(f.name, Buffer.concat([f.after, Buffer.from('\nedited = 1\n')]));
          else if (afterAdd[i] === 'crlf') write(f.name, Buffer.from(f.after.toString('latin1').replace(/\n/g, '\r\n'), 'latin1'));
          else if (afterAdd[i] === 'directory') mkdirSync(at);
          else if (afterAdd[i] === 'symlink to the same bytes') {
            write(`.git/outside-${i}`, f.after);
            symlinkSync(join(dir, '.git', `outside-${i}`), at);
          }
        });
        const options = maxFileBytes ? { maxFileBytes } : {};
        const got = await readStagedDiff(dir, options);
        expect(got).toEqual(await readStagedDiff(dir, { ...options, viaPatch: true }));
        expect(got).toEqual(await readStagedDiff(dir, { ...options, workTree: false }));
        compared++;
      }),
      { numRuns: 60 },
    );
    expect(compared).toBe(60);
  }, 120_000);

  it('each diff attribute and git\'s own binary test, for new and changed files, as the patch says', async () => {
    const contents = [Buffer.from('a\0b\nkey = 1\n'), Buffer.concat([Buffer.from('x\n'.repeat(4000)), Buffer.from('\0\n')]), Buffer.from('plain\r\ntext'), Buffer.from('\uFEFFk = 1\n', 'utf16le')];
    for (const gitattributes of ['', '* -diff\n', '* binary\n', '* diff\n', '* diff=markdown\n', '* diff\nnul-* -diff\n']) {
      const { dir, git, write } = repo();
      write('.gitattributes', gitattributes);
      contents.forEach((c, i) => write(`changed-${i}.txt`, c));
      git('add', '-A');
      git('commit', '-qm', 'base');
      contents.forEach((c, i) => {
        write(`nul-${i}.txt`, c);
        write(`changed-${i}.txt`, Buffer.concat([c, Buffer.from('more\n')]));
      });
      write('empty.txt', ''); // no line to add: not binary either, whatever the attribute
      git('add', '-A');
      const r = await readStagedDiff(dir);
      expect(r, gitattributes).toEqual(await readStagedDiff(dir, { viaPatch: true }));
      expect(r.files.length + r.blobs.length, gitattributes).toBe(2 * contents.length);
    }
  });

  it('a new file is read from the work tree only as a regular file under plain directories, with its blob\'s bytes', async () => {
    const { dir, git, write } = repo();
    const outside = mkdtempSync(join(tmpdir(), 'clipguard-outside-'));
    dirs.push(outside);
    const names = ['same.txt', 'edited.txt', 'linked.txt', 'fifo.txt', 'in-linked-dir/x.txt', 'deep/er/ok.txt', 'deep/linked/y.txt', 'big.txt', 'dir.txt'];
    names.forEach((n, i) => write(n, n === 'big.txt' ? 'b'.repeat(100) : `content ${i}\n`));
    git('add', '-A');
    const ids = Object.fromEntries(names.map((n) => [n, git('rev-parse', `:${n}`).trim()]));
    write('edited.txt', 'content 1\nmore\n');
    // The same bytes outside the repository, reached through a link: not opened, so not a work-tree copy.
    writeFileSync(join(outside, 'linked.txt'), 'content 2\n');
    rmSync(join(dir, 'linked.txt'));
    symlinkSync(join(outside, 'linked.txt'), join(dir, 'linked.txt'));
    mkdirSync(join(outside, 'd'));
    writeFileSync(join(outside, 'd', 'x.txt'), 'content 4\n');
    renameSync(join(dir, 'in-linked-dir'), join(dir, 'moved-away'));
    symlinkSync(join(outside, 'd'), join(dir, 'in-linked-dir'));
    mkdirSync(join(outside, 'e'));
    writeFileSync(join(outside, 'e', 'y.txt'), 'content 6\n');
    renameSync(join(dir, 'deep', 'linked'), join(dir, 'deep', 'moved-away'));
    symlinkSync(join(outside, 'e'), join(dir, 'deep', 'linked'));
    // A FIFO where the staged file was: opened without blocking, not read (no writer would ever come).
    rmSync(join(dir, 'fifo.txt'));
    execFileSync('mkfifo', [join(dir, 'fifo.txt')]);
    rmSync(join(dir, 'dir.txt'));
    mkdirSync(join(dir, 'dir.txt'));
    const found = workTreeBlobs(dir, names.map((path) => ({ path, dstSha: ids[path] })), 64);
    expect([...found.keys()].sort()).toEqual([ids['same.txt'], ids['deep/er/ok.txt']].sort());
    expect(found.get(ids['same.txt'])).toEqual(Buffer.from('content 0\n'));
    // Everything else comes from git, as if the work tree were not there.
    const r = await readStagedDiff(dir, { maxFileBytes: 64 });
    expect(r).toEqual(await readStagedDiff(dir, { maxFileBytes: 64, viaPatch: true }));
    expect(r.files.map((f) => f.path).sort()).toEqual(names.filter((n) => n !== 'big.txt').sort());
    expect(r.blobs).toEqual([{ path: 'big.txt', blob: ids['big.txt'], why: 'too large' }]);
  });

  it('a work tree whose copies all differ from their blobs (CRLF conversion, say) is given up after 32 misses; git reads them all the same', async () => {
    const { dir, git, write } = repo();
    for (let i = 0; i < 45; i++) write(`f/${String(i).padStart(2, '0')}.txt`, `line ${i}\nkey = value${i}\n`);
    git('add', '-A');
    const staged = git('ls-files', '-s').trim().split('\n').map((l) => ({ path: l.split('\t')[1], dstSha: l.split(' ')[1] }));
    // The first 40 changed after `git add`, the last 5 kept: the walk has stopped before it reaches them.
    staged.slice(0, 40).forEach((f) => write(f.path, 'changed\r\n'));
    expect(workTreeBlobs(dir, staged, 1 << 20).size).toBe(0);
    expect(workTreeBlobs(dir, staged.slice(40), 1 << 20).size).toBe(5);
    const r = await readStagedDiff(dir);
    expect(r.files).toHaveLength(45);
    expect(r).toEqual(await readStagedDiff(dir, { viaPatch: true }));
  });

  it('20 new files beside 260 changed ones (CRLF, no final newline): the same as the whole patch', async () => {
    const { dir, git, write } = repo();
    for (let i = 0; i < 260; i++) write(`m/${i}.txt`, `old ${i}\n`);
    git('add', '-A');
    git('commit', '-qm', 'base');
    for (let i = 0; i < 260; i++) write(`m/${i}.txt`, `new ${i}\r\n`);
    for (let i = 0; i < 20; i++) write(`n/${i}.txt`, `fresh ${i}\nsecond`);
    git('add', '-A');
    const r = await readStagedDiff(dir);
    expect(r.files.length).toBe(280);
    expect(r).toEqual(await readStagedDiff(dir, { viaPatch: true }));
  });
});
