import { makeSourceText } from '/work/main/bench/gen-secrets-input.mjs';
const { detectSecrets } = await import('/work/main/dist/detectors/secrets/index.js');
const text = makeSourceText(5 * 1024 * 1024, 1);
for (let i = 0; i < 5; i++) detectSecrets(text);
global.gc(); console.log('START');
let t = performance.now(); for (let i = 0; i < 20; i++) detectSecrets(text); console.log('ms', ((performance.now() - t) / 20).toFixed(2));
