import type { Report } from '../types.js';

/** The json report is the contract other tools read (schema/report.schema.json). */
export function renderJson(report: Report): string {
  return jsonText(report);
}

/** JSON text with every lone surrogate replaced (U+FFFD): a strict parser would refuse the document otherwise. */
export function jsonText(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'string' ? v.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd') : v), 2) + '\n';
}
