// Secrets in an agent's configuration (security/secret-in-agent-config, Paperclip #6895): a generated key
// anywhere in adapterConfig, metadata, runtimeConfig or capabilities (any depth, any key, a plain or inline
// env binding, a header, a command argument) is found, and no copy of it is left in the subjects' facts, in any
// report format with --explain, even for a rule that prints the whole configuration.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { runScan } from '../../src/scan.js';
import { budgetOptions, maskedSecrets } from '../../src/sources/index.js';
import { paperclipSubjects, type SnapshotCompany } from '../../src/sources/paperclip/subjects.js';
import { agentConfigSecrets, sensitiveName } from '../../src/sources/paperclip/agent-config.js';
import { render, FORMATS } from '../../src/cli/output.js';
import { tempDir } from '../helpers/cli.js';
import { FAKE_KINDS, fakeSample } from '../helpers/fake-secrets.js';

const NOW = new Date('2026-11-15T12:00:00Z');
const T = '2026-11-01T00:00:00.000Z';

function snapshot(agent: Record<string, unknown>): SnapshotCompany[] {
  const company = { id: 'c-acme', name: 'Acme', status: 'active', issuePrefix: 'ACM', budgetMonthlyCents: 0, spentMonthlyCents: 0, createdAt: T, updatedAt: T };
  const base = { id: 'a-1', companyId: 'c-acme', name: 'Alice', role: 'engineer', status: 'idle', adapterType: 'process', budgetMonthlyCents: 0, spentMonthlyCents: 0, pauseReason: null, createdAt: T, updatedAt: T };
  // An issue assigned to the agent: its `assignee` fact is the agent record too.
  const issue = { id: 'i-1', companyId: 'c-acme', identifier: 'ACM-1', title: 'Task', description: null, status: 'todo', priority: 'high', assigneeAgentId: 'a-1', createdAt: T, updatedAt: T };
  return [{ company, agents: [{ ...base, ...agent }], issues: [issue], comments: {}, runs: [], budgets: null, recentCosts: null }] as SnapshotCompany[];
}

/** A rule from a pack anyone could name: it prints the agent's whole configuration in its message. */
function hostilePack(): string {
  const dir = tempDir();
  mkdirSync(join(dir, 'hostile'), { recursive: true });
  writeFileSync(
    join(dir, 'hostile', 'print-config.json'),
    JSON.stringify({
      id: 'hostile/print-config',
      title: 'Prints the configuration',
      severity: 'warning',
      subject: 'agent',
      description: 'A rule that tries to print secrets.',
      remediation: 'None.',
      tags: ['hostile'],
      message: '{{agent.adapterConfig}} {{agent.metadata}} {{agent.runtimeConfig}} {{agent.capabilities}} {{agent.adapterConfig.env.OPENAI_API_KEY.value}} {{configSecrets}}',
      conditions: { all: [{ fact: 'agent', path: '$.id', operator: 'notEqual', value: '' }] },
    }),
  );
  return dir;
}

const segment = fc.oneof(fc.constantFrom('env', 'headers', 'args', 'config', 'nested', 'a b', '__proto__', 'constructor', 'OPENAI_API_KEY', 'value', 'type'), fc.nat(3));
/** A random alphanumeric value: not a known key shape, so only the name makes it a secret. */
const opaque = fc.string({ unit: fc.constantFrom(...'abcdefghjkmnpqrstuvwzABCDEFGHJKLMNPQRSTUVWZ23456789'.split('')), minLength: 16, maxLength: 40 }).map((s) => `v${s}`);
const secretName = fc.constantFrom('OPENAI_API_KEY', 'GITHUB_TOKEN', 'DB_PASSWORD', 'STRIPE_SECRET', 'aws_access_key', 'MY_AUTH', 'SESSION_KEY');

/** Sets `value` at `path` under `root`, making objects and arrays on the way (own keys only, even `__proto__`). */
function put(root: Record<string, unknown>, path: (string | number)[], value: unknown): void {
  let cur: any = root;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    const last = i === path.length - 1;
    const next = last ? value : typeof path[i + 1] === 'number' ? Array.from({ length: (path[i + 1] as number) + 1 }, () => 'filler') : {};
    if (Array.isArray(cur)) {
      const k = typeof seg === 'number' ? seg : cur.length;
      if (last || typeof cur[k] !== 'object' || cur[k] === null) cur[k] = next;
      cur = cur[k];
    } else {
      const k = String(seg);
      if (last || !Object.hasOwn(cur, k) || typeof cur[k] !== 'object' || cur[k] === null) Object.defineProperty(cur, k, { value: next, enumerable: true, writable: true, configurable: true });
      cur = cur[k];
    }
  }
}

type Plant = { agent: Record<string, unknown>; secret: string };
const detected: fc.Arbitrary<Plant> = fc
  .record({ field: fc.constantFrom('adapterConfig', 'metadata', 'runtimeConfig'), path: fc.array(segment, { minLength: 1, maxLength: 6 }), kind: fc.constantFrom(...FAKE_KINDS), seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }), style: fc.nat(10) })
  .map(({ field, path, kind, seed, style }) => {
    const s = fakeSample(kind, seed, style);
    const conf: Record<string, unknown> = {};
    put(conf, path, s.text);
    return { agent: { [field]: conf }, secret: s.secret };
  });
const named: fc.Arbitrary<Plant> = fc.record({ name: secretName, value: opaque, where: fc.constantFrom('plain', 'inline', 'header', 'arg', 'nested-env') }).map(({ name, value, where }) => {
  const adapterConfig =
    where === 'plain'
      ? { command: 'node', env: { LOG_LEVEL: { type: 'plain', value: 'debug' }, [name]: { type: 'plain', value } } }
      : where === 'inline'
        ? { env: { [name]: value } }
        : where === 'header'
          ? { url: 'https://hooks.example.test', headers: { [name]: value } }
          : where === 'arg'
            ? { command: 'node', args: ['worker.js', `--${name.toLowerCase().replace(/_/g, '-')}`, value] }
            : { sandbox: { env: { [name]: { type: 'plain', value } } } };
  return { agent: { adapterConfig }, secret: value };
});
const capabilities: fc.Arbitrary<Plant> = fc.record({ kind: fc.constantFrom(...FAKE_KINDS), seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }), style: fc.nat(10) }).map(({ kind, seed, style }) => {
  const s = fakeSample(kind, seed, style);
  return { agent: { capabilities: `Deploys the site.\n${s.text}\nAsk the CEO first.` }, secret: s.secret };
});

describe('secrets in agent configuration', () => {
  const config = loadConfig(tempDir(), { noConfigFile: true }, {});
  config.repos = [];
  config.rules.packs.push(hostilePack());

  it('are found and leave no copy in facts, any report format or --explain (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(detected, named, capabilities), async ({ agent, secret }) => {
        const subjects = paperclipSubjects(snapshot(agent), { now: NOW, detectSecrets: maskedSecrets(config), budget: budgetOptions(config) });
        const a = subjects.find((s) => s.type === 'agent')!;
        expect((a.facts.configSecrets as unknown[]).length, JSON.stringify(agent).slice(0, 300)).toBeGreaterThan(0);
        for (const s of subjects) expect(JSON.stringify(s.facts).includes(secret), `${s.type} facts`).toBe(false);
        const { report, rules } = await runScan(config, { subjects, only: ['security/secret-in-agent-config', 'hostile'], explain: true, now: NOW });
        expect(report.findings.map((f) => f.ruleId)).toEqual(expect.arrayContaining(['security/secret-in-agent-config', 'hostile/print-config']));
        for (const format of FORMATS) {
          const out = await render(report, format, rules, true);
          expect(out.includes(secret), `${format} carries the secret`).toBe(false);
        }
      }),
      { numRuns: 120 },
    );
  });

  it('names the agent, the path and the binding; a secret_ref never fires', async () => {
    const value = 'v' + 'q7Wm2Kp9Zt4Rn8Xb3Lc6'; // built at run time: no key-shaped literal
    const subjects = paperclipSubjects(
      snapshot({
        adapterConfig: {
          env: {
            OPENAI_API_KEY: { type: 'plain', value },
            ANTHROPIC_API_KEY: { type: 'secret_ref', secretId: '8f14e45f-ceea-467a-9575-6b8e1d3c2a10', version: 'latest' },
            GH_TOKEN: { type: 'user_secret_ref', key: 'github.token' },
            API_TOKEN: '${API_TOKEN}',
            TOKEN_FILE: '/run/secrets/token',
            LOG_LEVEL: 'debug',
          },
        },
      }),
      { now: NOW, detectSecrets: maskedSecrets(config), budget: budgetOptions(config) },
    );
    const a = subjects.find((s) => s.type === 'agent')!;
    expect(a.facts.configSecrets).toEqual([
      // Read as `OPENAI_API_KEY=<value>`, the detector's generic row knows it; without the name it would be the plain-value row.
      { kind: 'generic-api-key', description: 'API key, secret or token assignment', preview: 'vq7W…', path: 'adapterConfig.env.OPENAI_API_KEY', field: 'adapterConfig', binding: 'plain', name: 'OPENAI_API_KEY', fingerprintKey: 'generic-api-key@adapterConfig.env.OPENAI_API_KEY' },
    ]);
    const env = (a.facts.agent as any).adapterConfig.env;
    expect(env.OPENAI_API_KEY).toEqual({ type: 'plain', value: '[REDACTED:generic-api-key]' });
    expect(env.ANTHROPIC_API_KEY.secretId).toBe('8f14e45f-ceea-467a-9575-6b8e1d3c2a10');
    expect(env.LOG_LEVEL).toBe('debug');
  });

  it('a plain env value the server hid is still a finding (the value is kept in plain there); a hidden header is not', () => {
    const { ofAgent } = agentConfigSecrets(
      [{ id: 'a-1', adapterConfig: { env: { OPENAI_API_KEY: { type: 'plain', value: '***REDACTED***' }, SETTINGS: { type: 'plain', value: '***REDACTED***' } }, headers: { Authorization: '***REDACTED***' } } }],
      maskedSecrets(config),
    );
    expect(ofAgent.get('a-1')?.map((s) => [s.path, s.preview])).toEqual([['adapterConfig.env.OPENAI_API_KEY', '(hidden by the server)']]);
  });

  it('an agent without a secret is the same object; a key name that holds a key is masked in the record and the path', () => {
    const config2 = maskedSecrets(config);
    const clean = { id: 'a-2', adapterConfig: { command: 'true', env: { LOG_LEVEL: 'debug' } } };
    expect(agentConfigSecrets([clean], config2).agents[0]).toBe(clean);
    const s = fakeSample('github-pat', 7, 0);
    const { agents, ofAgent } = agentConfigSecrets([{ id: 'a-3', metadata: { [s.secret]: 'x' } }], config2);
    expect(JSON.stringify(agents)).not.toContain(s.secret);
    expect(JSON.stringify([...ofAgent.values()])).not.toContain(s.secret);
    expect(ofAgent.get('a-3')?.[0].path).toMatch(/^metadata\["\[REDACTED:/);
  });

  it('a key nested deeper than the walk goes is masked with its subtree; one too deep for JSON is dropped whole', () => {
    const s = fakeSample('github-pat', 9, 0);
    let deep: unknown = { note: s.text };
    for (let i = 0; i < 40; i++) deep = { a: deep };
    let deeper: unknown = 'x';
    for (let i = 0; i < 200_000; i++) deeper = { a: deeper };
    const { agents, ofAgent } = agentConfigSecrets<any>([{ id: 'a-4', metadata: { deep, deeper } }], maskedSecrets(config));
    expect(JSON.stringify(agents[0].metadata.deep)).not.toContain(s.secret);
    let v = agents[0].metadata.deeper;
    while (v && typeof v === 'object') v = v.a;
    expect(v).toBe('[REDACTED:plain-config-secret]');
    expect(ofAgent.get('a-4')?.map((m) => m.preview)).toContain('(nested too deep to read)');
    expect(ofAgent.get('a-4')?.length).toBe(2);
  });

  it('sensitive names', () => {
    for (const n of ['OPENAI_API_KEY', 'GITHUB_TOKEN', 'DB_PASSWORD', 'client_secret', 'Authorization', 'X-Api-Key', 'PGPASSWORD', '--api-key']) expect(sensitiveName(n), n).toBe(true);
    for (const n of ['LOG_LEVEL', 'TOKEN_FILE', 'API_KEY_PATH', 'SECRET_NAME', 'AUTH_URL', 'NODE_ENV', 'Accept']) expect(sensitiveName(n), n).toBe(false);
  });
});
