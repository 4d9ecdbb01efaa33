// Hand-kept exceptions, each measured on genuine locale files (scripts/measure-zh.mjs): without them the
// detector raises false alarms on correct text. Keep this list short and say why for every entry.

/**
 * Characters that are themselves Taiwan's standard form (教育部 國字標準字體) where OpenCC's phrase rewrite
 * picks a variant or a narrower character: 弦/絃 (弦樂器, 管弦樂), 拐/柺 (拐杖), 扣/釦 (扣針, 鈕扣), 岩/巖
 * (攀岩), 升/昇 (升天), 彩/綵 (彩帶, 彩球), 僵/殭 (僵屍). Measured on CLDR zh-Hant and zh-Hant-HK emoji
 * annotations, where each was a false alarm on correct text. Writing one of them is never a Simplified slip.
 */
const VARIANT_STANDARD = ['弦', '拐', '扣', '岩', '升', '彩', '僵'];

/**
 * Characters valid in Traditional whose OpenCC phrase rewrite is a variant *choice* that Taiwan and Hong
 * Kong usage accepts both ways, so a rewrite is not evidence of a Simplified slip:
 * 台/臺 (台灣 is the everyday form), 了/瞭 (了解), 布/佈 (分布), 占/佔 (占用, 占位).
 */
export const HANT_VARIANT_CHOICES = new Set(['台', '了', '布', '占', ...VARIANT_STANDARD]);

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
 * the USA" (CLDR zh-Hant writes 美制 throughout); 膠卷 (a roll of film) is the dictionary's own entry, where
 * OpenCC writes 膠捲 (CLDR zh-Hant: 膠卷, 電影膠卷); 黑面 is a dark or sulky face (Cantonese 黑面, CLDR
 * zh-Hant-HK's 🌚) where OpenCC's one reading is 黑麪 "dark flour" (its own 黑面琵鷺 keeps 面).
 */
export const DISPUTED_PHRASES = new Set(['美制', '胶卷', '黑面']);
