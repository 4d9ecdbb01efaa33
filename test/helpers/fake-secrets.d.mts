// Types for fake-secrets.mjs (plain JS so that node scripts and benchmarks can import it too).
export declare function seededRandom(seed: number): () => number;
export declare const FAKE_KINDS: string[];
export declare const SELF_CONTAINED_KINDS: string[];
export declare function fakeToken(kind: string, seed?: number): string;
export declare function fakeSample(kind: string, seed?: number, style?: number): { text: string; secret: string; offset: number };
