// A finding whose one planned action runs a real command (`touch <marker>`): executor tests prove what was
// done, or not, by the file it leaves behind.
import type { Finding } from '../../src/types.js';

export function execFinding(marker: string, opts: { fingerprint?: string; command?: string } = {}): Finding {
  const command = opts.command ?? 'touch';
  return {
    ruleId: 'ops/server-health',
    severity: 'critical',
    title: 't',
    message: 'm',
    subject: { type: 'source', id: 'paperclip', label: 'paperclip' },
    location: null,
    fingerprint: opts.fingerprint ?? 'f'.repeat(32),
    tags: [],
    actions: [{ type: 'exec', status: 'planned', target: `exec:${command}`, detail: '', params: { ...(opts.command ? { command } : {}), argv: ['touch', marker] } }],
  };
}
