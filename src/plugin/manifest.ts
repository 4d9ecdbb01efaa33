// The Paperclip plugin manifest of the live guard (package.json `paperclipPlugin.manifest` points at its build,
// dist/plugin/manifest.js). Capabilities: only what the guard uses.

import { VERSION } from '../version.js';

export const PLUGIN_KEY = 'clipguard.live-guard';
export const CHECK_TEXT_TOOL = 'check-text';

/** What the operator sets per company (POST /api/plugins/:id/config); `clipguard plugin install` writes it. */
export interface LiveGuardConfig {
  apply?: boolean;
  flag?: boolean;
  paperclipUrl?: string;
  stateDir?: string;
}

export const manifest = {
  id: PLUGIN_KEY,
  apiVersion: 1 as const,
  version: VERSION,
  displayName: 'clipguard live guard',
  description:
    'clipguard inside the server: the secret rules on each issue.created, issue.updated and issue.comment.created (redact, flag); an agent in error, looping agents and the budget rules (release + re-checkout, pause, the hard stop; loops reported) on agent, run and budget events; a compliance scan and the daily checklist as jobs; a check-text tool for agents. Reports only unless switched on (apply).',
  author: 'clipguard',
  categories: ['automation' as const],
  capabilities: [
    'events.subscribe',
    'companies.read',
    'issues.read',
    'issue.comments.read',
    'issues.update',
    'issue.comments.create',
    'activity.log.write',
    'plugin.state.read',
    'plugin.state.write',
    'agent.tools.register',
    'ui.dashboardWidget.register',
    'ui.detailTab.register',
    'jobs.schedule',
  ] as const,
  // Relative to the package root (the host resolves it there).
  entrypoints: { worker: 'dist/plugin/worker.js', ui: 'dist/plugin/ui' },
  // The company's open findings (ui/index.ts, data from ui-data.ts): on the dashboard, and on an issue. An
  // issue's page shows plugin tabs only in the classic task interface; the default (the chat shell) shows the
  // task detail views in the thread's header: the findings are declared as both.
  ui: {
    slots: [
      { type: 'dashboardWidget' as const, id: 'open-findings', displayName: 'clipguard: open findings', exportName: 'FindingsWidget' },
      { type: 'taskDetailView' as const, id: 'issue-findings-inline', displayName: 'clipguard', exportName: 'IssueFindingsTab', entityTypes: ['issue' as const] },
      { type: 'detailTab' as const, id: 'issue-findings', displayName: 'clipguard', exportName: 'IssueFindingsTab', entityTypes: ['issue' as const] },
    ],
  },
  instanceConfigSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      apply: { type: 'boolean', default: false, description: 'Act: redact secrets, recover agents in error, pause over budget, ... (off: report only, the dry-run).' },
      flag: { type: 'boolean', default: false, description: 'Also post one comment per issue asking for the rotation.' },
      paperclipUrl: { type: 'string', description: "The server's REST API, for deleting a comment (a plugin cannot) and for the agent and budget rules and the jobs (runs, costs, budgets, checkout, pause: no plugin API); without it a comment is not redacted and those rules do not run." },
      stateDir: { type: 'string', description: 'Ledger, audit log and lock of the guard (default ~/.clipguard/live-guard on the server).' },
    },
  },
  jobs: [
    {
      jobKey: 'compliance-scan',
      displayName: 'Compliance scan',
      description: 'clipguard scan of each configured company (every built-in rule); acts only when the company is switched to apply. Findings kept in plugin state.',
      schedule: '*/30 * * * *',
    },
    {
      jobKey: 'daily-checklist',
      displayName: 'Daily checklist',
      description: "The handbook's six-item daily checklist for each configured company (clipguard checklist); recorded in the activity log when the company is switched to apply.",
      schedule: '0 7 * * *',
    },
  ],
  tools: [
    {
      name: CHECK_TEXT_TOOL,
      displayName: 'Check text for secrets',
      description: 'Before posting a comment or description: does this text hold a secret (API key, private key, password)? Answers kinds and places (line, column, length), never the value.',
      parametersSchema: { type: 'object', properties: { text: { type: 'string', description: 'The text to check.' } }, required: ['text'] },
    },
  ],
};

export default manifest;
