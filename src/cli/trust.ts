// `clipguard trust`: trust, inspect or forget one config file (see config/trust.ts for the model).

import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { findConfigFile, loadConfig, withholdUntrusted, CONFIG_FILE } from '../config/load.js';
import { addTrust, readTrustStore, revokeTrust, sha256Of, trustOf, trustStorePath, TRUST_PIN_ENV } from '../config/trust.js';
import { UserFileError } from '../util/json-file.js';
import { oneLine } from '../report/sanitize.js';
import { maskText } from '../engine/mask.js';
import { EXIT } from './output.js';

export const TRUST_MODEL_HELP = `
A clipguard.config.json comes with the checkout, so whoever wrote the checkout wrote it. Until you trust that
exact file, clipguard ignores what in it would act (actions.apply, a job's "apply", action switches in
rules.overrides, the actions of rules.packs), run commands (actions.exec), send your API key (paperclip.url,
paperclip.apiKeyEnv), publish (checklist.postIssue/postActivity) or reach outside its directory (stateDir, repos).
Trust is kept outside the repo ($CLIPGUARD_TRUST_FILE, else ~/.config/clipguard/trusted.json) for the file's real
path and sha256: one changed byte or a move loses it. CI: pin the hash (--status) in ${TRUST_PIN_ENV}.`;

/** The commands and the server a config names, for the user to see what they trust (JSON-quoted: no control character reaches the terminal). */
function whatItRuns(raw: { actions?: { exec?: Record<string, string[]> }; paperclip?: { url?: string; apiKeyEnv?: string } }): string {
  const lines = Object.entries(raw.actions?.exec ?? {}).map(([name, argv]) => `  actions.exec ${JSON.stringify(name)}: ${argv.map((a) => JSON.stringify(a)).join(' ')}`);
  if (raw.paperclip?.url) {
    let shown = raw.paperclip.url;
    try {
      const u = new URL(shown);
      u.username = u.password = '';
      shown = u.href;
    } catch {
      // not a URL: shown as written
    }
    lines.push(`  paperclip.url (your API key is sent there): ${JSON.stringify(shown)}`);
  }
  if (typeof raw.paperclip?.apiKeyEnv === 'string') lines.push(`  paperclip.apiKeyEnv (the variable whose value is sent as your API key): ${JSON.stringify(raw.paperclip.apiKeyEnv)}`);
  // A key written into a command's argv is masked here as everywhere: the line says where it is, not what.
  return lines.map((l) => `\n${oneLine(maskText(l), 2000)}`).join('');
}

export function registerTrust(program: Command): void {
  program
    .command('trust')
    .description('trust this exact config file to act, run its commands and receive your API key (the model: clipguard trust --help)')
    .argument('[config]', `config file (default: --config, else ${CONFIG_FILE} found upward from the cwd)`)
    .option('--status', 'show the file\'s sha256, whether it is trusted and what it asks for that needs trust (exit 0 trusted, 1 not)')
    .option('--revoke', 'forget the trust of this file')
    .option('--list', 'list every trusted file (ok, changed since, or gone)')
    .addHelpText('after', `${TRUST_MODEL_HELP}\n\nExamples:\n  clipguard trust                      trust ./${CONFIG_FILE} (or the one found upward)\n  clipguard trust --status             its sha256 and what trusting it allows\n  ${TRUST_PIN_ENV}=<sha256> clipguard scan --apply   (CI: the workflow pins the reviewed config)`)
    .action((arg: string | undefined, opts) => {
      const env = process.env;
      if (opts.list) {
        const entries = readTrustStore(env);
        if (!entries.length) process.stdout.write(`no trusted config file (${trustStorePath(env)})\n`);
        for (const e of entries) {
          const now = existsSync(e.path) ? (sha256Of(readFileSync(e.path)) === e.sha256 ? 'ok' : 'changed since: not trusted') : 'gone';
          process.stdout.write(`${e.trustedAt}  ${e.sha256.slice(0, 12)}  ${oneLine(e.path)}  (${now})\n`);
        }
        process.exitCode = EXIT.ok;
        return;
      }
      const given = arg ?? program.opts().config;
      const named = given ? resolve(given) : findConfigFile(process.cwd());
      if (!named) throw new UserFileError(process.cwd(), `no ${CONFIG_FILE} here or in any parent directory (name one: clipguard trust <file>)`);
      if (opts.revoke) {
        const real = existsSync(named) ? realpathSync(named) : named;
        const gone = revokeTrust(real, env);
        process.stdout.write(gone ? `clipguard: no longer trusted: ${oneLine(real)}\n` : `clipguard: was not trusted: ${oneLine(real)}\n`);
        process.exitCode = EXIT.ok;
        return;
      }
      if (!existsSync(named)) throw new UserFileError(named, 'config file not found');
      const real = realpathSync(named);
      const bytes = readFileSync(real);
      const sha256 = sha256Of(bytes);
      // Validates the file (exit 2 when it is not a valid config): only a config clipguard can load is trusted.
      // (Without the CI pin: --status must still print the hash of a file the pin does not match.)
      const config = loadConfig(process.cwd(), { config: named }, { ...env, [TRUST_PIN_ENV]: '' });
      if (config.sha256 !== sha256) throw new UserFileError(real, 'the file changed while it was read: run clipguard trust again');
      const raw = JSON.parse(bytes.toString('utf8').replace(/^\uFEFF/, ''));
      const asks = withholdUntrusted(structuredClone(raw), dirname(named));
      const wants = (asks.length ? `what trust allows it: ${asks.join(', ')}` : 'it asks for nothing that needs trust') + whatItRuns(raw);
      if (opts.status) {
        const v = trustOf(real, sha256, env);
        process.stdout.write(`${oneLine(real)}\nsha256 ${sha256}\n${v.trusted ? `trusted (${v.by === 'pin' ? `pinned by ${TRUST_PIN_ENV}` : trustStorePath(env)})` : `not trusted: ${v.reason}`}\n${wants}\n`);
        process.exitCode = v.trusted ? EXIT.ok : EXIT.findings;
        return;
      }
      addTrust(real, sha256, env);
      process.stdout.write(`clipguard: trusted ${oneLine(real)} (sha256 ${sha256}); ${wants}\nAny change to the file withdraws it; \`clipguard trust --revoke\` forgets it.\n`);
      process.exitCode = EXIT.ok;
    });
}
