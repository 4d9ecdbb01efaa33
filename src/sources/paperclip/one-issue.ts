// One issue's subjects, for the runs that react to a write on one issue instead of reading the company: the live
// guard (src/plugin/guard.ts, through the plugin's host services) and `watch --live` (src/schedule/live.ts,
// through the REST API). The same schema checks as a scan's read (validate.ts) and the same subject builder;
// only the secret rules are run on them (an issue seen alone has no agents or siblings: the other rules on
// issues would judge it without its context).

import type { Config } from '../../config/load.js';
import type { Subject } from '../../types.js';
import { budgetOptions, maskedSecrets } from '../index.js';
import type { Comment, Company, Issue } from './records.js';
import type { JsonObject } from './json.js';
import { paperclipSubjects } from './subjects.js';
import { keepValid, validateComment, validateIssue, type SchemaProblem } from './validate.js';

/** The rules run on one issue's subjects. */
export const ONE_ISSUE_RULES = ['security/secret-in-issue', 'security/secret-in-comment'];

export interface IssueReader {
  getIssue(id: string): Promise<JsonObject>;
  listComments(issueId: string): Promise<unknown[]>;
}

export async function oneIssueSubjects(client: IssueReader, companyId: string, issueId: string, config: Config, now: Date): Promise<{ issueId: string; identifier: string; subjects: Subject[] }> {
  const issue = await client.getIssue(issueId);
  // A server that answers with another company's issue (or a moved one): not this company's to act on.
  if (typeof issue.companyId === 'string' && issue.companyId !== companyId) throw new Error(`issue ${issueId} is not in company ${companyId}`);
  const comments = await client.listComments(issueId);
  const identifier = String(issue.identifier ?? issue.id);
  const prefix = identifier.includes('-') ? identifier.slice(0, identifier.lastIndexOf('-')) : identifier;
  const problems: SchemaProblem[] = [];
  const [checked] = keepValid<Issue>([issue], validateIssue, problems, 'issues');
  if (!checked) throw new Error(`issue ${identifier} not checked: ${problems.map((p) => p.message).join('; ')}`);
  const checkedComments = keepValid<Comment>(comments, validateComment, problems, 'comments');
  // Only the company's id and prefix matter to the secret rules; the budget fields are not read here.
  const company: Company = { id: companyId, name: prefix, issuePrefix: prefix, status: 'active', budgetMonthlyCents: 0, spentMonthlyCents: 0 };
  const subjects = paperclipSubjects([{ company, agents: [], issues: [checked], comments: { [checked.id]: checkedComments } }], { now, detectSecrets: maskedSecrets(config), budget: budgetOptions(config) });
  return { issueId: String(issue.id), identifier, subjects };
}
