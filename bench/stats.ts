/** Small statistics for the report: percentiles (nearest rank) and rounding. */

/** The p-th percentile (0..100) of `values` by nearest rank; NaN for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** p50, p90, p99 and max of latencies in milliseconds, rounded to whole milliseconds. */
export function latencySummary(values: readonly number[]): { p50: number; p90: number; p99: number; max: number } {
  return { p50: Math.round(percentile(values, 50)), p90: Math.round(percentile(values, 90)), p99: Math.round(percentile(values, 99)), max: Math.round(percentile(values, 100)) };
}

/** Rounds to `digits` decimals. */
export const round = (x: number, digits = 2): number => Math.round(x * 10 ** digits) / 10 ** digits;
