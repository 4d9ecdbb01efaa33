// Shannon entropy, in bits per character. A random base62 token of 40 characters scores about 5;
// English words and identifiers score 2.5-3.5; a run of one character scores 0. Rows of the pattern table
// use it (minEntropy) to tell a key from a placeholder, a word or a repeated filler.

const asciiCounts = new Int32Array(128);

/** Shannon entropy of `s` in bits per code unit (code points outside ASCII are counted as themselves). */
export function shannonEntropy(s: string): number {
  const n = s.length;
  if (n === 0) return 0;
  // Secrets are almost always ASCII: count in a reused typed array, and fall back to a Map only for other
  // characters, so the hot path allocates nothing.
  let other: Map<number, number> | null = null;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 128) asciiCounts[c]++;
    else (other ??= new Map()).set(c, (other.get(c) ?? 0) + 1);
  }
  let h = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 128 && asciiCounts[c] > 0) {
      const p = asciiCounts[c] / n;
      h -= p * Math.log2(p);
      asciiCounts[c] = 0; // counted once; also leaves the table clean for the next call
    }
  }
  if (other) {
    for (const k of other.values()) {
      const p = k / n;
      h -= p * Math.log2(p);
    }
  }
  return h;
}

/** How many of the classes lowercase, uppercase, digit and other a string uses (0-4). */
export function charClassCount(s: string): number {
  let lower = 0;
  let upper = 0;
  let digit = 0;
  let rest = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 97 && c <= 122) lower = 1;
    else if (c >= 65 && c <= 90) upper = 1;
    else if (c >= 48 && c <= 57) digit = 1;
    else rest = 1;
  }
  return lower + upper + digit + rest;
}
