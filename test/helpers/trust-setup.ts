// Every test file gets its own empty trust store, outside the repo and the user's home: trust a developer
// gave their own config files never leaks into the tests, and tests never write to ~/.config.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

process.env.CLIPGUARD_TRUST_FILE = join(mkdtempSync(join(tmpdir(), 'clipguard-trust-store-')), 'trusted.json');
delete process.env.CLIPGUARD_TRUST_CONFIG_SHA256;
