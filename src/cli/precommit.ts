// `clipguard precommit`: block staged secrets (pre-commit hook) and secrets in the commit message
// (commit-msg hook); `clipguard hook install|uninstall` wires them into .git/hooks.

import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { readStagedDiff } from '../sources/git.js';
import { ALLOW_UNSCANNED, blobSubjects, commitSubjects, diffSubjects, sourceSubject } from '../sources/index.js';
import type { InstalledHook } from '../hooks/install.js';
import { runScan } from '../scan.js';
import { gitRoot } from '../util/git-root.js';
import { addReportOptions, checkOutputPath, confirmBaseline, emit, EXIT } from './output.js';
import { configFrom } from './config.js';
import { UserFileError } from '../util/json-file.js';
import { oneLine } from '../report/sanitize.js';

export function registerPrecommit(program: Command): void {
  const cmd = program
    .command('precommit')
    .description('scan the staged diff for secrets (added lines; binary, UTF-16 and large files whole, from their staged blob); exit 1 to block the commit, also when a staged file cannot be read (allow one with secrets.allowlist.paths)')
    .option('--commit-msg <file>', 'scan this commit message file instead (for the commit-msg hook)')
    .option('--repo <dir>', 'repository (default: the enclosing one)')
    .option('--baseline <file>', 'report only findings not in this baseline (the same file as scan --baseline)')
    .option('--write-baseline <file>', 'write the current findings as a baseline');
  addReportOptions(cmd).action(async (opts) => {
    const config = configFrom({ ...program.opts(), ...opts, repo: undefined, paperclip: false });
    config.failOn = opts.failOn ?? config.failOn;
    const repo = gitRoot(opts.repo ?? process.cwd());
    if (!repo) {
      process.stderr.write('clipguard precommit: not inside a git repository\n');
      process.exitCode = EXIT.usage;
      return;
    }
    config.repos = [repo];
    let subjects;
    const statuses = [];
    if (opts.commitMsg) {
      // Every line is read, `#` lines too: `git commit -m "#..."` keeps them in the message (only the editor's
      // cleanup strips them). What git always drops is the `commit -v` diff below the scissors line: a removed
      // key there is not part of the message.
      const lines = readCommitMessage(opts.commitMsg).split('\n');
      const scissors = lines.findIndex((l) => /^# -{24} >8 -{24}$/.test(l));
      const message = (scissors >= 0 ? lines.slice(0, scissors) : lines).join('\n');
      subjects = commitSubjects(repo, [{ sha: 'commit-message', shown: '(uncommitted)', subject: message.split('\n')[0] ?? '', message, author: '', date: new Date().toISOString() }], config);
      statuses.push({ name: 'commit-message', status: 'ok' as const, detail: opts.commitMsg });
    } else {
      const staged = await readStagedDiff(repo);
      // Binary, UTF-16 and large files are read whole from their staged blob; one git cannot read blocks.
      const whole = await blobSubjects(repo, staged.blobs, config);
      subjects = [...diffSubjects(repo, staged.files, config), ...whole.subjects];
      const notes = staged.skipped.map((s) => `${s.path} (${s.reason})`);
      const shownBlobs = staged.blobs.slice(0, 20).map((b) => `${b.path} (${b.why})`);
      const more = staged.blobs.length > 20 ? ` and ${staged.blobs.length - 20} more` : '';
      const read = staged.blobs.length ? `; read whole: ${shownBlobs.join(', ')}${more}` : '';
      const detail = `${staged.files.length} file(s) with added lines${read}${notes.length ? `; skipped: ${notes.join(', ')}` : ''}`;
      if (whole.unread.length) {
        const why = `could not read ${whole.unread.map((u) => `${u.path} (${u.error})`).join(', ')}, so it was not scanned for secrets; ${ALLOW_UNSCANNED}`;
        statuses.push({ name: 'git:staged', status: 'unavailable' as const, detail: `${detail}; ${why}` });
        subjects.push(sourceSubject('git:staged', 'git', 'unavailable', why));
      } else statuses.push({ name: 'git:staged', status: 'ok' as const, detail });
      // A staged name is the checkout's: no escape sequence of it reaches the terminal.
      if (notes.length && opts.format === 'text') process.stderr.write(`clipguard: skipped ${oneLine(notes.join(', '), 2000)}\n`);
    }
    // A staged file that could not be read blocks too (source/git-unavailable): its content was never checked.
    const only = opts.commitMsg ? ['security/secret-in-commit-message'] : ['security/secret-in-diff', 'source/git-unavailable'];
    // A staged file's fingerprints have no commit in them (path, kind, the line without the secret), so a key
    // recorded once stays hidden on the next commit, wherever its line moves in the file.
    if (opts.writeBaseline) checkOutputPath(opts.writeBaseline, '--write-baseline');
    const { report, rules, baselineWritten } = await runScan(config, { only, subjects, statuses, validateOnlySelected: true, baseline: opts.baseline, writeBaseline: opts.writeBaseline });
    // The commit-msg hook runs right after the pre-commit hook, which already said "no findings": a clean
    // message adds nothing to the terminal (a report asked for with --format or --output is still written).
    const clean = !report.findings.some((f) => !f.suppressed) && report.sources.every((x) => x.status === 'ok');
    if (opts.commitMsg && clean && opts.format === 'text' && !opts.output) {
      process.exitCode = EXIT.ok;
      return;
    }
    process.exitCode = await emit(report, opts, rules);
    if (opts.writeBaseline) {
      process.exitCode = confirmBaseline(opts.writeBaseline, baselineWritten ?? 0);
      return;
    }
    const unreadable = report.findings.some((f) => f.ruleId === 'source/git-unavailable' && !f.suppressed);
    if (unreadable && opts.format === 'text') process.stderr.write(`\nclipguard: commit blocked: a staged file could not be read, so it was not scanned; ${ALLOW_UNSCANNED}.\n`);
    else if (report.summary.failed && opts.format === 'text') {
      process.stderr.write(
        opts.commitMsg
          ? '\nclipguard: commit blocked: the commit message contains a secret. Edit the message (the key is masked above) and rotate the key if it was ever shared.\n'
          : '\nclipguard: commit blocked. Remove the secret from the staged file (read it from the environment or Paperclip secrets), `git add` again, and rotate the key if it was ever pushed.\n' +
              'A false positive? Add `clipguard-ignore security/secret-in-diff -- <reason>` on the line, or an entry in secrets.allowlist of clipguard.config.json.\n',
      );
    }
  });

  const hook = program.command('hook').description('install or remove the git hooks (pre-commit and commit-msg)');
  hook
    .command('install')
    .description('write .git/hooks/pre-commit and commit-msg (an existing hook is kept and chained, never overwritten)')
    .option('--command <cmd>', 'how the hook runs clipguard (default: node and the path of this clipguard\'s bin/clipguard.js, relative to the repository when it is inside it)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (opts) => {
      const repo = gitRoot(process.cwd());
      if (!repo) {
        process.stderr.write('clipguard hook install: not inside a git repository\n');
        process.exitCode = EXIT.usage;
        return;
      }
      const { installHooks } = await import('../hooks/install.js');
      const r = await installHooks(repo, { command: opts.command });
      process.stdout.write(opts.format === 'json' ? `${JSON.stringify(r)}\n` : describeInstalled(r));
    });
  hook
    .command('uninstall')
    .description('remove clipguard hooks and restore what was there before')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (opts) => {
      const repo = gitRoot(process.cwd());
      if (!repo) {
        process.stderr.write('clipguard hook uninstall: not inside a git repository\n');
        process.exitCode = EXIT.usage;
        return;
      }
      const { uninstallHooks } = await import('../hooks/install.js');
      const r = await uninstallHooks(repo);
      process.stdout.write(opts.format === 'json' ? `${JSON.stringify(r)}\n` : r.hooks.map((h) => `${h.name}: ${h.action} (${h.path})\n`).join(''));
    });
}

/** The commit message file git passed to the hook; one that cannot be read is a usage error naming it (exit 2). */
function readCommitMessage(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new UserFileError(file, `cannot read the commit message (${why}); --commit-msg takes the file git passes to the commit-msg hook ("$1", usually .git/COMMIT_EDITMSG)`);
  }
}

/** What `hook install` did, one line per hook, for a person. */
export function describeInstalled(r: { hooksDir: string; hooks: InstalledHook[] }): string {
  const lines = r.hooks.map((h) => `${h.name}: ${h.action} (${h.path})${h.chained ? `; runs the hook that was there first, kept as ${h.chained}` : ''}`);
  return `${lines.join('\n')}\nclipguard now checks staged changes (pre-commit) and commit messages (commit-msg) for secrets; \`clipguard hook uninstall\` removes the hooks.\n`;
}
