// `clipguard checklist`: the handbook's daily checklist from one scan, printed, and published when asked.
// The checklist module loads only when the command runs: `clipguard precommit` starts on every commit.

import type { Command } from 'commander';
import { configFrom, warnIfUntrusted } from './config.js';
import { addFormatOptions, checkOutputPath, EXIT, render, writeOutputFile, type Format } from './output.js';
import { lockWaitSeconds } from './lock-wait.js';
import { plain } from '../report/sanitize.js';

export function registerChecklist(program: Command): void {
  const cmd = program.command('checklist').description("the handbook's daily checklist: six ✅/⚠️/❌ items with the detail behind them");
  addFormatOptions(cmd, 'checklist')
    .option('--apply', 'act on findings while checking (checkout idle agents, ...)')
    .option('--post-issue <id>', 'also post the checklist (Markdown) as a comment on this Paperclip issue, by id or identifier (ACM-12); a comment wakes the assignee (default: checklist.postIssue in config)')
    .option('--post-activity', "also record it in each scanned company's activity log (silent; default: checklist.postActivity in config)")
    .addHelpText(
      'after',
      '\nFormats: text, markdown and json are the checklist (json: schema/checklist.schema.json, with the scan\'s json report under "report"); sarif, junit and html are the scan\'s report behind it (its findings).\nExit codes: 0 every item ok or warn, 1 an item failed or publishing failed, 2 usage or config error.\nExamples:\n  clipguard checklist --format markdown >> "$GITHUB_STEP_SUMMARY"\n  clipguard checklist -o checklist.json          # the format follows the extension\n  clipguard checklist --post-issue OPS-1 --post-activity',
    )
    .option('--lock-wait <seconds>', 'with --apply, --post-issue or --post-activity: how long to wait for another clipguard acting on the same state directory (then exit 2)', lockWaitSeconds, 30)
    .action(async (opts) => {
      const { publishChecklist, runChecklist } = await import('../checklist.js');
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
        const text = await renderChecklist(c, opts.format as Format, Boolean(opts.output));
        if (opts.output) writeOutputFile(opts.output, text);
        else process.stdout.write(text);
        const lost = lock?.lostTo();
        const published = lost ? { ok: false, lines: [`not published: ${lost}`] } : await publishChecklist(c, config, targets);
        for (const line of published.lines) process.stderr.write(`clipguard: ${plain(line)}\n`);
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

/** The checklist in a report format: its own text, Markdown and JSON; the scan's report behind it for the others. */
async function renderChecklist(c: import('../checklist.js').Checklist, format: Format, toFile: boolean): Promise<string> {
  const { renderChecklistJson, renderChecklistMarkdown, renderChecklistText } = await import('../report/checklist.js');
  if (format === 'json') return renderChecklistJson(c);
  if (format === 'markdown') return renderChecklistMarkdown(c);
  if (format === 'text') return renderChecklistText(c);
  return render(c.report, format, c.rules, toFile);
}
