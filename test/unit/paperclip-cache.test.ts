// The in-memory read cache of `watch` (src/sources/paperclip/cache.ts): what it asks the server for next time
// and how a changed list merges into what it holds. The request counts it leads to are proven on the real
// server in test/e2e/watch.test.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PaperclipReadCache, type CachedCompany } from '../../src/sources/paperclip/cache.js';

const issue = (id: string, updatedAt: string, extra: Record<string, unknown> = {}) => ({ id, updatedAt, ...extra });
const entry = (issues: any[], fullAt = 0): CachedCompany => ({ issues: new Map(issues.map((i) => [i.id, i])), comments: new Map(), descriptions: new Map(), activity: new Map(), fullAt });

describe('PaperclipReadCache', () => {
  it('asks for issues updated since 2 s before the newest one it holds, or everything when it holds none', () => {
    expect(PaperclipReadCache.since(entry([issue('a', '2026-11-25T06:00:00.000Z'), issue('b', '2026-11-25T06:10:00.500Z')]))).toBe('2026-11-25T06:09:58.500Z');
    expect(PaperclipReadCache.since(entry([]))).toBeNull();
  });

  it('merges changed rows over held ones, drops hidden ones, keeps id order', () => {
    const held = entry([issue('a', 't1', { title: 'A' }), issue('b', 't1'), issue('c', 't1')]);
    const merged = PaperclipReadCache.merge(held, [issue('c', 't2', { hiddenAt: 't2' }), issue('a', 't2', { title: 'A2' }), issue('0', 't2')]);
    expect(merged.map((i) => [i.id, i.updatedAt])).toEqual([['0', 't2'], ['a', 't2'], ['b', 't1']]);
    expect(merged[1].title).toBe('A2');
  });

  it('merge equals a full list for any held set and any changes (property)', () => {
    const ids = fc.constantFrom('a', 'b', 'c', 'd', 'e');
    fc.assert(
      fc.property(fc.uniqueArray(ids), fc.array(fc.record({ id: ids, hidden: fc.boolean(), v: fc.nat(9) })), (heldIds, changes) => {
        const world = new Map(heldIds.map((id) => [id, issue(id, 't0')] as const));
        const held = entry([...world.values()]);
        const changed: any[] = [];
        for (const c of changes) {
          const row = issue(c.id, `t${c.v}`, c.hidden ? { hiddenAt: 'x' } : {});
          changed.push(row);
          if (c.hidden) world.delete(c.id);
          else world.set(c.id, row);
        }
        // The server lists each changed issue once, in its latest state.
        const latest = [...new Map(changed.map((r) => [r.id, r])).values()];
        const full = [...world.values()].sort((x, y) => (x.id < y.id ? -1 : 1));
        expect(PaperclipReadCache.merge(held, latest)).toEqual(full);
      }),
    );
  });

  it('forces a full read once fullEveryMs has passed, and forgets a company on request', () => {
    const cache = new PaperclipReadCache({ fullEveryMs: 1000 });
    cache.store('u', 'c1', entry([], 10_000));
    expect(cache.lookup('u', 'c1', new Date(10_999))).not.toBeNull();
    expect(cache.lookup('u', 'c1', new Date(11_000))).toBeNull();
    expect(cache.lookup('other-server', 'c1', new Date(10_500))).toBeNull();
    cache.forget('u', 'c1');
    expect(cache.lookup('u', 'c1', new Date(10_500))).toBeNull();
  });
});
