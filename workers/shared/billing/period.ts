/**
 * Usage periods: calendar months in UTC (`2026-12`). Counters, budgets and plan allowances reset
 * at the start of each month. Stripe bills on the subscription's own cycle; meter events carry
 * the time of the usage they report, so Stripe places them in its cycle itself (docs/billing.md).
 */
export type UsagePeriod = string;

export function periodOf(ms: number): UsagePeriod {
  return new Date(ms).toISOString().slice(0, 7);
}

/** [start, end) of a period in ms. */
export function periodBounds(period: UsagePeriod): { start: number; end: number } {
  const [year, month] = period.split("-").map(Number) as [number, number];
  return { start: Date.UTC(year, month - 1, 1), end: Date.UTC(year, month, 1) };
}
