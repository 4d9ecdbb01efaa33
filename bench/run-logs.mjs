// The cost of reading a heartbeat run's texts for security/secret-in-run-log (src/sources/paperclip/run-logs.ts):
// an 8 MiB NDJSON run log (the most a run is read) of agent-like output, written in chunks of 40-400 bytes,
// with one key in every ~50,000 lines. clipguard: runTexts + scanRunTexts (parse the NDJSON, join each
// stream's chunks, detect, mask, dedupe). Peer: the same detector over the raw log as one text (no parsing,
// no joining: what a scanner that did not understand the log would do; it misses keys cut across chunks).
// Alternating rounds, medians and spread. Needs `npm run build`. Usage: node bench/run-logs.mjs [--rounds 7]
import { tmpdir } from 'node:os';
import { maskedSecrets } from '../dist/sources/index.js';
import { runTexts, scanRunTexts } from '../dist/sources/paperclip/run-logs.js';
import { loadConfig } from '../dist/config/load.js';
import { fakeToken, seededRandom } from '../test/helpers/fake-secrets.mjs';

const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 7;
const detect = maskedSecrets(loadConfig(tmpdir(), { noConfigFile: true }, {}));
const rand = seededRandom(13463);
const words = ['reading', 'src/index.ts', 'npm', 'test', 'passed', 'the', 'issue', 'PAP-12', 'commit', '3f2a9c1', 'function', 'return', 'const', 'value', 'http://127.0.0.1:3100/api/issues', 'done', '{"ok":true}', 'diff', '--git', 'a/b.ts'];
let out = '';
let text = '';
let keys = 0;
let seq = 0;
while (out.length < 8 * 1024 * 1024) {
  let line = Array.from({ length: 4 + Math.floor(rand() * 14) }, () => words[Math.floor(rand() * words.length)]).join(' ');
  if (rand() < 1 / 50_000 * 20) line += ` using ${fakeToken('paperclip-agent-key', ++keys)} for the call`;
  // A whole line to stderr now and then; stdout is written in chunks that cut lines (and keys) anywhere.
  if (rand() < 0.05) {
    out += JSON.stringify({ ts: '2026-12-06T08:00:00.000Z', stream: 'stderr', chunk: `warning: ${line}\n`, seq: ++seq }) + '\n';
    continue;
  }
  text += line + '\n';
  while (text.length > 400 || (text.length > 40 && rand() < 0.5)) {
    const n = 40 + Math.floor(rand() * 360);
    out += JSON.stringify({ ts: '2026-12-06T08:00:00.000Z', stream: 'stdout', chunk: text.slice(0, n), seq: ++seq }) + '\n';
    text = text.slice(n);
  }
}
if (text) out += JSON.stringify({ ts: '2026-12-06T08:00:00.000Z', stream: 'stdout', chunk: text, seq: ++seq }) + '\n';
const mb = Buffer.byteLength(out) / 1024 / 1024;
const times = { clipguard: [], peer: [] };
let found = { clipguard: 0, peer: 0 };
for (let r = 0; r < rounds; r++) {
  for (const side of r % 2 ? ['peer', 'clipguard'] : ['clipguard', 'peer']) {
    const t = process.hrtime.bigint();
    const f = side === 'clipguard' ? scanRunTexts(runTexts({ log: out }), detect) : detect.many([out])[0];
    times[side].push(Number(process.hrtime.bigint() - t) / 1e6);
    found[side] = f.length;
  }
}
const med = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
for (const side of ['clipguard', 'peer']) {
  const a = [...times[side]].sort((x, y) => x - y);
  console.log(`${side}: ${mb.toFixed(1)} MiB log, ${seq} chunks, ${keys} keys planted, ${found[side]} found; median ${med(a).toFixed(0)} ms (${a[0].toFixed(0)}-${a[a.length - 1].toFixed(0)}), ${(mb / (med(a) / 1000)).toFixed(1)} MiB/s`);
}
console.log(`ratio clipguard/peer time: ${(med(times.clipguard) / med(times.peer)).toFixed(2)}x; peak RSS of the process ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB; load ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')}`);
