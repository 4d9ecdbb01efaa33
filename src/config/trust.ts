// Trust in a config file. A clipguard.config.json comes with the checkout, so whoever wrote the checkout
// wrote it: until the user trusts that exact file, the keys that act, run commands, choose where the API
// key goes or where clipguard writes are not honoured (config/load.ts decides which). Trust is kept outside
// any repository, per file (its real path) and per content (the sha256 of its bytes): moving or changing one
// byte of the file loses it, as with direnv's `allow` and mise's `trust`.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writePrivateFileAtomic } from '../util/private-file.js';
import { UserFileError } from '../util/json-file.js';

export interface TrustEntry {
  /** Real path of the config file (symlinks resolved). */
  path: string;
  /** sha256 (hex) of its exact bytes when it was trusted. */
  sha256: string;
  trustedAt: string;
}

/** CI pins a config by its hash instead of keeping a trust store: one or more sha256, comma or space separated. */
export const TRUST_PIN_ENV = 'CLIPGUARD_TRUST_CONFIG_SHA256';

/** `$CLIPGUARD_TRUST_FILE`, else `$XDG_CONFIG_HOME/clipguard/trusted.json`, else `~/.config/clipguard/trusted.json`. */
export function trustStorePath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CLIPGUARD_TRUST_FILE) return env.CLIPGUARD_TRUST_FILE;
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'clipguard', 'trusted.json');
}

export function sha256Of(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The entries of the trust store. No store: none. A store others can write (group or world writable) or
 * that does not parse is refused: a UserFileError, which readers treat as "nothing trusted" (fail closed).
 */
export function readTrustStore(env: NodeJS.ProcessEnv = process.env): TrustEntry[] {
  const file = trustStorePath(env);
  if (!existsSync(file)) return [];
  if (process.platform !== 'win32' && (statSync(file).mode & 0o022) !== 0) {
    throw new UserFileError(file, 'trust store is writable by other users: not used (chmod 600 it, or remove it and trust again)');
  }
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new UserFileError(file, 'trust store is not valid JSON: not used (remove it and trust your config files again)');
  }
  const list = (data as { trusted?: unknown })?.trusted;
  if (!Array.isArray(list)) throw new UserFileError(file, 'trust store has no "trusted" list: not used (remove it and trust again)');
  return list.filter((e): e is TrustEntry => typeof e?.path === 'string' && typeof e?.sha256 === 'string' && typeof e?.trustedAt === 'string');
}

function writeTrustStore(entries: TrustEntry[], env: NodeJS.ProcessEnv): void {
  writePrivateFileAtomic(trustStorePath(env), JSON.stringify({ trusted: entries }, null, 2) + '\n');
}

export type TrustVerdict = { trusted: true; by: 'store' | 'pin' } | { trusted: false; reason: string };

/** The hashes `$CLIPGUARD_TRUST_CONFIG_SHA256` pins (none when unset). */
export function pinnedHashes(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env[TRUST_PIN_ENV] ?? '').toLowerCase().split(/[\s,]+/).filter(Boolean);
}

/** Is the file at `realPath`, whose bytes hash to `sha256`, trusted? */
export function trustOf(realPath: string, sha256: string, env: NodeJS.ProcessEnv = process.env): TrustVerdict {
  if (pinnedHashes(env).includes(sha256)) return { trusted: true, by: 'pin' };
  let entries: TrustEntry[];
  try {
    entries = readTrustStore(env);
  } catch (e) {
    return { trusted: false, reason: (e as Error).message };
  }
  const mine = entries.filter((e) => e.path === realPath);
  if (mine.some((e) => e.sha256 === sha256)) return { trusted: true, by: 'store' };
  return { trusted: false, reason: mine.length ? 'it changed since it was trusted' : 'never trusted' };
}

/** Trust this content of this file (symlinks resolved; any earlier trust of the same file is replaced). */
export function addTrust(path: string, sha256: string, env: NodeJS.ProcessEnv = process.env, now = new Date()): void {
  const realPath = realpathSync(path);
  const entries = readTrustStore(env).filter((e) => e.path !== realPath);
  entries.push({ path: realPath, sha256, trustedAt: now.toISOString() });
  writeTrustStore(entries, env);
}

/** Forget any trust of this file; false when there was none. */
export function revokeTrust(realPath: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const entries = readTrustStore(env);
  const kept = entries.filter((e) => e.path !== realPath);
  if (kept.length === entries.length) return false;
  writeTrustStore(kept, env);
  return true;
}
