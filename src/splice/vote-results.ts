/**
 * The vote results query shared by the SV app and Scan (`POST /v0/admin/sv/voteresults`, `ListVoteResultsRequest`),
 * and a search that follows the pages. Server semantics by version (D2 in docs/research/splice-versions.md):
 * - ≤0.6.3: results whose `vote_effective_at` is NULL (every rejected and expired one) come first, then the rest;
 *   no paging: `limit` cuts the list. Filter by `actionName` and `requester` to find one's own results.
 * - 0.6.4–0.6.9: newest first (by effective date: an accepted vote's effectiveAt, else completedAt); no paging.
 * - ≥0.6.10: same order, paged: the answer's `next_page_token` is the request's next `pageToken`.
 * `actionName` is a substring (SQL LIKE) match on the action's tag, `requester` the requesting SV's name.
 */
import type { VoteResultsPayloads } from './daml-payloads.ts';
import type { EveryVersion } from './generated/index.ts';
import { toVoteResult } from './vote-requests.ts';
import type { VoteResult } from './vote-requests.ts';

/** Filter of a vote results query. */
export interface VoteResultsQuery {
  /** Substring of the action tag, e.g. `SRARC_UpdateSvRewardWeight`. */
  actionName?: string;
  /** Requesting SV's name. */
  requester?: string;
  /** ISO-8601 bounds on the effective date. */
  effectiveFrom?: string;
  effectiveTo?: string;
  accepted?: boolean;
  limit: number;
  /** From a previous page's `nextPageToken` (Splice ≥0.6.10; older versions ignore it and do not page). */
  pageToken?: number;
}

/** One page of results. `nextPageToken` is absent on the last page and on versions without paging. */
export interface VoteResultsPage {
  results: VoteResult[];
  nextPageToken?: number;
}

/** The request body for `query`: only the fields set (`pageToken` only when paging, so old versions see nothing new). */
export function voteResultsRequestBody(query: VoteResultsQuery): EveryVersion<'sv-internal', 'ListVoteResultsRequest'> {
  const body: EveryVersion<'sv-internal', 'ListVoteResultsRequest'> = { limit: query.limit };
  if (query.actionName !== undefined) body.actionName = query.actionName;
  if (query.requester !== undefined) body.requester = query.requester;
  if (query.effectiveFrom !== undefined) body.effectiveFrom = query.effectiveFrom;
  if (query.effectiveTo !== undefined) body.effectiveTo = query.effectiveTo;
  if (query.accepted !== undefined) body.accepted = query.accepted;
  if (query.pageToken !== undefined) body.pageToken = query.pageToken;
  return body;
}

/** A validated answer as a {@link VoteResultsPage}. */
export function toVoteResultsPage(body: VoteResultsPayloads): VoteResultsPage {
  const results = body.dso_rules_vote_results.map(toVoteResult);
  return body.next_page_token === undefined ? { results } : { results, nextPageToken: body.next_page_token };
}

/**
 * Follows the pages of `query` until `match` finds a result or `maxPages` pages were read; one HTTP call per page,
 * no retries. Returns the first match and the number of pages read.
 */
export async function findVoteResult(
  listPage: (query: VoteResultsQuery) => Promise<VoteResultsPage>,
  query: VoteResultsQuery,
  match: (r: VoteResult) => boolean,
  maxPages = 20,
): Promise<{ found: VoteResult | undefined; pages: number }> {
  let q = query;
  for (let pages = 1; ; pages++) {
    const page = await listPage(q);
    const found = page.results.find(match);
    if (found || page.nextPageToken === undefined || pages >= maxPages) return { found, pages };
    q = { ...q, pageToken: page.nextPageToken };
  }
}
