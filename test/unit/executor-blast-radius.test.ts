// Blast radius of --apply: one agent's failures never stop actions for other agents (a circuit per agent), a
// failing server stops everything (a circuit for the server), write actions are capped per scan and per
// agent, and a session reset is done once (ledger) and then cools down. The executor talks to a loopback
// server that answers with responses recorded from paperclipai@2026.916.1 (fixtures/paperclip-samples/).
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { executeActions } from '../../src/actions/executor.js';
import { planActions } from '../../src/actions/planner.js';
import { sessionResets } from '../../src/actions/ledger.js';
import { PaperclipClient } from '../../src/sources/paperclip/client.js';
import type { Finding, FindingAction, Subject } from '../../src/types.js';
import { sample } from '../helpers/samples.js';

const recordedAgent = sample('49-agent-get-error');
const recordedReset = sample('44-reset-session');
const COMPANY = recordedAgent.companyId as string;

/** How the server answers each agent's reset: the recorded 200, a 4xx for that agent, or a 5xx. */
type Answer = 'ok' | 'reject' | 'crash';

let server: Server | null = null;
let client: PaperclipClient | null = null;
afterEach(async () => {
  await client?.close();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = client = null;
});

async function serve(answers: Record<string, Answer>): Promise<{ url: string; resets: string[] }> {
  const resets: string[] = [];
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      let m = /^\/api\/agents\/([^/]+)$/.exec(path);
      if (req.method === 'GET' && m) return send(200, { ...recordedAgent, id: m[1], name: m[1] });
      if (req.method === 'GET' && /^\/api\/companies\/[^/]+\/heartbeat-runs$/.test(path)) return send(200, []);
      m = /^\/api\/agents\/([^/]+)\/runtime-state\/reset-session$/.exec(path);
      if (req.method === 'POST' && m) {
        resets.push(m[1]);
        const a = answers[m[1]] ?? 'ok';
        // The server's documented error shapes (API.md section 1): zod validation 400/422, unhandled 500.
        if (a === 'reject') return send(422, { error: 'Validation error', details: [] });
        if (a === 'crash') return send(500, { error: 'Internal server error' });
        return send(200, { ...recordedReset, agentId: m[1] });
      }
      send(404, { error: 'API route not found' });
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server!.address() as { port: number }).port}`;
  client = new PaperclipClient({ baseUrl: url, retries: 0 });
  return { url, resets };
}

function resetFinding(agentId: string, n = 0): Finding {
  return {
    ruleId: 'ops/agent-looping',
    severity: 'warning',
    title: 'Agent stuck in a loop',
    message: `${agentId} loops`,
    subject: { type: 'agent', id: agentId, label: agentId },
    location: null,
    fingerprint: `${agentId}#${n}`,
    tags: ['ops'],
    actions: [{ type: 'reset-session', status: 'planned', target: `agent:${agentId}`, detail: '', params: { agentId, companyId: COMPANY, taskKey: n ? `task-${n}` : null } }],
  };
}

const run = (findings: Finding[], stateDir: string) => executeActions(findings, { mode: 'apply', client, stateDir, activityLog: false, now: new Date(), env: {} });
const statuses = (findings: Finding[]) => findings.map((f) => `${f.subject.id}:${f.actions[0].status}`);

describe('executor blast radius', () => {
  it("one agent's failures open only that agent's circuit: the other agents' actions still run", async () => {
    const { resets } = await serve({ bad: 'reject' });
    // The ledger key is per agent, and failures are not recorded as done, so each of bad's four actions is tried
    // until its circuit opens after three failures.
    const findings = [resetFinding('bad', 1), resetFinding('bad', 2), resetFinding('good1'), resetFinding('bad', 3), resetFinding('bad', 4), resetFinding('good2')];
    await run(findings, mkdtempSync(join(tmpdir(), 'clipguard-exec-')));
    expect(statuses(findings)).toEqual(['bad:failed', 'bad:failed', 'good1:applied', 'bad:failed', 'bad:skipped', 'good2:applied']);
    expect(findings[4].actions[0].detail).toMatch(/circuit open for this agent: 3 failures/);
    expect(resets).toEqual(['bad', 'bad', 'good1', 'bad', 'good2']);
  });

  it('a server answering 5xx opens the server circuit after five failures in a row, for every agent', async () => {
    const answers: Record<string, Answer> = {};
    for (let k = 1; k <= 5; k++) answers[`s${k}`] = 'crash';
    const { resets } = await serve(answers);
    const findings = [1, 2, 3, 4, 5].map((k) => resetFinding(`s${k}`)).concat([resetFinding('fine')]);
    await run(findings, mkdtempSync(join(tmpdir(), 'clipguard-exec-')));
    expect(statuses(findings)).toEqual(['s1:failed', 's2:failed', 's3:failed', 's4:failed', 's5:failed', 'fine:skipped']);
    expect(findings[5].actions[0].detail).toMatch(/circuit open: 5 consecutive server failures/);
    expect(resets).not.toContain('fine');
  });

  it('a reset is done once: the ledger skips a repeat and records when, for the cool-down', async () => {
    const { resets } = await serve({});
    const state = mkdtempSync(join(tmpdir(), 'clipguard-exec-'));
    const first = [resetFinding('looper', 1)];
    await run(first, state);
    expect(statuses(first)).toEqual(['looper:applied']);
    const second = [resetFinding('looper', 1)];
    await run(second, state);
    expect(statuses(second)).toEqual(['looper:skipped']);
    expect(second[0].actions[0].detail).toMatch(/already done at .* \(idempotency ledger\)/);
    expect(resets).toEqual(['looper']);
    expect(Object.keys(sessionResets(join(state, 'ledger.json')))).toEqual(['looper']);
    const audit = readFileSync(join(state, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.outcome !== 'started');
    expect(audit.map((e) => `${e.action}:${e.outcome}`)).toEqual(['reset-session:applied', 'reset-session:skipped']);
  });
});

describe('planner caps', () => {
  const agentSubject = (id: string): Subject => ({
    type: 'agent',
    id,
    label: id,
    source: 'paperclip',
    facts: { agent: { ...recordedAgent, id, name: id }, loop: { runIds: ['r1'], taskKey: null } },
  });

  it('caps write actions per scan (maxPerScan) and per agent (maxPerAgent), saying why', () => {
    const ids = Array.from({ length: 25 }, (_, k) => `agent${k}`);
    const findings = ids.map((id) => resetFinding(id));
    // One agent asks for four distinct actions (four rules firing on it, each running its own command): only
    // three are planned. (Four session resets of one agent would be one action: the plan skips the repeats, as
    // the executor's ledger would.)
    const busy = [1, 2, 3, 4].map((n) => ({ ...resetFinding('busy', n), actions: [{ type: 'exec', status: 'planned', target: 'exec:', detail: '', params: { command: `c${n}` } } as FindingAction] }));
    const subjects = [...ids, 'busy'].map(agentSubject);
    planActions([...busy, ...findings], subjects, { maxPerScan: 20, maxPerAgent: 3, exec: { c1: ['true'], c2: ['true'], c3: ['true'], c4: ['true'] } });
    const all = [...busy, ...findings].flatMap((f) => f.actions);
    expect(all.filter((a) => a.status === 'planned')).toHaveLength(20);
    expect(busy.map((f) => f.actions[0].status)).toEqual(['planned', 'planned', 'planned', 'skipped']);
    expect(busy[3].actions[0].detail).toMatch(/limit of 3 actions per agent \(actions.maxPerAgent\)/);
    const overScan = all.filter((a) => a.status === 'skipped' && /actions.maxPerScan/.test(a.detail));
    expect(overScan).toHaveLength(8); // 29 asked: 3 + 17 planned, busy's 4th over the per-agent cap, 8 over the per-scan cap
  });
});
