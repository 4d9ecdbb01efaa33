// Public API of the leaked-secret detector.
export { detectSecrets, detectSecretsMany, mayHoldBuiltinSecret, detectSecretsUnfiltered, secretIgnoredFor, validateSecretAllowlist, validateSecretPatterns, SecretPatternError, MAX_SECRET_PATTERNS } from './detect.js';
export type { SecretMatch, SecretAllowlist, DetectOptions } from './detect.js';
export { redactSecrets, maskSecret } from './redact.js';
export type { RedactSpan } from './redact.js';
export { shannonEntropy, charClassCount } from './entropy.js';
export { SECRET_PATTERNS } from './patterns.js';
export type { SecretPattern, SecretPatternAllowlist } from './patterns.js';
