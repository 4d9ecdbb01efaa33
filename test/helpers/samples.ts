// The real Paperclip answers recorded in fixtures/paperclip-samples/, for unit tests that replay them.
import { readFileSync } from 'node:fs';

const SAMPLES = new URL('../../fixtures/paperclip-samples/', import.meta.url);

/** A recorded answer, as its text. */
export const sampleText = (name: string): string => readFileSync(new URL(`${name}.json`, SAMPLES), 'utf8');

/** A recorded answer, parsed. */
export const sample = (name: string): any => JSON.parse(sampleText(name));

/** The recorded agent (06-agents-list) as agent `n` of a test company: its own id, name and urlKey, no manager. */
export function sampleAgent(n: number, name: string, fields: Record<string, unknown> = {}): any {
  return { ...sample('06-agents-list')[0], id: `00000000-0000-4000-8000-00000000000${n}`, name, urlKey: name.toLowerCase(), reportsTo: null, orgChainHealth: undefined, ...fields };
}
