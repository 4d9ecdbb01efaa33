// Bundles the live guard (src/plugin/) into dist/plugin/worker.js and dist/plugin/manifest.js with esbuild, the
// SDK's own presets (ESM, node): the Paperclip server runs the worker with its own Node and no npm install, and
// the plugin SDK is a devDependency of this package, so the worker brings everything it imports in one file.
// It is built from the same src/ modules as the CLI (no second implementation); what it reads at run time from
// disk, it finds where the CLI's modules do: rules/ and dist/generated/ (dist/plugin/ is as deep as dist/engine/).

import { readFileSync } from 'node:fs';
import { build } from 'esbuild';
import { createPluginBundlerPresets } from '@paperclipai/plugin-sdk/bundlers';

const root = new URL('../', import.meta.url);
const version = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')).version;

// version.ts reads ../package.json from its own directory (dist/), which the bundle in dist/plugin/ is not:
// the version is written in at build time instead.
const inlineVersion = {
  name: 'inline-version',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]version\.ts$/ }, () => ({ contents: `export const VERSION = ${JSON.stringify(version)};`, loader: 'ts' }));
  },
};

const presets = createPluginBundlerPresets({ outdir: 'dist/plugin', workerEntry: 'src/plugin/worker.ts', manifestEntry: 'src/plugin/manifest.ts', sourcemap: false });
// CommonJS dependencies (undici, json-rules-engine) call require() on node built-ins: give the ESM bundle one.
const banner = { js: "import { createRequire as __cgCreateRequire } from 'node:module'; const require = __cgCreateRequire(import.meta.url);" };
const common = { absWorkingDir: new URL('.', root).pathname, logLevel: 'warning', plugins: [inlineVersion], target: 'node20' };

await build({ ...presets.esbuild.worker, ...common, banner });
await build({ ...presets.esbuild.manifest, ...common });
