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

  // Text that is mostly CJK (or Hangul, kana) has no NUL-every-other-byte pattern in UTF-16, and it used to be
  // read as binary: its printable bytes only, so an ASCII key in it was lost between the NULs of its letters.
  const CJK = fc.constantFrom('漢字', '中文的設定', '日本語のテキスト', '한국어 설정', 'カタカナ', '，。、「」', '𠀋𡈽', '😀', ' ', '\n', 'é', 'x');
  const cjkText = fc.array(CJK, { minLength: 80, maxLength: 400 }).map((a) => a.join(''));
  const encode = (text: string, encoding: 'utf-16le' | 'utf-16be' | 'utf-32le' | 'utf-32be'): Buffer => {
    if (encoding === 'utf-16le') return Buffer.from(text, 'utf16le');
    if (encoding === 'utf-16be') return Buffer.from(text, 'utf16le').swap16();
    const cps = [...text].map((c) => c.codePointAt(0)!);
    const out = Buffer.alloc(cps.length * 4);
    cps.forEach((cp, i) => (encoding === 'utf-32le' ? out.writeUInt32LE(cp, i * 4) : out.writeUInt32BE(cp, i * 4)));
    return out;
  };

  it('property: BOM-less UTF-16 and UTF-32 text that is mostly CJK is read as text: an ASCII key in it is found at its line and column, whatever the chunks', async () => {
    await fc.assert(
      fc.asyncProperty(cjkText, cjkText, fc.constantFrom('utf-16le', 'utf-16be', 'utf-32le', 'utf-32be'), fc.integer({ min: 1, max: 10_000 }), fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 4 }), async (before, after, encoding, seed, sizes) => {
          const key = fakeToken('github-pat', seed);
          const text = `${before}\nGITHUB_TOKEN=${key}\n${after}`;
          const scan = await blobSecrets(chunked(encode(text, encoding), sizes));
          expect(scan.encoding).toBe(encoding);
          const line = before.split('\n').length + 1;
          expect(scan.matches.map((m) => [m.kind, m.line, m.column])).toEqual([['github-pat', line, 14]]);
          expect(scan.lines).toBe(text.split('\n').length);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('UTF-32 by its BOM (whose first bytes are UTF-16LE\'s), with a code unit cut by every chunk', async () => {
    const key = fakeToken('github-pat', 74);
    for (const encoding of ['utf-32le', 'utf-32be'] as const) {
      const bom = encoding === 'utf-32le' ? [0xff, 0xfe, 0, 0] : [0, 0, 0xfe, 0xff];
      const scan = await blobSecrets(chunked(Buffer.concat([Buffer.from(bom), encode(env(key), encoding)]), [3, 5, 7]));
      expect(scan.encoding, encoding).toBe(encoding);
      expect(scan.matches.map((m) => [m.kind, m.line, m.column]), encoding).toEqual([['github-pat', 2, 14]]);
    }
  });

  it('property: binaries are not read as UTF-16 or UTF-32 text: random bytes, compressed data, PNG, gzip, number arrays, a .mo catalogue, the binaries in node_modules', async () => {
    const { deflateSync, gzipSync } = await import('node:zlib');
    const { readFileSync, readdirSync, statSync } = await import('node:fs');
    const { join } = await import('node:path');
    const wide = (e: string) => e.startsWith('utf-16') || e.startsWith('utf-32');
    const png = (data: Uint8Array) => {
      const chunk = (type: string, body: Uint8Array) => {
        const len = Buffer.alloc(4);
        len.writeUInt32BE(body.length);
        return Buffer.concat([len, Buffer.from(type, 'latin1'), body, Buffer.alloc(4, 0x5a)]);
      };
      const ihdr = Buffer.from([0, 0, 1, 0, 0, 0, 1, 0, 8, 6, 0, 0, 0]);
      return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('tEXt', Buffer.from('Comment\0made by hand')), chunk('IDAT', deflateSync(data)), chunk('IEND', new Uint8Array(0))]);
    };
    const numbers = (xs: number[], width: 2 | 4 | 8) => {
      const b = Buffer.alloc(xs.length * width);
      xs.forEach((x, i) => (width === 2 ? b.writeUInt16LE(x & 0xffff, i * 2) : width === 4 ? b.writeUInt32LE(x >>> 0, i * 4) : b.writeDoubleLE(x, i * 8)));
      return b;
    };
    const mo = (strings: string[]) => {
      // A gettext catalogue: a header of 32-bit numbers, then offset tables and the strings (UTF-8, CJK too).
      const body = Buffer.from(strings.join('\0'), 'utf8');
      return Buffer.concat([numbers([0x950412de, 0, strings.length, 28, 28 + strings.length * 8, 0, 0], 4), numbers(strings.flatMap((s, i) => [s.length, 100 + i * 40]), 4), body]);
    };
    const bytes = fc.uint8Array({ minLength: 128, maxLength: 6000 });
    const binary = fc.oneof(
      bytes,
      bytes.map((b) => deflateSync(b)),
      fc.array(CJK, { minLength: 50, maxLength: 800 }).map((a) => gzipSync(a.join(''))),
      bytes.map(png),
      fc.array(fc.integer({ min: 0, max: 70_000 }), { minLength: 64, maxLength: 1500 }).chain((xs) => fc.constantFrom(2 as const, 4 as const, 8 as const).map((w) => numbers(xs, w))),
      fc.array(cjkText, { minLength: 2, maxLength: 20 }).map(mo),
    );
    // CI drew this one: small little-endian numbers, read as UTF-16BE, are letters of the 0x0100-0x2fff blocks.
    const drawn = [102, 17, 13, 0, 6, 0, 104, 17, 160, 199, 101, 17, 2, 0, 10, 75, 10, 0, 128, 5, 3, 0, 78, 63, 191, 92, 105, 253, 7, 0, 52, 2, 72, 137, 151, 27, 110, 157, 86, 156, 7, 0, 14, 0, 105, 17, 119, 183, 100, 17, 209, 222, 192, 167, 2, 0, 9, 0, 16, 188, 2, 0, 16, 0, 16, 0, 10, 0, 101, 17, 180, 73, 124, 25, 101, 227, 5, 0, 11, 0, 127, 154, 61, 138, 200, 154, 130, 183, 133, 253, 14, 0, 11, 0, 11, 0, 7, 158, 79, 186, 130, 71, 26, 131, 1, 89, 103, 123, 20, 124, 105, 17, 13, 0, 81, 44, 128, 133, 36, 66, 198, 242, 9, 0, 2, 0, 2, 0];
    expect(sniffEncoding(Buffer.from(drawn))).toBe('binary');
    fc.assert(
      fc.property(binary, (b) => {
        // A byte-order mark is the file's own word for its encoding (random bytes draw FF FE now and then).
        fc.pre(!((b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff) || (b[0] === 0 && b[1] === 0 && b[2] === 0xfe && b[3] === 0xff)));
        expect(wide(sniffEncoding(b))).toBe(false);
      }),
      { numRuns: 600 },
    );
    // Real ones: every file under node_modules whose name says binary (wasm, .node, images, archives, fonts).
    const found: string[] = [];
    const walk = (dir: string, depth: number) => {
      if (depth > 6 || found.length > 400) return;
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        const st = statSync(p, { throwIfNoEntry: false });
        if (!st) continue;
        if (st.isDirectory()) walk(p, depth + 1);
        else if (/\.(wasm|node|png|jpe?g|gif|ico|zip|gz|tgz|woff2?|ttf|otf|pdf|bin|dat|mo)$/.test(name) && st.size > 256) found.push(p);
      }
    };
    walk('node_modules', 0);
    expect(found.length).toBeGreaterThan(0);
    for (const f of found) expect(wide(sniffEncoding(readFileSync(f).subarray(0, 4096))), f).toBe(false);
  });

  it('a stream that fails (git could not read the blob) rejects: the caller must not pass the file', async () => {
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield Buffer.from('partial ');
      throw new Error('fatal: bad object');
    }
    await expect(blobSecrets(broken())).rejects.toThrow('bad object');
  });
});
