// Reading user-supplied JSON files (config, rules, waivers, baselines) with errors that say file:line:column.

import { readFileSync } from 'node:fs';

export class UserFileError extends Error {
  constructor(
    readonly file: string,
    message: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(`${file}${line ? `:${line}${column ? `:${column}` : ''}` : ''}: ${message}`);
    this.name = 'UserFileError';
  }
}

/** Parse JSON text; a syntax error becomes a UserFileError with the line and column of the fault. */
export function parseJsonText(text: string, file: string): unknown {
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    const msg = (err as Error).message;
    const pos = /position (\d+)/.exec(msg);
    const lc = /line (\d+) column (\d+)/.exec(msg);
    let line: number | undefined;
    let column: number | undefined;
    if (lc) {
      line = Number(lc[1]);
      column = Number(lc[2]);
    } else if (pos) {
      ({ line, column } = lineColumnAt(text, Number(pos[1])));
    } else if (/end of JSON input/.test(msg)) {
      ({ line, column } = lineColumnAt(text, text.length));
    }
    const reason = msg.replace(/ in JSON at position \d+.*$/, '').replace(/\s*\(line \d+ column \d+\)/, '');
    throw new UserFileError(file, `invalid JSON: ${reason}`, line, column);
  }
}

export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserFileError(file, `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseJsonText(text, file);
}

export function lineColumnAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lastNl = -1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lastNl = i;
    }
  }
  return { line, column: offset - lastNl };
}

/** Best-effort line of a JSON Pointer-ish field inside `text` (for validation errors after parsing). */
export function lineOfKey(text: string, key: string | undefined): number | undefined {
  if (!key) return undefined;
  const idx = text.indexOf(`"${key}"`);
  return idx < 0 ? undefined : lineColumnAt(text, idx).line;
}
