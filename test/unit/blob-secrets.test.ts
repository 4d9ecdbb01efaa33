// The whole-blob reader (src/sources/blob-secrets.ts): bytes are decoded by BOM / UTF-16 pattern, control
// bytes become spaces, and the text is scanned in windows. The windowed scan must find exactly what one
// detector call over the whole text finds (same secrets, same file line and column), wherever the windows
// and the stream's chunks cut it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blobSecrets, sniffEncoding, WINDOW } from '../../src/sources/blob-secrets.js';
import { detectSecrets } from '../../src/detectors/secrets/index.js';
import { FAKE_KINDS, fakeSample, fakeToken } from '../helpers/fake-secrets.js';

/** `bytes` as a stream cut into the given chunk sizes (cycled). */
async function* chunked(bytes: Uint8Array, sizes: number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const n = Math.max(1, sizes[i % sizes.length]);
    yield bytes.subarray(at, at + n);
    at += n;
  }
}

const essence = (ms: { kind: string; start: number; end: number; line: number; column: number; hash: string }[]) => ms.map(({ kind, start, end, line, column, hash }) => ({ kind, start, end, line, column, hash }));

describe('blobSecrets: windows find what the whole text holds', () => {
  it('property: any text, any keys, any window and chunk sizes -> the same matches as one detector call', async () => {
    const filler = fc.array(fc.constantFrom('a', 'b', ' ', '\n', '=', '"', 'x', '.', ';', 'Z9', 'const k = 1;\n', 'é', '漢'), { maxLength: 600 }).map((a) => a.join(''));
    const piece = fc.tuple(filler, fc.constantFrom(...FAKE_KINDS), fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 0, max: 3 }));
    await fc.assert(
      // The overlap stays above the longest fake key (a PEM block, ~600 characters) plus a pattern's context
      // (400): small windows make every text cross many of them.
      fc.asyncProperty(fc.array(piece, { minLength: 1, maxLength: 10 }), filler, fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 1100, max: 1600 }), fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 5 }), async (pieces, tail, window, overlap, sizes) => {
        const text = pieces.map(([f, kind, seed, style]) => f + fakeSample(kind, seed, style).text).join('') + tail;
        const whole = detectSecrets(text);
        const scan = await blobSecrets(chunked(Buffer.from(text, 'utf8'), sizes), {}, { window, overlap });
        expect(essence(scan.matches)).toEqual(essence(whole));
        expect(scan.lines).toBe(text.split('\n').length);
      }),
      { numRuns: 150 },
    );
  });

  it('a key straddling the real window boundary (1 MiB) is found once, at its column on a one-line bundle', async () => {
    const key = fakeToken('github-pat', 71);
    for (const shift of [-60, -41, -20, -1, 0, 1, 17, 40]) {
      const at = WINDOW + shift;
      const line = 'x=1;'.repeat(Math.ceil((WINDOW + 40_000) / 4));
      const text = `${line.slice(0, at - 7)}var t="${key}";${line.slice(at + key.length + 2)}`;
      // One chunk that ends exactly where the first window's own part ends, then the rest.
      const bytes = Buffer.from(text);
      const scan = await blobSecrets(chunked(bytes, [WINDOW + 16 * 1024, 64 * 1024]));
      expect(scan.matches.map((m) => [m.kind, m.line, m.column]), `shift ${shift}`).toEqual([['github-pat', 1, at + 1]]);
      expect(JSON.stringify(scan.matches)).not.toContain(key);
    }
  });
});

describe('blobSecrets: bytes to text', () => {
  const env = (key: string) => `# settings\nGITHUB_TOKEN=${key}\n`;

  it('decodes UTF-16LE and UTF-16BE by their BOM, and BOM-less UTF-16LE by its NUL pattern', async () => {
    const key = fakeToken('github-pat', 72);
    const le = Buffer.from(env(key), 'utf16le');
    const be = Buffer.from(le).swap16();
    const cases: [string, Buffer, string][] = [
      ['utf-16le', Buffer.concat([Buffer.from([0xff, 0xfe]), le]), 'utf-16le'],
      ['utf-16be', Buffer.concat([Buffer.from([0xfe, 0xff]), be]), 'utf-16be'],
      ['utf-16le without BOM', le, 'utf-16le'],
      ['utf-8 with BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(env(key))]), 'utf-8'],
    ];
    for (const [name, bytes, encoding] of cases) {
      const scan = await blobSecrets(chunked(bytes, [3, 1, 4096]));
      expect(scan.encoding, name).toBe(encoding);
      expect(scan.matches.map((m) => [m.kind, m.line, m.column]), name).toEqual([['github-pat', 2, 14]]);
    }
  });

  it('a NUL or other control byte is a separator: the text around it is scanned, lines keep their numbers', async () => {
    const key = fakeToken('gitlab-pat', 73);
    const text = Buffer.concat([Buffer.from('line one, the longer part of a text file\nname = x\0 two\n'), Buffer.from(`token = ${key} tail\n`)]);
    expect(sniffEncoding(text)).toBe('utf-8');
    const binary = Buffer.concat([Buffer.from([0, 1, 2, 3, 4, 5, 0x80, 0xff, 10, 0, 0, 10]), Buffer.from(`token = ${key}\0tail\n`)]);
    expect(sniffEncoding(binary)).toBe('binary');
    for (const [bytes, line] of [[text, 3], [binary, 3]] as const) {
      const scan = await blobSecrets(chunked(bytes, [5]));
      expect(scan.matches.map((m) => [m.kind, m.line, m.column])).toEqual([['gitlab-pat', line, 9]]);
    }
  });

  it('sniffing: binary data with scattered NULs is binary, not UTF-16; non-UTF-8 text (Latin-1) stays text', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 1, 0, 0, 0, 1, 0, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4]);
    expect(sniffEncoding(png)).toBe('binary');
    expect(sniffEncoding(Buffer.from('caf\xe9 = 1\nna\xefve = 2\n', 'latin1'))).toBe('utf-8');
  });

  it('a stream that fails (git could not read the blob) rejects: the caller must not pass the file', async () => {
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield Buffer.from('partial ');
      throw new Error('fatal: bad object');
    }
    await expect(blobSecrets(broken())).rejects.toThrow('bad object');
  });
});
