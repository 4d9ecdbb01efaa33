// One set of spans per text (issue 17, item 3): an issue is scanned as its title and description joined, so a
// key in the title may be one only for a word in the description (a 64-hex wallet key, "wallet private key"
// below it), and the reverse. Whatever the detector finds in a ticket text must then be masked the same way
// everywhere: in every report format (with --explain), in what watch keeps on disk, in the audit log and the
// ledger, in what clipguard sends to Paperclip (activity entries, redacted copies), and `--apply` must redact
// it in the field it lies in. A loopback server answers with the recorded Paperclip records
// (fixtures/paperclip-samples/), the generated tickets put in them.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config/load.js';
import { detectSecrets } from '../../src/detectors/secrets/index.js';
import { render, FORMATS } from '../../src/cli/output.js';
import { runScan } from '../../src/scan.js';
import { commitSubjects, textGuard } from '../../src/sources/index.js';
import { PaperclipReadCache } from '../../src/sources/paperclip/cache.js';
import { issueText, redactIssueFields } from '../../src/sources/paperclip/model.js';
import { FAKE_KINDS, fakeSample, fakeToken } from '../helpers/fake-secrets.js';
import { tempDir } from '../helpers/cli.js';
import { sample } from '../helpers/samples.js';

const NOW = new Date('2026-11-25T12:00:00Z');
const company = sample('35-company-get');
const agents = sample('06-agents-list');
const issueRow = sample('10-issues-list-all')[0];
const commentRow = sample('21-comments-list')[0];

interface Ticket {
  title: string;
  description: string;
  status: 'blocked' | 'todo' | 'in_progress';
  comments: string[];
}

// ------------------------------------------------------------------ a loopback Paperclip

let server: Server | null = null;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = null;
});

interface World {
  url: string;
  issues: any[];
  comments: Map<string, any[]>;
  /** Every body clipguard sent (PATCH, POST), as text. */
  sent: string[];
}

async function serve(tickets: Ticket[]): Promise<World> {
  const issues = tickets.map((t, k) => ({
    ...issueRow,
    id: `00000000-0000-4000-8000-0000000010${String(k).padStart(2, '0')}`,
    identifier: `ACM-${100 + k}`,
    issueNumber: 100 + k,
    title: t.title,
    description: t.description,
    descriptionTruncated: false,
    status: t.status,
    assigneeAgentId: t.status === 'todo' ? null : agents[0].id,
    assigneeUserId: null,
    blockedBy: [],
    createdAt: '2026-11-24T10:00:00.000Z',
    updatedAt: '2026-11-24T11:00:00.000Z',
    startedAt: t.status === 'in_progress' ? '2026-11-24T10:00:00.000Z' : null,
    blockedTransitionAt: t.status === 'blocked' ? '2026-11-24T10:30:00.000Z' : null,
  }));
  const comments = new Map(
    issues.map((i, k) => [
      i.id,
      tickets[k].comments.map((body, n) => ({ ...commentRow, id: `00000000-0000-4000-9000-0000${String(k).padStart(4, '0')}${String(n).padStart(4, '0')}`, issueId: i.id, body, authorType: 'user', authorUserId: 'local-board', authorAgentId: null, createdAt: '2026-11-24T10:10:00.000Z' })),
    ]),
  );
  const sent: string[] = [];
  const world: World = { url: '', issues, comments, sent };
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const m = req.method ?? 'GET';
      if (raw) sent.push(raw);
      const body = raw ? JSON.parse(raw) : undefined;
      const reply = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      const issue = /^\/api\/issues\/([^/]+)/.exec(path);
      const one = issue ? issues.find((i) => i.id === issue[1]) : undefined;
      if (m === 'GET' && path === '/api/health') return reply(200, sample('01-health'));
      if (m === 'GET' && path === '/api/companies') return reply(200, [company]);
      if (m === 'GET' && path === `/api/companies/${company.id}`) return reply(200, company);
      if (m === 'GET' && path === `/api/companies/${company.id}/agents`) return reply(200, agents);
      if (m === 'GET' && path.startsWith('/api/agents/')) return reply(200, agents.find((a: any) => path.endsWith(a.id)) ?? {});
      if (m === 'GET' && path === `/api/companies/${company.id}/issues`) return reply(200, issues);
      if (m === 'GET' && path === `/api/companies/${company.id}/heartbeat-runs`) return reply(200, []);
      if (m === 'GET' && path === `/api/companies/${company.id}/budgets/overview`) return reply(200, sample('26-budgets-overview'));
      if (m === 'GET' && path === `/api/companies/${company.id}/costs/by-agent`) return reply(200, []);
      if (path === `/api/companies/${company.id}/activity`) {
        if (m !== 'GET') return reply(201, { id: 'a1' });
        // As Paperclip records it: the title alone in issue.created, the edited field's values in issue.updated.
        const of = issues.find((i) => i.id === new URL(req.url ?? '/', 'http://x').searchParams.get('entityId'));
        const row = (action: string, details: unknown) => ({ ...sample('45-issue-activity-recovery-settled')[2], entityId: of?.id, action, details });
        return reply(200, of ? [row('issue.created', { title: of.title, identifier: of.identifier }), row('issue.updated', { description: of.description, _previous: { title: of.title } })] : []);
      }
      if (one && m === 'GET' && path.endsWith('/comments')) return reply(200, comments.get(one.id)!.filter((c) => !c.deletedAt));
      if (one && m === 'POST' && path.endsWith('/comments')) {
        const c = { ...commentRow, id: `00000000-0000-4000-a000-${String(sent.length).padStart(12, '0')}`, issueId: one.id, body: body.body };
        comments.get(one.id)!.push(c);
        return reply(201, c);
      }
      const del = /\/comments\/([^/]+)$/.exec(path);
      if (one && m === 'DELETE' && del) {
        const c = comments.get(one.id)!.find((x) => x.id === del[1]);
        if (c) Object.assign(c, { deletedAt: NOW.toISOString(), body: '' });
        return reply(200, c ?? {});
      }
      if (one && m === 'GET') return reply(200, one);
      if (one && m === 'PATCH') {
        Object.assign(one, body, { updatedAt: new Date().toISOString() });
        return reply(200, one);
      }
      if (m === 'POST' && /\/(checkout|release)$/.test(path)) return reply(409, { error: 'Issue checkout conflict' });
      reply(404, { error: 'API route not found' });
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  world.url = `http://127.0.0.1:${(server!.address() as { port: number }).port}`;
  return world;
}

function scanConfig(url: string, state: string): Config {
  const config = loadConfig(tempDir(), { noConfigFile: true, paperclip: url }, {});
  Object.assign(config.paperclip, { retries: 0, timeoutMs: 5_000, activityLog: true });
  config.repos = [];
  config.stateDir = state;
  return config;
}

/** Every secret the detector finds in the tickets, however it is read: the issue's text joined, each field alone, each comment. */
function secretsIn(tickets: Ticket[]): string[] {
  const texts = tickets.flatMap((t) => [issueText(t), t.title, t.description, ...t.comments]);
  return [...new Set(texts.flatMap((text) => detectSecrets(text).map((m) => text.slice(m.start, m.end))))];
}

/** Every output of a dry-run scan (every format, --explain), a watch-style scan that keeps its reads, then --apply. */
async function everyOutput(world: World): Promise<Record<string, string>> {
  const state = join(tempDir(), 'state');
  const out: Record<string, string> = {};
  const config = scanConfig(world.url, state);
  const dry = await runScan(config, { explain: true, now: NOW });
  for (const f of FORMATS) out[`${f} report`] = await render(dry.report, f, dry.rules, true);
  const cache = new PaperclipReadCache({ guard: textGuard(config), dir: join(state, 'paperclip') });
  const kept = await runScan(config, { now: NOW, paperclipCache: cache });
  out['json report from a scan that keeps its reads'] = await render(kept.report, 'json', kept.rules, true);
  for (const f of readdirSync(join(state, 'paperclip'))) out[`kept read ${f}`] = readFileSync(join(state, 'paperclip', f), 'utf8');
  // A second scan from the kept reads (nothing changed on the server): the findings come from what was kept.
  const again = await runScan(config, { explain: true, now: NOW, paperclipCache: cache });
  out['text report from kept reads'] = await render(again.report, 'text', again.rules, true);
  config.actions.apply = true;
  const applied = await runScan(config, { explain: true, now: NOW });
  out['json report of --apply'] = await render(applied.report, 'json', applied.rules, true);
  for (const f of ['audit.jsonl', 'ledger.json']) if (existsSync(join(state, f))) out[f] = readFileSync(join(state, f), 'utf8');
  out['sent to Paperclip'] = world.sent.join('\n');
  return out;
}

// ------------------------------------------------------------------ generators

// Filler that cannot spell a word the detectors read as context or anti-context (no s, t, u, w, x, y, z).
const filler = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnop ,.:;()[]'.split('')), maxLength: 24 });
const seed = fc.integer({ min: 1, max: 2 ** 31 - 1 });
const hex64 = seed.map((s) => fakeToken('ethereum-private-key', s));
const WORDS = ['wallet private key', 'wallet', 'ethereum private key', 'privkey', 'mnemonic'];

/** A key in the title whose only context is in the description, or a context word in the title and the key at the top of the description. */
const spanning = fc.oneof(
  fc.record({ key: hex64, word: fc.constantFrom(...WORDS), a: filler, b: filler }).map(({ key, word, a, b }) => ({ title: `${a} ${key}`.trim(), description: `${word} ${b}` })),
  fc.record({ key: hex64, word: fc.constantFrom(...WORDS), a: filler, b: filler }).map(({ key, word, a, b }) => ({ title: `${a} ${word}`.trim(), description: `${key} ${b}` })),
);
const token = fc.record({ kind: fc.constantFrom(...FAKE_KINDS), seed, style: fc.nat(10) }).map((r) => fakeSample(r.kind, r.seed, r.style).text);
const ticket: fc.Arbitrary<Ticket> = fc.record({
  text: spanning,
  more: fc.option(token, { nil: undefined }),
  status: fc.constantFrom('blocked' as const, 'todo' as const, 'in_progress' as const),
  comments: fc.array(fc.oneof(token, filler, spanning.map((s) => `${s.title}\n${s.description}`)), { maxLength: 2 }),
}).map(({ text, more, status, comments }) => ({ title: text.title, description: more ? `${text.description}\n${more}` : text.description, status, comments }));

// ------------------------------------------------------------------ tests

describe('detection, masking, every output and redaction use the same spans', () => {
  it('redactIssueFields maps each span of issueText back to its field, a span across the newline to both', () => {
    const key = fakeToken('ethereum-private-key', 5);
    const issue = { title: `deploy ${key}`, description: 'wallet private key of the treasury' };
    const ms = detectSecrets(issueText(issue));
    expect(ms.map((m) => m.kind)).toEqual(['ethereum-private-key']);
    // Each field alone: nothing found (the reason masking field by field leaked it).
    expect(detectSecrets(issue.title)).toEqual([]);
    expect(redactIssueFields(issue, ms)).toEqual({ title: 'deploy [REDACTED:ethereum-private-key]' });
    expect(redactIssueFields({ title: 'ab', description: 'cd' }, [{ kind: 'k', start: 1, end: 4 }])).toEqual({ title: 'a[REDACTED:k]', description: '[REDACTED:k]d' });
    expect(redactIssueFields({ title: null, description: 'xyz' }, [{ kind: 'k', start: 1, end: 2 }])).toEqual({ description: '[REDACTED:k]yz' });
  });

  it('a wallet key in the title with its context in the description: masked in every output and kept read, redacted by --apply', async () => {
    const key = fakeToken('ethereum-private-key', 17);
    const world = await serve([{ title: `rotate ${key}`, description: 'wallet private key for the payout job', status: 'blocked', comments: [] }]);
    const out = await everyOutput(world);
    const report = JSON.parse(out['json report']);
    // The scan did see it, and ops/blocked-without-reason printed the (masked) title.
    expect(report.findings.map((f: any) => f.ruleId)).toEqual(expect.arrayContaining(['security/secret-in-issue', 'ops/blocked-without-reason']));
    expect(report.findings.find((f: any) => f.ruleId === 'ops/blocked-without-reason').message).toContain('"rotate [REDACTED:ethereum-private-key]"');
    for (const [channel, text] of Object.entries(out)) expect(text.includes(key), `${channel} carries the key`).toBe(false);
    const applied = JSON.parse(out['json report of --apply']).findings.find((f: any) => f.ruleId === 'security/secret-in-issue');
    expect(applied.actions[0]).toMatchObject({ type: 'redact', status: 'applied', detail: expect.stringContaining('redacted 1 secret(s) in title') });
    // Issue 16, item 7: redaction limits the spread, rotation is the remedy; the finding and the outcome say so.
    expect(applied.message).toMatch(/it is exposed, rotate it \(redaction does not remove the copies Paperclip keeps\)/);
    expect(applied.actions[0].detail).toMatch(/rotate the key\(s\): Paperclip's activity log keeps the old title/);
    expect(world.issues[0].title).toBe('rotate [REDACTED:ethereum-private-key]');
    expect(world.issues[0].description).toBe('wallet private key for the payout job');
  });

  it('property: for any secret the detector finds in any ticket, no report format, kept read, audit or ledger line, or request to Paperclip holds it, and --apply leaves it nowhere on the server', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(ticket, { minLength: 1, maxLength: 3 }), async (tickets) => {
        const secrets = secretsIn(tickets);
        // The spanning keys are found (else "nothing leaked" would prove little).
        expect(secrets.length).toBeGreaterThanOrEqual(tickets.length);
        const world = await serve(tickets);
        try {
          const out = await everyOutput(world);
          for (const [channel, text] of Object.entries(out)) for (const s of secrets) expect(text.includes(s), `${channel} carries a detected secret`).toBe(false);
          // After --apply, the server holds none of them: titles, descriptions, live comments.
          const left = JSON.stringify([world.issues.map((i) => [i.title, i.description]), [...world.comments.values()].flat().filter((c) => !c.deletedAt).map((c) => c.body)]);
          for (const s of secrets) expect(left.includes(s), 'a detected secret is still on the server after --apply').toBe(false);
        } finally {
          await new Promise<void>((r) => server!.close(() => r()));
          server = null;
        }
      }),
      { numRuns: 12 },
    );
  }, 120_000);
});

describe('a clipguard-ignore in ticket text exempts nothing (issue 17, item 2)', () => {
  // Inline ignores belong to files under review; anyone who can write a ticket (or any agent) could otherwise
  // keep a key in it. Waivers and baselines, which the operator keeps, still silence a Paperclip finding.
  const MARKERS = ['clipguard-ignore -- test fixture', 'clipguard-ignore security/secret-in-comment -- test fixture', 'clipguard-ignore * -- fake', 'clipguard-ignore github-pat', 'clipguard-ignore security/ -- ok'];

  it.each(MARKERS)('"%s" on the line of a key in a comment and in a description: reported unsuppressed, redacted by --apply', async (marker) => {
    const inComment = fakeToken('github-pat', 31);
    const inIssue = fakeToken('github-pat', 32);
    const world = await serve([{ title: 'Deploy', description: `bot key ${inIssue} ${marker.replace('secret-in-comment', 'secret-in-issue')}`, status: 'todo', comments: [`prod key ${inComment} ${marker}`] }]);
    const state = join(tempDir(), 'state');
    const config = scanConfig(world.url, state);
    const { report } = await runScan(config, { now: NOW, only: ['security'] });
    const secret = report.findings.filter((f) => f.ruleId.startsWith('security/secret-in-'));
    expect(secret.map((f) => f.ruleId).sort()).toEqual(['security/secret-in-comment', 'security/secret-in-issue']);
    expect(secret.map((f) => f.suppressed ?? null)).toEqual([null, null]);
    expect(report.summary).toMatchObject({ suppressed: 0, failed: true });
    for (const f of secret) expect(f.message).toMatch(/; it is exposed, rotate it \(redaction does not remove the copies Paperclip keeps\): ghp_…$/);
    config.actions.apply = true;
    const applied = await runScan(config, { now: NOW, only: ['security'] });
    expect(applied.report.findings.flatMap((f) => f.actions.filter((a) => a.type === 'redact').map((a) => a.status))).toEqual(['applied', 'applied']);
    const live = world.comments.get(world.issues[0].id)!.filter((c) => !c.deletedAt).map((c) => c.body).join('\n');
    expect(live).not.toContain(inComment);
    expect(live).toContain('[REDACTED:github-pat]');
    expect(world.issues[0].description).toBe(`bot key [REDACTED:github-pat] ${marker.replace('secret-in-comment', 'secret-in-issue')}`);
  });

  it('a waiver by fingerprint, the operator\'s tool, still suppresses the finding', async () => {
    const world = await serve([{ title: 'Deploy', description: 'nothing here', status: 'todo', comments: [`prod key ${fakeToken('github-pat', 33)} clipguard-ignore -- test fixture`] }]);
    const config = scanConfig(world.url, join(tempDir(), 'state'));
    const first = await runScan(config, { now: NOW, only: ['security'] });
    const f = first.report.findings.find((x) => x.ruleId === 'security/secret-in-comment')!;
    const dir = tempDir();
    const waivers = join(dir, 'clipguard.waivers.json');
    writeFileSync(waivers, JSON.stringify({ waivers: [{ rule: f.ruleId, fingerprint: f.fingerprint, reason: 'a fake key in a test ticket' }] }));
    config.waivers = waivers;
    const again = await runScan(config, { now: NOW, only: ['security'] });
    expect(again.report.findings.find((x) => x.ruleId === 'security/secret-in-comment')!.suppressed).toMatchObject({ kind: 'waiver' });
  });
});

describe('commits: the subject line is masked with the spans of the whole message', () => {
  it('a wallet key on the subject line, its context word in the body: neither the label nor the commit fact holds it', () => {
    const key = fakeToken('ethereum-private-key', 41);
    const config = loadConfig(tempDir(), { noConfigFile: true }, {});
    const [s] = commitSubjects('.', [{ sha: 'a'.repeat(40), subject: `fix ${key}`, message: `fix ${key}\n\nthe wallet private key of the payout job`, author: 'x', date: NOW.toISOString() }], config);
    expect((s.facts.secrets as unknown[]).length).toBe(1);
    expect(s.label).toBe(`${'a'.repeat(10)} fix [REDACTED:ethereum-private-key]`);
    expect(JSON.stringify(s)).not.toContain(key);
  });
});
