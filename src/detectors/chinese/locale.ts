// zh locales and what each one checks. A locale names a script (Traditional or Simplified) and, for
// Traditional, maybe a region whose standard forms differ (TW vs HK). HK rules are never applied to TW.

export const ZH_LOCALES = ['zh-TW', 'zh-HK', 'zh-Hant', 'zh-CN', 'zh-Hans', 'zh-SG'] as const;
export type ZhLocale = (typeof ZH_LOCALES)[number];
export type ZhScript = 'hant' | 'hans';

export const ZH_KINDS = ['simplified-in-hant', 'traditional-in-hans', 'regional-variant', 'japanese-form'] as const;
export type ZhKind = (typeof ZH_KINDS)[number];

export function scriptOf(locale: ZhLocale): ZhScript {
  return locale === 'zh-CN' || locale === 'zh-Hans' || locale === 'zh-SG' ? 'hans' : 'hant';
}

export function isZhLocale(s: string): s is ZhLocale {
  return (ZH_LOCALES as readonly string[]).includes(s);
}

/** Allow-list keys that apply to a locale: its own, its script's (zh-Hant covers zh-TW), and "*". */
export function allowKeysFor(locale: ZhLocale): string[] {
  return [locale, scriptOf(locale) === 'hant' ? 'zh-Hant' : 'zh-Hans', '*'];
}
