// The measure script's core outputs on the committed genuine locale files (fixtures/locales-real): no false
// alarm beyond the hand-checked upstream slips, and the catch rate on injected single-character slips.
// It runs the built detector (dist/), as `npm test` builds first.
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain .mjs script without types
import { measure } from '../../scripts/measure-zh.mjs';

describe('scripts/measure-zh.mjs', async () => {
  const r = await measure({ seed: 7, injections: 400 });

  it('measures zh-TW, zh-HK and zh-CN text, tens of thousands of Han characters each', () => {
    expect(Object.keys(r.locales).sort()).toEqual(['zh-CN', 'zh-HK', 'zh-TW']);
    for (const row of Object.values(r.locales) as { hanChars: number }[]) expect(row.hanChars).toBeGreaterThan(10_000);
  });

  it('raises no false alarm on genuine text; each known upstream slip is found', () => {
    expect(r.falseAlarms).toEqual([]);
    expect(r.locales['zh-TW'].knownSlips).toBe(4);
    expect(r.locales['zh-HK'].knownSlips).toBe(3);
  });

  it('the naive "anything cn->tw changes" linter would flag thousands per million Han characters', () => {
    expect(r.locales['zh-TW'].naiveFlagsPerMillion).toBeGreaterThan(1000);
  });

  it('catches every injected Simplified-only slip and nearly every phrase slip OpenCC rewrites', () => {
    expect(r.catchRate.simplifiedOnly.injected).toBe(400);
    expect(r.catchRate.simplifiedOnly.rate).toBe(1);
    expect(r.catchRate.bothInPhrase.injected).toBeGreaterThan(50);
    expect(r.catchRate.bothInPhrase.rate).toBeGreaterThanOrEqual(0.9);
    expect(r.catchRate.traditionalOnlyInHans.injected).toBe(400);
    expect(r.catchRate.traditionalOnlyInHans.rate).toBe(1);
  });
});
