// Flags -> Config, shared by every command.

import { loadConfig, type Config, type ConfigFlags } from '../config/load.js';

export function configFrom(opts: Record<string, any>): Config {
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
  return loadConfig(process.cwd(), flags);
}

