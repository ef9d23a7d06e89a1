/**
 * Wallet client (validator app, JWT of a wallet user): user status, balance, transfer offers (legacy: create → receiver
 * accepts → sender's automation completes), token-standard transfers, and transfer-preapproval sends.
 * Every endpoint but `user-status` answers 404 "No wallet found for user" unless the token's user has a wallet install
 * (D1): that is {@link WalletUserNotOnboarded} on every call. Duplicate tracking/deduplication ids are
 * {@link TransferExists}; no call is ever retried here, so a POST acts at most once per call.
 */
import { apiVersionOf, envelopeAnd } from './api-schemas.ts';
import type { SpliceClientOptions } from './api-schemas.ts';
import { validateBalanceDecimals, validateTransferOffersPayloads } from './daml-payloads.ts';
import type { TransferOffersPayloads } from './daml-payloads.ts';
import { ApiError, isNoWalletAnswer, TransferExists, TransferUnknown, WalletUserNotOnboarded } from './errors.ts';
import type { AnyVersion, EveryVersion } from './generated/index.ts';
import { JsonHttp } from './http.ts';
import { operationPath } from './operations.ts';

/** Wallet balance; quantities stay decimal strings (Daml `Decimal`, 10 fractional digits) to avoid float rounding. */
export interface Balance {
  round: number;
  unlocked: string;
  locked: string;
  holdingFees: string;
}

/** `GET /v0/wallet/user-status`: whether the token's user is onboarded and has a wallet install. */
export type UserStatus = AnyVersion<'wallet-internal', 'UserStatusResponse'>;

/** Input of {@link WalletClient.createTransferOffer}; field names as in `CreateTransferOfferRequest`. */
export interface CreateTransferOfferInput {
  receiver_party_id: string;
  /** Decimal string, e.g. `"1234.5"`. */
  amount: string;
  description: string;
  /** Expiry, sent as unix microseconds. */
  expires_at: Date;
  /** Deterministic per intent: a retry with the same id is refused ({@link TransferExists}) rather than paying twice. */
  tracking_id: string;
}

/** Input of {@link WalletClient.createTokenStandardTransfer}; the same fields as a transfer offer. */
export type CreateTokenStandardTransferInput = CreateTransferOfferInput;

/** Input of {@link WalletClient.sendViaPreapproval}. */
export interface PreapprovalSendInput {
  receiver_party_id: string;
  amount: string;
  /** Only one successful send per id within 24 h. */
  deduplication_id: string;
  description?: string;
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
export type TransferOfferStatus =
  | { status: 'created' | 'accepted' | 'completed'; contract_id: string; transaction_id: string }
  | { status: 'failed'; failure_kind: 'expired' | 'rejected' | 'withdrawn'; withdrawn_reason?: string };

/** What a token-standard transfer create did (`TransferInstructionResultOutput`). */
export type TransferInstructionResult =
  | { kind: 'pending'; transferInstructionCid: string }
  | { kind: 'completed'; receiverHoldingCids: string[] }
  | { kind: 'failed' };

/** An open token-standard transfer instruction where the user is sender or receiver (payload as Daml JSON). */
export interface TokenStandardTransfer {
  contractId: string;
  templateId: string;
  payload: Record<string, unknown>;
}

/** One entry of the wallet's transaction history (`POST /v0/wallet/transactions`), the fields the operator reads. */
export interface WalletHistoryEntry {
  eventId: string;
  date: Date;
  /** `transfer`, `balance_change`, `notification` or `unknown`. */
  type: string;
  /** The sending party (transfers only). */
  sender?: string;
  /** Who received how much (decimal strings); empty when nothing left the sender (e.g. an amount locked for a pending instruction). */
  receivers: { party: string; amount: string }[];
  /** The token-standard transfer instruction this entry created, completed or closed. */
  transferInstructionCid?: string;
  description?: string;
}

/** What the wallet's packages support (`GET /v0/feature-support`). */
export interface WalletFeatures {
  tokenStandard: boolean;
  /** Preapproval sends keep their description (so the wallet's history can show them by it). */
  preapprovalDescription: boolean;
}

/** Client for one validator app's wallet API. */
export class WalletClient {
  readonly #http: JsonHttp;
  readonly #validate;

  constructor(opts: SpliceClientOptions) {
    this.#http = new JsonHttp({ ...opts, api: 'wallet', mapApiError: (err) => (isNoWalletAnswer(err) ? new WalletUserNotOnboarded(err) : (opts.mapApiError?.(err) ?? err)) });
    const v = apiVersionOf(opts);
    this.#validate = {
      userStatus: envelopeAnd<UserStatus>(v, 'wallet.userStatus'),
      balance: envelopeAnd<AnyVersion<'wallet-internal', 'GetBalanceResponse'>>(v, 'wallet.getBalance', validateBalanceDecimals),
      createOffer: envelopeAnd<AnyVersion<'wallet-external', 'CreateTransferOfferResponse'>>(v, 'wallet.createTransferOffer'),
      offerStatus: envelopeAnd<AnyVersion<'wallet-external', 'GetTransferOfferStatusResponse'>>(v, 'wallet.getTransferOfferStatus'),
      // List items are opaque contracts in the spec: the element type comes from the payload schema.
      offers: envelopeAnd<unknown, TransferOffersPayloads>(v, 'wallet.listTransferOffers', validateTransferOffersPayloads),
      acceptOffer: envelopeAnd<AnyVersion<'wallet-internal', 'AcceptTransferOfferResponse'>>(v, 'wallet.acceptTransferOffer'),
      tokenTransfer: envelopeAnd<AnyVersion<'wallet-internal', 'TransferInstructionResultResponse'>>(v, 'wallet.createTokenStandardTransfer'),
      tokenTransfers: envelopeAnd<AnyVersion<'wallet-internal', 'ListTokenStandardTransfersResponse'>>(v, 'wallet.listTokenStandardTransfers'),
      preapproval: envelopeAnd<AnyVersion<'wallet-internal', 'CreateTransferPreapprovalResponse'>>(v, 'wallet.createTransferPreapproval'),
      acceptTokenTransfer: envelopeAnd<AnyVersion<'wallet-internal', 'TransferInstructionResultResponse'>>(v, 'wallet.acceptTokenStandardTransfer'),
      transactions: envelopeAnd<AnyVersion<'wallet-internal', 'ListTransactionsResponse'>>(v, 'wallet.listTransactions'),
      features: envelopeAnd<AnyVersion<'wallet-internal', 'WalletFeatureSupportResponse'>>(v, 'wallet.featureSupport'),
    };
  }

  /** `GET /api/validator/v0/wallet/balance`. */
  async getBalance(signal?: AbortSignal): Promise<Balance> {
    const b = await this.#http.request({ operation: 'getBalance', method: 'GET', path: operationPath('wallet.getBalance'), validate: this.#validate.balance, signal });
    return { round: b.round, unlocked: b.effective_unlocked_qty, locked: b.effective_locked_qty, holdingFees: b.total_holding_fees };
  }

  /** `GET /api/validator/v0/wallet/user-status`: the user's party, and whether it is onboarded and has a wallet. */
  async getUserStatus(signal?: AbortSignal): Promise<UserStatus> {
    return this.#http.request({ operation: 'userStatus', method: 'GET', path: operationPath('wallet.userStatus'), validate: this.#validate.userStatus, signal });
  }

  /** `POST /api/validator/v0/wallet/transfer-offers`; resolves the offer's contract id. Duplicate tracking id → {@link TransferExists}. */
  async createTransferOffer(input: CreateTransferOfferInput, signal?: AbortSignal): Promise<string> {
    const body: EveryVersion<'wallet-external', 'CreateTransferOfferRequest'> = { ...input, expires_at: input.expires_at.getTime() * 1000 };
    const res = await this.#http.request({
      operation: 'createTransferOffer',
      method: 'POST',
      path: operationPath('wallet.createTransferOffer'),
      body,
      validate: this.#validate.createOffer,
      mapApiError: conflictIsDuplicate(input.tracking_id),
      signal,
    });
    return res.offer_contract_id;
  }

  /** `POST /api/validator/v0/wallet/transfer-offers/{tracking_id}/status`; an unknown tracking id is {@link TransferUnknown}. */
  async getTransferOfferStatus(trackingId: string, signal?: AbortSignal): Promise<TransferOfferStatus> {
    const b = await this.#http.request({
      operation: 'getTransferOfferStatus',
      method: 'POST',
      path: operationPath('wallet.getTransferOfferStatus', { tracking_id: trackingId }),
      validate: this.#validate.offerStatus,
      mapApiError: (err) => (err.status === 404 ? new TransferUnknown(err, trackingId) : err),
      signal,
    });
    if (b.status === 'failed') return { status: 'failed', failure_kind: b.failure_kind, ...(b.withdrawn_reason === undefined ? {} : { withdrawn_reason: b.withdrawn_reason }) };
    return { status: b.status, contract_id: b.contract_id, transaction_id: b.transaction_id };
  }

  /** `GET /api/validator/v0/wallet/transfer-offers`: open offers where the user is sender or receiver. */
  async listTransferOffers(signal?: AbortSignal): Promise<TransferOffer[]> {
    const body = await this.#http.request({ operation: 'listTransferOffers', method: 'GET', path: operationPath('wallet.listTransferOffers'), validate: this.#validate.offers, signal });
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
      path: operationPath('wallet.acceptTransferOffer', { contract_id: contractId }),
      validate: this.#validate.acceptOffer,
      signal,
    });
    return res.accepted_offer_contract_id;
  }

  /**
   * `POST /api/validator/v0/wallet/token-standard/transfers` (present in 0.4.15 and 0.6.12): a transfer the receiver
   * accepts (or that completes at once when the receiver has a preapproval). A reused tracking id is
   * {@link TransferExists}; 429 (same id still in flight) is `RateLimited`.
   */
  async createTokenStandardTransfer(input: CreateTokenStandardTransferInput, signal?: AbortSignal): Promise<TransferInstructionResult> {
    const body: EveryVersion<'wallet-internal', 'CreateTokenStandardTransferRequest'> = { ...input, expires_at: input.expires_at.getTime() * 1000 };
    const res = await this.#http.request({
      operation: 'createTokenStandardTransfer',
      method: 'POST',
      path: operationPath('wallet.createTokenStandardTransfer'),
      body,
      validate: this.#validate.tokenTransfer,
      mapApiError: conflictIsDuplicate(input.tracking_id),
      signal,
    });
    return instructionResult(res.output);
  }

  /** `GET /api/validator/v0/wallet/token-standard/transfers`: open transfer instructions of the user (sender or receiver). */
  async listTokenStandardTransfers(signal?: AbortSignal): Promise<TokenStandardTransfer[]> {
    const body = await this.#http.request({ operation: 'listTokenStandardTransfers', method: 'GET', path: operationPath('wallet.listTokenStandardTransfers'), validate: this.#validate.tokenTransfers, signal });
    return body.transfers.map((c) => ({ contractId: c.contract_id, templateId: c.template_id, payload: c.payload }));
  }

  /** `POST /api/validator/v0/wallet/token-standard/transfers/{contract_id}/accept`: the receiver accepts a pending transfer. */
  async acceptTokenStandardTransfer(contractId: string, signal?: AbortSignal): Promise<TransferInstructionResult> {
    const res = await this.#http.request({
      operation: 'acceptTokenStandardTransfer',
      method: 'POST',
      path: operationPath('wallet.acceptTokenStandardTransfer', { contract_id: contractId }),
      validate: this.#validate.acceptTokenTransfer,
      signal,
    });
    return instructionResult(res.output);
  }

  /**
   * `POST /api/validator/v0/wallet/transactions`: one page of the wallet's history, newest first; the next page starts
   * after the last entry's event id.
   */
  async listTransactions(page: { pageSize: number; beginAfterId?: string }, signal?: AbortSignal): Promise<WalletHistoryEntry[]> {
    const body: EveryVersion<'wallet-internal', 'ListTransactionsRequest'> = { page_size: page.pageSize, ...(page.beginAfterId ? { begin_after_id: page.beginAfterId } : {}) };
    const res = await this.#http.request({ operation: 'listTransactions', method: 'POST', path: operationPath('wallet.listTransactions'), body, validate: this.#validate.transactions, signal });
    return res.items.map(historyEntry);
  }

  /** `GET /api/validator/v0/feature-support`; undefined when the wallet predates the endpoint (404). */
  async featureSupport(signal?: AbortSignal): Promise<WalletFeatures | undefined> {
    try {
      const f = await this.#http.request({ operation: 'featureSupport', method: 'GET', path: operationPath('wallet.featureSupport'), validate: this.#validate.features, signal });
      return { tokenStandard: f.token_standard, preapprovalDescription: f.transfer_preapproval_description };
    } catch (err) {
      if (err instanceof ApiError && err.status === 404 && !(err instanceof WalletUserNotOnboarded)) return undefined;
      throw err;
    }
  }

  /**
   * `POST /api/validator/v0/wallet/transfer-preapproval/send`: pays a receiver that has a transfer preapproval (look it
   * up with `ScanClient.lookupTransferPreapproval`). One success per deduplication id in 24 h; a repeat is
   * {@link TransferExists}.
   */
  async sendViaPreapproval(input: PreapprovalSendInput, signal?: AbortSignal): Promise<void> {
    const body: EveryVersion<'wallet-internal', 'TransferPreapprovalSendRequest'> = { ...input };
    await this.#http.request({
      operation: 'transferPreapprovalSend',
      method: 'POST',
      path: operationPath('wallet.transferPreapprovalSend'),
      body,
      mapApiError: conflictIsDuplicate(input.deduplication_id),
      signal,
    });
  }

  /**
   * `POST /api/validator/v0/wallet/transfer-preapproval` on the *receiver's* wallet: lets senders pay it directly.
   * Resolves the preapproval's contract id; `alreadyExisted` when the wallet answered 409 (it exists).
   */
  async createTransferPreapproval(signal?: AbortSignal): Promise<{ contractId: string | undefined; alreadyExisted: boolean }> {
    try {
      const b = await this.#http.request({ operation: 'createTransferPreapproval', method: 'POST', path: operationPath('wallet.createTransferPreapproval'), validate: this.#validate.preapproval, signal });
      return { contractId: b.transfer_preapproval_contract_id, alreadyExisted: false };
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) return { contractId: undefined, alreadyExisted: true };
      throw err;
    }
  }
}

/** `TransferInstructionResultOutput` (a oneOf without a discriminator) in the client's terms. */
function instructionResult(output: object): TransferInstructionResult {
  const out = output as Record<string, unknown>;
  if (typeof out.transfer_instruction_cid === 'string') return { kind: 'pending', transferInstructionCid: out.transfer_instruction_cid };
  if (Array.isArray(out.receiver_holding_cids)) return { kind: 'completed', receiverHoldingCids: out.receiver_holding_cids.filter((c): c is string => typeof c === 'string') };
  return { kind: 'failed' };
}

/** A history item of either version in {@link WalletHistoryEntry} terms (fields outside the base are optional per type). */
function historyEntry(item: AnyVersion<'wallet-internal', 'ListTransactionsResponse'>['items'][number]): WalletHistoryEntry {
  const x = item as { event_id: string; date: string; transaction_type: string; sender?: { party: string }; receivers?: { party: string; amount: string }[]; transfer_instruction_cid?: string; description?: string };
  return {
    eventId: x.event_id,
    date: new Date(x.date),
    type: x.transaction_type,
    ...(x.sender ? { sender: x.sender.party } : {}),
    receivers: x.receivers ?? [],
    ...(x.transfer_instruction_cid ? { transferInstructionCid: x.transfer_instruction_cid } : {}),
    ...(x.description ? { description: x.description } : {}),
  };
}

/** 409 on a create with `id`: the earlier create with this id counts. */
function conflictIsDuplicate(id: string): (err: ApiError) => Error {
  return (err) => (err.status === 409 ? new TransferExists(err, id) : err);
}
