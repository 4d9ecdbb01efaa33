// The clipguard CLI. Commands are thin: parse flags, call the core, print, exit.
// Exit codes: 0 nothing at or above --fail-on; 1 findings at or above it; 2 bad usage, config or rule file.

import { Command, CommanderError } from 'commander';
import { lockWaitSeconds } from './lock-wait.js';
import { configFrom, warnIfUntrusted } from './config.js';
import { explainRule, rulesList, rulesTest, rulesValidate } from './rules.js';
import { addReportOptions, checkOutputPath, confirmBaseline, emit, EXIT } from './output.js';
import { RulePackError } from '../engine/load.js';
import { runScan } from '../scan.js';
import { UserFileError } from '../util/json-file.js';
import { VERSION } from '../version.js';
import { plain } from '../report/sanitize.js';
import { registerPrecommit } from './precommit.js';
import { registerI18n } from './i18n.js';
import { registerWatch } from './watch.js';
import { registerChecklist } from './checklist.js';
import { registerTrust } from './trust.js';
import { registerInit } from './init.js';
import { registerPlugin } from './plugin.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('clipguard')
    .description(
      'Policy as code for companies of AI agents on Paperclip: enforce the operations handbook with declarative\n' +
        'rules (json-rules-engine), detectors for leaked secrets and zh script mixing, reports, and a careful,\n' +
        'dry-run-by-default action executor.',
    )
    .version(VERSION, '-V, --version')
    // Set before any subcommand is added: subcommands copy it, so their usage errors also exit 2, not 1.
    .exitOverride()
    .option('-c, --config <file>', 'config file (default: clipguard.config.json found upward from the cwd)')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ showGlobalOptions: true })
    .addHelpText(
      'after',
      `
Examples:
  clipguard init                              set up this repo: starter config, .gitignore, git hooks
  clipguard scan                              scan this repo and the local Paperclip (dry-run)
  clipguard scan --only budget --format markdown >> "$GITHUB_STEP_SUMMARY"
  clipguard scan --apply                      act: checkout, release/re-checkout, redact, pause
  clipguard precommit                         block staged secrets (see: clipguard hook install)
  clipguard i18n locales/                     Simplified characters in zh-Hant files, and the reverse
  clipguard rules list | clipguard explain ops/idle-agent-backlog
  clipguard trust                             trust this repo's clipguard.config.json to act, run commands, get the key

A clipguard.config.json is not trusted until you run \`clipguard trust\` on it: until then (and after any
change to it) what in it would act, run commands, send the API key or publish is ignored (clipguard trust --help).

Exit codes: 0 clean, 1 findings at or above --fail-on, 2 bad usage, config or rule file, or the state
directory is in use by another acting clipguard (scan --apply, watch) past --lock-wait.
Environment: PAPERCLIP_API_URL, PAPERCLIP_API_KEY, NO_COLOR, CLIPGUARD_KILL_SWITCH=1 (stops all actions),
  CLIPGUARD_TRUST_FILE (the trust store), CLIPGUARD_TRUST_CONFIG_SHA256 (CI: the reviewed config's hash).`,
    );

  const scan = program
    .command('scan')
    .description('read every configured source, evaluate the rule packs, report (and act with --apply)')
    .option('--paperclip <url>', 'Paperclip base URL (default $PAPERCLIP_API_URL, else http://127.0.0.1:3100)')
    .option('--no-paperclip', 'do not read Paperclip')
    .option('--api-key <key>', 'Paperclip API key (default $PAPERCLIP_API_KEY; none needed in local_trusted mode)')
    .option('--company <id-or-prefix...>', 'only these companies (id or issue prefix); default: every visible company')
    .option('--repo <dir...>', 'git repositories to scan (default: the current directory when it is a git repo)')
    .option('--rules <path...>', 'extra rule packs (files or directories), on top of the built-in one')
    .option('--only <rule-or-tag...>', 'run only these rules: ids, areas (ops, budget, security, i18n) or tags (the source/ rules, which report a source that could not be read, always run)')
    .option('--git-range <a..b>', 'commits to scan for secrets (default: unpushed commits)')
    .option('--apply', 'act on findings (default: dry-run, plan only)')
    .option('--explain', 'show, for each finding, why the rule fired (condition tree with fact values, secrets masked)')
    .option('--baseline <file>', 'report only findings not in this baseline')
    .option('--write-baseline <file>', 'write the current findings as a baseline')
    .option('--lock-wait <seconds>', 'with --apply: how long to wait for another clipguard acting on the same state directory (then exit 2)', lockWaitSeconds, 30);
  addReportOptions(scan).action(async (opts) => {
    const config = configFrom({ ...program.opts(), ...opts });
    warnIfUntrusted(config);
    // A refused --output path is said before anything is read or done, not after --apply acted.
    if (opts.output) checkOutputPath(opts.output);
    if (opts.writeBaseline) checkOutputPath(opts.writeBaseline, '--write-baseline');
    const { report, rules, baselineWritten } = await runScan(config, { only: opts.only, explain: opts.explain, baseline: opts.baseline, writeBaseline: opts.writeBaseline, gitRange: opts.gitRange, lockWaitMs: opts.lockWait * 1000 });
    process.exitCode = await emit(report, opts, rules);
    if (opts.writeBaseline) process.exitCode = confirmBaseline(opts.writeBaseline, baselineWritten ?? 0);
  });

  const rules = program.command('rules').description('list, validate and test rule packs');
  rules
    .command('list')
    .description('list the loaded rules as the config makes them: id, severity (or off), subject, title, action')
    .option('--rules <path...>', 'extra rule packs')
    .option('--json', 'print as JSON')
    .action((opts) => {
      process.exitCode = rulesList(configFrom({ ...program.opts(), ...opts }), opts.json);
    });
  rules
    .command('validate')
    .description('validate rule files (unknown fact, operator, subject, action type, a path that cannot match, invalid JSON)')
    .argument('<paths...>', 'rule files or directories')
    .action((paths: string[]) => {
      process.exitCode = rulesValidate(paths);
    });
  rules
    .command('test')
    .description('run each rule against its fixtures (fixtures/<rule-id>/*.json beside the pack); no paths: the built-in pack')
    .argument('[paths...]', 'rule packs to test')
    .option('--only <rule-id...>', 'only these rules')
    .action(async (paths: string[], opts) => {
      process.exitCode = await rulesTest(paths, opts.only);
    });
  program
    .command('explain')
    .description('print a rule: what it checks, why, and how to fix it')
    .argument('<rule-id>')
    .option('--rules <path...>', 'extra rule packs')
    .action((id: string, opts) => {
      process.exitCode = explainRule(configFrom({ ...program.opts(), ...opts }), id);
    });

  registerPrecommit(program);
  registerI18n(program);
  registerWatch(program);
  registerChecklist(program);
  registerTrust(program);
  registerInit(program);
  registerPlugin(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return Number(process.exitCode ?? 0);
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version exit 0; every usage error exits 2.
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return EXIT.usage;
    }
    // The state lock (held by another acting clipguard, or a state directory where it cannot be created).
    if (e instanceof UserFileError || e instanceof RulePackError || (e as Error)?.name === 'LockError' || (e as Error)?.name === 'HookInstallError') {
      process.stderr.write(`clipguard: ${plain((e as Error).message)}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`clipguard: unexpected error: ${plain((e as Error).message)}\n`);
    if (process.env.CLIPGUARD_DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
    return EXIT.usage;
  }
}
