// bench/zh.mjs as the lead's bench runner imports it: run() returns rows {name, value, unit, peer, ratio}.
// One timed run only; the numbers themselves are the benchmark's business, not a test's.
import { describe, expect, it } from 'vitest';

describe('bench/zh.mjs', () => {
  it('run() measures the linter and the opencc-js peer on the same Han characters', async () => {
    process.env.BENCH_ZH_RUNS = '1';
    process.env.BENCH_ZH_ROUNDS = '1';
    // @ts-expect-error: plain .mjs benchmark without types
    const { run } = await import('../../bench/zh.mjs');
    const rows = await run();
    expect(rows.map((r: any) => [r.name, r.unit])).toEqual([
      ['zh lint, real zh-TW text', 'Han chars/s'],
      ['opencc-js cn->tw, same text', 'Han chars/s'],
    ]);
    expect(rows[0].peer).toBe('opencc-js cn->tw (naive linter)');
    expect(rows[0].hanChars).toBe(rows[1].hanChars);
    expect(rows[0].ratio).toBeCloseTo(rows[0].value / rows[1].value, 0);
    // Same text, very different verdicts: the known upstream slips (12 in zh-TW / zh-Hant, SOURCE.md) and 17
    // regional variants (info) against every character cn->tw changes. All the zh-TW / zh-Hant text of the
    // corpus is read (~2.7 MB, GNOME .po files included).
    expect(rows[0].findings).toBe(29);
    expect(rows[1].findings).toBeGreaterThan(100);
    expect(rows[0].files).toBe(34);
    expect(rows[0].bytes).toBeGreaterThan(2_000_000);
  });
});
