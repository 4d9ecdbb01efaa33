// The audit log: append-only JSONL, created 0600 in a 0700 directory, secrets masked whatever a caller passes,
// and a crash mid-write costs at most the torn line (skipped with a warning), never the entries after it.
import { spawn } from 'node:child_process';
import { readFileSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AuditLog, readAudit, type AuditEntry } from '../../src/actions/audit.js';
import { tempDir } from '../helpers/cli.js';
import { fakeSample } from '../helpers/fake-secrets.js';

const entry = (n: number, detail = `entry ${n}`): AuditEntry => ({ time: new Date(0).toISOString(), mode: 'apply', rule: 'ops/x', subject: `agent:${n}`, action: 'checkout', target: `issue:X-${n}`, outcome: 'applied', detail });

describe('audit log', () => {
  it('is created 0600 in a 0700 directory and only ever appended to', () => {
    const dir = join(tempDir(), 'state');
    const file = join(dir, 'audit.jsonl');
    const a = new AuditLog(file);
    a.append(entry(1));
    a.close();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const b = new AuditLog(file);
    b.append(entry(2));
    b.close();
    expect(readAudit(file).map((e) => e.subject)).toEqual(['agent:1', 'agent:2']);
  });

  it('masks secrets in any field', () => {
    const file = join(tempDir(), 'audit.jsonl');
    const s = fakeSample('slack-bot-token', 7);
    const a = new AuditLog(file);
    a.append({ ...entry(1, `server said: ${s.text}`), extra: { nested: [s.text] } });
    a.close();
    expect(readFileSync(file, 'utf8')).not.toContain(s.secret);
  });

  it('a writer killed mid-stream leaves only complete lines, or one torn last line that is skipped with a warning', async () => {
    const file = join(tempDir(), 'audit.jsonl');
    const mod = fileURLToPath(new URL('../../dist/actions/audit.js', import.meta.url));
    const child = spawn(process.execPath, ['--input-type=module', '-e', `import { AuditLog } from ${JSON.stringify(mod)}; const a = new AuditLog(${JSON.stringify(file)}); for (let i = 0; ; i++) { a.append({ time: 't', mode: 'apply', rule: 'r', subject: 's' + i, action: 'a', target: 't', outcome: 'applied', detail: 'x'.repeat(i % 5000) }); if (i === 200) process.stdout.write('go\\n'); }`]);
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    const warnings: string[] = [];
    const entries = readAudit(file, (w) => warnings.push(w));
    expect(entries.length).toBeGreaterThan(200);
    expect(entries.map((e) => e.subject)).toEqual(entries.map((_, i) => `s${i}`));
    expect(warnings.length).toBeLessThanOrEqual(1);
  });

  it('after a crash left a torn last line, the next run loses nothing more: the torn line is skipped, new entries parse', () => {
    const file = join(tempDir(), 'audit.jsonl');
    const a = new AuditLog(file);
    a.append(entry(1));
    a.append(entry(2));
    a.close();
    truncateSync(file, statSync(file).size - 20); // the crash: entry 2 cut mid-line
    const b = new AuditLog(file);
    b.append(entry(3));
    b.close();
    const warnings: string[] = [];
    expect(readAudit(file, (w) => warnings.push(w)).map((e) => e.subject)).toEqual(['agent:1', 'agent:3']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/audit\.jsonl:2: skipping a torn or corrupt audit line/);
  });
});
