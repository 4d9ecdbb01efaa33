// Hand-kept exceptions, each measured on genuine locale files (scripts/measure-zh.mjs): without them the
// detector raises false alarms on correct text. Keep this list short and say why for every entry.

/**
 * Characters valid in Traditional whose OpenCC phrase rewrite is a variant *choice* that Taiwan and Hong
 * Kong usage accepts both ways, so a rewrite is not evidence of a Simplified slip:
 * 台/臺 (台灣 is the everyday form), 了/瞭 (了解), 布/佈 (分布), 占/佔 (占用, 占位).
 */
export const HANT_VARIANT_CHOICES = new Set(['台', '了', '布', '占']);

/** Hong Kong writes 厘米 (CLDR zh-Hant-HK units) where OpenCC's phrase says 釐米. */
export const HK_ACCEPTED = new Set(['厘']);

/**
 * Cantonese characters that OpenCC lists as Simplified (吓 -> 嚇, 晒 -> 曬) but that Hong Kong text writes
 * on purpose (試吓, 全部刪晒). Only for zh-HK: Taiwan text never uses them.
 */
export const HK_CANTONESE = new Set(['吓', '晒']);

/**
 * Phrases (keyed as OpenCC's Simplified -> Traditional table keys them) whose rewrite is one reading of an
 * ambiguous word, wrong in locale files: 美制 is "US customary" (units) far more often than 美製 "made in
 * the USA" (CLDR zh-Hant writes 美制 throughout).
 */
export const DISPUTED_PHRASES = new Set(['美制']);
