/**
 * The vote results query (`ListVoteResultsRequest`) as each Splice version answers it (D2 in
 * docs/research/splice-versions.md), on the simulator's result table:
 * - 0.4.15 (≤0.6.3): `ORDER BY vote_effective_at DESC` in Postgres puts NULLs first, so every result without an
 *   effective date (rejected, expired, action failed) comes first, in table order (oldest first); then accepted
 *   results, newest effective date first. `limit` cuts the list; there is no paging.
 * - 0.6.12 (≥0.6.10): by effective date (effectiveAt, else completedAt) descending, paged: `pageToken` is where the
 *   next page starts, `next_page_token` is set while results remain.
 * Filters: `actionName` is a substring of the action tag (SQL LIKE), `requester` the requesting SV's name,
 * `accepted` (true: accepted only; false: everything else), `effectiveFrom`/`effectiveTo` bound the effective date
 * (in 0.4.15 the `vote_effective_at` column, which NULL never matches).
 */
import type { SimVoteResult } from './network.ts';

/** The simulator's supported Splice versions. */
export type SimVersion = '0.4.15' | '0.6.12';

/** The request body. */
export interface VoteResultsRequest {
  actionName?: string;
  accepted?: boolean;
  requester?: string;
  effectiveFrom?: string;
  effectiveTo?: string;
  limit: number;
  pageToken?: number;
}

const actionTag = (v: SimVoteResult) => v.request.action.value.dsoAction.tag;

/** The page of `results` that `version` answers `q` with, and the next page's token when there is one. */
export function queryVoteResults(version: SimVersion, results: readonly SimVoteResult[], q: VoteResultsRequest): { page: SimVoteResult[]; nextPageToken?: number } {
  const legacy = version === '0.4.15';
  const effective = (v: SimVoteResult) => (legacy ? v.effectiveAt : (v.effectiveAt ?? v.completedAt));
  const from = q.effectiveFrom === undefined ? undefined : Date.parse(q.effectiveFrom);
  const to = q.effectiveTo === undefined ? undefined : Date.parse(q.effectiveTo);
  const matching = results.filter((v) => {
    if (q.actionName !== undefined && !actionTag(v).includes(q.actionName)) return false;
    if (q.requester !== undefined && v.request.requesterName !== q.requester) return false;
    if (q.accepted !== undefined && (v.outcome === 'VRO_Accepted') !== q.accepted) return false;
    const e = effective(v);
    if (from !== undefined && (e === null || e < from)) return false;
    if (to !== undefined && (e === null || e > to)) return false;
    return true;
  });
  if (legacy) {
    const nulls = matching.filter((v) => v.effectiveAt === null).sort((a, b) => a.seq - b.seq);
    const dated = matching.filter((v) => v.effectiveAt !== null).sort((a, b) => b.effectiveAt! - a.effectiveAt! || b.seq - a.seq);
    return { page: [...nulls, ...dated].slice(0, q.limit) };
  }
  const sorted = [...matching].sort((a, b) => effective(b)! - effective(a)! || b.seq - a.seq);
  const start = q.pageToken ?? 0;
  const page = sorted.slice(start, start + q.limit);
  return start + q.limit < sorted.length ? { page, nextPageToken: start + q.limit } : { page };
}
