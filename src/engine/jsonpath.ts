// A deliberately small JSONPath: `$`, `.name`, `['name']`, `[0]`, `[-1]` and `.length`.
// json-rules-engine resolves `path` with jsonpath-plus, which can evaluate script expressions
// (`?(...)`, `(...)`). Rule packs are data and must never run code, so clipguard parses paths itself,
// rejects anything outside this subset at validation time, and resolves them with this walker
// (passed to json-rules-engine as its `pathResolver`). It is also several times faster.

export type PathSegment = { kind: 'prop'; name: string } | { kind: 'index'; index: number };

export class JsonPathError extends Error {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
    this.name = 'JsonPathError';
  }
}

const cache = new Map<string, PathSegment[]>();

export function parsePath(path: string): PathSegment[] {
  const hit = cache.get(path);
  if (hit) return hit;
  if (typeof path !== 'string' || !path.startsWith('$')) {
    throw new JsonPathError(`path must start with "$" (got ${JSON.stringify(path)})`, String(path));
  }
  const segments: PathSegment[] = [];
  let i = 1;
  while (i < path.length) {
    const ch = path[i];
    if (ch === '.') {
      const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(path.slice(i + 1));
      if (!m) throw new JsonPathError(`expected a field name after "." at position ${i + 1} in ${path}`, path);
      segments.push({ kind: 'prop', name: m[0] });
      i += 1 + m[0].length;
    } else if (ch === '[') {
      const rest = path.slice(i);
      const idx = /^\[(-?\d{1,9})\]/.exec(rest);
      const quoted = /^\['([^'\\]{1,200})'\]/.exec(rest) ?? /^\["([^"\\]{1,200})"\]/.exec(rest);
      if (idx) {
        segments.push({ kind: 'index', index: Number(idx[1]) });
        i += idx[0].length;
      } else if (quoted) {
        segments.push({ kind: 'prop', name: quoted[1] });
        i += quoted[0].length;
      } else {
        throw new JsonPathError(
          `unsupported JSONPath syntax at position ${i} in ${path}: only .field, ['field'] and [index] are allowed (no filters, scripts, wildcards or recursion)`,
          path,
        );
      }
    } else {
      throw new JsonPathError(`unexpected ${JSON.stringify(ch)} at position ${i} in ${path}`, path);
    }
  }
  if (cache.size > 10_000) cache.clear();
  cache.set(path, segments);
  return segments;
}

export function resolvePath(value: unknown, path: string): unknown {
  return resolveSegments(value, parsePath(path));
}

/** resolvePath with the path parsed beforehand (hot loops parse once). */
export function resolveSegments(value: unknown, segments: readonly PathSegment[]): unknown {
  let cur: unknown = value;
  for (const seg of segments) {
    if (cur === null || cur === undefined) return undefined;
    if (seg.kind === 'index') {
      if (!Array.isArray(cur)) return undefined;
      cur = cur[seg.index < 0 ? cur.length + seg.index : seg.index];
    } else if (seg.name === 'length' && (Array.isArray(cur) || typeof cur === 'string')) {
      cur = cur.length;
    } else if (typeof cur === 'object' && Object.prototype.hasOwnProperty.call(cur, seg.name)) {
      cur = (cur as Record<string, unknown>)[seg.name];
    } else {
      return undefined;
    }
  }
  return cur;
}
