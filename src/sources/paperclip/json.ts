// Server answers before any schema check, for the reads and re-reads that only look at a field or two (the
// actions before a write, the plugin CLI). Apart from records.ts so that these helpers load no zod: the CLI's
// start-up (every commit's hook) imports them, and zod is only for a read of Paperclip's records.
/** A JSON object as the server sent it, not (yet) checked: read a field, then narrow what it holds. */
export type JsonObject = Record<string, unknown>;

export function isJsonObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The rows of a list read that are objects (a re-read before a write, not checked against a schema). */
export function jsonObjects(rows: readonly unknown[]): JsonObject[] {
  return rows.filter(isJsonObject);
}
