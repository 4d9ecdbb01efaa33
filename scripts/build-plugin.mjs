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

const presets = createPluginBundlerPresets({ outdir: 'dist/plugin', workerEntry: 'src/plugin/worker.ts', manifestEntry: 'src/plugin/manifest.ts', uiEntry: 'src/plugin/ui/index.ts', sourcemap: false });
// CommonJS dependencies (undici, json-rules-engine) call require() on node built-ins: give the ESM bundle one.
const banner = { js: "import { createRequire as __cgCreateRequire } from 'node:module'; const require = __cgCreateRequire(import.meta.url);" };
const common = { absWorkingDir: new URL('.', root).pathname, logLevel: 'warning', plugins: [inlineVersion], target: 'node20' };

await build({ ...presets.esbuild.worker, ...common, banner });
await build({ ...presets.esbuild.manifest, ...common });
// The UI slots (dist/plugin/ui/index.js), for the browser: React and the SDK's UI hooks stay imports (the
// preset's externals), which the Paperclip page rewrites to its own React 19 and hooks; nothing else may be
// imported (the page resolves no other bare name), which the check below holds to.
const ui = await build({ ...presets.esbuild.ui, absWorkingDir: common.absWorkingDir, logLevel: 'warning', metafile: true });
const allowed = new Set(presets.esbuild.ui.external);
for (const out of Object.values(ui.metafile.outputs)) {
  for (const i of out.imports) if (i.external && !allowed.has(i.path)) throw new Error(`the plugin UI imports ${i.path}: the Paperclip page cannot resolve it`);
}
