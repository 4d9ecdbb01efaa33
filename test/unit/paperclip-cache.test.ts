// The read cache of `watch` (src/sources/paperclip/cache.ts): what it asks the server for next time, how a
// changed list merges into what it holds, and what it keeps on disk: every string masked by the real secret
// detector, with the secrets facts of each text made once on the text as read. The request counts it leads
// to are proven on the real server in test/e2e/watch.test.ts and test/e2e/watch-restart.test.ts.
import { existsSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { maskRecords, PaperclipReadCache, type CachedCompany, type ReadResult, type TextGuard } from '../../src/sources/paperclip/cache.js';
import { maskedSecrets, textGuard } from '../../src/sources/index.js';
import { issueText } from '../../src/sources/paperclip/model.js';
import { tempDir } from '../helpers/cli.js';
import { fakeSample, fakeToken, SELF_CONTAINED_KINDS } from '../helpers/fake-secrets.js';

// Only the fields the cache reads: typed loosely (a real row is an Issue, checked by validate.ts).
const issue = (id: string, updatedAt: string, extra: Record<string, unknown> = {}): any => ({ id, updatedAt, ...extra });
const entry = (issues: any[], fullAt = 0): CachedCompany => ({ issues: new Map(issues.map((i) => [i.id, i])), texts: new Map(), comments: new Map(), activity: new Map(), fullAt });
const config = () => loadConfig(tempDir(), { noConfigFile: true }, {});
const guard = textGuard(config());
const read = (issues: any[], comments: Record<string, any[]> = {}, fullAt = 0): ReadResult => ({
  issues,
  comments: new Map(Object.entries(comments).map(([id, cs]) => [id, { updatedAt: issues.find((i) => i.id === id)!.updatedAt, comments: cs }])),
  activity: new Map(),
  fullAt,
});

/** The real guard, counting the texts it is asked to detect. */
function counting(g: TextGuard) {
  const seen: string[] = [];
  return { seen, guard: { ...g, secrets: (texts: readonly string[]) => (seen.push(...texts), g.secrets(texts)) } as TextGuard };
}

describe('PaperclipReadCache: incremental reads', () => {
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

  it('a re-listed unchanged row keeps the full description it holds; a changed one does not', () => {
    const held = entry([issue('a', 't1', { description: 'full text', descriptionTruncated: false }), issue('b', 't1', { description: 'full b', descriptionTruncated: false })]);
    const merged = PaperclipReadCache.merge(held, [issue('a', 't1', { description: 'full…', descriptionTruncated: true }), issue('b', 't2', { description: 'new…', descriptionTruncated: true })]);
    expect(merged[0]).toMatchObject({ description: 'full text', descriptionTruncated: false });
    expect(merged[1]).toMatchObject({ description: 'new…', descriptionTruncated: true });
  });

  it('the hourly full list: held until then, every row listed again, unchanged ones keep their full description', () => {
    const cache = new PaperclipReadCache({ guard, fullEveryMs: 1000 });
    cache.store('u', 'c', read([issue('a', 't1', { description: 'full a', descriptionTruncated: false }), issue('b', 't1', { description: 'full b', descriptionTruncated: false })], {}, 0));
    const held = cache.held('u', 'c')!;
    expect(cache.fullDue(held, new Date(999))).toBe(false);
    expect(cache.fullDue(held, new Date(1000))).toBe(true);
    expect(cache.lookup('u', 'c', new Date(1000))).toBeNull();
    expect(cache.held('u', 'c')).toBe(held);
    const listed = [issue('b', 't1', { description: 'fu…', descriptionTruncated: true }), issue('c', 't2', { description: 'new…', descriptionTruncated: true })];
    expect(PaperclipReadCache.relist(held, listed)).toEqual([issue('b', 't1', { description: 'full b', descriptionTruncated: false }), listed[1]]);
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

  it('forces a full read once fullEveryMs has passed, and forgets a company on request (file too)', () => {
    const dir = tempDir();
    const cache = new PaperclipReadCache({ guard, fullEveryMs: 1000, dir });
    cache.store('u', 'c1', read([issue('a', 't1')], {}, 10_000));
    expect(cache.lookup('u', 'c1', new Date(10_999))).not.toBeNull();
    expect(cache.lookup('u', 'c1', new Date(11_000))).toBeNull();
    expect(cache.lookup('other-server', 'c1', new Date(10_500))).toBeNull();
    cache.forget('u', 'c1');
    expect(cache.lookup('u', 'c1', new Date(10_500))).toBeNull();
    expect(new PaperclipReadCache({ guard, fullEveryMs: 1000, dir }).lookup('u', 'c1', new Date(10_500))).toBeNull();
  });

  it('cursors say where reading of each kept company stands: the next updatedSince', () => {
    const cache = new PaperclipReadCache({ guard });
    cache.store('http://x', 'c1', read([issue('a', '2026-12-01T10:00:05.000Z'), issue('b', '2026-12-01T09:00:00.000Z')]));
    cache.store('http://x', 'c2', read([]));
    expect(cache.cursors()).toEqual({ 'http://x c1': '2026-12-01T10:00:03.000Z' });
  });

  it('detects each text once: an unchanged issue or comment list reuses its facts, a changed one is detected again', () => {
    const c = counting(guard);
    const cache = new PaperclipReadCache({ guard: c.guard });
    const a = issue('a', 't1', { title: 'A', description: 'one' });
    const b = issue('b', 't1', { title: 'B', description: 'two' });
    const first = cache.store('u', 'c', read([a, b], { a: [{ id: 'c1', body: 'hello there' }] }));
    expect(c.seen).toEqual(['A\none', 'B\ntwo', 'hello there']);
    expect(first.issues).toEqual({ a: [], b: [] });
    c.seen.length = 0;
    // The next read takes a's row and comments from the cache, and lists b changed.
    const held = cache.lookup('u', 'c', new Date(0))!;
    const b2 = issue('b', 't2', { title: 'B', description: 'two, edited' });
    cache.store('u', 'c', { issues: [held.issues.get('a')!, b2], comments: new Map([['a', held.comments.get('a')!]]), activity: new Map(), fullAt: 0 });
    expect(c.seen).toEqual(['B\ntwo, edited']);
  });
});

describe('PaperclipReadCache: what it keeps on disk', () => {
  it('a second process finds the read; files are 0600 in a 0700 directory; an unchanged store writes nothing', () => {
    const dir = join(tempDir(), 'paperclip');
    const one = new PaperclipReadCache({ guard, dir });
    one.store('http://x', 'c1', read([issue('a', '2026-12-01T00:00:00.000Z', { title: 'T', description: 'd' })], { a: [{ id: 'k1', body: 'a comment' }] }, 5));
    const file = one.file('http://x', 'c1')!;
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const two = new PaperclipReadCache({ guard, dir });
    const got = two.lookup('http://x', 'c1', new Date(6))!;
    expect([...got.issues.keys()]).toEqual(['a']);
    expect(got.comments.get('a')!.comments[0].body).toBe('a comment');
    const before = statSync(file).mtimeMs;
    two.store('http://x', 'c1', { issues: [got.issues.get('a')!], comments: new Map([['a', got.comments.get('a')!]]), activity: new Map(), fullAt: 5 });
    expect(statSync(file).mtimeMs).toBe(before);
    // A read that did not ask for a's comments (another job's) keeps them: a is unchanged. Nothing is written.
    two.store('http://x', 'c1', { issues: [got.issues.get('a')!], comments: new Map(), activity: new Map(), fullAt: 5 });
    expect(two.held('http://x', 'c1')!.comments.get('a')!.comments[0].body).toBe('a comment');
    expect(statSync(file).mtimeMs).toBe(before);
    // Once a is gone (hidden, deleted), nothing of it is kept: the file is written without it.
    two.store('http://x', 'c1', { issues: [], comments: new Map(), activity: new Map(), fullAt: 5 });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ issues: [], comments: {} });
    // And a's comments are not carried over a change of a: its updatedAt moved.
    const three = new PaperclipReadCache({ guard, dir });
    three.store('http://x', 'c2', read([issue('a', 't1')], { a: [{ id: 'k9', body: 'old' }] }));
    three.store('http://x', 'c2', read([issue('a', 't2')]));
    expect(three.held('http://x', 'c2')!.comments.has('a')).toBe(false);
  });

  it('prunes kept files not written for a month (companies no longer scanned), and only the files it writes', () => {
    const dir = join(tempDir(), 'paperclip');
    const cache = new PaperclipReadCache({ guard, dir });
    cache.store('http://x', 'old', read([issue('a', 't1')]));
    cache.store('http://x', 'new', read([issue('b', 't1')]));
    const old = cache.file('http://x', 'old')!;
    const month = 31 * 86_400_000;
    const stale = new Date(Date.now() - month - 60_000);
    utimesSync(old, stale, stale);
    writeFileSync(join(dir, 'notes.txt'), 'not ours');
    utimesSync(join(dir, 'notes.txt'), stale, stale);
    expect(cache.pruneKept()).toEqual([old]);
    expect(existsSync(old)).toBe(false);
    expect(existsSync(cache.file('http://x', 'new')!)).toBe(true);
    expect(existsSync(join(dir, 'notes.txt'))).toBe(true);
    expect(new PaperclipReadCache({ guard, dir: join(tempDir(), 'none') }).pruneKept()).toEqual([]);
  });

  it('never keeps a secret, and the kept facts are what detection on the text as read gives (property)', () => {
    const kinds = SELF_CONTAINED_KINDS;
    const facts = maskedSecrets(config());
    fc.assert(
      fc.property(
        fc.constantFrom(...kinds),
        fc.integer({ min: 1, max: 2 ** 30 }),
        fc.constantFrom('title', 'description', 'comment', 'metadata', 'activity', 'key'),
        fc.string({ maxLength: 40 }),
        fc.string({ maxLength: 40 }),
        (kind, seed, where, before, after) => {
          const { secret } = fakeSample(kind, seed);
          const text = `${before} ${secret} ${after}`;
          const row: any = issue('i1', '2026-12-01T00:00:00.000Z', { title: 'Plain title', description: 'plain', descriptionTruncated: false, executionState: { notes: 'fine' } });
          const comment: any = { id: 'k1', body: 'nothing here', metadata: {} };
          const act: any = { id: 'a1', action: 'issue.updated', createdAt: '2026-12-01T00:00:00.000Z', details: {} };
          if (where === 'title') row.title = text;
          if (where === 'description') row.description = text;
          if (where === 'comment') comment.body = text;
          if (where === 'metadata') row.executionState.notes = text;
          if (where === 'activity') act.details.note = text;
          if (where === 'key') comment.metadata[text] = true;
          const dir = tempDir();
          const cache = new PaperclipReadCache({ guard, dir });
          const got = cache.store('http://x', 'c1', { issues: [row], comments: new Map([['i1', { updatedAt: row.updatedAt, comments: [comment] }]]), activity: new Map([['i1', { updatedAt: row.updatedAt, rows: [act] }]]), fullAt: 1 });
          const kept = readFileSync(cache.file('http://x', 'c1')!, 'utf8');
          expect(kept.includes(secret)).toBe(false);
          expect(JSON.stringify(got).includes(secret)).toBe(false);
          // The facts handed to the subjects: the same as detecting the raw text now.
          expect(got.issues.i1).toEqual(facts(issueText(row)));
          expect(got.comments.k1).toEqual(facts(comment.body));
          // And the same again from a second process, which has only the masked copy.
          const again = new PaperclipReadCache({ guard, dir });
          const held = again.lookup('http://x', 'c1', new Date(2))!;
          const second = again.store('http://x', 'c1', { issues: [held.issues.get('i1')!], comments: new Map([['i1', held.comments.get('i1')!]]), activity: new Map([['i1', held.activity.get('i1')!]]), fullAt: 1 });
          expect(second).toEqual(got);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('masking leaves records without secrets as they were, and never mutates its input', () => {
    const row = { id: '7d9c1a64-0000-4000-8000-000000000000', title: 'Ship the release notes', n: 3, nested: [{ k: 'value words here' }], when: '2026-12-01T00:00:00.000Z', none: null };
    const copy = structuredClone(row);
    const out = maskRecords([row], guard);
    expect(out).toEqual([row]);
    expect(out[0]).not.toBe(row);
    const token = fakeToken('github-pat', 7);
    const dirty = { ...row, title: `key ${token}` };
    const masked = maskRecords([dirty], guard)[0] as any;
    expect(masked.title).toMatch(/^key \[REDACTED:[^\]]+\]$/);
    expect(dirty.title).toContain(token);
    expect(row).toEqual(copy);
  });

  it('refuses a kept file made under other detector settings, another format, or torn, and says why', () => {
    const dir = tempDir();
    const one = new PaperclipReadCache({ guard, dir });
    one.store('http://x', 'c1', read([issue('a', 't1', { title: 'T' })], {}, 5));
    const file = one.file('http://x', 'c1')!;
    const good = readFileSync(file, 'utf8');

    const other = config();
    other.secrets.allowlist = { ...other.secrets.allowlist, values: ['a-fake-value-only-here'] };
    const strict = new PaperclipReadCache({ guard: textGuard(other), dir });
    expect(textGuard(other).signature).not.toBe(guard.signature);
    expect(strict.lookup('http://x', 'c1', new Date(6))).toBeNull();
    expect([...strict.refused.values()][0]).toMatch(/other secret-detection settings/);

    const cases: [string, RegExp][] = [
      [good.slice(0, good.length >> 1), /unreadable/],
      [good.replace('"version":1', '"version":99'), /another format/],
      [good.replace(/"texts":\{[^}]*\}\}/, '"texts":{}'), /not the shape/],
    ];
    for (const [text, why] of cases) {
      writeFileSync(file, text);
      const c = new PaperclipReadCache({ guard, dir });
      expect(c.lookup('http://x', 'c1', new Date(6)), text.slice(0, 80)).toBeNull();
      expect([...c.refused.values()][0]).toMatch(why);
    }
  });

  it('a kept file that cannot be written costs a full read next time, not a failed scan', () => {
    const base = tempDir();
    writeFileSync(join(base, 'paperclip'), 'a file where the directory should be');
    const cache = new PaperclipReadCache({ guard, dir: join(base, 'paperclip') });
    expect(() => cache.store('http://x', 'c1', read([issue('a', 't1')]))).not.toThrow();
    expect(new PaperclipReadCache({ guard, dir: join(base, 'paperclip') }).lookup('http://x', 'c1', new Date(1))).toBeNull();
  });
});
