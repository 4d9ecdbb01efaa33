// Malformed config, rule files, waivers and baselines: the CLI exits 2 with file:line and what to fix, and
// the loaders, fuzzed with fast-check, never throw anything but their own user-facing errors.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { loadRulePacks, RulePackError } from '../../src/engine/load.js';
import { applySuppressions, loadWaivers, readBaseline } from '../../src/engine/suppress.js';
import { UserFileError } from '../../src/util/json-file.js';
import type { Finding } from '../../src/types.js';
import { cli, tempDir } from '../helpers/cli.js';
import { writeTrustedConfig } from '../helpers/trust.js';

const NO_STACK = /^\s+at .+:\d+:\d+\)?$/m;

/** Run `f`; anything thrown must be the loader's own user-facing error with a message naming the file. */
function onlyUserErrors(file: string, f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof UserFileError || e instanceof RulePackError)) throw new Error(`uncaught ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    expect((e as Error).message).toContain(file);
  }
}

// Text a user might save: arbitrary JSON, JSON with a random edit, or plain garbage.
function jsonish(valid: fc.Arbitrary<unknown>): fc.Arbitrary<string> {
  return fc.oneof(
    valid.map((v) => JSON.stringify(v, null, 2)),
    fc.jsonValue().map((v) => JSON.stringify(v, null, 2)),
    fc.tuple(valid.map((v) => JSON.stringify(v, null, 2)), fc.nat(), fc.string({ maxLength: 3 })).map(([t, at, ins]) => t.slice(0, at % (t.length + 1)) + ins + t.slice(at % (t.length + 1))),
    fc.string({ maxLength: 200 }),
  );
}

const anyValue = fc.oneof(fc.jsonValue(), fc.constant(null), fc.constant('__proto__'), fc.constant({ ['__proto__']: { polluted: true } }));

const configValue = fc.record(
  {
    paperclip: fc.oneof(anyValue, fc.record({ url: anyValue, companies: anyValue, timeoutMs: anyValue, retries: anyValue, activityLog: anyValue }, { requiredKeys: [] })),
    repos: anyValue,
    rules: fc.oneof(anyValue, fc.record({ packs: anyValue, overrides: anyValue }, { requiredKeys: [] })),
    secrets: fc.oneof(anyValue, fc.record({ allowlist: anyValue, patterns: anyValue }, { requiredKeys: [] })),
    i18n: anyValue,
    budget: anyValue,
    actions: fc.oneof(anyValue, fc.record({ apply: anyValue, maxPerScan: anyValue, exec: anyValue }, { requiredKeys: [] })),
    deploy: anyValue,
    schedule: anyValue,
    stateDir: anyValue,
    waivers: anyValue,
    failOn: anyValue,
  },
  { requiredKeys: [] },
);

const waiverValue = fc.oneof(
  fc.record({ waivers: fc.array(fc.oneof(anyValue, fc.record({ rule: fc.oneof(anyValue, fc.constant('*'), fc.constant('ops/idle-agent-backlog')), fingerprint: anyValue, path: anyValue, reason: anyValue, expires: anyValue }, { requiredKeys: [] })), { maxLength: 4 }) }),
  // Mostly valid entries with one odd field, so application (not only loading) is reached.
  fc.record({ waivers: fc.array(fc.record({ rule: fc.constant('*'), reason: fc.constant('legacy'), path: fc.oneof(anyValue, fc.constantFrom('src/**', '', '[', '!(', '**/*.{ts')) }), { maxLength: 3 }) }),
  fc.record({ waivers: fc.array(fc.record({ rule: fc.constant('*'), reason: fc.constant('legacy'), fingerprint: anyValue, expires: fc.oneof(anyValue, fc.constantFrom('2020-01-01', '2999-12-31', 'soon')) }), { maxLength: 3 }) }),
  anyValue,
);

const finding: Finding = {
  ruleId: 'ops/idle-agent-backlog',
  severity: 'warning',
  title: 't',
  message: 'm',
  subject: { type: 'agent', id: 'a', label: 'A' },
  location: { file: 'src/a.ts', line: 1, column: 1 },
  fingerprint: 'f'.repeat(32),
  tags: [],
  actions: [],
};

describe('loaders never throw anything but a user-facing error (fuzz)', () => {
  it('config', () => {
    const dir = tempDir();
    const file = join(dir, 'clipguard.config.json');
    fc.assert(
      fc.property(jsonish(configValue), (text) => {
        writeFileSync(file, text);
        onlyUserErrors(file, () => loadConfig(dir, { config: file }, {}));
      }),
      { numRuns: 400 },
    );
  });

  it('waivers (loaded, then applied to findings)', () => {
    const file = join(tempDir(), 'clipguard.waivers.json');
    fc.assert(
      fc.property(jsonish(waiverValue), (text) => {
        writeFileSync(file, text);
        onlyUserErrors(file, () => {
          const waivers = loadWaivers(file);
          applySuppressions([{ ...finding }], { now: new Date(), waivers, waiversFile: file });
        });
      }),
      { numRuns: 400 },
    );
  });

  it('baselines', () => {
    const file = join(tempDir(), 'baseline.json');
    fc.assert(
      fc.property(jsonish(fc.record({ version: anyValue, fingerprints: fc.oneof(anyValue, fc.array(fc.oneof(fc.string(), anyValue))) }, { requiredKeys: [] })), (text) => {
        writeFileSync(file, text);
        onlyUserErrors(file, () => readBaseline(file));
      }),
      { numRuns: 300 },
    );
  });

  it('rule files: problems are returned, never thrown', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'team'));
    const file = join(dir, 'team', 'rule.json');
    const leaf = fc.record({ fact: fc.oneof(anyValue, fc.constantFrom('agent', 'params', 'secrets', 'assignableIssues')), path: fc.oneof(anyValue, fc.constantFrom('$.status', '$..x', "$['a'", '$.length', '$[-1]')), operator: fc.oneof(anyValue, fc.constant('equal')), value: fc.oneof(anyValue, fc.record({ fact: anyValue, path: anyValue }, { requiredKeys: [] })) }, { requiredKeys: [] });
    const conditions = fc.letrec((tie) => ({ node: fc.oneof({ depthSize: 'small' }, leaf, anyValue, fc.record({ all: fc.array(tie('node'), { maxLength: 3 }) }), fc.record({ any: fc.oneof(anyValue, fc.array(tie('node'), { maxLength: 3 })) }), fc.record({ not: tie('node') })) })).node;
    const rule = fc.record(
      {
        id: fc.oneof(anyValue, fc.constant('team/x')),
        title: anyValue,
        severity: fc.oneof(anyValue, fc.constant('warning')),
        subject: fc.oneof(anyValue, fc.constantFrom('agent', 'issue', 'comment', 'source')),
        description: anyValue,
        remediation: anyValue,
        tags: anyValue,
        message: fc.oneof(anyValue, fc.constantFrom('{{agent.name}}', '{{ }}', '{{item.x}}', '{{a..b}}', '{{constructor}}')),
        each: fc.oneof(anyValue, fc.constantFrom('secrets', 'agent.name', '__proto__')),
        params: anyValue,
        severityFrom: fc.oneof(anyValue, fc.record({ fact: anyValue, path: anyValue, map: anyValue }, { requiredKeys: [] })),
        conditions,
        action: fc.oneof(anyValue, fc.record({ type: anyValue, params: anyValue, enabled: anyValue }, { requiredKeys: [] })),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(jsonish(rule), (text) => {
        writeFileSync(file, text);
        const { rules, problems } = loadRulePacks([dir], { builtin: false });
        expect(rules.length + problems.length).toBeGreaterThan(0);
        for (const p of problems) expect(p.file).toBe(file);
      }),
      { numRuns: 400 },
    );
  });
});

describe('the CLI exits 2 naming the file, the line and what to fix', () => {
  function project(files: Record<string, string>): string {
    const dir = tempDir();
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return dir;
  }
  const scan = (cwd: string, args: string[] = []) => cli(['scan', '--no-paperclip', ...args], { cwd });
  function expectUsage(r: ReturnType<typeof cli>, re: RegExp): void {
    expect(r.code, r.stderr + r.stdout).toBe(2);
    expect(r.stderr).toMatch(re);
    expect(r.stderr).not.toMatch(NO_STACK);
    expect(r.stderr).not.toMatch(/unexpected error/);
  }

  it('config: invalid JSON, with line and column', () => {
    expectUsage(scan(project({ 'clipguard.config.json': '{\n  "repos": [],\n  "failOn": "error",,\n}\n' })), /clipguard\.config\.json:3:\d+: invalid JSON/);
  });

  it('config: a field of the wrong type or an unknown field, with its line', () => {
    expectUsage(scan(project({ 'clipguard.config.json': '{\n  "repos": [],\n  "actions": {\n    "maxPerScan": "lots"\n  }\n}\n' })), /clipguard\.config\.json:4: actions\.maxPerScan: must be integer/);
    expectUsage(scan(project({ 'clipguard.config.json': '{\n  "repos": [],\n  "paperclp": {}\n}\n' })), /clipguard\.config\.json:3: .*must NOT have additional properties "paperclp"/);
  });

  it('waivers: invalid JSON and a bad entry point at the line of that entry', () => {
    expectUsage(scan(project({ 'clipguard.config.json': '{"repos": []}', 'clipguard.waivers.json': '{"waivers": [\n  {"rule": "x", "path": "a", "reason": "r"\n]}\n' })), /clipguard\.waivers\.json:3:\d+: invalid JSON/);
    const waivers = '{\n  "waivers": [\n    { "rule": "ops/idle-agent-backlog", "path": "a/**", "reason": "legacy" },\n    { "rule": "ops/paused-agent", "path": "b/**", "reason": "" }\n  ]\n}\n';
    expectUsage(scan(project({ 'clipguard.config.json': '{"repos": []}', 'clipguard.waivers.json': waivers })), /clipguard\.waivers\.json:4: waivers\[1\]\.reason: required: say why/);
    const badPath = '{\n  "waivers": [\n    { "rule": "ops/idle-agent-backlog", "path": 7, "reason": "legacy" }\n  ]\n}\n';
    expectUsage(scan(project({ 'clipguard.config.json': '{"repos": []}', 'clipguard.waivers.json': badPath })), /clipguard\.waivers\.json:3: waivers\[0\]\.path: must be a glob string/);
  });

  it('baseline: invalid JSON with line, wrong shape with what is expected', () => {
    const dir = project({ 'clipguard.config.json': '{"repos": []}', 'b1.json': '{\n "fingerprints": [\n', 'b2.json': '{"fingerprints": "abc"}' });
    expectUsage(scan(dir, ['--baseline', 'b1.json']), /b1\.json:3:\d+: invalid JSON/);
    expectUsage(scan(dir, ['--baseline', 'b2.json']), /b2\.json: expected \{"version": 1, "fingerprints": \["\.\.\."\]\}/);
  });

  it('rule file given to scan --rules: file, line, rule and field', () => {
    const dir = project({ 'clipguard.config.json': '{"repos": []}' });
    mkdirSync(join(dir, 'pack', 'team'), { recursive: true });
    writeFileSync(join(dir, 'pack', 'team', 'r.json'), JSON.stringify({ id: 'team/r', title: 't', severity: 'warning', subject: 'agent', description: 'd', remediation: 'r', tags: [], conditions: { all: [{ fact: 'agent', path: '$.stauts', operator: 'equal', value: 'idle' }] } }, null, 2));
    expectUsage(scan(dir, ['--rules', 'pack']), /pack\/team\/r\.json:\d+: rule "team\/r": conditions\.all\[0\]\.path: path "\$\.stauts" cannot match fact "agent"/);
  });
});

describe('config layering: defaults < file < environment < flags', () => {
  it('the environment beats the file, and a flag beats both', () => {
    const dir = tempDir();
    writeTrustedConfig(join(dir, 'clipguard.config.json'), JSON.stringify({ paperclip: { url: 'http://from-file:1' }, stateDir: 'file-state', failOn: 'critical' }));
    // The file names its server: trusted (test/helpers/trust.ts), in the store the test's environment names.
    const store = { CLIPGUARD_TRUST_FILE: process.env.CLIPGUARD_TRUST_FILE };
    const fileOnly = loadConfig(dir, {}, store);
    expect([fileOnly.paperclip.url, fileOnly.stateDir, fileOnly.failOn]).toEqual(['http://from-file:1', join(dir, 'file-state'), 'critical']);
    const env = { ...store, PAPERCLIP_API_URL: 'http://from-env:2', CLIPGUARD_STATE_DIR: '/tmp/env-state', CLIPGUARD_FAIL_ON: 'warning' };
    const withEnv = loadConfig(dir, {}, env);
    expect([withEnv.paperclip.url, withEnv.stateDir, withEnv.failOn]).toEqual(['http://from-env:2', '/tmp/env-state', 'warning']);
    const withFlags = loadConfig(dir, { paperclip: 'http://from-flag:3', failOn: 'info' }, env);
    expect([withFlags.paperclip.url, withFlags.failOn]).toEqual(['http://from-flag:3', 'info']);
  });

  it('a bad CLIPGUARD_FAIL_ON is a usage error (exit 2) that names the variable, not a report nobody can read', () => {
    const r = cli(['scan', '--no-paperclip', '--format', 'json'], { cwd: tempDir(), env: { CLIPGUARD_FAIL_ON: 'bogus' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('$CLIPGUARD_FAIL_ON: must be one of');
    expect(r.stdout).toBe('');
  });
});

describe('rule overrides', () => {
  it('a misspelt param is a usage error naming it and the params the rule has', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'clipguard.config.json'), JSON.stringify({ rules: { overrides: { 'ops/idle-agent-backlog': { params: { excludeRole: ['cfo'] } } } } }));
    const r = cli(['scan', '--no-paperclip'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('ops/idle-agent-backlog');
    expect(r.stderr).toContain('rules.overrides.params.excludeRole');
    expect(r.stderr).toContain("unknown param (this rule's params: excludeRoles");
  });
});

describe('clipguard rules list', () => {
  it('lists the rules as the config makes them: severity overrides, rules turned off, actions switched on', () => {
    const plainList = cli(['rules', 'list', '--json'], { cwd: tempDir() });
    const before = JSON.parse(plainList.stdout) as { id: string; severity: string; enabled: boolean; actionEnabled: boolean }[];
    const byId = (rows: typeof before, id: string) => rows.find((r) => r.id === id)!;
    expect(byId(before, 'ops/heartbeat-policy')).toMatchObject({ enabled: true });
    expect(byId(before, 'ops/paused-agent')).toMatchObject({ actionEnabled: false });

    const dir = tempDir();
    writeTrustedConfig(join(dir, 'clipguard.config.json'), JSON.stringify({ rules: { overrides: { 'ops/heartbeat-policy': { severity: 'info' }, 'budget/forecast': { enabled: false }, 'ops/paused-agent': { action: { enabled: true } } } } }));
    const after = JSON.parse(cli(['rules', 'list', '--json'], { cwd: dir }).stdout) as typeof before;
    expect(byId(after, 'ops/heartbeat-policy')).toMatchObject({ severity: 'info', enabled: true });
    expect(byId(after, 'budget/forecast')).toMatchObject({ enabled: false });
    expect(byId(after, 'ops/paused-agent')).toMatchObject({ actionEnabled: true });
    const text = cli(['rules', 'list'], { cwd: dir }).stdout;
    expect(text).toMatch(/^budget\/forecast\s+off\s/m);
    expect(text).toContain('(1 turned off in the config)');
  });
});

describe('waivers', () => {
  const base: Finding = { ruleId: 'ops/idle-agent-backlog', severity: 'warning', title: 't', message: 'm', subject: { type: 'agent', id: 'a1', label: 'Alice' }, location: null, fingerprint: 'f1'.padEnd(32, '0'), tags: [], actions: [] };
  const now = new Date('2026-11-25T12:00:00Z');

  it('a current waiver suppresses; an expired one stops suppressing and is reported once', () => {
    const out = applySuppressions([{ ...base }, { ...base, fingerprint: 'f2'.padEnd(32, '0') }], { now, waivers: [{ rule: 'ops/idle-agent-backlog', reason: 'holiday', expires: '2026-11-01' }], waiversFile: 'w.json' });
    expect(out.filter((f) => f.ruleId === 'ops/idle-agent-backlog').map((f) => f.suppressed ?? null)).toEqual([null, null]);
    expect(out.filter((f) => f.ruleId === 'suppress/expired-waiver')).toHaveLength(1);
    const current = applySuppressions([{ ...base }], { now, waivers: [{ rule: 'ops/idle-agent-backlog', reason: 'holiday', expires: '2026-12-31' }] });
    expect(current[0].suppressed).toMatchObject({ kind: 'waiver', reason: 'holiday' });
  });

  it('an expired waiver that matches nothing is reported when its rule ran, and not when the scan ran other rules', () => {
    const waivers = [{ rule: 'budget/forecast', reason: 'old', expires: '2026-10-01' }];
    const ran = applySuppressions([{ ...base }], { now, waivers, waiversFile: 'w.json', rulesRun: new Set(['ops/idle-agent-backlog', 'budget/forecast']) });
    expect(ran.filter((f) => f.ruleId === 'suppress/expired-waiver').map((f) => f.message)).toEqual([
      'Waiver for budget/forecast expired on 2026-10-01: it no longer suppresses anything. Fix the finding or renew the waiver (remove it if the finding is gone). Reason given: old',
    ]);
    const other = applySuppressions([{ ...base }], { now, waivers, waiversFile: 'w.json', rulesRun: new Set(['ops/idle-agent-backlog']) });
    expect(other.filter((f) => f.ruleId === 'suppress/expired-waiver')).toEqual([]);
  });
});
