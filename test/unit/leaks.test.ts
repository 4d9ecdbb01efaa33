// Secrets never leak from the git side: generated secrets planted in commit messages and added lines go through
// the real subjects, engine (with --explain) and every reporter; the plain secret appears in no output. The
// CLI's own channels (stdout, stderr of precommit and scan) are checked on a real repository.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { runScan } from '../../src/scan.js';
import { commitSubjects, diffSubjects } from '../../src/sources/index.js';
import { render, FORMATS } from '../../src/cli/output.js';
import { cli, tempDir } from '../helpers/cli.js';
import { FAKE_KINDS, fakeSample } from '../helpers/fake-secrets.js';

const words = fc.string({ unit: fc.constantFrom(...'abcdefghij klmnop=:"|<>&\n中文'.split('')), maxLength: 40 }).filter((s) => !s.includes('clipguard-ignore'));
const sample = fc.record({ kind: fc.constantFrom(...FAKE_KINDS), seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }), style: fc.nat(10) }).map((r) => fakeSample(r.kind, r.seed, r.style));

describe('no report format carries a secret planted in a commit or a diff', () => {
  it('text, json, sarif, junit, markdown, html, with --explain (property)', async () => {
    const config = loadConfig(tempDir(), { noConfigFile: true }, {});
    config.repos = [];
    await fc.assert(
      fc.asyncProperty(words, sample, words, sample, sample, async (pre, inMessage, post, line1, line2) => {
        const message = `${pre.split('\n')[0]} ${inMessage.text}\n\n${post}`;
        const subjects = [
          ...commitSubjects('.', [{ sha: 'a'.repeat(40), subject: message.split('\n')[0], message, author: 'A <a@e.st>', date: '2026-11-25T00:00:00Z' }], config),
          ...diffSubjects('.', [{ path: 'src/app.ts', lines: [{ line: 3, text: `${pre} ${line1.text}` }, ...line2.text.split('\n').map((t, i) => ({ line: 10 + i, text: t }))] }], config),
        ];
        const { report, rules } = await runScan(config, { subjects, only: ['security'], explain: true });
        expect(report.findings.length).toBeGreaterThanOrEqual(3);
        for (const format of FORMATS) {
          const out = await render(report, format, rules, true);
          for (const s of [inMessage, line1, line2]) expect(out.includes(s.secret), `${format} carries a ${s.secret.slice(0, 4)}… secret`).toBe(false);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('precommit and scan on a real repository: stdout and stderr of every format', () => {
    const dir = tempDir();
    const git = (...a: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@e.st', ...a], { cwd: dir, encoding: 'utf8' });
    git('init', '-q', '-b', 'main');
    const a = fakeSample('aws-access-key-id', 11);
    const b = fakeSample('private-key', 12);
    const c = fakeSample('openai-project-key', 13);
    writeFileSync(join(dir, 'config.env'), `${a.text}\n${b.text}\n`);
    git('add', '-A');
    git('commit', '-qm', `add config ${c.text}`);
    writeFileSync(join(dir, 'more.env'), `${fakeSample('stripe-secret-key', 14).text}\n`);
    git('add', '-A');
    const secrets = [a.secret, b.secret, c.secret, fakeSample('stripe-secret-key', 14).secret];
    for (const format of FORMATS) {
      for (const args of [['precommit'], ['scan', '--no-paperclip', '--explain']]) {
        const r = cli([...args, '--format', format], { cwd: dir });
        expect(r.code, r.stderr).toBe(1);
        // The multi-line private key added in the commit is found (and so is everything else), not just absent.
        if (format === 'json' && args[0] === 'scan') expect(JSON.parse(r.stdout).findings.map((f: any) => f.message).join('\n')).toMatch(/Private key added in config\.env:3/);
        for (const s of secrets) {
          expect(r.stdout).not.toContain(s);
          expect(r.stderr).not.toContain(s);
        }
      }
    }
  });
});
