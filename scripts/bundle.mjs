// Bundles the CLI, its loader and the GitHub Action's entry (dist/bundle/, what bin/clipguard.js and action.yml
// run) with esbuild, then writes the CLI's V8 code cache (scripts/code-cache.mjs). Run by `npm run build`,
// after tsc.
//
// Why: `clipguard precommit` starts on every commit (twice: pre-commit and commit-msg), and compiling the code
// it runs was a large part of its start-up. Node 20 has no compile cache and none at all for ES modules, so
// the CLI is one CommonJS file, `clipguard.cjs`, that src/bundle-loader.ts compiles with `vm.Script` and the
// code cache the build wrote beside it (checked before use: see that file). In the one file, every module
// reached only through a dynamic `import()` (the zh linter, the Paperclip client, the executor...) stays a
// function that runs when that path first runs (esbuild's lazy module wrappers), so a command still runs only
// the modules it needs; those it never calls cost no compilation, only a lazy pre-parse when there is no cache.
// (Measured on 200 staged real files, CPU of the whole process: the code-split ES module bundle 201-211 ms,
// this file without its cache 188-197, with it 167-189.)
// The npm dependencies stay outside the bundle (`external`) and load from node_modules as before, lazily where
// the code says so. Files found at run time (rules/, schema/, dist/generated/) are found from the package root
// (src/paths.ts), not relative to a module's own file.
// The Action's entry stays an ES module bundle with code splitting (it runs once per CI job).
// dist/bundle-meta.json (esbuild's metafiles, both builds) says which source modules each output holds.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

const root = new URL('..', import.meta.url);
const BUNDLED = ['commander'];
const outdir = new URL('dist/bundle/', root).pathname;
rmSync(outdir, { recursive: true, force: true });
// Every dependency but commander stays in node_modules (most load lazily, some through createRequire).
// commander is on every command's path, and as 8 CommonJS files it cost ~15 ms of the hook's start-up.
const external = Object.keys(JSON.parse(readFileSync(new URL('package.json', root), 'utf8')).dependencies).filter((d) => !BUNDLED.includes(d));
const common = { absWorkingDir: root.pathname, outdir, bundle: true, platform: 'node', target: 'node20.19', tsconfig: 'tsconfig.build.json', metafile: true, logLevel: 'warning' };
// A dependency the code loads with `import()` (json-rules-engine, simple-git, node:net, on their rare paths) is
// required instead, when first asked for, as esbuild does for the modules it bundles: an `import()` in code
// compiled from a vm.Script's code cache has no loader to go to on Node 20 ("A dynamic import callback was not
// specified"), and one without the cache needs an experimental option that warns.
const dynamicRequire = {
  name: 'dynamic-import-as-require',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (a) => (a.kind === 'dynamic-import' && !a.path.startsWith('.') ? { path: a.path, namespace: 'dynamic-require' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'dynamic-require' }, (a) => ({ contents: `module.exports = require(${JSON.stringify(a.path)});`, loader: 'js' }));
  },
};
const cli = await build({
  ...common,
  entryPoints: { clipguard: 'src/cli/main.ts' },
  format: 'cjs',
  outExtension: { '.js': '.cjs' },
  external,
  plugins: [dynamicRequire],
  // The modules' `import.meta.url` is the bundle's own URL (paths.ts and createRequire resolve from it).
  // "use strict" first: the directive must open the function the loader wraps the file in.
  define: { 'import.meta.url': '__clipguardUrl' },
  banner: { js: '"use strict";const __clipguardUrl = require("node:url").pathToFileURL(__filename).href;' },
});
const cliText = readFileSync(new URL('clipguard.cjs', new URL(outdir, 'file:')), 'utf8');
if (/\bimport\(/.test(cliText)) throw new Error(`dist/bundle/clipguard.cjs still has an import(): ${/.{0,80}\bimport\(.{0,80}/.exec(cliText)[0]}`);
const action = await build({
  ...common,
  entryPoints: { action: 'src/action/run.ts' },
  splitting: true,
  format: 'esm',
  external,
  // Bundled CommonJS code (commander) calls require() for Node built-ins: give the ESM chunks one.
  banner: { js: "import { createRequire as __clipguardCreateRequire } from 'node:module'; const require = __clipguardCreateRequire(import.meta.url);" },
  chunkNames: 'chunk-[hash]',
});
// The loader bin/clipguard.js requires (Node built-ins only), CommonJS like it.
await build({ ...common, entryPoints: { loader: 'src/bundle-loader.ts' }, format: 'cjs', outExtension: { '.js': '.cjs' }, metafile: false });
writeFileSync(new URL('dist/bundle-meta.json', root), JSON.stringify({ inputs: { ...cli.metafile.inputs, ...action.metafile.inputs }, outputs: { ...cli.metafile.outputs, ...action.metafile.outputs } }));

// The credential filter's model is read on first use (detectors/secrets/credential.ts), not bundled: 200 KB of
// JSON no precommit with the stage off should parse.
mkdirSync(new URL('dist/generated/', root), { recursive: true });
copyFileSync(new URL('src/detectors/secrets/credential-model.json', root), new URL('dist/generated/credential-model.json', root));
// The CLI's code cache, made by this Node (a Node of another version, or with other V8 flags in NODE_OPTIONS, does
// not use it: it compiles from source as without one).
const cache = spawnSync(process.execPath, [new URL('code-cache.mjs', import.meta.url).pathname], { stdio: ['ignore', 'ignore', 'inherit'] });
if (cache.status !== 0) throw new Error(`scripts/code-cache.mjs exited ${cache.status ?? cache.signal}`);
