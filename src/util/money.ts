// Money for people: cents in the configured currency, the same in finding messages, reports and the checklist.

/**
 * Cents as money in `currency` ("$272.00", "€272.00"); a code Intl does not know as a currency (or not a
 * code at all) gives "272.00 CODE".
 */
export function formatMoney(cents: number, currency = 'USD'): string {
  let fmt = formats.get(currency);
  if (fmt === undefined) {
    fmt = null;
    const code = currency.toUpperCase();
    if (/^[A-Z]{3}$/.test(code) && knownCurrencies().has(code)) {
      try {
        fmt = new Intl.NumberFormat('en-US', { style: 'currency', currency: code });
      } catch {
        fmt = null;
      }
    }
    formats.set(currency, fmt);
  }
  return fmt ? fmt.format(cents / 100) : `${(cents / 100).toFixed(2)} ${currency}`;
}

const formats = new Map<string, Intl.NumberFormat | null>();
let known: Set<string> | null = null;
function knownCurrencies(): Set<string> {
  return (known ??= new Set(Intl.supportedValuesOf('currency')));
}

/**
 * The spend, in whole cents, at which `percent` of a budget is reached: spent >= this exactly when
 * spent / budget >= percent / 100. The budget fact's level and the executor's re-reads both use it, so the plan
 * and the act agree to the cent (a percent rounded for display once made 99,999 of 100,000 cents "exceeded").
 */
export function thresholdCents(budgetCents: number, percent: number): number {
  return Math.ceil((budgetCents * percent) / 100 - 1e-9);
}
