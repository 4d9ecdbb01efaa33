// The Paperclip records themselves as facts: the subject's own record (masked where it holds text) and the
// records around it. Their shapes are generated from the zod schemas that check what the server sends
// (record-shapes.ts); sources/paperclip/subjects.ts passes the records through.
import { nul, obj, S } from '../engine/shape.js';
import { agentShape, commentShape, companyShape, issueShape, issueSummaryShape } from './record-shapes.js';
import type { FactFamily } from './family.js';

export const recordsFamily = {
  facts: {
    company: { company: companyShape },
    agent: { agent: agentShape, company: companyShape },
    issue: { issue: issueShape, company: companyShape, assignee: nul(agentShape) },
    comment: { comment: commentShape, issue: issueSummaryShape },
    run: {
      agent: obj({ id: S, name: S, role: nul(S), status: nul(S) }),
      issue: nul(obj({ id: S, identifier: S, title: S, status: S, assigneeAgentId: nul(S) })),
      company: companyShape,
    },
  },
} satisfies FactFamily;
