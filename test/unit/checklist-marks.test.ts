// The daily checklist's ⚠️ and ❌ paths, from the real CLI over real sources: a git repository (made here, with a
// bare remote) holding an unpushed commit, deploy URLs on loopback that answer 500 or are down, and a zh-TW locale
// file with Simplified characters. Paperclip is off (items 1-3 say so). Text and json output.
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cli.js';
import { cliAsync } from '../helpers/cli-async.js';
import { writeTrustedConfig } from '../helpers/trust.js';
import { checklistValidator, sarifValidator } from '../helpers/schemas.js';
import { readFileSync } from 'node:fs';

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=Checklist Test', '-c', 'user.email=checklist@example.invalid', '-c', 'commit.gpgsign=false', '-c', 'core.hooksPath=/dev/null', ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

let server: Server;
let up = '';
let broken = '';
let down = '';
let repo = '';
let cwd = '';

beforeAll(async () => {
  // The deployed site: `/` is up, `/broken` answers 500.
  server = createServer((req, res) => {
    if (req.url === '/broken') {
      res.writeHead(500, { 'content-type': 'text/plain' });
      return res.end('internal error');
    }
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<title>Canfly</title>');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  up = `${base}/`;
  broken = `${base}/broken`;
  // A port nothing listens on: bound, then closed.
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  down = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/`;
  await new Promise<void>((r) => closed.close(() => r()));

  // A repository whose main tracks origin/main, one commit ahead of it, with a zh-TW file mixing in Simplified.
  const remote = join(tempDir('clipguard-remote-'), 'origin.git');
  git(tempDir(), 'init', '-q', '--bare', remote);
  repo = tempDir('clipguard-repo-');
  git(repo, 'init', '-q', '-b', 'main');
  writeFileSync(join(repo, 'README.md'), '# site\n');
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'first');
  git(repo, 'remote', 'add', 'origin', remote);
  git(repo, 'push', '-q', '-u', 'origin', 'main');
  mkdirSync(join(repo, 'locales'));
  // 欢迎 and 软件 are Simplified (歡迎, 軟體/軟件 in Traditional); 設定 is Traditional and fine.
  writeFileSync(join(repo, 'locales', 'zh-TW.json'), JSON.stringify({ welcome: '欢迎使用', settings: '設定', app: '软件' }, null, 2) + '\n');
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'zh-TW strings');

  cwd = tempDir('clipguard-checklist-');
  writeTrustedConfig(join(cwd, 'clipguard.config.json'), JSON.stringify({ paperclip: { enabled: false }, repos: [repo], stateDir: join(cwd, 'state'), deploy: { urls: [{ url: up }, { url: broken }, { url: down, timeoutMs: 5000 }] } }));
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const esc = (s: string) => s.replace(/[.?*+^$()[\]{}|\\/]/g, '\\$&');
const SIMPLIFIED = [
  'Simplified 欢 in zh-TW text at locales/zh-TW.json:2:15: use 歡 (欢迎使用)',
  'Simplified 软 in zh-TW text at locales/zh-TW.json:4:11: use 軟 (软件)',
];

describe('checklist: warn and fail marks, with their detail', () => {
  it('json: unpushed commits ⚠️ (warn), a deploy answering 500 or down ❌ (fail), Simplified in zh-TW ❌ (fail), exit 1', async () => {
    const r = await cliAsync(['checklist', '--format', 'json'], { cwd });
    expect(r.code, r.stderr).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.ok).toBe(false);
    const item = Object.fromEntries(doc.items.map((i: any) => [i.n, i]));
    expect(doc.items.map((i: any) => [i.n, i.status])).toEqual([
      [1, 'warn'],
      [2, 'warn'],
      [3, 'warn'],
      [4, 'warn'],
      [5, 'fail'],
      [6, 'fail'],
    ]);
    for (const n of [1, 2, 3]) expect(item[n]).toMatchObject({ detail: 'Paperclip not scanned', findings: [] });

    expect(item[4].detail).toBe(`${repo}: branch main has 1 unpushed commit(s) (upstream: origin/main)`);
    expect(item[4].findings).toEqual([item[4].detail]);

    // Two of the three URLs are down, each with what it answered; the one that is up is not named.
    const byUrl = (u: string) => item[5].findings.filter((f: string) => f.startsWith(`${u}: `));
    expect(item[5].findings).toHaveLength(2);
    expect(byUrl(broken)).toEqual([expect.stringMatching(new RegExp(`^${esc(broken)}: answered 500, expected 200 \\(\\d+ ms\\)$`))]);
    expect(byUrl(down)).toEqual([expect.stringMatching(new RegExp(`^${esc(down)}: did not answer: connection refused \\(ECONNREFUSED\\) \\(\\d+ ms\\)$`))]);
    expect(byUrl(up)).toEqual([]);
    expect(item[5].detail).toBe(item[5].findings.join('; '));

    // Two Simplified characters (欢, 软); 迎, 使, 用 and 件 are the same in both scripts, 設定 is Traditional.
    expect(item[6].detail).toBe('2 script mix(es), 0 variant form(s) in 1 locale file(s)');
    expect(item[6].findings).toEqual(SIMPLIFIED);

    // The shared report contract: the published schema, and the scan's json report behind the items, whole.
    const validate = checklistValidator();
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    expect(doc.report.version).toBe(1);
    const fingerprints = new Set(doc.report.findings.map((f: any) => f.fingerprint));
    for (const i of doc.items) for (const k of i.keys) expect(fingerprints.has(k)).toBe(true);
    expect(doc.items[5].keys).toHaveLength(2);
  });

  it('-o: the format follows the extension (checklist.md is the Markdown checklist); sarif is the report behind it', async () => {
    const md = join(cwd, 'checklist.md');
    const r = await cliAsync(['checklist', '-o', md], { cwd });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toBe('');
    const text = readFileSync(md, 'utf8');
    expect(text).toMatch(/^## clipguard daily checklist — \d{4}-\d{2}-\d{2}\n/);
    expect(text).toContain('| ❌ | 6. No Simplified characters in zh-Hant files (and the reverse)');

    const sarifFile = join(cwd, 'checklist.sarif');
    const s = await cliAsync(['checklist', '-o', sarifFile], { cwd });
    expect(s.code, s.stderr).toBe(1);
    const sarif = JSON.parse(readFileSync(sarifFile, 'utf8'));
    const validate = sarifValidator();
    expect(validate(sarif), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    const ruleIds = new Set(sarif.runs[0].results.map((x: any) => x.ruleId));
    expect([...ruleIds].sort()).toEqual(expect.arrayContaining(['deploy/url-down', 'git/unpushed-commits', 'i18n/simplified-in-hant']));
    // A format the checklist command does not know is refused, as for scan.
    const bad = await cliAsync(['checklist', '-f', 'pdf'], { cwd });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/pdf/);
  });

  it('text: the same marks and detail lines, each finding under its item', async () => {
    const r = await cliAsync(['checklist'], { cwd });
    expect(r.code, r.stderr).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^clipguard daily checklist \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC \(dry-run\)$/);
    const at = (prefix: string) => lines.findIndex((l) => l.startsWith(prefix));
    expect(lines[1]).toBe('⚠️ 1. Every agent in a normal state (not error, not paused) — Paperclip not scanned');
    expect(lines[2]).toBe('⚠️ 2. No idle agent while assignable work waits — Paperclip not scanned');
    expect(lines[3]).toBe("⚠️ 3. The month's spend within budget — Paperclip not scanned");
    const unpushed = `${repo}: branch main has 1 unpushed commit(s) (upstream: origin/main)`;
    const i4 = at('⚠️ 4. ');
    expect(lines[i4]).toBe(`⚠️ 4. No unpushed commits — ${unpushed}`);
    expect(lines[i4 + 1]).toBe(`     · ${unpushed}`);
    const i5 = at('❌ 5. ');
    expect(lines[i5]).toMatch(/^❌ 5\. The deploy is up — http:\/\/127\.0\.0\.1:\d+\/\S*: (?:answered|did not answer)/);
    const under5 = lines.slice(i5 + 1, i5 + 3);
    expect(under5.filter((l) => l.startsWith(`     · ${broken}: `))).toEqual([expect.stringMatching(new RegExp(`^     · ${esc(broken)}: answered 500, expected 200 \\(\\d+ ms\\)$`))]);
    expect(under5.filter((l) => l.startsWith(`     · ${down}: `))).toEqual([expect.stringMatching(new RegExp(`^     · ${esc(down)}: did not answer: connection refused \\(ECONNREFUSED\\) \\(\\d+ ms\\)$`))]);
    const i6 = at('❌ 6. ');
    expect(lines[i6]).toBe('❌ 6. No Simplified characters in zh-Hant files (and the reverse) — 2 script mix(es), 0 variant form(s) in 1 locale file(s)');
    expect(lines.slice(i6 + 1)).toEqual(SIMPLIFIED.map((f) => `     · ${f}`));
    expect(i4 < i5 && i5 < i6).toBe(true);
    expect(lines.some((l) => l.startsWith('✅'))).toBe(false);
  });

  it('pushed, deploy up, zh-TW clean: the same items turn ✅ (the marks follow the sources); a variant preference (info) is noted, not a warning', async () => {
    git(repo, 'push', '-q');
    // 注釋: Traditional, where OpenCC's phrase prefers 註釋 (i18n/regional-variant, info).
    writeFileSync(join(repo, 'locales', 'zh-TW.json'), JSON.stringify({ welcome: '歡迎使用', settings: '設定', app: '軟體', note: '注釋' }, null, 2) + '\n');
    git(repo, 'commit', '-q', '-am', 'zh-TW: Traditional');
    git(repo, 'push', '-q');
    const ok = tempDir('clipguard-checklist-ok-');
    writeTrustedConfig(join(ok, 'clipguard.config.json'), JSON.stringify({ paperclip: { enabled: false }, repos: [repo], stateDir: join(ok, 'state'), deploy: { urls: [{ url: up }] } }));
    const r = await cliAsync(['checklist', '--format', 'json'], { cwd: ok });
    expect(r.code, r.stderr).toBe(0);
    const items = JSON.parse(r.stdout).items;
    expect(items.slice(3).map((i: any) => [i.n, i.status, i.detail])).toEqual([
      [4, 'ok', '1 repo(s), nothing unpushed'],
      [5, 'ok', '1 URL(s) up'],
      [6, 'ok', '1 zh locale file(s) clean (1 variant preference(s), info)'],
    ]);
  });
});
