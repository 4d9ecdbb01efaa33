// Ids are data (issue 17, item 9): an issue, agent, comment or run whose id or identifier is `constructor`,
// `__proto__` or `toString` is read, reported and kept like any other, never looked up on Object.prototype
// (which took the whole Paperclip source down: "read failed"). Bidi controls and zero-width characters in
// ticket text, which can make a terminal show a different text than the one written, never reach the text
// report or stderr. A loopback server answers with the recorded Paperclip records, their ids changed.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config/load.js';
import { render } from '../../src/cli/output.js';
import { oneLine, plain } from '../../src/report/sanitize.js';
import { runScan } from '../../src/scan.js';
import { textGuard } from '../../src/sources/index.js';
import { PaperclipReadCache } from '../../src/sources/paperclip/cache.js';
import { fakeToken } from '../helpers/fake-secrets.js';
import { tempDir } from '../helpers/cli.js';
import { cliAsync } from '../helpers/cli-async.js';
import { serveJson, type JsonServer } from '../helpers/json-server.js';
import { sample } from '../helpers/samples.js';

const NOW = new Date('2026-11-25T12:00:00Z');
const HOSTILE = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];

let server: JsonServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

/** The recorded company with its recorded agents and issues, every id replaced by a hostile one. */
function world(companyId: string) {
  const company = { ...sample('35-company-get'), id: companyId, issuePrefix: 'ACM' };
  const agents = sample('06-agents-list').map((a: any, k: number) => ({ ...a, id: HOSTILE[k], companyId, reportsTo: null, status: 'idle' }));
  const base = sample('10-issues-list-all')[0];
  const issue = (id: string, identifier: string, fields: Record<string, unknown>) => ({
    ...base,
    id,
    identifier,
    companyId,
    assigneeAgentId: null,
    assigneeUserId: null,
    blockedBy: [],
    createdAt: '2026-11-24T10:00:00.000Z',
    updatedAt: '2026-11-24T11:00:00.000Z',
    ...fields,
  });
  const issues = [
    issue('constructor', 'constructor', { title: 'Deploy notes', description: `use ${fakeToken('github-pat', 9)} for the bot`, status: 'todo', priority: 'medium' }),
    issue('__proto__', '__proto__', { title: 'Waiting on the vendor', description: null, status: 'blocked', priority: 'high', blockedTransitionAt: '2026-11-24T10:30:00.000Z' }),
    issue('toString', 'toString', { title: 'In progress', description: null, status: 'in_progress', assigneeAgentId: 'constructor', priority: 'low', startedAt: '2026-11-24T10:00:00.000Z' }),
  ];
  const comment = { ...sample('21-comments-list')[0], id: 'valueOf', issueId: '__proto__', companyId, body: `token ${fakeToken('anthropic-api-key', 10)}`, createdAt: '2026-11-24T10:40:00.000Z' };
  // An own `__proto__` key (a literal would set the prototype instead).
  return { company, agents, issues, comments: Object.fromEntries([['__proto__', [comment]]]) as Record<string, any[]> };
}

async function serve(w: ReturnType<typeof world>) {
  const c = encodeURIComponent(w.company.id);
  server = await serveJson((path) => {
    if (path === '/api/health') return sample('01-health');
    if (path === '/api/companies') return [w.company];
    if (path === `/api/companies/${c}/agents`) return w.agents;
    if (path === `/api/companies/${c}/issues`) return w.issues;
    if (path === `/api/companies/${c}/heartbeat-runs`) return [];
    if (path === `/api/companies/${c}/budgets/overview`) return { ...sample('26-budgets-overview'), companyId: w.company.id, policies: [], activeIncidents: [] };
    if (path === `/api/companies/${c}/costs/by-agent`) return [];
    if (path === `/api/companies/${c}/activity`) return [];
    if (path === `/api/companies/${c}/live-runs`) return [];
    if (path === `/api/companies/${c}/routines`) return [];
    if (path === `/api/companies/${c}/approvals`) return [];
    const m = /^\/api\/issues\/([^/]+)\/comments$/.exec(path);
    // Own entries only, so that the server itself is not fooled by the ids it serves.
    if (m) return Object.hasOwn(w.comments, decodeURIComponent(m[1])) ? w.comments[decodeURIComponent(m[1])] : [];
    return undefined;
  });
  return server.url;
}

function scanConfig(url: string): Config {
  const config = loadConfig(tempDir(), { noConfigFile: true, paperclip: url }, {});
  Object.assign(config.paperclip, { retries: 0, timeoutMs: 5_000 });
  config.repos = [];
  config.stateDir = join(tempDir(), 'state');
  return config;
}

describe('hostile ids', () => {
  for (const companyId of ['84173095-f1ca-4d4c-9a6a-fefdc539e33f', 'constructor', '__proto__']) {
    it(`issues, agents and a comment with ids constructor, __proto__, toString, valueOf (company ${companyId}): read, reported, kept and read back like any other`, async () => {
      const url = await serve(world(companyId));
      const config = scanConfig(url);
      const { report } = await runScan(config, { now: NOW });
      expect(report.sources.find((s) => s.name === 'paperclip'), JSON.stringify(report.sources)).toMatchObject({ status: 'ok' });
      const found = (rule: string) => report.findings.filter((f) => f.ruleId === rule).map((f) => f.subject.label);
      expect(found('security/secret-in-issue')).toEqual(['constructor']);
      expect(found('security/secret-in-comment')).toEqual(['__proto__ comment valueOf']);
      expect(found('ops/blocked-without-reason')).toEqual([]); // a comment since the block says why
      expect(report.findings.map((f) => f.ruleId)).not.toContain('source/paperclip-schema');
      // Without the comment rules, comments are read for blocked issues only: the others have no entry at all.
      const ops = await runScan(config, { now: NOW, only: ['ops', 'security/secret-in-issue'] });
      expect(ops.report.sources.find((s) => s.name === 'paperclip'), JSON.stringify(ops.report.sources)).toMatchObject({ status: 'ok' });
      expect(ops.report.findings.filter((f) => f.ruleId === 'security/secret-in-issue').map((f) => f.subject.label)).toEqual(['constructor']);
      expect(ops.report.findings.filter((f) => f.ruleId === 'ops/stale-in-progress').map((f) => f.subject.label)).toEqual(['toString']);
      // watch's kept reads: stored, then a second scan from them gives the same findings.
      const cache = new PaperclipReadCache({ guard: textGuard(config), dir: join(config.stateDir, 'paperclip') });
      const first = await runScan(config, { now: NOW, paperclipCache: cache });
      const again = await runScan(config, { now: NOW, paperclipCache: new PaperclipReadCache({ guard: textGuard(config), dir: join(config.stateDir, 'paperclip') }) });
      const ids = (r: typeof report) => r.findings.map((f) => f.fingerprint).sort();
      expect(ids(first.report)).toEqual(ids(report));
      expect(ids(again.report)).toEqual(ids(report));
    });
  }
});

describe('hostile ids: clipguard\'s own pauses', () => {
  it('a paused agent `constructor` and a ledger pause of `toString`: read and reported like any other agent', async () => {
    const w = world('84173095-f1ca-4d4c-9a6a-fefdc539e33f');
    Object.assign(w.agents[0], { status: 'paused', pauseReason: 'manual', pausedAt: '2026-11-24T09:00:00.000Z' });
    const url = await serve(w);
    const config = scanConfig(url);
    // The ledger's record of a pause clipguard made (ledgerPauses reads `pause:<agentId>:...` entries).
    mkdirSync(config.stateDir, { recursive: true });
    writeFileSync(join(config.stateDir, 'ledger.json'), JSON.stringify({ version: 1, entries: { 'pause:toString::': { status: 'applied', at: new Date().toISOString() } } }));
    const { report } = await runScan(config, { now: NOW });
    expect(report.sources.find((s) => s.name === 'paperclip'), JSON.stringify(report.sources)).toMatchObject({ status: 'ok' });
    expect(report.findings.filter((f) => f.ruleId === 'ops/paused-agent').map((f) => f.subject.id)).toEqual(['constructor']);
  });
});

describe('bidi controls and invisible characters never reach the terminal', () => {
  // U+202A-U+202E (embeddings, overrides), U+2066-U+2069 (isolates), U+200E/U+200F/U+061C (marks), zero-width
  // space, word joiner, invisible operators, BOM, soft hyphen: each can make a line read differently from what it
  // holds. Zero-width (non-)joiners are kept (emoji, Persian and Indic text need them; they reorder nothing).
  const INVISIBLE = ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u200b', '\u200e', '\u200f', '\u061c', '\u2060', '\ufeff', '\u00ad', '\u180e', '\u2061', '\u2064'];
  const SHOWN = /[\u202a-\u202e\u2066-\u2069\u200b\u200e\u200f\u061c\u2060-\u2064\ufeff\u00ad\u180e]/;

  it('plain() and oneLine() remove every one of them', () => {
    for (const ch of INVISIBLE) {
      expect(plain(`a${ch}b`)).toBe('ab');
      expect(oneLine(`a${ch}b`)).toBe('ab');
    }
    expect(plain('\u{1F468}\u200d\u{1F469}\u200d\u{1F467} \u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645')).toBe('\u{1F468}\u200d\u{1F469}\u200d\u{1F467} \u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645');
  });

  it('a title with U+202E and zero-width characters: the text report and stderr of a real scan carry none', async () => {
    const w = world('84173095-f1ca-4d4c-9a6a-fefdc539e33f');
    w.issues[1].title = `Invoice \u202egnp.exe\u202c for ${'\u200b'}the \u2066vendor\u2069`;
    const url = await serve(w);
    const config = scanConfig(url);
    w.comments = {};
    const { report, rules } = await runScan(config, { now: NOW, explain: true });
    const blocked = report.findings.find((f) => f.ruleId === 'ops/blocked-without-reason')!;
    expect(blocked.message).toContain('\u202e'); // the finding holds the text as written (json keeps it)...
    const text = await render(report, 'text', rules, true);
    expect(text).toContain('Invoice gnp.exe for the vendor'); // ...the terminal shows it without the controls
    expect(text).not.toMatch(SHOWN);
    const r = await cliAsync(['scan', '--paperclip', url, '--format', 'text', '--explain'], { cwd: tempDir(), env: { CLIPGUARD_STATE_DIR: join(tempDir(), 's') } });
    expect(r.stdout).toContain('__proto__');
    expect(r.stdout + r.stderr).not.toMatch(SHOWN);
  });

  it('an error naming a file whose name holds U+202E: stderr shows the name without it (exit 2)', async () => {
    const dir = tempDir();
    const file = join(dir, 'a\u202enosj.cfg.json');
    writeFileSync(file, '{ not json');
    const r = await cliAsync(['scan', '--config', file, '--no-paperclip'], { cwd: dir, env: { CLIPGUARD_STATE_DIR: join(dir, 's') } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('anosj.cfg.json');
    expect(r.stderr).not.toMatch(SHOWN);
  });
});
