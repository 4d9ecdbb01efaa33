// The streamed commit range (src/sources/git.ts, streamCommitRange): the same reading as the whole-range
// reader it replaced on histories that one handled (a fast-check property over generated histories in real
// repositories), the same parse however git's output is chunked, and a git that stops midway or a line
// longer than the limit turned into something the scan reports, never a crash or a silent gap.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { LogParser, readCommitRange, splitLines, type LineBatch } from '../../src/sources/git.js';
import { readCommitRange as readWholeRange } from '../helpers/git-range-whole.js';
import { fakeToken } from '../helpers/fake-secrets.js';
import { cli } from '../helpers/cli.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function repo() {
  const dir = mkdtempSync(join(tmpdir(), 'clipguard-gitstream-'));
  dirs.push(dir);
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'init.defaultBranch=main', '-c', 'commit.gpgsign=false', ...args], { cwd: dir, encoding: 'utf8' });
  git('init', '-q');
  const write = (path: string, content: string | Buffer) => {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  };
  return { dir, git, write };
}

// Lines an added line or a message may hold that look like the structure of `git log -p` output.
const TRICKY = ['diff --git a/x b/x', '+++ b/evil.txt', '--- a/evil.txt', '@@ -1,2 +1,9 @@', ':100644 100644 0000 1111 M\tx', '@clipguard-0000000000000000@', 'rename to y', 'Binary files a and b differ', '\\ No newline at end of file', ''];
const PATHS = ['a.txt', 'dir/b.env', 'sp ace.md', 'ünï.txt', 'q"uote.txt', 'tab\there.txt', 'deep/er/c.js'];

type Op =
  | { op: 'write'; path: number; lines: string[]; crlf: boolean }
  | { op: 'delete'; path: number }
  | { op: 'rename'; from: number; to: number }
  | { op: 'binary'; path: number; key: boolean }
  | { op: 'symlink'; path: number }
  | { op: 'big'; lines: number };

const line = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }).map((s) => s.replace(/[\r\n]/g, ' ')) },
  { weight: 2, arbitrary: fc.constantFrom(...TRICKY) },
  { weight: 1, arbitrary: fc.nat(50).map((n) => `KEY=${fakeToken('github-pat', n)}`) },
  { weight: 1, arbitrary: fc.nat(50).map((n) => `aws = "${fakeToken('aws-access-key-id', n)}"`) },
);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('write' as const), path: fc.nat(PATHS.length - 1), lines: fc.array(line, { maxLength: 12 }), crlf: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), path: fc.nat(PATHS.length - 1) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('rename' as const), from: fc.nat(PATHS.length - 1), to: fc.nat(PATHS.length - 1) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('binary' as const), path: fc.nat(PATHS.length - 1), key: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('symlink' as const), path: fc.nat(PATHS.length - 1) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('big' as const), lines: fc.integer({ min: 1, max: 3 }) }) },
);
const commit = fc.record({ ops: fc.array(op, { minLength: 1, maxLength: 4 }), message: fc.array(line, { minLength: 1, maxLength: 4 }) });

/** Small enough that generated files cross it (a "big" file, written once at its own path, always does). */
const MAX = 4000;

/** A real repository built from generated commits; returns the range of all but the first commit. */
function build(commits: { ops: Op[]; message: string[] }[]): { dir: string; range: string } {
  const { dir, git, write } = repo();
  write('base.txt', 'base\n');
  git('add', '-A');
  git('commit', '-qm', 'base');
  const base = git('rev-parse', 'HEAD').trim();
  let bigs = 0;
  for (const c of commits) {
    for (const o of c.ops) {
      const rm = (p: string) => rmSync(join(dir, p), { force: true });
      if (o.op === 'write') {
        rm(PATHS[o.path]);
        write(PATHS[o.path], o.lines.map((l) => l + (o.crlf ? '\r\n' : '\n')).join(''));
      } else if (o.op === 'delete') rm(PATHS[o.path]);
      else if (o.op === 'rename') {
        try {
          rm(PATHS[o.to]);
          execFileSync('mv', [join(dir, PATHS[o.from]), join(dir, PATHS[o.to])], { stdio: 'ignore' });
        } catch {
          // nothing to move
        }
      } else if (o.op === 'binary') {
        rm(PATHS[o.path]);
        write(PATHS[o.path], Buffer.concat([Buffer.from([0, 1, 2, 0]), Buffer.from(o.key ? `\nK=${fakeToken('github-pat', 7)}\n` : 'x')]));
      } else if (o.op === 'symlink') {
        rm(PATHS[o.path]);
        mkdirSync(join(dir, PATHS[o.path], '..'), { recursive: true });
        symlinkSync('base.txt', join(dir, PATHS[o.path]));
      } else {
        // Over the limit at a path never used again: the old reader's range-wide pathspec would also read
        // that path's small versions in other commits whole (see the note on readCommitRange's report).
        write(`big/${bigs++}.txt`, Array.from({ length: o.lines }, (_, i) => `${'z'.repeat(MAX)} ${i} ${fakeToken('github-pat', i)}`).join('\n') + '\n');
      }
    }
    git('add', '-A');
    // --allow-empty-message: a generated message of blank lines is empty once git trims it (seed -1391256434).
    git('commit', '-q', '--allow-empty', '--allow-empty-message', '-m', c.message.join('\n'));
  }
  return { dir, range: `${base}..HEAD` };
}

const sorted = <T>(xs: T[]) => [...xs].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));

describe('streamCommitRange', () => {
  it('reads what the whole-range reader read, on generated histories in real repositories (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(commit, { minLength: 1, maxLength: 5 }), async (commits) => {
        const { dir, range } = build(commits);
        const before = await readWholeRange(dir, range, { maxFileBytes: MAX });
        const now = await readCommitRange(dir, range, { maxFileBytes: MAX });
        expect(now.unread).toEqual([]);
        expect(now.commits).toEqual(before.commits);
        expect(now.files).toEqual(before.files);
        expect(sorted(now.blobs)).toEqual(sorted(before.blobs));
        expect(sorted(now.skipped)).toEqual(sorted(before.skipped));
        rmSync(dir, { recursive: true, force: true });
      }),
      { numRuns: 25 },
    );
  }, 240_000);

  it('parses the same events however the output is split into chunks, and cuts lines over the limit the same way (property)', async () => {
    const marker = '@clipguard-0123456789abcdef@';
    const sha = (n: number) => n.toString(16).padStart(40, '0');
    const body = fc.array(fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom(...TRICKY), fc.constant('w'.repeat(90))), { maxLength: 4 }).map((ls) => ls.map((l) => l.replace(/\0/g, '')).join('\n'));
    const added = fc.array(fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom(...TRICKY), fc.nat(200).map((n) => 'L'.repeat(n)), fc.constant('ünïcødé €€€')), { minLength: 1, maxLength: 5 });
    const section = fc.record({ path: fc.constantFrom('a.txt', 'b c.txt', 'é.md'), lines: added, binary: fc.boolean() });
    const logText = fc.array(fc.record({ message: body, sections: fc.array(section, { maxLength: 3 }) }), { minLength: 1, maxLength: 4 }).map((cs) =>
      cs
        .map((c, i) => {
          const raw = c.sections.map((s, j) => `:100644 100644 ${sha(i * 10 + j + 1)} ${sha(i * 10 + j + 100)} M\t${s.path}\n`).join('');
          const patch = c.sections
            .map((s, j) =>
              s.binary
                ? `diff --git a/${s.path} b/${s.path}\nindex ${sha(1)}..${sha(j + 2)} 100644\nBinary files a/${s.path} and b/${s.path} differ\n`
                : `diff --git a/${s.path} b/${s.path}\nindex ${sha(1)}..${sha(j + 2)} 100644\n--- a/${s.path}\n+++ b/${s.path}\n@@ -1 +1,${s.lines.length} @@\n-old\n${s.lines.map((l) => `+${l}`).join('\n')}\n`,
            )
            .join('');
          return `${marker}${sha(i + 1000)}\0t <t@t>\0 2026-01-01T00:00:00Z\0${c.message}\n\0\n\n${raw}\n${patch}`;
        })
        .join(''),
    );
    const parse = async (chunks: Buffer[], max: number) => {
      const parser = new LogParser(marker, max);
      const events: unknown[] = [];
      async function* source() {
        yield* chunks;
      }
      for await (const b of splitLines(source(), max + 64)) events.push(...parser.push(b));
      events.push(...parser.end());
      return events;
    };
    await fc.assert(
      fc.asyncProperty(logText, fc.array(fc.nat(), { maxLength: 30 }), fc.constantFrom(40, 100, 10_000), async (text, cuts, max) => {
        const bytes = Buffer.from(text);
        const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const chunks = [0, ...at].map((from, i, all) => bytes.subarray(from, all[i + 1] ?? bytes.length)).filter((c) => c.length);
        expect(await parse(chunks, max)).toEqual(await parse([bytes], max));
      }),
      { numRuns: 300 },
    );
  });

  it('splitLines keeps no more than the limit of an endless line, and the lines after it whole', async () => {
    async function* chunks() {
      yield Buffer.from('first\n+');
      for (let i = 0; i < 100; i++) yield Buffer.alloc(1000, 'x');
      yield Buffer.from('yyy\nafter\nlast');
    }
    const got: LineBatch[] = [];
    for await (const b of splitLines(chunks(), 5000)) got.push(b);
    const lines = got.flatMap((b) => b.lines);
    expect(lines).toEqual(['first', '+' + 'x'.repeat(255), 'after', 'last']);
    expect(got.flatMap((b) => b.lines.map((_, i) => b.cut?.has(i) ?? false))).toEqual([false, true, false, false]);
  });

  it('a git killed in the middle of the range is an error after what it read, not a quietly shorter history', async () => {
    const { dir, git, write } = repo();
    for (let i = 0; i < 40; i++) {
      write(`f${i}.txt`, `line ${i}\n`.repeat(200));
      git('add', '-A');
      git('commit', '-qm', `commit ${i}`);
    }
    // A `git` that dies by SIGKILL after 20 kB of `git log` output (the rest of git runs as usual).
    const bin = mkdtempSync(join(tmpdir(), 'clipguard-fakegit-'));
    dirs.push(bin);
    const real = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    writeFileSync(join(bin, 'git'), `#!/bin/sh\ncase " $* " in *" log "*) "${real}" "$@" | head -c 20000; kill -KILL $$;; esac\nexec "${real}" "$@"\n`);
    chmodSync(join(bin, 'git'), 0o755);
    const path = process.env.PATH;
    process.env.PATH = `${bin}${delimiter}${path}`;
    try {
      const { streamCommitRange } = await import('../../src/sources/git.js');
      const seen: string[] = [];
      await expect(
        (async () => {
          for await (const ev of streamCommitRange(dir, 'HEAD')) if (ev.type === 'commit') seen.push(ev.commit.subject);
        })(),
      ).rejects.toThrow(/git log was stopped by SIGKILL/);
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.length).toBeLessThan(40);
    } finally {
      process.env.PATH = path;
    }
  });

  it('scan: a blob git cannot read (git log -p stops on it) is reported unread by name, and the files around it are still scanned', () => {
    const { dir, git, write } = repo();
    write('a.env', `TOKEN=${fakeToken('github-pat', 1)}\n`);
    git('add', '-A');
    git('commit', '-qm', 'first key');
    write('b.txt', 'this blob goes missing\n');
    write('c.env', `TOKEN=${fakeToken('github-pat', 2)}\n`);
    git('add', '-A');
    git('commit', '-qm', 'lost blob, and a key after it in the same commit');
    const lost = git('rev-parse', 'HEAD:b.txt').trim();
    write('d.env', `TOKEN=${fakeToken('github-pat', 3)}\n`);
    git('add', '-A');
    git('commit', '-qm', 'a key in the next commit');
    unlinkSync(join(dir, '.git', 'objects', lost.slice(0, 2), lost.slice(2)));
    const r = cli(['scan', '--no-paperclip', '--repo', dir, '--git-range', 'HEAD', '--only', 'security', '-f', 'json'], { cwd: dir });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    const found = report.findings.filter((f: { ruleId: string }) => f.ruleId === 'security/secret-in-diff').map((f: { location: { file: string } }) => f.location.file);
    expect(found.sort()).toEqual(['a.env', 'c.env', 'd.env']);
    expect(report.findings.map((f: { ruleId: string }) => f.ruleId)).toContain('source/git-unavailable');
    expect(report.sources[0].status).toBe('unavailable');
    expect(report.sources[0].detail).toMatch(/could not read b\.txt in [0-9a-f]{10} .*secrets\.allowlist\.paths/);
    expect(r.stdout).not.toContain(fakeToken('github-pat', 1));
  });

  it('a file whose one line is larger than the limit is read whole from its blob, and its key is found', () => {
    const { dir, git, write } = repo();
    write('README', 'x\n');
    git('add', '-A');
    git('commit', '-qm', 'base');
    write('bundle.min.js', `var a="${'q'.repeat(3 * 1024 * 1024)}";var k="${fakeToken('github-pat', 3)}";\n`);
    write('small.env', `TOKEN=${fakeToken('github-pat', 4)}\n`);
    git('add', '-A');
    git('commit', '-qm', 'bundle');
    const r = cli(['scan', '--no-paperclip', '--repo', dir, '--git-range', 'HEAD~1..HEAD', '--only', 'security', '-f', 'json'], { cwd: dir });
    const report = JSON.parse(r.stdout);
    expect(report.sources[0].status).toBe('ok');
    expect(report.findings.map((f: { location?: { file: string } }) => f.location?.file).sort()).toEqual(['bundle.min.js', 'small.env']);
  });
});

describe('streamCommitRange against a hostile checkout', () => {
  it('a message over the limit is reported unread (the rest of the range is still read); a checkout asking for UTF-16 log output or hiding the root diff changes nothing', async () => {
    const { dir, git, write } = repo();
    write('a.env', `TOKEN=${fakeToken('github-pat', 5)}\n`);
    git('add', '-A');
    git('commit', '-qm', 'root commit');
    write('b.txt', 'b\n');
    git('add', '-A');
    git('commit', '-qm', `long ${'m'.repeat(6000)}`);
    write('c.env', `TOKEN=${fakeToken('github-pat', 6)}\n`);
    git('add', '-A');
    git('commit', '-qm', 'after');
    git('config', 'i18n.logOutputEncoding', 'UTF-16');
    git('config', 'log.showRoot', 'false');
    const r = await readCommitRange(dir, 'HEAD', { maxFileBytes: 4000 });
    expect(r.commits.map((c) => c.subject.slice(0, 5))).toEqual(['root ', 'long ', 'after']);
    expect(r.unread).toEqual([{ commit: r.commits[1].sha, what: 'its message (over the size limit)' }]);
    expect(r.files.map((f) => f.path)).toEqual(['a.env', 'b.txt', 'c.env']);
  });
});
