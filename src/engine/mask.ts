// Last line of defence: anything the engine copies from scanned content into a finding (messages,
// labels, --explain fact values) is passed through the secret detector and redacted, so a secret that a
// rule did not anticipate still cannot reach a report.

import { detectSecrets, mayHoldBuiltinSecret, redactSecrets } from '../detectors/secrets/index.js';

export function maskText(text: string): string {
  // A text without any keyword of a built-in row holds nothing to mask: the detector is not compiled for it.
  if (!mayHoldBuiltinSecret(text)) return text;
  const matches = detectSecrets(text);
  return matches.length ? redactSecrets(text, matches) : text;
}

export function maskDeep(value: unknown, depth = 0): unknown {
  if (depth > 12) return '…';
  if (typeof value === 'string') return maskText(value.length > 2000 ? value.slice(0, 2000) + '…' : value);
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, depth + 1));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskDeep(v, depth + 1)]));
  }
  return value;
}
