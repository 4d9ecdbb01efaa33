// JSON Schema of the json report: the contract other tools read (written to schema/report.schema.json).

import { ACTION_TYPES, SEVERITIES, SUBJECT_TYPES } from '../types.js';

const location = {
  type: ['object', 'null'],
  required: ['file', 'line', 'column'],
  properties: { file: { type: 'string' }, line: { type: 'integer', minimum: 1 }, column: { type: 'integer', minimum: 1 }, endLine: { type: 'integer' }, endColumn: { type: 'integer' } },
};

export const reportJsonSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://clipguard.dev/schema/report.schema.json',
  title: 'clipguard json report (version 1)',
  type: 'object',
  required: ['version', 'startedAt', 'finishedAt', 'mode', 'sources', 'findings', 'summary'],
  properties: {
    version: { const: 1 },
    tool: { type: 'object', properties: { name: { const: 'clipguard' }, version: { type: 'string' } } },
    startedAt: { type: 'string', format: 'date-time' },
    finishedAt: { type: 'string', format: 'date-time' },
    mode: { enum: ['dry-run', 'apply'] },
    sources: {
      type: 'array',
      items: { type: 'object', required: ['name', 'status', 'detail'], properties: { name: { type: 'string' }, status: { enum: ['ok', 'unavailable'] }, detail: { type: 'string' } } },
    },
    findings: {
      type: 'array',
      items: {
        type: 'object',
        required: ['ruleId', 'severity', 'message', 'subject', 'location', 'fingerprint', 'actions'],
        properties: {
          ruleId: { type: 'string' },
          severity: { enum: [...SEVERITIES] },
          title: { type: 'string' },
          message: { type: 'string' },
          subject: { type: 'object', required: ['type', 'id', 'label'], properties: { type: { enum: [...SUBJECT_TYPES] }, id: { type: 'string' }, label: { type: 'string' } } },
          location,
          fingerprint: { type: 'string', pattern: '^[0-9a-f]{32}$' },
          tags: { type: 'array', items: { type: 'string' } },
          actions: {
            type: 'array',
            items: {
              type: 'object',
              required: ['type', 'status', 'target', 'detail'],
              properties: { type: { enum: [...ACTION_TYPES] }, status: { enum: ['planned', 'applied', 'skipped', 'failed'] }, target: { type: 'string' }, detail: { type: 'string' }, params: { type: 'object' } },
            },
          },
          suppressed: { type: 'object', required: ['kind', 'reason'], properties: { kind: { enum: ['inline', 'waiver', 'baseline'] }, reason: { type: 'string' }, expires: { type: 'string' } } },
          explanation: {},
          data: { type: 'object' },
          // A secret finding's masked value (at most 4 characters of it and an ellipsis), never the secret.
          preview: { type: 'string', maxLength: 8 },
        },
      },
    },
    summary: {
      type: 'object',
      required: ['total', 'suppressed', 'bySeverity', 'actions', 'failOn', 'failed'],
      properties: {
        total: { type: 'integer' },
        suppressed: { type: 'integer' },
        bySeverity: { type: 'object', required: [...SEVERITIES] },
        actions: { type: 'object' },
        failOn: { enum: [...SEVERITIES] },
        failed: { type: 'boolean' },
      },
    },
    budget: { type: 'object' },
  },
} as const;

/** The checklist's JSON (`clipguard checklist -f json`, written to schema/checklist.schema.json): its items and the scan's report behind them. */
export const checklistJsonSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://clipguard.dev/schema/checklist.schema.json',
  title: 'clipguard daily checklist (version 1)',
  type: 'object',
  required: ['version', 'date', 'mode', 'ok', 'items', 'report'],
  properties: {
    version: { const: 1 },
    tool: { type: 'object', properties: { name: { const: 'clipguard' }, version: { type: 'string' } } },
    date: { type: 'string', format: 'date-time' },
    mode: { enum: ['dry-run', 'apply'] },
    /** False when an item failed (the command's exit 1). */
    ok: { type: 'boolean' },
    items: {
      type: 'array',
      minItems: 6,
      maxItems: 6,
      items: {
        type: 'object',
        required: ['n', 'title', 'handbook', 'status', 'detail', 'findings', 'keys'],
        properties: {
          n: { type: 'integer', minimum: 1, maximum: 6 },
          title: { type: 'string' },
          handbook: { type: 'string' },
          status: { enum: ['ok', 'warn', 'fail'] },
          detail: { type: 'string' },
          findings: { type: 'array', items: { type: 'string' } },
          /** The fingerprints of the findings behind the item (the report's `findings[].fingerprint`). */
          keys: { type: 'array', items: { type: 'string', pattern: '^[0-9a-f]{32}$' } },
        },
      },
    },
    // The scan's json report, whole: the same contract as `clipguard scan -f json`.
    report: { ...(({ $schema: _s, $id: _i, ...rest }) => rest)(reportJsonSchema) },
  },
} as const;
