// Plain secrets in agent configuration (Paperclip issue #6895), on a REAL Paperclip. What the server does
// (paperclipai 2026.916.1, seen here): it stores a plain env binding's value as given and answers
// GET /companies/:id/agents and GET /agents/:id with `***REDACTED***` for EVERY plain env value, whatever its
// name (OPENAI_API_KEY and SETTINGS alike), and for secret-named headers and `--token`-style arguments; a
// legacy bare string is stored as a plain binding. `metadata` comes back exactly as written, key included.
// So clipguard reports a secret-named plain binding from its shape alone (the value is kept in plain on the
// server), and masks a key in metadata before any fact is built: no report format carries it. A secret in the
// company's secrets bound with `secret_ref` (the remedy) is no finding.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, tempDir } from '../helpers/cli.js';
import { Seed, QUIET, unique } from './seed.js';

const seed = new Seed();
const RULE = 'security/secret-in-agent-config';

describe('a plain secret in an agent configuration, on a real Paperclip', () => {
  it('is reported with the agent and the path, and no output carries the key', async () => {
    // Built at run time: fake, and never in the repository.
    const envKey = 'sk-' + 'proj-' + randomBytes(24).toString('hex');
    const metaKey = 'sk-' + 'proj-' + randomBytes(24).toString('hex');
    const stored = 'v' + randomBytes(12).toString('hex');
    const company = await seed.createCompany({ name: unique('AgentCfg') });
    const leaky = await seed.createAgent(company.id, {
      name: unique('Leaky'),
      adapterConfig: { command: 'true', env: { OPENAI_API_KEY: { type: 'plain', value: envKey }, SETTINGS: { type: 'plain', value: 'verbose' } } },
      runtimeConfig: QUIET,
    });
    // metadata is not part of createAgent's helper: set it the way an operator's script would.
    await seed.req('PATCH', `/agents/${leaky.id}`, { metadata: { note: `deploy key ${metaKey}` } });
    // The remedy: the value in the company's secrets, the agent bound to it by reference.
    const secret = await seed.req('POST', `/companies/${company.id}/secrets`, { name: unique('OPENAI_API_KEY').replace(/\W/g, '_'), value: stored });
    const good = await seed.createAgent(company.id, {
      name: unique('Good'),
      adapterConfig: { command: 'true', env: { OPENAI_API_KEY: { type: 'secret_ref', secretId: secret.id, version: 'latest' } } },
      runtimeConfig: QUIET,
    });

    // What the server answers (the premise above): the env value hidden, metadata as written, the reference kept.
    const listed = await seed.req('GET', `/companies/${company.id}/agents`);
    const one = await seed.req('GET', `/agents/${leaky.id}`);
    for (const a of [listed.find((x: any) => x.id === leaky.id), one]) {
      expect(a.adapterConfig.env.OPENAI_API_KEY).toEqual({ type: 'plain', value: '***REDACTED***' });
      expect(a.adapterConfig.env.SETTINGS).toEqual({ type: 'plain', value: '***REDACTED***' });
      expect(a.metadata.note).toContain(metaKey);
    }
    expect(listed.find((x: any) => x.id === good.id).adapterConfig.env.OPENAI_API_KEY).toMatchObject({ type: 'secret_ref', secretId: secret.id });

    const cwd = tempDir();
    const outputs: Record<string, string> = {};
    for (const format of ['json', 'sarif', 'text', 'markdown', 'html', 'junit']) {
      const r = cli(['scan', '--paperclip', seed.url, '--company', company.issuePrefix, '--only', 'security', '--explain', '--format', format], { cwd });
      expect(r.code, r.stderr).toBe(1);
      outputs[`${format} stdout`] = r.stdout;
      outputs[`${format} stderr`] = r.stderr;
    }
    // A rule that prints the whole agent record (any pack could hold one) prints it masked.
    const pack = join(tempDir(), 'p');
    mkdirSync(pack, { recursive: true });
    writeFileSync(
      join(pack, 'print.json'),
      JSON.stringify({ id: 'p/print', title: 'Print', severity: 'warning', subject: 'agent', description: 'Prints the agent.', remediation: 'None.', tags: ['p'], message: '{{agent}}', conditions: { all: [{ fact: 'agent', path: '$.id', operator: 'notEqual', value: '' }] } }),
    );
    const printed = cli(['scan', '--paperclip', seed.url, '--company', company.issuePrefix, '--rules', pack, '--only', 'p', '--format', 'json'], { cwd });
    outputs['printing rule'] = printed.stdout + printed.stderr;
    expect(printed.stdout).toContain('[REDACTED:openai');

    const report = JSON.parse(outputs['json stdout']);
    const ours = report.findings.filter((f: any) => f.ruleId === RULE);
    const shown = ours.map((f: any) => f.message);
    expect(shown, JSON.stringify(shown)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`in ${leaky.name}'s adapterConfig\\.env\\.OPENAI_API_KEY: .*\\(hidden by the server\\)`)),
        expect.stringMatching(new RegExp(`in ${leaky.name}'s metadata\\.note: `)),
      ]),
    );
    expect(ours).toHaveLength(2);
    expect(ours.every((f: any) => f.subject.id === leaky.id && f.severity === 'critical')).toBe(true);
    // SETTINGS is not secret-named, and the secret_ref agent has no finding.
    expect(JSON.stringify(ours)).not.toContain('SETTINGS');
    const sarif = JSON.parse(outputs['sarif stdout']);
    expect(sarif.runs[0].results.filter((r: any) => r.ruleId === RULE)).toHaveLength(2);

    for (const [channel, text] of Object.entries(outputs)) {
      for (const k of [envKey, metaKey, stored]) expect(text.includes(k), `${channel} carries ${k.slice(0, 4)}…`).toBe(false);
    }
  });
});
