/**
 * Quorum reads over several Scans: the operator acts on DSO state only when `quorum` Scans agree on the projection it
 * needs (so one stale or lying Scan cannot make it advance).
 */
import type { DsoState, ScanClient } from './scan.ts';

/** What one Scan answered. */
export type ScanView<T> = { url: string; ok: true; value: T } | { url: string; ok: false; error: Error };

/** One Scan's entry in a disagreement report. */
export interface ScanAnswer<P> {
  url: string;
  view?: P;
  error?: string;
}

/** Either the agreed projection (and who agreed) or every Scan's answer; `summary` says which Scan said what. */
export type QuorumResult<P> =
  | { agreed: P; agreeing: string[]; summary: string }
  | { disagreement: ScanAnswer<P>[]; summary: string };

/** Canonical JSON for comparison: sorted object keys, Maps as sorted entry lists, Sets as sorted lists. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(normalise(v));
}

function normalise(v: unknown): unknown {
  if (v instanceof Map) return [...v.entries()].map(([k, x]) => [normalise(k), normalise(x)]).sort((a, b) => cmp(JSON.stringify(a[0]), JSON.stringify(b[0])));
  if (v instanceof Set) return [...v].map(normalise).sort((a, b) => cmp(JSON.stringify(a), JSON.stringify(b)));
  if (Array.isArray(v)) return v.map(normalise);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = normalise((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Pure agreement check: groups the successful views by their projection and returns the projection shared by at
 * least `quorum` Scans. If no group reaches the quorum, or two different groups do (only possible with a quorum of at
 * most half), it is a disagreement.
 */
export function agree<T, P>(views: ScanView<T>[], quorum: number, project: (value: T) => P): QuorumResult<P> {
  if (!Number.isInteger(quorum) || quorum < 1) throw new RangeError(`scan quorum must be a positive integer, got ${quorum}`);
  const answers: ScanAnswer<P>[] = [];
  const groups = new Map<string, { value: P; urls: string[] }>();
  for (const v of views) {
    if (!v.ok) {
      answers.push({ url: v.url, error: `${v.error.name}: ${v.error.message}` });
      continue;
    }
    let p: P;
    try {
      p = project(v.value);
    } catch (err) {
      answers.push({ url: v.url, error: `projection failed: ${(err as Error).message}` });
      continue;
    }
    answers.push({ url: v.url, view: p });
    const key = canonicalJson(p);
    const g = groups.get(key) ?? { value: p, urls: [] };
    g.urls.push(v.url);
    groups.set(key, g);
  }
  const reaching = [...groups.values()].filter((g) => g.urls.length >= quorum);
  if (reaching.length === 1) {
    const g = reaching[0]!;
    const others = answers.filter((a) => !g.urls.includes(a.url));
    const dissent = others.length === 0 ? '' : `; ${others.map(describeAnswer).join('; ')}`;
    return { agreed: g.value, agreeing: g.urls, summary: `${g.urls.length} of ${views.length} Scans agree (quorum ${quorum}): ${g.urls.join(', ')}${dissent}` };
  }
  const why = reaching.length > 1 ? `${reaching.length} different answers each reach quorum ${quorum}` : `no ${quorum} of ${views.length} Scans agree`;
  return { disagreement: answers, summary: `${why}: ${answers.map(describeAnswer).join('; ')}` };
}

function describeAnswer(a: ScanAnswer<unknown>): string {
  return a.error !== undefined ? `${a.url} failed (${a.error})` : `${a.url} said ${canonicalJson(a.view)}`;
}

/** Reads DSO state from every Scan in parallel (a failing Scan becomes an error view, never a thrown error). */
export async function readDsoViews(scans: readonly Pick<ScanClient, 'url' | 'getDsoState'>[], signal?: AbortSignal): Promise<ScanView<DsoState>[]> {
  const settled = await Promise.allSettled(scans.map((s) => s.getDsoState(signal)));
  return settled.map((r, i): ScanView<DsoState> => {
    const url = scans[i]!.url;
    return r.status === 'fulfilled' ? { url, ok: true, value: r.value } : { url, ok: false, error: r.reason instanceof Error ? r.reason : new Error(String(r.reason)) };
  });
}

/** Reads all Scans and checks agreement on `project(state)`. */
export async function dsoQuorum<P>(scans: ScanClient[], quorum: number, project: (state: DsoState) => P, signal?: AbortSignal): Promise<QuorumResult<P>> {
  return agree(await readDsoViews(scans, signal), quorum, project);
}
