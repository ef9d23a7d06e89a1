/**
 * Reads the operator's Prometheus text exposition: counters by label set, and sums over the labels one cares about.
 */

/** One sample: metric name, labels, value. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses every sample line (comments and blank lines are skipped). */
export function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** Sums of metric `name` grouped by the values of `keys`, joined with a space (e.g. "create secrets"). */
export function sumBy(samples: readonly Sample[], name: string, keys: readonly string[], filter: (labels: Record<string, string>) => boolean = () => true): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of samples) {
    if (s.name !== name || !filter(s.labels)) continue;
    const k = keys.map((key) => s.labels[key] ?? '').join(' ');
    out.set(k, (out.get(k) ?? 0) + s.value);
  }
  return out;
}

/** `after - before` per key (keys only in `after` count from 0); zero differences are dropped. */
export function diff(after: Map<string, number>, before: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of after) {
    const d = v - (before.get(k) ?? 0);
    if (d !== 0) out.set(k, d);
  }
  return out;
}

/** Total of all values. */
export const total = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);
