// The GitHub Action: action.yml's wiring, and its entry (dist/bundle/action.js) run as the runner runs it, with
// the environment GitHub sets (GITHUB_WORKSPACE, GITHUB_STEP_SUMMARY, GITHUB_OUTPUT, GITHUB_ACTION_PATH,
// INPUT_*), in temp git repositories: the files it writes, its outputs, its exit code, and the SARIF against
// the SARIF 2.1.0 schema. Needs `npm run build`.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { capSummary, cliArgs, readInputs, splitWords, SUMMARY_MAX_BYTES } from '../../src/action/run.js';
import { tempDir } from '../helpers/cli.js';
import { fakeToken } from '../helpers/fake-secrets.js';
import { gitRepo } from '../helpers/local.js';
import { sarifValidator } from '../helpers/schemas.js';
import { ACTION, ROOT, runEntry } from '../helpers/action-entry.js';

const action = ACTION;
const validateSarif = sarifValidator();

describe('action.yml', () => {
  const step = action.runs.steps.find((s: { id?: string }) => s.id === 'clipguard');

  it('is a composite action whose entry ships in the package and whose step passes every input it reads', () => {
    expect(action.runs.using).toBe('composite');
    expect(step.run).toContain('"$GITHUB_ACTION_PATH/dist/bundle/action.js"');
    expect(existsSync(join(ROOT, 'dist', 'action', 'run.js'))).toBe(true);
    const declared = Object.keys(action.inputs);
    const passed = Object.keys(step.env).filter((k) => k.startsWith('INPUT_')).map((k) => k.slice(6).toLowerCase());
    for (const name of ['command', 'paths', 'args', 'fail-on', 'sarif', 'html', 'json', 'summary', 'working-directory']) {
      expect(declared, name).toContain(name);
      expect(passed, name).toContain(name);
      expect(step.env[`INPUT_${name.toUpperCase()}`]).toBe(`\${{ inputs.${name} }}`);
    }
    // Every ${{ inputs.x }} the file uses is declared.
    for (const m of readFileSync(join(ROOT, 'action.yml'), 'utf8').matchAll(/inputs\.([a-z-]+)/g)) expect(declared, m[1]).toContain(m[1]);
  });

  it('uploads the SARIF even when clipguard failed, and fails the job after it with clipguard\'s exit code', () => {
    const steps = action.runs.steps;
    const upload = steps.findIndex((s: { uses?: string }) => s.uses?.startsWith('github/codeql-action/upload-sarif@'));
    const fail = steps.findIndex((s: { run?: string }) => s.run?.includes('exit "${CODE:-2}"'));
    expect(upload).toBeGreaterThan(steps.indexOf(step));
    expect(steps[upload].if).toMatch(/^always\(\) && /);
    expect(steps[upload].with.sarif_file).toBe('${{ steps.clipguard.outputs.sarif-file }}');
    expect(fail).toBeGreaterThan(upload);
    expect(steps[fail].if).toBe("steps.clipguard.outputs.exit-code != '0'");
    expect(step.run).toMatch(/\|\| true$/);
    for (const [name, o] of Object.entries(action.outputs as Record<string, { value: string }>)) expect(o.value).toBe(`\${{ steps.clipguard.outputs.${name} }}`);
  });
});

describe('the action entry', () => {
  it('scan: a committed key fails the step (exit 1); SARIF valid and uploaded-ready, summary appended, outputs set, the key nowhere', () => {
    const dir = gitRepo();
    const key = fakeToken('anthropic-api-key', 61);
    writeFileSync(join(dir, 'settings.py'), `KEY = "${key}"\n`);
    execFileSync('git', ['add', 'settings.py'], { cwd: dir });
    execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-qm', 'add settings'], { cwd: dir });
    const r = runEntry(dir, { args: '--no-paperclip', json: 'out/report.json' });
    expect(r.code, r.stderr).toBe(1);
    expect(r.outputs).toMatchObject({ 'exit-code': '1', failed: 'true', 'sarif-file': 'clipguard.sarif', 'report-file': 'out/report.json' });
    expect(Number(r.outputs.findings)).toBeGreaterThanOrEqual(1);
    const sarifText = readFileSync(join(dir, 'clipguard.sarif'), 'utf8');
    const sarif = JSON.parse(sarifText);
    expect(validateSarif(sarif), JSON.stringify(validateSarif.errors?.slice(0, 3))).toBe(true);
    const secret = sarif.runs[0].results.find((x: { ruleId: string }) => x.ruleId === 'security/secret-in-diff');
    expect(secret.locations[0].physicalLocation.artifactLocation.uri).toBe('settings.py');
    expect(secret.level).toBe('error');
    expect(r.summary).toMatch(/^# earlier step\n## clipguard\n\n\*\*❌ failed\*\* \(fail on error\)/);
    expect(r.summary).toContain('security/secret-in-diff');
    expect(r.stdout).toContain('security/secret-in-diff');
    expect(JSON.parse(readFileSync(join(dir, 'out', 'report.json'), 'utf8')).summary.failed).toBe(true);
    for (const text of [sarifText, r.summary, r.stdout, r.stderr, readFileSync(join(dir, 'out', 'report.json'), 'utf8')]) expect(text).not.toContain(key);
  });

  it('fail-on decides the exit code, not what is reported: a warning passes at error and fails at warning', () => {
    const dir = gitRepo(); // one unpushed commit: git/unpushed-commits, a warning
    const pass = runEntry(dir, { args: '--no-paperclip' });
    expect(pass.code).toBe(0);
    expect(pass.outputs).toMatchObject({ 'exit-code': '0', failed: 'false', findings: '1' });
    expect(pass.summary).toContain('**✅ passed** (fail on error)');
    expect(JSON.parse(readFileSync(join(dir, 'clipguard.sarif'), 'utf8')).runs[0].results).toHaveLength(1);
    const fail = runEntry(dir, { args: '--no-paperclip', 'fail-on': 'warning' });
    expect(fail.code).toBe(1);
    expect(fail.outputs).toMatchObject({ 'exit-code': '1', failed: 'true' });
  });

  it('i18n in a sub-directory: SARIF paths are from the repository root, as code scanning resolves them', () => {
    const dir = gitRepo();
    mkdirSync(join(dir, 'web', 'locales'), { recursive: true });
    writeFileSync(join(dir, 'web', 'locales', 'zh-TW.json'), '{"greeting": "这个"}\n');
    const r = runEntry(dir, { command: 'i18n', paths: 'locales', 'working-directory': 'web', sarif: 'zh.sarif' });
    expect(r.code, r.stderr).toBe(1);
    expect(r.outputs['sarif-file']).toBe('web/zh.sarif');
    const sarif = JSON.parse(readFileSync(join(dir, 'web', 'zh.sarif'), 'utf8'));
    expect(validateSarif(sarif)).toBe(true);
    expect(sarif.runs[0].results.map((x: any) => x.locations[0].physicalLocation.artifactLocation.uri)).toEqual(['web/locales/zh-TW.json', 'web/locales/zh-TW.json']);
    expect(r.summary).toContain('i18n/simplified-in-hant');
  });

  it('budget: writes the HTML report and the summary; sarif "" writes none', () => {
    const dir = gitRepo();
    const r = runEntry(dir, { command: 'budget', args: '--no-paperclip', html: 'budget.html', sarif: '' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.outputs['html-file']).toBe('budget.html');
    expect(r.outputs['sarif-file']).toBeUndefined();
    expect(readFileSync(join(dir, 'budget.html'), 'utf8')).toMatch(/^<!doctype html>/i);
    expect(existsSync(join(dir, 'clipguard.sarif'))).toBe(false);
    expect(r.summary).toContain('## clipguard');
  });

  it('a bad input or a broken config is exit 2 with exit-code=2, and the summary says the run did not happen', () => {
    const dir = gitRepo();
    const bad = runEntry(dir, { command: 'deploy' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('input command: "deploy" is not one of scan, i18n, budget');
    expect(bad.outputs['exit-code']).toBe('2');
    writeFileSync(join(dir, 'clipguard.config.json'), '{"paperclip": ');
    const broken = runEntry(dir, { args: '--no-paperclip' });
    expect(broken.code).toBe(2);
    expect(broken.outputs).toMatchObject({ 'exit-code': '2', failed: 'true' });
    expect(broken.summary).toContain('clipguard scan could not run (exit 2)');
    expect(broken.stderr).toContain('clipguard.config.json');
  });
});

describe('the action entry and a hostile checkout', () => {
  it('a clipguard.sarif the checkout made a link: refused (exit 2, exit-code=2), its target untouched', () => {
    const dir = gitRepo();
    const target = join(tempDir(), 'bashrc');
    writeFileSync(target, 'keep me\n');
    symlinkSync(target, join(dir, 'clipguard.sarif'));
    const r = runEntry(dir, { args: '--no-paperclip' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('clipguard.sarif: is a symbolic link');
    expect(r.stderr).toContain('give another input sarif path');
    expect(r.stdout).toMatch(/^::stop-commands::([0-9a-f]{32})\n::\1::\n$/); // refused before the scan ran: nothing but the commands switch
    expect(r.stderr).not.toContain('unexpected error');
    expect(r.outputs['exit-code']).toBe('2');
    expect(readFileSync(target, 'utf8')).toBe('keep me\n');
  });

  it('a working-directory that is not there: exit 2 naming it', () => {
    const r = runEntry(gitRepo(), { 'working-directory': 'nope' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('input working-directory: nope is not a directory');
    expect(r.outputs['exit-code']).toBe('2');
  });

  it('a report over the 1 MiB GitHub takes for a step summary is cut at a line, saying where the rest is', () => {
    const big = Array.from({ length: 30_000 }, (_, i) => `| \`x/y\` | f${i} | 漢字 message ${'m'.repeat(20)} |`).join('\n');
    const cut = capSummary(big);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(SUMMARY_MAX_BYTES);
    expect(cut).toMatch(/\|\n\n… cut here: the job summary holds at most 1 MiB/);
    expect(cut).not.toContain('\ufffd');
    expect(capSummary('short\n')).toBe('short\n');
  });
});

describe('inputs', () => {
  it('args split on spaces, quotes keep them, nothing is expanded', () => {
    expect(splitWords(`--only security  --git-range 'origin/main..HEAD' "a b" $HOME`)).toEqual(['--only', 'security', '--git-range', 'origin/main..HEAD', 'a b', '$HOME']);
    const inputs = readInputs({ 'INPUT_COMMAND': 'i18n', INPUT_PATHS: 'a b', 'INPUT_FAIL-ON': 'warning', INPUT_ARGS: '--exclude "**/x.json"' });
    expect(cliArgs(inputs, '/tmp/r.json')).toEqual(['i18n', 'a', 'b', '--exclude', '**/x.json', '--fail-on', 'warning', '--format', 'json', '--output', '/tmp/r.json']);
    expect(() => readInputs({ 'INPUT_FAIL-ON': 'fatal' })).toThrow(/fail-on/);
    expect(() => readInputs({ INPUT_SUMMARY: 'yes' })).toThrow(/summary/);
  });
});

describe('the Action on a checkout someone else wrote (a pull request)', () => {
  it('its config file is not trusted: its commands never run, its Paperclip URL never gets the key, and the summary says what was ignored', async () => {
    const dir = gitRepo();
    // A loopback server in its own process (runEntry blocks this one) that records every request's Authorization.
    const log = join(tempDir('clipguard-recorder-'), 'seen.txt');
    const probe = await import('node:net').then((net) => new Promise<number>((done) => { const s = net.createServer(); s.listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => done(p)); }); }));
    const recorder = (await import('node:child_process')).spawn(process.execPath, ['-e', `require('http').createServer((q,r)=>{require('fs').appendFileSync(${JSON.stringify(log)}, (q.headers.authorization||'-')+' '+q.url+'\\n');r.writeHead(404);r.end('{}')}).listen(${probe},'127.0.0.1',()=>console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((r) => recorder.stdout!.once('data', () => r()));
    try {
      const marker = `${dir}-MARKER`;
      mkdirSync(join(dir, 'policy', 'team'), { recursive: true });
      writeFileSync(join(dir, 'policy', 'team', 'every-scan.json'), JSON.stringify({ id: 'git/every-scan', title: 't', severity: 'warning', subject: 'source', description: 'd', remediation: 'r', tags: [], conditions: { all: [{ fact: 'source', path: '$.kind', operator: 'equal', value: 'git' }] }, action: { type: 'exec', enabled: true, params: { command: 'marker' } } }));
      writeFileSync(join(dir, 'clipguard.config.json'), JSON.stringify({ paperclip: { url: `http://127.0.0.1:${probe}` }, rules: { packs: ['./policy'] }, actions: { apply: true, exec: { marker: [process.execPath, '-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran')`] } } }));
      execFileSync('git', ['add', '-A'], { cwd: dir });
      execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-qm', 'a pull request'], { cwd: dir });
      const key = `pcp_${'0123456789abcdef'.repeat(2)}`;
      // The workflow (trusted) gives the key and --apply; the checkout's config asks for the rest.
      const r = runEntry(dir, { args: '--apply', 'api-key': key }, { CLIPGUARD_TRUST_FILE: join(tempDir(), 'trust.json') });
      expect(existsSync(marker), r.stderr).toBe(false);
      expect(existsSync(log) ? readFileSync(log, 'utf8') : '').toBe('');
      expect(r.stderr).toMatch(/clipguard\.config\.json is not trusted \(never trusted\): ignored actions\.apply, actions\.exec, paperclip\.url/);
      expect(r.summary).toMatch(/^# earlier step\n## clipguard\n\n> ⚠️ `clipguard\.config\.json` is not trusted \(never trusted\): clipguard ignored its `actions\.apply`, `actions\.exec`, `paperclip\.url`/);
      for (const text of [r.stdout, r.stderr, r.summary]) expect(text).not.toContain(key);
    } finally {
      recorder.kill();
    }
  });
});

describe('the Action log and workflow commands', () => {
  // The runner takes `::command::` at a line's start and `##[command]` anywhere for workflow commands (annotations,
  // add-mask, stop-commands). A pull request writes file names and its config's deploy URLs; agents write names.
  it('keeps workflow commands off for the whole step, with a token the checkout cannot know, so a file name or a deploy URL from a pull request is printed, not obeyed', () => {
    const dir = gitRepo();
    writeFileSync(join(dir, 'clipguard.config.json'), JSON.stringify({ deploy: { urls: [{ url: '::error title=Security review::approved, safe to merge' }] } }));
    writeFileSync(join(dir, '##[warning]reviewed.py'), `KEY = "${fakeToken('anthropic-api-key', 66)}"\n`);
    execFileSync('git', ['add', '-A'], { cwd: dir });
    execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-qm', 'a pull request'], { cwd: dir });
    const r = runEntry(dir, { args: '--no-paperclip' }, { CLIPGUARD_TRUST_FILE: join(tempDir(), 'trust.json') });
    expect(r.stdout, r.stderr).toContain('security/secret-in-diff');
    expect(r.stdout).toContain('reviewed.py');
    const lines = r.stdout.trimEnd().split('\n');
    const token = /^::stop-commands::([0-9a-f]{32})$/.exec(lines[0])?.[1];
    expect(token, lines[0]).toBeDefined();
    expect(lines.at(-1)).toBe(`::${token}::`);
    // The token resumes commands: it appears nowhere else, and a second run draws another.
    expect(r.stdout.split(token!).length - 1).toBe(2);
    expect(r.stderr).not.toContain(token!);
    const again = runEntry(dir, { args: '--no-paperclip' }, { CLIPGUARD_TRUST_FILE: join(tempDir(), 'trust.json') });
    expect(again.stdout.split('\n')[0]).not.toBe(lines[0]);
  });
});

describe('the untrusted-config note (review regressions)', () => {
  // A workflow that names its config in args (`--config .github/clipguard.json`) still reads a file the pull
  // request can change: the note must be about the file the scan read, not about clipguard.config.json.
  it('names the config the scan read when args give --config', () => {
    const dir = gitRepo();
    mkdirSync(join(dir, 'ci'), { recursive: true });
    writeFileSync(join(dir, 'ci', 'clipguard.json'), JSON.stringify({ actions: { apply: true } }));
    execFileSync('git', ['add', '-A'], { cwd: dir });
    execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-qm', 'a pull request'], { cwd: dir });
    const r = runEntry(dir, { args: '--config ci/clipguard.json --only git' }, { CLIPGUARD_TRUST_FILE: join(tempDir(), 'trust.json') });
    expect(r.stderr).toMatch(/clipguard\.json is not trusted \(never trusted\): ignored actions\.apply/);
    expect(r.summary).toContain('`ci/clipguard.json` is not trusted');
  });

  it('the SARIF describes the rules of the config the scan read (--config in args), a pack rule with its own title', () => {
    const dir = gitRepo();
    mkdirSync(join(dir, 'ci', 'policy'), { recursive: true });
    const rule = { id: 'git/team-every-scan', title: 'The team rule that fires on every scan', severity: 'warning', subject: 'source', description: 'd', remediation: 'r', tags: [], conditions: { all: [{ fact: 'source', path: '$.kind', operator: 'equal', value: 'git' }] } };
    writeFileSync(join(dir, 'ci', 'policy', 'every-scan.json'), JSON.stringify(rule));
    writeFileSync(join(dir, 'ci', 'clipguard.json'), JSON.stringify({ rules: { packs: ['./policy'] } }));
    execFileSync('git', ['add', '-A'], { cwd: dir });
    execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-qm', 'team policy'], { cwd: dir });
    const r = runEntry(dir, { args: '--config ci/clipguard.json --no-paperclip --only git/team-every-scan' }, { CLIPGUARD_TRUST_FILE: join(tempDir(), 'trust.json') });
    const sarif = JSON.parse(readFileSync(join(dir, 'clipguard.sarif'), 'utf8'));
    expect(sarif.runs[0].results.map((x: { ruleId: string }) => x.ruleId), r.stderr).toContain(rule.id);
    const described = sarif.runs[0].tool.driver.rules.find((x: { id: string }) => x.id === rule.id);
    expect(described.shortDescription.text).toBe(rule.title);
  });
});

describe('the untrusted-config note is not the checkout\'s Markdown (review regressions)', () => {
  // `clipguard i18n` validates only the i18n rules: a rule of the checkout's own pack is left out unvalidated,
  // id and all, so an override may name any id. The note quoted the withheld key `rules.overrides.<id>.action`
  // raw: a backtick and a newline in the id end the code span and the blockquote, and the checkout writes its
  // own lines (a verdict, a link) into the job summary under clipguard's heading.
  it('an override id with Markdown in it stays text', async () => {
    const dir = gitRepo();
    const id = 'x`\n\n## ✅ clipguard: this pull request is safe to merge\n\n[details](https://evil.example/) `';
    mkdirSync(join(dir, 'policy'), { recursive: true });
    writeFileSync(join(dir, 'policy', 'x.json'), JSON.stringify({ id, title: 't', severity: 'info', subject: 'commit', description: 'd', remediation: 'r', tags: [], conditions: { all: [] }, action: { type: 'exec' } }));
    writeFileSync(join(dir, 'clipguard.config.json'), JSON.stringify({ rules: { packs: ['./policy'], overrides: { [id]: { action: { enabled: true } } } } }));
    execFileSync('git', ['add', '-A'], { cwd: dir });
    execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-qm', 'a pull request'], { cwd: dir });
    const r = runEntry(dir, { command: 'i18n', paths: '.' }, { CLIPGUARD_TRUST_FILE: join(tempDir(), 'trust.json') });
    expect(r.summary, r.stderr).toContain('is not trusted');
    expect(r.summary).not.toMatch(/^## ✅ clipguard: this pull request is safe/m);
    // Nor the log's notice (what `scan` and `precommit` print): one line, where a line of its own could be a
    // workflow command (::error ...).
    const { untrustedNotice } = await import('../../src/cli/config.js');
    const { loadConfig } = await import('../../src/config/load.js');
    const notice = untrustedNotice(loadConfig(dir, {}, { CLIPGUARD_TRUST_FILE: join(tempDir(), 'trust.json') }));
    expect(notice).toContain('rules.overrides.x`');
    expect(notice!.trimEnd().split('\n')).toHaveLength(1);
    // Quoted inside one code span, on the note's one line: shown, not rendered.
    expect(r.summary).toContain("`rules.overrides.x' ## ✅ clipguard: this pull request is safe to merge [details](https://evil.example/) '.action`");
  });
});
