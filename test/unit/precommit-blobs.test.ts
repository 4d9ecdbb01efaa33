// `clipguard precommit` on what git calls binary and on files over the patch size limit, in real git
// repositories: a key in a 2.2 MB minified bundle, a UTF-16 .env, a text file with a NUL byte, a PNG with a
// key in a text chunk all block the commit with the key masked; a staged file git cannot read blocks it too,
// naming the file and the way to allow it. `scan --repo` reads committed blobs the same way.
import { spawnSync } from 'node:child_process';
import { rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, cli, cliEnv } from '../helpers/cli.js';
import { fakeToken } from '../helpers/fake-secrets.js';
import { precommitRepo } from '../helpers/precommit-repo.js';
import type { Report } from '../../src/types.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const repo = () => precommitRepo('clipguard-precommit-blobs-', dirs);

const where = (report: Report | null) => (report?.findings ?? []).map((f) => [f.ruleId, f.location?.file, f.location?.line, f.location?.column]);

/** A minified bundle: one line of `size` characters, with `key` at the given offsets. */
function bundle(size: number, keys: [number, string][]): string {
  let out = '';
  let at = 0;
  const filler = 'function a(b){return b+1};var c=[1,2,3].map(a);';
  for (const [offset, key] of keys) {
    while (out.length < offset - 7) out += filler;
    out = out.slice(0, offset - 7) + 'var t="' + key + '";';
    at = out.length;
  }
  while (out.length < size) out += filler;
  return out.slice(0, Math.max(size, at)) + '\n';
}

/** A 1x1 PNG with a tEXt chunk. */
function png(text: string): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    return Buffer.concat([len, Buffer.from(type, 'latin1'), data, Buffer.alloc(4)]); // CRC not checked by git
  };
  const ihdr = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('tEXt', Buffer.from(`Comment\0${text}`, 'latin1')),
    chunk('IDAT', deflateSync(Buffer.from([0, 255, 0, 0, 255]))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('precommit: files git calls binary, or too large for the patch', () => {
  it('keys near the end of a 2.2 MB minified bundle and across the first window boundary block, each once, with the key masked', () => {
    const { stage, precommit } = repo();
    const nearEnd = fakeToken('github-pat', 801);
    const straddling = fakeToken('anthropic-api-key', 802);
    const straddling2 = fakeToken('openai-api-key', 811);
    const size = Math.round(2.2 * 1024 * 1024);
    // Where the first window's own part ends depends on the pipe's chunks: 1 MiB + 16 KiB rounded up to 64 KiB
    // reads on Linux, minus the 16 KiB look-ahead. blob-secrets.test.ts cuts exactly at the boundary.
    const boundary = 17 * 65536 - (16 << 10);
    const keys: [number, string][] = [[(1 << 20) - 20, straddling], [boundary - 20, straddling2], [size - 200, nearEnd]];
    stage('dist/app.min.js', bundle(size, keys));
    const r = precommit();
    expect(r.code, r.stderr).toBe(1);
    expect(where(r.report).sort((a, b) => Number(a[3]) - Number(b[3]))).toEqual(keys.map(([at]) => ['security/secret-in-diff', 'dist/app.min.js', 1, at + 1]));
    for (const [, key] of keys) expect(r.stdout + r.stderr).not.toContain(key);
    expect(r.report!.sources.find((s) => s.name === 'git:staged')!.detail).toContain('read whole: dist/app.min.js (too large)');
  });

  it('a UTF-16LE .env and a UTF-16BE one (with BOM) block, at the line of the key', () => {
    const { stage, precommit } = repo();
    const le = fakeToken('openai-api-key', 803);
    const be = fakeToken('gitlab-pat', 804);
    stage('.env', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`# local\r\nOPENAI_API_KEY=${le}\r\n`, 'utf16le')]));
    stage('be.env', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(`# local\nGITLAB_TOKEN=${be}\n`, 'utf16le').swap16()]));
    const r = precommit();
    expect(r.code, r.stderr).toBe(1);
    expect(where(r.report)).toEqual([
      ['security/secret-in-diff', '.env', 2, 16],
      ['security/secret-in-diff', 'be.env', 2, 14],
    ]);
    expect(r.stdout + r.stderr).not.toContain(le);
    expect(r.stdout + r.stderr).not.toContain(be);
  });

  it('BOM-less UTF-16BE and UTF-32LE files that are mostly CJK block, at the line of the key (they were read as binary, and the key was missed)', () => {
    const { stage, precommit } = repo();
    const a = fakeToken('github-pat', 806);
    const b = fakeToken('gitlab-pat', 807);
    const notes = '設定ファイルの説明：本番環境では使わないこと。認証情報は秘密管理から読み込む。\n'.repeat(30);
    stage('zh.conf', Buffer.from(`${notes}GITHUB_TOKEN=${a}\n`, 'utf16le').swap16());
    const text = `${notes}GITLAB_TOKEN=${b}\n`;
    const cps = [...text].map((c) => c.codePointAt(0)!);
    const u32 = Buffer.alloc(cps.length * 4);
    cps.forEach((cp, i) => u32.writeUInt32LE(cp, i * 4));
    stage('ja.conf', u32);
    const r = precommit();
    expect(r.code, r.stderr).toBe(1);
    expect(where(r.report)).toEqual([
      ['security/secret-in-diff', 'ja.conf', 31, 14],
      ['security/secret-in-diff', 'zh.conf', 31, 14],
    ]);
    expect(r.stdout + r.stderr).not.toContain(a);
    expect(r.stdout + r.stderr).not.toContain(b);
  });

  it('a text file with one NUL byte blocks (the NUL is a separator, not a reason to skip)', () => {
    const { dir, stage } = repo();
    const key = fakeToken('github-pat', 805);
    stage('config.ini', `[main]\nname = x\0\ntoken = ${key}\n`);
    const r = cli(['precommit'], { cwd: dir });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain('config.ini:3');
    expect(r.stdout + r.stderr).not.toContain(key);
    expect(r.stderr).not.toContain('skipped');
  });

  it('a PNG with a key in its tEXt chunk blocks (printable runs of binary files are scanned, as `strings` shows them)', () => {
    const { stage, precommit } = repo();
    const key = fakeToken('slack-bot-token', 806);
    stage('logo.png', png(`token=${key}`));
    const r = precommit();
    expect(r.code, r.stderr).toBe(1);
    expect(where(r.report).map((w) => w.slice(0, 2))).toEqual([['security/secret-in-diff', 'logo.png']]);
    expect(r.stdout + r.stderr).not.toContain(key);
  });

  it('a checkout that marks its files binary (.gitattributes `-diff`) does not hide a key from the hook', () => {
    const { stage, precommit } = repo();
    const key = fakeToken('github-pat', 813);
    stage('.gitattributes', '*.env -diff\n');
    stage('prod.env', `GITHUB_TOKEN=${key}\n`);
    const r = precommit();
    expect(r.code, r.stderr).toBe(1);
    expect(where(r.report)).toEqual([['security/secret-in-diff', 'prod.env', 1, 14]]);
    expect(r.stdout).not.toContain(key);
  });

  it('a clean binary passes; a key already in the previous version of a binary file is not new, a second one is', () => {
    const { git, stage, precommit } = repo();
    const old = fakeToken('github-pat', 807);
    stage('clean.png', png('Software: test'));
    expect(precommit().code).toBe(0);
    stage('data.bin', Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from(`token=${old}\n`)]));
    git('commit', '-qm', 'old key (committed before the hook)');
    stage('data.bin', Buffer.concat([Buffer.from([0, 1, 2, 3]), Buffer.from(`token=${old}\n`)]));
    const same = precommit();
    expect(same.code, same.stderr).toBe(0);
    const fresh = fakeToken('gitlab-pat', 808);
    stage('data.bin', Buffer.concat([Buffer.from([0, 1, 2, 3]), Buffer.from(`token=${old}\nother=${fresh}\n`)]));
    const r = precommit();
    expect(r.code, r.stderr).toBe(1);
    expect(where(r.report)).toEqual([['security/secret-in-diff', 'data.bin', 2, 7]]);
  });

  it('a staged file git cannot read blocks, naming the file and secrets.allowlist.paths; allowlisted, it passes', () => {
    const { dir, git, stage, precommit } = repo();
    stage('vendor/blob.bin', Buffer.concat([Buffer.from([0, 0, 1]), Buffer.from('opaque')]));
    const sha = git('rev-parse', ':vendor/blob.bin').trim();
    unlinkSync(join(dir, '.git', 'objects', sha.slice(0, 2), sha.slice(2))); // a broken object store
    const r = precommit();
    expect(r.code, r.stderr).toBe(1);
    expect(r.report!.findings.map((f) => f.ruleId)).toEqual(['source/git-unavailable']);
    expect(r.report!.findings[0].message).toMatch(/could not read vendor\/blob\.bin .*not scanned for secrets.*secrets\.allowlist\.paths/);
    const text = cli(['precommit'], { cwd: dir });
    expect(text.code).toBe(1);
    expect(text.stderr).toContain('commit blocked: a staged file could not be read');
    writeFileSync(join(dir, 'clipguard.config.json'), JSON.stringify({ secrets: { allowlist: { paths: ['vendor/**'] } } }));
    const allowed = precommit();
    expect(allowed.code, allowed.stdout + allowed.stderr).toBe(0);
  });
});

describe('precommit: memory stays bounded whatever the size of a staged file', () => {
  it('a 160 MB staged file is scanned (its key at the end found) with a peak RSS under 200 MB', () => {
    const { dir, git } = repo();
    const key = fakeToken('github-pat', 812);
    const line = '2026-12-06T02:41:12Z INFO request served path=/api/v1/items?id=12345 status=200 took=12ms\n'.repeat(10_000);
    const parts = Array.from({ length: Math.ceil((160 << 20) / line.length) }, () => line);
    writeFileSync(join(dir, 'big.log'), parts.join('') + `export GITHUB_TOKEN=${key}\n`);
    git('add', 'big.log');
    // The CLI's own peak resident memory, written by the process itself as it exits (git's is its own).
    writeFileSync(join(dir, 'rss.mjs'), "process.on('exit', () => process.stderr.write(`maxRSS=${process.resourceUsage().maxRSS}\\n`));\n");
    const args = ['precommit', '--format', 'json'];
    const r = spawnSync(process.execPath, ['--import', join(dir, 'rss.mjs'), BIN, ...args], { cwd: dir, env: cliEnv(args, dir), encoding: 'utf8', maxBuffer: 64 << 20 });
    expect(r.status, r.stderr).toBe(1);
    expect(where(JSON.parse(r.stdout) as Report)).toEqual([['security/secret-in-diff', 'big.log', parts.length * 10_000 + 1, 21]]);
    const kb = Number(/maxRSS=(\d+)/.exec(r.stderr)![1]);
    // Reading the file whole would take more than its size (160 MB) on top of Node's ~60 MB.
    expect(kb).toBeLessThan(200 * 1024);
  });
});

describe('scan --repo: committed binary, UTF-16 and large files are read the same way', () => {
  it('a skipped staged name carrying terminal escapes is named without them (no colour, title or bell from the checkout)', () => {
    const { dir, git } = repo();
    const name = 'link\u001b[31mRED\u001b[0m\u001b]0;pwned\u0007\u009b2J.txt';
    symlinkSync('/etc/hostname', join(dir, name));
    git('add', '-A');
    const r = cli(['precommit'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('clipguard: skipped link[31mRED[0m]0;pwned2J.txt (symlink)');
    expect(r.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  });

  it('finds keys in a committed UTF-16 file and a large one, and reports an unreadable blob', () => {
    const { dir, git, stage } = repo();
    const utf16 = fakeToken('github-pat', 809);
    const big = fakeToken('gitlab-pat', 810);
    stage('win.env', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`TOKEN=${utf16}\r\n`, 'utf16le')]));
    stage('huge.txt', 'y'.repeat(3 * 1024 * 1024) + '\n' + `token = ${big}\n`);
    git('commit', '-qm', 'keys');
    const scan = () => cli(['scan', '--repo', dir, '--no-paperclip', '--only', 'security/secret-in-diff', 'source/git-unavailable', '--format', 'json'], { cwd: dir });
    const r = scan();
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout) as Report;
    expect(where(report).sort()).toEqual([
      ['security/secret-in-diff', 'huge.txt', 2, 9],
      ['security/secret-in-diff', 'win.env', 1, 7],
    ]);
    expect(r.stdout).not.toContain(utf16);
    expect(r.stdout).not.toContain(big);
    const sha = git('rev-parse', 'HEAD:huge.txt').trim();
    unlinkSync(join(dir, '.git', 'objects', sha.slice(0, 2), sha.slice(2)));
    const broken = JSON.parse(scan().stdout) as Report;
    expect(broken.findings.find((f) => f.ruleId === 'source/git-unavailable')?.message).toMatch(/could not read huge\.txt in [0-9a-f]{10} .*secrets\.allowlist\.paths/);
    expect(where(broken).filter((w) => w[0] === 'security/secret-in-diff')).toEqual([['security/secret-in-diff', 'win.env', 1, 7]]);
  });
});
