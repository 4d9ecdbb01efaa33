// The view the live guard's UI slots show (src/plugin/ui-data.ts), in the SDK's in-memory host: the findings of
// the company asked for only, masked previews and severities, the mode, titles with their secrets masked, and
// plugin state of another shape (an older guard, junk) shown without a key and without failing. The page itself
// (React, the host's bridge, HTML) is proven in a browser on the real server: test/e2e/plugin-ui.test.ts.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { createTestHarness } from '@paperclipai/plugin-sdk/testing';
import { describe, expect, it } from 'vitest';
import { manifest } from '../../src/plugin/manifest.js';
import { findingsView, OPEN_FINDINGS_DATA, showable, type FindingsView } from '../../src/plugin/ui-data.js';
import { FINDINGS_KEY, setupGuard } from '../../src/plugin/worker.js';
import { tempDir } from '../helpers/cli.js';
import { fakeToken, SELF_CONTAINED_KINDS } from '../helpers/fake-secrets.js';

const CO = 'c0000000-0000-4000-8000-0000000000c1';
const OTHER = 'c0000000-0000-4000-8000-0000000000c2';
const ISSUE = 'i0000000-0000-4000-8000-000000000011';

function world(config: Record<string, unknown>, issue: { title: string; description: string }) {
  const h = createTestHarness({ manifest: manifest as never, config });
  const now = new Date();
  const row = { id: ISSUE, companyId: CO, identifier: 'UI-1', status: 'todo', priority: 'medium', createdAt: now, updatedAt: now, ...issue };
  h.seed({ companies: [{ id: CO, name: 'Ui', issuePrefix: 'UI' } as never, { id: OTHER, name: 'Other', issuePrefix: 'OT' } as never], issues: [row as never] });
  setupGuard(h.ctx);
  const view = (params: Record<string, unknown>) => h.getData<FindingsView>(OPEN_FINDINGS_DATA, params);
  return { h, view, emit: () => h.emit('issue.created', {}, { companyId: CO, entityType: 'issue', entityId: ISSUE }) };
}

describe('the live guard UI data (open-findings)', () => {
  it('dry-run: the finding by severity, kind, place and masked preview, what it would do, the title with its key masked; no key anywhere', async () => {
    const key = fakeToken('github-pat', 71);
    const titleKey = fakeToken('openai-project-key', 72);
    const w = world({ stateDir: tempDir() }, { title: `<img src=x onerror=alert(1)> deploy ${titleKey}`, description: `line one\ndeploy with ${key} today` });
    await w.emit();
    const v = await w.view({ companyId: CO });
    expect(v.mode).toBe('dry-run');
    expect(v.total).toBe(1);
    const [issue] = v.issues;
    expect(issue).toMatchObject({ issueId: ISSUE, identifier: 'UI-1', title: '<img src=x onerror=alert(1)> deploy [REDACTED:openai-project-key]' });
    const byKind = Object.fromEntries(issue.findings.map((f) => [f.kind, f]));
    expect(byKind['github-pat']).toMatchObject({ rule: 'security/secret-in-issue', severity: 'critical', kind: 'github-pat', place: 'description, line 2', preview: `${key.slice(0, 4)}…` });
    expect(byKind['openai-project-key']).toMatchObject({ place: 'title', preview: `${titleKey.slice(0, 4)}…` });
    // One redaction of the issue's text for both (the planner's one write per text).
    expect(issue.findings.map((f) => f.outcome).sort()).toEqual([['in the same redact as another finding here'], ['would redact (dry-run)']]);
    expect(JSON.stringify(v)).not.toContain(key);
    expect(JSON.stringify(v)).not.toContain(titleKey);
    // The issue tab: that issue's findings; another issue id: none.
    expect((await w.view({ companyId: CO, issueId: ISSUE })).issues.map((i) => i.issueId)).toEqual([ISSUE]);
    expect((await w.view({ companyId: CO, issueId: 'i0000000-0000-4000-8000-000000000099' })).issues).toEqual([]);
  });

  it("another company's id gives that company's findings only (none here), even with this company's issue id", async () => {
    const w = world({ stateDir: tempDir() }, { title: 'Deploy', description: `use ${fakeToken('gitlab-pat', 73)}` });
    await w.emit();
    expect((await w.view({ companyId: CO })).total).toBe(1);
    expect(await w.view({ companyId: OTHER })).toEqual({ companyId: OTHER, mode: 'dry-run', total: 0, issues: [] });
    expect((await w.view({ companyId: OTHER, issueId: ISSUE })).issues).toEqual([]);
    await expect(w.view({})).rejects.toThrow(/needs the company/);
  });

  it('acting: the mode says so', async () => {
    const w = world({ stateDir: tempDir(), apply: true }, { title: 'Deploy', description: 'nothing here' });
    expect((await w.view({ companyId: CO })).mode).toBe('acting');
  });

  it('state kept by a guard older than the UI slot (no severity, place field or preview): the rule file gives the severity, no preview is made up', async () => {
    const w = world({ stateDir: tempDir() }, { title: 'Deploy', description: 'x' });
    const old = { [ISSUE]: { identifier: 'UI-1', mode: 'dry-run', at: '2026-12-01T10:00:00.000Z', findings: [{ rule: 'security/secret-in-comment', subject: 'comment:k1234567-89ab', kind: 'github-pat', line: 3, actions: [{ type: 'redact', status: 'failed', target: 'comment:k1234567-89ab', detail: 'only its author may delete it' }] }] } };
    await w.h.ctx.state.set({ scopeKind: 'company', scopeId: CO, stateKey: FINDINGS_KEY }, old);
    const v = await w.view({ companyId: CO });
    expect(v.issues[0].findings).toEqual([{ rule: 'security/secret-in-comment', severity: 'critical', kind: 'github-pat', place: 'comment k1234567, line 3', preview: null, outcome: ['redact failed: only its author may delete it'] }]);
    expect(v.issues[0].at).toBe('2026-12-01T10:00:00.000Z');
  });

  it('property: whatever the kept state holds (junk, keys in any string, in keys of records), the view has its shape and no key', () => {
    const keys = SELF_CONTAINED_KINDS.slice(0, 12).map((k, n) => fakeToken(k, 80 + n));
    const text = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom(...keys), fc.tuple(fc.string({ maxLength: 10 }), fc.constantFrom(...keys), fc.string({ maxLength: 10 })).map(([a, k, b]) => `${a} ${k} ${b}`));
    const junk = fc.oneof(text, fc.integer(), fc.constant(null), fc.boolean(), fc.array(text, { maxLength: 3 }));
    const action = fc.record({ type: fc.oneof(text, junk), status: fc.oneof(fc.constantFrom('planned', 'applied', 'failed', 'skipped'), junk), target: junk, detail: fc.oneof(text, junk) }, { requiredKeys: [] });
    const finding = fc.oneof(fc.record({ rule: fc.oneof(fc.constantFrom('security/secret-in-issue', 'security/secret-in-comment', '../../etc/passwd'), text), subject: fc.oneof(text, fc.constant('comment:abc')), kind: junk, line: fc.oneof(fc.integer(), junk), severity: junk, field: junk, preview: fc.oneof(text, junk), actions: fc.oneof(fc.array(action, { maxLength: 3 }), junk) }, { requiredKeys: [] }), junk);
    const entry = fc.oneof(fc.record({ identifier: fc.oneof(text, junk), at: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), junk), findings: fc.oneof(fc.array(finding, { maxLength: 4 }), junk) }, { requiredKeys: [] }), junk);
    const state = fc.oneof(fc.dictionary(text, entry, { maxKeys: 5 }), junk);
    fc.assert(
      fc.property(state, fc.option(text, { nil: undefined }), (s, issueId) => {
        const v = findingsView(s, { companyId: CO, apply: false, issueId });
        const json = JSON.stringify(v);
        for (const k of keys) expect(json).not.toContain(k);
        expect(v.mode).toBe('dry-run');
        for (const i of v.issues) {
          expect(typeof i.identifier).toBe('string');
          for (const f of i.findings) {
            for (const x of [f.rule, f.severity, f.kind, f.place, ...f.outcome]) expect(typeof x).toBe('string');
            expect(f.preview === null || typeof f.preview === 'string').toBe(true);
            expect(f.outcome.length).toBeGreaterThan(0);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('showable: secrets masked, control characters out, cut to length', () => {
    const k = fakeToken('stripe-secret-key', 90);
    expect(showable(`a\u0000b ${k}\n<b>x</b>`)).toBe('a b [REDACTED:stripe-secret-key] <b>x</b>');
    expect(showable('x'.repeat(300), 10)).toBe(`${'x'.repeat(9)}…`);
    expect(showable({ toString: () => k })).toBe('');
  });

  it("the built UI bundle imports only what the Paperclip page provides (its React, the SDK's hooks), exports each slot's component, and writes no HTML", () => {
    const ui = readFileSync(new URL('../../dist/plugin/ui/index.js', import.meta.url), 'utf8');
    const imports = [...ui.matchAll(/^import\s[^;]*?from\s+"([^"]+)"/gm)].map((m) => m[1]);
    expect(new Set(imports)).toEqual(new Set(['react', '@paperclipai/plugin-sdk/ui']));
    expect(ui).not.toMatch(/import\(|require\(/);
    const exported = /export\s*\{([^}]*)\}/.exec(ui)?.[1].split(',').map((x) => x.trim()) ?? [];
    for (const slot of manifest.ui.slots) expect(exported).toContain(slot.exportName);
    expect(ui).not.toMatch(/dangerouslySetInnerHTML|innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  });
});
