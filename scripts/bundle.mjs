// Bundles the CLI and the GitHub Action's entry (dist/bundle/, what bin/clipguard.js and action.yml run) with
// esbuild. Run by `npm run build`, after tsc.
//
// Why: Node 20 has no compile cache, and `clipguard precommit` starts on every commit; resolving and
// compiling ~60 module files was most of its start-up. Code splitting keeps every dynamic `import()` a chunk
// of its own, loaded only when the code path that needs it runs (the zh linter, the Paperclip client, the
// executor...), so the hook does not parse them; one single file (no splitting) was measured slower for that
// reason. The npm dependencies stay outside the bundle (`packages: 'external'`) and load from node_modules as
// before, lazily where the code says so. Files found at run time (rules/, schema/, dist/generated/) are found
// from the package root (src/paths.ts), not relative to a module's own file.
// dist/bundle-meta.json (esbuild's metafile) says which source modules each chunk holds: the start-up tests
// read it to name the modules a command loaded.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

const root = new URL('..', import.meta.url);
const BUNDLED = ['commander'];
const outdir = new URL('dist/bundle/', root).pathname;
rmSync(outdir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root.pathname,
  entryPoints: { clipguard: 'src/cli/main.ts', action: 'src/action/run.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  // Every dependency but commander stays in node_modules (most load lazily, some through createRequire).
  // commander is on every command's path, and as 8 CommonJS files it cost ~15 ms of the hook's start-up.
  external: Object.keys(JSON.parse(readFileSync(new URL('package.json', root), 'utf8')).dependencies).filter((d) => !BUNDLED.includes(d)),
  // Bundled CommonJS code (commander) calls require() for Node built-ins: give the ESM chunks one.
  banner: { js: "import { createRequire as __clipguardCreateRequire } from 'node:module'; const require = __clipguardCreateRequire(import.meta.url);" },
  chunkNames: 'chunk-[hash]',
  tsconfig: 'tsconfig.build.json',
  metafile: true,
  logLevel: 'warning',
});
writeFileSync(new URL('dist/bundle-meta.json', root), JSON.stringify(result.metafile));
// The credential filter's model is read on first use (detectors/secrets/credential.ts), not bundled: 200 KB of
// JSON no precommit with the stage off should parse.
mkdirSync(new URL('dist/generated/', root), { recursive: true });
copyFileSync(new URL('src/detectors/secrets/credential-model.json', root), new URL('dist/generated/credential-model.json', root));
