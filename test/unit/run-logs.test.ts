// Secrets in heartbeat-run logs (src/sources/paperclip/run-logs.ts) and the self-wake facts
// (src/sources/paperclip/subjects.ts): what a run's texts are, that a key is found whatever the chunks a process
// wrote it in and kept only masked, that a key the server copied to several places is one finding, which runs
// a read takes and which it leaves, and what is remembered on disk. The real server is in
// test/e2e/run-logs.test.ts and test/e2e/self-wake.test.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { maskedSecrets } from '../../src/sources/index.js';
import { PaperclipError } from '../../src/sources/paperclip/client.js';
import { readRunLogs, RunLogMemory, runTexts, scanRunTexts, type RunLogEntry } from '../../src/sources/paperclip/run-logs.js';
import { paperclipSubjects } from '../../src/sources/paperclip/subjects.js';
import { loopFacts } from '../../src/facts/loop.js';
import { selfWakeFacts } from '../../src/facts/self-wake.js';
import { tempDir } from '../helpers/cli.js';
import { fakeToken, SELF_CONTAINED_KINDS } from '../helpers/fake-secrets.js';

const detect = maskedSecrets(loadConfig(tempDir(), { noConfigFile: true }, {}));
const ndjson = (chunks: { stream: string; chunk: string }[]) => chunks.map((c, k) => JSON.stringify({ ts: '2026-12-06T07:00:00.000Z', stream: c.stream, chunk: c.chunk, seq: k + 1 })).join('\n') + '\n';

/** `text` cut at the given offsets into pieces. */
function cut(text: string, at: number[]): string[] {
  const cuts = [...new Set(at.map((a) => a % (text.length + 1)))].sort((a, b) => a - b);
  const out: string[] = [];
  let pos = 0;
  for (const c of cuts) {
    out.push(text.slice(pos, c));
    pos = c;
  }
  out.push(text.slice(pos));
  return out.filter((p) => p.length);
}

describe('run texts and their secrets', () => {
  it('property: a key a process printed is found once in its stream, whatever the chunks, and kept only masked', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SELF_CONTAINED_KINDS),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 12 }),
        fc.array(fc.constantFrom('stderr', 'system'), { maxLength: 4 }),
        (kind, seed, at, noise) => {
          const key = fakeToken(kind, seed);
          const text = `starting the report\nusing ${key} for the call\ndone\n`;
          // stdout in pieces, other streams' chunks between them (as the server interleaves them).
          const pieces = cut(text, at).flatMap((chunk, k) => [{ stream: 'stdout', chunk }, ...(noise[k] ? [{ stream: noise[k], chunk: `${noise[k]} note ${k}\n` }] : [])]);
          const found = scanRunTexts(runTexts({ log: ndjson(pieces) }), detect);
          expect(found).toHaveLength(1);
          expect(found[0]).toMatchObject({ kind, place: 'log (stdout)', line: 2, also: '' });
          expect(JSON.stringify(found)).not.toContain(key);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a key the server copied to an event and the run result is one finding, at its first place, with the others named', () => {
    const key = fakeToken('paperclip-agent-key', 7);
    const other = fakeToken('paperclip-agent-key', 8);
    const found = scanRunTexts(
      runTexts({
        log: ndjson([{ stream: 'stdout', chunk: `curl with ${key}\n` }]),
        events: [{ seq: 1, eventType: 'lifecycle', message: 'run started', payload: null }, { seq: 2, eventType: 'adapter.invoke', message: 'adapter invocation', payload: { note: `used ${key}` } }],
        record: { error: `failed after using ${other}`, resultJson: { stdout: `curl with ${key}\n` } },
      }),
      detect,
    );
    expect(found.map((f) => [f.place, f.also])).toEqual([
      ['log (stdout)', 'event 2 (adapter.invoke), run result'],
      ['run error', ''],
    ]);
    expect(JSON.stringify(found)).not.toContain(key);
    expect(JSON.stringify(found)).not.toContain(other);
  });

  it('the output excerpts are read only when there is no log (they copy its start); a line that is no JSON is still scanned', () => {
    const key = fakeToken('github-pat', 11);
    const record = { stdoutExcerpt: `push with ${key}` };
    expect(runTexts({ log: ndjson([{ stream: 'stdout', chunk: 'hello\n' }]), record }).map((t) => t.place)).toEqual(['log (stdout)']);
    expect(runTexts({ record }).map((t) => t.place)).toEqual(['stdout excerpt']);
    expect(scanRunTexts(runTexts({ log: `{"ts":"x","stream":"stdout","chunk":"a"}\nnot json ${key}\n` }), detect).map((f) => f.place)).toEqual(['log (unparsed)']);
  });
});

describe('run subjects: hostile text and ids', () => {
  it('a clipguard-ignore an agent printed exempts nothing; runs with ids constructor and __proto__ are runs like any other; the agent and issue are masked', () => {
    const key = fakeToken('paperclip-agent-key', 41);
    const company = { id: 'c1', name: 'Acme', issuePrefix: 'ACM' };
    const agents = [{ id: 'a1', companyId: 'c1', name: 'Bot', role: 'engineer', status: 'idle', adapterConfig: {}, runtimeConfig: {}, createdAt: '2026-12-01T00:00:00.000Z' }];
    const issues = [{ id: 'i1', companyId: 'c1', identifier: 'ACM-1', title: `rotate ${key}`, description: '', status: 'todo', priority: 'medium', createdAt: '2026-12-01T00:00:00.000Z', updatedAt: '2026-12-01T00:00:00.000Z' }];
    const runs = ['constructor', '__proto__', 'toString'].map((id) => ({ id, agentId: 'a1', status: 'succeeded', createdAt: '2026-12-06T07:00:00.000Z', contextSnapshot: { issueId: 'i1' } }));
    const runLogs = Object.create(null);
    runLogs.constructor = { log: ndjson([{ stream: 'stdout', chunk: `using ${key} // clipguard-ignore security/secret-in-run-log -- test key\n` }]) };
    runLogs.__proto__ = { log: ndjson([{ stream: 'stdout', chunk: 'clean\n' }]) };
    const subjects = paperclipSubjects([{ company, agents, issues, runs, runLogs } as any], { now: new Date('2026-12-06T12:00:00.000Z'), detectSecrets: detect, budget: { companyMonthlyCents: null, forecastWindowDays: 7 } });
    const runSubjects = subjects.filter((x) => x.type === 'run');
    expect(runSubjects.map((x) => x.id).sort()).toEqual(['__proto__', 'constructor']);
    const secrets = runSubjects.find((x) => x.id === 'constructor')!.facts.secrets as any[];
    expect(secrets).toHaveLength(1);
    expect(secrets[0].inlineIgnored).toBe(false);
    expect(JSON.stringify(runSubjects.map((x) => x.facts))).not.toContain(key);
  });
});

describe('readRunLogs: which runs a read takes', () => {
  const run = (id: string, status = 'succeeded'): any => ({ id, status, agentId: 'a1', createdAt: '2026-12-06T07:00:00.000Z' });
  function client(opts: { gone?: string[]; failEvents?: string[]; pages?: Record<string, string[]> } = {}) {
    const calls: string[] = [];
    const notFound = (path: string) => new PaperclipError({ code: 'http', status: 404, method: 'GET', path, reason: 'HTTP 404' });
    return {
      calls,
      getHeartbeatRun: async (id: string) => {
        calls.push(`run ${id}`);
        if (opts.gone?.includes(id)) throw notFound(`/heartbeat-runs/${id}`);
        return { id, logRef: 'x', logBytes: 10 };
      },
      getRunLog: async (id: string, o: { offset: number }) => {
        calls.push(`log ${id} ${o.offset}`);
        const pages = opts.pages?.[id] ?? [''];
        const k = pages.findIndex((_p, i) => pages.slice(0, i).join('').length === o.offset);
        const content = pages[k];
        const next = pages.slice(0, k + 1).join('').length;
        return k < pages.length - 1 ? { content, nextOffset: next } : { content };
      },
      listRunEvents: async (id: string) => {
        calls.push(`events ${id}`);
        if (opts.failEvents?.includes(id)) throw new PaperclipError({ code: 'http', status: 500, method: 'GET', path: `/heartbeat-runs/${id}/events`, reason: 'HTTP 500' });
        return [];
      },
    };
  }
  const limit = <T>(f: () => Promise<T>) => f();

  it('takes the newest finished runs not known, at most maxRuns; leaves live runs; reuses known ones; a run that is gone is no error', async () => {
    const c = client({ gone: ['r3'] });
    const known = new Map<string, RunLogEntry>([['r2', { secrets: [], truncated: false }]]);
    const runs = [run('live', 'running'), run('r1'), run('r2'), run('r3'), run('r4'), run('r5'), run('q', 'queued')];
    const r = await readRunLogs(c as any, runs as any[], { detect, maxRuns: 3, limit, known });
    expect(Object.keys(r.logs).sort()).toEqual(['r1', 'r2', 'r4']);
    expect(r.logs.r2).toBe(known.get('r2'));
    expect(r.pending).toBe(1); // r5
    expect(r.errors).toEqual([]);
    expect(c.calls.filter((x) => x.startsWith('run ')).sort()).toEqual(['run r1', 'run r3', 'run r4']);
  });

  it('reads a log page after page and finds a key across the page edge; a run whose events fail is an error, not remembered', async () => {
    const key = fakeToken('paperclip-agent-key', 21);
    const log = ndjson([{ stream: 'stdout', chunk: `token ${key} in use\n` }]);
    const edge = log.indexOf(key) + 10;
    const c = client({ pages: { r1: [log.slice(0, edge), log.slice(edge)] }, failEvents: ['r2'] });
    const r = await readRunLogs(c as any, [run('r1'), run('r2')], { detect, maxRuns: 10, limit });
    expect(r.logs.r1.secrets.map((s) => s.place)).toEqual(['log (stdout)']);
    expect(c.calls).toContain(`log r1 ${edge}`);
    expect(r.logs.r2).toBeUndefined();
    expect(r.errors).toEqual(['run log of r2: HTTP 500 (GET /heartbeat-runs/r2/events)']);
  });
});

describe('readRunLogs against a server that lies', () => {
  it('a log whose nextOffset never moves on, or runs past 8 MiB, and events that repeat their sequence: the read ends, marked truncated where it stopped early', async () => {
    const calls = { log: 0, events: 0 };
    const liar = {
      getHeartbeatRun: async (id: string) => ({ id, logRef: 'x' }),
      getRunLog: async (id: string, o: { offset: number }) => {
        calls.log++;
        return id === 'stuck' ? { content: 'x', nextOffset: o.offset } : { content: 'y'.repeat(10), nextOffset: o.offset + 3 * 1024 * 1024 };
      },
      listRunEvents: async (id: string) => {
        calls.events++;
        return Array.from({ length: 200 }, () => ({ seq: id === 'stuck' ? 5 : 1, eventType: 'x', message: 'm' }));
      },
    };
    const r = await readRunLogs(liar as any, [{ id: 'stuck', status: 'succeeded' }, { id: 'long', status: 'succeeded' }] as any[], { detect, maxRuns: 10, limit: <T>(f: () => Promise<T>) => f() });
    expect(Object.keys(r.logs).sort()).toEqual(['long', 'stuck']);
    expect(r.logs.long.truncated).toBe(true);
    expect(calls.log).toBeLessThanOrEqual(1 + 3);
    expect(calls.events).toBeLessThanOrEqual(4);
  });
});

describe('readRunLogs: the log bytes of one scan are bounded', () => {
  it('past the budget, the runs not read yet are left for the next scan (pending), not errors', async () => {
    const big = { getHeartbeatRun: async (id: string) => ({ id, logRef: 'x' }), getRunLog: async () => ({ content: 'z'.repeat(1000) }), listRunEvents: async () => [] };
    const runs = Array.from({ length: 6 }, (_, k) => ({ id: `r${k}`, status: 'succeeded' }));
    let active = 0;
    const one = async <T>(f: () => Promise<T>) => {
      while (active) await new Promise((r) => setTimeout(r, 1));
      active++;
      try {
        return await f();
      } finally {
        active--;
      }
    };
    const r = await readRunLogs(big as any, runs as any[], { detect, maxRuns: 10, limit: one, logBytes: 2500 });
    expect(Object.keys(r.logs)).toHaveLength(3);
    expect(r.pending).toBe(3);
    expect(r.errors).toEqual([]);
  });
});

describe('RunLogMemory: what is kept of the runs read', () => {
  it('keeps the runs still listed, in a 0600 file that a second process reads back; another signature or a planted shape is not used', () => {
    const dir = tempDir();
    const secrets = scanRunTexts(runTexts({ log: ndjson([{ stream: 'stdout', chunk: `using ${fakeToken('github-pat', 31)}\n` }]) }), detect);
    const m = new RunLogMemory(dir, 'sig-1');
    m.store('http://pc', 'c1', ['r1', 'r2'], Object.assign(Object.create(null), { r1: { secrets, truncated: false }, r2: { secrets: [], truncated: true }, gone: { secrets: [], truncated: false } }));
    const back = new RunLogMemory(dir, 'sig-1').held('http://pc', 'c1');
    expect([...back.keys()].sort()).toEqual(['r1', 'r2']);
    expect(back.get('r1')).toEqual({ secrets, truncated: false });
    expect(new RunLogMemory(dir, 'sig-2').held('http://pc', 'c1').size).toBe(0);
    const file = m.file('http://pc', 'c1')!;
    expect(readFileSync(file, 'utf8')).not.toContain(fakeToken('github-pat', 31));
    writeFileSync(file, JSON.stringify({ version: 1, signature: 'sig-1', baseUrl: 'http://pc', companyId: 'c1', runs: { r1: { secrets: 'x' } } }));
    expect(new RunLogMemory(dir, 'sig-1').held('http://pc', 'c1').size).toBe(0);
    writeFileSync(file, JSON.stringify({ version: 1, signature: 'sig-1', baseUrl: 'http://pc', companyId: 'c1', runs: { r1: { truncated: false, secrets: [{ kind: 'x', place: 'log', preview: 'p' }] } } }));
    expect(new RunLogMemory(dir, 'sig-1').held('http://pc', 'c1').size).toBe(0);
  });
});

describe('self-wake facts', () => {
  const now = new Date('2026-12-06T12:00:00.000Z');
  const at = (min: number) => new Date(now.getTime() - min * 60_000).toISOString();
  const issues = new Map<string, any>([['i1', { id: 'i1', identifier: 'ACM-1', status: 'in_progress', startedAt: at(600) }]]);
  const mine = new Set<string>();
  const selfWoken = (r: any) => (mine.has(r.contextSnapshot?.wakeCommentId) ? r.contextSnapshot.wakeCommentId : null);

  it('property: runs woken otherwise between them (the server, a person) change neither count; only the window does', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ own: fc.boolean(), min: fc.integer({ min: 0, max: 900 }) }), { maxLength: 40 }), (spec) => {
        mine.clear();
        const runs = spec
          .map((s, k) => {
            const c = `c${k}`;
            if (s.own) mine.add(c);
            return { id: `r${k}`, agentId: 'a1', status: 'succeeded', createdAt: at(s.min), contextSnapshot: { issueId: 'i1', wakeCommentId: c } };
          })
          .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
        const own = runs.filter((r) => mine.has(r.contextSnapshot.wakeCommentId));
        const wake = selfWakeFacts(runs as any[], issues, { now, windowMinutes: 720, resets: [], selfWoken });
        expect(wake.streak).toBe(own.filter((r) => Date.parse(r.createdAt) >= now.getTime() - 720 * 60_000).length);
        expect(selfWakeFacts(own as any[], issues, { now, windowMinutes: 720, resets: [], selfWoken }).streak).toBe(wake.streak);
        const loop = loopFacts(runs as any[], issues, { now, runs: 5, windowMinutes: 60, cooldownMinutes: 120, resetAt: null, selfWoken });
        expect(loop.selfWakeStreak).toBe(own.filter((r) => Date.parse(r.createdAt) >= now.getTime() - 60 * 60_000).length);
      }),
      { numRuns: 200 },
    );
  });

  it('the loop fact counts only runs after clipguard\'s last reset; the runaway fact counts across it and says a reset fell inside', () => {
    mine.clear();
    const runs = [50, 40, 30, 20, 10].map((m, k) => {
      mine.add(`c${k}`);
      return { id: `r${k}`, agentId: 'a1', status: 'succeeded', createdAt: at(m), contextSnapshot: { issueId: 'i1', taskKey: 'i1', wakeCommentId: `c${k}` } };
    }).reverse();
    const reset = at(25);
    expect(loopFacts(runs as any[], issues, { now, runs: 5, windowMinutes: 60, cooldownMinutes: 1, resetAt: reset, selfWoken }).selfWakeStreak).toBe(2);
    const wake = selfWakeFacts(runs as any[], issues, { now, windowMinutes: 720, resets: [reset], selfWoken });
    expect(wake).toMatchObject({ streak: 5, resetsDuring: 1, issues: 'ACM-1' });
    expect(selfWakeFacts(runs as any[], issues, { now, windowMinutes: 720, resets: [at(5)], selfWoken }).resetsDuring).toBe(0);
  });
});
