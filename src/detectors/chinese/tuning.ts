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
 * OpenCC writes 膠捲 (CLDR zh-Hant: 膠卷, 電影膠卷); 图里 ("in the picture", 圖裡) ends transliterations far
 * more often in locale files (GNOME's time zones: 美洲/圖里, Turi; 阿斯圖里亞斯); 黑面 is a dark or sulky face (Cantonese 黑面, CLDR
 * zh-Hant-HK's 🌚) where OpenCC's one reading is 黑麪 "dark flour" (its own 黑面琵鷺 keeps 面); 门里 ("inside the door",
 * 門裏) ends transliterations in locale files (CLDR zh-Hant-HK's Yemeni rial 也門里雅), while the locative 在…門里
 * is still reported (LOCATIVE below).
 */
export const DISPUTED_PHRASES = new Set(['美制', '胶卷', '黑面', '图里', '门里']);

/**
 * Characters that are standard Traditional characters in their own right, and OpenCC's own default for
 * themselves (STCharacters lists each first for itself: 注 -> 注 註), whose phrase rewrite to another
 * Traditional character is a variant *preference*, not a Simplified slip: Taiwan's Ministry of Education
 * dictionary (重編國語辭典修訂本) has 注釋 (as 註釋), 回歸, 折疊, 周期 and 周年, 坐標, 卷髮 (卷: 「捲」), 拜托
 * (as 拜託). Measured on genuine GNOME zh_TW / zh_HK .po files, where 自動儲存周期, 折疊資料夾, 坐標 and
 * the transliteration 馬托格羅索 were each reported as Simplified. Such a rewrite is an
 * `i18n/regional-variant` (info) with OpenCC's choice as the suggestion. 系/係, 松/鬆, 只/隻, 板/闆 ... are
 * not here: 關系, 放松, 一只, 老板 are Simplified spellings no Taiwan dictionary gives.
 */
export const VARIANT_PREFERENCES = new Set(['注', '回', '折', '周', '坐', '卷', '托']);

/**
 * Merged characters whose Traditional reading is rare and that OpenCC's phrase table lists whenever it
 * applies: 于 (a surname, 單于: 于右任, 于歸 ...), 后 (queen: 皇后, 王后, 后冠, 后里 ...). For them the
 * detector follows OpenCC's conversion in context, one-character default included (于 -> 於, 后 -> 後), so
 * 個月后, 選取文字后，, 僅定義于實數 are reported although no phrase names them, and every phrase that
 * keeps the character still keeps it.
 */
export const DEFAULT_READING = new Set(['于', '后']);

/**
 * 里 is common in Traditional (公里, 鄰里, 斯里蘭卡, 馬里), so it gets no default; but after 在 in the same
 * run of Han characters (在框框里, 在編碼選單里) the locative reading 裡 is the only one, unless a phrase
 * OpenCC knows keeps 里 (在公里 ... 公里 keeps it: the conversion in context decides).
 */
export const LOCATIVE = { char: '里', marker: '在', reach: 10 } as const;
