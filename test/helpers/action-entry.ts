// The GitHub Action's entry run as the runner runs it: `node "$GITHUB_ACTION_PATH/dist/bundle/action.js"` with the
// environment GitHub sets and every input action.yml declares (its default unless given). Shared by the unit
// test and the e2e one (the budget report on a real Paperclip).
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { tempDir } from './cli.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const ACTION = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8'));

export function runEntry(workspace: string, inputs: Record<string, string>, extraEnv: NodeJS.ProcessEnv = {}) {
  const side = tempDir('clipguard-runner-');
  const summary = join(side, 'summary.md');
  const output = join(side, 'output.txt');
  writeFileSync(summary, '# earlier step\n');
  writeFileSync(output, '');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    CLIPGUARD_TRUST_FILE: process.env.CLIPGUARD_TRUST_FILE,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_STEP_SUMMARY: summary,
    GITHUB_OUTPUT: output,
    GITHUB_ACTION_PATH: ROOT,
    RUNNER_TEMP: side,
    NO_COLOR: '1',
    // As the step passes them: empty when the workflow gives none.
    PAPERCLIP_API_URL: inputs['paperclip-url'] ?? '',
    PAPERCLIP_API_KEY: inputs['api-key'] ?? '',
    ...extraEnv,
  };
  for (const [k, v] of Object.entries(ACTION.inputs as Record<string, { default?: string }>)) env[`INPUT_${k.toUpperCase()}`] = inputs[k] ?? v.default ?? '';
  const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'bundle', 'action.js')], { cwd: workspace, env, encoding: 'utf8' });
  const outputs = Object.fromEntries(
    readFileSync(output, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, summary: readFileSync(summary, 'utf8'), outputs };
}
