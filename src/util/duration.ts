/** Durations in the spec's format (one whole number and one unit: `500ms`, `10s`, `5m`, `168h`, `7d`). */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function durationMs(text: string): number {
  const m = /^([0-9]{1,9})(ms|s|m|h|d)$/.exec(text);
  if (!m) throw new RangeError(`not a duration: ${JSON.stringify(text)} (expected e.g. 500ms, 10s, 168h)`);
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}
