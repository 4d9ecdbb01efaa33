// The zh tables compiled at `npm run build` (dist/generated/zh-tables.json, scripts/write-zh-tables.mjs) are
// what the detector compiles in-process from opencc-js when that file is absent: the shipped file is never
// a second, drifting source of truth. Needs the build (`npm test` builds first).
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileTables, TABLES_VERSION } from '../../src/detectors/chinese/tables.js';
import { direction } from '../../src/detectors/chinese/convert.js';
import * as OpenCC from 'opencc-js';

const BUILT = new URL('../../dist/generated/zh-tables.json', import.meta.url);

describe('compiled zh tables', () => {
  it('the build writes them, and they equal the in-process compilation from opencc-js', () => {
    expect(existsSync(BUILT)).toBe(true);
    const built = JSON.parse(readFileSync(BUILT, 'utf8'));
    expect(built.version).toBe(TABLES_VERSION);
    expect(built).toEqual(compileTables());
  });

  it('share one Simplified -> Traditional phrase table between TW and HK', () => {
    const t = compileTables();
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
