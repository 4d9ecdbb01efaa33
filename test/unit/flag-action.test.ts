// The `flag` action up to the executor: declared on the secret rules (off by default, switched on by
// rules.overrides[id].actions.flag), planned as ONE comment per issue whatever number of secrets the issue and
// its comments hold, and a text that names each kind and where it is but holds no key and no masked preview.
// (Posting it, once, on a real Paperclip: test/e2e/flag.test.ts.)
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { planActions } from '../../src/actions/planner.js';
import { flagBody, flaggedKeys, flagKeys, type FlagEntry } from '../../src/actions/flag.js';
import { loadConfig } from '../../src/config/load.js';
import { detectSecrets } from '../../src/detectors/secrets/index.js';
import { activateRules, Evaluator, type RuleOverride } from '../../src/engine/evaluate.js';
import { loadRulePacks, RulePackError, validateRule } from '../../src/engine/load.js';
import { subjectsFromInput } from '../../src/rule-tests.js';
import { applySuppressions } from '../../src/engine/suppress.js';
import { loadActiveRules } from '../../src/scan.js';
import type { Finding } from '../../src/types.js';
import { FAKE_KINDS, fakeSample, fakeToken } from '../helpers/fake-secrets.js';

const base = JSON.parse(readFileSync(new URL('../../fixtures/security/secret-in-comment/clean.json', import.meta.url), 'utf8')).input.paperclip.companies[0];
const SECRET_RULES = ['security/secret-in-issue', 'security/secret-in-comment'];
const FLAG_ON: Record<string, RuleOverride> = Object.fromEntries(SECRET_RULES.map((id) => [id, { actions: { flag: { enabled: true } } }]));

/** An issue whose description holds `description` and whose comments hold `comments`. */
function snapshot(description: string, comments: string[]) {
  const issue = { ...base.issues[0], id: 'i-7', identifier: 'ACM-7', title: 'Deploy', description, createdByAgentId: 'a-alice', createdByUserId: null };
  const rows = comments.map((body, i) => ({ ...base.comments['i-2'][0], id: `c${i + 1}-0000-0000`, issueId: 'i-7', body, authorType: 'agent', authorAgentId: 'a-alice', authorUserId: null }));
  return { companies: [{ ...base, issues: [issue], comments: { 'i-7': rows } }] };
}

async function plan(paperclip: { companies: any[] }, overrides: Record<string, RuleOverride> = FLAG_ON): Promise<Finding[]> {
  const now = new Date('2026-11-15T12:00:00Z');
  const config = loadConfig(process.cwd(), { noConfigFile: true }, {});
  const { rules } = loadRulePacks([]);
  const active = activateRules(rules.filter((r) => SECRET_RULES.includes(r.id)), overrides);
  const subjects = subjectsFromInput({ paperclip }, config, now);
  const findings = applySuppressions(await new Evaluator(active).evaluate(subjects, { now }), { now });
  planActions(findings, subjects, { maxPerScan: 1000, maxPerAgent: 1000, exec: {} });
  return findings;
}

const flags = (fs: Finding[]) => fs.flatMap((f) => f.actions.filter((a) => a.type === 'flag'));

describe('flag action', () => {
  it('is off by default: the secret rules plan a redaction only', async () => {
    const fs = await plan(snapshot(`key ${fakeToken('anthropic-api-key', 401)}`, []), {});
    expect(fs.map((f) => f.actions.map((a) => a.type))).toEqual([['redact']]);
  });

  it('plans one comment per issue for the secrets of its description and its comments, naming kind and place, never a key', async () => {
    const a = fakeToken('anthropic-api-key', 402);
    const g = fakeToken('github-pat', 403);
    const p = fakeToken('paperclip-agent-key', 404);
    const fs = await plan(snapshot(`Deploy notes\nuse ${a}\nand ${g}`, ['nothing here', `my key is ${p}`]));
    expect(fs).toHaveLength(3);
    const all = flags(fs);
    expect(all.map((x) => x.status).sort()).toEqual(['planned', 'skipped', 'skipped']);
    expect(all.every((x) => x.target === 'issue:ACM-7')).toBe(true);
    const carrier = all.find((x) => x.status === 'planned')!;
    const body = String(carrier.params!.body);
    expect(body).toContain('(anthropic-api-key) in the description, line 2, written by agent a-alice');
    expect(body).toContain('(github-pat) in the description, line 3, written by agent a-alice');
    expect(body).toContain('(paperclip-agent-key) in comment c2-0000-0000, line 1, written by agent a-alice');
    // The findings count a description's lines as the flag comment does: from the description's first line.
    const inIssue = fs.filter((f) => f.ruleId === 'security/secret-in-issue').map((f) => f.message);
    expect(inIssue).toEqual([expect.stringMatching(/in the description of ACM-7 \(line 2\)/), expect.stringMatching(/in the description of ACM-7 \(line 3\)/)]);
    expect(body).toMatch(/rotate/);
    for (const secret of [a, g, p]) {
      expect(body).not.toContain(secret);
      expect(JSON.stringify(fs)).not.toContain(secret);
    }
    // Not even what the findings show: the masked previews are not in the comment.
    for (const f of fs) expect(body).not.toContain(f.message.split(': ').pop()!);
    expect(carrier.detail).toContain('3 secret(s)');
    for (const x of all.filter((y) => y.status === 'skipped')) expect(x.detail).toContain('one flag comment planned for ACM-7');
  });

  it('the text is the same for the same findings whatever their order (what makes a second run recognise it)', () => {
    const e = (over: Partial<FlagEntry>): FlagEntry => ({ kind: 'github-pat', description: 'GitHub token', place: 'description', commentId: null, line: 1, author: null, key: `${over.kind ?? 'github-pat'}:${over.place ?? 'description'}:${over.line ?? 1}`, ...over });
    const entries = [e({ line: 4 }), e({ place: 'comment', commentId: 'c9', kind: 'jwt' }), e({ place: 'title' })];
    expect(flagBody(entries)).toBe(flagBody([...entries].reverse()));
    expect(flagBody(entries)).not.toBe(flagBody(entries.slice(1)));
  });

  it('a key flagged once is not asked again: the marker names the keys (not the runs that printed them), read only from comments a user wrote', () => {
    const run = (runId: string): FlagEntry => ({ kind: 'github-pat', description: 'GitHub token', place: 'run', commentId: null, runId, runPlace: 'log (stdout)', line: 3, author: 'agent a-1', key: 'github-pat:log (stdout):f00d' });
    const first = flagBody([run('r-1')]);
    const again = flagBody([run('r-1'), run('r-2')]); // the flag woke the agent, whose new run printed the same key
    expect(again).not.toBe(first);
    const marker = (t: string) => /<!-- clipguard-flag ([0-9a-f ]+) -->/.exec(t)![1];
    expect(marker(again)).toBe(marker(first));
    const keys = flagKeys([run('r-2')]);
    expect(keys.every((k) => flaggedKeys([{ id: 'c1', body: first, authorType: 'user', authorUserId: 'local-board' }]).has(k))).toBe(true);
    // An agent writing the marker, or a deleted flag, silences nothing.
    expect(flaggedKeys([{ id: 'c2', body: first, authorType: 'agent', authorAgentId: 'a-1', authorUserId: null }]).size).toBe(0);
    expect(flaggedKeys([{ id: 'c3', body: first, authorType: 'user', authorUserId: 'local-board', deletedAt: '2026-12-06T00:00:00Z' }]).size).toBe(0);
    // A new key on the issue is a new flag.
    expect(flagKeys([{ ...run('r-3'), key: 'jwt:log (stdout):beef' }]).some((k) => !flaggedKeys([{ id: 'c1', body: first, authorType: 'user', authorUserId: 'u' }]).has(k))).toBe(true);
  });

  it('the comment itself is never a secret finding, for any kind (else the next scan would redact the flag)', () => {
    const entries: FlagEntry[] = FAKE_KINDS.map((kind, i) => ({ kind, description: detectSecrets(fakeSample(kind, 500 + i).text)[0]?.description ?? kind, place: i % 2 ? 'comment' : 'description', commentId: i % 2 ? `c-${i}` : null, line: i + 1, author: 'agent a-alice', key: `${kind}:${i}` }));
    const body = flagBody(entries);
    expect(body).toMatch(/^[\x20-\x7e\n]*$/);
    expect(detectSecrets(body)).toEqual([]);
  });

  it('rule files: flag only on issue and comment subjects, one action of each type, action or actions but not both', () => {
    const rule = { id: 'team/x', title: 'x', severity: 'error', subject: 'agent', description: 'd', remediation: 'r', tags: [], conditions: { all: [{ fact: 'agent', path: '$.status', operator: 'equal', value: 'idle' }] } };
    const problems = (r: object) => validateRule(r, 'x.json').map((p) => `${p.field}: ${p.message}`);
    expect(problems({ ...rule, actions: [{ type: 'flag' }] }).join()).toContain('actions.0.type: the flag action comments on the issue that holds the finding');
    expect(problems({ ...rule, subject: 'issue', conditions: { all: [{ fact: 'secrets', path: '$.length', operator: 'greaterThan', value: 0 }] }, actions: [{ type: 'redact' }, { type: 'flag' }] })).toEqual([]);
    expect(problems({ ...rule, actions: [{ type: 'pause' }, { type: 'pause' }] }).join()).toContain('actions.1.type: action type "pause" is listed twice');
    expect(problems({ ...rule, action: { type: 'pause' }, actions: [{ type: 'resume' }] }).join()).toContain('not both');
    expect(problems({ ...rule, actions: [{ type: 'flagg' }] }).join()).toContain('actions.0.type: unknown action type "flagg" (did you mean "flag"?)');
  });

  it('an override of an action the rule does not have is a config error naming it', () => {
    const config = loadConfig(process.cwd(), { noConfigFile: true }, {});
    config.rules.overrides = { 'security/secret-in-diff': { actions: { flag: { enabled: true } } } };
    expect(() => loadActiveRules(config)).toThrow(RulePackError);
    expect(() => loadActiveRules(config)).toThrow(/rules\.overrides\.actions\.flag: this rule has no flag action/);
    config.rules.overrides = FLAG_ON;
    expect(loadActiveRules(config).active.find((r) => r.id === 'security/secret-in-issue')!.effectiveActions.map((a) => [a.type, a.enabled])).toEqual([
      ['redact', true],
      ['flag', true],
    ]);
    // `action` still addresses the rule's first action (redact), as it did when it was the only one.
    config.rules.overrides = { 'security/secret-in-issue': { action: { enabled: false }, actions: { flag: { enabled: true } } } };
    expect(loadActiveRules(config).active.find((r) => r.id === 'security/secret-in-issue')!.effectiveActions.map((a) => [a.type, a.enabled])).toEqual([
      ['redact', false],
      ['flag', true],
    ]);
  });

  it('the plan skips a key an earlier clipguard flag on the issue names, as --apply would after its re-read; an agent\'s marker does not count', async () => {
    const a = fakeToken('anthropic-api-key', 421);
    const g = fakeToken('github-pat', 422);
    const first = await plan(snapshot(`notes\nuse ${a}`, []));
    const body = String(flags(first).find((x) => x.status === 'planned')!.params!.body);
    // The flag was posted (by the board: a user), then a new key came in a comment.
    const snap = snapshot(`notes\nuse ${a}`, [`and ${g}`]);
    const posted = { ...snap.companies[0].comments['i-7'][0], id: 'c9-0000-0000', body, authorType: 'user', authorAgentId: null, authorUserId: 'board' };
    snap.companies[0].comments['i-7'].push(posted);
    const second = flags(await plan(snap));
    expect(second.map((x) => [x.status, x.detail.startsWith('already flagged') ? 'already' : 'new']).sort()).toEqual([
      ['planned', 'new'],
      ['skipped', 'already'],
    ]);
    const carrier = second.find((x) => x.status === 'planned')!;
    expect(String(carrier.params!.body)).toContain('(github-pat) in comment');
    expect(String(carrier.params!.body)).not.toContain('anthropic-api-key');
    // The same marker written by an agent: not clipguard's flag, both keys planned (in one comment).
    snap.companies[0].comments['i-7'][1] = { ...posted, authorType: 'agent', authorAgentId: 'a-alice', authorUserId: null };
    expect(flags(await plan(snap)).map((x) => x.status).sort()).toEqual(['planned', 'skipped']);
    expect(String(flags(await plan(snap)).find((x) => x.status === 'planned')!.params!.body)).toContain('anthropic-api-key');
  });

  it('a rule with flag switched on makes the scan read comments (the plan needs them to know what was flagged)', async () => {
    const { sourceNeeds } = await import('../../src/sources/needs.js');
    const { rules } = loadRulePacks([]);
    const runRule = activateRules(rules.filter((r) => r.id === 'security/secret-in-run-log'), {});
    expect(sourceNeeds(runRule).comments).toBe(false);
    const withFlag = activateRules(rules.filter((r) => r.id === 'security/secret-in-run-log'), { 'security/secret-in-run-log': { actions: { flag: { enabled: true } } } });
    expect(sourceNeeds(withFlag).comments).toBe(true);
  });
});


describe('flag action: review regressions (dry-run = apply)', () => {
  it('an agent that writes the exact flag text silences neither the plan nor --apply (execute reuses any comment with the same text)', async () => {
    const { flag } = await import('../../src/actions/kinds/flag.js');
    const a = fakeToken('anthropic-api-key', 431);
    const snap = snapshot(`notes\nuse ${a}`, []);
    const body = String(flags(await plan(snap)).find((x) => x.status === 'planned')!.params!.body);
    // The agent posts the very text clipguard would post (it is a pure function of masked facts; a dry-run shows it).
    const forged = { ...base.comments['i-2'][0], id: 'c8-0000-0000', issueId: 'i-7', body, authorType: 'agent', authorAgentId: 'a-alice', authorUserId: null };
    snap.companies[0].comments['i-7'] = [forged];
    const fs = await plan(snap);
    const planned = flags(fs).find((x) => x.status === 'planned')!;
    expect(planned).toBeDefined(); // the plan: an agent's text is not clipguard's flag
    // --apply on the same (unchanged) world: the server answers what the snapshot holds.
    const posted: string[] = [];
    const client = {
      getIssue: async () => snap.companies[0].issues[0],
      listComments: async () => snap.companies[0].comments['i-7'],
      addComment: async (_id: string, b: string) => (posted.push(b), { status: 201, body: { id: 'c-new' } }),
    };
    const f = fs.find((x) => x.actions.includes(planned))!;
    const out = await flag.execute({ client } as any, f, planned, 'k');
    expect(out.status).toBe('applied');
    expect(posted).toEqual([body]);
  });
});

describe('flag action: who wrote the marker (review regressions)', () => {
  const a = fakeToken('anthropic-api-key', 441);
  const g = fakeToken('github-pat', 442);
  async function withFlagBy(author: Record<string, unknown>) {
    const body = String(flags(await plan(snapshot(`notes\nuse ${a}`, []))).find((x) => x.status === 'planned')!.params!.body);
    const snap = snapshot(`notes\nuse ${a}`, [`and ${g}`]);
    snap.companies[0].comments['i-7'].push({ ...snap.companies[0].comments['i-7'][0], id: 'c9-0000-0000', body, authorAgentId: null, ...author });
    return flags(await plan(snap)).map((x) => [x.status, x.detail.startsWith('already flagged') ? 'already' : 'new']).sort();
  }

  // The live guard without a REST URL posts through the plugin API: Paperclip stores that comment with
  // authorType 'system' and no authorUserId (services/issues.js addComment), which no agent can write.
  it('a flag the live guard posted (a system comment) counts as clipguard\'s', async () => {
    expect(await withFlagBy({ authorType: 'system', authorUserId: null })).toEqual([
      ['planned', 'new'],
      ['skipped', 'already'],
    ]);
  });

  // In local_trusted mode agents post as the `local-board` user; Paperclip marks the comments a run provably
  // wrote (createdByRunId, derivedAuthorAgentId). Those are an agent's, whatever authorType says.
  it('a marker in a comment an agent run wrote as local-board does not silence the flag', async () => {
    expect(await withFlagBy({ authorType: 'user', authorUserId: 'local-board', createdByRunId: 'r-1', derivedAuthorAgentId: 'a-alice' })).toEqual([
      ['planned', 'new'],
      ['skipped', 'new'],
    ]);
  });

  it("when the issue's comments were not read, the planned flag says the plan cannot know what was flagged before (apply re-reads)", async () => {
    const snap = snapshot(`notes\nuse ${fakeToken('anthropic-api-key', 431)}`, []);
    const read = flags(await plan(snap)).find((x) => x.status === 'planned')!;
    expect(read.detail).not.toMatch(/could not be read/);
    delete (snap.companies[0].comments as Record<string, unknown>)['i-7'];
    const unread = flags(await plan(snap)).find((x) => x.status === 'planned')!;
    expect(unread.detail).toMatch(/the issue's comments could not be read, so an earlier flag naming these keys is not known: --apply reads them again first/);
    expect(unread.params!.body).toBe(read.params!.body);
  });
});

