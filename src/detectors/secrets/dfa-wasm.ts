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
//   [0, 65536)            character class of each UTF-16 code unit, times 2 (a byte offset into a row)
//   [STATES, +4*LANES)    lane states in (set by the caller) and out
//   [COUNTS, +4*LANES)    hits recorded per lane
//   [TABLE, ...)          transition table: the JS table with every offset doubled (byte offsets), so a
//                         step is one add and one load
//   [text, ...)           the text, 1 or 2 bytes per code unit
//   [hits, ...)           per lane: `cap` (position, state) pairs of u32

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

/**
 * scan(text, q, outBase, hits, cap) -> 0, or -1 when a lane recorded more than `cap` hits.
 * Lane k reads code units [k*q, (k+1)*q) of the text, starting from state STATES[k].
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
  // s = table[s + class[unit]], with states and classes stored as byte offsets: one add per step.
  for (let k = 0; k < LANES; k++) loop.push(...get(S(k)), ...get(B(k)), ...get(X), ...ADD, ...load, ...LOAD8(0), ...ADD, ...LOAD16(TABLE), ...set(S(k)));
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

let compiled: WebAssembly.Module | null | undefined;

function module(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  try {
    const params = vec([[I32], [I32], [I32], [I32], [I32]]);
    const k8 = kernel(1);
    const k16 = kernel(2);
    const bytes = [
      0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
      ...section(1, vec([[0x60, ...params, ...vec([[I32]])]])),
      ...section(2, vec([[...name('env'), ...name('mem'), 0x02, 0x00, ...uleb(2)]])),
      ...section(3, vec([[0], [0]])),
      ...section(7, vec([[...name('scan8'), 0x00, 0], [...name('scan16'), 0x00, 1]])),
      ...section(10, vec([k8, k16].map((k) => [...uleb(k.length), ...k]))),
    ];
    compiled = new WebAssembly.Module(Uint8Array.from(bytes));
  } catch {
    compiled = null; // no WebAssembly: the JavaScript walk does the same work
  }
  return compiled;
}

const MAX_TEXT = 64 * 1024 * 1024; // above this the JS walk runs, so memory never grows past ~70 MB
const MAX_HITS_PER_LANE = 1 << 16;

/** The automaton of one KeywordScanner, in WebAssembly memory. */
export class WasmWalker {
  private readonly memory: WebAssembly.Memory;
  private readonly scan8: (text: number, q: number, outBase: number, hits: number, cap: number) => number;
  private readonly scan16: WasmWalker['scan8'];
  private readonly textBase: number;

  private constructor(mod: WebAssembly.Module, cls: Uint8Array, table: Uint16Array) {
    const tableEnd = TABLE + table.length * 2;
    this.textBase = (tableEnd + 63) & ~63;
    this.memory = new WebAssembly.Memory({ initial: Math.ceil(this.textBase / 65536) + 1 });
    const inst = new WebAssembly.Instance(mod, { env: { mem: this.memory } });
    this.scan8 = inst.exports.scan8 as WasmWalker['scan8'];
    this.scan16 = inst.exports.scan16 as WasmWalker['scan8'];
    const cls2 = new Uint8Array(this.memory.buffer, 0, 65536);
    for (let c = 0; c < 65536; c++) cls2[c] = cls[c] * 2;
    const t2 = new Uint16Array(this.memory.buffer, TABLE, table.length);
    for (let i = 0; i < table.length; i++) t2[i] = table[i] * 2;
  }

  /** null when WebAssembly is unavailable or the table's byte offsets do not fit 16 bits. */
  static create(cls: Uint8Array, table: Uint16Array | Uint32Array): WasmWalker | null {
    if (!(table instanceof Uint16Array) || table.length > 32768 || cls.some((c) => c > 127)) return null;
    const mod = module();
    if (!mod) return null;
    return new WasmWalker(mod, cls, table);
  }

  /**
   * Walk `text` (one byte per unit when `oneByte`) with lane k starting at unit k*q in state
   * `laneStates[k]` (JS table offsets), appending hits (end position, JS state offset) in text order.
   * Returns the last lane's final state, or -1 (text too large, or too many hits: the caller falls back to
   * JavaScript, having received nothing).
   */
  walk(text: string, oneByte: boolean, q: number, laneStates: number[], outBase: number, ends: number[], states: number[]): number {
    const unit = oneByte ? 1 : 2;
    const n = text.length;
    if (n > MAX_TEXT) return -1;
    const cap = Math.min(q + 1, MAX_HITS_PER_LANE);
    const hitsBase = (this.textBase + n * unit + 63) & ~63;
    const need = hitsBase + LANES * cap * 8;
    if (need > this.memory.buffer.byteLength) this.memory.grow(Math.ceil((need - this.memory.buffer.byteLength) / 65536));
    Buffer.from(this.memory.buffer).write(text, this.textBase, oneByte ? 'latin1' : 'utf16le');
    const mem32 = new Uint32Array(this.memory.buffer);
    for (let k = 0; k < LANES; k++) mem32[STATES / 4 + k] = laneStates[k] * 2;
    const status = (oneByte ? this.scan8 : this.scan16)(this.textBase, q, outBase * 2, hitsBase, cap);
    if (status !== 0) return -1;
    for (let k = 0; k < LANES; k++) {
      const first = (hitsBase >> 2) + k * cap * 2;
      const last = first + mem32[COUNTS / 4 + k] * 2;
      for (let i = first; i < last; i += 2) {
        ends.push(mem32[i]);
        states.push(mem32[i + 1] / 2);
      }
    }
    return mem32[STATES / 4 + LANES - 1] / 2;
  }
}
