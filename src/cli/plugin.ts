// `clipguard plugin install | status | uninstall`: the live guard (src/plugin/) as a Paperclip plugin, installed
// from this very package (a local-path install: the server runs dist/plugin/worker.js in place, no npm).
// Installed plain it reports only (the dry-run); `--apply` switches acting on, per company, in the plugin's config.

import { existsSync, realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { DEFAULT_PAPERCLIP_URL } from '../config/load.js';
import { PLUGIN_KEY, type LiveGuardConfig } from '../plugin/manifest.js';
import { UserFileError } from '../util/json-file.js';
import { oneLine } from '../report/sanitize.js';
import { EXIT } from './output.js';
import { isJsonObject, jsonObjects, type JsonObject } from '../sources/paperclip/json.js';

/** The package root: dist/cli/plugin.js -> ../.. (what the server is given to install). */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export const CANNOT = `What the live guard cannot do: a plugin cannot edit or delete a comment, so a comment is redacted (a
redacted copy, then the original deleted through the REST API at the URL given here) only when the board wrote
it; an agent's comment can be deleted only by that agent: the guard reports it as failed, and rotation is the
remedy (--flag asks for it on the issue). Paperclip's activity log keeps the first 120 characters of every
comment and the old description: no API removes them. Rotate every key it finds.`;

class Api {
  constructor(
    readonly url: string,
    private readonly key: string | undefined,
  ) {}
  async call(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    let r: Response;
    try {
      r = await fetch(`${this.url}/api${path}`, {
        method,
        headers: { accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(this.key ? { authorization: `Bearer ${this.key}` } : {}) },
        body: body !== undefined ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(120_000),
      });
    } catch (e) {
      throw new UserFileError(this.url, `Paperclip does not answer (${(e as Error).message}${(e as { cause?: Error }).cause ? `: ${(e as { cause: Error }).cause.message}` : ''})`);
    }
    const text = await r.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: kept as text for the message
    }
    return { status: r.status, body: parsed };
  }
  async ok(method: string, path: string, body?: unknown): Promise<unknown> {
    const r = await this.call(method, path, body);
    if (r.status >= 300) throw new UserFileError(this.url, `${method} /api${path}: HTTP ${r.status} ${errorOf(r.body)}`);
    return r.body;
  }
}

const errorOf = (b: unknown): string => oneLine(typeof b === 'string' ? b : typeof (b as { error?: unknown })?.error === 'string' ? (b as { error: string }).error : JSON.stringify(b ?? ''), 300);

async function findPlugin(api: Api): Promise<JsonObject | null> {
  const all = await api.ok('GET', '/plugins');
  return jsonObjects(Array.isArray(all) ? all : []).find((p) => p.pluginKey === PLUGIN_KEY) ?? null;
}

async function companyIds(api: Api, given: string[] | undefined): Promise<string[]> {
  if (given?.length) return given;
  const all = await api.ok('GET', '/companies');
  return jsonObjects(Array.isArray(all) ? all : []).map((c) => String(c.id));
}

function apiOf(program: Command, opts: { paperclip?: string; apiKey?: string }): Api {
  const url = (opts.paperclip ?? program.opts().paperclip ?? process.env.PAPERCLIP_API_URL ?? DEFAULT_PAPERCLIP_URL).replace(/\/+$/, '');
  return new Api(url, opts.apiKey ?? process.env.PAPERCLIP_API_KEY ?? undefined);
}

export function registerPlugin(program: Command): void {
  const cmd = program.command('plugin').description('the live guard: clipguard\'s secret rules inside a Paperclip server, acting seconds after a write (install, status, uninstall)');
  cmd
    .command('install')
    .description('install (or upgrade) the live guard shipped in this package into a Paperclip server, and wait until it is ready; dry-run (report only) unless --apply')
    .option('--paperclip <url>', `the server (default $PAPERCLIP_API_URL, else ${DEFAULT_PAPERCLIP_URL})`)
    .option('--api-key <key>', 'a board API key (default $PAPERCLIP_API_KEY; none on a local_trusted server)')
    .option('--apply', 'switch acting on: redact secrets in issues and board-written comments (off: the guard only reports)')
    .option('--flag', 'also post one comment per issue asking for the rotation of the keys found')
    .option('--company <id...>', 'the companies to configure (default: every company of the server)')
    .option('--state-dir <dir>', 'the guard\'s ledger, audit log and lock, on the server\'s machine (default ~/.clipguard/live-guard of the server\'s user)')
    .option('--rest-url <url>', 'the URL the server reaches its own REST API at, for deleting a comment (default: --paperclip)')
    .option('--timeout <seconds>', 'how long to wait for the plugin to be ready', '90')
    .addHelpText('after', `
The server installs this package's directory in place (POST /api/plugins/install {isLocalPath: true}): it must
be readable by the server's user, and the server must allow local-path installs (cloud-managed instances do
not: use \`clipguard watch --live\` there). Installing again upgrades it and rewrites its config: without --apply the
guard goes back to reporting only.

${CANNOT}

Examples:
  clipguard plugin install --paperclip http://127.0.0.1:3100            report only (plugin state, activity)
  clipguard plugin install --paperclip http://127.0.0.1:3100 --apply    act
  clipguard plugin status --paperclip http://127.0.0.1:3100`)
    .action(async (opts) => {
      const api = apiOf(program, opts);
      if (!existsSync(resolve(PACKAGE_ROOT, 'dist/plugin/worker.js')) || !existsSync(resolve(PACKAGE_ROOT, 'dist/plugin/manifest.js'))) {
        throw new UserFileError(PACKAGE_ROOT, 'the plugin is not built (dist/plugin/worker.js): run npm run build');
      }
      const before = await findPlugin(api);
      const root = realpathSync(PACKAGE_ROOT);
      // Installed from this package already: an upgrade (the server re-reads the package in place). Installed
      // from another directory (another checkout or version): that one is removed first (its plugin state and
      // config stay), or the server would keep running the other copy.
      if (before && before.packagePath !== root) await api.ok('DELETE', `/plugins/${before.id}`);
      const upgrade = before && before.packagePath === root;
      let r = upgrade ? await api.call('POST', `/plugins/${before.id}/upgrade`, {}) : await api.call('POST', '/plugins/install', { packageName: root, isLocalPath: true });
      if (upgrade && r.status === 400 && /new capabilities/i.test(errorOf(r.body))) {
        // The server refuses an in-place upgrade that asks for more capabilities (and leaves the old worker
        // stopped): installing anew is the operator's consent, said here with what is asked for.
        process.stderr.write(`clipguard: the new version asks for more capabilities (${oneLine(errorOf(r.body), 300)}); installing it anew\n`);
        await api.ok('DELETE', `/plugins/${before.id}`);
        r = await api.call('POST', '/plugins/install', { packageName: root, isLocalPath: true });
      }
      if (r.status === 403 || (r.status >= 400 && /local/i.test(errorOf(r.body)))) {
        throw new UserFileError(api.url, `the server refuses to install the plugin from a local path (HTTP ${r.status} ${errorOf(r.body)}); run \`PAPERCLIP_API_URL=${api.url} clipguard watch --live\` instead (scheduled scans, and live events to react within a second; no plugin)`);
      }
      if (r.status >= 300) throw new UserFileError(api.url, `${upgrade ? 'upgrading' : 'installing'} the plugin failed: HTTP ${r.status} ${errorOf(r.body)}`);
      const timeoutMs = Math.max(1, Number(opts.timeout) || 90) * 1000;
      const plugin = await waitReady(api, timeoutMs);
      const config: LiveGuardConfig = { apply: opts.apply === true, flag: opts.flag === true, paperclipUrl: (opts.restUrl ?? api.url).replace(/\/+$/, '') };
      if (opts.stateDir) config.stateDir = opts.stateDir;
      const companies = await companyIds(api, opts.company);
      for (const companyId of companies) await api.ok('POST', `/plugins/${plugin.id}/config`, { companyId, configJson: config });
      const mode = config.apply ? `acting (redact${config.flag ? ' + flag' : ''})` : 'dry-run: reports only (plugin install --apply to act)';
      process.stdout.write(
        `clipguard live guard ${plugin.version} ${before ? 'upgraded' : 'installed'} on ${api.url}: ${plugin.status} (plugin ${plugin.id})\n` +
          `${companies.length} compan${companies.length === 1 ? 'y' : 'ies'} configured: ${mode}\n` +
          `events: issue.created, issue.updated, issue.comment.created (secrets); agent.updated, agent.run.failed, agent.run.finished, budget.incident.opened (agents in error, loops, budgets); jobs: compliance-scan, daily-checklist; tool: check-text\n\n${CANNOT}\n`,
      );
      process.exitCode = EXIT.ok;
    });

  cmd
    .command('status')
    .description('is the live guard installed and ready, acting or reporting, and what it found (kinds and places)')
    .option('--paperclip <url>', `the server (default $PAPERCLIP_API_URL, else ${DEFAULT_PAPERCLIP_URL})`)
    .option('--api-key <key>', 'a board API key (default $PAPERCLIP_API_KEY)')
    .option('--json', 'print JSON')
    .action(async (opts) => {
      const api = apiOf(program, opts);
      const plugin = await findPlugin(api);
      if (!plugin) {
        if (opts.json) process.stdout.write(`${JSON.stringify({ installed: false })}\n`);
        else process.stdout.write(`the live guard is not installed on ${api.url} (clipguard plugin install --paperclip ${api.url})\n`);
        process.exitCode = EXIT.findings;
        return;
      }
      const companies = await companyIds(api, undefined);
      const stats = plugin.status === 'ready' ? await api.call('POST', `/plugins/${plugin.id}/data/stats`, { params: {} }) : null;
      const per = [];
      for (const companyId of companies) {
        const cfg = await api.call('GET', `/plugins/${plugin.id}/config?companyId=${encodeURIComponent(companyId)}`);
        const ask = async (key: string) => (plugin.status === 'ready' ? dataOf(await api.call('POST', `/plugins/${plugin.id}/data/${key}`, { companyId, params: { companyId } })) : null);
        per.push({ companyId, config: ((isJsonObject(cfg.body) ? cfg.body.configJson : undefined) ?? {}) as LiveGuardConfig, findings: (await ask('findings')) ?? {}, ops: await ask('ops'), compliance: await ask('compliance') });
      }
      const out = { installed: true, id: plugin.id, version: plugin.version, status: plugin.status, lastError: plugin.lastError ?? null, stats: dataOf(stats), companies: per };
      if (opts.json) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      else {
        process.stdout.write(`clipguard live guard ${oneLine(String(plugin.version), 40)} on ${api.url}: ${oneLine(String(plugin.status), 40)}${plugin.lastError ? ` (${oneLine(String(plugin.lastError), 200)})` : ''}\n`);
        const s = out.stats as { events?: number; guarded?: number; acted?: number; errors?: number; lastError?: string | null } | null;
        if (s) process.stdout.write(`events ${s.events ?? 0}, guarded ${s.guarded ?? 0}, actions applied ${s.acted ?? 0}, errors ${s.errors ?? 0}${s.lastError ? ` (last: ${oneLine(s.lastError, 200)})` : ''}\n`);
        for (const c of per) {
          const issues = Object.values(c.findings as Record<string, { identifier: string; findings: { kind: string; subject: string; actions: { type: string; status: string }[] }[] }>);
          // A company created after the last install has no config: secrets reported only, agents and budgets not
          // checked (no REST URL) until an install names it.
          const unset = !c.config.paperclipUrl && c.config.apply === undefined;
          process.stdout.write(`company ${oneLine(String(c.companyId), 80)}: ${c.config.apply ? 'acting' : unset ? 'not configured: secrets reported only, agents and budgets not checked (clipguard plugin install --company <id> [--apply])' : 'dry-run (reports only)'}, ${issues.length} issue(s) with open findings\n`);
          // The plugin's state is the server's to answer: one line each, no control characters.
          for (const i of issues) for (const f of i.findings) process.stdout.write(`  ${oneLine(`${i.identifier} ${f.subject.split(':')[0]}: ${f.kind}; ${f.actions.map((a) => `${a.type} ${a.status}`).join(', ') || 'no action'}`)}\n`);
          const ops = c.ops as { rules?: Record<string, { findings: { subject: string; actions: { type: string; status: string }[] }[] }>; unavailable?: string | null } | null;
          if (ops?.unavailable) process.stdout.write(`  agents and budgets: not checked (${oneLine(ops.unavailable, 200)})\n`);
          for (const [rule, r] of Object.entries(ops?.rules ?? {})) for (const f of r.findings) process.stdout.write(`  ${oneLine(`${rule} ${f.subject}: ${f.actions.map((a) => `${a.type} ${a.status}`).join(', ') || 'no action'}`)}\n`);
          const comp = c.compliance as { at?: string; mode?: string; total?: number; bySeverity?: Record<string, number> } | null;
          if (comp?.at) process.stdout.write(`  ${oneLine(`compliance scan ${comp.at} (${comp.mode}): ${comp.total} finding(s) ${JSON.stringify(comp.bySeverity ?? {})}`)}\n`);
        }
      }
      process.exitCode = plugin.status === 'ready' ? EXIT.ok : EXIT.findings;
    });

  cmd
    .command('uninstall')
    .description('remove the live guard from a Paperclip server (its ledger and audit log on the server\'s machine stay)')
    .option('--paperclip <url>', `the server (default $PAPERCLIP_API_URL, else ${DEFAULT_PAPERCLIP_URL})`)
    .option('--api-key <key>', 'a board API key (default $PAPERCLIP_API_KEY)')
    .option('--purge', 'also delete its plugin state and config on the server')
    .action(async (opts) => {
      const api = apiOf(program, opts);
      const plugin = await findPlugin(api);
      if (!plugin) {
        process.stdout.write(`the live guard is not installed on ${api.url}\n`);
        process.exitCode = EXIT.ok;
        return;
      }
      await api.ok('DELETE', `/plugins/${plugin.id}${opts.purge ? '?purge=true' : ''}`);
      process.stdout.write(`clipguard live guard uninstalled from ${api.url}${opts.purge ? ' (state and config purged)' : ''}\n`);
      process.exitCode = EXIT.ok;
    });
}

/** A bridge answer: the worker's value, under `data` on this server. */
function dataOf(r: { status: number; body: unknown } | null): unknown {
  if (!r || r.status >= 300) return null;
  return isJsonObject(r.body) && 'data' in r.body ? r.body.data : r.body;
}

async function waitReady(api: Api, timeoutMs: number): Promise<JsonObject> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const p = await findPlugin(api);
    if (p?.status === 'ready') return p;
    if (p?.status === 'error') throw new UserFileError(api.url, `the plugin is in error${p.lastError ? `: ${oneLine(String(p.lastError), 300)}` : ''}`);
    // A new version asking for more capabilities waits for the operator's approval (the server's plugin page).
    if (p?.status === 'upgrade_pending') throw new UserFileError(api.url, 'the new version asks for more capabilities: approve the upgrade on the server\'s plugin page, then run this again');
    if (Date.now() > until) throw new UserFileError(api.url, `the plugin was not ready after ${Math.round(timeoutMs / 1000)} s (status ${p?.status ?? 'unknown'})`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
