// What clipguard writes to a terminal: file names, rule files, lock holders, server answers and error texts are
// anyone's, so none of their control characters (ANSI/OSC escapes, bell, C1) gets through.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { textLogLine } from '../../src/schedule/watch.js';
import { stateLockFile } from '../../src/schedule/lock.js';
import { cli, tempDir } from '../helpers/cli.js';

const CONTROLS = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const time = new Date('2026-12-06T12:00:00.000Z');

describe('watch text log line', () => {
  it('keeps the fields readable on one line', () => {
    expect(textLogLine(time, { event: 'failed', job: 'scan', reason: 'scheduled', error: 'GET /api/companies: 500\nsecond line', ms: 12, skip: undefined, empty: '' })).toBe(
      '2026-12-06T12:00:00.000Z scan failed reason=scheduled error=GET /api/companies: 500 second line ms=12',
    );
  });

  it('lets no control character (ANSI escape, bell, C1, bidi override; a tab is kept) of a value through, and stays one line', () => {
    const hostile = fc.string({ unit: 'binary', maxLength: 40 });
    fc.assert(
      fc.property(hostile, hostile, fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(hostile, fc.array(hostile, { maxLength: 3 })), { maxKeys: 4 }), (event, error, rest) => {
        const line = textLogLine(time, { ...rest, event, job: 'scan', error });
        expect(line).not.toMatch(CONTROLS);
        expect(line.startsWith('2026-12-06T12:00:00.000Z scan')).toBe(true);
      }),
      { numRuns: 500 },
    );
    expect(textLogLine(time, { event: 'failed', job: 'scan', error: 'boom \u001b]0;pwned\u0007\u001b[2J\u202eevil' })).toBe('2026-12-06T12:00:00.000Z scan failed error=boom ]0;pwned[2Jevil');
  });
});

describe('watch on stderr', () => {
  it('names the holder of a planted state lock without its control characters', () => {
    // The state directory can sit in a checkout: its lock file's host and command are anyone's text.
    const dir = tempDir('clipguard-watch-say-');
    writeFileSync(stateLockFile(dir), JSON.stringify({ pid: 4242, host: 'box\u001b]0;pwned\u0007\u001b[2J', command: 'watch\u009b31m', token: 'x', startedAt: new Date().toISOString(), heartbeatAt: new Date().toISOString() }));
    const r = cli(['watch', '--once', '--state-dir', dir, '--lock-wait', '0'], { cwd: dir, env: { PAPERCLIP_API_URL: 'http://127.0.0.1:9' } });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('in use by another clipguard: watch31m (pid 4242 on box]0;pwned[2J,');
    expect(r.stderr.trimEnd()).not.toMatch(CONTROLS);
  });
});

describe('i18n and rules validate on stderr', () => {
  it('name a skipped locale file and a rule file by paths without their control characters', () => {
    const dir = tempDir('clipguard-term-');
    mkdirSync(join(dir, 'locales'));
    symlinkSync('/nonexistent', join(dir, 'locales', 'zh-TW\u001b]0;x\u0007.json'));
    const i18n = cli(['i18n', 'locales'], { cwd: dir });
    expect(i18n.stderr).toContain('skipped locales/zh-TW]0;x.json (broken symbolic link)');
    expect(i18n.stderr.replace(/\n/g, ' ')).not.toMatch(CONTROLS);
    const pack = join(dir, 'p\u001b[31mk');
    mkdirSync(pack);
    writeFileSync(join(pack, 'bad.json'), JSON.stringify({ id: 'x' }));
    const rules = cli(['rules', 'validate', pack], { cwd: dir });
    expect(rules.code).toBe(2);
    expect(rules.stderr).toContain('p[31mk/bad.json: rule "x"');
    expect(rules.stderr.replace(/\n/g, ' ')).not.toMatch(CONTROLS);
  });
});
