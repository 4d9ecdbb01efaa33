export { detectZh, isHan, type ZhHit } from './detect.js';
export { ZH_KINDS, ZH_LOCALES, allowKeysFor, isZhLocale, scriptOf, type ZhKind, type ZhLocale, type ZhScript } from './locale.js';
export { ZH_SETS } from './data/sets.js';
