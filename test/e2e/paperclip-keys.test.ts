// A leaked Paperclip API key on a REAL Paperclip (issue 24, "leaked Paperclip keys, revoked"): clipguard reports
// it and does NOT revoke it, because nothing the server lists identifies a key without the key itself.
// Paperclip stores sha256(key) (services/agents.ts createApiKey, board-auth.ts hashBearerToken) but its key
// lists (GET /api/agents/:id/keys, GET /api/board-api-keys) give only id, name and dates: no hash, no prefix.
// The only ways to find a key's record are to present the key to the server (GET /api/agents/me,
// /api/cli-auth/me), which clipguard never does with a key it found. This file pins that premise (it fails
// the day Paperclip lists a hash or prefix, and revocation becomes possible without sending the key) and that
// a scan --apply with every secret action on leaves the key working, says how to revoke it by hand, and
// writes the key nowhere.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, tempDir } from '../helpers/cli.js';
import { writeTrustedConfig } from '../helpers/trust.js';
import { e2eUrl, Seed, unique } from './seed.js';

const seed = new Seed();
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Every string in a JSON value, keys included. */
function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => [k, ...strings(x)]);
  return [];
}

/** Whether a listed key record exposes anything derived from the key: the key, its sha256, or 8+ characters of its random part. */
function exposesKey(record: unknown, key: string): string | null {
  const random = key.slice(key.lastIndexOf('_') + 1);
  const hash = sha256(key);
  for (const s of strings(record)) {
    const l = s.toLowerCase();
    if (l.includes(key) || l.includes(hash.slice(0, 16))) return s;
    for (let i = 0; i + 8 <= random.length; i++) if (l.includes(random.slice(i, i + 8))) return s;
  }
  return null;
}

/** A request authenticated with `key`: 200 while the key is live, 401 once revoked. */
async function withKey(path: string, key: string): Promise<number> {
  const res = await fetch(`${seed.api}${path}`, { headers: { accept: 'application/json', authorization: `Bearer ${key}` } });
  await res.text();
  return res.status;
}

describe('leaked Paperclip keys: reported, not revoked (the server lists no hash or prefix), on a real Paperclip', () => {
  let company: any;
  let agent: any;
  let issue: any;
  let agentKey: { id: string; token: string; name: string };

  beforeAll(async () => {
    company = await seed.createCompany({ name: unique('Keys') });
    agent = await seed.createAgent(company.id, { name: 'Leaky' });
    agentKey = await seed.req('POST', `/agents/${agent.id}/keys`, { name: 'ci deploy' });
    issue = await seed.createIssue(company.id, { title: 'Deploy script', description: 'Wire the deploy up.' });
    await seed.addComment(issue.id, `try this:\ncurl -H "Authorization: Bearer ${agentKey.token}" /api/agents/me`);
  });

  it('an agent key is stored as sha256 but listed without hash or prefix: nothing to match a found key on', async () => {
    expect(agentKey.token).toMatch(/^pcp_[0-9a-f]{48}$/);
    const listed = (await seed.req('GET', `/agents/${agent.id}/keys`)) as any[];
    const record = listed.find((k) => k.id === agentKey.id);
    expect(record).toMatchObject({ name: 'ci deploy', revokedAt: null });
    expect(Object.keys(record).sort()).toEqual(['createdAt', 'id', 'name', 'responsibleUserId', 'revokedAt', 'scope']);
    expect(exposesKey(listed, agentKey.token)).toBeNull();
    // The check itself sees a hash or a prefix when there is one.
    expect(exposesKey([{ keyHash: sha256(agentKey.token) }], agentKey.token)).not.toBeNull();
    expect(exposesKey([{ prefix: agentKey.token.slice(0, 12) }], agentKey.token)).not.toBeNull();
    // The key works (the premise of the last test: clipguard leaves it so).
    expect(await withKey('/agents/me', agentKey.token)).toBe(200);
  });

  it('a board key is listed the same way: id, name and dates only', async () => {
    const created = await seed.call('POST', '/board-api-keys', { name: 'laptop cli' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const token = String(created.body.token ?? created.body.key ?? '');
    expect(token).toMatch(/^pcp_board_[0-9a-f]{48}$/);
    const listed = (await seed.req('GET', '/board-api-keys')) as any[];
    const record = listed.find((k) => k.id === created.body.id);
    expect(Object.keys(record).sort()).toEqual(['createdAt', 'expiresAt', 'id', 'lastUsedAt', 'name', 'revokedAt']);
    expect(exposesKey(listed, token)).toBeNull();
    await seed.req('DELETE', `/board-api-keys/${created.body.id}`);
  });

  it('scan --apply with the secret actions on reports the agent key, says how to revoke it, and leaves it working; the key is written nowhere', async () => {
    const cwd = tempDir();
    const state = join(cwd, 'state');
    const on = { actions: { redact: { enabled: true }, flag: { enabled: true } } };
    writeTrustedConfig(join(cwd, 'clipguard.config.json'), JSON.stringify({ rules: { overrides: { 'security/secret-in-comment': on, 'security/secret-in-issue': on } } }));
    const outputs: string[] = [];
    const scan = (args: string[], format = 'json') => {
      const r = cli(['scan', '--paperclip', e2eUrl(), '--company', company.issuePrefix, '--only', 'security', '--format', format, ...args], { cwd, env: { CLIPGUARD_STATE_DIR: state } });
      expect(r.code, r.stderr).toBe(1);
      outputs.push(r.stdout, r.stderr);
      return JSON.parse(r.stdout);
    };
    const dry = scan([]);
    const finding = dry.findings.find((f: any) => f.ruleId === 'security/secret-in-comment');
    expect(finding.message).toContain('Paperclip agent API key');
    // The SARIF rule's help is the rule's remediation: how to revoke the key by hand.
    const sarif = scan([], 'sarif');
    const help = sarif.runs[0].tool.driver.rules.find((r: any) => r.id === 'security/secret-in-comment').help.text;
    expect(help).toMatch(/pcp_ agent or board API key.*clipguard does not revoke it.*revoke it by hand/s);
    expect(finding.actions.map((a: any) => a.type).sort()).toEqual(['flag', 'redact']);
    scan(['--apply']);
    // Nothing clipguard did took the key back: only the board can, by hand.
    expect(await withKey('/agents/me', agentKey.token)).toBe(200);
    const listed = (await seed.req('GET', `/agents/${agent.id}/keys`)) as any[];
    expect(listed.find((k) => k.id === agentKey.id).revokedAt).toBeNull();
    for (const f of readdirSync(state)) if (statSync(join(state, f)).isFile()) outputs.push(readFileSync(join(state, f), 'utf8'));
    const comments = (await seed.req('GET', `/issues/${issue.id}/comments`)) as any[];
    outputs.push(...comments.filter((c) => !c.deletedAt && String(c.body).startsWith('clipguard')).map((c) => String(c.body)));
    for (const o of outputs) {
      expect(o).not.toContain(agentKey.token);
      expect(o).not.toContain(sha256(agentKey.token));
    }
  });
});
