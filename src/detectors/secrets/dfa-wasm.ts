// The keyword automaton's hot loop in WebAssembly, for large texts.
//
// Why: the prefilter walks every character of the text, and on 5 MB of source code that walk was three
// quarters of the detector's time. The same loop in WebAssembly has no bounds checks and runs about
// 1.7x faster than the best JavaScript version (measured on the benchmark's source-code input). It is
// small enough to emit directly as bytecode (below), so no toolchain or binary file is involved.
//
// What it computes is exactly KeywordScanner's JavaScript walk (keywords.ts), which remains the fallback
// and the reference the tests compare it with: four automata over four quarters of the text in one loop
// (their loads overlap), each recording (position, state) whenever it enters a state where a keyword ends.
//
// Memory layout (one instance per scanner):
//   [0, 65536)            character class of each UTF-16 code unit
//   [STATES, +4*LANES)    lane states in (set by the caller) and out
//   [COUNTS, +4*LANES)    hits recorded per lane
//   [TABLE, ...)          transition table: the JS table (premultiplied state offsets, u16), so a step is
//                         an add, a shift (u16 entries) and a load
//   [text, ...)           one chunk of the text (at most CHUNK code units), 1 or 2 bytes per code unit
//   [hits, ...)           per lane: `cap` (position, state) pairs of u32
//
// The text goes through in chunks of CHUNK code units, so the memory stays a few hundred kilobytes whatever
// the text's size: writing a 20 MB text at once into fresh memory cost more in page faults than the walk.

// This project's tsconfig has no "dom" lib and @types/node 20 does not declare WebAssembly: the members
// used here.
declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Memory {
    constructor(descriptor: { initial: number });
    readonly buffer: ArrayBuffer;
    grow(pages: number): number;
  }
  class Instance {
    constructor(module: Module, imports: object);
    readonly exports: Record<string, unknown>;
  }
}

/** Independent automata run side by side (6 and 8 measured no better than 4 here). */
export const WASM_LANES = 4;
const LANES = WASM_LANES;
const STATES = 65536;
const COUNTS = STATES + 4 * LANES;
const TABLE = (COUNTS + 4 * LANES + 63) & ~63;

// --- A minimal WebAssembly encoder: just what the kernel uses.
const uleb = (v: number): number[] => {
  const out: number[] = [];
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return out;
};
const sleb = (v: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && !(b & 0x40)) || (v === -1 && b & 0x40)) return [...out, b];
    out.push(b | 0x80);
  }
};
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (s: string): number[] => [...uleb(s.length), ...Buffer.from(s, 'utf8')];
const I32 = 0x7f;
const get = (i: number) => [0x20, ...uleb(i)];
const set = (i: number) => [0x21, ...uleb(i)];
const i32 = (v: number) => [0x41, ...sleb(v)];
const ADD = [0x6a];
const MUL = [0x6c];
const SHL = [0x74];
const OR = [0x72];
const GE_U = [0x4f];
const LOAD8 = (offset: number) => [0x2d, 0, ...uleb(offset)];
const LOAD16 = (offset: number) => [0x2f, 1, ...uleb(offset)];
const LOAD32 = (offset: number) => [0x28, 2, ...uleb(offset)];
const STORE32 = (offset: number) => [0x36, 2, ...uleb(offset)];
const IF = [0x04, 0x40];
const BLOCK = [0x02, 0x40];
const LOOP = [0x03, 0x40];
const END = [0x0b];
const BR = (depth: number) => [0x0c, ...uleb(depth)];
const BR_IF = (depth: number) => [0x0d, ...uleb(depth)];
const RETURN = [0x0f];
const V128 = 0x7b;
const simd = (op: number) => [0xfd, ...uleb(op)];
const V128_LOAD = [...simd(0), 4, 0]; // align 16, offset 0
const SUB = [0x6b];

/**
 * scan(text, q, outBase, hits, cap) -> 0, or -1 when a lane recorded more than `cap` hits.
 * Lane k reads code units [k*q, (k+1)*q) of the text, starting from state STATES[k]; a hit is stored as
 * (k*q + i, state).
 */
function kernel(bytesPerUnit: 1 | 2): number[] {
  const [TEXT, Q, OUT, HITS, CAP, I, X] = [0, 1, 2, 3, 4, 5, 6];
  const S = (k: number) => 7 + k;
  const N = (k: number) => 7 + LANES + k;
  const B = (k: number) => 7 + 2 * LANES + k; // address of lane k's first unit
  const load = bytesPerUnit === 1 ? LOAD8(0) : LOAD16(0);
  const init: number[] = [];
  for (let k = 0; k < LANES; k++) {
    init.push(...i32(4 * k), ...LOAD32(STATES), ...set(S(k)));
    init.push(...get(TEXT), ...get(Q), ...i32(k * bytesPerUnit), ...MUL, ...ADD, ...set(B(k)));
  }
  const record = (k: number) => [
    ...get(S(k)), ...get(OUT), ...GE_U, ...IF,
    ...get(N(k)), ...get(CAP), ...GE_U, ...IF, ...i32(-1), ...RETURN, ...END,
    // pair n of lane k lives at hits + (k*cap + n) * 8
    ...get(HITS), ...get(CAP), ...i32(k), ...MUL, ...get(N(k)), ...ADD, ...i32(3), ...SHL, ...ADD, ...set(X),
    ...get(X), ...get(Q), ...i32(k), ...MUL, ...get(I), ...ADD, ...STORE32(0),
    ...get(X), ...get(S(k)), ...STORE32(4),
    ...get(N(k)), ...i32(1), ...ADD, ...set(N(k)),
    ...END,
  ];
  const loop: number[] = [...BLOCK, ...LOOP, ...get(I), ...get(Q), ...GE_U, ...BR_IF(1)];
  // Offset of unit i within a lane, shared by the four lanes.
  loop.push(...get(I), ...(bytesPerUnit === 2 ? [...i32(1), ...SHL] : []), ...set(X));
  // s = table[s + class[unit]]: the JS table's premultiplied offsets, u16 entries (hence the shift).
  for (let k = 0; k < LANES; k++) loop.push(...get(S(k)), ...get(B(k)), ...get(X), ...ADD, ...load, ...LOAD8(0), ...ADD, ...i32(1), ...SHL, ...LOAD16(TABLE), ...set(S(k)));
  loop.push(...get(S(0)));
  for (let k = 1; k < LANES; k++) loop.push(...get(S(k)), ...OR);
  loop.push(...get(OUT), ...GE_U, ...IF);
  for (let k = 0; k < LANES; k++) loop.push(...record(k));
  loop.push(...END);
  loop.push(...get(I), ...i32(1), ...ADD, ...set(I), ...BR(0), ...END, ...END);
  const tail: number[] = [];
  for (let k = 0; k < LANES; k++) tail.push(...i32(4 * k), ...get(S(k)), ...STORE32(STATES), ...i32(4 * k), ...get(N(k)), ...STORE32(COUNTS));
  const body = [...init, ...loop, ...tail, ...i32(0), ...END];
  const locals = vec([[...uleb(2 + 3 * LANES), I32]]); // i, x, states, counts, lane bases
  return [...locals, ...body];
}

/**
 * newlines(ptr, blocks) -> how many "\n" code units the `blocks` 16-byte blocks at ptr hold. For the line
 * numbers of matches (KeywordHits.lines): counted here, a chunk at a time, instead of one indexOf per line of
 * the text up to each match. Each block is compared with "\n" (all ones where equal: -1) and added into eight
 * 16-bit sums (one-byte units: their 16 results first added in pairs), which are added up once at the end;
 * a 16-bit sum never overflows for a chunk (at most 2 * 4096 or 8192 a lane, CHUNK units). Against a
 * bitmask and popcount per block, the 20 MB real-source lint's main thread took ~1 ms less (34.9 -> 33.9 ms,
 * 12 alternating runs).
 */
function newlineKernel(bytesPerUnit: 1 | 2): number[] {
  const [PTR, BLOCKS, END_, NL, SUMS] = [0, 1, 2, 3, 4];
  const lane = (k: number) => [...get(SUMS), ...simd(27), k]; // i32x4.extract_lane
  const body = [
    ...i32(10), ...simd(bytesPerUnit === 1 ? 15 : 16), ...set(NL), // i8x16.splat / i16x8.splat
    ...i32(0), ...simd(16), ...set(SUMS),
    ...get(PTR), ...get(BLOCKS), ...i32(4), ...SHL, ...ADD, ...set(END_),
    ...BLOCK, ...LOOP, ...get(PTR), ...get(END_), ...GE_U, ...BR_IF(1),
    ...get(SUMS), ...get(PTR), ...V128_LOAD, ...get(NL),
    ...(bytesPerUnit === 1 ? [...simd(35), ...simd(124)] : simd(45)), // i8x16.eq + i16x8.extadd_pairwise_i8x16_s, or i16x8.eq
    ...simd(142), ...set(SUMS), // i16x8.add
    ...get(PTR), ...i32(16), ...ADD, ...set(PTR),
    ...BR(0), ...END, ...END,
    // minus the count: widened to four 32-bit sums (i32x4.extadd_pairwise_i16x8_s), added, negated
    ...i32(0), ...get(SUMS), ...simd(126), ...set(SUMS),
    ...lane(0), ...lane(1), ...ADD, ...lane(2), ...ADD, ...lane(3), ...ADD, ...SUB, ...END,
  ];
  return [...vec([[...uleb(1), I32], [...uleb(2), V128]]), ...body];
}

function moduleOf(exports: [string, number[]][], params: number): WebAssembly.Module | null {
  try {
    const bytes = [
      0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
      ...section(1, vec([[0x60, ...vec(Array.from({ length: params }, () => [I32])), ...vec([[I32]])]])),
      ...section(2, vec([[...name('env'), ...name('mem'), 0x02, 0x00, ...uleb(2)]])),
      ...section(3, vec(exports.map(() => [0]))),
      ...section(7, vec(exports.map(([n], i) => [...name(n), 0x00, i]))),
      ...section(10, vec(exports.map(([, k]) => [...uleb(k.length), ...k]))),
    ];
    return new WebAssembly.Module(Uint8Array.from(bytes));
  } catch {
    return null; // no WebAssembly (or no SIMD): the caller does without
  }
}

let walkModule: WebAssembly.Module | null | undefined;
let newlineModule: WebAssembly.Module | null | undefined;

/** Code units written and walked per call: the memory holds one chunk, not the text. */
export const CHUNK = 1 << 16;

type Scan = (text: number, q: number, outBase: number, hits: number, cap: number) => number;
type Count = (ptr: number, blocks: number) => number;

/** The automaton of one KeywordScanner, in WebAssembly memory. */
export class WasmWalker {
  private readonly memory: WebAssembly.Memory;
  private readonly scan8: Scan;
  private readonly scan16: Scan;
  private readonly nl8: Count | null;
  private readonly nl16: Count | null;
  private readonly textBase: number;
  private readonly hitsBase: number;
  private view: Buffer;
  private mem32: Uint32Array;

  private constructor(mod: WebAssembly.Module, cls: Uint8Array, table: Uint16Array) {
    const tableEnd = TABLE + table.length * 2;
    this.textBase = (tableEnd + 63) & ~63;
    this.hitsBase = (this.textBase + CHUNK * 2 + 63) & ~63;
    const cap = CHUNK / LANES + 1;
    this.memory = new WebAssembly.Memory({ initial: Math.ceil((this.hitsBase + LANES * cap * 8) / 65536) });
    const inst = new WebAssembly.Instance(mod, { env: { mem: this.memory } });
    this.scan8 = inst.exports.scan8 as Scan;
    this.scan16 = inst.exports.scan16 as Scan;
    newlineModule ??= moduleOf([['nl8', newlineKernel(1)], ['nl16', newlineKernel(2)]], 2);
    const nl = newlineModule && new WebAssembly.Instance(newlineModule, { env: { mem: this.memory } });
    this.nl8 = nl ? (nl.exports.nl8 as Count) : null;
    this.nl16 = nl ? (nl.exports.nl16 as Count) : null;
    this.view = Buffer.from(this.memory.buffer);
    this.mem32 = new Uint32Array(this.memory.buffer);
    this.view.set(cls, 0);
    new Uint16Array(this.memory.buffer, TABLE, table.length).set(table);
  }

  /** null when WebAssembly is unavailable or the table is not 16-bit. */
  static create(cls: Uint8Array, table: Uint16Array | Uint32Array): WasmWalker | null {
    if (!(table instanceof Uint16Array)) return null;
    walkModule ??= moduleOf([['scan8', kernel(1)], ['scan16', kernel(2)]], 5);
    if (!walkModule) return null;
    return new WasmWalker(walkModule, cls, table);
  }

  /** Whether newlines() can count (the SIMD module compiled). */
  get countsNewlines(): boolean {
    return this.nl8 !== null;
  }

  /**
   * Walk text[from, to) (at most CHUNK units; one byte per unit when `oneByte`) with lane k starting at
   * unit from + k*q, q = floor((to - from) / 4), in state `laneStates[k]` (JS table offsets), appending hits
   * (end position in `text`, JS state offset) in text order. Returns the last lane's final state (at
   * from + 4q), or -1 when the walk could not run (the caller then received nothing).
   */
  walkChunk(text: string, from: number, to: number, oneByte: boolean, laneStates: readonly number[], outBase: number, ends: number[], states: number[]): number {
    const n = to - from;
    if (n > CHUNK || n < LANES) return -1;
    const q = Math.floor(n / LANES);
    const cap = q + 1; // one hit per unit at most: never reached
    this.view.write(from === 0 && to === text.length ? text : text.slice(from, to), this.textBase, oneByte ? 'latin1' : 'utf16le');
    const mem32 = this.mem32;
    for (let k = 0; k < LANES; k++) mem32[STATES / 4 + k] = laneStates[k];
    const status = (oneByte ? this.scan8 : this.scan16)(this.textBase, q, outBase, this.hitsBase, cap);
    if (status !== 0) return -1;
    for (let k = 0; k < LANES; k++) {
      const first = (this.hitsBase >> 2) + k * cap * 2;
      const last = first + mem32[COUNTS / 4 + k] * 2;
      for (let i = first; i < last; i += 2) {
        ends.push(from + mem32[i]);
        states.push(mem32[i + 1]);
      }
    }
    return mem32[STATES / 4 + LANES - 1];
  }

  /** "\n" in the chunk walkChunk just wrote (text[from, to)); -1 when there is no counting kernel. */
  newlines(text: string, from: number, to: number, oneByte: boolean): number {
    const count = oneByte ? this.nl8 : this.nl16;
    if (!count) return -1;
    const perBlock = oneByte ? 16 : 8;
    const blocks = Math.floor((to - from) / perBlock);
    let c = count(this.textBase, blocks);
    for (let i = from + blocks * perBlock; i < to; i++) if (text.charCodeAt(i) === 10) c++;
    return c;
  }
}
