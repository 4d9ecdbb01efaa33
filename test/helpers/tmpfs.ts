// Real file-system faults for tests: a command run in its own mount namespace (`unshare -m`) with a tiny tmpfs
// mounted over a directory, so a full disk (ENOSPC) or a read-only file system (EROFS) is the kernel's, not a
// mock's. The mount exists only in that namespace: it disappears with the command, whatever happens to the test.
// Needs root (CAP_SYS_ADMIN); where that is missing the tests that use it are skipped, and say so.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let can: boolean | null = null;

/** Can this process mount a tmpfs in a private mount namespace (root in a container that allows it)? */
export function canMountTmpfs(): boolean {
  if (can !== null) return can;
  const dir = mkdtempSync(join(tmpdir(), 'clipguard-mnt-'));
  const r = spawnSync('unshare', ['-m', 'sh', '-c', `mount -t tmpfs -o size=64k tmpfs "${dir}" && mount -o remount,ro "${dir}"`], { encoding: 'utf8' });
  can = r.status === 0;
  return can;
}

export type Fault = 'full' | 'read-only';

/**
 * Shell lines that mount a tmpfs of `sizeKb` on `dir` and make it full (a filler file takes every free byte)
 * or read-only, after `prepare` (shell run on the fresh, writable mount: seed files there).
 */
export function faultSetup(dir: string, fault: Fault | null, sizeKb = 64, prepare = ''): string {
  return [
    'set -e',
    `mkdir -p "${dir}"`,
    `mount -t tmpfs -o size=${sizeKb}k,mode=0700 tmpfs "${dir}"`,
    prepare,
    fault === 'full' ? `dd if=/dev/zero of="${dir}/.filler" bs=1k 2>/dev/null || true` : '',
    fault === 'read-only' ? `mount -o remount,ro "${dir}"` : '',
  ]
    .filter(Boolean)
    .join('\n');
}

/**
 * Run `argv` in a private mount namespace after `setup`; its exit code is the result. `after`: shell run once
 * it ended, still inside the namespace (to look at the tmpfs before it goes), its output on stderr after a
 * line `--after--`.
 */
export function runInMountNs(setup: string, argv: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; after?: string } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const quoted = argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const run = opts.after ? `set +e\n${quoted}\nrc=$?\necho --after-- >&2\n(${opts.after}) >&2\nexit $rc` : `exec ${quoted}`;
  const child = spawn('unshare', ['-m', 'sh', '-c', `${setup}\n${run}`], { env: opts.env ?? process.env, cwd: opts.cwd });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, stdout: out, stderr: err })));
}
