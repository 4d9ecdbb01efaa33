// `watch --live`'s reading of Paperclip's live events (src/schedule/live.ts): only an issue's text-changing
// activity names an issue to scan; anything else a server or a proxy sends (other events, junk, huge frames,
// ids that are not ids) names none and never throws. The socket, the scan and the latency are proven on the
// real server: test/e2e/watch-live.test.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LIVE_ACTIONS, liveRules, touchedIssue } from '../../src/schedule/live.js';

const ev = (payload: unknown, type = 'activity.logged') => JSON.stringify({ id: 1, companyId: 'c1', type, createdAt: '2026-12-06T10:00:00Z', payload });

describe('watch --live: which event names an issue', () => {
  it('an issue created, edited or commented on names that issue', () => {
    for (const action of LIVE_ACTIONS) expect(touchedIssue(ev({ action, entityType: 'issue', entityId: 'a1b2-c3', details: { bodySnippet: 'x' } }))).toBe('a1b2-c3');
  });

  it('other events, other entities, other actions, junk and odd ids name none', () => {
    expect(touchedIssue(ev({ action: 'issue.updated', entityType: 'issue', entityId: 'i1' }, 'heartbeat.run.log'))).toBeNull();
    expect(touchedIssue(ev({ action: 'agent.updated', entityType: 'agent', entityId: 'a1' }))).toBeNull();
    expect(touchedIssue(ev({ action: 'issue.comment_deleted', entityType: 'issue', entityId: 'i1' }))).toBeNull();
    expect(touchedIssue(ev({ action: 'issue.updated', entityType: 'issue', entityId: '../../companies' }))).toBeNull();
    expect(touchedIssue(ev({ action: 'issue.updated', entityType: 'issue', entityId: 'x'.repeat(101) }))).toBeNull();
    expect(touchedIssue(ev({ action: 'issue.updated', entityType: 'issue', entityId: 42 }))).toBeNull();
    expect(touchedIssue(ev(null))).toBeNull();
    expect(touchedIssue('{not json')).toBeNull();
    expect(touchedIssue(null)).toBeNull();
    expect(touchedIssue(`"${'x'.repeat(1_000_001)}"`)).toBeNull();
  });

  it('property: any text or JSON value gives an id-shaped string or null, never throws', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.jsonValue().map((v) => JSON.stringify(v)), fc.record({ type: fc.constantFrom('activity.logged', 'x'), payload: fc.record({ action: fc.constantFrom(...LIVE_ACTIONS, 'issue.x'), entityType: fc.constantFrom('issue', 'agent'), entityId: fc.oneof(fc.string(), fc.jsonValue()) }, { requiredKeys: [] }) }).map((v) => JSON.stringify(v))), (raw) => {
        const id = touchedIssue(raw);
        expect(id === null || /^[A-Za-z0-9_-]{1,100}$/.test(id)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('the rules a live run uses: the secret rules the scan job selects', () => {
    expect(liveRules(undefined)).toEqual(['security/secret-in-issue', 'security/secret-in-comment']);
    expect(liveRules(['security/secret-in-comment', 'ops/stale'])).toEqual(['security/secret-in-comment']);
    expect(liveRules(['ops/stale'])).toEqual([]);
    // By tag and glob, as `only` selects.
    expect(liveRules(['ops/idle-agent-backlog', 'security'])).toEqual(['security/secret-in-issue', 'security/secret-in-comment']);
    expect(liveRules(['secrets'])).toEqual(['security/secret-in-issue', 'security/secret-in-comment']);
  });
});
