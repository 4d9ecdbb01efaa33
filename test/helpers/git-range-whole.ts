// The commit-range reader as it was before streaming (clipguard 8fa34c9, src/sources/git.ts): the whole range
// read into strings by three git passes, then parsed. Kept verbatim (its staged-diff, blob and branch
// parts left out) as the oracle of the stream's equivalence property (test/unit/git-stream.test.ts):
// on ranges this reader handles, the stream must read the same commits, lines, blobs and skips.
/* eslint-disable */
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';

interface DiffLine {
  /** 1-based line number in the new version of the file. */
  line: number;
  text: string;
}

interface DiffFile {
  /** Path in the new version (after a rename), relative to the repository root. */
  path: string;
  lines: DiffLine[];
  /** The commit that added these lines (commit ranges only). */
  commit?: string;
}

type SkipReason = 'symlink' | 'submodule';

/**
 * A file whose staged (or committed) blob is read whole instead of as patch lines: git calls it binary
 * (a NUL byte, UTF-16) or it is over the size limit. See blob-secrets.ts for how its bytes are scanned.
 */
interface BlobFile {
  path: string;
  /** The new blob's id. */
  blob: string;
  /** The previous blob's id when the file existed before (keys already in it are not new). */
  base?: string;
  why: 'binary' | 'too large' | 'unknown size';
  commit?: string;
}

interface SkippedFile {
  path: string;
  reason: SkipReason;
  commit?: string;
}

interface StagedDiff {
  files: DiffFile[];
  /** Binary and large files: read from their blob, not from the patch. */
  blobs: BlobFile[];
  skipped: SkippedFile[];
}

interface CommitInfo {
  sha: string;
  subject: string;
  message: string;
  /** "Name <email>" */
  author: string;
  /** Author date, ISO 8601 */
  date: string;
}

export interface CommitRange {
  commits: CommitInfo[];
  files: DiffFile[];
  blobs: BlobFile[];
  skipped: SkippedFile[];
}

interface UnpushedCommits {
  /** Current branch, or null on a detached HEAD. */
  branch: string | null;
  upstream: string | null;
  ahead: number;
  commits: CommitInfo[];
}

interface DiffReadOptions {
  /** Files whose new blob is larger are read as blobs, not as patch lines (default 2 MiB). */
  maxFileBytes?: number;
}

const DEFAULT_MAX_FILE_BYTES = 2 * 1024 * 1024;

// Flags that make the output independent of the user's git config: no colour, no external diff or
// textconv driver, fixed a/ b/ prefixes (diff.noprefix and diff.mnemonicPrefix change them), full blob ids.
const DIFF_FLAGS = ['--no-color', '--no-ext-diff', '--no-textconv', '--find-renames', '--full-index', '--no-abbrev', '--src-prefix=a/', '--dst-prefix=b/'];

// log.showSignature=true would print gpg output into the formatted log.
const LOG_FLAGS = ['--no-show-signature'];

/** What this module asks of git: run it with arguments (and optional stdin), get its stdout. */
interface Git {
  raw(args: string[]): Promise<string>;
}

// git is run directly (child_process), not through simple-git: this module is on the path of
// `clipguard precommit`, which runs on every commit, and simple-git with its dependencies costs ~50 ms
// to load. The contract is simple-git's `raw()`: stdout untrimmed; a rejection only when git exits
// non-zero AND wrote to stderr (`rev-parse --verify -q` exits 1 silently); the error message is git's
// output.
function git(repoDir: string, input?: string): Git {
  return {
    raw: (args) =>
      new Promise((resolvePromise, reject) => {
        // core.quotePath=false: non-ASCII paths arrive as UTF-8, not octal escapes.
        const child = spawn('git', ['-c', 'core.quotePath=false', '-c', 'color.ui=false', ...args], { cwd: repoDir, windowsHide: true, stdio: ['pipe', 'pipe', 'pipe'] });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout.on('data', (b: Buffer) => out.push(b));
        child.stderr.on('data', (b: Buffer) => err.push(b));
        child.on('error', reject);
        child.on('close', (code) => {
          const stdout = Buffer.concat(out).toString('utf8');
          if (code && err.length) reject(new Error(`${stdout}${Buffer.concat(err).toString('utf8')}`));
          else resolvePromise(stdout);
        });
        child.stdin.on('error', () => {}); // git may exit before reading all of stdin
        child.stdin.end(input ?? '');
      }),
  };
}

// ---------------------------------------------------------------------------------------------------
// Raw entries (`--raw -z`)

interface RawEntry {
  srcMode: string;
  dstMode: string;
  srcSha: string;
  dstSha: string;
  status: string; // A M D R C T U (R and C with a score)
  srcPath: string;
  path: string;
  commit?: string;
}

/**
 * Parse `--raw -z` output, optionally interleaved with `${marker}<sha>` commit lines (git log). Paths are
 * read as the NUL-separated fields following each entry, so any byte in a path is fine.
 */
function parseRaw(out: string, marker?: string): RawEntry[] {
  const fields = out.split('\0');
  const entries: RawEntry[] = [];
  let commit: string | undefined;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i].replace(/^\n+/, '');
    if (marker && f.startsWith(marker)) {
      commit = f.slice(marker.length).trim();
      continue;
    }
    if (!f.startsWith(':')) continue; // the empty field that ends the output
    const [srcMode, dstMode, srcSha, dstSha, status] = f.slice(1).split(' ');
    const two = status.startsWith('R') || status.startsWith('C');
    const srcPath = fields[++i];
    const path = two ? fields[++i] : srcPath;
    entries.push({ srcMode, dstMode, srcSha, dstSha, status: status[0], srcPath, path, commit });
  }
  return entries;
}

/** Blob sizes in one `git cat-file --batch-check` process (one per file would be slow on big commits). */
async function blobSizes(repoDir: string, shas: string[]): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  const unique = [...new Set(shas)].filter(realSha);
  if (!unique.length) return sizes;
  const out = await git(repoDir, unique.join('\n') + '\n').raw(['cat-file', '--batch-check=%(objectname) %(objectsize)']);
  for (const line of out.split('\n')) {
    const [sha, size] = line.split(' ');
    if (sha && size && /^\d+$/.test(size)) sizes.set(sha, Number(size));
  }
  return sizes;
}

/** A blob id that names content (not the all-zero id of a side that does not exist). */
function realSha(sha: string): boolean {
  return /^[0-9a-f]{40,64}$/.test(sha) && !/^0+$/.test(sha);
}

/** The whole-blob read of an entry (the old blob only where the file existed under a regular mode). */
function blobFile(e: RawEntry, why: BlobFile['why']): BlobFile {
  const base = e.status !== 'A' && realSha(e.srcSha) && /^100/.test(e.srcMode) ? { base: e.srcSha } : {};
  return { path: e.path, blob: e.dstSha, why, ...base, ...(e.commit ? { commit: e.commit } : {}) };
}

/**
 * What to take out of the patch before asking git for content: deleted files are ignored, links and
 * submodules skipped, files over the size limit (or whose size git could not tell: a missing object) read
 * as whole blobs.
 */
function triage(entries: RawEntry[], sizes: Map<string, number>, max: number): { keep: RawEntry[]; blobs: BlobFile[]; skipped: SkippedFile[] } {
  const keep: RawEntry[] = [];
  const blobs: BlobFile[] = [];
  const skipped: SkippedFile[] = [];
  for (const e of entries) {
    if (e.status === 'D' || e.status === 'U') continue;
    const at = e.commit ? { commit: e.commit } : {};
    const size = sizes.get(e.dstSha);
    if (e.dstMode === '120000') skipped.push({ path: e.path, reason: 'symlink', ...at });
    else if (e.dstMode === '160000') skipped.push({ path: e.path, reason: 'submodule', ...at });
    else if (size === undefined) blobs.push(blobFile(e, 'unknown size'));
    else if (size > max) blobs.push(blobFile(e, 'too large'));
    else keep.push(e);
  }
  return { keep, blobs, skipped };
}

/** Pathspecs that keep whole-blob files out of the patch (their content is never produced there). */
function excludes(blobs: BlobFile[], entries: RawEntry[]): string[] {
  const out = new Set(blobs.map((b) => b.path));
  if (!out.size) return [];
  const paths = new Set<string>();
  for (const e of entries) if (out.has(e.path)) paths.add(e.path).add(e.srcPath);
  return ['--', ...[...paths].map((p) => `:(exclude,literal,top)${p}`)];
}

// ---------------------------------------------------------------------------------------------------
// Patches (`-p --unified=0`)

interface PatchFile {
  commit?: string;
  path: string | null;
  binary: boolean;
  lines: DiffLine[];
}

/** Undo git's C-style quoting of a path ("a\tb", "\303\274.txt"). */
function unquote(s: string): string {
  if (!s.startsWith('"') || !s.endsWith('"')) return s;
  const bytes: number[] = [];
  const body = s.slice(1, -1);
  const esc: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, '\\': 92 };
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\') {
      bytes.push(...Buffer.from(c, 'utf8'));
      continue;
    }
    const d = body[++i];
    if (/[0-7]/.test(d)) {
      bytes.push(parseInt(body.slice(i, i + 3), 8));
      i += 2;
    } else bytes.push(esc[d] ?? d.charCodeAt(0));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The path after a/ or b/ in a ---/+++ line (git appends a tab to names containing spaces). */
function sidePath(rest: string, prefix: string): string | null {
  const p = unquote(rest.replace(/\t$/, ''));
  if (p === '/dev/null') return null;
  return p.startsWith(prefix) ? p.slice(prefix.length) : p;
}

/** `diff --git a/X b/X` when no other header names the file (binary or mode-only changes). */
function pathFromDiffLine(rest: string): string | null {
  if (rest.startsWith('"')) {
    const m = /^("(?:[^"\\]|\\.)*") ("(?:[^"\\]|\\.)*"|\S.*)$/.exec(rest);
    return m ? sidePath(m[2], 'b/') : null;
  }
  // Unquoted: "a/" + X + " b/" + X, so X is half of what remains.
  const n = rest.length;
  if ((n - 5) % 2 === 0) {
    const x = rest.slice(2, 2 + (n - 5) / 2);
    if (rest === `a/${x} b/${x}`) return x;
  }
  return null;
}

export function parsePatch(out: string, marker?: string): PatchFile[] {
  const files: PatchFile[] = [];
  let commit: string | undefined;
  let cur: PatchFile | null = null;
  let adds = 0;
  let dels = 0;
  let next = 0; // next new-file line number
  const lines = out.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (adds > 0 || dels > 0) {
      // Inside a hunk: exactly `adds` '+' lines and `dels` '-' lines, whatever they contain.
      const c = line[0];
      if (c === '+') {
        cur!.lines.push({ line: next++, text: line.slice(1).replace(/\r$/, '') });
        adds--;
      } else if (c === '-') dels--;
      else if (c === ' ') next++;
      continue; // '\ No newline at end of file'
    }
    if (marker && line.startsWith(marker)) {
      commit = line.slice(marker.length).trim();
      cur = null;
    } else if (line.startsWith('diff --git ')) {
      cur = { commit, path: pathFromDiffLine(line.slice(11)), binary: false, lines: [] };
      files.push(cur);
    } else if (!cur) {
      continue;
    } else if (line.startsWith('@@ ')) {
      const m = /^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(line);
      if (!m) continue;
      dels = m[1] === undefined ? 1 : Number(m[1]);
      next = Number(m[2]);
      adds = m[3] === undefined ? 1 : Number(m[3]);
    } else if (cur.lines.length === 0) {
      // Extended header lines (only before the first hunk).
      if (line.startsWith('+++ ')) cur.path = sidePath(line.slice(4), 'b/');
      else if (line.startsWith('rename to ') || line.startsWith('copy to ')) cur.path = unquote(line.slice(line.indexOf(' to ') + 4));
      else if (line.startsWith('deleted file mode')) cur.path = null;
      else if (line.startsWith('Binary files ') || line === 'GIT binary patch') cur.binary = true;
    }
  }
  return files;
}

/** Join patch sections to the kept raw entries by (commit, path); binary sections are read as blobs. */
function assemble(patches: PatchFile[], keep: RawEntry[]): { files: DiffFile[]; blobs: BlobFile[] } {
  const wanted = new Map(keep.map((e) => [`${e.commit ?? ''}\0${e.path}`, e]));
  const files: DiffFile[] = [];
  const blobs: BlobFile[] = [];
  for (const p of patches) {
    const e = p.path === null ? undefined : wanted.get(`${p.commit ?? ''}\0${p.path}`);
    if (!e || p.path === null) continue;
    if (p.binary) blobs.push(blobFile(e, 'binary'));
    else if (p.lines.length) files.push({ path: p.path, lines: p.lines, ...(p.commit ? { commit: p.commit } : {}) });
  }
  return { files, blobs };
}

// ---------------------------------------------------------------------------------------------------
const RANGE_OPTIONS = /^--(?:not|all|branches|remotes|tags)(?:=[\w./*-]+)?$/;

/**
 * A revision range as git arguments. Ranges come from the command line (`--git-range`), so anything
 * that could be an option other than the rev-list selectors above is refused: `--output=<file>` would
 * make git write a file.
 */
function rangeArgs(range: string): string[] {
  const args = range.trim().split(/\s+/).filter(Boolean);
  if (!args.length) throw new Error('empty git range');
  for (const a of args) {
    if (a.startsWith('-') ? !RANGE_OPTIONS.test(a) : /[\0\n]/.test(a)) throw new Error(`invalid git range argument: ${JSON.stringify(a)}`);
  }
  return args;
}

async function listCommits(g: Git, args: string[]): Promise<CommitInfo[]> {
  const marker = `@clipguard-${randomBytes(8).toString('hex')}@`;
  const out = await g.raw(['log', ...LOG_FLAGS, `--format=${marker}%H%x00%an <%ae>%x00%aI%x00%B%x00`, ...args, '--']);
  const commits: CommitInfo[] = [];
  for (const record of out.split(marker).slice(1)) {
    const [sha, author, date, body] = record.split('\0');
    const message = (body ?? '').replace(/\n+$/, '');
    commits.push({ sha, subject: message.split('\n')[0] ?? '', message, author, date });
  }
  return commits;
}

/** Commits of `range` (e.g. "origin/main..HEAD", oldest first) and the lines each of them added. */
export async function readCommitRange(repoDir: string, range: string, options: DiffReadOptions = {}): Promise<CommitRange> {
  const max = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const args = rangeArgs(range);
  const g = git(repoDir);
  const commits = (await listCommits(g, args)).reverse();
  if (!commits.length) return { commits, files: [], blobs: [], skipped: [] };
  // Each commit's own diff (not a..b as one diff): a key added in one commit and removed in the next is
  // still in the history that would be pushed. Merge commits show no diff here; their parents' commits do.
  const marker = `@clipguard-${randomBytes(8).toString('hex')}@`;
  const entries = parseRaw(await g.raw(['log', ...LOG_FLAGS, '--reverse', `--format=${marker}%H`, '--raw', '-z', ...DIFF_FLAGS, ...args, '--']), marker);
  const sizes = await blobSizes(repoDir, entries.map((e) => e.dstSha));
  const triaged = triage(entries, sizes, max);
  const { blobs, skipped } = triaged;
  // The pathspec that keeps a large file out of the patch holds for every commit of the range: the same
  // path in another commit, small there, is read as a blob too (or it would be read by nobody).
  const whole = new Set(blobs.map((b) => b.path));
  const keep: RawEntry[] = [];
  for (const e of triaged.keep) {
    if (whole.has(e.path) || whole.has(e.srcPath)) blobs.push(blobFile(e, 'too large'));
    else keep.push(e);
  }
  if (!keep.length) return { commits, files: [], blobs, skipped };
  const ex = excludes(blobs, entries);
  const patch = await g.raw(['log', ...LOG_FLAGS, '--reverse', `--format=${marker}%H`, '-p', '--unified=0', ...DIFF_FLAGS, ...args, ...(ex.length ? ex : ['--'])]);
  const read = assemble(parsePatch(patch, marker), keep);
  return { commits, files: read.files, blobs: [...blobs, ...read.blobs], skipped };
}

