/**
 * Schemas of the Daml contract payloads the clients read. The upstream OpenAPI specs describe a contract's `payload`
 * (and a vote result) only as `type: object` — their shape is the Daml template, encoded as Daml-LF JSON (Int64 as
 * strings, `Map k v` as `[k, v]` lists, variants as `{tag, value}`) — so these few schemas are written by hand from the
 * Splice Daml models (`Splice.DsoRules`, `Splice.Wallet.TransferOffer`), and only for the fields read. They are applied
 * after the generated envelope schema (src/splice/api-schemas.ts). Extra fields are allowed everywhere.
 */
import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import type { BodyValidator } from './http.ts';

let ajv: Ajv | undefined;

/**
 * A validator compiled on its first use: the operator's start (and its memory) does not pay for the schemas of reads
 * it may never make. The schemas are checked in strict mode by daml-payloads.test.ts, which compiles each one.
 */
function lazyValidator<T>(schema: object): BodyValidator<T> {
  let compiled: ValidateFunction<T> | undefined;
  const check = ((body: unknown): body is T => {
    // strictRequired/strictTypes off: we list required fields we do not describe, and if/then branches refine properties.
    ajv ??= new Ajv({ allErrors: true, strict: true, strictRequired: false, strictTypes: false });
    compiled ??= ajv.compile<T>(schema);
    const ok = compiled(body);
    check.errors = compiled.errors;
    return ok;
  }) as BodyValidator<T>;
  return check;
}

const str = { type: 'string' } as const;
const int64 = { anyOf: [{ type: 'string', pattern: '^-?[0-9]+$' }, { type: 'integer' }] } as const;
const optional = (schema: object) => ({ anyOf: [schema, { type: 'null' }] });
/** A Daml `Map k v` in JSON: a list of `[k, v]` pairs. */
const damlMap = (value: object) => ({ type: 'array', items: { type: 'array', items: [str, value], minItems: 2, maxItems: 2 } }) as const;
const withPayload = (payload: object) => ({ type: 'object', required: ['payload'], properties: { payload } });

/** `Splice.DsoRules:SvInfo`, the fields read. */
export interface SvInfoPayload {
  name: string;
  svRewardWeight: string | number;
  participantId: string;
  joinedAsOfRound: { number: string | number };
}

const svInfo = {
  type: 'object',
  required: ['name', 'svRewardWeight', 'participantId', 'joinedAsOfRound'],
  properties: { name: str, svRewardWeight: int64, participantId: str, joinedAsOfRound: { type: 'object', required: ['number'], properties: { number: int64 } } },
};

/**
 * `Splice.DsoRules:DsoRules`, the fields read. `svRightOwners` is the on-ledger SV right owners model announced for
 * 0.8 (canton-dev-fund #637, splice PR #6247, D15 in docs/research/splice-versions.md): absent or null before the
 * migration to it; its inner shape is not read.
 */
export interface DsoRulesPayload {
  svs: [string, SvInfoPayload][];
  offboardedSvs: [string, { name: string; participantId: string }][];
  svRightOwners?: unknown;
}

/** The DsoRules contract inside `GetDsoInfoResponse`. */
export interface DsoInfoPayloads {
  dso_rules: { contract: { contract_id: string; payload: DsoRulesPayload } };
}

/** Validates the DsoRules payload of `GET /v0/dso` (Scan and SV app). */
export const validateDsoInfoPayloads: BodyValidator<DsoInfoPayloads> = lazyValidator({
  type: 'object',
  required: ['dso_rules'],
  properties: {
    dso_rules: {
      type: 'object',
      required: ['contract'],
      properties: {
        contract: withPayload({
          type: 'object',
          required: ['svs', 'offboardedSvs'],
          properties: {
            svs: damlMap(svInfo),
            offboardedSvs: damlMap({ type: 'object', required: ['name', 'participantId'], properties: { name: str, participantId: str } }),
          },
        }),
      },
    },
  },
});

/** One vote in `VoteRequest.votes` (`Splice.DsoRules:Vote`). */
export interface VotePayload {
  sv: string;
  accept: boolean;
  reason?: { url: string; body: string };
  optCastAt?: string | null;
}

/** `Splice.DsoRules:VoteRequest`, the fields read. */
export interface VoteRequestPayload {
  requester: string;
  action: unknown;
  reason: { url: string; body: string };
  voteBefore: string;
  votes: [string, VotePayload][];
  trackingCid?: string | null;
  targetEffectiveAt?: string | null;
}

const reason = { type: 'object', required: ['url', 'body'], properties: { url: str, body: str } };
const voteRequestPayload = {
  type: 'object',
  required: ['requester', 'action', 'reason', 'voteBefore', 'votes'],
  properties: {
    requester: str,
    action: { type: 'object', required: ['tag'], properties: { tag: str } },
    reason,
    voteBefore: str,
    votes: damlMap({ type: 'object', required: ['sv', 'accept'], properties: { sv: str, accept: { type: 'boolean' }, reason, optCastAt: optional(str) } }),
    trackingCid: optional(str),
    targetEffectiveAt: optional(str),
  },
};

/** A contract whose payload is a `VoteRequest`. */
export interface VoteRequestContract {
  contract_id: string;
  payload: VoteRequestPayload;
}

/** The vote request list (`ListDsoRulesVoteRequestsResponse`) with typed payloads. */
export interface VoteRequestsPayloads {
  dso_rules_vote_requests: VoteRequestContract[];
}

/** Validates the payloads of `GET /v0/admin/sv/voterequests` (SV app and Scan). */
export const validateVoteRequestsPayloads: BodyValidator<VoteRequestsPayloads> = lazyValidator({
  type: 'object',
  required: ['dso_rules_vote_requests'],
  properties: { dso_rules_vote_requests: { type: 'array', items: withPayload(voteRequestPayload) } },
});

/**
 * `Splice.DsoRules:VoteRequestOutcome`: `VRO_Accepted {effectiveAt}`, `VRO_Rejected`, `VRO_Expired`, and (before
 * dsoGovernance 0.1.24, D3) `VRO_AcceptedButActionFailed {description}`.
 */
export interface VoteOutcomePayload {
  tag: string;
  value?: { effectiveAt?: string; description?: string } & Record<string, unknown>;
}

/** `Splice.DsoRules:DsoRules_CloseVoteRequestResult`, the fields read. */
export interface VoteResultPayload {
  request: VoteRequestPayload;
  completedAt: string;
  outcome: VoteOutcomePayload;
}

/** The vote results list with typed results (`next_page_token` from the envelope, ≥0.6.10). */
export interface VoteResultsPayloads {
  dso_rules_vote_results: VoteResultPayload[];
  next_page_token?: number;
}

/** Validates the results of `POST /v0/admin/sv/voteresults` (SV app and Scan). */
export const validateVoteResultsPayloads: BodyValidator<VoteResultsPayloads> = lazyValidator({
  type: 'object',
  required: ['dso_rules_vote_results'],
  properties: {
    dso_rules_vote_results: {
      type: 'array',
      items: {
        type: 'object',
        required: ['request', 'completedAt', 'outcome'],
        properties: {
          request: voteRequestPayload,
          completedAt: str,
          outcome: {
            type: 'object',
            required: ['tag'],
            properties: { tag: str },
            allOf: [
              { if: { properties: { tag: { const: 'VRO_Accepted' } } }, then: { required: ['value'], properties: { value: { type: 'object', required: ['effectiveAt'], properties: { effectiveAt: str } } } } },
              {
                if: { properties: { tag: { const: 'VRO_AcceptedButActionFailed' } } },
                then: { required: ['value'], properties: { value: { type: 'object', required: ['description'], properties: { description: str } } } },
              },
            ],
          },
        },
      },
    },
  },
});

const decimal = { type: 'string', pattern: '^-?[0-9]+(\\.[0-9]+)?$' } as const;

/** `Splice.Wallet.TransferOffer:TransferOffer`, the fields read. */
export interface TransferOfferPayload {
  sender: string;
  receiver: string;
  amount: { amount: string };
  trackingId: string;
  description: string;
}

/** The transfer offer list with typed payloads. */
export interface TransferOffersPayloads {
  offers: { contract_id: string; payload: TransferOfferPayload }[];
}

/** Validates the payloads of `GET /v0/wallet/transfer-offers`. */
export const validateTransferOffersPayloads: BodyValidator<TransferOffersPayloads> = lazyValidator({
  type: 'object',
  required: ['offers'],
  properties: {
    offers: {
      type: 'array',
      items: withPayload({
        type: 'object',
        required: ['sender', 'receiver', 'amount', 'trackingId', 'description'],
        properties: { sender: str, receiver: str, amount: { type: 'object', required: ['amount'], properties: { amount: decimal } }, trackingId: str, description: str },
      }),
    },
  },
});

/** Validates the Daml decimals of `GET /v0/wallet/balance` (the spec types them only as strings). */
export const validateBalanceDecimals: BodyValidator<{ effective_unlocked_qty: string; effective_locked_qty: string; total_holding_fees: string }> = lazyValidator({
  type: 'object',
  required: ['effective_unlocked_qty', 'effective_locked_qty', 'total_holding_fees'],
  properties: { effective_unlocked_qty: decimal, effective_locked_qty: decimal, total_holding_fees: decimal },
});
