// The state directory must take writes before clipguard acts: every action is recorded (an intent before it,
// the outcome after) and remembered in the ledger, so an action that cannot be recorded is not taken. What
// stops the executor here (a state dir that cannot be written, a state lock another process took over) becomes
// a finding, so the report and the exit code say so, never a stack trace.

import { spawnSync } from 'node:child_process';
import { hash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, lstatSync, mkdirSync, openSync, statSync, unlinkSync, writeSync, constants } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { gitRoot } from '../util/git-root.js';
import type { Finding } from '../types.js';
import { UserFileError } from '../util/json-file.js';

export interface StateProblem {
  kind: 'state-dir-unwritable' | 'state-lock-lost';
  /** The file or directory that failed (or the lock). */
  path: string;
  /** errno code (ENOSPC, EROFS, EACCES, ...) when a write failed. */
  code?: string;
  message: string;
}

/** "ENOSPC: no space left on device" from a Node fs error, without the call and path Node appends. */
export function fsErrorText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (!err?.code) return String(err?.message ?? e);
  const what = err.message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '').replace(/, \w+$/, '');
  return `${err.code}: ${what}`;
}

export function writeProblem(path: string, e: unknown, doing: string): StateProblem {
  const code = (e as NodeJS.ErrnoException)?.code;
  return { kind: 'state-dir-unwritable', path, code, message: `${doing} ${path} failed (${fsErrorText(e)})` };
}

/**
 * A state directory that is a symbolic link is refused: the default `.clipguard` sits in the checkout, and a
 * checkout can plant `.clipguard -> ~/.ssh` to have the lock, the ledger and the audit log written there. Null
 * when the path is not a link (or does not exist yet).
 */
export function symlinkedStateDir(stateDir: string): string | null {
  const isLink = (p: string): boolean => {
    try {
      return lstatSync(p).isSymbolicLink();
    } catch {
      return false;
    }
  };
  if (isLink(stateDir)) return `the state directory ${stateDir} is a symbolic link (a checkout can plant one to have clipguard write elsewhere): give a real directory with --state-dir or CLIPGUARD_STATE_DIR`;
  // The same trick one level down: a real `.clipguard/` holding `audit.jsonl -> ~/.bashrc`.
  const link = STATE_FILES.find((name) => isLink(join(stateDir, name)));
  if (link) return `${join(stateDir, link)} is a symbolic link (a checkout can plant one to have clipguard write elsewhere): remove it, or give another state directory with --state-dir or CLIPGUARD_STATE_DIR`;
  return foreignStateDir(stateDir);
}

/**
 * A state directory another local user owns, or can write in, is refused as well: run in a shared folder (`/tmp`),
 * the default `.clipguard` there may be theirs, and its ledger would decide what clipguard does (a `partial`
 * entry is completed with a checkout by `scan --apply`), its audit log be read by them.
 */
function foreignStateDir(stateDir: string): string | null {
  const uid = process.getuid?.();
  if (uid === undefined) return null;
  let st;
  try {
    st = statSync(stateDir); // the directory a link names (a link's own mode is 0777; links are refused above)
  } catch {
    return null;
  }
  const fix = 'give a state directory of your own with --state-dir or CLIPGUARD_STATE_DIR';
  if (st.uid !== uid && st.uid !== 0) return `the state directory ${stateDir} is owned by uid ${st.uid}, not you (uid ${uid}): another user's state would decide what clipguard does; ${fix}`;
  if (st.mode & 0o002) return `every user can write in the state directory ${stateDir}: another user could plant what clipguard reads there; chmod 700 it, or ${fix}`;
  return null;
}

/**
 * A state directory whose files git tracks came with the checkout, and a checkout must not decide what
 * clipguard does: a committed `ledger.json` says actions are "already done" (and future-dated entries never
 * expire), claims pauses as clipguard's, records session resets that keep ops/agent-looping quiet; a committed
 * `KILL` stops every action; kept reads in `paperclip/` stand in for the server. Throws (exit 2) naming the
 * files and the fix; returns when git tracks nothing there (also: no such directory, not in a git work tree).
 * A checkout that brings one untracked (a tarball) cannot be told from the user's own state: README, Trust model.
 */
export function refuseTrackedStateDir(stateDir: string): void {
  const dir = resolve(stateDir);
  // Nor one another local user owns or can write in (foreignStateDir): the same state, planted from outside.
  const foreign = foreignStateDir(dir);
  if (foreign) throw new UserFileError(dir, foreign);
  if (!existsSync(dir) || !insideWorkTree(dir)) return;
  // Git finds the repository from the state dir itself: a `.clipguard` that is a submodule is its own repository,
  // whose files count too. The variables a hook sets (GIT_DIR, GIT_INDEX_FILE) would point it elsewhere.
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_OPTIONAL_LOCKS: '0' };
  for (const k of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_PREFIX', 'GIT_COMMON_DIR']) delete env[k];
  const r = spawnSync('git', ['-c', 'core.quotePath=false', 'ls-files', '-z', '--', '.'], { cwd: dir, env, encoding: 'utf8', windowsHide: true, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  const fix = `give a state directory outside the checkout with --state-dir or CLIPGUARD_STATE_DIR`;
  if (r.error || r.status !== 0) {
    const why = r.error ? fsErrorText(r.error) : (r.stderr.trim().split('\n').pop() ?? `git exited ${r.status}`);
    // A `.git` above that is not a repository, or a link to a directory outside any: git tracks nothing there.
    if (/not a git repository/.test(why)) return;
    throw new UserFileError(dir, `could not ask git whether the checkout carries this state directory (${why}); clipguard reads no state a checkout could have written: ${fix}`);
  }
  const files = r.stdout.split('\0').filter(Boolean);
  if (!files.length) return;
  const shown = files.slice(0, 5).join(', ') + (files.length > 5 ? ` and ${files.length - 5} more` : '');
  const rel = relative(process.cwd(), dir) || '.';
  throw new UserFileError(
    dir,
    `git tracks files in this state directory (${shown}): state that comes with the checkout would decide what clipguard does (actions "already done", pauses claimed as its own, a kill switch), so clipguard refuses it. If it is yours, untrack it: git rm -r --cached -- ${rel} and add ${rel}/ to .gitignore (clipguard init does); or ${fix}`,
  );
}

/**
 * Is `dir` in a git work tree: is there a `.git` (directory or file) on the way up? Not inside a `.git`
 * directory itself (a state dir kept there): git tracks nothing in it, and `ls-files` run there lists the repository.
 */
function insideWorkTree(dir: string): boolean {
  const top = gitRoot(dir);
  return top !== null && relative(top, dir).split(sep)[0] !== '.git';
}

/** What clipguard writes in a state directory (and `KILL`, which it only reads). */
const STATE_FILES = ['audit.jsonl', 'ledger.json', 'state.json', 'state.lock', 'paperclip', 'runs', 'KILL'];

/** Room a probe write asks for: a ledger and a few audit lines fit in it. */
const PROBE_BYTES = 16 * 1024;

/**
 * Can the state directory take writes? Creates it (0700), writes, fsyncs and removes a probe file. Null when
 * it can; else the problem (read-only file system, full disk, no permission, a file in the way).
 */
export function probeStateDir(stateDir: string): StateProblem | null {
  const link = symlinkedStateDir(stateDir);
  if (link) return { kind: 'state-dir-unwritable', path: stateDir, code: 'ELOOP', message: link };
  try {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  } catch (e) {
    return writeProblem(stateDir, e, 'creating the state directory');
  }
  const probe = join(stateDir, `.probe-${process.pid}-${randomBytes(4).toString('hex')}`);
  let fd: number | null = null;
  try {
    fd = openSync(probe, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    writeSync(fd, Buffer.alloc(PROBE_BYTES, 0x20));
    fsyncSync(fd);
    return null;
  } catch (e) {
    return writeProblem(stateDir, e, 'writing to the state directory');
  } finally {
    if (fd !== null) closeSync(fd);
    try {
      unlinkSync(probe);
    } catch {
      /* never created */
    }
  }
}

/** The finding that reports a problem: critical, like an unreadable Paperclip: what was asked was not done. */
export function stateProblemFinding(p: StateProblem, stateDir: string, skipped: number): Finding {
  const unwritable = p.kind === 'state-dir-unwritable';
  const ruleId = unwritable ? 'source/state-dir-unwritable' : 'source/state-lock-lost';
  const left = skipped ? `; ${skipped} action(s) not taken (skipped)` : '';
  return {
    ruleId,
    severity: 'critical',
    title: unwritable ? 'The state directory cannot be written: clipguard did not act' : 'Another clipguard took over the state lock: this one stopped acting',
    message: unwritable
      ? `${p.message}: an action that cannot be recorded in the audit log and the ledger is not taken${left}. Free space or fix the permissions of ${stateDir}, or point --state-dir / CLIPGUARD_STATE_DIR at a writable directory.`
      : `${p.message}${left}. The process that holds the lock now acts instead; see its audit log entries in ${stateDir}/audit.jsonl.`,
    subject: { type: 'source', id: 'state-dir', label: stateDir },
    location: null,
    fingerprint: hash('sha256', `${ruleId}\n${stateDir}`, 'hex').slice(0, 32),
    tags: ['source'],
    actions: [],
    data: { path: p.path, ...(p.code ? { code: p.code } : {}) },
  };
}
