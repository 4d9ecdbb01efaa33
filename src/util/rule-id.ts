// Naming rules: `--only`, inline `clipguard-ignore <ids>` in files and in secret matches all select rules the
// same way, by id or by id prefix ("security" or "security/" names "security/secret-in-diff").

/** Does `selector` (a rule id, or an id prefix) name `ruleId`? */
export function ruleIdMatches(selector: string, ruleId: string): boolean {
  return ruleId === selector || ruleId.startsWith(selector.endsWith('/') ? selector : `${selector}/`);
}

/** Does an inline ignore naming `ids` cover `ruleId`: one of them names it, or is `*`? */
export function ignoreCovers(ids: readonly unknown[], ruleId: string): boolean {
  return ids.some((id) => typeof id === 'string' && (id === '*' || ruleIdMatches(id, ruleId)));
}
