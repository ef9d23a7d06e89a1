/**
 * SV app client (JWT of the SV's ledger API user): governance vote requests, votes, vote results, onboarding status,
 * and the SV's own party.
 */
import { relTimeFromMillis } from './daml-json.ts';
import type { VoteAction } from './daml-json.ts';
import { ApiError, AuthError } from './errors.ts';
import { JsonHttp } from './http.ts';
import type { JsonHttpOptions } from './http.ts';
import { dsoStateOrMalformed } from './scan.ts';
import type { DsoState } from './scan.ts';
import { validateDsoInfo, validateOnboardingStatus, validateVoteRequests, validateVoteResults } from './schemas.ts';
import type { OnboardingStatusBody } from './schemas.ts';
import { toVoteRequest, toVoteResult } from './vote-requests.ts';
import type { VoteRequest, VoteResult } from './vote-requests.ts';

/** The SV app refused a vote request because the same SV already has an open request for the same action. */
export class DuplicateVoteRequestError extends ApiError {
  override name = 'DuplicateVoteRequestError';
  /** The existing request's contract id, when the app's message names it. */
  readonly existingContractId: string | undefined;
  constructor(base: ApiError) {
    super(base.api, base.operation, base.status, base.serverMessage);
    this.existingContractId = /already been created\s+([^\s.]+)/.exec(base.serverMessage)?.[1];
  }
}

/** Input of {@link SvAppClient.createVoteRequest}. */
export interface CreateVoteRequestInput {
  /** The requesting SV's *party id* (from `GET /v0/dso` `sv_party_id`). */
  requester: string;
  action: VoteAction;
  url: string;
  description: string;
  /** How long the vote stays open, in milliseconds (becomes a Daml `RelTime`). */
  expirationMs: number;
  /** When the action takes effect; omitted = as soon as ⅔ accept. */
  effectiveTime?: Date;
}

/** Onboarding progress of a candidate SV, as reported by a sponsor. */
export type OnboardingStatus = OnboardingStatusBody;

/** Filter of {@link SvAppClient.listVoteResults}. */
export interface VoteResultsQuery {
  actionName?: string;
  accepted?: boolean;
  requester?: string;
  limit: number;
}

/** Identity of the SV app's own SV. */
export interface SvIdentity {
  svUser: string;
  svPartyId: string;
  dsoPartyId: string;
}

/** Client for one SV app's API. */
export class SvAppClient {
  readonly #http: JsonHttp;

  constructor(opts: Omit<JsonHttpOptions, 'api'>) {
    this.#http = new JsonHttp({ ...opts, api: 'sv' });
  }

  /** `POST /api/sv/v0/admin/sv/voterequest/create`. A duplicate open request surfaces as {@link DuplicateVoteRequestError}. */
  async createVoteRequest(input: CreateVoteRequestInput, signal?: AbortSignal): Promise<void> {
    const body: Record<string, unknown> = {
      requester: input.requester,
      action: input.action,
      url: input.url,
      description: input.description,
      expiration: relTimeFromMillis(input.expirationMs),
    };
    if (input.effectiveTime) body.effectiveTime = input.effectiveTime.toISOString();
    try {
      await this.#http.request({ operation: 'createVoteRequest', method: 'POST', path: '/api/sv/v0/admin/sv/voterequest/create', body, signal });
    } catch (err) {
      if (err instanceof ApiError && /already been created/i.test(err.serverMessage)) throw new DuplicateVoteRequestError(err);
      throw err;
    }
  }

  /** `GET /api/sv/v0/admin/sv/voterequests`: all open vote requests. */
  async listVoteRequests(signal?: AbortSignal): Promise<VoteRequest[]> {
    const body = await this.#http.request({ operation: 'listDsoRulesVoteRequests', method: 'GET', path: '/api/sv/v0/admin/sv/voterequests', validate: validateVoteRequests, signal });
    return body.dso_rules_vote_requests.map(toVoteRequest);
  }

  /** `POST /api/sv/v0/admin/sv/voteresults`: closed vote requests and their outcomes, newest first. */
  async listVoteResults(query: VoteResultsQuery, signal?: AbortSignal): Promise<VoteResult[]> {
    const body = await this.#http.request({ operation: 'listVoteRequestResults', method: 'POST', path: '/api/sv/v0/admin/sv/voteresults', body: query, validate: validateVoteResults, signal });
    return body.dso_rules_vote_results.map(toVoteResult);
  }

  /** `POST /api/sv/v0/admin/sv/votes`: casts this SV's vote on the request with tracking id `trackingCid`. */
  async castVote(input: { trackingCid: string; accept: boolean; reasonUrl: string; reasonDescription: string }, signal?: AbortSignal): Promise<void> {
    const body = { vote_request_contract_id: input.trackingCid, is_accepted: input.accept, reason_url: input.reasonUrl, reason_description: input.reasonDescription };
    await this.#http.request({ operation: 'castVote', method: 'POST', path: '/api/sv/v0/admin/sv/votes', body, signal });
  }

  /** `GET /api/sv/v0/onboard/sv/status/{name}` (public on the sponsor). */
  async getOnboardingStatus(candidatePartyIdOrName: string, signal?: AbortSignal): Promise<OnboardingStatus> {
    return this.#http.request({
      operation: 'getSvOnboardingStatus',
      method: 'GET',
      path: `/api/sv/v0/onboard/sv/status/${encodeURIComponent(candidatePartyIdOrName)}`,
      validate: validateOnboardingStatus,
      signal,
    });
  }

  /**
   * `GET /api/sv/v0/admin/authorization`: resolves `{authorized: true}` on 200 and `{authorized: false, reason}` on
   * 401/403 (the token's user is not the SV's user); other failures throw.
   */
  async checkAuthorization(signal?: AbortSignal): Promise<{ authorized: true } | { authorized: false; reason: string }> {
    try {
      await this.#http.request({ operation: 'isAuthorized', method: 'GET', path: '/api/sv/v0/admin/authorization', signal });
      return { authorized: true };
    } catch (err) {
      if (err instanceof AuthError && err.api === 'sv') return { authorized: false, reason: err.message };
      throw err;
    }
  }

  /** `GET /api/sv/v0/dso`: the SV's own user and party, and the DSO party. */
  async getIdentity(signal?: AbortSignal): Promise<SvIdentity> {
    const body = await this.#http.request({ operation: 'getDsoInfo', method: 'GET', path: '/api/sv/v0/dso', validate: validateDsoInfo, signal });
    return { svUser: body.sv_user, svPartyId: body.sv_party_id, dsoPartyId: body.dso_party_id };
  }

  /** `GET /api/sv/v0/dso` as DSO state (one SV's view; prefer the Scan quorum for decisions). */
  async getDsoState(signal?: AbortSignal): Promise<DsoState> {
    const body = await this.#http.request({ operation: 'getDsoInfo', method: 'GET', path: '/api/sv/v0/dso', validate: validateDsoInfo, signal });
    return dsoStateOrMalformed('sv', body);
  }
}
