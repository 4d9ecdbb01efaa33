// Secrets in a file read whole from its blob: what git calls binary (a NUL byte, UTF-16) and files over the
// patch size limit. A key does not stop being a key because it sits in a 2 MB bundle or a UTF-16 .env, so
// these are scanned, in bounded memory, instead of being skipped.
//
// Bytes -> text: a BOM decides (UTF-8, UTF-16LE/BE, UTF-32LE/BE), and BOM-less UTF-16 is recognised by its
// NUL-every-other-byte pattern when it is mostly ASCII; bytes that are not plain UTF-8 text (a NUL, control
// bytes, invalid UTF-8) are tried as UTF-32 and UTF-16 (mostly CJK text has no NUL pattern): read so, nearly
// every character must be one text is made of (wideText); else a file whose first 4 KB are more than 2%
// control bytes is binary, and the rest is read as UTF-8. In text, control bytes (NUL included) and bytes that are not UTF-8 become
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
export type BlobEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'utf-32le' | 'utf-32be' | 'binary';

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
  // UTF-32LE's BOM begins with UTF-16LE's: looked at first.
  if (head[0] === 0xff && head[1] === 0xfe && head[2] === 0 && head[3] === 0 && head.length >= 8) return 'utf-32le';
  if (head[0] === 0 && head[1] === 0 && head[2] === 0xfe && head[3] === 0xff) return 'utf-32be';
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
  const sample = head.subarray(0, n);
  // Not plain UTF-8 text: UTF-32, or UTF-16 that is mostly not ASCII (CJK), before "binary" is decided.
  if (control > n * 0.02 || sample.includes(0) || !validUtf8(sample)) {
    const wide = wideText(sample);
    if (wide) return wide;
  }
  return control > n * 0.02 ? 'binary' : 'utf-8';
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
/** Valid UTF-8 (a sequence cut by the end of the sample allowed). */
function validUtf8(bytes: Uint8Array): boolean {
  try {
    utf8.decode(bytes, { stream: true });
    return true;
  } catch {
    return false;
  } finally {
    utf8.decode(); // reset the stream
  }
}

/**
 * A character text is made of: tab, newline, carriage return, printable ASCII, and the blocks of the world's
 * scripts, symbols and CJK (not C0/C1 controls, lone surrogates, private use, noncharacters, unassigned
 * stretches). Read as UTF-16, random bytes give about 80% of these; a real binary's NULs and small numbers
 * give controls.
 */
function textChar(cp: number): boolean {
  if (cp < 0x80) return cp >= 0x20 ? cp < 0x7f : cp === 0x09 || cp === 0x0a || cp === 0x0d;
  return (
    (cp >= 0xa0 && cp <= 0x2fff) || // Latin to Cyrillic, Indic, Thai..., punctuation, symbols
    (cp >= 0x2e80 && cp <= 0x9fff) || // CJK radicals, punctuation, kana, Bopomofo, CJK ideographs
    (cp >= 0xac00 && cp <= 0xd7a3) || // Hangul syllables
    (cp >= 0xf900 && cp <= 0xfaff) || // CJK compatibility ideographs
    (cp >= 0xfe30 && cp <= 0xfe4f) || // CJK compatibility forms
    (cp >= 0xff00 && cp <= 0xffef) || // fullwidth and halfwidth forms
    (cp >= 0x10000 && cp <= 0x2ffff && (cp & 0xfffe) !== 0xfffe) // emoji, CJK extensions
  );
}

/** Code units read from a sample as UTF-16 or UTF-32: the share that are text characters, and how many units. */
function textShare(bytes: Uint8Array, encoding: 'utf-16le' | 'utf-16be' | 'utf-32le' | 'utf-32be'): { share: number; units: number; asciiPairs: number; zeroLow: number } {
  const width = encoding.startsWith('utf-32') ? 4 : 2;
  const le = encoding.endsWith('le');
  const units = Math.floor(bytes.length / width);
  const unit = (k: number): number => {
    const i = k * width;
    if (width === 4) return le ? (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24)) >>> 0 : ((bytes[i] << 24) | (bytes[i + 1] << 16) | (bytes[i + 2] << 8) | bytes[i + 3]) >>> 0;
    return le ? bytes[i] | (bytes[i + 1] << 8) : (bytes[i] << 8) | bytes[i + 1];
  };
  let good = 0;
  let asciiPairs = 0;
  let zeroLow = 0;
  for (let k = 0; k < units; k++) {
    let cp = unit(k);
    if (width === 2) {
      const lo = cp & 0xff;
      const hi = cp >> 8;
      if (lo >= 0x20 && lo < 0x7f && hi >= 0x20 && hi < 0x7f) asciiPairs++;
      if (lo === 0 && hi !== 0) zeroLow++;
      if (cp >= 0xd800 && cp <= 0xdbff && k + 1 < units) {
        const next = unit(k + 1);
        if (next >= 0xdc00 && next <= 0xdfff) {
          cp = 0x10000 + ((cp - 0xd800) << 10) + (next - 0xdc00);
          k++;
          good++; // a pair is two units of text
        }
      }
    }
    if (textChar(cp)) good++;
  }
  return { share: units ? good / units : 0, units, asciiPairs: units ? asciiPairs / units : 0, zeroLow: units ? zeroLow / units : 0 };
}

/** Least code units a sample needs to be read as UTF-16 or UTF-32 text (a few random bytes often pass). */
const WIDE_MIN_UNITS = 64;
/** Share of the units that must be text characters. */
const WIDE_TEXT_SHARE = 0.97;
/** Share of UTF-16 units with a zero low byte beyond which a reading is numbers, not text. */
const WIDE_ZERO_LOW = 0.125;

/**
 * UTF-32 or UTF-16 text without a BOM, from a sample that is not plain UTF-8 text, or null. UTF-16 read from
 * ASCII or Latin-1 bytes is two letters a unit, which are CJK ideographs too: a reading where most units are
 * two printable ASCII bytes is not taken (real CJK text has about a fifth of them). Small little-endian numbers
 * read as UTF-16BE (06 00 -> U+0600) are letters of the 0x0100-0x2fff blocks too, all with a zero low byte: a
 * reading where more than an eighth of the units have one is not taken (real text has about 1 in 256, U+3000
 * and 一 U+4E00 a few more).
 */
function wideText(sample: Uint8Array): BlobEncoding | null {
  for (const encoding of ['utf-32le', 'utf-32be', 'utf-16le', 'utf-16be'] as const) {
    const t = textShare(sample, encoding);
    if (t.units >= WIDE_MIN_UNITS && t.share >= WIDE_TEXT_SHARE && t.asciiPairs < 0.5 && t.zeroLow <= WIDE_ZERO_LOW) return encoding;
  }
  return null;
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
  if (encoding === 'utf-32le' || encoding === 'utf-32be') return utf32Decoder(encoding === 'utf-32le');
  const text = new TextDecoder(encoding); // drops the BOM
  return { decode: (bytes, options) => text.decode(bytes, options).replace(UNREADABLE, ' ') };
}

/** UTF-32 (TextDecoder has none): four bytes a code point, a unit cut by a chunk kept for the next; the BOM dropped. */
function utf32Decoder(le: boolean): Decoder {
  let rest: Uint8Array = new Uint8Array(0);
  let first = true;
  return {
    decode(bytes, options) {
      const buf = bytes ? (rest.length ? Buffer.concat([rest, bytes]) : bytes) : rest;
      const whole = options?.stream ? buf.length - (buf.length % 4) : buf.length;
      const parts: string[] = [];
      const cps: number[] = [];
      for (let i = 0; i + 4 <= whole; i += 4) {
        const cp = le ? (buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24)) >>> 0 : ((buf[i] << 24) | (buf[i + 1] << 16) | (buf[i + 2] << 8) | buf[i + 3]) >>> 0;
        if (first) {
          first = false;
          if (cp === 0xfeff) continue;
        }
        cps.push(cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ? 0xfffd : cp);
        if (cps.length === 8192) parts.push(String.fromCodePoint(...cps.splice(0)));
      }
      // A last unit cut short (not streaming): one unreadable character.
      if (!options?.stream && whole % 4) cps.push(0xfffd);
      parts.push(String.fromCodePoint(...cps));
      rest = options?.stream ? Uint8Array.from(buf.subarray(whole)) : new Uint8Array(0);
      return parts.join('').replace(UNREADABLE, ' ');
    },
  };
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
