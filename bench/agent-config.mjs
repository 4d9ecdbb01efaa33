// The per-agent cost of agentConfigSecrets (security/secret-in-agent-config): 1000 agents with a claude_local-shaped
// configuration, 7 runs. Needs `npm run build`. Usage: node bench/agent-config.mjs
import { tmpdir } from 'node:os';
import { agentConfigSecrets } from '../dist/sources/paperclip/agent-config.js';
import { maskedSecrets } from '../dist/sources/index.js';
import { loadConfig } from '../dist/config/load.js';
const config = loadConfig(tmpdir(), { noConfigFile: true }, {});
const d = maskedSecrets(config);
const agents = Array.from({ length: 1000 }, (_, i) => ({ id: 'a' + i, adapterConfig: { instructionsFilePath: '/data/instances/default/companies/x/agents/' + i + '/instructions/AGENTS.md', instructionsBundleMode: 'managed', model: 'claude-sonnet', promptTemplate: 'You are agent ' + i + '. '.repeat(50), env: { OPENAI_API_KEY: { type: 'secret_ref', secretId: '8f14e45f-ceea-467a-9575-6b8e1d3c2a10' }, SETTINGS: { type: 'plain', value: '***REDACTED***' }, LOG: 'debug' }, args: ['--verbose', '--model', 'x'] }, runtimeConfig: { heartbeat: { enabled: true, intervalSec: 900 } }, metadata: { team: 'x' } }));
const ts = [];
for (let r = 0; r < 7; r++) { const t = process.hrtime.bigint(); agentConfigSecrets(agents, d); ts.push(Number(process.hrtime.bigint() - t) / 1e6); }
ts.sort((a, b) => a - b);
console.log('1000 agents ms: median', ts[3].toFixed(1), 'min', ts[0].toFixed(1), 'max', ts[6].toFixed(1), 'maxRSS MB', (process.resourceUsage().maxRSS / 1024).toFixed(0));
