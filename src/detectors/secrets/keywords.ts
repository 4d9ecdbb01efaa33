// The keyword prefilter: one Aho-Corasick pass, case-insensitive for ASCII, reporting where each keyword
// occurs. Text without any keyword costs this pass and nothing else.
//
// Why a hand-rolled DFA: V8 has no multi-pattern search. One combined RegExp of the keywords, or one
// indexOf per keyword, measured 3-10x slower on 5 MB of source text than this table walk. The walk is a
// chain of dependent loads (state -> next state), so on large inputs it runs four independent automata
// over four quarters of the text in the same loop: the CPU overlaps their loads. That loop runs in
// WebAssembly when it can (dfa-wasm.ts, about 2x faster again: no bounds checks); the JavaScript version
// below is the fallback and the reference. Both read the text from a typed array copy, because indexing a
// typed array is much cheaper than String.prototype.charCodeAt on sliced or cons strings.

import { CHUNK, WASM_LANES, WasmWalker } from './dfa-wasm.js';

/** Keyword occurrences, sorted by end position: `starts[i]` is where keyword `ids[i]` begins. */
export interface KeywordHits {
  starts: number[];
  ids: number[];
  /** For large texts walked in WebAssembly: how many "\n" precede each chunk (see LineMarks). */
  lines?: LineMarks;
}

/**
 * `before[j]` = number of "\n" in text[0, j * chunk): counted during the keyword walk (SIMD, ~1 ms per
 * 20 MB), so a match's line number costs a walk from its chunk's start, not from the text's.
 */
export interface LineMarks {
  chunk: number;
  before: number[];
}

const LARGE = 256; // below this the JavaScript walk (no copy, no call into WebAssembly) is cheaper
const BATCH = 1 << 20; // characters per joined batch in scanMany
const SEPARATOR = '\n';
const NO_HITS: KeywordHits = Object.freeze({ starts: Object.freeze([]) as unknown as number[], ids: Object.freeze([]) as unknown as number[] });
const ONE_BYTE = /[^\x00-\xff]/; // V8 answers this in O(1) for strings stored one byte per character

export class KeywordScanner {
  readonly keywords: readonly string[];
  private readonly cls = new Uint8Array(65536);
  private readonly delta: Uint16Array | Uint32Array;
  /** Premultiplied state offsets >= outBase have outputs. */
  private readonly outBase: number;
  private readonly outputs: Int32Array[]; // keyword ids of output state (offset - outBase) / stride
  private readonly stride: number;
  private readonly maxLen: number;
  private wasm: WasmWalker | null | undefined;
  /** Units per WebAssembly call (CHUNK; smaller in tests, so that chunk edges are crossed often). */
  private readonly chunk: number;

  constructor(keywords: readonly string[], options: { chunk?: number } = {}) {
    this.keywords = keywords;
    this.chunk = Math.min(CHUNK, Math.max(16, options.chunk ?? CHUNK));
    // Character classes: one per distinct (case-folded) keyword character; everything else is class 0.
    let nClasses = 1;
    for (const k of keywords) {
      for (const ch of k) {
        const c = ch.charCodeAt(0);
        if (this.cls[c]) continue;
        if (nClasses === 255) throw new Error('secret keywords use too many distinct characters');
        this.cls[c] = nClasses;
        const up = ch.toUpperCase();
        if (up.length === 1 && up.charCodeAt(0) !== c) this.cls[up.charCodeAt(0)] = nClasses;
        nClasses++;
      }
    }
    const K = nClasses;
    // Built in typed arrays, not a Map per state: this runs in every process (each `git commit`), cold, and
    // the Maps made it ~9 ms of the hook's CPU.
    // Trie: goto[s * K + c] is the child of state s on class c, or -1.
    let maxStates = 1;
    for (const k of keywords) for (const _ of k) maxStates++;
    const go = new Int32Array(maxStates * K).fill(-1);
    const out: number[][] = [[]];
    let n = 1;
    keywords.forEach((k, id) => {
      let s = 0;
      for (const ch of k) {
        const at = s * K + this.cls[ch.charCodeAt(0)];
        if (go[at] < 0) {
          go[at] = n++;
          out.push([]);
        }
        s = go[at];
      }
      out[s].push(id);
    });
    // Failure links folded into a full transition table (BFS order).
    const d = new Int32Array(n * K);
    const fail = new Int32Array(n);
    const queue = new Int32Array(n);
    let qn = 0;
    for (let c = 0; c < K; c++) {
      const t = go[c];
      if (t >= 0) {
        d[c] = t;
        queue[qn++] = t;
      }
    }
    // The per-state work in small functions (expand, fillTable): V8 optimises a hot loop by compiling its
    // whole function, and this constructor's took several milliseconds of compilation in every process.
    for (let qi = 0; qi < qn; qi++) qn = expand(queue[qi], K, go, d, fail, out, queue, qn);
    // Renumber so that states with outputs come last (each group in state order), and store premultiplied
    // offsets (no multiplication in the hot loop). Output states start at a power of two, `outBase`: every
    // other offset is below it, so OR-ing the states of the four lanes and testing one bit tells exactly
    // whether any lane just completed a keyword (with a plain ">=" the OR of two small offsets could pass).
    let firstOut = 0;
    for (let s = 0; s < n; s++) if (!out[s].length) firstOut++;
    let outBase = 1;
    while (outBase < firstOut * K) outBase *= 2;
    const offset = new Int32Array(n);
    const rank = new Int32Array(n);
    for (let s = 0, plain = 0, done = 0; s < n; s++) {
      if (out[s].length) {
        rank[s] = firstOut + done;
        offset[s] = outBase + done++ * K;
      } else {
        rank[s] = plain;
        offset[s] = plain++ * K;
      }
    }
    const size = outBase + (n - firstOut) * K;
    this.stride = K;
    // 16-bit offsets for the built-in table (half the cache footprint; the WebAssembly walk needs them).
    const table = size <= 65536 ? new Uint16Array(size) : new Uint32Array(size);
    fillTable(table, offset, d, n, K);
    this.delta = table;
    this.outBase = firstOut < n ? outBase : Number.MAX_SAFE_INTEGER;
    this.outputs = new Array(n - firstOut);
    for (let s = 0; s < n; s++) if (rank[s] >= firstOut) this.outputs[rank[s] - firstOut] = Int32Array.from(out[s]);
    this.maxLen = keywords.reduce((m, k) => Math.max(m, k.length), 1);
  }

  /** Every occurrence of every keyword (overlapping ones included). */
  scan(text: string): KeywordHits {
    const ends: number[] = [];
    const states: number[] = [];
    const hits: KeywordHits = { starts: [], ids: [] };
    if (text.length < LARGE) this.walk(text, ends, states);
    else {
      const marks: LineMarks = { chunk: this.chunk, before: [] };
      if (this.walkWasm(text, ends, states, marks)) {
        if (marks.before.length) hits.lines = marks; // empty when the newline kernel is missing
      } else {
        ends.length = 0;
        states.length = 0;
        this.walkLanes(toCodeUnits(text), ends, states);
      }
    }
    hitsOf(ends, states, this.outputs, this.keywords, this.outBase, this.stride, hits);
    return hits;
  }

  /**
   * scan() of each text, in one pass over them joined by a separator no keyword contains (the automaton is
   * back at its root after it, so no keyword spans two texts). Many short texts (comments, tickets) then
   * cost one long walk, which runs in WebAssembly, instead of one JavaScript walk each.
   */
  scanMany(texts: readonly string[]): KeywordHits[] {
    if (this.cls[SEPARATOR.charCodeAt(0)] !== 0) return texts.map((t) => this.scan(t));
    // Most texts have no hit: they share one frozen empty result.
    const out: KeywordHits[] = new Array(texts.length).fill(NO_HITS);
    for (let first = 0; first < texts.length; ) {
      // Batches of about BATCH characters: the joined copy stays small whatever the number of texts.
      let last = first;
      let size = 0;
      while (last < texts.length && (last === first || size + texts[last].length < BATCH)) size += texts[last++].length + 1;
      const joined = texts.slice(first, last).join(SEPARATOR);
      const hits = this.scan(joined);
      // Hits come sorted by end position, so the text they fall in only moves forward.
      let t = first;
      let base = 0;
      for (let i = 0; i < hits.starts.length; i++) {
        const end = hits.starts[i] + this.keywords[hits.ids[i]].length - 1;
        while (end >= base + texts[t].length) base += texts[t++].length + 1;
        if (out[t] === NO_HITS) out[t] = { starts: [], ids: [] };
        out[t].starts.push(hits.starts[i] - base);
        out[t].ids.push(hits.ids[i]);
      }
      first = last;
    }
    return out;
  }

  private walk(text: string, ends: number[], states: number[]): void {
    const { cls, delta, outBase } = this;
    let s = 0;
    for (let i = 0; i < text.length; i++) {
      s = delta[s + cls[text.charCodeAt(i)]];
      if (s >= outBase) {
        ends.push(i);
        states.push(s);
      }
    }
  }

  /**
   * The same multi-lane walk in WebAssembly (dfa-wasm.ts), one chunk of `chunk` units at a time (the state
   * carried from chunk to chunk); false when it cannot run (then walkLanes does). Counts newlines per chunk
   * on the way, for the line numbers of matches (`marks`).
   */
  private walkWasm(text: string, ends: number[], states: number[], marks: LineMarks | null): boolean {
    if (this.wasm === undefined) this.wasm = WasmWalker.create(this.cls, this.delta);
    const wasm = this.wasm;
    if (!wasm) return false;
    const { cls, delta, outBase } = this;
    const n = text.length;
    const oneByte = isOneByte(text);
    if (!wasm.countsNewlines) marks = null;
    const lanes = [0, 0, 0, 0];
    let newlines = 0;
    let s = 0;
    for (let from = 0; from < n; from += this.chunk) {
      const to = Math.min(n, from + this.chunk);
      if (marks) marks.before.push(newlines);
      const q = Math.floor((to - from) / WASM_LANES);
      let tail = from;
      if (q >= this.maxLen) {
        // Lane k starts in the state the automaton has after the maxLen - 1 characters before its part
        // (all that can be part of a keyword ending inside it); lane 0 in the state carried over.
        lanes[0] = s;
        for (let k = 1; k < WASM_LANES; k++) lanes[k] = walkFrom(cls, delta, 0, text, from + k * q - (this.maxLen - 1), from + k * q);
        s = wasm.walkChunk(text, from, to, oneByte, lanes, outBase, ends, states);
        if (s < 0) return false; // nothing was recorded for this chunk: the caller starts over in JavaScript
        if (marks) newlines += wasm.newlines(text, from, to, oneByte);
        tail = from + WASM_LANES * q;
      } else if (marks) {
        newlines += countNewlines(text, from, to);
      }
      s = walkRecording(cls, delta, outBase, s, text, tail, to, ends, states);
    }
    return true;
  }

  /** @internal Exposed for tests: the JavaScript four-lane walk the WebAssembly one must agree with. */
  scanWithoutWasm(text: string): KeywordHits {
    const saved = this.wasm;
    this.wasm = null;
    try {
      return this.scan(text);
    } finally {
      this.wasm = saved;
    }
  }

  private walkLanes(u: Uint8Array | Uint16Array, ends: number[], states: number[]): void {
    const { cls, delta, outBase } = this;
    const n = u.length;
    const q = n >> 2;
    // Lanes b, c and d start `warm` characters early so their automaton is in the right state when their
    // own quarter begins; what they see while warming up belongs to the previous lane.
    const warm = Math.min(this.maxLen - 1, q);
    let a = 0;
    let b = 0;
    let c = 0;
    let d = 0;
    for (let k = q - warm; k < q; k++) {
      b = delta[b + cls[u[k]]];
      c = delta[c + cls[u[q + k]]];
      d = delta[d + cls[u[2 * q + k]]];
    }
    const hb: number[] = [];
    const hc: number[] = [];
    const hd: number[] = [];
    for (let i = 0; i < q; i++) {
      a = delta[a + cls[u[i]]];
      b = delta[b + cls[u[q + i]]];
      c = delta[c + cls[u[2 * q + i]]];
      d = delta[d + cls[u[3 * q + i]]];
      // outBase is a power of two above every non-output offset: one test for the four lanes.
      if ((a | b | c | d) >= outBase) {
        if (a >= outBase) {
          ends.push(i);
          states.push(a);
        }
        if (b >= outBase) hb.push(q + i, b);
        if (c >= outBase) hc.push(2 * q + i, c);
        if (d >= outBase) hd.push(3 * q + i, d);
      }
    }
    for (let i = 4 * q; i < n; i++) {
      d = delta[d + cls[u[i]]];
      if (d >= outBase) hd.push(i, d);
    }
    for (const lane of [hb, hc, hd]) {
      for (let i = 0; i < lane.length; i += 2) {
        ends.push(lane[i]);
        states.push(lane[i + 1]);
      }
    }
  }
}

/** Breadth-first step of the automaton's construction: state s's transitions and its children's failure links. */
function expand(s: number, K: number, go: Int32Array, d: Int32Array, fail: Int32Array, out: number[][], queue: Int32Array, qn: number): number {
  const f = fail[s] * K;
  for (let c = 0; c < K; c++) {
    const t = go[s * K + c];
    if (t >= 0) {
      fail[t] = d[f + c];
      if (out[fail[t]].length) out[t] = out[t].concat(out[fail[t]]);
      d[s * K + c] = t;
      queue[qn++] = t;
    } else {
      d[s * K + c] = d[f + c];
    }
  }
  return qn;
}

/** The transition table with premultiplied offsets: row offset[s] holds offset[d[s][c]] for every class c. */
function fillTable(table: Uint16Array | Uint32Array, offset: Int32Array, d: Int32Array, n: number, K: number): void {
  for (let s = 0; s < n; s++) {
    const o = offset[s];
    for (let c = 0; c < K; c++) table[o + c] = offset[d[s * K + c]];
  }
}

/** Whether a string holds only Latin-1 characters (then UTF-16 offsets are code point offsets too). */
export function isOneByte(text: string): boolean {
  return !ONE_BYTE.test(text);
}

// walkWasm's own loops are these small functions: run a few hundred steps a text, inline they made walkWasm
// "hot" for V8, whose optimising compiler then spent 10-45 ms of CPU (a background thread) on it in every
// precommit of 200 files; each of these compiles in about a millisecond.

/**
 * The keywords ending at each recorded end (a state's outputs), as start offsets and ids. Its own function, as
 * the walks' loops are: in scan() this loop (one turn per keyword hit, ~12,000 on 20 MB of source) made scan()
 * hot, and V8 then compiled it with every walk inlined, 20-30 ms of background CPU in the middle of the lint.
 */
function hitsOf(ends: number[], states: number[], outputs: readonly Int32Array[], keywords: readonly string[], outBase: number, stride: number, hits: KeywordHits): void {
  const { starts, ids } = hits;
  for (let i = 0; i < ends.length; i++) {
    const out = outputs[(states[i] - outBase) / stride];
    for (let j = 0; j < out.length; j++) {
      starts.push(ends[i] - keywords[out[j]].length + 1);
      ids.push(out[j]);
    }
  }
}

/** The automaton's state after text[from, to) from `s`. */
function walkFrom(cls: Uint8Array, delta: Uint16Array | Uint32Array, s: number, text: string, from: number, to: number): number {
  for (let i = from; i < to; i++) s = delta[s + cls[text.charCodeAt(i)]];
  return s;
}

/** The same, recording each keyword end (index and state); the state after. */
function walkRecording(cls: Uint8Array, delta: Uint16Array | Uint32Array, outBase: number, s: number, text: string, from: number, to: number, ends: number[], states: number[]): number {
  for (let i = from; i < to; i++) {
    s = delta[s + cls[text.charCodeAt(i)]];
    if (s >= outBase) {
      ends.push(i);
      states.push(s);
    }
  }
  return s;
}

function countNewlines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

// One scratch buffer reused across calls: copying 5 MB into a fresh Buffer per call costs little, but the
// garbage it leaves behind cost more than the copy in the benchmark. Capped so that one huge text does not
// pin its size in memory for the life of the process.
const SCRATCH_KEEP = 32 * 1024 * 1024;
let scratch: Buffer | null = null;

function scratchOf(bytes: number): Buffer {
  if (scratch && scratch.length >= bytes) return scratch;
  const buf = Buffer.allocUnsafeSlow(bytes); // its own ArrayBuffer, offset 0: safe to view as Uint16Array
  if (bytes <= SCRATCH_KEEP) scratch = buf;
  return buf;
}

function toCodeUnits(text: string): Uint8Array | Uint16Array {
  if (isOneByte(text)) {
    const buf = scratchOf(text.length);
    buf.write(text, 0, 'latin1');
    return buf.subarray(0, text.length);
  }
  const buf = scratchOf(text.length * 2);
  buf.write(text, 0, 'utf16le');
  return new Uint16Array(buf.buffer, buf.byteOffset, text.length);
}
