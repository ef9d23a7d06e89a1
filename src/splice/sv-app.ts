/**
 * SV app client (JWT of the SV's ledger API user): version, governance vote requests, votes, vote results, onboarding
 * status, authorization, and the SV's own party.
 */
import { apiVersionOf, envelopeAnd } from './api-schemas.ts';
import type { SpliceClientOptions } from './api-schemas.ts';
import { relTimeFromMillis } from './daml-json.ts';
import type { VoteAction } from './daml-json.ts';
import { validateDsoInfoPayloads, validateVoteRequestsPayloads, validateVoteResultsPayloads } from './daml-payloads.ts';
import type { DsoInfoPayloads, VoteRequestsPayloads, VoteResultsPayloads } from './daml-payloads.ts';
import { AuthError, DuplicateVoteRequestError, NotAuthorized } from './errors.ts';
import type { AnyVersion, EveryVersion } from './generated/index.ts';
import { JsonHttp } from './http.ts';
import { operationPath } from './operations.ts';
import { dsoStateOrMalformed } from './scan.ts';
import type { DsoState, SpliceVersion } from './scan.ts';
import { toVoteRequest } from './vote-requests.ts';
import type { VoteRequest, VoteResult } from './vote-requests.ts';
import { toVoteResultsPage, voteResultsRequestBody } from './vote-results.ts';
import type { VoteResultsPage, VoteResultsQuery } from './vote-results.ts';

export { DuplicateVoteRequestError } from './errors.ts';
export type { VoteResultsQuery, VoteResultsPage } from './vote-results.ts';

/** The `CreateVoteRequest` body {@link SvAppClient.createVoteRequest} sends (also what a person sends by hand). */
export function createVoteRequestBody(input: CreateVoteRequestInput): EveryVersion<'sv-internal', 'CreateVoteRequest'> {
  const body: EveryVersion<'sv-internal', 'CreateVoteRequest'> = {
    requester: input.requester,
    action: { ...input.action },
    url: input.url,
    description: input.description,
    expiration: { ...relTimeFromMillis(input.expirationMs) },
  };
  if (input.effectiveTime) body.effectiveTime = input.effectiveTime.toISOString();
  return body;
}

/** The path of the SV app's vote request endpoint. */
export const CREATE_VOTE_REQUEST_PATH = operationPath('sv.createVoteRequest');

/** Input of {@link SvAppClient.createVoteRequest}. */
export interface CreateVoteRequestInput {
  /** The requesting SV's *party id* (from `GET /v0/dso` `sv_party_id`). */
  requester: string;
  action: VoteAction;
  /** The reason URL (on MainNet: the configs-repo PR the vote implements; SVs vote down weight changes without one). */
  url: string;
  description: string;
  /** How long the vote stays open, in milliseconds (becomes a Daml `RelTime`; `voteBefore = now + expiration`). */
  expirationMs: number;
  /** When the action takes effect (must not be before `voteBefore`); omitted = as soon as ⅔ accept. */
  effectiveTime?: Date;
}

/** Onboarding progress of a candidate SV, as reported by a sponsor. */
export type OnboardingStatus =
  | { state: 'requested'; name: string; contract_id: string; confirmed_by: string[]; required_num_confirmations: number }
  | { state: 'confirmed' | 'completed'; name: string; contract_id: string }
  | { state: 'unknown' };

/** Identity of the SV app's own SV. */
export interface SvIdentity {
  svUser: string;
  svPartyId: string;
  dsoPartyId: string;
}

/** Client for one SV app's API. */
export class SvAppClient {
  readonly #http: JsonHttp;
  readonly #validate;

  constructor(opts: SpliceClientOptions) {
    this.#http = new JsonHttp({ ...opts, api: 'sv' });
    const v = apiVersionOf(opts);
    this.#validate = {
      version: envelopeAnd<AnyVersion<'sv-internal', 'Version'>>(v, 'sv.getVersion'),
      dso: envelopeAnd<AnyVersion<'sv-internal', 'GetDsoInfoResponse'>, DsoInfoPayloads>(v, 'sv.getDsoInfo', validateDsoInfoPayloads),
      voteRequests: envelopeAnd<AnyVersion<'sv-internal', 'ListDsoRulesVoteRequestsResponse'>, VoteRequestsPayloads>(v, 'sv.listDsoRulesVoteRequests', validateVoteRequestsPayloads),
      voteResults: envelopeAnd<AnyVersion<'sv-internal', 'ListDsoRulesVoteResultsResponse'>, VoteResultsPayloads>(v, 'sv.listVoteRequestResults', validateVoteResultsPayloads),
      onboarding: envelopeAnd<AnyVersion<'sv-internal', 'GetSvOnboardingStatusResponse'>>(v, 'sv.getSvOnboardingStatus'),
    };
  }

  /** `GET /api/sv/version`: the SV app's Splice version. */
  async getVersion(signal?: AbortSignal): Promise<SpliceVersion> {
    const b = await this.#http.request({ operation: 'getVersion', method: 'GET', path: operationPath('sv.getVersion'), validate: this.#validate.version, signal });
    return { version: b.version, commitTs: b.commit_ts };
  }

  /** `POST /api/sv/v0/admin/sv/voterequest/create`. A duplicate open request surfaces as {@link DuplicateVoteRequestError}. */
  async createVoteRequest(input: CreateVoteRequestInput, signal?: AbortSignal): Promise<void> {
    const body = createVoteRequestBody(input);
    await this.#http.request({
      operation: 'createVoteRequest',
      method: 'POST',
      path: operationPath('sv.createVoteRequest'),
      body,
      mapApiError: (err) => (/already been created/i.test(err.serverMessage) ? new DuplicateVoteRequestError(err) : err),
      signal,
    });
  }

  /** `GET /api/sv/v0/admin/sv/voterequests`: all open vote requests. */
  async listVoteRequests(signal?: AbortSignal): Promise<VoteRequest[]> {
    const body = await this.#http.request({ operation: 'listDsoRulesVoteRequests', method: 'GET', path: operationPath('sv.listDsoRulesVoteRequests'), validate: this.#validate.voteRequests, signal });
    return body.dso_rules_vote_requests.map(toVoteRequest);
  }

  /**
   * `POST /api/sv/v0/admin/sv/voteresults`: one page of closed vote requests and their outcomes. Order and paging
   * depend on the Splice version (see vote-results.ts); filter by `actionName` and `requester` to find one's own.
   */
  async listVoteResultsPage(query: VoteResultsQuery, signal?: AbortSignal): Promise<VoteResultsPage> {
    const body = await this.#http.request({
      operation: 'listVoteRequestResults',
      method: 'POST',
      path: operationPath('sv.listVoteRequestResults'),
      body: voteResultsRequestBody(query),
      validate: this.#validate.voteResults,
      signal,
    });
    return toVoteResultsPage(body);
  }

  /** The first page of {@link listVoteResultsPage}, as a list (the signature the workflow used before paging). */
  async listVoteResults(query: VoteResultsQuery, signal?: AbortSignal): Promise<VoteResult[]> {
    return (await this.listVoteResultsPage(query, signal)).results;
  }

  /** `POST /api/sv/v0/admin/sv/votes`: casts this SV's vote on the request with tracking id `trackingCid`. */
  async castVote(input: { trackingCid: string; accept: boolean; reasonUrl: string; reasonDescription: string }, signal?: AbortSignal): Promise<void> {
    const body: EveryVersion<'sv-internal', 'CastVoteRequest'> = {
      vote_request_contract_id: input.trackingCid,
      is_accepted: input.accept,
      reason_url: input.reasonUrl,
      reason_description: input.reasonDescription,
    };
    await this.#http.request({ operation: 'castVote', method: 'POST', path: operationPath('sv.castVote'), body, signal });
  }

  /** `GET /api/sv/v0/onboard/sv/status/{name}` (public on the sponsor). */
  async getOnboardingStatus(candidatePartyIdOrName: string, signal?: AbortSignal): Promise<OnboardingStatus> {
    const b = await this.#http.request({
      operation: 'getSvOnboardingStatus',
      method: 'GET',
      path: operationPath('sv.getSvOnboardingStatus', { candidate_party_id_or_name: candidatePartyIdOrName }),
      validate: this.#validate.onboarding,
      signal,
    });
    switch (b.state) {
      case 'requested':
        return { state: b.state, name: b.name, contract_id: b.contract_id, confirmed_by: b.confirmed_by, required_num_confirmations: b.required_num_confirmations };
      case 'confirmed':
      case 'completed':
        return { state: b.state, name: b.name, contract_id: b.contract_id };
      default:
        return { state: 'unknown' };
    }
  }

  /**
   * `GET /api/sv/v0/admin/authorization`: resolves when the token's user may act for this SV; 403 is
   * {@link NotAuthorized}, 401 an {@link AuthError}.
   */
  async isAuthorized(signal?: AbortSignal): Promise<void> {
    try {
      await this.#http.request({ operation: 'isAuthorized', method: 'GET', path: operationPath('sv.isAuthorized'), signal });
    } catch (err) {
      if (err instanceof AuthError && err.status === 403) throw new NotAuthorized(err.api, err.operation, err.message.replace(/^sv isAuthorized: /, ''));
      throw err;
    }
  }

  /**
   * {@link isAuthorized} as a value: `{authorized: true}` on 200 and `{authorized: false, reason}` on 401/403 (the token's
   * user is not the SV's user); other failures throw.
   */
  async checkAuthorization(signal?: AbortSignal): Promise<{ authorized: true } | { authorized: false; reason: string }> {
    try {
      await this.isAuthorized(signal);
      return { authorized: true };
    } catch (err) {
      if (err instanceof AuthError && err.api === 'sv') return { authorized: false, reason: err.message };
      throw err;
    }
  }

  /** `GET /api/sv/v0/dso`: the SV's own user and party, and the DSO party. */
  async getIdentity(signal?: AbortSignal): Promise<SvIdentity> {
    const body = await this.#http.request({ operation: 'getDsoInfo', method: 'GET', path: operationPath('sv.getDsoInfo'), validate: this.#validate.dso, signal });
    return { svUser: body.sv_user, svPartyId: body.sv_party_id, dsoPartyId: body.dso_party_id };
  }

  /** `GET /api/sv/v0/dso` as DSO state (one SV's view; prefer the Scan quorum for decisions). */
  async getDsoState(signal?: AbortSignal): Promise<DsoState> {
    const body = await this.#http.request({ operation: 'getDsoInfo', method: 'GET', path: operationPath('sv.getDsoInfo'), validate: this.#validate.dso, signal });
    return dsoStateOrMalformed('sv', body);
  }
}
