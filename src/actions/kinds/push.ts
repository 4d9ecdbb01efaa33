// push: push the scanned branch to its upstream (git/unpushed-commits, off by default), re-read live first;
// never forced, never a leak, never commits the scan did not check.

import { execFile } from 'node:child_process';
import { maskText } from '../../engine/mask.js';
import { pushState } from '../../sources/git.js';
import { pushLeakReason, secretKindsInRange } from '../../sources/git-leaks.js';
import { fail, ok, skip, type ActionKind, type Outcome } from '../kind.js';

/** The `git` of the git source's subject (sources/index.ts): the branch, its upstream and what is not pushed. */
interface UnpushedFacts {
  dir?: unknown;
  branch?: string | null;
  upstream?: string | null;
  ahead?: number;
  commits?: { sha?: unknown; subject?: unknown }[];
  leakKinds?: string[] | null;
}

const PUSH_TIMEOUT_MS = 120_000;

export const push: ActionKind = {
  type: 'push',
  needsPaperclip: false,
  // By repository, branch and the commit pushed: one push must not mark another as done.
  ledgerKey: (_f, p) => ['push', p.repo ?? '', p.branch ?? '', p.head ?? ''].join(':'),
  plan(_f, a, s) {
    // Repository, branch and upstream come from the scan's own read (the git source), never from params a
    // rule or config could supply; the executor re-reads all of it before pushing.
    const g = (s?.facts.source as { git?: UnpushedFacts } | undefined)?.git;
    if (!g || typeof g.dir !== 'string') return [];
    const target = `git:${g.dir}${g.branch ? `@${g.branch}` : ''}`;
    if (!g.branch) return [{ ...a, status: 'skipped', target, detail: 'detached HEAD: no branch to push' }];
    if (!g.upstream) return [{ ...a, status: 'skipped', target, detail: `no upstream: set one with git push -u <remote> ${g.branch}` }];
    // The action refuses to push a leak; the git source read the same commits, so the plan says so already.
    const leaks = Array.isArray(g.leakKinds) ? g.leakKinds : [];
    if (leaks.length) return [{ ...a, status: 'skipped', target, detail: pushLeakReason(leaks) }];
    const head = g.commits?.[0]?.sha;
    return [{ ...a, target, detail: `push ${g.ahead} commit(s) of ${g.branch} to ${g.upstream} (never forced)`, params: { repo: g.dir, branch: g.branch, upstream: g.upstream, head: typeof head === 'string' ? head : null } }];
  },
  /**
   * One explicit refspec, `<commit>:<upstream ref>`, with the commit the re-read found (and the scan saw): no
   * `--force`, no `+`, so a remote that moved on rejects it (non-fast-forward) and the push fails, saying so.
   */
  async execute(ctx, _f, a): Promise<Outcome> {
    const p = a.params ?? {};
    const repo = p.repo;
    if (typeof repo !== 'string' || !repo) return skip('no repository to push');
    let s;
    try {
      s = await pushState(repo);
    } catch (e) {
      return fail(`could not read ${repo}: ${(e as Error).message.slice(0, 200)}`);
    }
    if (!s.head) return skip('no commit to push');
    if (!s.branch) return skip('detached HEAD: no branch to push');
    if (typeof p.branch === 'string' && p.branch !== s.branch) return skip(`branch is ${s.branch} now, the scan saw ${p.branch}`);
    if (!s.remote || !s.remoteRef) return skip(`no upstream: set one with git push -u <remote> ${s.branch}`);
    if (s.remote === '.') return skip(`upstream ${s.upstream} is a local branch: no remote to push to`);
    if (s.ahead === 0) return skip(`nothing to push: ${s.branch} is not ahead of ${s.upstream}`);
    if (typeof p.head === 'string' && p.head && p.head !== s.head) return skip(`HEAD moved since the scan (${p.head.slice(0, 10)} -> ${s.head.slice(0, 10)}): not pushing commits it did not check; the next scan will`);
    if (s.remote.startsWith('-') || !s.remoteRef.startsWith('refs/')) return skip(`refusing odd upstream ${s.remote} ${s.remoteRef}`);
    // Never push a leak, whatever rules this scan ran (`--only git` skips the secret rules): the commits about
    // to leave are read and checked here.
    const leaks = await secretKindsInRange(repo, `${s.upstream}..${s.head}`, ctx.secretOptions);
    if (leaks.length) return skip(pushLeakReason(leaks));
    const argv = ['push', '--', s.remote, `${s.head}:${s.remoteRef}`];
    return new Promise((resolve) => {
      // argv array, no shell; never waits for credentials (GIT_TERMINAL_PROMPT=0, stdin closed), bounded in time.
      const child = execFile(
        'git',
        argv,
        { cwd: repo, timeout: PUSH_TIMEOUT_MS, shell: false, windowsHide: true, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' }, maxBuffer: 1024 * 1024 },
        (err, _stdout, stderr) => {
          if (!err) return resolve(ok(`pushed ${s.ahead} commit(s) of ${s.branch} to ${s.upstream} (${s.head!.slice(0, 10)})`));
          if (err.killed) return resolve(fail(`git push timed out after ${PUSH_TIMEOUT_MS / 1000} s`));
          // git's own message (a rejected non-fast-forward push says why); credentials in a URL are cut.
          const why = String(stderr).replace(/([a-z][\w+.-]*:\/\/)[^/@\s]+@/gi, '$1***@').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('hint:')).slice(-6).join(' | ').slice(0, 600);
          resolve(fail(maskText(`git push ${s.remote} ${s.head!.slice(0, 10)}:${s.remoteRef} failed: ${why || (err as NodeJS.ErrnoException).code || err.message}`)));
        },
      );
      child.stdin?.end();
    });
  },
};
