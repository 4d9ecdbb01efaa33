// The rule validator's shapes of Paperclip records (src/facts/record-shapes.ts) are generated from the zod
// schemas that check what the server sends (src/sources/paperclip/records.ts): one description of a record.
// This test is the generator: it fails when a schema changed and the shapes did not; `-u` writes them again:
//   npx vitest run test/unit/record-shapes.test.ts -u
import { describe, expect, it } from 'vitest';
import { AgentRecord, CommentRecord, CompanyRecord, IssueRecord } from '../../src/sources/paperclip/records.js';
import { pick, shapeOfRecord, shapeSource } from '../../src/facts/shape-of-record.js';
import * as shapes from '../../src/facts/record-shapes.js';
import { checkPathAgainstShape } from '../../src/engine/shape.js';

const ISSUE_SUMMARY = ['id', 'identifier', 'title', 'status', 'priority', 'assigneeAgentId', 'createdAt', 'updatedAt'];

function generated(): string {
  const out: string[] = [];
  const add = (name: string, doc: string, shape: ReturnType<typeof shapeOfRecord>) => out.push(`/** ${doc} */`, `export const ${name} = ${shapeSource(shape)};`, '');
  add('companyShape', 'A company record (CompanyRecord).', shapeOfRecord(CompanyRecord));
  add('agentShape', 'An agent record (AgentRecord), its configuration masked.', shapeOfRecord(AgentRecord));
  add('issueShape', 'An issue record (IssueRecord), its texts masked.', shapeOfRecord(IssueRecord));
  add('issueSummaryShape', 'An issue as agent facts and comments list it (facts/agent-work.ts issueSummary).', pick(shapeOfRecord(IssueRecord), ISSUE_SUMMARY));
  add('commentShape', 'A comment record (CommentRecord), its body masked.', shapeOfRecord(CommentRecord));
  const body = out.join('\n');
  // Import the constructors the shapes use (an unused import fails the typecheck).
  const used = ['A', 'arr', 'B', 'N', 'nul', 'obj', 'S'].filter((c) => new RegExp(`\\b${c}\\b`).test(body.replace(/\/\*\*.*\*\//g, '')));
  return [
    '// GENERATED from src/sources/paperclip/records.ts by test/unit/record-shapes.test.ts: do not edit by hand.',
    '// After changing a record schema: npx vitest run test/unit/record-shapes.test.ts -u',
    `import { ${used.join(', ')} } from '../engine/shape.js';`,
    '',
    body,
  ].join('\n');
}

describe('record shapes', () => {
  it('src/facts/record-shapes.ts is what the zod schemas give', async () => {
    await expect(generated()).toMatchFileSnapshot('../../src/facts/record-shapes.ts');
  });

  it('a field the schema checks and one it only lists are both readable; an unknown field is an error naming the nearest', () => {
    const prop = (...names: string[]) => names.map((name) => ({ kind: 'prop' as const, name }));
    expect(checkPathAgainstShape(shapes.agentShape, prop('runtimeConfig', 'heartbeat', 'intervalSec'))).toBeNull();
    expect(checkPathAgainstShape(shapes.agentShape, prop('adapterType'))).toBeNull();
    expect(checkPathAgainstShape(shapes.issueShape, prop('blockedBy'))).toBeNull();
    expect(checkPathAgainstShape(shapes.agentShape, prop('staus'))).toMatch(/did you mean "status"/);
    expect(checkPathAgainstShape(shapes.issueSummaryShape, prop('description'))).toMatch(/no field "description"/);
  });
});

describe('record shapes: fields the server sends (review regressions)', () => {
  // Paperclip's blockers (services/issues.js blockedByMapForIssues) carry id, identifier, title, status,
  // priority, assigneeAgentId and assigneeUserId; the issue fact keeps them all (looseObject). Before the
  // generated shapes blockedBy was `any`, so a rule could read them; a closed shape with three of them refuses
  // a rule on a field that is there.
  it('a rule may read the blocker fields Paperclip sends', async () => {
    const { validateRule } = await import('../../src/engine/load.js');
    const rule = (path: string) => ({ id: 'team/blocked-by-assigned', title: 't', severity: 'warning', subject: 'issue', description: 'd', remediation: 'r', tags: [], conditions: { all: [{ fact: 'issue', path, operator: 'equal', value: 'x' }] } });
    for (const field of ['title', 'priority', 'assigneeAgentId', 'assigneeUserId']) expect(validateRule(rule(`$.blockedBy[0].${field}`), 'x.json')).toEqual([]);
  });
});
