// The zh tables compiled at `npm run build` (dist/generated/zh-tables.bin, scripts/write-zh-tables.mjs) are
// what the detector compiles in-process from opencc-js when that file is absent: the shipped file is never
// a second, drifting source of truth. Needs the build (`npm test` builds first).
import { existsSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileTables, packTables, runtimeTables, unpackTables, TABLES_VERSION } from '../../src/detectors/chinese/tables.js';
import { direction } from '../../src/detectors/chinese/convert.js';
import * as OpenCC from 'opencc-js';

const BUILT = new URL('../../dist/generated/zh-tables.bin', import.meta.url);
let once: ReturnType<typeof compileTables> | undefined;
/** compileTables() from opencc-js takes seconds: once for the whole file (it is pure). */
const compiled = () => (once ??= compileTables());

describe('compiled zh tables', () => {
  it('the build writes them, and they equal the in-process compilation from opencc-js', () => {
    expect(existsSync(BUILT)).toBe(true);
    const built = readFileSync(BUILT);
    expect(compiled().version).toBe(TABLES_VERSION);
    expect(built.equals(packTables(compiled()))).toBe(true);
    // Read back, the packed file is the runtime layout the fallback builds in-process, array for array.
    expect(unpackTables(built)).toEqual(runtimeTables(compiled()));
  });

  it('a packed file of another version is not read (the detector compiles afresh)', () => {
    const packed = packTables({ ...compiled(), version: 'zh-tables-0' });
    expect(unpackTables(packed)).toBeNull();
    // Views over a buffer that does not start 8-aligned (a slice of a larger one) read the same.
    const good = packTables(compiled());
    const shifted = Buffer.alloc(good.length + 3);
    good.copy(shifted, 3);
    expect(unpackTables(shifted.subarray(3))).toEqual(unpackTables(good));
    // A truncated file is an error, never a table read past its end (loadTables then compiles afresh).
    expect(() => unpackTables(good.subarray(0, good.length - 4096))).toThrow();
  });

  it('every phrase of the table is found by the longest-match search, and nothing longer than it', () => {
    const t = compiled();
    const entries = Object.values(t.phrases.st).flatMap((b) => b.split('|').map((e) => e.split(' ') as [string, string]));
    const ix = runtimeTables(t).phrases.st;
    const keyOf = (e: number) => String.fromCharCode(...ix.keys.subarray(ix.keyStart[e], ix.keyStart[e + 1]));
    const valueOf = (e: number) => String.fromCharCode(...ix.values.subarray(ix.valueStart[e], ix.valueStart[e + 1]));
    const phrases = new Map(entries);
    const d = direction('tw');
    fc.assert(
      fc.property(fc.constantFrom(...entries), fc.string({ unit: fc.constantFrom(...'的了后面干发里于系只台灣a🀄𠀀'), maxLength: 4 }), ([k, v], tail) => {
        const cps = Array.from(k + tail, (c) => c.codePointAt(0)!);
        const e = d.longestPhrase(cps, 0, cps.length);
        expect(e).toBeGreaterThanOrEqual(0);
        const key = keyOf(e);
        // The longest key the text starts with: k itself or a longer phrase that k + tail spells.
        expect((k + tail).startsWith(key) && key.length >= k.length).toBe(true);
        expect(valueOf(e)).toBe(phrases.get(key));
        expect(d.phraseValue(e)).toBe(phrases.get(key));
        for (let l = key.length + 1; l <= (k + tail).length; l++) expect(phrases.has((k + tail).slice(0, l))).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('share one Simplified -> Traditional phrase table between TW and HK', () => {
    const t = compiled();
    expect(t.directions.tw.phrases).toBe('st');
    expect(t.directions.hk.phrases).toBe('st');
    expect(t.directions.cn.phrases).toBe('ts');
    // Phrases OpenCC generates from its regional tables are there too: 毛里求斯 keeps 里.
    expect(t.phrases.st['毛']).toContain('毛里求斯 毛里求斯');
  });

  it("the HK variant step converts its phrases like opencc-js, and text spelling __proto__ or constructor is text", () => {
    const s2hk: (t: string) => string = OpenCC.Converter({ from: 'cn', to: 'hk' });
    for (const t of ['白腊所', '腊所', '__proto__白腊', 'constructor白腊toString']) expect(direction('hk').convert(t)).toBe(s2hk(t));
  });
});
