// Comparing strings by UTF-16 code units, not `localeCompare`: a decision (which issue goes to which agent,
// which copy of a redacted comment stays, the flag comment's text) must come out the same in every process,
// whatever its locale (LANG; the plugin runs under the server's), and no sort should pay ICU's collator start-up.

export function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
