// Secrets in a file read whole from its blob: what git calls binary (a NUL byte, UTF-16) and files over the
// patch size limit. A key does not stop being a key because it sits in a 2 MB bundle or a UTF-16 .env, so
// these are scanned, in bounded memory, instead of being skipped.
//
// Bytes -> text: a BOM decides (UTF-8, UTF-16LE, UTF-16BE), and BOM-less UTF-16 is recognised by its
// NUL-every-other-byte pattern; else a file whose first 4 KB are more than 2% control bytes is binary, and
// the rest is read as UTF-8. In text, control bytes (NUL included) and bytes that are not UTF-8 become
// spaces, so a text file with a stray NUL reads as text. Of a binary file (an image, an archive) only its
// printable ASCII is kept, the other bytes become spaces, so its printable runs stand apart as `strings`
// shows them: a key in a PNG text chunk is found, compressed data yields nothing. Line numbers count the
// file's own newlines.
//
// Text -> detector: windows of WINDOW characters, each with OVERLAP characters of the previous text before it
// and OVERLAP after, both longer than any secret plus the context a pattern reads. A window reports only the
// matches that start in its own part, so each position is reported by exactly one window and always with
// its whole secret and context in view.

import { hash } from 'node:crypto';
import { TextDecoder } from 'node:util';
import { detectSecrets, type DetectOptions, type SecretMatch } from '../detectors/secrets/index.js';

/** How a blob's bytes are read: as text in one of three encodings, or as binary data (its printable ASCII). */
export type BlobEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'binary';

/** Characters the detector reads per call (memory stays at a few times this, whatever the file's size). */
export const WINDOW = 1 << 20;
/** Context kept on each side of a window: more than the longest secret (a PEM key) and a pattern's context window. */
export const OVERLAP = 16 << 10;
/** Bytes looked at to recognise BOM-less UTF-16. */
const SNIFF = 4096;

/** A match with its offsets, line and column in the whole file, and a fingerprint context. */
export interface BlobMatch extends SecretMatch {
  /** The characters around the secret on its line (at most 256 on each side), hashed: stable across windows. */
  contextKey: string;
}

export interface BlobScan {
  encoding: BlobEncoding;
  /** Lines in the file (newlines + 1). */
  lines: number;
  matches: BlobMatch[];
}

/**
 * The encoding of a file from its first bytes: a BOM, the NUL pattern of BOM-less UTF-16 text, or binary
 * when more than 2% of them are control bytes (a text file with a stray NUL stays text).
 */
export function sniffEncoding(head: Uint8Array): BlobEncoding {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8';
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  const pairs = Math.min(head.length, SNIFF) >> 1;
  if (pairs < 8) return 'utf-8';
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < pairs * 2; i += 2) {
    if (head[i] === 0) evenNul++;
    if (head[i + 1] === 0) oddNul++;
  }
  // ASCII text in UTF-16: one byte of each pair is NUL, the other almost never is.
  if (oddNul > pairs * 0.6 && evenNul < pairs * 0.05) return 'utf-16le';
  if (evenNul > pairs * 0.6 && oddNul < pairs * 0.05) return 'utf-16be';
  const n = Math.min(head.length, SNIFF);
  let control = 0;
  for (let i = 0; i < n; i++) if (head[i] < 0x80 && PRINTABLE[head[i]] !== head[i]) control++;
  return control > n * 0.02 ? 'binary' : 'utf-8';
}

const SPACE = 0x20;
/** Byte -> itself when printable ASCII (or tab, newline, carriage return), else a space. */
const PRINTABLE = Uint8Array.from({ length: 256 }, (_, b) => ((b >= 0x20 && b < 0x7f) || b === 0x09 || b === 0x0a || b === 0x0d ? b : SPACE));

/** The printable ASCII of binary bytes, everything else a space: one table lookup a byte (10x faster than decoding). */
function printable(bytes: Uint8Array): string {
  const out = Buffer.allocUnsafe(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = PRINTABLE[bytes[i]];
  return out.toString('latin1');
}

// C0 controls but tab, newline and carriage return; DEL; U+FFFD (a byte that is not UTF-8).
const UNREADABLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffd]/g;

/** A text decoder, or the printable-bytes reading of binary data. */
interface Decoder {
  decode(bytes?: Uint8Array, options?: { stream: boolean }): string;
}

function decoderFor(encoding: BlobEncoding): Decoder {
  if (encoding === 'binary') return { decode: (bytes) => (bytes ? printable(bytes) : '') };
  const text = new TextDecoder(encoding); // drops the BOM
  return { decode: (bytes, options) => text.decode(bytes, options).replace(UNREADABLE, ' ') };
}

/** Decoded text of a byte stream, piece by piece (the encoding sniffed from the first SNIFF bytes). */
async function* decode(bytes: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, onEncoding: (e: BlobEncoding) => void): AsyncGenerator<string> {
  let decoder: Decoder | null = null;
  let head: Buffer[] = [];
  let headLength = 0;
  const start = (): Decoder => {
    const encoding = sniffEncoding(Buffer.concat(head));
    onEncoding(encoding);
    return decoderFor(encoding);
  };
  for await (const chunk of bytes) {
    if (!decoder) {
      head.push(Buffer.from(chunk));
      headLength += chunk.length;
      if (headLength < SNIFF) continue;
      decoder = start();
      const first = Buffer.concat(head);
      head = [];
      yield decoder.decode(first, { stream: true });
      continue;
    }
    yield decoder.decode(chunk, { stream: true });
  }
  if (!decoder) {
    decoder = start();
    yield decoder.decode(Buffer.concat(head), { stream: true });
  }
  yield decoder.decode();
}

function contextKey(text: string, start: number, end: number): string {
  const lineStart = Math.max(text.lastIndexOf('\n', start - 1) + 1, start - 256);
  const nl = text.indexOf('\n', end);
  const lineEnd = Math.min(nl < 0 ? text.length : nl, end + 256);
  return hash('sha256', `${text.slice(lineStart, start)}\u0000${text.slice(end, lineEnd)}`, 'hex').slice(0, 16);
}

/**
 * Every secret in a blob's bytes, in order, never two overlapping. Memory is bounded by WINDOW, not by the
 * file; a read error of `bytes` is thrown to the caller (the file could not be scanned).
 */
export async function blobSecrets(bytes: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options: DetectOptions = {}, sizes = { window: WINDOW, overlap: OVERLAP }): Promise<BlobScan> {
  const { window, overlap } = sizes;
  let encoding: BlobEncoding = 'utf-8';
  const matches: BlobMatch[] = [];
  let pending = ''; // [context already reported | own part | look-ahead still to come]
  let lead = 0; // characters at the front of `pending` that the previous window reported
  let base = 0; // offset of pending[0] in the file
  let line = 1; // line and column of pending[0]
  let column = 1;
  let reportedEnd = 0;
  let lines = 1;

  const scan = (final: boolean) => {
    const limit = final ? pending.length : pending.length - overlap;
    for (const m of detectSecrets(pending, options)) {
      if (m.start < lead || m.start >= limit) continue; // the previous window's, or the next one's
      if (base + m.start < reportedEnd) continue; // the tail of a secret already reported
      reportedEnd = base + m.end;
      matches.push({
        ...m,
        start: base + m.start,
        end: base + m.end,
        line: line + m.line - 1,
        column: m.line === 1 ? column + m.column - 1 : m.column,
        contextKey: contextKey(pending, m.start, m.end),
      });
    }
    if (final) return;
    // Keep `overlap` characters before the next window's own part as its context.
    const cut = Math.max(0, limit - overlap);
    const gone = pending.slice(0, cut);
    let nl = gone.indexOf('\n');
    let last = -1;
    while (nl !== -1) {
      line++;
      last = nl;
      nl = gone.indexOf('\n', nl + 1);
    }
    column = last === -1 ? column + gone.length : gone.length - last;
    pending = pending.slice(cut);
    base += cut;
    lead = limit - cut;
  };

  for await (const piece of decode(bytes, (e) => (encoding = e))) {
    for (let nl = piece.indexOf('\n'); nl !== -1; nl = piece.indexOf('\n', nl + 1)) lines++;
    pending += piece;
    while (pending.length >= lead + window + overlap) scan(false);
  }
  scan(true);
  return { encoding, lines, matches };
}
