// The regexes a config file brings (`secrets.patterns` rows and their allowlists, `secrets.allowlist.regexes`)
// run on RE2 (re2js: RE2's automata in plain JavaScript), whose time is linear in the text whatever the
// pattern. JavaScript's engine backtracks and cannot be interrupted, and a config comes with the checkout: a
// pattern no load-time check foresaw (bounded repetitions nested four deep, `(?:(?:(?:a{1,9}){1,9}){1,9}){1,9}!`,
// passed the old check and never returned on 60 letters) would hang every commit. RE2 has no lookarounds and
// no backreferences (gitleaks' patterns are RE2 too): such a pattern is refused at load, with the reason.
//
// `LinearRegExp` offers the part of RegExp the detector uses (exec with lastIndex for the g and y flags, match
// indices, test), so a row does not care which engine compiled its regexes. re2js loads on the first user
// pattern: a config without one (and the pre-commit hook then) does not parse it.

import { createRequire } from 'node:module';

type Re2js = typeof import('re2js');
type Compiled = ReturnType<Re2js['RE2JS']['compile']>;

let re2js: Re2js | null = null;
const load = (): Re2js => (re2js ??= createRequire(import.meta.url)('re2js') as Re2js);

/** What the detector calls on a compiled regex, whichever engine compiled it. */
export interface RegexLike {
  lastIndex: number;
  exec(text: string): RegExpExecArray | null;
  test(text: string): boolean;
}

/** Most instructions a user pattern's RE2 program may have (see the constructor). */
export const MAX_PROGRAM = 500;

export class LinearRegExp implements RegexLike {
  lastIndex = 0;
  readonly global: boolean;
  readonly sticky: boolean;
  private readonly re: Compiled;
  /**
   * The last search (sticky): from `from` in `text`, the leftmost match began at `start` (Infinity: none). RE2
   * anchors only at the start of a text, so a sticky match at `at` is the leftmost match from `at` when it
   * starts there; the searches of a row go forward through one text (keyword hits in order), and one search
   * answers every later position up to its match: a text is read about once, not once per hit.
   */
  private last: { text: string; from: number; start: number; match: RegExpExecArray | null } | null = null;
  /**
   * Is there a match in `text` at or after `from` at all, asked once per text of RE2's DFA (about 30 ms a MB,
   * whatever the pattern): most texts hold no match of a row, and the search that gives positions and groups
   * (RE2's NFA: its time grows with the pattern's size, ~35 ms a MB per 100 instructions) then never runs.
   */
  private gate: { text: string; from: number; has: boolean } | null = null;

  /**
   * `source` in JavaScript syntax, `flags` among g y d i m s u. Throws a SyntaxError (JavaScript's own message)
   * for what JavaScript refuses, and an Error saying why for what RE2 cannot run linearly.
   */
  constructor(
    readonly source: string,
    readonly flags = '',
  ) {
    // JavaScript's syntax errors first, in its words, as before.
    new RegExp(source, flags.replace(/[gyd]/g, ''));
    // A backreference: translateRegExp would read `\k<id>` as the letters "k<id>"; refuse it by name.
    if (/\\k<|(?<!\\)(?:\\\\)*\\[1-9]/.test(source)) throw new Error('backreferences (\\1, \\k<name>) are not supported: user patterns run on RE2, which matches in linear time');
    const { RE2JS } = load();
    const f = (flags.includes('i') ? RE2JS.CASE_INSENSITIVE : 0) | (flags.includes('s') ? RE2JS.DOTALL : 0) | (flags.includes('m') ? RE2JS.MULTILINE : 0);
    try {
      this.re = RE2JS.compile(RE2JS.translateRegExp(source), f);
    } catch (e) {
      const why = String((e as Error).message).replace(/^error parsing regexp: /, '');
      throw new Error(`${why} (user patterns run on RE2, which matches in linear time: no lookarounds, no backreferences, repeat counts up to 1000)`);
    }
    // RE2's time is linear in the text, times the pattern's size where it must report positions (its NFA):
    // measured ~35 ms a MB per 100 instructions on a text the pattern matches everywhere. A cap keeps that
    // factor bounded (gitleaks' generic-api-key rule is 425 instructions).
    const size = this.re.programSize();
    if (size > MAX_PROGRAM) throw new Error(`too large for the linear-time engine user patterns run on (RE2): ${size} instructions, at most ${MAX_PROGRAM} (use smaller repeat counts, e.g. {20,} for {20,200})`);
    this.global = flags.includes('g');
    this.sticky = flags.includes('y');
  }

  exec(text: string): RegExpExecArray | null {
    const moves = this.global || this.sticky;
    const from = moves ? this.lastIndex : 0;
    if (from > text.length) {
      this.lastIndex = 0;
      return null;
    }
    let r: RegExpExecArray | null;
    if (this.sticky) {
      const last = this.last;
      if (!last || last.text !== text || from < last.from || from > last.start) {
        const found = this.search(text, from);
        this.last = { text, from, start: found ? found.index : Infinity, match: found };
      }
      r = this.last!.start === from ? this.last!.match : null;
    } else r = this.search(text, from);
    if (moves) this.lastIndex = r ? r.indices![0][1] : 0;
    return r;
  }

  /** The leftmost match starting at or after `from`, as RegExp's exec gives it (with the d flag's indices). */
  private search(text: string, from: number): RegExpExecArray | null {
    const g = this.gate;
    if (!g || g.text !== text || from < g.from) {
      const { MatcherInput } = load();
      // ngroup 0: RE2 answers with its DFA (UNANCHORED = 0).
      const has = this.re.re2().matchMachineInput(MatcherInput.utf16(text), from, text.length, 0, 0)[0] === true;
      this.gate = { text, from, has };
    }
    if (!this.gate!.has) return null;
    const m = this.re.matcher(text);
    if (!m.find(from)) return null;
    const n = m.groupCount();
    const out: (string | undefined)[] = [];
    const indices: ([number, number] | undefined)[] = [];
    for (let g = 0; g <= n; g++) {
      const s = m.start(g);
      if (s < 0) {
        out.push(undefined);
        indices.push(undefined);
      } else {
        const e = m.end(g);
        out.push(text.slice(s, e));
        indices.push([s, e]);
      }
    }
    const r = out as unknown as RegExpExecArray;
    r.index = indices[0]![0];
    r.input = text;
    r.groups = undefined;
    r.indices = indices as unknown as RegExpIndicesArray;
    return r;
  }

  test(text: string): boolean {
    return this.exec(text) !== null;
  }
}
