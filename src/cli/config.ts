// Flags -> Config, shared by every command.

import { loadConfig, type Config, type ConfigFlags } from '../config/load.js';
import { oneLine } from '../report/sanitize.js';

export function configFrom(opts: ConfigFlags): Config {
  const flags: ConfigFlags = {
    config: opts.config,
    paperclip: opts.paperclip,
    apiKey: opts.apiKey,
    company: opts.company,
    repo: opts.repo,
    rules: opts.rules,
    apply: opts.apply,
    failOn: opts.failOn,
  };
  const config = loadConfig(process.cwd(), flags);
  for (const s of config.skippedConfigs) process.stderr.write(`clipguard: ignored ${oneLine(s)}; to read it anyway, name it with --config\n`);
  return config;
}

/** A path as one shell word, for a command the user is told to run. */
export function shellWord(p: string): string {
  return /^[\w@%+=:,./-]+$/.test(p) ? p : `'${p.replace(/'/g, `'\\''`)}'`;
}

/** The one notice a command that acts, publishes or connects prints when the config file was not trusted. */
export function untrustedNotice(config: Config): string | null {
  if (!config.file || !config.untrusted.length) return null;
  return (
    // One line each: a key may quote an override's rule id the checkout wrote (a newline there would start a line
    // of its own in the log, e.g. a GitHub workflow command `::error ...`).
    `clipguard: ${oneLine(config.file)} is not trusted (${oneLine(config.untrustedReason ?? 'never trusted')}): ignored ${config.untrusted.map((k) => oneLine(k, 200)).join(', ')}. ` +
    `Review it, then run \`clipguard trust ${oneLine(shellWord(config.file))}\` to trust this exact file (see \`clipguard trust --help\`).\n`
  );
}

export function warnIfUntrusted(config: Config): void {
  const n = untrustedNotice(config);
  if (n) process.stderr.write(n);
}
