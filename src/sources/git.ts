// The git source: added lines of the staged change and of commit ranges, and the unpushed commits of the
// current branch. Read with the git CLI from git's object database; the one exception, a staged new file
// whose work-tree copy hashes to its staged blob id (workTreeBlobs), is read from there, which opens only
// regular files inside the repository (no symbolic link followed, in the file's name or its directories).
//
// Parsing strategy: the raw entries (`--raw`) give every changed path with its modes and blob ids, which
// decide what to skip (symlinks, submodules) and what to read whole (files over the size limit); the
// `--unified=0` patch is parsed by counting hunk lines, so an added line that itself reads "diff --git" or
// "+++ b/x" cannot derail the parser. The staged diff is small and read whole (`--raw -z`, then the patch
// without the whole-blob files); a commit range can be any size and is read as a stream (see
// streamCommitRange below).

import { createHash, randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { isAscii } from 'node:buffer';
import { closeSync, constants, fstatSync, openSync, readSync, realpathSync } from 'node:fs';

export interface DiffLine {
  /** 1-based line number in the new version of the file. */
  line: number;
  text: string;
}

export interface DiffFile {
  /** Path in the new version (after a rename), relative to the repository root. */
  path: string;
  lines: DiffLine[];
  /** The commit that added these lines (commit ranges only). */
  commit?: string;
}

/** A run of added lines with consecutive line numbers: the first one's number and the lines joined by '\n'. */
export interface AddedBlock {
  line: number;
  text: string;
}

/**
 * A staged file's added lines as runs (what the secret detector reads: one call per run, so that a private
 * key's armour and body are seen together). A line per object cost ~100,000 objects on a 200-file commit.
 */
export interface StagedFile {
  path: string;
  blocks: AddedBlock[];
  /** How many lines were added. */
  added: number;
  commit?: string;
}

/** Added lines grouped into runs of consecutive line numbers (the stream's files, read line by line). */
export function blocksOfLines(lines: readonly DiffLine[]): AddedBlock[] {
  const blocks: AddedBlock[] = [];
  let texts: string[] = [];
  let first = 0;
  let last = 0;
  for (const l of lines) {
    if (texts.length && l.line === last + 1) texts.push(l.text);
    else {
      if (texts.length) blocks.push({ line: first, text: texts.join('\n') });
      texts = [l.text];
      first = l.line;
    }
    last = l.line;
  }
  if (texts.length) blocks.push({ line: first, text: texts.join('\n') });
  return blocks;
}

/** The inverse of blocksOfLines (no line holds a '\n'). */
export function linesOfBlocks(blocks: readonly AddedBlock[]): DiffLine[] {
  return blocks.flatMap((b) => b.text.split('\n').map((text, i) => ({ line: b.line + i, text })));
}

export type SkipReason = 'symlink' | 'submodule';

/**
 * A file whose staged (or committed) blob is read whole instead of as patch lines: git calls it binary
 * (a NUL byte, UTF-16) or it is over the size limit. See blob-secrets.ts for how its bytes are scanned.
 */
export interface BlobFile {
  path: string;
  /** The new blob's id. */
  blob: string;
  /** The previous blob's id when the file existed before (keys already in it are not new). */
  base?: string;
  why: 'binary' | 'too large' | 'unknown size';
  commit?: string;
}

export interface SkippedFile {
  path: string;
  reason: SkipReason;
  commit?: string;
}

export interface StagedDiff {
  files: StagedFile[];
  /** Binary and large files: read from their blob, not from the patch. */
  blobs: BlobFile[];
  skipped: SkippedFile[];
}

export interface CommitInfo {
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

export interface UnpushedCommits {
  /** Current branch, or null on a detached HEAD. */
  branch: string | null;
  upstream: string | null;
  ahead: number;
  commits: CommitInfo[];
}

export interface DiffReadOptions {
  /** Files whose new blob is larger are read as blobs, not as patch lines (default 2 MiB). */
  maxFileBytes?: number;
}

/** readStagedDiff's options: how to read (the tests compare the ways; the results are the same). */
export interface StagedReadOptions extends DiffReadOptions {
  /** Every file from the whole patch, as before new files were read from their blobs. */
  viaPatch?: boolean;
  /** false: new files' bytes only from git (cat-file), never from a work-tree copy that hashes to the blob. */
  workTree?: boolean;
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

/** A git process started now whose output is read later, or never (then cancel() ends it). */
interface StartedGit {
  read(): Promise<string>;
  /** The output as bytes (undecoded). */
  readBytes(): Promise<Buffer>;
  cancel(): void;
}

// git is run directly (child_process), not through simple-git: this module is on the path of
// `clipguard precommit`, which runs on every commit, and simple-git with its dependencies costs ~50 ms
// to load. The contract is simple-git's `raw()`: stdout untrimmed; a rejection only when git exits
// non-zero AND wrote to stderr (`rev-parse --verify -q` exits 1 silently); the error message is git's
// output.
function git(repoDir: string, input?: string): Git {
  return { raw: (args) => startGit(repoDir, args, input).read() };
}

/** Output of a git started ahead (startGit) held before anyone asks for it; past this git waits on its pipe. */
const AHEAD_BYTES = 8 * 1024 * 1024;

/**
 * Starts git now. Its output is kept from the start (a child's pipe that nobody reads is closed, its data
 * lost, once the child exits), but only up to AHEAD_BYTES until read() is called: past that the pipe is
 * paused and git waits, so a started git whose output is never wanted costs bounded memory; cancel() ends it.
 */
function startGit(repoDir: string, args: string[], input?: string): StartedGit {
  // core.quotePath=false: non-ASCII paths arrive as UTF-8, not octal escapes.
  const child = spawn('git', ['-c', 'core.quotePath=false', '-c', 'color.ui=false', ...args], { cwd: repoDir, windowsHide: true, stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let held = 0;
  let wanted = false;
  let failed: Error | null = null;
  let closed: { code: number | null } | null = null;
  let settle = () => {};
  child.stdout.on('data', (b: Buffer) => {
    out.push(b);
    held += b.length;
    if (!wanted && held >= AHEAD_BYTES) child.stdout.pause();
  });
  child.stderr.on('data', (b: Buffer) => err.push(b));
  child.on('error', (e) => {
    failed = e;
    settle();
  });
  child.on('close', (code) => {
    closed = { code };
    settle();
  });
  child.stdin.on('error', () => {}); // git may exit before reading all of stdin
  child.stdin.end(input ?? '');
  const readBytes = (): Promise<Buffer> =>
    new Promise((resolvePromise, reject) => {
      wanted = true;
      child.stdout.resume();
      settle = () => {
        if (failed) return reject(failed);
        if (!closed) return;
        const stdout = Buffer.concat(out);
        if (closed.code && err.length) reject(new Error(`${stdout.toString('utf8')}${Buffer.concat(err).toString('utf8')}`));
        else resolvePromise(stdout);
      };
      settle();
    });
  return {
    readBytes,
    read: async () => {
      const bytes = await readBytes();
      // Over V8's string limit (~512 MB) toString throws: a rejection here, not an exception in an event handler.
      return bytes.toString('utf8');
    },
    cancel: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill();
      child.stdout.destroy();
    },
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

export interface PatchFile {
  commit?: string;
  path: string | null;
  binary: boolean;
  lines: DiffLine[];
}

/** A file's section of a whole patch, its added lines as runs (parsePatch). */
export interface PatchBlocks {
  commit?: string;
  path: string | null;
  binary: boolean;
  blocks: AddedBlock[];
  added: number;
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

/**
 * The whole-string patch parser of the staged diff: each file's added lines as runs of consecutive line
 * numbers (equal to blocksOfLines of its lines: test/unit/git-source.test.ts checks it against the
 * line-by-line reader of test/helpers/git-range-whole.ts).
 */
export function parsePatch(out: string, marker?: string): PatchBlocks[] {
  const files: PatchBlocks[] = [];
  let commit: string | undefined;
  let cur: PatchBlocks | null = null;
  let adds = 0;
  let dels = 0;
  let next = 0; // next new-file line number
  // Lines with indexOf, not split('\n'), and each run of '+' lines cut out of the patch as one slice: a
  // 200-file commit is ~100,000 lines, and a string and an object per line were most of precommit's time.
  let runAt = -1; // index of the first '+' of the current run of added lines, or -1
  let runEnd = 0; // end (the newline's index) of its last line
  let runLine = 0; // its first line's number
  let blockNext = -1; // the line number after the last block of `cur`
  const flush = () => {
    if (runAt < 0) return;
    let text = out.slice(runAt + 1, runEnd);
    // Each line without its '+' and without one trailing '\r' (CRLF files), as the line reader had it.
    // (replaceAll of a plain string is a memchr-speed search; the regex only for CRLF text.)
    if (text.includes('\n')) text = text.includes('\r') ? text.replace(/\r?\n\+/g, '\n') : text.replaceAll('\n+', '\n');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    const blocks = cur!.blocks;
    if (blocks.length && blockNext === runLine) blocks[blocks.length - 1].text += '\n' + text;
    else blocks.push({ line: runLine, text });
    blockNext = next;
    runAt = -1;
  };
  for (let pos = 0; pos <= out.length; ) {
    let end = out.indexOf('\n', pos);
    if (end === -1) end = out.length;
    const at = pos;
    pos = end + 1;
    if (adds > 0 || dels > 0) {
      // Inside a hunk: exactly `adds` '+' lines and `dels` '-' lines, whatever they contain.
      const c = out.charCodeAt(at);
      if (c === 43 /* + */) {
        if (runAt < 0) {
          runAt = at;
          runLine = next;
        }
        // This line and the '+' lines after it, in one call (see linesOf).
        runEnd = linesOf(out, at, end, adds, 43);
        pos = runEnd + 1;
        next += lineCount;
        cur!.added += lineCount;
        adds -= lineCount;
        continue;
      }
      flush();
      if (c === 45 /* - */) {
        pos = linesOf(out, at, end, dels, 45) + 1;
        dels -= lineCount;
      } else if (c === 32 /* space */) next++;
      continue; // '\ No newline at end of file'
    }
    flush();
    const line = out.slice(at, end);
    if (marker && line.startsWith(marker)) {
      commit = line.slice(marker.length).trim();
      cur = null;
    } else if (line.startsWith('diff --git ')) {
      cur = { commit, path: pathFromDiffLine(line.slice(11)), binary: false, blocks: [], added: 0 };
      blockNext = -1;
      files.push(cur);
    } else if (!cur) {
      continue;
    } else if (line.startsWith('@@ ')) {
      const m = /^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(line);
      if (!m) continue;
      dels = m[1] === undefined ? 1 : Number(m[1]);
      next = Number(m[2]);
      adds = m[3] === undefined ? 1 : Number(m[3]);
    } else if (cur.added === 0) {
      // Extended header lines (only before the first hunk).
      if (line.startsWith('+++ ')) cur.path = sidePath(line.slice(4), 'b/');
      else if (line.startsWith('rename to ') || line.startsWith('copy to ')) cur.path = unquote(line.slice(line.indexOf(' to ') + 4));
      else if (line.startsWith('deleted file mode')) cur.path = null;
      else if (line.startsWith('Binary files ') || line === 'GIT binary patch') cur.binary = true;
    }
  }
  flush();
  return files;
}

const FILE_HEADER = Buffer.from('\ndiff --git ');

/**
 * parsePatch of a `git diff` patch (no commit markers) given as bytes: one file's section at a time, each
 * decoded on its own, an ASCII one (most source) as Latin-1, which is a plain copy and stays a one-byte string
 * for the detector. Decoding the whole patch as UTF-8 took ~8 ms for 2.7 MB, and one non-Latin-1 character
 * in any file made every file's text two-byte. A section ends before the next line that starts with
 * `diff --git ` (inside a hunk every line starts with + - space or \), so no character is split.
 */
export function parsePatchBytes(patch: Buffer): PatchBlocks[] {
  const files: PatchBlocks[] = [];
  for (let at = 0; at < patch.length; ) {
    const next = patch.indexOf(FILE_HEADER, at);
    const end = next < 0 ? patch.length : next + 1;
    const part = patch.subarray(at, end);
    for (const f of parsePatch(part.toString(isAscii(part) ? 'latin1' : 'utf8'))) files.push(f);
    at = end;
  }
  return files;
}

/** How many lines the last linesOf call took. */
let lineCount = 0;

/**
 * From the line [at, end) that starts with `c`, take it and the lines after it that also start with `c`, at
 * most `max` in all; returns the end (the newline's index, or the patch's length) of the last one taken and
 * sets lineCount. Its own small function, so that the per-line loop of a large patch is compiled on its own:
 * V8 optimising parsePatch's whole loop (on stack, mid-run) took ~28 ms of compilation in every precommit.
 */
function linesOf(out: string, at: number, end: number, max: number, c: number): number {
  let n = 1;
  let last = end;
  let pos = end + 1;
  while (n < max && pos < out.length && out.charCodeAt(pos) === c) {
    let e = out.indexOf('\n', pos);
    if (e === -1) e = out.length;
    last = e;
    pos = e + 1;
    n++;
  }
  lineCount = n;
  return last;
}

/** Join patch sections to the kept raw entries by (commit, path); binary sections are read as blobs. */
function assemble(patches: PatchBlocks[], keep: RawEntry[]): { files: StagedFile[]; blobs: BlobFile[] } {
  const wanted = new Map(keep.map((e) => [`${e.commit ?? ''}\0${e.path}`, e]));
  const files: StagedFile[] = [];
  const blobs: BlobFile[] = [];
  for (const p of patches) {
    const e = p.path === null ? undefined : wanted.get(`${p.commit ?? ''}\0${p.path}`);
    if (!e || p.path === null) continue;
    if (p.binary) blobs.push(blobFile(e, 'binary'));
    else if (p.added) files.push({ path: p.path, blocks: p.blocks, added: p.added, ...(p.commit ? { commit: p.commit } : {}) });
  }
  return { files, blobs };
}

// ---------------------------------------------------------------------------------------------------
// Public API

/** `git check-attr diff` of each path: 'unspecified', 'unset', 'set' or the name of a diff driver. */
async function diffAttributes(repoDir: string, paths: string[]): Promise<Map<string, string>> {
  const attrs = new Map<string, string>();
  if (!paths.length) return attrs;
  const f = (await git(repoDir, paths.map((p) => `${p}\0`).join('')).raw(['check-attr', '-z', '--stdin', 'diff'])).split('\0');
  for (let i = 0; i + 2 < f.length; i += 3) attrs.set(f[i], f[i + 2]);
  return attrs;
}

/** git's test of a binary file when no attribute decides (diff.c, buffer_is_binary): a NUL in the first 8000 bytes. */
const FIRST_FEW_BYTES = 8000;

/**
 * A new file's added lines from its blob, as the patch has them: every line, each without one trailing '\r'
 * (parsePatch), in one run from line 1; null when the file is empty. Decoded as Latin-1 when ASCII.
 */
function newFileLines(path: string, bytes: Buffer): StagedFile | null {
  if (!bytes.length) return null;
  // Without the last newline, decoded as such: a string of its own (a slice of a longer one is not).
  const last = bytes[bytes.length - 1] === 10;
  const body = last ? bytes.subarray(0, -1) : bytes;
  let text = body.toString(isAscii(body) ? 'latin1' : 'utf8');
  const added = 1 + newlinesIn(text); // the last line: '\ No newline at end of file' in the patch when it has no newline
  if (!last && !text.length) return null;
  if (text.includes('\r')) {
    text = text.replace(/\r\n/g, '\n');
    if (text.endsWith('\r')) text = text.slice(0, -1);
  }
  return { path, blocks: [{ line: 1, text }], added };
}

/** Its own small function, so that V8 optimises this loop alone (newFileLines whole took it 3-15 ms of compilation). */
function newlinesIn(text: string): number {
  let n = 0;
  for (let p = text.indexOf('\n'); p >= 0; p = text.indexOf('\n', p + 1)) n++;
  return n;
}

// A staged new file's bytes from the work tree, when they are the staged blob's. Where a file was just
// `git add`ed, its work-tree copy is usually the blob byte for byte: reading and hashing it (2.7 MB of 200 files:
// ~4 ms) costs less than git inflating the objects (~15 ms of git CPU) and the two git processes that asked for
// their sizes and their bytes. The copy is used only when git's own id of it ("blob <size>\0<bytes>", SHA-1 or
// SHA-256 as the id's length says) is the staged id, so what is read is the staged content, however the work
// tree was changed after `git add` (an edit, CRLF conversion, a clean filter such as LFS: those are read from git).
// Only regular files inside the repository are opened: every directory on the way is checked (its real path is
// its path: a symbolic link there is not followed), the file is opened with O_NOFOLLOW and O_NONBLOCK (a FIFO cannot hang
// the hook) and read only when fstat calls it a regular file no larger than the limit.

/** Misses tolerated before the work tree is given up (a checkout whose copies all differ from their blobs). */
const WORK_TREE_MISSES = 32;

/** The work-tree copies of `entries` (staged new regular files) that hash to their staged blob ids, by id. */
export function workTreeBlobs(repoDir: string, entries: readonly { path: string; dstSha: string }[], max: number): Map<string, Buffer> {
  const found = new Map<string, Buffer>();
  // O_NOFOLLOW is POSIX only: elsewhere (Windows) everything is read from git.
  if (constants.O_NOFOLLOW === undefined || !entries.length) return found;
  let real: string;
  try {
    real = realpathSync.native(repoDir);
  } catch {
    return found;
  }
  // A directory is plain when its real path is the repository's real path and its own name: no component of it
  // is a link (one realpath per directory; an lstat per component cost ~4x as much on 200 files).
  const plainDirs = new Map<string, boolean>();
  const plain = (dir: string): boolean => {
    let ok = plainDirs.get(dir);
    if (ok === undefined) {
      try {
        ok = realpathSync.native(`${repoDir}/${dir}`) === `${real}/${dir}`;
      } catch {
        ok = false;
      }
      plainDirs.set(dir, ok);
    }
    return ok;
  };
  let misses = 0;
  for (const e of entries) {
    if (misses >= WORK_TREE_MISSES && misses > found.size) break;
    if (found.has(e.dstSha)) continue;
    const slash = e.path.lastIndexOf('/');
    const named = !e.path.split('/').some((p) => p === '' || p === '.' || p === '..');
    const bytes = named && (slash < 0 || plain(e.path.slice(0, slash))) ? sameAsBlob(`${repoDir}/${e.path}`, e.dstSha, max) : null;
    if (bytes) found.set(e.dstSha, bytes);
    else misses++;
  }
  return found;
}

/** The bytes of the regular file at `abs` when git's id of them is `id`, else null. */
function sameAsBlob(abs: string, id: string, max: number): Buffer | null {
  let fd: number;
  try {
    fd = openSync(abs, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | (constants.O_NOCTTY ?? 0));
  } catch {
    return null;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > max) return null;
    const bytes = Buffer.allocUnsafe(st.size);
    let got = 0;
    while (got < bytes.length) {
      const n = readSync(fd, bytes, got, bytes.length - got, got);
      if (!n) break;
      got += n;
    }
    const read = got === bytes.length ? bytes : bytes.subarray(0, got);
    const hash = createHash(id.length === 64 ? 'sha256' : 'sha1');
    return hash.update(`blob ${read.length}\0`).update(read).digest('hex') === id ? read : null;
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** The blobs of `shas` through one `git cat-file --batch`, whole, in order; null for one git did not find. */
async function smallBlobs(repoDir: string, shas: string[]): Promise<(Buffer | null)[]> {
  const out = await startGit(repoDir, ['cat-file', '--batch'], shas.map((s) => `${s}\n`).join('')).readBytes();
  const blobs: (Buffer | null)[] = [];
  // Records: "<sha> blob <size>\n<bytes>\n", or "<name> missing\n".
  for (let at = 0; at < out.length && blobs.length < shas.length; ) {
    const nl = out.indexOf(10, at);
    if (nl < 0) break;
    const header = out.toString('latin1', at, nl).split(' ');
    if (header[1] !== 'blob') {
      blobs.push(null);
      at = nl + 1;
      continue;
    }
    const end = nl + 1 + Number(header[2]);
    blobs.push(out.subarray(nl + 1, end));
    at = end + 1;
  }
  while (blobs.length < shas.length) blobs.push(null);
  return blobs;
}

/**
 * Added lines of the staged change (`git diff --cached`), what a pre-commit hook must check.
 *
 * A new regular file's added lines are the whole of its blob: those files are read from their work-tree copy
 * when it hashes to the staged blob id (workTreeBlobs), else with `git cat-file --batch`; the others from the
 * patch (`--diff-filter=a`: all but the new files, after rename detection). On 200 new files (2.7 MB) the patch
 * cost git ~21 ms of CPU and clipguard ~20 ms to decode it and cut the '+' out of every line; the blobs cost git
 * ~17 ms and clipguard ~9; the work-tree copies ~4 ms and no git. Binary as git says it: a new file whose `diff` attribute is
 * unset is binary (when not empty), one with it set is text, one without it binary when it has a NUL in its
 * first 8000 bytes (diff.c); one whose attribute names a driver (whose config may call it binary) is read from
 * a patch of its own. `viaPatch` reads every file from the patch, as before; `workTree: false` reads no work-tree
 * copy (the tests compare the three).
 */
export async function readStagedDiff(repoDir: string, options: StagedReadOptions = {}): Promise<StagedDiff> {
  const max = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const g = git(repoDir);
  const patchArgs = ['diff', '--cached', '-p', '--unified=0', ...DIFF_FLAGS, ...(options.viaPatch ? [] : ['--diff-filter=a'])];
  const entries = parseRaw(await g.raw(['diff', '--cached', '--raw', '-z', ...DIFF_FLAGS]));
  const isNew = (e: RawEntry) => !options.viaPatch && e.status === 'A' && /^100/.test(e.dstMode);
  const fresh = entries.filter(isNew);
  // When a file other than a new or deleted one is staged, the patch is asked for now, beside the blob sizes
  // (one git round trip less), and read only when no file must be left out of it (too large, or of unknown
  // size): then it is the same command as below. Otherwise it is dropped unread (git waits on its full pipe)
  // and asked again. A commit of new files only starts no patch at all.
  const early = entries.some((e) => !isNew(e) && e.status !== 'D') ? startGit(repoDir, patchArgs) : null;
  try {
    // The gits first (they run while the work tree is read), then the new files' work-tree copies; only the
    // new files whose copy is not their blob need git for their size and bytes.
    const attrsRead = diffAttributes(repoDir, fresh.map((e) => e.path));
    const othersSized = blobSizes(repoDir, entries.filter((e) => !isNew(e)).map((e) => e.dstSha));
    const tree = options.workTree === false ? new Map<string, Buffer>() : workTreeBlobs(repoDir, fresh, max);
    const freshSized = blobSizes(repoDir, fresh.filter((e) => !tree.has(e.dstSha)).map((e) => e.dstSha));
    const [othersSizes, freshSizes, attrs] = await Promise.all([othersSized, freshSized, attrsRead]);
    const sizes = new Map([...othersSizes, ...freshSizes, ...[...tree].map(([id, b]) => [id, b.length] as const)]);
    const { keep, blobs, skipped } = triage(entries, sizes, max);
    if (!keep.length) return { files: [], blobs, skipped };
    const others = keep.filter((e) => !isNew(e));
    const kept = keep.filter(isNew);
    const whole = kept.filter((e) => attrs.get(e.path) === 'unspecified' || attrs.get(e.path) === 'set');
    const driven = kept.filter((e) => !whole.includes(e) && attrs.get(e.path) !== 'unset');
    const fromGit = [...new Set(whole.filter((e) => !tree.has(e.dstSha)).map((e) => e.dstSha))];
    const ex = excludes(blobs, entries);
    const none = Promise.resolve(null);
    const [main, byDriver, contents] = await Promise.all([
      others.length ? (ex.length || !early ? startGit(repoDir, [...patchArgs, ...ex]).readBytes() : early.readBytes()) : none,
      driven.length ? startGit(repoDir, ['diff', '--cached', '-p', '--unified=0', ...DIFF_FLAGS, '--', ...driven.map((e) => `:(literal,top)${e.path}`)]).readBytes() : none,
      fromGit.length ? smallBlobs(repoDir, fromGit) : Promise.resolve([]),
    ]);
    const bytesOf = new Map<string, Buffer | null>([...tree, ...fromGit.map((id, i) => [id, contents[i]] as const)]);
    const read = main ? assemble(parsePatchBytes(main), others) : { files: [], blobs: [] };
    if (!kept.length) return { files: read.files, blobs: [...blobs, ...read.blobs], skipped };
    const more = byDriver ? assemble(parsePatchBytes(byDriver), driven) : { files: [], blobs: [] };
    // All in the patch's order, which is the raw entries' order.
    const order = new Map(entries.map((e, i) => [e.path, i]));
    const files = [...read.files, ...more.files].map((f) => ({ at: order.get(f.path)!, f }));
    const binary = [...read.blobs, ...more.blobs].map((b) => ({ at: order.get(b.path)!, b }));
    for (const e of kept) if (attrs.get(e.path) === 'unset' && sizes.get(e.dstSha)) binary.push({ at: order.get(e.path)!, b: blobFile(e, 'binary') });
    for (const e of whole) {
      const bytes = bytesOf.get(e.dstSha);
      const at = order.get(e.path)!;
      if (!bytes) binary.push({ at, b: blobFile(e, 'unknown size') });
      else if (attrs.get(e.path) !== 'set' && bytes.subarray(0, FIRST_FEW_BYTES).includes(0)) binary.push({ at, b: blobFile(e, 'binary') });
      else {
        const f = newFileLines(e.path, bytes);
        if (f) files.push({ at, f });
      }
    }
    const byAt = (a: { at: number }, b: { at: number }) => a.at - b.at;
    return { files: files.sort(byAt).map((x) => x.f), blobs: [...blobs, ...binary.sort(byAt).map((x) => x.b)], skipped };
  } finally {
    early?.cancel();
  }
}

/**
 * The bytes of one blob, streamed from `git cat-file blob` (never buffered whole: a staged file may be
 * hundreds of megabytes). Throws, after the last chunk, with git's message when git cannot read it.
 */
export async function* readBlob(repoDir: string, sha: string): AsyncGenerator<Buffer> {
  if (!realSha(sha)) throw new Error(`not a blob id: ${JSON.stringify(sha)}`);
  const child = spawn('git', ['cat-file', 'blob', sha], { cwd: repoDir, windowsHide: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const err: Buffer[] = [];
  child.stderr.on('data', (b: Buffer) => err.push(b));
  const closed = new Promise<number | null>((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', resolvePromise);
  });
  try {
    for await (const chunk of child.stdout) yield chunk as Buffer;
    const code = await closed;
    if (code !== 0) throw new Error(Buffer.concat(err).toString('utf8').trim().split('\n')[0] || `git cat-file exited with ${code}`);
  } finally {
    if (child.exitCode === null) child.kill();
  }
}

/**
 * Several small blobs through one `git cat-file --batch` (a process per blob costs ~8 ms: 300 icons in one
 * commit took 2.7 s that way), each whole, in the order asked; `null` for one git cannot read. Only for blobs
 * known to be small (at most the patch size limit): each is held in memory whole.
 */
export async function* readSmallBlobs(repoDir: string, shas: readonly string[]): AsyncGenerator<{ sha: string; bytes: Buffer | null }> {
  const bad = shas.find((s) => !realSha(s));
  if (bad !== undefined) throw new Error(`not a blob id: ${JSON.stringify(bad)}`);
  const wanted = shas;
  if (!wanted.length) return;
  const child = spawn('git', ['cat-file', '--batch'], { cwd: repoDir, windowsHide: true, stdio: ['pipe', 'pipe', 'ignore'] });
  child.stdin.on('error', () => {});
  child.stdin.end(wanted.join('\n') + '\n');
  const closed = new Promise<void>((resolvePromise) => child.on('close', () => resolvePromise()));
  let pending: Buffer = Buffer.alloc(0);
  let next = 0;
  try {
    for await (const chunk of child.stdout) {
      pending = pending.length ? Buffer.concat([pending, chunk as Buffer]) : (chunk as Buffer);
      // Records: "<sha> blob <size>\n<bytes>\n", or "<name> missing\n".
      for (;;) {
        const nl = pending.indexOf(10);
        if (nl === -1) break;
        const header = pending.subarray(0, nl).toString('utf8').split(' ');
        if (header[1] !== 'blob') {
          yield { sha: wanted[next++], bytes: null };
          pending = pending.subarray(nl + 1);
          continue;
        }
        const size = Number(header[2]);
        if (pending.length < nl + 1 + size + 1) break;
        yield { sha: wanted[next++], bytes: Buffer.from(pending.subarray(nl + 1, nl + 1 + size)) };
        pending = pending.subarray(nl + 1 + size + 1);
      }
    }
    await closed;
  } finally {
    if (child.exitCode === null) child.kill();
  }
  // git stopped early (killed, or a corrupt object it could not inflate): the rest was not read.
  while (next < wanted.length) yield { sha: wanted[next++], bytes: null };
}

const RANGE_OPTIONS = /^--(?:not|all|branches|remotes|tags)(?:=[\w./*-]+)?$/;

/**
 * A revision range as git arguments. Ranges come from the command line (`--git-range`), so anything
 * that could be an option other than the rev-list selectors above is refused: `--output=<file>` would
 * make git write a file.
 */
export function rangeArgs(range: string): string[] {
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

// ---------------------------------------------------------------------------------------------------
// Commit ranges, streamed
//
// One `git log --reverse --raw -p --unified=0` is read as it is produced, commit by commit: each commit's
// header (sha, author, date, message), then its raw entries (modes and blob ids, which decide what is
// skipped or read whole, as for the staged diff), then its patch. Nothing of the range is held at once:
// a file's added lines are kept until its section ends (at most the size limit: past it the file is read
// whole from its blob, like any file over the limit), so memory does not grow with the range, and the
// caller runs detection on each file while git is still producing the next. A commit range of any size
// works (the whole range as one string died at 512 MB, V8's limit).

/** What a commit range yields, in history order (oldest first): each commit, then what it changed. */
export type RangeEvent =
  | { type: 'commit'; commit: CommitInfo }
  | { type: 'file'; file: DiffFile }
  | { type: 'blob'; blob: BlobFile }
  | { type: 'skipped'; file: SkippedFile }
  /** Part of a commit that could not be read (a header line or message over the limit): not scanned. */
  | { type: 'unread'; commit: string; what: string };

/** Lines of a stream, and which of them were cut (longer than the limit: only their start is kept). */
export interface LineBatch {
  lines: string[];
  cut: Set<number> | null;
}

/**
 * What is kept of a line cut for being too long: its start (enough for the marker and a commit id, or to tell
 * a '+' line from a '-' line), then one NUL for each NUL of the dropped part, up to 4 (the commit header is
 * read by counting its NULs, so a cut header still ends where it should).
 */
const CUT_KEEP = 256;

function countNuls(b: Uint8Array): number {
  let n = 0;
  for (let i = b.indexOf(0); i !== -1 && n < 4; i = b.indexOf(0, i + 1)) n++;
  return n;
}

/**
 * A copy of a string that shares no memory with the text it was cut from: V8 keeps a substring as a view of
 * its parent, so one kept path would keep a whole 64 KB chunk of `git log` output alive (a history's worth of
 * them, one per file, in the subjects). Used for what outlives the chunk: paths.
 */
function own(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

/**
 * The lines of a byte stream, a batch per chunk, none longer than `max` bytes: a longer line is cut (see
 * CUT_KEEP) and flagged, so one endless line (a minified bundle) costs no more memory than `max`. Newlines
 * are split on bytes, so a multi-byte character is never cut in two by a chunk boundary.
 */
export async function* splitLines(chunks: AsyncIterable<Uint8Array>, max: number): AsyncGenerator<LineBatch> {
  // The line in progress: its bytes so far, or (cut) its first CUT_KEEP bytes and the NULs dropped after them.
  let rest: Buffer[] = [];
  let restLength = 0;
  let restCut = false;
  let restNuls = 0;
  const cutLine = (all: Buffer) => {
    rest = [all.subarray(0, CUT_KEEP)];
    restNuls = countNuls(all.subarray(CUT_KEEP));
    restCut = true;
  };
  for await (const c of chunks) {
    const chunk = Buffer.isBuffer(c) ? c : Buffer.from(c);
    const nl = chunk.lastIndexOf(10);
    const end = nl === -1 ? chunk.length : chunk.indexOf(10); // where the line in progress ends in this chunk
    if (restCut) {
      // The kept start fills up to CUT_KEEP bytes whatever the chunks (a limit under CUT_KEEP, in tests).
      const more = Math.min(end, CUT_KEEP - rest[0].length);
      if (more > 0) rest = [Buffer.concat([rest[0], chunk.subarray(0, more)])];
      restNuls = Math.min(4, restNuls + countNuls(chunk.subarray(Math.max(0, more), end)));
    }
    else if (restLength + end > max) cutLine(Buffer.concat([...rest, chunk.subarray(0, end)]));
    else if (nl === -1) {
      rest.push(chunk);
      restLength += chunk.length;
      continue;
    }
    if (nl === -1) continue;
    let cut: Set<number> | null = null;
    let text: string;
    if (restCut) {
      text = rest[0].toString('utf8') + '\0'.repeat(restNuls) + chunk.subarray(end, nl).toString('utf8');
      cut = new Set([0]);
    } else text = (restLength ? Buffer.concat([...rest, chunk.subarray(0, nl)]) : chunk.subarray(0, nl)).toString('utf8');
    const lines = text.split('\n');
    // A line inside one chunk longer than the limit (only when chunks are larger than `max`).
    for (let i = cut ? 1 : 0; i < lines.length; i++) {
      if (lines[i].length > max) {
        const all = Buffer.from(lines[i], 'utf8');
        lines[i] = all.subarray(0, CUT_KEEP).toString('utf8') + '\0'.repeat(countNuls(all.subarray(CUT_KEEP)));
        (cut ??= new Set()).add(i);
      }
    }
    yield { lines, cut };
    const tail = chunk.subarray(nl + 1);
    rest = tail.length ? [tail] : [];
    restLength = tail.length;
    restCut = false;
    restNuls = 0;
    if (restLength > max) cutLine(tail);
  }
  if (restCut) yield { lines: [rest[0].toString('utf8') + '\0'.repeat(restNuls)], cut: new Set([0]) };
  else if (restLength) yield { lines: [Buffer.concat(rest).toString('utf8')], cut: null };
}

/** A file's section of a commit's patch, as parsed (joined to the commit's raw entries by the reader). */
interface Section extends PatchFile {
  /** Its added lines passed the size limit: they were dropped, the file is read whole. */
  over: boolean;
  /** A header line was cut: the section cannot be trusted. */
  broken: boolean;
  added: number;
  chars: number;
}

/** What the parser hands the reader, in stream order. */
type ParsedEvent =
  | { type: 'commit'; commit: CommitInfo }
  | { type: 'raw'; sha: string; entries: RawEntry[] }
  | { type: 'section'; sha: string; section: Section }
  | { type: 'unread'; commit: string; what: string };

/**
 * The `git log --format=<marker>%H%x00%an <%ae>%x00%aI%x00%B%x00 --raw -p --unified=0` parser, fed line
 * batches in any split. The header is read by counting its four NULs (a message has none), so a message
 * line that reads like a diff header is only message; inside a hunk exactly the counted lines are read,
 * so an added line that reads like a header or the marker is only an added line (as in parsePatch).
 */
export class LogParser {
  private state: 'idle' | 'header' | 'raw' | 'patch' = 'idle';
  private header: string[] = [];
  private headerChars = 0;
  private headerNuls = 0;
  private headerCut = false;
  private sha = '';
  private entries: RawEntry[] = [];
  private cur: Section | null = null;
  private adds = 0;
  private dels = 0;
  private next = 0;
  private out: ParsedEvent[] = [];

  /** `max`: characters of added lines kept per file, and of a commit message. */
  constructor(private readonly marker: string, private readonly max: number) {}

  push(batch: LineBatch): ParsedEvent[] {
    const { lines, cut } = batch;
    for (let i = 0; i < lines.length; i++) this.line(lines[i], cut !== null && cut.has(i));
    const out = this.out;
    this.out = [];
    return out;
  }

  end(): ParsedEvent[] {
    this.endCommit();
    if (this.state === 'header') this.out.push({ type: 'unread', commit: this.header[0]?.slice(0, 40) ?? '', what: 'its header (git stopped in the middle of it)' });
    this.state = 'idle';
    const out = this.out;
    this.out = [];
    return out;
  }

  private line(line: string, isCut: boolean): void {
    if (this.adds > 0 || this.dels > 0) {
      const cur = this.cur!;
      const c = line[0];
      if (c === '+') {
        cur.added++;
        cur.chars += isCut ? this.max + 1 : line.length;
        if (cur.chars > this.max) {
          // Over the limit: the file is read whole from its blob instead; drop what was kept.
          if (!cur.over) cur.lines = [];
          cur.over = true;
        } else cur.lines.push({ line: this.next, text: line.slice(1).replace(/\r$/, '') });
        this.next++;
        this.adds--;
      } else if (c === '-') this.dels--;
      else if (c === ' ') this.next++;
      return; // '\ No newline at end of file'
    }
    if (this.state === 'header') return this.headerLine(line, isCut);
    if (line.startsWith(this.marker)) {
      this.endCommit();
      this.state = 'header';
      this.header = [];
      this.headerChars = 0;
      this.headerNuls = 0;
      this.headerCut = false;
      return this.headerLine(line.slice(this.marker.length), isCut);
    }
    if (this.state === 'raw') {
      if (line.startsWith(':')) {
        if (isCut) this.out.push({ type: 'unread', commit: this.sha, what: 'a changed path (its line is over the size limit)' });
        else {
          const e = rawLine(line, this.sha);
          if (e) this.entries.push(e);
        }
        return;
      }
      if (line === '') return;
      this.out.push({ type: 'raw', sha: this.sha, entries: this.entries });
      this.entries = [];
      this.state = 'patch';
    }
    if (this.state !== 'patch') return;
    if (line.startsWith('diff --git ')) {
      this.endSection();
      this.cur = { commit: this.sha, path: isCut ? null : pathFromDiffLine(line.slice(11)), binary: false, lines: [], over: false, broken: isCut, added: 0, chars: 0 };
      return;
    }
    const cur = this.cur;
    if (!cur) return;
    if (isCut) {
      cur.broken = true;
      return;
    }
    if (line.startsWith('@@ ')) {
      const m = /^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(line);
      if (!m) return;
      this.dels = m[1] === undefined ? 1 : Number(m[1]);
      this.next = Number(m[2]);
      this.adds = m[3] === undefined ? 1 : Number(m[3]);
    } else if (cur.added === 0) {
      // Extended header lines (only before the first added line, as parsePatch reads them).
      if (line.startsWith('+++ ')) cur.path = sidePath(line.slice(4), 'b/');
      else if (line.startsWith('rename to ') || line.startsWith('copy to ')) cur.path = unquote(line.slice(line.indexOf(' to ') + 4));
      else if (line.startsWith('deleted file mode')) cur.path = null;
      else if (line.startsWith('Binary files ') || line === 'GIT binary patch') cur.binary = true;
    }
  }

  private headerLine(line: string, isCut: boolean): void {
    let nuls = 0;
    for (let at = line.indexOf('\0'); at !== -1; at = line.indexOf('\0', at + 1)) nuls++;
    this.headerNuls += nuls;
    if (isCut) this.headerCut = true;
    // A message over the limit: what is past it is dropped but its NULs, which end the fields.
    if (this.headerChars + line.length <= this.max || (isCut && this.header.length === 0)) {
      this.header.push(line);
      this.headerChars += line.length + 1;
    } else {
      this.header.push('\0'.repeat(nuls));
      this.headerCut = true;
    }
    if (this.headerNuls < 4) return;
    const [sha, author, date, body] = this.header.join('\n').split('\0');
    const message = (body ?? '').replace(/\n+$/, '');
    this.sha = sha;
    this.out.push({ type: 'commit', commit: { sha, subject: message.split('\n')[0] ?? '', message, author, date } });
    if (this.headerCut) this.out.push({ type: 'unread', commit: sha, what: 'its message (over the size limit)' });
    this.header = [];
    this.state = 'raw';
  }

  private endSection(): void {
    if (this.cur) this.out.push({ type: 'section', sha: this.sha, section: this.cur });
    this.cur = null;
    this.adds = this.dels = 0;
  }

  private endCommit(): void {
    if (this.state === 'raw') this.out.push({ type: 'raw', sha: this.sha, entries: this.entries });
    this.entries = [];
    this.endSection();
  }
}

/** One `--raw` line (without -z): `:srcMode dstMode srcSha dstSha status<TAB>path[<TAB>path]`, paths C-quoted when needed. */
function rawLine(line: string, commit: string): RawEntry | null {
  const fields = line.split('\t'); // a tab inside a path is quoted as \t
  const [srcMode, dstMode, srcSha, dstSha, status] = fields[0].slice(1).split(' ');
  if (!status || fields.length < 2) return null;
  const two = status.startsWith('R') || status.startsWith('C');
  const srcPath = own(unquote(fields[1]));
  const path = two && fields.length > 2 ? own(unquote(fields[2])) : srcPath;
  return { srcMode, dstMode, srcSha, dstSha, status: status[0], srcPath, path, commit };
}

/**
 * Blob sizes through one long-lived `git cat-file --batch-check`, asked commit by commit while `git log` runs
 * (git answers each object as soon as it is asked: it flushes per object unless told `--buffer`).
 */
class BlobSizer {
  private child: ReturnType<typeof spawn> | null = null;
  private pending = '';
  private waiting: { shas: string[]; sizes: Map<string, number>; resolve: (m: Map<string, number>) => void; reject: (e: Error) => void }[] = [];
  private failed: Error | null = null;

  constructor(private readonly repoDir: string) {}

  sizes(shas: string[]): Promise<Map<string, number>> {
    const unique = [...new Set(shas)].filter(realSha);
    if (!unique.length) return Promise.resolve(new Map());
    if (this.failed) return Promise.reject(this.failed);
    const child = this.start();
    return new Promise((resolve, reject) => {
      this.waiting.push({ shas: unique, sizes: new Map(), resolve, reject });
      child.stdin!.write(unique.join('\n') + '\n');
    });
  }

  close(): void {
    if (this.child && this.child.exitCode === null) {
      this.child.stdin!.end();
      this.child.kill();
    }
  }

  private start(): ReturnType<typeof spawn> {
    if (this.child) return this.child;
    const child = spawn('git', ['-c', 'core.quotePath=false', 'cat-file', '--batch-check=%(objectname) %(objectsize)'], { cwd: this.repoDir, windowsHide: true, stdio: ['pipe', 'pipe', 'ignore'] });
    this.child = child;
    child.stdin!.on('error', () => {});
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (s: string) => {
      this.pending += s;
      let nl;
      while ((nl = this.pending.indexOf('\n')) !== -1) {
        const [sha, size] = this.pending.slice(0, nl).split(' ');
        this.pending = this.pending.slice(nl + 1);
        const w = this.waiting[0];
        if (!w) continue;
        if (sha && size && /^\d+$/.test(size)) w.sizes.set(sha, Number(size));
        w.shas.shift();
        if (!w.shas.length) {
          this.waiting.shift();
          w.resolve(w.sizes);
        }
      }
    });
    const fail = (e: Error) => {
      this.failed = e;
      for (const w of this.waiting.splice(0)) w.reject(e);
    };
    child.on('error', fail);
    child.on('close', (code, signal) => fail(new Error(`git cat-file --batch-check stopped (${signal ?? `exit ${code}`})`)));
    return child;
  }
}

/**
 * Commits of `range` (e.g. "origin/main..HEAD"), oldest first, each followed by the lines it added (a file
 * at a time), the files it changed that are read whole from their blobs, and what it changed that is not
 * scanned. Each commit's own diff (not a..b as one diff): a key added in one commit and removed in the next
 * is still in the history that would be pushed. Merge commits show no diff; their parents' commits do.
 * Throws (after what was read) when git cannot list the range or stops in the middle of it.
 */
export async function* streamCommitRange(repoDir: string, range: string, options: DiffReadOptions = {}): AsyncGenerator<RangeEvent> {
  const args = rangeArgs(range);
  const done = new Set<string>(); // commits whose events are all out
  let current: string | null = null;
  const currentPaths = new Set<string>();
  try {
    for await (const ev of streamLog(repoDir, args, options)) {
      if (ev.type === 'commit') {
        if (current) done.add(current);
        current = ev.commit.sha;
        currentPaths.clear();
      } else if (ev.type === 'file') currentPaths.add(ev.file.path);
      else if (ev.type === 'blob') currentPaths.add(ev.blob.path);
      else if (ev.type === 'skipped') currentPaths.add(ev.file.path);
      yield ev;
    }
  } catch (e) {
    if (!(e instanceof GitLogFailed) || e.signal) throw e;
    // git stopped on its own (not killed): most often a blob it cannot read (a corrupt or shallow copy), which
    // `git log -p` cannot step over. The rest is read the way that keeps such files out of the patch (the
    // whole-range reader, whose pathspec leaves them to the blob reader, which reports them unread): memory
    // grows with the range there, but only a broken repository takes this path.
    let whole: CommitRange;
    try {
      whole = await readCommitRangeWhole(repoDir, args, options);
    } catch {
      throw e;
    }
    const fresh = (x: { commit?: string; path: string }) => !done.has(x.commit ?? '') && !(x.commit === current && currentPaths.has(x.path));
    for (const c of whole.commits) if (!done.has(c.sha) && c.sha !== current) yield { type: 'commit', commit: c };
    for (const f of whole.skipped) if (fresh(f)) yield { type: 'skipped', file: f };
    for (const f of whole.files) if (fresh(f)) yield { type: 'file', file: f };
    for (const b of whole.blobs) if (fresh(b)) yield { type: 'blob', blob: b };
  }
}

/** `git log` ended with an error of its own (an exit code) or was killed (a signal). */
class GitLogFailed extends Error {
  constructor(
    message: string,
    readonly signal: NodeJS.Signals | null,
  ) {
    super(message);
  }
}

async function* streamLog(repoDir: string, args: string[], options: DiffReadOptions): AsyncGenerator<RangeEvent> {
  const max = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const marker = `@clipguard-${randomBytes(8).toString('hex')}@`;
  // --root: the first commit's diff is shown even where log.showRoot=false would hide it; --encoding: a
  // checkout's i18n.logOutputEncoding=UTF-16 would put NUL bytes into messages (the header's separator).
  const child = spawn(
    'git',
    ['-c', 'core.quotePath=false', '-c', 'color.ui=false', 'log', ...LOG_FLAGS, '--root', '--encoding=UTF-8', '--reverse', `--format=${marker}%H%x00%an <%ae>%x00%aI%x00%B%x00`, '--raw', '-p', '--unified=0', ...DIFF_FLAGS, ...args, '--'],
    { cwd: repoDir, windowsHide: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => {
    if (stderr.length < 4096) stderr += s;
  });
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ code, signal }));
  });
  closed.catch(() => {}); // awaited below; a spawn error also ends stdout
  const sizer = new BlobSizer(repoDir);
  const parser = new LogParser(marker, max);
  let wanted = new Map<string, RawEntry>();
  // Events of one parsed batch, resolved in order (sizes are asked once per commit, at the end of its raw entries).
  async function* resolveEvents(events: ParsedEvent[]): AsyncGenerator<RangeEvent> {
    for (const ev of events) {
      if (ev.type === 'commit') yield { type: 'commit', commit: ev.commit };
      else if (ev.type === 'unread') yield ev;
      else if (ev.type === 'raw') {
        const sizes = await sizer.sizes(ev.entries.filter((e) => e.status !== 'D' && e.status !== 'U').map((e) => e.dstSha));
        const { keep, blobs, skipped } = triage(ev.entries, sizes, max);
        for (const f of skipped) yield { type: 'skipped', file: f };
        for (const b of blobs) yield { type: 'blob', blob: b };
        wanted = new Map(keep.map((e) => [e.path, e]));
      } else {
        const s = ev.section;
        const e = s.path === null ? undefined : wanted.get(s.path);
        if (s.broken) yield { type: 'unread', commit: ev.sha, what: `a file (a header line of its patch is over the size limit)` };
        else if (!e || s.path === null) continue;
        else if (s.binary) yield { type: 'blob', blob: blobFile(e, 'binary') };
        else if (s.over) yield { type: 'blob', blob: blobFile(e, 'too large') };
        else if (s.lines.length) yield { type: 'file', file: { path: e.path, lines: s.lines, commit: ev.sha } };
      }
    }
  }
  try {
    for await (const batch of splitLines(child.stdout, max + CUT_KEEP)) yield* resolveEvents(parser.push(batch));
    yield* resolveEvents(parser.end());
    const { code, signal } = await closed;
    if (code !== 0) throw new GitLogFailed(`git log ${signal ? `was stopped by ${signal}` : `exited with ${code}`} before the end of the range: ${stderr.trim().split('\n')[0] || 'no message'}`, signal);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill();
    sizer.close();
  }
}

/**
 * The range read whole, in three passes (commits; raw entries and blob sizes; the patch without the files
 * read as blobs): what clipguard did before streaming, kept for a `git log -p` that stops on a blob it cannot
 * read (see streamCommitRange). The pathspec that keeps a large or unreadable file out of the patch holds for
 * every commit of the range, so that path is read as a blob in every commit here.
 */
async function readCommitRangeWhole(repoDir: string, args: string[], options: DiffReadOptions): Promise<CommitRange> {
  const max = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const g = git(repoDir);
  const commits = (await listCommits(g, args)).reverse();
  if (!commits.length) return { commits, files: [], blobs: [], skipped: [] };
  const marker = `@clipguard-${randomBytes(8).toString('hex')}@`;
  const log = ['log', ...LOG_FLAGS, '--root', '--encoding=UTF-8', '--reverse', `--format=${marker}%H`];
  const entries = parseRaw(await g.raw([...log, '--raw', '-z', ...DIFF_FLAGS, ...args, '--']), marker);
  const sizes = await blobSizes(repoDir, entries.map((e) => e.dstSha));
  const triaged = triage(entries, sizes, max);
  const { blobs, skipped } = triaged;
  const whole = new Set(blobs.map((b) => b.path));
  const keep: RawEntry[] = [];
  for (const e of triaged.keep) {
    if (whole.has(e.path) || whole.has(e.srcPath)) blobs.push(blobFile(e, 'too large'));
    else keep.push(e);
  }
  if (!keep.length) return { commits, files: [], blobs, skipped };
  const ex = excludes(blobs, entries);
  const patch = await g.raw([...log, '-p', '--unified=0', ...DIFF_FLAGS, ...args, ...(ex.length ? ex : ['--'])]);
  const read = assemble(parsePatch(patch, marker), keep);
  const files = read.files.map((f) => ({ path: f.path, lines: linesOfBlocks(f.blocks), ...(f.commit ? { commit: f.commit } : {}) }));
  return { commits, files, blobs: [...blobs, ...read.blobs], skipped };
}

/** A whole range gathered in memory (tests, and callers that know their range is small: prefer the stream). */
export async function readCommitRange(repoDir: string, range: string, options: DiffReadOptions = {}): Promise<CommitRange & { unread: { commit: string; what: string }[] }> {
  const r: CommitRange & { unread: { commit: string; what: string }[] } = { commits: [], files: [], blobs: [], skipped: [], unread: [] };
  for await (const ev of streamCommitRange(repoDir, range, options)) {
    if (ev.type === 'commit') r.commits.push(ev.commit);
    else if (ev.type === 'file') r.files.push(ev.file);
    else if (ev.type === 'blob') r.blobs.push(ev.blob);
    else if (ev.type === 'skipped') r.skipped.push(ev.file);
    else r.unread.push({ commit: ev.commit, what: ev.what });
  }
  return r;
}

async function quiet(p: Promise<string>): Promise<string | null> {
  try {
    return (await p).trim() || null;
  } catch {
    return null;
  }
}

interface BranchState {
  head: boolean;
  branch: string | null;
  upstream: string | null;
}

async function branchState(g: Git): Promise<BranchState> {
  const [head, branch, upstream] = await Promise.all([
    quiet(g.raw(['rev-parse', '--verify', '-q', 'HEAD'])),
    quiet(g.raw(['symbolic-ref', '--short', '-q', 'HEAD'])),
    quiet(g.raw(['rev-parse', '--abbrev-ref', '--symbolic-full-name', '@{upstream}'])),
  ]);
  return { head: head !== null, branch, upstream };
}

function unpushedRange(s: BranchState): string | null {
  if (!s.head) return null;
  // Without an upstream, "unpushed" means on no remote at all (all commits when there is no remote).
  return s.upstream ? '@{upstream}..HEAD' : 'HEAD --not --remotes';
}

/** The range of commits not pushed yet: `@{upstream}..HEAD`, or `HEAD --not --remotes`; null before the first commit. */
export async function defaultRange(repoDir: string): Promise<string | null> {
  return unpushedRange(await branchState(git(repoDir)));
}

export async function unpushedCommits(repoDir: string): Promise<UnpushedCommits> {
  const g = git(repoDir);
  const s = await branchState(g);
  const range = unpushedRange(s);
  const commits = range ? await listCommits(g, rangeArgs(range)) : [];
  return { branch: s.branch, upstream: s.upstream, ahead: commits.length, commits };
}

export interface PushState {
  /** HEAD's commit id, or null before the first commit. */
  head: string | null;
  /** Current branch, or null on a detached HEAD. */
  branch: string | null;
  /** The upstream's remote (`.` for a local upstream) and its full ref on that remote, or null without one. */
  remote: string | null;
  remoteRef: string | null;
  /** The upstream as git shows it ("origin/main"). */
  upstream: string | null;
  /** Commits in `@{upstream}..HEAD` (0 without an upstream). */
  ahead: number;
}

/** What a push of the current branch would send, re-read live (for the executor's push action). */
export async function pushState(repoDir: string): Promise<PushState> {
  const g = git(repoDir);
  const [head, branch] = await Promise.all([quiet(g.raw(['rev-parse', '--verify', '-q', 'HEAD'])), quiet(g.raw(['symbolic-ref', '--short', '-q', 'HEAD']))]);
  const none: PushState = { head, branch, remote: null, remoteRef: null, upstream: null, ahead: 0 };
  if (!head || !branch) return none;
  const line = await quiet(g.raw(['for-each-ref', '--format=%(upstream:remotename)%00%(upstream:remoteref)%00%(upstream:short)%00%(upstream)', `refs/heads/${branch}`]));
  const [remote, remoteRef, upstream, tracking] = (line ?? '').split('\0');
  if (!remote || !remoteRef || !upstream || !tracking) return none;
  // A stale remote-tracking ref is fine here: a remote that moved on rejects the (never forced) push.
  const count = await quiet(g.raw(['rev-list', '--count', `${tracking}..${head}`]));
  return { head, branch, remote, remoteRef, upstream, ahead: Number(count ?? 0) || 0 };
}
