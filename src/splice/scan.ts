/**
 * Scan client (no authentication): version, DSO state (SVs, weights, offboarded SVs, the SV right owners model), open
 * vote requests and vote results as Scan publishes them, and transfer preapprovals by receiver party.
 */
import { apiVersionOf, envelopeAnd } from './api-schemas.ts';
import type { SpliceClientOptions } from './api-schemas.ts';
import { parseWeightBps } from './daml-json.ts';
import { validateDsoInfoPayloads, validateVoteRequestsPayloads, validateVoteResultsPayloads } from './daml-payloads.ts';
import type { DsoInfoPayloads, VoteRequestsPayloads, VoteResultsPayloads } from './daml-payloads.ts';
import { ApiError, MalformedResponseError } from './errors.ts';
import type { AnyVersion } from './generated/index.ts';
import { JsonHttp } from './http.ts';
import { operationPath } from './operations.ts';
import { toVoteRequest } from './vote-requests.ts';
import type { VoteRequest } from './vote-requests.ts';
import { toVoteResultsPage, voteResultsRequestBody } from './vote-results.ts';
import type { VoteResultsPage, VoteResultsQuery } from './vote-results.ts';

/** One onboarded SV as listed in `DsoRules.svs`. */
export interface SvInfo {
  name: string;
  /** Basis points (10000 = weight 1). */
  svRewardWeight: number;
  participantId: string;
  joinedAsOfRound: number;
}

/** One offboarded SV as listed in `DsoRules.offboardedSvs`. */
export interface OffboardedSvInfo {
  name: string;
  participantId: string;
}

/** The DSO state the operator reasons about. Maps are keyed by SV party id. */
export interface DsoState {
  dsoPartyId: string;
  dsoRulesContractId: string;
  votingThreshold: number;
  svs: Map<string, SvInfo>;
  offboardedSvs: Map<string, OffboardedSvInfo>;
  /**
   * True when the DsoRules carry on-ledger SV right owners (`svRightOwners` set, D15): weight then lives with the
   * right owners, not on the SV entry, and moving it is a different action. Optional for hand-built states in tests;
   * the clients always set it.
   */
  onLedgerSvRightOwners?: boolean;
}

/** `GetDsoInfoResponse` as the clients read it: the generated envelope with the typed DsoRules payload. */
export type DsoInfoBody = AnyVersion<'scan', 'GetDsoInfoResponse'> & DsoInfoPayloads;

/** The Splice version an app reports (`GET /version`). */
export interface SpliceVersion {
  version: string;
  commitTs: string;
}

/** Converts a validated `GetDsoInfoResponse` into a {@link DsoState}; rejects unparseable weights. */
export function toDsoState(body: DsoInfoBody): DsoState {
  const payload = body.dso_rules.contract.payload;
  const svs = new Map<string, SvInfo>();
  for (const [party, info] of payload.svs) {
    svs.set(party, {
      name: info.name,
      svRewardWeight: parseWeightBps(info.svRewardWeight, `svRewardWeight of ${party}`),
      participantId: info.participantId,
      joinedAsOfRound: parseWeightBps(info.joinedAsOfRound.number, `joinedAsOfRound of ${party}`),
    });
  }
  const offboardedSvs = new Map<string, OffboardedSvInfo>();
  for (const [party, info] of payload.offboardedSvs) offboardedSvs.set(party, { name: info.name, participantId: info.participantId });
  return {
    dsoPartyId: body.dso_party_id,
    dsoRulesContractId: body.dso_rules.contract.contract_id,
    votingThreshold: body.voting_threshold,
    svs,
    offboardedSvs,
    onLedgerSvRightOwners: payload.svRightOwners !== undefined && payload.svRightOwners !== null,
  };
}

/** {@link toDsoState}, reporting an unparseable weight as a {@link MalformedResponseError} of `api`. */
export function dsoStateOrMalformed(api: string, body: DsoInfoBody): DsoState {
  try {
    return toDsoState(body);
  } catch (err) {
    throw new MalformedResponseError(api, 'getDsoInfo', [(err as Error).message]);
  }
}

/** Finds an onboarded SV by name. */
export function findSvByName(state: DsoState, name: string): ({ partyId: string } & SvInfo) | undefined {
  for (const [partyId, info] of state.svs) if (info.name === name) return { partyId, ...info };
  return undefined;
}

/** A receiver's `Splice.AmuletRules:TransferPreapproval`, as Scan lists it. */
export interface TransferPreapproval {
  contractId: string;
  receiver: string | undefined;
  expiresAt: string | undefined;
}

/** Client for one Scan's public API. */
export class ScanClient {
  readonly #http: JsonHttp;
  readonly #v;
  readonly #validate;

  constructor(opts: Omit<SpliceClientOptions, 'token'>) {
    this.#http = new JsonHttp({ ...opts, api: 'scan' });
    this.#v = apiVersionOf(opts);
    this.#validate = {
      version: envelopeAnd<AnyVersion<'scan', 'Version'>>(this.#v, 'scan.getVersion'),
      dso: envelopeAnd<AnyVersion<'scan', 'GetDsoInfoResponse'>, DsoInfoPayloads>(this.#v, 'scan.getDsoInfo', validateDsoInfoPayloads),
      voteRequests: envelopeAnd<AnyVersion<'scan', 'ListDsoRulesVoteRequestsResponse'>, VoteRequestsPayloads>(this.#v, 'scan.listDsoRulesVoteRequests', validateVoteRequestsPayloads),
      voteResults: envelopeAnd<AnyVersion<'scan', 'ListDsoRulesVoteResultsResponse'>, VoteResultsPayloads>(this.#v, 'scan.listVoteRequestResults', validateVoteResultsPayloads),
      preapproval: envelopeAnd<AnyVersion<'scan', 'LookupTransferPreapprovalByPartyResponse'>>(this.#v, 'scan.lookupTransferPreapprovalByParty'),
    };
  }

  /** The base URL this client talks to. */
  get url(): string {
    return this.#http.baseUrl;
  }

  /** `GET /api/scan/version`: the network's Splice version. */
  async getVersion(signal?: AbortSignal): Promise<SpliceVersion> {
    const b = await this.#http.request({ operation: 'getVersion', method: 'GET', path: operationPath('scan.getVersion'), validate: this.#validate.version, signal });
    return { version: b.version, commitTs: b.commit_ts };
  }

  /** `GET /api/scan/v0/dso`, as a {@link DsoState}. */
  async getDsoState(signal?: AbortSignal): Promise<DsoState> {
    const body = await this.#http.request({ operation: 'getDsoInfo', method: 'GET', path: operationPath('scan.getDsoInfo'), validate: this.#validate.dso, signal });
    return dsoStateOrMalformed('scan', body);
  }

  /** `GET /api/scan/v0/admin/sv/voterequests`: all open vote requests, with their votes. */
  async listVoteRequests(signal?: AbortSignal): Promise<VoteRequest[]> {
    const body = await this.#http.request({
      operation: 'listDsoRulesVoteRequests',
      method: 'GET',
      path: operationPath('scan.listDsoRulesVoteRequests'),
      validate: this.#validate.voteRequests,
      signal,
    });
    return body.dso_rules_vote_requests.map(toVoteRequest);
  }

  /** `POST /api/scan/v0/admin/sv/voteresults`: one page of closed requests (semantics by version: vote-results.ts). */
  async listVoteResultsPage(query: VoteResultsQuery, signal?: AbortSignal): Promise<VoteResultsPage> {
    const body = await this.#http.request({
      operation: 'listVoteRequestResults',
      method: 'POST',
      path: operationPath('scan.listVoteRequestResults'),
      body: voteResultsRequestBody(query),
      validate: this.#validate.voteResults,
      signal,
    });
    return toVoteResultsPage(body);
  }

  /**
   * `GET /api/scan/v0/transfer-preapprovals/by-party/{party}`: the receiver's transfer preapproval, or undefined when it
   * has none (404) — then a preapproval send to it cannot work.
   */
  async lookupTransferPreapproval(receiverParty: string, signal?: AbortSignal): Promise<TransferPreapproval | undefined> {
    try {
      const b = await this.#http.request({
        operation: 'lookupTransferPreapprovalByParty',
        method: 'GET',
        path: operationPath('scan.lookupTransferPreapprovalByParty', { party: receiverParty }),
        validate: this.#validate.preapproval,
        signal,
      });
      const c = b.transfer_preapproval.contract;
      const receiver = typeof c.payload.receiver === 'string' ? c.payload.receiver : undefined;
      const expiresAt = typeof c.payload.expiresAt === 'string' ? c.payload.expiresAt : undefined;
      return { contractId: c.contract_id, receiver, expiresAt };
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return undefined;
      throw err;
    }
  }
}
