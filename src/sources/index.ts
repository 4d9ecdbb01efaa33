// Sources read the world once per scan and yield subjects. A source that cannot be read yields a `source`
// subject with status `unavailable` (which a rule turns into a finding), never an exception.

import { hash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type { Config } from '../config/load.js';
import type { SourceStatus, Subject } from '../types.js';
import { detectSecrets, detectSecretsMany, redactSecrets, SECRET_PATTERNS, type RedactSpan, type SecretMatch } from '../detectors/secrets/index.js';
import { VERSION } from '../version.js';
import { oneLine } from '../report/sanitize.js';
// The Paperclip client and the deploy probe (undici) load only when a scan reads them: `precommit` and
// `i18n` build subjects from this module too, and start on every commit.
import type { PaperclipClient } from './paperclip/client.js';
import type { PaperclipReadCache, TextGuard } from './paperclip/cache.js';
import type { MissingCompany } from './paperclip/read.js';
import type { FactParams } from './fact-params.js';
import { blocksOfLines, readBlob, readSmallBlobs, streamCommitRange, unpushedCommits, defaultRange, type BlobFile, type DiffFile, type StagedFile } from './git.js';
import { blobSecrets } from './blob-secrets.js';
import { globMatcher } from '../util/glob.js';
// The locale side (opencc-js, the extractors' YAML parser) loads only when locale files are read: it costs
// ~80 ms of start-up that `clipguard precommit` must not pay on every commit. See ./locale-subjects.ts.
import type { SkippedFile } from './locale-files.js';

export interface SourceOutput {
  statuses: SourceStatus[];
  subjects: Subject[];
  /** Live clients the executor may use to act (sources never act themselves). */
  paperclip: PaperclipClient | null;
  requestCount: number;
}

export interface ReadOptions {
  config: Config;
  now: Date;
  /** Which facts active rules need, so unused detectors and reads are skipped. */
  /** `pushLeaks`: a push action is on, so the git source reads the secrets in the commits it would push. */
  needs: { paperclip: boolean; comments: boolean; runLogs?: boolean; runLogRuns?: number; wakeComments?: boolean; secrets: boolean; git: boolean; pushLeaks?: boolean; gitRange?: string; locales: boolean; deploy: boolean; liveRuns?: boolean; routines?: boolean };
  /** Reads kept by a long-running process, so Paperclip is read incrementally (see paperclip/cache.ts). */
  paperclipCache?: PaperclipReadCache;
  /** Effective params of the active rules by id (some facts apply a rule's window where lists are built). */
  factParams?: FactParams;
  /** Agent id -> when clipguard last reset its session (from the executor's ledger). */
  sessionResets?: Record<string, string>;
  /** The pauses clipguard made, by agent id, from the executor's ledger. */
  clipguardPauses?: Record<string, { at: string; rule: string }[]>;
  /** Cancels the Paperclip reads (see ScanOptions.signal). */
  signal?: AbortSignal;
}

/** A client for the configured Paperclip (loaded on demand: `precommit` never needs undici). */
export async function paperclipClient(config: Config, signal?: AbortSignal): Promise<PaperclipClient> {
  const { PaperclipClient } = await import('./paperclip/client.js');
  const p = config.paperclip;
  return new PaperclipClient({ baseUrl: p.url, apiKey: p.apiKey ?? undefined, timeoutMs: p.timeoutMs, retries: p.retries, maxResponseBytes: p.maxResponseBytes, maxScanBytes: p.maxScanBytes, signal });
}

/** What the budget facts take from config `budget.*` (thresholds, company budget, forecast window, currency). */
export function budgetOptions(config: Config) {
  const b = config.budget;
  return { companyMonthlyCents: b.companyMonthlyCents, forecastWindowDays: b.forecastWindowDays, warnPercent: b.warnPercent, stopPercent: b.stopPercent, currency: b.currency };
}

export function secretOptions(config: Config) {
  return { allowlist: config.secrets.allowlist, extraPatterns: config.secrets.patterns, credentials: config.secrets.credentials };
}

export type MaskedMatch = { kind: string; description: string; line: number; column: number; preview: string; inlineIgnored: boolean; ignoreRules?: string[]; ignoreReason?: string; fingerprintKey: string };

/** A detector over free text that returns only masked, rule-ready data (never the secret). */
export interface MaskedSecretDetector {
  (text: string): MaskedMatch[];
  /** The same for many texts at once (one keyword pass over all of them: much faster for short texts). */
  many(texts: readonly string[]): MaskedMatch[][];
  /** Where the secrets of each text are (kind and offsets, not the secret): what masks the text. */
  spans(texts: readonly string[]): RedactSpan[][];
}

export function maskedSecrets(config: Config, path?: string): MaskedSecretDetector {
  const options = { ...secretOptions(config), path }; // once, not per text: a scan calls this 400,000 times
  // Almost every text has none: one shared frozen empty list, not two fresh arrays per comment.
  const masked = (found: SecretMatch[], text: string): MaskedMatch[] =>
    found.length === 0
      ? NO_MATCHES
      : numberRepeats(
          found.map((m) => maskedMatch(m, `${m.kind}@${contextKey(text, m.start, m.end)}`)),
        );
  return Object.assign((text: string) => masked(detectSecrets(text, options), text), {
    many: (texts: readonly string[]) => detectSecretsMany(texts, options).map((found, i) => masked(found, texts[i])),
    spans: (texts: readonly string[]) => detectSecretsMany(texts, options).map((found) => found.map(({ kind, start, end }) => ({ kind, start, end }))),
  });
}

/**
 * The secret detector as the read cache needs it (see paperclip/cache.ts): the masked facts of each text, the
 * text masked for keeping, and a signature of the settings (config allowlist and extra patterns, the built-in
 * patterns, the clipguard version) so that facts made under other settings are not reused.
 */
export function textGuard(config: Config): TextGuard {
  const options = secretOptions(config);
  const facts = maskedSecrets(config);
  // Regexes as their source: JSON.stringify would write every one as {}.
  const settings = JSON.stringify([VERSION, SECRET_PATTERNS, config.secrets.allowlist, config.secrets.patterns], (_k, v) => (v instanceof RegExp ? String(v) : v));
  return {
    signature: hash('sha256', settings, 'hex').slice(0, 32),
    secrets: (texts) => facts.many(texts),
    spans: (texts) => facts.spans(texts),
    mask: (texts) => detectSecretsMany(texts, options).map((found, i) => redactSecrets(texts[i], found)),
  };
}

/**
 * What identifies a secret across scans without depending on the secret (a fingerprint of a weak password
 * could be brute-forced): its line with the secret cut out. Stable when lines are added above it; different
 * for a second secret on another line, or on the same line.
 */
function contextKey(text: string, start: number, end: number): string {
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const nl = text.indexOf('\n', end);
  const lineEnd = nl < 0 ? text.length : nl;
  return hash('sha256', `${text.slice(lineStart, start)}\u0000${text.slice(end, lineEnd)}`, 'hex').slice(0, 16);
}

/** The same kind in the same context more than once (a file that sets one variable twice): `#2`, `#3`... in order. */
function numberRepeats<T extends { fingerprintKey: string }>(list: T[]): T[] {
  const seen = new Map<string, number>();
  for (const m of list) {
    const n = (seen.get(m.fingerprintKey) ?? 0) + 1;
    seen.set(m.fingerprintKey, n);
    if (n > 1) m.fingerprintKey += `#${n}`;
  }
  return list;
}

const NO_MATCHES = Object.freeze([]) as unknown as MaskedMatch[];

/** The fact of one match: what it is and where, masked, never the secret (no offsets, no value). */
function maskedMatch(m: Pick<SecretMatch, 'kind' | 'description' | 'line' | 'column' | 'preview' | 'inlineIgnored' | 'ignoreRules' | 'ignoreReason'>, fingerprintKey: string): MaskedMatch {
  return {
    kind: m.kind,
    description: m.description,
    line: m.line,
    column: m.column,
    preview: m.preview,
    inlineIgnored: m.inlineIgnored,
    // `clipguard-ignore <rule-id> -- reason`: the engine suppresses the finding of that rule only.
    ...(m.ignoreRules ? { ignoreRules: [...m.ignoreRules] } : {}),
    ...(m.ignoreReason ? { ignoreReason: m.ignoreReason } : {}),
    fingerprintKey,
  };
}

/** `company "XYZ" is not on this server; it has CAN (Canfly), OPS (Operations)`: names cut short, at most 10. */
function missingCompanyDetail(m: MissingCompany): string {
  const wanted = `company ${JSON.stringify(oneLine(m.wanted.trim(), 40))} is not on this server (--company, paperclip.companies or PAPERCLIP_COMPANY_ID; an id or an issue prefix)`;
  if (m.known === null) return `${wanted}; this API key cannot list the companies`;
  if (!m.known.length) return `${wanted}; it has no company this API key can see`;
  const shown = m.known.slice(0, 10).map((c) => {
    const prefix = typeof c.issuePrefix === 'string' ? oneLine(c.issuePrefix.trim(), 16) : '?';
    return typeof c.name === 'string' && c.name ? `${prefix} (${oneLine(c.name.trim(), 40)})` : prefix;
  });
  return `${wanted}; it has ${shown.join(', ')}${m.known.length > 10 ? ` and ${m.known.length - 10} more` : ''}`;
}

/** Text that may hold a secret (a company name is anyone's text) with each secret masked. */
function maskText(config: Config, text: string): string {
  return redactSecrets(text, detectSecrets(text, secretOptions(config)));
}

export function sourceSubject(name: string, kind: string, status: SourceStatus['status'], detail: string, extra: Record<string, unknown> = {}, problems: unknown[] = []): Subject {
  return {
    type: 'source',
    id: name,
    label: name,
    source: kind,
    facts: { source: { name, kind, status, detail, url: null, expected: true, health: null, git: null, deploy: null, ...extra }, problems },
  };
}

/**
 * Why nothing listens at `url` (connection refused), or null when something answers the TCP handshake or
 * the question cannot be settled this way (a host name, a timeout): one loopback connect, no HTTP request.
 */
async function nothingListens(url: string): Promise<string | null> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  const { connect } = await import('node:net');
  const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
  return new Promise((done) => {
    const socket = connect({ host: u.hostname.replace(/^\[|\]$/g, ''), port });
    const end = (why: string | null) => {
      socket.destroy();
      done(why);
    };
    socket.setTimeout(1000, () => end(null));
    socket.once('connect', () => end(null));
    socket.once('error', (e: NodeJS.ErrnoException) => end(e.code === 'ECONNREFUSED' ? 'connection refused' : null));
  });
}

export async function readSources(opts: ReadOptions): Promise<SourceOutput> {
  const { config, now, needs } = opts;
  const out: SourceOutput = { statuses: [], subjects: [], paperclip: null, requestCount: 0 };

  const absent = config.paperclip.enabled && needs.paperclip && config.paperclip.implicit ? await nothingListens(config.paperclip.url) : null;
  if (absent) {
    // Nobody asked for a Paperclip and none runs here: say so once, as information, instead of failing a
    // newcomer's first scan of a repository with four retries and a critical finding.
    const detail = `${config.paperclip.url}: nothing listens there (${absent}) and no Paperclip is configured, so the Paperclip rules did not run (--paperclip <url> or PAPERCLIP_API_URL to scan one, --no-paperclip to stop looking)`;
    out.statuses.push({ name: 'paperclip', status: 'unavailable', detail });
    out.subjects.push(sourceSubject('paperclip', 'paperclip', 'unavailable', detail, { url: config.paperclip.url, expected: false }));
  } else if (config.paperclip.enabled && (needs.paperclip || !config.paperclip.implicit)) {
    // A Paperclip the user named (flag, environment, config file) is always at least probed, also when no
    // selected rule reads it (`--only git`): one that does not answer, or lacks a named company, is reported.
    const probeOnly = !needs.paperclip;
    const { readPaperclip } = await import('./paperclip/read.js');
    const client = await paperclipClient(config, opts.signal);
    out.paperclip = client;
    const read = await readPaperclip({ client, companies: config.paperclip.companies, commentsFor: needs.comments ? () => true : (i) => i.status === 'blocked',
      now,
      burnWindowDays: config.budget.forecastWindowDays,
      cache: opts.paperclipCache,
      probeOnly,
      liveRuns: needs.liveRuns,
      routines: needs.routines,
      // Run logs only for a rule on `run` subjects; detected at once, only masked facts kept (run-logs.ts).
      ...(needs.runLogs ? { runLogs: { detect: maskedSecrets(config), maxRuns: needs.runLogRuns ?? 100 } } : {}),
      // The comments that woke runs, for the self-wake facts; over the longest self-wake window in use.
      ...(needs.wakeComments ? { wakeComments: true, wakeCommentsHours: Math.max(24, (opts.factParams?.selfWake.windowMinutes ?? 0) / 60) } : {}),
    });
    out.requestCount += read.requestCount;
    const status: SourceStatus = { name: 'paperclip', status: read.status, detail: read.detail };
    out.statuses.push(status);
    // A part that could not be read (one list answered 500, or mangled JSON) must not pass as "nothing to
    // report": each partial failure is a problem of the source, like a record of the wrong shape.
    const partial = [
      ...read.errors.map((e) => ({ entity: 'paperclip', id: '-', field: '(read)', message: e })),
      ...read.companies.flatMap((c) => c.errors.map((e) => ({ entity: 'company', id: String(c.company?.id ?? '?'), field: e.split(':')[0], message: `company ${c.company?.issuePrefix ?? c.company?.name ?? '?'}: could not read ${e}` }))),
    ];
    out.subjects.push(sourceSubject('paperclip', 'paperclip', read.status, read.detail, { url: config.paperclip.url, health: read.health ?? null }, [...read.schemaProblems, ...partial]));
    // A company the user named that the server does not have is a source that could not be read (critical,
    // like an unreachable server), one subject per company so that the finding names it.
    for (const m of read.missingCompanies) {
      const name = `paperclip company ${oneLine(m.wanted.trim(), 40)}`;
      const detail = maskText(config, missingCompanyDetail(m));
      out.statuses.push({ name, status: 'unavailable', detail });
      out.subjects.push(sourceSubject(name, 'paperclip', 'unavailable', detail, { url: config.paperclip.url }));
    }
    if (read.status === 'ok' && !probeOnly) {
      // Loaded here, not with this module: the pre-commit hook imports it and never reads Paperclip.
      const { paperclipSubjects } = await import('./paperclip/subjects.js');
      out.subjects.push(
        ...paperclipSubjects(read.companies, {
          now,
          // Also when no secret rule runs: ticket texts are masked with what the detector finds in them
          // (a title an ops rule prints holds no key).
          detectSecrets: maskedSecrets(config),
          budget: budgetOptions(config),
          factParams: opts.factParams,
          sessionResets: opts.sessionResets,
          clipguardPauses: opts.clipguardPauses,
          // The checklist's issue is clipguard's, not work for an agent.
          reservedIssues: config.checklist.postIssue ? [config.checklist.postIssue] : [],
        }),
      );
    }
  }
  // A source that was not read (--no-paperclip, or no active rule reads it) is not listed: the report's
  // sources are what this scan read, each `ok` or `unavailable` (the json contract).

  for (const dir of config.repos ?? []) {
    const name = `git:${relative(process.cwd(), dir) || '.'}`;
    // A repository that cannot be read is a finding (source/git-unavailable), not a quiet status line: its
    // commits and secrets were not checked.
    const unavailable = (detail: string) => {
      out.statuses.push({ name, status: 'unavailable', detail });
      out.subjects.push(sourceSubject(name, 'git', 'unavailable', detail));
    };
    if (!existsSync(resolve(dir, '.git'))) {
      unavailable(`${dir} is not a git repository`);
      continue;
    }
    const skipped: string[] = [];
    let skippedMore = 0; // a history may skip a symlink in thousands of commits: the detail names 20
    let unread: string | null = null;
    try {
      if (needs.git) {
        const up = await unpushedCommits(dir);
        // With a push action on, the secrets in what it would push: the plan then shows a push it would
        // refuse as skipped, with the action's own reason (the action reads them again before pushing).
        const head = up.commits[0]?.sha;
        const leakKinds = needs.pushLeaks && up.upstream && head ? await (await import('./git-leaks.js')).secretKindsInRange(dir, `${up.upstream}..${head}`, secretOptions(config)) : null;
        out.subjects.push(
          sourceSubject(name, 'git', 'ok', `${up.ahead} unpushed`, { git: { dir, branch: up.branch, upstream: up.upstream, ahead: up.ahead, commits: up.commits.map((c) => ({ sha: c.sha, subject: c.subject })), leakKinds } }),
        );
      }
      if (needs.secrets) {
        const range = needs.gitRange ?? (await defaultRange(dir));
        if (range) {
          // The range is streamed: each commit and file is scanned as git produces it and only its masked
          // findings are kept, so a history of any length fits in memory (see streamCommitRange).
          const commits: Subject[] = [];
          const diffs: Subject[] = [];
          const blobs: BlobFile[] = [];
          const notRead: string[] = [];
          const inCommit = (f: { commit?: string }) => (f.commit ? ` in ${f.commit.slice(0, 10)}` : '');
          let stopped: string | null = null;
          try {
            for await (const ev of streamCommitRange(dir, range)) {
              if (ev.type === 'commit') commits.push(...commitSubjects(dir, [ev.commit], config));
              else if (ev.type === 'file') diffs.push(...diffSubjects(dir, [ev.file], config));
              else if (ev.type === 'blob') blobs.push(ev.blob);
              // Symlinked (never followed) files and submodules are not scanned: say so.
              else if (ev.type === 'skipped') {
                if (skipped.length < 20) skipped.push(`${ev.file.path} (${ev.file.reason}${inCommit(ev.file)})`);
                else skippedMore++;
              }
              else notRead.push(`${ev.what}${inCommit(ev)}`);
            }
          } catch (e) {
            // git stopped part-way (killed, a corrupt object): what was read is still reported, and the
            // repository is unavailable (a finding), since the rest of the range was not checked.
            stopped = (e as Error).message;
          }
          // Binary, UTF-16 and large files are read whole from their blobs (see blob-secrets.ts).
          const whole = await blobSubjects(dir, blobs, config);
          out.subjects.push(...commits, ...diffs, ...whole.subjects);
          const problems: string[] = [];
          if (stopped) problems.push(`${stopped}, so the rest of ${range} was not scanned for secrets`);
          if (notRead.length) problems.push(`could not read ${notRead.slice(0, 20).join(', ')}${notRead.length > 20 ? ` and ${notRead.length - 20} more` : ''}, so it was not scanned for secrets`);
          // A blob git cannot read was not checked: the repository is reported unavailable (a finding).
          if (whole.unread.length) problems.push(`could not read ${whole.unread.map((u) => `${u.path}${inCommit(u)} (${u.error})`).join(', ')}, so it was not scanned for secrets; ${ALLOW_UNSCANNED}`);
          if (problems.length) unread = problems.join('; ');
        }
      }
      let detail = dir;
      if (skipped.length) detail += `; not scanned: ${skipped.join(', ')}${skippedMore ? ` and ${skippedMore} more` : ''}`;
      if (needs.locales) {
        const { readZhFileSubjects } = await import('./zh-files.js');
        const read = await readZhFileSubjects(dir, config);
        out.subjects.push(...read.subjects);
        if (read.skipped.length) detail += `; skipped ${skippedNote(read.skipped)}`;
      }
      if (unread) unavailable(`${unread}; ${detail}`);
      else out.statuses.push({ name, status: 'ok', detail });
    } catch (e) {
      unavailable((e as Error).message);
    }
  }

  // undici (deploy.js) loads only when there is a URL to check.
  if (needs.deploy && config.deploy.urls.length) {
    const { checkDeploy } = await import('./deploy.js');
    for (const d of config.deploy.urls) {
      const r = await checkDeploy(d);
      out.subjects.push(sourceSubject(`deploy:${d.url}`, 'deploy', 'ok', r.ok ? 'up' : 'down', { url: d.url, deploy: r }));
    }
  }
  return out;
}

/** `shown` replaces the sha in labels and messages: the commit-msg hook's message has no commit yet ("(uncommitted)"). */
export function commitSubjects(repo: string, commits: { sha: string; shown?: string; subject: string; message: string; author: string; date: string }[], config: Config): Subject[] {
  const detect = maskedSecrets(config);
  return commits.map((c) => {
    const secrets = detect(c.message);
    // The subject line is shown alone (label, messages): masked with what the whole message gave, since a key
    // on it may be one only for a word further down.
    const shown = secrets.length ? maskCommit(c, detect.spans([c.message])[0]) : c;
    return {
      type: 'commit' as const,
      id: c.sha,
      label: `${c.shown ?? c.sha.slice(0, 10)} ${shown.subject}`,
      source: 'git',
      facts: { commit: { sha: c.shown ?? c.sha.slice(0, 12), subject: shown.subject, message: shown.message, author: c.author, date: c.date }, secrets },
    };
  });
}

/** The commit with the secrets found in its message redacted in the message and wherever the subject repeats them. */
function maskCommit<T extends { subject: string; message: string }>(c: T, spans: RedactSpan[]): T {
  let subject = c.subject;
  for (const s of spans) if (s.end > s.start) subject = subject.split(c.message.slice(s.start, s.end)).join(`[REDACTED:${s.kind}]`);
  return { ...c, subject, message: redactSecrets(c.message, spans) };
}

/** Subjects of files' added lines: as runs (the staged diff) or line by line (a commit range's stream). */
export function diffSubjects(repo: string, files: readonly (StagedFile | DiffFile)[], config: Config): Subject[] {
  const out: Subject[] = [];
  for (const file of files) {
    const f = 'blocks' in file ? file : { path: file.path, commit: file.commit, blocks: blocksOfLines(file.lines), added: file.lines.length };
    const detect = maskedSecrets(config, f.path);
    // Detect per run of consecutive added lines (a private key spans many lines: line by line, its armour and
    // body are never seen together; and one call per block is what makes a 20,000-line commit fast), then map
    // each match back to the file's own line number.
    // A commit's diff is keyed by the commit too: the same line added again by a later commit (the same
    // variable set to a new key) is a new secret, not the one a baseline recorded.
    const at = f.commit ? `@${f.commit.slice(0, 12)}` : '';
    const secrets = numberRepeats(
      f.blocks.flatMap((block) =>
        detect(block.text).map((m) => {
          const line = m.line >= 1 && m.line <= lineCount(block.text) ? block.line + m.line - 1 : block.line;
          // Repeats are numbered across the whole file below, not per block.
          return { ...m, line, fingerprintKey: m.fingerprintKey.replace(/#\d+$/, '') + at };
        }),
      ),
    );
    out.push({ type: 'diff', id: f.path, label: f.path, source: 'git', location: { file: f.path, line: 1, column: 1 }, facts: { diff: { path: f.path, addedLines: f.added }, secrets } });
  }
  return out;
}

function lineCount(text: string): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** A whole-blob file that could not be read, so nothing in it was scanned. */
export interface UnreadBlob {
  path: string;
  commit?: string;
  error: string;
}

/** How to let an unreadable file through, said wherever one blocks. */
export const ALLOW_UNSCANNED = 'to commit it unscanned, add its path (a glob) to secrets.allowlist.paths in clipguard.config.json';

/**
 * Subjects of the files read whole (binary, UTF-16, over the patch size limit; see blob-secrets.ts). Keys that
 * were already in the file's previous version are not reported (the patch of a text file reports added lines
 * only; a blob has no lines to compare, so its secrets are compared instead). Paths in
 * `secrets.allowlist.paths` are not read at all. A blob git cannot read is returned in `unread`: the caller
 * must fail, since its content was not checked.
 */
export async function blobSubjects(repo: string, blobs: readonly BlobFile[], config: Config): Promise<{ subjects: Subject[]; unread: UnreadBlob[] }> {
  const subjects: Subject[] = [];
  const unread: UnreadBlob[] = [];
  const paths = config.secrets.allowlist.paths ?? [];
  const allowed = paths.length ? globMatcher(paths, { dot: true }) : () => false;
  const wanted = blobs.filter((b) => !allowed(b.path));
  // Binary files are at most the patch size limit: read together through one git process. Larger ones stream.
  const small = wanted.filter((b) => b.why === 'binary');
  const read = readSmallBlobs(repo, small.map((b) => b.blob));
  try {
    for (const b of [...small, ...wanted.filter((w) => w.why !== 'binary')]) {
      const options = { ...secretOptions(config), path: b.path };
      let scan;
      try {
        if (b.why === 'binary') {
          const { value } = await read.next();
          if (!value?.bytes) throw new Error('git cat-file could not read the blob');
          scan = await blobSecrets([value.bytes], options);
        } else scan = await blobSecrets(readBlob(repo, b.blob), options);
      } catch (e) {
        unread.push({ path: b.path, ...(b.commit ? { commit: b.commit } : {}), error: (e as Error).message });
        continue;
      }
      let before = new Set<string>();
      if (b.base && scan.matches.length) {
        // The old version cannot be read: every key counts as new (fail closed).
        before = await blobSecrets(readBlob(repo, b.base), options).then((s) => new Set(s.matches.map((m) => m.hash)), () => new Set<string>());
      }
      const at = b.commit ? `@${b.commit.slice(0, 12)}` : '';
      const secrets = numberRepeats(
        scan.matches
          .filter((m) => !before.has(m.hash))
          .map((m) => maskedMatch(m, `${m.kind}@${m.contextKey}${at}`)),
      );
      subjects.push({ type: 'diff', id: b.path, label: b.path, source: 'git', location: { file: b.path, line: 1, column: 1 }, facts: { diff: { path: b.path, addedLines: scan.lines }, secrets } });
    }
  } finally {
    await read.return(undefined); // ends the batch process if it is still running
  }
  return { subjects, unread };
}

/** "a.json (binary ...), b.po (...)", shortened: a status line, not a listing. */
export function skippedNote(skipped: SkippedFile[]): string {
  const shown = skipped.slice(0, 5).map((s) => `${s.path} (${s.reason})`);
  return shown.join(', ') + (skipped.length > 5 ? ` and ${skipped.length - 5} more` : '');
}
