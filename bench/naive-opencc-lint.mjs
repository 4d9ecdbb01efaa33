#!/usr/bin/env node
// The naive zh linter clipguard is measured against (bench/zh-po.mjs): each zh_TW / zh_HK .po file under
// the folders given is converted whole with opencc-js (cn->tw, cn->hk) and every character the conversion
// changes is a flag. Prints the number of flags.
//
//   node bench/naive-opencc-lint.mjs <folder>...
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as OpenCC from 'opencc-js';

const converters = {};
const converterFor = (path) => {
  const to = /zh[-_](hk|hant[-_]hk)/i.test(path) ? 'hk' : /zh[-_](tw|hant)/i.test(path) ? 'tw' : null;
  if (!to) return null;
  return (converters[to] ??= OpenCC.Converter({ from: 'cn', to }));
};

/** Flags in one file: characters the conversion changes (none when it changes the length). */
export function naiveLint(path, text) {
  const convert = converterFor(path);
  if (!convert) return 0;
  const out = convert(text);
  if (out.length !== text.length) return 0;
  let flags = 0;
  for (let i = 0; i < text.length; i++) if (out.charCodeAt(i) !== text.charCodeAt(i)) flags++;
  return flags;
}

function* poFiles(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* poFiles(p);
    else if (name.endsWith('.po')) yield p;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  let flags = 0;
  for (const dir of process.argv.slice(2)) for (const p of poFiles(dir)) flags += naiveLint(p, readFileSync(p, 'utf8'));
  console.log(flags);
}
