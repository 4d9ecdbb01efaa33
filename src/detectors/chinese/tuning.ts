// Hand-kept exceptions, each measured on genuine locale files (scripts/measure-zh.mjs): without them the
// detector raises false alarms on correct text. Keep this list short and say why for every entry.

/**
 * Characters valid in Traditional whose OpenCC rewrite (in context) is a variant *choice* that Taiwan and
 * Hong Kong usage accepts both ways, so a rewrite is not evidence of a Simplified slip:
 * 台/臺 (台灣 is the everyday form), 了/瞭 (了解), 布/佈 (分布), 占/佔 (占用, 占位), 游/遊 (游標).
 */
export const HANT_VARIANT_CHOICES = new Set(['台', '了', '布', '占', '游']);

/**
 * Cantonese characters that OpenCC lists as Simplified (吓 -> 嚇, 晒 -> 曬) but that Hong Kong text writes
 * on purpose (試吓, 全部刪晒). Only for zh-HK: Taiwan text never uses them.
 */
export const HK_CANTONESE = new Set(['吓', '晒']);
