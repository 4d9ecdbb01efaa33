// The language fact shapes are written in (src/facts/*), and the walk the rule validator does through them:
// json-rules-engine silently yields `undefined` for a mistyped path and the rule would then never fire.
// Shapes are closed: a field not listed is an error that names the nearest known field.

export type Shape =
  | 'string'
  | 'number'
  | 'boolean'
  | 'any'
  | { kind: 'object'; props: Record<string, Shape> }
  | { kind: 'array'; items: Shape }
  | { kind: 'nullable'; of: Shape }
  /** Present only sometimes (an inline ignore's rules and reason): a path may walk through it, as through nullable. */
  | { kind: 'optional'; of: Shape };

export const obj = (props: Record<string, Shape>): Shape => ({ kind: 'object', props });
export const arr = (items: Shape): Shape => ({ kind: 'array', items });
export const nul = (of: Shape): Shape => ({ kind: 'nullable', of });
export const opt = (of: Shape): Shape => ({ kind: 'optional', of });
export const S = 'string' as const;
export const N = 'number' as const;
export const B = 'boolean' as const;
export const A = 'any' as const;

/** Walk `path` through `shape`; returns an error message, or null when the path can match. */
export function checkPathAgainstShape(shape: Shape, segments: { kind: 'prop' | 'index'; name?: string }[]): string | null {
  let cur: Shape = shape;
  const walked: string[] = ['$'];
  for (const seg of segments) {
    while (typeof cur === 'object' && (cur.kind === 'nullable' || cur.kind === 'optional')) cur = cur.of;
    if (cur === 'any') return null;
    if (seg.kind === 'index') {
      if (typeof cur === 'object' && cur.kind === 'array') {
        cur = cur.items;
        walked.push('[i]');
        continue;
      }
      return `${walked.join('')} is ${describe(cur)}, not an array`;
    }
    const name = seg.name as string;
    if (name === 'length' && (cur === 'string' || (typeof cur === 'object' && cur.kind === 'array'))) {
      cur = 'number';
      walked.push('.length');
      continue;
    }
    if (typeof cur === 'object' && cur.kind === 'object') {
      const next: Shape | undefined = cur.props[name];
      if (!next) {
        const known = Object.keys(cur.props);
        const hint = closest(name, known);
        return `${walked.join('')} has no field "${name}"${hint ? ` (did you mean "${hint}"?)` : ''}; known fields: ${known.slice(0, 12).join(', ')}${known.length > 12 ? ', ...' : ''}`;
      }
      cur = next;
      walked.push('.' + name);
      continue;
    }
    return `${walked.join('')} is ${describe(cur)}, it has no field "${name}"`;
  }
  return null;
}

function describe(s: Shape): string {
  if (typeof s === 'string') return `a ${s}`;
  if (s.kind === 'array') return 'an array';
  if (s.kind === 'object') return 'an object';
  return 'nullable';
}

export function closest(name: string, candidates: string[]): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = levenshtein(name.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : null;
}

/** Up to `n` candidates nearest to `name` (edit distance, within what `closest` accepts), nearest first. */
export function nearest(name: string, candidates: string[], n = 3): string[] {
  const limit = Math.max(2, Math.floor(name.length / 3));
  return [...new Set(candidates)]
    .map((c) => ({ c, d: levenshtein(name.toLowerCase(), c.toLowerCase()) }))
    .filter((x) => x.d <= limit)
    .sort((a, b) => a.d - b.d || (a.c < b.c ? -1 : 1))
    .slice(0, n)
    .map((x) => x.c);
}

function levenshtein(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0];
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j];
      dp[j] = Math.min(dp[j] + 1, dp[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length];
}
