// Differential check of `clipguard precommit`: two builds (checkouts with `npm run build` done) must give the
// same exit code, findings and source statuses (`--format json`) on staged repositories mixing new and changed
// real source files with fake keys (assembled at run time), CRLF and no final newline, a NUL file, a UTF-16 file,
// `-diff` and `diff` attributes, an empty file, a rename, and the benchmark's 200 real files. Used for issue 22's
// reading of new files from their blobs.
//
//   node scripts/precommit-diff.mjs <before-checkout> <after-checkout>     (exit 1 on any difference)
import { tmpdir } from 'node:os';
import { spawnSync, execFileSync } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
const root = new URL('..', import.meta.url).pathname;
const { fakeToken, FAKE_KINDS, fakeSample } = await import(`${root}test/helpers/fake-secrets.mjs`);
const { realFiles } = await import(`${root}bench/real-source.mjs`);
const [A, B] = process.argv.slice(2).map((p) => join(p.startsWith('/') ? p : join(process.cwd(), p), 'bin/clipguard.js'));
if (!A || !B) throw new Error('usage: node scripts/precommit-diff.mjs <before-checkout> <after-checkout>');
const run = (bin, dir) => { const r = spawnSync('node', [bin, 'precommit', '--format', 'json'], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 28 }); const j = JSON.parse(r.stdout); return { code: r.status, findings: j.findings, sources: j.sources.map((s) => ({ name: s.name, status: s.status, detail: s.detail })) }; };
let cases = 0, findings = 0, diffs = 0;
function compare(label, dir) {
  const a = run(A, dir), b = run(B, dir);
  cases++; findings += b.findings.length;
  const sa = JSON.stringify(a), sb = JSON.stringify(b);
  if (sa !== sb) { diffs++; console.log('DIFF', label, sa.slice(0, 400), '\n  vs', sb.slice(0, 400)); }
  else console.log('same', label, 'exit', b.code, 'findings', b.findings.length);
}
for (let seed = 1; seed <= 6; seed++) {
  const dir = join(tmpdir(), `clipguard-precommit-diff-${process.pid}-${seed}`);
  rmSync(dir, { recursive: true, force: true }); mkdirSync(dir, { recursive: true });
  const git = (...a) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'commit.gpgsign=false', ...a], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  git('init', '-q');
  const files = realFiles(200).slice(seed * 10, seed * 10 + 60);
  const half = files.slice(0, 30);
  for (const f of half) { const to = join(dir, 'v', f.path); mkdirSync(dirname(to), { recursive: true }); copyFileSync(f.abs, to); }
  writeFileSync(join(dir, 'mod.txt'), 'one\ntwo\n');
  git('add', '-A'); git('commit', '-qm', 'base');
  // new real files, some with planted keys (LF, CRLF, no final newline), changed files with keys, a binary and a -diff file with keys
  for (const [i, f] of files.slice(30).entries()) { const to = join(dir, 'n', f.path); mkdirSync(dirname(to), { recursive: true }); copyFileSync(f.abs, to); if (i % 5 === 0) appendFileSync(to, `\nconst k${i} = '${fakeToken(FAKE_KINDS[(i + seed) % FAKE_KINDS.length], seed * 100 + i)}';\n`); }
  for (const [i, f] of half.entries()) if (i % 6 === seed % 6) appendFileSync(join(dir, 'v', f.path), `\nexport const token = "${fakeToken('github-pat', seed * 7 + i)}";\n`);
  appendFileSync(join(dir, 'mod.txt'), `${fakeSample(FAKE_KINDS[seed], seed, seed % 6).text}\r\n`);
  writeFileSync(join(dir, 'crlf.env'), `A=1\r\nTOKEN=${fakeToken('slack-bot-token', seed)}\r\nB=2`);
  writeFileSync(join(dir, 'nul.bin'), Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from(`\nkey ${fakeToken('github-pat', seed + 50)}\n`)]));
  writeFileSync(join(dir, '.gitattributes'), '*.nodiff -diff\n*.textual diff\n');
  writeFileSync(join(dir, 'x.nodiff'), `secret ${fakeToken('stripe-secret-key', seed)}\n`);
  writeFileSync(join(dir, 'y.textual'), `a\0b\ntoken ${fakeToken('github-pat', seed + 90)}\n`);
  writeFileSync(join(dir, 'utf16.txt'), Buffer.from(`\uFEFFtoken=${fakeToken('github-pat', seed + 70)}\n`, 'utf16le'));
  writeFileSync(join(dir, 'empty.txt'), '');
  writeFileSync(join(dir, 'zh.md'), `說明：金鑰 ${fakeToken('anthropic-api-key', seed)} 結束`);
  if (seed % 2) git('mv', 'mod.txt', 'renamed.txt');
  git('add', '-A');
  compare(`seed ${seed}`, dir);
  rmSync(dir, { recursive: true, force: true });
}
// The benchmark's case: 200 real files staged as new files.
const real = join(tmpdir(), `clipguard-precommit-diff-${process.pid}-real`);
rmSync(real, { recursive: true, force: true });
mkdirSync(real, { recursive: true });
execFileSync('git', ['init', '-q'], { cwd: real });
for (const f of realFiles(200)) {
  const to = join(real, 'vendor', f.path);
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(f.abs, to);
}
execFileSync('git', ['add', '-A'], { cwd: real });
compare('200 real files', real);
rmSync(real, { recursive: true, force: true });
console.log(`cases ${cases}, findings ${findings}, differences ${diffs}`);
if (diffs) process.exitCode = 1;
