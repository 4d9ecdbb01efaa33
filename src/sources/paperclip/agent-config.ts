// Secrets in an agent's own configuration (Paperclip issue #6895: agent config returned with secrets in plain
// text). adapterConfig holds env bindings (`{type:"plain",value}`, legacy inline strings, or references to
// company secrets), headers, command arguments; metadata, runtimeConfig and capabilities are free-form too.
// Every string in them (and every key) goes through the secret detector, and a plain env or header value
// under a secret-looking name is one whatever its shape: it should be a `secret_ref`. What is found is
// masked in the agent record before any fact is built (the `agent` fact, an issue's `assignee`), so no rule,
// message, --explain or report can print it; the `configSecrets` fact says what and where, masked.

import { maskSecret, redactSecrets, type RedactSpan } from '../../detectors/secrets/redact.js';

/** The detector as subjects.ts is given it (sources/index.ts maskedSecrets): masked facts and spans, in the same order. */
type Detect = { many?: (texts: readonly string[]) => Record<string, unknown>[][]; spans?: (texts: readonly string[]) => RedactSpan[][] } | undefined;

/** One secret in an agent's configuration, as rules see it: never the value. */
export interface ConfigSecret {
  kind: string;
  description: string;
  preview: string;
  /** Where it is in the agent record, e.g. `adapterConfig.env.OPENAI_API_KEY` (masked where a key name held a secret). */
  path: string;
  /** The top-level field: adapterConfig, runtimeConfig, metadata or capabilities. */
  field: string;
  /** For an env value: its binding, `plain` or `inline` (a legacy bare string); null elsewhere. */
  binding: string | null;
  /** The env variable or header it is the value of, when it is one. */
  name: string | null;
  fingerprintKey: string;
}

/** The agent fields that can hold configuration. */
const FIELDS = ['adapterConfig', 'runtimeConfig', 'metadata', 'capabilities'] as const;

/**
 * A name that says its value is a credential (the detector's generic keywords, and Paperclip's own
 * SECRET_FIELD_NAME_PATTERN in server/redaction.ts), unless it names something about one (a path, a URL, an id).
 */
const SENSITIVE_NAME = /api[-_.]?key|access[-_.]?key|auth|secret|token|passw(?:or)?d|passphrase|pwd|credential|private[-_.]?key|cookie|bearer|jwt|session[-_.]?key|connection[-_.]?string|dsn/i;
const ABOUT_A_SECRET = /[-_.](?:path|file|dir|url|uri|endpoint|host|name|id|type|kind|header|var|env|prefix|version|ttl|timeout|mode|enabled|expir\w*)$/i;
/** `$X`, `${X}`, `{{X}}`: a reference to a value kept elsewhere, not a value. */
const REFERENCE = /^\s*(?:\$\{?[A-Za-z_][A-Za-z0-9_.]*\}?|\{\{[^{}]{1,100}\}\})\s*$/;
/** How a server answers with a value it hid (Paperclip: `***REDACTED***`), and clipguard's own mask. */
const SERVER_MASK = /^(?:\*{3,}(?:REDACTED\*{3,})?|\[REDACTED(?::[\w-]+)?\])$/i;
const HIDDEN_PREVIEW = '(hidden by the server)';
const REFERENCE_BINDINGS = new Set(['secret_ref', 'user_secret_ref']);
const MAX_DEPTH = 24;
const TOO_DEEP = '(nested too deep to read)';

export const PLAIN_KIND = 'plain-config-secret';
const PLAIN_DESCRIPTION = 'Secret kept as a plain value';

/** Whether a plain value under this name is a secret that belongs in Paperclip's secrets. */
export function sensitiveName(name: string): boolean {
  return SENSITIVE_NAME.test(name) && !ABOUT_A_SECRET.test(name);
}

interface Leaf {
  /** Path segments from the agent record (the key of an object, the index of an array). */
  at: (string | number)[];
  value: string;
  /** What the detector is given before the value (`NAME=`, `--flag=`), so assignment-shaped rows apply. */
  prefix: string;
  binding: string | null;
  name: string | null;
  /** A plain env or header value: a secret-looking name makes it one whatever its shape. */
  named: boolean;
  /** A key of an object (a key can hold a secret too): masked where it stands, in the record and in paths. */
  isKey?: boolean;
}

/**
 * The agents with every secret in their configuration masked (`[REDACTED:<kind>]`), and the `configSecrets`
 * fact of each agent that had one. An agent without one is returned as it was (same object).
 */
export function agentConfigSecrets<A extends Record<string, unknown>>(agents: readonly A[], detect: Detect): { agents: A[]; ofAgent: Map<string, ConfigSecret[]> } {
  const leavesOf = agents.map((a) => (a && typeof a === 'object' ? leaves(a) : []));
  const all = leavesOf.flat();
  const texts = all.map((l) => l.prefix + l.value);
  const facts = detect?.many && detect.spans ? detect.many(texts) : texts.map(() => []);
  const spans = detect?.many && detect.spans ? detect.spans(texts) : texts.map(() => []);
  const ofAgent = new Map<string, ConfigSecret[]>();
  let k = 0;
  const out = agents.map((agent, i) => {
    const ls = leavesOf[i];
    const found: { leaf: Leaf; spans: RedactSpan[]; matches: { kind: string; description: string; preview: string }[] }[] = [];
    for (const leaf of ls) {
      const n = leaf.prefix.length;
      const own: RedactSpan[] = [];
      const matches: { kind: string; description: string; preview: string }[] = [];
      (spans[k] ?? []).forEach((s, j) => {
        // A match within the name alone is the name's own (a key is a leaf too); one across both is the value's.
        if (s.end <= n) return;
        own.push({ kind: s.kind, start: Math.max(0, s.start - n), end: Math.min(leaf.value.length, s.end - n) });
        const m = (facts[k]?.[j] ?? {}) as Record<string, unknown>;
        matches.push({ kind: String(m.kind ?? s.kind), description: String(m.description ?? s.kind), preview: String(m.preview ?? '…') });
      });
      k++;
      if (!own.length && leaf.named) {
        const plain = plainValue(leaf);
        if (plain === 'value') {
          own.push({ kind: PLAIN_KIND, start: 0, end: leaf.value.length });
          matches.push({ kind: PLAIN_KIND, description: PLAIN_DESCRIPTION, preview: leaf.value === TOO_DEEP ? TOO_DEEP : maskSecret(leaf.value.trim()) });
        } else if (plain === 'hidden') {
          // The server hides every plain env value in its answers (`***REDACTED***`, paperclipai 2026.916.1),
          // but keeps it in plain: a secret-named plain binding is the finding, with nothing to mask.
          matches.push({ kind: PLAIN_KIND, description: PLAIN_DESCRIPTION, preview: HIDDEN_PREVIEW });
        }
      }
      if (matches.length) found.push({ leaf, spans: own, matches });
    }
    if (!found.length) return agent;
    const masked = maskRecord(agent, found);
    const list: ConfigSecret[] = [];
    const seen = new Map<string, number>();
    for (const f of found) {
      // A plain binding is named by its variable (`env.OPENAI_API_KEY`), not by its `value` field.
      const at = f.leaf.binding === 'plain' ? f.leaf.at.slice(0, -1) : f.leaf.at;
      const path = pathText(maskedPath(at, found));
      for (const m of f.matches) {
        const base = `${m.kind}@${path}`;
        const n = (seen.get(base) ?? 0) + 1;
        seen.set(base, n);
        list.push({
          kind: m.kind,
          description: m.description,
          preview: m.preview,
          path,
          field: String(f.leaf.at[0]),
          binding: f.leaf.binding,
          name: f.leaf.name === null ? null : redactSecrets(f.leaf.name, keySpans(f.leaf.at.length - 1, f.leaf.at, found)),
          fingerprintKey: n > 1 ? `${base}#${n}` : base,
        });
      }
    }
    ofAgent.set(String(agent.id), list);
    return masked;
  });
  return { agents: out, ofAgent };
}

/**
 * What a plain value under a secret-looking name is: a `value` to report and mask; `hidden` when the server
 * answered with its mask in an env binding (the value is still kept in plain there); `none` for an empty value,
 * a `$VAR` reference, or a mask outside env (a header or argument the server hid says nothing either way).
 */
function plainValue(leaf: Leaf): 'value' | 'hidden' | 'none' {
  const v = leaf.value.trim();
  if (SERVER_MASK.test(v)) return leaf.binding ? 'hidden' : 'none';
  return v.length >= 4 && !REFERENCE.test(v) ? 'value' : 'none';
}

/** Every string (and key) under the configuration fields, with what the detector should see before it. */
function leaves(agent: Record<string, unknown>): Leaf[] {
  const out: Leaf[] = [];
  const walk = (v: unknown, at: (string | number)[], ctx: { name: string | null; binding: string | null; named: boolean; prefix: string }, depth: number) => {
    if (typeof v === 'string') {
      if (v) out.push({ at, value: v, ...ctx });
      return;
    }
    if (!v || typeof v !== 'object') return;
    if (depth > MAX_DEPTH) {
      // Deeper than any real configuration: detected as one text, and masked whole if it holds a secret. One
      // too deep even for JSON.stringify is dropped whole (named: masked as a plain value, whatever it holds).
      let text: string | null = null;
      try {
        text = JSON.stringify(v);
      } catch {
        // RangeError: nesting beyond the stack
      }
      out.push(text === null ? { at, value: TOO_DEEP, prefix: '', binding: null, name: null, named: true } : { at, value: text, ...ctx });
      return;
    }
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        // `--api-key <value>` in a command's arguments reads as `--api-key=<value>` to the detector.
        const prev = i > 0 ? v[i - 1] : undefined;
        const flag = typeof prev === 'string' && /^--?[A-Za-z][\w.-]{0,60}$/.test(prev) ? prev : null;
        walk(x, [...at, i], flag ? { name: flag, binding: null, named: sensitiveName(flag), prefix: `${flag}=` } : { name: null, binding: null, named: false, prefix: '' }, depth + 1);
      });
      return;
    }
    const parent = at[at.length - 1];
    for (const [key, x] of Object.entries(v)) {
      out.push({ at: [...at, key], value: key, prefix: '', binding: null, name: null, named: false, isKey: true });
      const here = [...at, key];
      if (parent === 'env' && typeof x === 'string') {
        walk(x, here, { name: key, binding: 'inline', named: sensitiveName(key), prefix: `${key}=` }, depth + 1);
      } else if (parent === 'env' && x && typeof x === 'object' && !Array.isArray(x) && typeof (x as { type?: unknown }).type === 'string') {
        const type = (x as { type: string }).type;
        // A reference to a company or user secret holds no secret (its ids are not keys).
        if (REFERENCE_BINDINGS.has(type)) continue;
        if (type === 'plain') {
          const value = (x as { value?: unknown }).value;
          if (typeof value === 'string' && value) out.push({ at: [...here, 'value'], value, prefix: `${key}=`, binding: 'plain', name: key, named: sensitiveName(key) });
          for (const [k2, y] of Object.entries(x)) if (k2 !== 'type' && k2 !== 'value') walk(y, [...here, k2], { name: k2, binding: null, named: false, prefix: `${k2}=` }, depth + 2);
        } else walk(x, here, { name: key, binding: null, named: false, prefix: '' }, depth + 1);
      } else if (parent === 'headers' && typeof x === 'string') {
        walk(x, here, { name: key, binding: null, named: sensitiveName(key), prefix: `${key}: ` }, depth + 1);
      } else {
        walk(x, here, { name: key, binding: null, named: false, prefix: `${key}=` }, depth + 1);
      }
    }
  };
  for (const f of FIELDS) walk(agent[f], [f], { name: f, binding: null, named: false, prefix: `${f}=` }, 0);
  // Keys and values are both leaves; a key leaf's own spans mask the key, not the value under it.
  return out;
}

type Found = { leaf: Leaf; spans: RedactSpan[] }[];

/** The spans found in the key at `at[0..i]`, if that key held a secret. */
function keySpans(i: number, at: (string | number)[], found: Found): RedactSpan[] {
  const hit = found.find((f) => f.leaf.isKey && f.leaf.at.length === i + 1 && f.leaf.at.every((s, j) => s === at[j]));
  return hit ? hit.spans : [];
}

/** The path with every key that held a secret masked. */
function maskedPath(at: (string | number)[], found: Found): (string | number)[] {
  return at.map((s, i) => (typeof s === 'string' ? redactSecrets(s, keySpans(i, at, found)) : s));
}

/** `adapterConfig.env.OPENAI_API_KEY`, `adapterConfig.args[3]`, `metadata["odd key"]`. */
export function pathText(at: (string | number)[]): string {
  let out = '';
  for (const s of at) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(s)) out += out ? `.${s}` : s;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

/** A copy of the agent with each found value (and key) masked; everything else kept as it was. */
function maskRecord<A extends Record<string, unknown>>(agent: A, found: Found): A {
  const values = new Map<string, RedactSpan[]>();
  const keys = new Map<string, RedactSpan[]>();
  for (const f of found) (f.leaf.isKey ? keys : values).set(JSON.stringify(f.leaf.at), f.spans);
  const copy = (v: unknown, at: (string | number)[], depth: number): unknown => {
    const s = values.get(JSON.stringify(at));
    if (typeof v === 'string') return s ? redactSecrets(v, s) : v;
    if (!v || typeof v !== 'object') return v;
    // A subtree too deep to walk was detected as its JSON text: what holds a secret becomes that text, masked.
    if (s?.length) {
      try {
        return redactSecrets(JSON.stringify(v), s);
      } catch {
        return `[REDACTED:${PLAIN_KIND}]`;
      }
    }
    if (Array.isArray(v)) return v.map((x, i) => copy(x, [...at, i], depth + 1));
    const out: Record<string, unknown> = {};
    for (const [key, x] of Object.entries(v)) {
      const ks = keys.get(JSON.stringify([...at, key]));
      // defineProperty: a key `__proto__` stays a key, as it was in the JSON.
      Object.defineProperty(out, ks ? redactSecrets(key, ks) : key, { value: copy(x, [...at, key], depth + 1), enumerable: true, writable: true, configurable: true });
    }
    return out;
  };
  const masked: Record<string, unknown> = { ...agent };
  for (const f of FIELDS) if (f in agent) masked[f] = copy(agent[f], [f], 0);
  return masked as A;
}
