// Catastrophic backtracking in a user's pattern (clipguard.config.json `secrets.patterns`), found before it
// runs. JavaScript's regex engine backtracks and cannot be interrupted: `(a+)+$` on 50 "a" and a "!" never
// returns, and `precommit` would hang every commit. The built-in table is reviewed and tested for this; a
// user's row is checked here when the config loads, and refused (exit 2) with the reason and a rewrite.
//
// What is refused (the shapes behind exponential and high-polynomial matching, as in safe-regex/recheck,
// computed on a parse of the pattern with character sets over ASCII plus "any other character"):
//   - nested repetition: a repeated group (max > 10) whose body can end in a variable repetition that can
//     also start the body, `(a+)+`, `(\w+\s?)*`, `([a-z]{1,6})+` ("ab+" in `(ab+)+` cannot: it is fine);
//   - a repeated alternation whose branches can start with the same character: `(a|ab)*`, and a repeated
//     group that can match the empty string: `(a?)+`, `(a|)*`;
//   - two unbounded repetitions side by side (only optional items between) over overlapping characters:
//     `\s*\s*$`, `.*.*=`, `\w+_?\w+` (quadratic per start position, so cubic over a 1 MB line);
//   - in a row's `regex` (run over whole files, 1 MB windows): an unbounded repetition followed by a required
//     part with nothing before it that cannot occur in its run, `[a-z]+=` (quadratic in a run's length).
// Lookarounds and backreferences are parsed approximately (a backreference may be any character).

/** Characters as 129 flags: ASCII 0..127, and 128 for any non-ASCII character. */
type CharSet = Uint8Array;
const OTHER = 128;

function set(): CharSet {
  return new Uint8Array(129);
}
function all(except = ''): CharSet {
  const s = set().fill(1);
  for (const c of except) s[c.charCodeAt(0)] = 0;
  return s;
}
function union(into: CharSet, from: CharSet): CharSet {
  for (let i = 0; i < 129; i++) into[i] |= from[i];
  return into;
}
function overlaps(a: CharSet, b: CharSet): boolean {
  for (let i = 0; i < 129; i++) if (a[i] && b[i]) return true;
  return false;
}
function complement(s: CharSet): CharSet {
  const out = set();
  for (let i = 0; i < 128; i++) out[i] = s[i] ? 0 : 1;
  out[OTHER] = 1; // a negated class still matches most non-ASCII characters
  return out;
}
function range(from: number, to: number, into = set()): CharSet {
  for (let c = from; c <= to; c++) into[c < 128 ? c : OTHER] = 1;
  if (to >= 128) into[OTHER] = 1;
  return into;
}
const DIGIT = range(48, 57);
const WORD = union(union(union(range(48, 57), range(65, 90)), range(97, 122)), range(95, 95));
const SPACE = (() => {
  const s = set();
  // ASCII blanks only: with U+00A0 and the like in the "other" bucket, \s and \S would seem to overlap.
  for (const c of ' \t\n\v\f\r') s[c.charCodeAt(0)] = 1;
  return s;
})();

interface Item {
  atom: Atom;
  min: number;
  max: number;
}
type Atom = { kind: 'chars'; chars: CharSet } | { kind: 'group'; alts: Item[][]; zeroWidth: boolean } | { kind: 'assert' };

/** A pattern that can backtrack catastrophically, with the reason. */
export class UnsafeRegexError extends Error {
  override name = 'UnsafeRegexError';
}

/** Syntax this parser does not know (JavaScript accepted the pattern): no verdict. */
class ParseError extends Error {}

class Parser {
  i = 0;
  constructor(
    readonly src: string,
    readonly ignoreCase: boolean,
    readonly dotAll: boolean,
  ) {}

  parse(): Item[][] {
    const alts = this.alternatives();
    if (this.i < this.src.length) throw new ParseError(`unexpected ")" at ${this.i}`);
    return alts;
  }

  private alternatives(): Item[][] {
    const alts: Item[][] = [this.sequence()];
    while (this.src[this.i] === '|') {
      this.i++;
      alts.push(this.sequence());
    }
    return alts;
  }

  private sequence(): Item[] {
    const items: Item[] = [];
    while (this.i < this.src.length && this.src[this.i] !== '|' && this.src[this.i] !== ')') {
      const atom = this.atom();
      const [min, max] = this.quantifier();
      items.push({ atom, min, max });
    }
    return items;
  }

  private quantifier(): [number, number] {
    const c = this.src[this.i];
    let q: [number, number] | null = null;
    if (c === '*') q = [0, Infinity];
    else if (c === '+') q = [1, Infinity];
    else if (c === '?') q = [0, 1];
    if (q) this.i++;
    else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i));
      if (!m) return [1, 1];
      this.i += m[0].length;
      q = [Number(m[1]), m[2] === undefined ? Number(m[1]) : m[3] === '' ? Infinity : Number(m[3])];
    } else return [1, 1];
    if (this.src[this.i] === '?') this.i++; // lazy: the same paths, tried in another order
    return q;
  }

  private chars(s: CharSet): Atom {
    if (this.ignoreCase) {
      for (let c = 65; c <= 90; c++) if (s[c] || s[c + 32]) s[c] = s[c + 32] = 1;
    }
    return { kind: 'chars', chars: s };
  }

  private literal(code: number): CharSet {
    const s = set();
    s[code < 128 ? code : OTHER] = 1;
    return s;
  }

  private atom(): Atom {
    const c = this.src[this.i++];
    if (c === '(') return this.group();
    if (c === '[') return this.chars(this.charClass());
    if (c === '.') return this.chars(this.dotAll ? all() : all('\n\r'));
    if (c === '^' || c === '$') return { kind: 'assert' };
    if (c === '\\') {
      const e = this.escape(false);
      return e === 'assert' ? { kind: 'assert' } : this.chars(e);
    }
    return this.chars(this.literal(c.codePointAt(0)!));
  }

  private group(): Atom {
    let zeroWidth = false;
    if (this.src[this.i] === '?') {
      const rest = this.src.slice(this.i);
      const m = /^\?(?::|=|!|<=|<!|<[A-Za-z_$][\w$]*>)/.exec(rest);
      if (!m) throw new ParseError(`unknown group "(${rest.slice(0, 3)}"`);
      zeroWidth = /^\?(=|!|<=|<!)$/.test(m[0]);
      this.i += m[0].length;
    }
    const alts = this.alternatives();
    if (this.src[this.i] !== ')') throw new ParseError('unclosed group');
    this.i++;
    return { kind: 'group', alts, zeroWidth };
  }

  /** After a backslash: a character set, or an assertion (\b \B). */
  private escape(inClass: boolean): CharSet | 'assert' {
    const c = this.src[this.i++];
    switch (c) {
      case 'd':
        return new Uint8Array(DIGIT);
      case 'D':
        return complement(DIGIT);
      case 'w':
        return new Uint8Array(WORD);
      case 'W':
        return complement(WORD);
      case 's':
        return new Uint8Array(SPACE);
      case 'S':
        return complement(SPACE);
      case 'b':
        return inClass ? this.literal(8) : 'assert';
      case 'B':
        return 'assert';
      case 'p':
      case 'P': {
        const m = /^\{[^}]*\}/.exec(this.src.slice(this.i));
        if (m) this.i += m[0].length;
        return all();
      }
      case 'k': {
        const m = /^<[^>]*>/.exec(this.src.slice(this.i));
        if (m) this.i += m[0].length;
        return all(); // a backreference: whatever the group matched
      }
      case 'x': {
        const h = this.src.slice(this.i, this.i + 2);
        this.i += 2;
        return this.literal(parseInt(h, 16) || 0);
      }
      case 'u': {
        const m = /^(\{[0-9a-fA-F]+\}|[0-9a-fA-F]{4})/.exec(this.src.slice(this.i));
        if (!m) return this.literal(117);
        this.i += m[0].length;
        return this.literal(parseInt(m[0].replace(/[{}]/g, ''), 16));
      }
      case 'c':
        this.i++;
        return range(0, 31);
      case 'n':
        return this.literal(10);
      case 'r':
        return this.literal(13);
      case 't':
        return this.literal(9);
      case 'v':
        return this.literal(11);
      case 'f':
        return this.literal(12);
      default:
        if (c !== undefined && /[1-9]/.test(c)) {
          while (/\d/.test(this.src[this.i] ?? '')) this.i++;
          return all(); // a backreference
        }
        return this.literal((c ?? '\\').codePointAt(0)!);
    }
  }

  private charClass(): CharSet {
    const negate = this.src[this.i] === '^';
    if (negate) this.i++;
    const s = set();
    const add = (c: number | CharSet) => (typeof c === 'number' ? (s[c < 128 ? c : OTHER] = 1) : union(s, c));
    while (this.i < this.src.length && this.src[this.i] !== ']') {
      const lo = this.classChar();
      if (this.src[this.i] === '-' && this.i + 1 < this.src.length && this.src[this.i + 1] !== ']') {
        this.i++;
        const hi = this.classChar();
        if (typeof lo === 'number' && typeof hi === 'number') range(lo, hi, s);
        else add(lo), add(hi), add(45);
      } else add(lo);
    }
    if (this.src[this.i] !== ']') throw new ParseError('unclosed character class');
    this.i++;
    return negate ? complement(s) : s;
  }

  /** One character of a class: its code, or a set for \d \w \s and the like. */
  private classChar(): number | CharSet {
    const c = this.src[this.i++];
    if (c !== '\\') return c.codePointAt(0)!;
    const e = this.escape(true) as CharSet;
    let only = -1;
    for (let k = 0; k < 129; k++) {
      if (!e[k]) continue;
      if (only !== -1) return e;
      only = k;
    }
    return only === -1 || only === OTHER ? e : only;
  }
}

const LARGE = 10; // a repetition up to this many times multiplies work by at most this much
const UNBOUNDED = 100;

function nullableItem(it: Item): boolean {
  return it.min === 0 || nullableAtom(it.atom);
}
function nullableAtom(a: Atom): boolean {
  if (a.kind === 'chars') return false;
  if (a.kind === 'assert') return true;
  return a.zeroWidth || a.alts.some((seq) => seq.every(nullableItem));
}

/** Characters a match of `seq` can start with. */
function firstOf(seq: Item[]): CharSet {
  const s = set();
  for (const it of seq) {
    if (it.max > 0) union(s, firstOfAtom(it.atom));
    if (!nullableItem(it)) break;
  }
  return s;
}
function firstOfAtom(a: Atom): CharSet {
  if (a.kind === 'chars') return a.chars;
  if (a.kind === 'assert' || a.zeroWidth) return set();
  const s = set();
  for (const seq of a.alts) union(s, firstOf(seq));
  return s;
}

/** Every character an atom can match anywhere. */
function charsOf(a: Atom): CharSet {
  if (a.kind === 'chars') return a.chars;
  const s = set();
  if (a.kind === 'group' && !a.zeroWidth) for (const seq of a.alts) for (const it of seq) union(s, charsOf(it.atom));
  return s;
}

/**
 * Characters of a variable repetition a match of `seq` can end in (one whose length can change while the
 * rest of `seq` still matches): where the next round of an enclosing repetition could also take them.
 */
function variableTail(seq: Item[]): CharSet {
  const s = set();
  for (let k = seq.length - 1; k >= 0; k--) {
    const it = seq[k];
    if (it.max > it.min && it.max > 1) union(s, charsOf(it.atom));
    else if (it.atom.kind === 'group' && !it.atom.zeroWidth) for (const alt of it.atom.alts) union(s, variableTail(alt));
    if (!nullableItem(it)) break;
  }
  return s;
}

function shown(src: string): string {
  return src.length > 60 ? `${src.slice(0, 57)}...` : src;
}

function checkSequence(seq: Item[]): void {
  for (let k = 0; k < seq.length; k++) {
    const it = seq[k];
    const a = it.atom;
    if (a.kind === 'group') {
      for (const alt of a.alts) checkSequence(alt);
      if (it.max > LARGE && !a.zeroWidth) {
        const firsts = a.alts.map(firstOf);
        if (a.alts.some((alt) => alt.every(nullableItem))) throw new UnsafeRegexError('a repeated group can match the empty string (make its content required, or drop the repetition)');
        for (let x = 0; x < firsts.length; x++)
          for (let y = x + 1; y < firsts.length; y++)
            if (overlaps(firsts[x], firsts[y])) throw new UnsafeRegexError('a repeated alternation has branches that can start with the same character, like (a|ab)* (merge them into one branch or one character class)');
        const start = firstOfAtom(a);
        for (const alt of a.alts)
          if (overlaps(variableTail(alt), start)) throw new UnsafeRegexError('nested repetition: a repeated group ends in a repetition that can also start it, like (a+)+ (repeat once: a+)');
      }
    }
    // Two unbounded repetitions with only optional items between, over shared characters: \s*\s*, .*.*
    if (it.max >= UNBOUNDED) {
      for (let j = k + 1; j < seq.length; j++) {
        const next = seq[j];
        if (next.max >= UNBOUNDED && overlaps(charsOf(a), charsOf(next.atom))) throw new UnsafeRegexError('two unbounded repetitions over the same characters follow each other, like \\s*\\s* (keep one)');
        if (!nullableItem(next)) break;
      }
    }
  }
}

/**
 * Over a long text (a row that scans whole files): an unbounded repetition with a required part after it,
 * where a match can start anywhere inside a run of its characters, tries every start and scans the run from
 * each: time quadratic in the run (`[a-z]+=` on a 1 MB run of letters: hours). A required item before the
 * repetition whose characters cannot occur in the run (`acme_` before `[A-Za-z0-9]+`) stops that.
 */
function checkRuns(seq: Item[]): void {
  for (let k = 0; k < seq.length; k++) {
    const rep = seq[k];
    if (rep.max < UNBOUNDED) continue;
    const run = charsOf(rep.atom);
    const anchored = seq.slice(0, k).some((it) => !nullableItem(it) && !overlaps(charsOf(it.atom), run));
    if (anchored) return; // every later repetition is behind this separator too
    if (seq.slice(k + 1).some((it) => !nullableItem(it)))
      throw new UnsafeRegexError('an unbounded repetition followed by a required part can start anywhere in a long run of its characters, like [a-z]+= (start the pattern with a literal prefix that cannot occur in the run, e.g. acme_[a-z]+=)');
  }
}

/**
 * Throws UnsafeRegexError when `source` (JavaScript RegExp syntax, compiled with `flags`) can backtrack
 * catastrophically; see the top of this file for what is refused. `longInput`: the regex runs over whole
 * texts (a row's `regex`), not a bounded window (`context`), so quadratic shapes are refused too.
 */
export function assertSafeRegex(source: string, flags = '', longInput = false): void {
  let alts: Item[][];
  try {
    alts = new Parser(source, flags.includes('i'), flags.includes('s')).parse();
  } catch (e) {
    if (e instanceof ParseError) return; // syntax this parser does not follow: no verdict (JavaScript compiled it)
    throw e;
  }
  try {
    for (const seq of alts) checkSequence(seq);
    if (longInput) for (const seq of alts) checkRuns(seq);
  } catch (e) {
    if (e instanceof UnsafeRegexError) throw new UnsafeRegexError(`${e.message}: /${shown(source)}/`);
    throw e;
  }
}
