/**
 * Scan client (no authentication): DSO state (SVs, weights, offboarded SVs) and the read-only vote request list.
 */
import { parseWeightBps } from './daml-json.ts';
import { MalformedResponseError } from './errors.ts';
import { JsonHttp } from './http.ts';
import type { JsonHttpOptions } from './http.ts';
import { validateDsoInfo, validateVoteRequests } from './schemas.ts';
import type { DsoInfoBody } from './schemas.ts';
import { toVoteRequest } from './vote-requests.ts';
import type { VoteRequest } from './vote-requests.ts';

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

/** Client for one Scan's public API. */
export class ScanClient {
  readonly #http: JsonHttp;

  constructor(opts: Omit<JsonHttpOptions, 'api' | 'token'>) {
    this.#http = new JsonHttp({ ...opts, api: 'scan' });
  }

  /** The Scan base URL this client talks to. */
  get url(): string {
    return this.#http.baseUrl;
  }

  /** `GET /api/scan/v0/dso`, as a {@link DsoState}. */
  async getDsoState(signal?: AbortSignal): Promise<DsoState> {
    const body = await this.#http.request({ operation: 'getDsoInfo', method: 'GET', path: '/api/scan/v0/dso', validate: validateDsoInfo, signal });
    return dsoStateOrMalformed('scan', body);
  }

  /** `GET /api/scan/v0/admin/sv/voterequests`: all open vote requests. */
  async listVoteRequests(signal?: AbortSignal): Promise<VoteRequest[]> {
    const body = await this.#http.request({ operation: 'listDsoRulesVoteRequests', method: 'GET', path: '/api/scan/v0/admin/sv/voterequests', validate: validateVoteRequests, signal });
    return body.dso_rules_vote_requests.map(toVoteRequest);
  }
}
