/**
 * Wallet client (validator app, JWT of the wallet user): balance, transfer offers (create → receiver accepts →
 * sender's automation completes), and the wallet user's party.
 */
import { JsonHttp } from './http.ts';
import type { JsonHttpOptions } from './http.ts';
import {
  validateAcceptTransferOffer,
  validateBalance,
  validateCreateTransferOffer,
  validateTransferOffers,
  validateTransferOfferStatus,
  validateUserStatus,
} from './schemas.ts';
import type { BalanceBody, TransferOfferStatusBody, UserStatusBody } from './schemas.ts';

/** Wallet balance; quantities stay decimal strings (Daml `Decimal`, 10 fractional digits) to avoid float rounding. */
export interface Balance {
  round: number;
  unlocked: string;
  locked: string;
  holdingFees: string;
}

/** Input of {@link WalletClient.createTransferOffer}; field names as in `CreateTransferOfferRequest`. */
export interface CreateTransferOfferInput {
  receiver_party_id: string;
  /** Decimal string, e.g. `"1234.5"`. */
  amount: string;
  description: string;
  /** Expiry, sent as unix microseconds. */
  expires_at: Date;
  /** Deterministic per intent: a retry with the same id is rejected (409/429) rather than paying twice. */
  tracking_id: string;
}

/** A listed open transfer offer. */
export interface TransferOffer {
  contractId: string;
  sender: string;
  receiver: string;
  amount: string;
  trackingId: string;
  description: string;
}

/** Status of a transfer offer by tracking id. */
export type TransferOfferStatus = TransferOfferStatusBody;

/** Client for one validator app's wallet API. */
export class WalletClient {
  readonly #http: JsonHttp;

  constructor(opts: Omit<JsonHttpOptions, 'api'>) {
    this.#http = new JsonHttp({ ...opts, api: 'wallet' });
  }

  /** `GET /api/validator/v0/wallet/balance`. */
  async getBalance(signal?: AbortSignal): Promise<Balance> {
    const b: BalanceBody = await this.#http.request({ operation: 'getBalance', method: 'GET', path: '/api/validator/v0/wallet/balance', validate: validateBalance, signal });
    return { round: b.round, unlocked: b.effective_unlocked_qty, locked: b.effective_locked_qty, holdingFees: b.total_holding_fees };
  }

  /** `GET /api/validator/v0/wallet/user-status`: the wallet user's party and onboarding state. */
  async getUserStatus(signal?: AbortSignal): Promise<UserStatusBody> {
    return this.#http.request({ operation: 'userStatus', method: 'GET', path: '/api/validator/v0/wallet/user-status', validate: validateUserStatus, signal });
  }

  /** `POST /api/validator/v0/wallet/transfer-offers`; resolves the offer's contract id. Duplicate tracking id → ApiError 409. */
  async createTransferOffer(input: CreateTransferOfferInput, signal?: AbortSignal): Promise<string> {
    const body = { ...input, expires_at: input.expires_at.getTime() * 1000 };
    const res = await this.#http.request({ operation: 'createTransferOffer', method: 'POST', path: '/api/validator/v0/wallet/transfer-offers', body, validate: validateCreateTransferOffer, signal });
    return res.offer_contract_id;
  }

  /** `POST /api/validator/v0/wallet/transfer-offers/{tracking_id}/status`; an unknown tracking id is ApiError 404. */
  async getTransferOfferStatus(trackingId: string, signal?: AbortSignal): Promise<TransferOfferStatus> {
    return this.#http.request({
      operation: 'getTransferOfferStatus',
      method: 'POST',
      path: `/api/validator/v0/wallet/transfer-offers/${encodeURIComponent(trackingId)}/status`,
      validate: validateTransferOfferStatus,
      signal,
    });
  }

  /** `GET /api/validator/v0/wallet/transfer-offers`: open offers where the user is sender or receiver. */
  async listTransferOffers(signal?: AbortSignal): Promise<TransferOffer[]> {
    const body = await this.#http.request({ operation: 'listTransferOffers', method: 'GET', path: '/api/validator/v0/wallet/transfer-offers', validate: validateTransferOffers, signal });
    return body.offers.map((o) => ({
      contractId: o.contract_id,
      sender: o.payload.sender,
      receiver: o.payload.receiver,
      amount: o.payload.amount.amount,
      trackingId: o.payload.trackingId,
      description: o.payload.description,
    }));
  }

  /** `POST /api/validator/v0/wallet/transfer-offers/{contract_id}/accept` (as the receiver); resolves the accepted offer's id. */
  async acceptTransferOffer(contractId: string, signal?: AbortSignal): Promise<string> {
    const res = await this.#http.request({
      operation: 'acceptTransferOffer',
      method: 'POST',
      path: `/api/validator/v0/wallet/transfer-offers/${encodeURIComponent(contractId)}/accept`,
      validate: validateAcceptTransferOffer,
      signal,
    });
    return res.accepted_offer_contract_id;
  }
}
