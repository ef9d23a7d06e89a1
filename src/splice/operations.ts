/**
 * The Splice API operations the clients call, per upstream OpenAPI file, and the Splice versions whose specs the
 * clients are generated from. `scripts/splice-codegen.ts` reads this table to generate, per version, the TypeScript
 * types (src/splice/generated/<version>/*.ts, openapi-typescript) and the response schemas the clients validate with
 * (src/splice/generated/<version>/response-schemas.ts); `src/splice/generated.test.ts` fails when a listed operation
 * is missing from a version or its response differs between versions without a `versionDifference` note here.
 * A new Splice version: add it to {@link SPLICE_API_VERSIONS}, put its fixture set beside the others, run
 * `npm run generate:splice`.
 */

/** The Splice versions the clients know, oldest first (fixtures: ../shared/upstream/splice-<version>/). */
export const SPLICE_API_VERSIONS = ['0.4.15', '0.6.12'] as const;

/** One supported Splice API version. */
export type SpliceApiVersion = (typeof SPLICE_API_VERSIONS)[number];

/** The newest known version: what the clients validate against unless told otherwise (newer networks add fields). */
export const NEWEST_SPLICE_API_VERSION: SpliceApiVersion = '0.6.12';

/** Whether `v` is a version the clients have specs for. */
export function isSpliceApiVersion(v: string): v is SpliceApiVersion {
  return (SPLICE_API_VERSIONS as readonly string[]).includes(v);
}

/** The upstream OpenAPI files the clients use, and the URL prefix each app serves them under. */
export const SPEC_FILES = {
  scan: { file: 'apps/scan/src/main/openapi/scan.yaml', prefix: '/api/scan' },
  'sv-internal': { file: 'apps/sv/src/main/openapi/sv-internal.yaml', prefix: '/api/sv' },
  'wallet-internal': { file: 'apps/wallet/src/main/openapi/wallet-internal.yaml', prefix: '/api/validator' },
  'wallet-external': { file: 'apps/wallet/src/main/openapi/wallet-external.yaml', prefix: '/api/validator' },
} as const;

/** Name of one upstream OpenAPI file. */
export type SpecFile = keyof typeof SPEC_FILES;

/** One operation as the spec declares it. */
export interface OperationSpec {
  spec: SpecFile;
  method: 'get' | 'post';
  /** Path inside the spec (without the app prefix), with `{param}` placeholders. */
  path: string;
  operationId: string;
  /** Why the 2xx response schema legitimately differs between versions (the drift test requires a note). */
  versionDifference?: string;
}

/** Every operation a client in src/splice calls. Keys are `<client>.<operationId>`. */
export const OPERATIONS = {
  'scan.getVersion': { spec: 'scan', method: 'get', path: '/version', operationId: 'getVersion' },
  'scan.getDsoInfo': { spec: 'scan', method: 'get', path: '/v0/dso', operationId: 'getDsoInfo' },
  'scan.listDsoRulesVoteRequests': { spec: 'scan', method: 'get', path: '/v0/admin/sv/voterequests', operationId: 'listDsoRulesVoteRequests' },
  'scan.listVoteRequestResults': {
    spec: 'scan',
    method: 'post',
    path: '/v0/admin/sv/voteresults',
    operationId: 'listVoteRequestResults',
    versionDifference: 'next_page_token (and the pageToken request field) exist from 0.6.10 on',
  },
  'scan.lookupTransferPreapprovalByParty': { spec: 'scan', method: 'get', path: '/v0/transfer-preapprovals/by-party/{party}', operationId: 'lookupTransferPreapprovalByParty' },
  'sv.getVersion': { spec: 'sv-internal', method: 'get', path: '/version', operationId: 'getVersion' },
  'sv.getDsoInfo': { spec: 'sv-internal', method: 'get', path: '/v0/dso', operationId: 'getDsoInfo' },
  'sv.createVoteRequest': { spec: 'sv-internal', method: 'post', path: '/v0/admin/sv/voterequest/create', operationId: 'createVoteRequest' },
  'sv.listDsoRulesVoteRequests': { spec: 'sv-internal', method: 'get', path: '/v0/admin/sv/voterequests', operationId: 'listDsoRulesVoteRequests' },
  'sv.listVoteRequestResults': {
    spec: 'sv-internal',
    method: 'post',
    path: '/v0/admin/sv/voteresults',
    operationId: 'listVoteRequestResults',
    versionDifference: 'next_page_token (and the pageToken request field) exist from 0.6.10 on',
  },
  'sv.castVote': { spec: 'sv-internal', method: 'post', path: '/v0/admin/sv/votes', operationId: 'castVote' },
  'sv.isAuthorized': { spec: 'sv-internal', method: 'get', path: '/v0/admin/authorization', operationId: 'isAuthorized' },
  'sv.getSvOnboardingStatus': { spec: 'sv-internal', method: 'get', path: '/v0/onboard/sv/status/{candidate_party_id_or_name}', operationId: 'getSvOnboardingStatus' },
  'wallet.userStatus': { spec: 'wallet-internal', method: 'get', path: '/v0/wallet/user-status', operationId: 'userStatus' },
  'wallet.getBalance': { spec: 'wallet-internal', method: 'get', path: '/v0/wallet/balance', operationId: 'getBalance' },
  'wallet.acceptTransferOffer': { spec: 'wallet-internal', method: 'post', path: '/v0/wallet/transfer-offers/{contract_id}/accept', operationId: 'acceptTransferOffer' },
  'wallet.createTransferPreapproval': { spec: 'wallet-internal', method: 'post', path: '/v0/wallet/transfer-preapproval', operationId: 'createTransferPreapproval' },
  'wallet.transferPreapprovalSend': { spec: 'wallet-internal', method: 'post', path: '/v0/wallet/transfer-preapproval/send', operationId: 'transferPreapprovalSend' },
  'wallet.createTokenStandardTransfer': { spec: 'wallet-internal', method: 'post', path: '/v0/wallet/token-standard/transfers', operationId: 'createTokenStandardTransfer' },
  'wallet.listTokenStandardTransfers': { spec: 'wallet-internal', method: 'get', path: '/v0/wallet/token-standard/transfers', operationId: 'listTokenStandardTransfers' },
  'wallet.featureSupport': { spec: 'wallet-internal', method: 'get', path: '/v0/feature-support', operationId: 'featureSupport' },
  'wallet.acceptTokenStandardTransfer': { spec: 'wallet-internal', method: 'post', path: '/v0/wallet/token-standard/transfers/{contract_id}/accept', operationId: 'acceptTokenStandardTransfer' },
  'wallet.listTransactions': {
    spec: 'wallet-internal',
    method: 'post',
    path: '/v0/wallet/transactions',
    operationId: 'listTransactions',
    versionDifference: 'transfer items require provider and amulet_price up to 0.4.x, development_fund_coupons_used from 0.5 on',
  },
  'wallet.createTransferOffer': { spec: 'wallet-external', method: 'post', path: '/v0/wallet/transfer-offers', operationId: 'createTransferOffer' },
  'wallet.listTransferOffers': { spec: 'wallet-external', method: 'get', path: '/v0/wallet/transfer-offers', operationId: 'listTransferOffers' },
  'wallet.getTransferOfferStatus': { spec: 'wallet-external', method: 'post', path: '/v0/wallet/transfer-offers/{tracking_id}/status', operationId: 'getTransferOfferStatus' },
} as const satisfies Record<string, OperationSpec>;

/** Key of one operation in {@link OPERATIONS}. */
export type OperationKey = keyof typeof OPERATIONS;

/** The request path of `key` under its app prefix, with path parameters filled in (URL-encoded). */
export function operationPath(key: OperationKey, params: Record<string, string> = {}): string {
  const op: OperationSpec = OPERATIONS[key];
  const path = op.path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    const v = params[name];
    if (v === undefined) throw new Error(`operation ${key}: missing path parameter ${name}`);
    return encodeURIComponent(v);
  });
  return `${SPEC_FILES[op.spec].prefix}${path}`;
}
