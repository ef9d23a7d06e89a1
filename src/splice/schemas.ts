/**
 * The clients' own JSON schemas for the parts of each Splice response they read. The operator image does not ship the
 * upstream OpenAPI files, so these are small and self-contained; `test/integration/splice-schemas.test.ts` proves they
 * accept what the upstream specs (v0.4.15) allow, by validating simulator responses checked against upstream.
 * Extra fields are allowed everywhere (newer Splice versions add fields); the fields we read are strict.
 */
import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';

// strictRequired/strictTypes off: we list required fields we do not read (e.g. `amulet_rules`) without describing them,
// and if/then branches refine properties declared elsewhere.
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, strictTypes: false });

const str = { type: 'string' } as const;
const int64 = { anyOf: [{ type: 'string', pattern: '^-?[0-9]+$' }, { type: 'integer' }] } as const;
/** A Daml `Map k v` in JSON: a list of `[k, v]` pairs. */
const damlMap = (value: object) => ({ type: 'array', items: { type: 'array', items: [str, value], minItems: 2, maxItems: 2 } }) as const;

/** `Contract` (common-external.yaml), with the payload left to the caller's schema. */
const contract = (payload: object) => ({
  type: 'object',
  required: ['template_id', 'contract_id', 'payload', 'created_event_blob', 'created_at'],
  properties: { template_id: str, contract_id: str, payload, created_event_blob: str, created_at: str },
});

/** `Splice.DsoRules:SvInfo`. */
const svInfo = {
  type: 'object',
  required: ['name', 'svRewardWeight', 'participantId', 'joinedAsOfRound'],
  properties: { name: str, svRewardWeight: int64, participantId: str, joinedAsOfRound: { type: 'object', required: ['number'], properties: { number: int64 } } },
};

/** `Splice.DsoRules:OffboardedSvInfo`. */
const offboardedSvInfo = { type: 'object', required: ['name', 'participantId'], properties: { name: str, participantId: str } };

/** `GetDsoInfoResponse` (common-internal.yaml), the parts the operator reads. */
export interface DsoInfoBody {
  sv_user: string;
  sv_party_id: string;
  dso_party_id: string;
  voting_threshold: number;
  dso_rules: {
    contract: {
      contract_id: string;
      payload: {
        svs: [string, { name: string; svRewardWeight: string | number; participantId: string; joinedAsOfRound: { number: string | number } }][];
        offboardedSvs: [string, { name: string; participantId: string }][];
      };
    };
  };
}

/** Validates `GET /v0/dso` (Scan and SV app). */
export const validateDsoInfo: ValidateFunction<DsoInfoBody> = ajv.compile<DsoInfoBody>({
  type: 'object',
  required: ['sv_user', 'sv_party_id', 'dso_party_id', 'voting_threshold', 'dso_rules', 'amulet_rules', 'latest_mining_round', 'sv_node_states'],
  properties: {
    sv_user: str,
    sv_party_id: str,
    dso_party_id: str,
    voting_threshold: { type: 'integer' },
    dso_rules: {
      type: 'object',
      required: ['contract'],
      properties: {
        contract: contract({
          type: 'object',
          required: ['svs', 'offboardedSvs'],
          properties: { svs: damlMap(svInfo), offboardedSvs: damlMap(offboardedSvInfo) },
        }),
      },
    },
  },
});

/** `Splice.DsoRules:VoteRequest` payload, the parts the operator reads. */
export interface VoteRequestPayload {
  requester: string;
  action: unknown;
  reason: { url: string; body: string };
  voteBefore: string;
  votes: [string, { sv: string; accept: boolean }][];
  trackingCid?: string | null;
  targetEffectiveAt?: string | null;
}

const voteRequestPayload = {
  type: 'object',
  required: ['requester', 'action', 'reason', 'voteBefore', 'votes'],
  properties: {
    requester: str,
    action: { type: 'object', required: ['tag'], properties: { tag: str } },
    reason: { type: 'object', required: ['url', 'body'], properties: { url: str, body: str } },
    voteBefore: str,
    votes: damlMap({ type: 'object', required: ['sv', 'accept'], properties: { sv: str, accept: { type: 'boolean' } } }),
    trackingCid: { type: ['string', 'null'] },
    targetEffectiveAt: { type: ['string', 'null'] },
  },
};

/** A `Contract` whose payload is a `VoteRequest`. */
export interface VoteRequestContract {
  contract_id: string;
  created_at: string;
  payload: VoteRequestPayload;
}

/** `ListDsoRulesVoteRequestsResponse`. */
export interface VoteRequestsBody {
  dso_rules_vote_requests: VoteRequestContract[];
}

/** Validates `GET /v0/admin/sv/voterequests` (SV app and Scan). */
export const validateVoteRequests: ValidateFunction<VoteRequestsBody> = ajv.compile<VoteRequestsBody>({
  type: 'object',
  required: ['dso_rules_vote_requests'],
  properties: { dso_rules_vote_requests: { type: 'array', items: contract(voteRequestPayload) } },
});

/** One `DsoRules_CloseVoteRequestResult`. */
export interface VoteResultBody {
  request: VoteRequestPayload;
  completedAt: string;
  outcome: { tag: string; value?: unknown };
}

/** `ListDsoRulesVoteResultsResponse`. */
export interface VoteResultsBody {
  dso_rules_vote_results: VoteResultBody[];
}

/** Validates `POST /v0/admin/sv/voteresults`. */
export const validateVoteResults: ValidateFunction<VoteResultsBody> = ajv.compile<VoteResultsBody>({
  type: 'object',
  required: ['dso_rules_vote_results'],
  properties: {
    dso_rules_vote_results: {
      type: 'array',
      items: {
        type: 'object',
        required: ['request', 'completedAt', 'outcome'],
        properties: { request: voteRequestPayload, completedAt: str, outcome: { type: 'object', required: ['tag'], properties: { tag: str } } },
      },
    },
  },
});

/** `GetSvOnboardingStatusResponse` (discriminated by `state`). */
export type OnboardingStatusBody =
  | { state: 'requested'; name: string; contract_id: string; confirmed_by: string[]; required_num_confirmations: number }
  | { state: 'confirmed' | 'completed'; name: string; contract_id: string }
  | { state: 'unknown' };

/** Validates `GET /v0/onboard/sv/status/{candidate}`. */
export const validateOnboardingStatus: ValidateFunction<OnboardingStatusBody> = ajv.compile<OnboardingStatusBody>({
  type: 'object',
  required: ['state'],
  properties: { state: { enum: ['requested', 'confirmed', 'completed', 'unknown'] } },
  allOf: [
    {
      if: { properties: { state: { const: 'requested' } } },
      then: {
        required: ['name', 'contract_id', 'confirmed_by', 'required_num_confirmations'],
        properties: { name: str, contract_id: str, confirmed_by: { type: 'array', items: str }, required_num_confirmations: { type: 'integer', minimum: 1 } },
      },
    },
    {
      if: { properties: { state: { enum: ['confirmed', 'completed'] } } },
      then: { required: ['name', 'contract_id'], properties: { name: str, contract_id: str } },
    },
  ],
});

/** `GetBalanceResponse` (wallet-internal.yaml). */
export interface BalanceBody {
  round: number;
  effective_unlocked_qty: string;
  effective_locked_qty: string;
  total_holding_fees: string;
}

const decimal = { type: 'string', pattern: '^-?[0-9]+(\\.[0-9]+)?$' } as const;

/** Validates `GET /v0/wallet/balance`. Quantities are Daml decimals as strings; anything else is malformed. */
export const validateBalance: ValidateFunction<BalanceBody> = ajv.compile<BalanceBody>({
  type: 'object',
  required: ['round', 'effective_unlocked_qty', 'effective_locked_qty', 'total_holding_fees'],
  properties: { round: { type: 'integer' }, effective_unlocked_qty: decimal, effective_locked_qty: decimal, total_holding_fees: decimal },
});

/** `UserStatusResponse`. */
export interface UserStatusBody {
  party_id: string;
  user_onboarded: boolean;
  user_wallet_installed: boolean;
  has_featured_app_right: boolean;
}

/** Validates `GET /v0/wallet/user-status`. */
export const validateUserStatus: ValidateFunction<UserStatusBody> = ajv.compile<UserStatusBody>({
  type: 'object',
  required: ['party_id', 'user_onboarded', 'user_wallet_installed', 'has_featured_app_right'],
  properties: { party_id: str, user_onboarded: { type: 'boolean' }, user_wallet_installed: { type: 'boolean' }, has_featured_app_right: { type: 'boolean' } },
});

/** `CreateTransferOfferResponse`. */
export interface CreateTransferOfferBody {
  offer_contract_id: string;
}

/** Validates `POST /v0/wallet/transfer-offers`. */
export const validateCreateTransferOffer: ValidateFunction<CreateTransferOfferBody> = ajv.compile<CreateTransferOfferBody>({
  type: 'object',
  required: ['offer_contract_id'],
  properties: { offer_contract_id: str },
});

/** `GetTransferOfferStatusResponse` (discriminated by `status`). */
export type TransferOfferStatusBody =
  | { status: 'created' | 'accepted' | 'completed'; contract_id: string; transaction_id: string }
  | { status: 'failed'; failure_kind: 'expired' | 'rejected' | 'withdrawn'; withdrawn_reason?: string };

/** Validates `POST /v0/wallet/transfer-offers/{tracking_id}/status`. */
export const validateTransferOfferStatus: ValidateFunction<TransferOfferStatusBody> = ajv.compile<TransferOfferStatusBody>({
  type: 'object',
  required: ['status'],
  properties: { status: { enum: ['created', 'accepted', 'completed', 'failed'] } },
  if: { properties: { status: { const: 'failed' } } },
  then: { required: ['failure_kind'], properties: { failure_kind: { enum: ['expired', 'rejected', 'withdrawn'] }, withdrawn_reason: str } },
  else: { required: ['contract_id', 'transaction_id'], properties: { contract_id: str, transaction_id: str } },
});

/** A transfer offer contract as listed by the wallet (`Splice.Wallet.TransferOffer:TransferOffer`). */
export interface TransferOfferContract {
  contract_id: string;
  payload: { sender: string; receiver: string; amount: { amount: string }; trackingId: string; description: string; expiresAt: string };
}

/** `ListTransferOffersResponse`. */
export interface TransferOffersBody {
  offers: TransferOfferContract[];
}

/** Validates `GET /v0/wallet/transfer-offers`. */
export const validateTransferOffers: ValidateFunction<TransferOffersBody> = ajv.compile<TransferOffersBody>({
  type: 'object',
  required: ['offers'],
  properties: {
    offers: {
      type: 'array',
      items: contract({
        type: 'object',
        required: ['sender', 'receiver', 'amount', 'trackingId', 'description'],
        properties: { sender: str, receiver: str, amount: { type: 'object', required: ['amount'], properties: { amount: decimal } }, trackingId: str, description: str, expiresAt: str },
      }),
    },
  },
});

/** `AcceptTransferOfferResponse`. */
export interface AcceptTransferOfferBody {
  accepted_offer_contract_id: string;
}

/** Validates `POST /v0/wallet/transfer-offers/{contract_id}/accept`. */
export const validateAcceptTransferOffer: ValidateFunction<AcceptTransferOfferBody> = ajv.compile<AcceptTransferOfferBody>({
  type: 'object',
  required: ['accepted_offer_contract_id'],
  properties: { accepted_offer_contract_id: str },
});
