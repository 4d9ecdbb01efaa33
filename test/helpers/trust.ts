// Tests that write a config file asking for what needs trust (actions.apply, actions.exec, paperclip.url, ...)
// trust it the way a user does: in a trust store outside the repo (test/helpers/trust-setup.ts points
// CLIPGUARD_TRUST_FILE at a temporary one for each test file, inherited by the CLI processes a test starts).
import { readFileSync, writeFileSync } from 'node:fs';
import { addTrust, sha256Of } from '../../src/config/trust.js';

/** Trust `file` as it is now (`clipguard trust <file>`). */
export function trustConfig(file: string): void {
  addTrust(file, sha256Of(readFileSync(file)));
}

/** Write a config file and trust it. */
export function writeTrustedConfig(file: string, text: string): void {
  writeFileSync(file, text);
  trustConfig(file);
}
