// exec: run a command the config lists in actions.exec (e.g. a restart for ops/server-health). The rule names
// the command; its argv only ever comes from a trusted config, and it runs without a shell.

import { execFile } from 'node:child_process';
import { fail, ok, skip, type ActionKind, type Outcome } from '../kind.js';

export const exec: ActionKind = {
  type: 'exec',
  needsPaperclip: false,
  // By the command's name and the finding that asked for it: one command run does not hold back another, nor
  // the same command for another finding.
  ledgerKey: (f, p) => ['exec', p.command ?? (p.argv as string[] | undefined)?.[0] ?? '', f.fingerprint].join(':'),
  plan(_f, a, s, limits) {
    // The command's name is in the rule's action.params.command (overridable in rules.overrides[id].action.params);
    // its argv only ever comes from the config's actions.exec.
    const name = typeof a.params?.command === 'string' ? a.params.command : '';
    if (!name) return [{ ...a, status: 'skipped', target: 'exec:', detail: 'the rule names no command: set action.params.command (rules.overrides[id].action.params.command) to a name in actions.exec of the config' }];
    // Own entries only: "toString" or "constructor" must not find Object.prototype.
    if (!Object.hasOwn(limits.exec, name) || !Array.isArray(limits.exec[name]) || !limits.exec[name].length) return [{ ...a, status: 'skipped', target: `exec:${name}`, detail: `no command "${name}" in actions.exec of the config${limits.execUntrusted ? ' (the config file is not trusted: its actions.exec is ignored; see clipguard trust --help)' : ''}` }];
    // A command for an unhealthy Paperclip (a restart kills every heartbeat in flight) runs only if the server is
    // still unhealthy when the action comes: the health is read again first.
    const source = s?.facts.source as { kind?: string; health?: unknown } | undefined;
    const recheck = source?.kind === 'paperclip' && source.health ? { recheck: 'paperclip-health' } : {};
    const unless = recheck.recheck ? ' (unless GET /api/health answers ok again by then)' : '';
    return [{ ...a, target: `exec:${name}`, detail: `run ${limits.exec[name].join(' ')}${unless}`, params: { ...a.params, ...recheck, argv: limits.exec[name] } }];
  },
  async execute(ctx, _f, a): Promise<Outcome> {
    const argv = a.params?.argv as string[] | undefined;
    if (!argv?.length) return skip('no command configured');
    const client = ctx.client as { health?: () => Promise<Record<string, unknown>> } | null;
    if (a.params?.recheck === 'paperclip-health' && typeof client?.health === 'function') {
      // An error answer or no answer: still unhealthy, the command runs.
      const now = await client.health().catch(() => null);
      if (now?.status === 'ok') return skip('the server answers healthy again (GET /api/health: ok): not run');
    }
    // argv array, no shell: nothing in a finding or a rule can inject a command.
    return new Promise((resolve) => {
      execFile(argv[0], argv.slice(1), { timeout: 120_000, shell: false }, (err, _stdout, stderr) => {
        resolve(err ? fail(`${argv[0]} failed: ${(err as NodeJS.ErrnoException).code ?? err.message} ${String(stderr).slice(0, 200)}`) : ok(`${argv[0]} exited 0`));
      });
    });
  },
};
