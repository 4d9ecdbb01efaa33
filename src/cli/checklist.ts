// `clipguard checklist`: the handbook's daily checklist from one scan, printed, and published when asked.
// The checklist module loads only when the command runs: `clipguard precommit` starts on every commit.

import { Option, type Command } from 'commander';
import { configFrom, warnIfUntrusted } from './config.js';
import { checkOutputPath, EXIT, writeOutputFile } from './output.js';
import { lockWaitSeconds } from './lock-wait.js';

export function registerChecklist(program: Command): void {
  program
    .command('checklist')
    .description("the handbook's daily checklist: six ✅/⚠️/❌ items with the detail behind them")
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'markdown', 'json']).default('text'))
    .option('-o, --output <file>', 'write to a file')
    .option('--apply', 'act on findings while checking (checkout idle agents, ...)')
    .option('--post-issue <id>', 'also post the checklist (Markdown) as a comment on this Paperclip issue, by id or identifier (ACM-12); a comment wakes the assignee (default: checklist.postIssue in config)')
    .option('--post-activity', "also record it in each scanned company's activity log (silent; default: checklist.postActivity in config)")
    .addHelpText('after', '\nExit codes: 0 every item ok or warn, 1 an item failed or publishing failed, 2 usage or config error.\nExamples:\n  clipguard checklist --format markdown >> "$GITHUB_STEP_SUMMARY"\n  clipguard checklist --post-issue OPS-1 --post-activity')
    .option('--lock-wait <seconds>', 'with --apply, --post-issue or --post-activity: how long to wait for another clipguard acting on the same state directory (then exit 2)', lockWaitSeconds, 30)
    .action(async (opts) => {
      const { publishChecklist, renderChecklistJson, renderChecklistMarkdown, renderChecklistText, runChecklist } = await import('../checklist.js');
      const config = configFrom({ ...program.opts(), ...opts });
      warnIfUntrusted(config);
      if (opts.output) checkOutputPath(opts.output);
      const targets = { postIssue: opts.postIssue ?? config.checklist.postIssue, postActivity: opts.postActivity ?? config.checklist.postActivity };
      // Acting or publishing writes to Paperclip and to the state directory: one such clipguard per state dir.
      let lock: import('../schedule/lock.js').StateLock | undefined;
      if (config.actions.apply || targets.postIssue || targets.postActivity) {
        const { StateLock, stateLockFile } = await import('../schedule/lock.js');
        lock = new StateLock(stateLockFile(config.stateDir), undefined, config.actions.apply ? 'checklist --apply' : 'checklist --post');
        await lock.acquireWithin(opts.lockWait * 1000);
      }
      try {
        const c = await runChecklist(config, { lock });
        const text = opts.format === 'json' ? renderChecklistJson(c) : opts.format === 'markdown' ? renderChecklistMarkdown(c) : renderChecklistText(c);
        if (opts.output) writeOutputFile(opts.output, text);
        else process.stdout.write(text);
        const lost = lock?.lostTo();
        const published = lost ? { ok: false, lines: [`not published: ${lost}`] } : await publishChecklist(c, config, targets);
        for (const line of published.lines) process.stderr.write(`clipguard: ${line}\n`);
        if (!published.ok) {
          process.exitCode = EXIT.findings;
          return;
        }
        process.exitCode = c.ok ? EXIT.ok : EXIT.findings;
      } finally {
        lock?.release();
      }
    });
}
