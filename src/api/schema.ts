/**
 * The SvKmsMigration schema: the one source of truth for the API.
 *
 * `npm run generate` turns it into the CRD (`crds/`) and the TypeScript types (`src/api/types.generated.ts`); a test
 * fails when either committed file differs from what the generator makes. The CEL rules below run in the API server at
 * admission and, through `validate.ts`, in `sv-kms validate` where no API server is in the loop.
 */
import { bool, int, list, map, obj, str, type JsonSchema } from './schema-builders.ts';
import * as P from './patterns.ts';
import { STATUS_PHASES } from './phases.ts';

export const GROUP = 'svkms.dev';
export const VERSION = 'v1alpha1';
export const KIND = 'SvKmsMigration';
export const PLURAL = 'svkmsmigrations';
export const SINGULAR = 'svkmsmigration';
export const SHORT_NAMES = ['skm'];
export const API_VERSION = `${GROUP}/${VERSION}`;

/** How many SV names status.votes[].notVoted holds at most; notVotedCount is the whole count. */
export const NOT_VOTED_LISTED = 64;

export const DEFAULT_GOVERNANCE_KEY_SECRET = 'splice-app-sv-cometbft-governance-key';
export const DEFAULT_IDENTITY_KEY_SECRET = 'splice-app-sv-key';

const url = (description: string): JsonSchema => str(description, { pattern: P.HTTP_URL, maxLength: 2048 });
const duration = (description: string, defaultValue?: string): JsonSchema =>
  str(description, { pattern: P.DURATION, maxLength: 12, ...(defaultValue ? { default: defaultValue } : {}) });
const dataKey = (description: string, defaultValue: string): JsonSchema =>
  str(description, { pattern: P.DATA_KEY, maxLength: 253, default: defaultValue });
const objectName = (description: string, extra: Partial<JsonSchema> = {}): JsonSchema =>
  str(description, { pattern: P.DNS_SUBDOMAIN, maxLength: 253, ...extra });
const namespace = (description: string): JsonSchema => str(description, { pattern: P.DNS_LABEL, maxLength: 63 });
const svName = (description: string): JsonSchema => str(description, { pattern: P.SV_NAME, minLength: 1, maxLength: 128 });
const immutable = (what: string) => ({
  rule: 'self == oldSelf',
  message: `${what} is immutable: create a new SvKmsMigration to change it`,
});

const auth = (whose: string): JsonSchema =>
  obj(
    `OAuth2 client-credentials settings the operator uses to call ${whose}. The token's primary party must be the SV party.`,
    {
      tokenUrl: url('Token endpoint of the identity provider (client-credentials grant).'),
      audience: str('Audience (`aud`) the SV app expects in its tokens, e.g. `https://sv.example.com`.', { minLength: 1, maxLength: 512 }),
      walletAudience: str('Audience the validator app (wallet API) expects, when it differs from `audience`.', { minLength: 1, maxLength: 512 }),
      scope: str('Optional OAuth2 scope to request.', { maxLength: 512 }),
      clientSecretRef: obj(
        'Secret in the migration\'s own namespace holding the OAuth2 client id and secret.',
        {
          name: objectName('Name of the Secret.'),
          clientIdKey: dataKey('Key of the client id in the Secret.', 'clientId'),
          clientSecretKey: dataKey('Key of the client secret in the Secret.', 'clientSecret'),
        },
        { required: ['name'] },
      ),
    },
    { required: ['tokenUrl', 'audience', 'clientSecretRef'] },
  );

const baseValues = (chart: string): JsonSchema =>
  obj(
    `Your own values for the ${chart} chart, merged underneath the operator's. Keys the operator sets win; a conflicting ` +
      'value is reported in status, not silently dropped.',
    {
      configMapRef: obj(
        'ConfigMap in the migration\'s namespace that holds the values as YAML.',
        { name: objectName('Name of the ConfigMap.'), key: dataKey('Key of the YAML document in the ConfigMap.', 'values.yaml') },
        { required: ['name'] },
      ),
    },
    { required: ['configMapRef'] },
  );

const keySecret = (what: string, defaultName: string, detail: string): JsonSchema =>
  obj(
    `The ${what}. ${detail} An existing Secret is adopted after checking it and is never overwritten, regenerated or ` +
      'deleted, not even when the migration is deleted.',
    {
      secretName: objectName(`Name of the Secret in newSv.namespace (data keys \`public\` and \`private\`).`, { default: defaultName }),
      generate: bool('Generate the key pair when the Secret does not exist. When false, the Secret must be provided.', true),
    },
    { default: {} },
  );

const backoff = (what: string, defaults: { initialDelay: string; maxDelay: string; maxRetries: number }): JsonSchema =>
  obj(
    `Exponential backoff for ${what} (Canton \`retries\`).`,
    {
      initialDelay: duration('Delay before the first retry.', defaults.initialDelay),
      maxDelay: duration('Upper bound of the delay between retries.', defaults.maxDelay),
      maxRetries: int('Maximum number of retries (2147483647 = forever).', { minimum: 0, maximum: 2147483647, default: defaults.maxRetries }),
    },
    { default: {} },
  );

const approved = (what: string): JsonSchema =>
  bool(`Opens the gate for ${what}. Flip it to true (for example in a Git commit) once the other SV operators agree.`, false);

const attempt = (what: string): JsonSchema =>
  int(
    `Attempt number of ${what}. A rejected or expired vote is never requested again on its own: raise this number to ` +
      'request a new vote.',
    { minimum: 1, maximum: 100, default: 1 },
  );

const reasonUrl = (what: string): JsonSchema =>
  str(`Link sent as the reason of ${what} (the configs-repo PR or the SV announcement the other SV operators review). The network's process votes down a weight change without one.`, { maxLength: 1024, pattern: '^(https?://\\S+)?$' });

const voteExpiration = duration(
  'How long the vote request stays open for the other SVs (e.g. `168h`). Default: 5 business days (Monday to Friday, UTC) from the request, ' +
    'the standard proposal expiration of the Global Synchronizer\'s governance process.',
);

/** The timing and voter settings every vote gate has. */
const voteGateFields = (what: string): Record<string, JsonSchema> => ({
  voteExpiration,
  effectiveAt: str(
    `When the accepted ${what} takes effect (RFC 3339, UTC). Default: one day after the vote closes (the process wants at least a full day between expiry and effect). ` +
      'Must not be before the vote closes: the ledger refuses such a request.',
    { pattern: P.RFC3339_UTC, maxLength: 35 },
  ),
  effectiveAtThreshold: bool(
    `Let the accepted ${what} take effect as soon as enough SVs accept, without an effective date. For emergencies only: the process asks for an effective date by default.`,
    false,
  ),
  reasonUrl: reasonUrl(`the ${what} vote`),
  mode: str(
    'Who requests the vote. Operator: the operator, through the old SV\'s SV app (needs its OAuth2 client). External: you (the SV UI, ' +
      'a governance-voter identity, or another tool) request it with the exact action the operator publishes in status.governance.externalVote; ' +
      'the operator then only follows it through the Scans and needs no SV-app credentials.',
    { enum: ['Operator', 'External'], default: 'Operator' },
  ),
});

const awsSpec = obj(
  'AWS KMS settings (Canton `crypto.kms` with `type = aws`). Required when provider is `aws`, forbidden otherwise.',
  {
    region: str('AWS region of the keys, e.g. `us-east-1`.', { pattern: P.AWS_REGION, maxLength: 32 }),
    multiRegionKey: bool('Create multi-region keys (Canton `multi-region-key`).', false),
    auditLogging: bool('Log every KMS call in the participant (Canton `audit-logging`).', false),
    endpointOverride: url('Custom KMS endpoint URL (VPC endpoint, FIPS endpoint, or a test server). Canton `endpoint-override`.'),
    disableSslVerification: bool(
      'Disable TLS verification towards the KMS. Only for tests; Canton requires non-standard-config for it.',
      false,
    ),
    customTags: map(
      'Extra tags on keys Canton creates (Canton `custom-tags`, needs Canton 3.5.8 or later). Canton always adds ' +
        '`CreatedBy=Canton`. Keys are kept verbatim.',
      str('Tag value.', { pattern: P.AWS_TAG, maxLength: 256 }),
      {
        maxProperties: 40,
        'x-kubernetes-validations': [
          { rule: 'self.all(k, size(k) >= 1 && size(k) <= 128 && k.matches(\'^[A-Za-z0-9 +=._:/@-]+$\'))', message: 'tag keys must be 1 to 128 characters of letters, digits, spaces and + - = . _ : / @' },
          { rule: 'self.all(k, !k.startsWith(\'aws:\'))', message: 'tag keys starting with aws: are reserved by AWS' },
          { rule: '!(\'CreatedBy\' in self)', message: 'the tag CreatedBy is set by Canton itself; choose another key' },
        ],
      },
    ),
  },
  { required: ['region'] },
);

const gcpSpec = obj(
  'Google Cloud KMS settings (Canton `crypto.kms` with `type = gcp`). Required when provider is `gcp`, forbidden otherwise. ' +
    'The key ring must exist; Canton creates the keys in it.',
  {
    projectId: str('GCP project of the key ring.', { pattern: P.GCP_PROJECT_ID, maxLength: 30 }),
    locationId: str('Location of the key ring, e.g. `us-east1` or `global`.', { pattern: P.GCP_LOCATION_ID, maxLength: 63 }),
    keyRingId: str('Id of the existing key ring.', { pattern: P.GCP_KEY_RING_ID, maxLength: 63 }),
    auditLogging: bool('Log every KMS call in the participant (Canton `audit-logging`).', false),
    endpointOverride: str('Custom Cloud KMS gRPC endpoint as `host:port` (not a URL). Canton `endpoint-override`.', {
      pattern: P.HOST_PORT,
      maxLength: 261,
    }),
  },
  { required: ['projectId', 'locationId', 'keyRingId'] },
);

const kmsSpec = obj(
  'The external KMS of the new participant. Rendered into the `kms` values of the splice-participant chart.',
  {
    provider: str('Target KMS provider. Immutable.', { enum: ['aws', 'gcp'], 'x-kubernetes-validations': [immutable('spec.kms.provider')] }),
    aws: awsSpec,
    gcp: gcpSpec,
    cantonVersion: str(
      'Canton version of the participant image (e.g. `3.5.8`, snapshots such as `3.5.14-snapshot.20260801.123.0.vabc` ' +
        'accepted), when it differs from the one spec.splice.version ships. Settings the version does not know are rejected.',
      { pattern: P.CANTON_VERSION, maxLength: 64 },
    ),
    retries: obj(
      'Canton\'s retries of KMS calls.',
      {
        failures: backoff('failed KMS calls', { initialDelay: '500ms', maxDelay: '10s', maxRetries: 2147483647 }),
        createKeyCheck: backoff('waiting until a created key is usable', { initialDelay: '100ms', maxDelay: '10s', maxRetries: 20 }),
      },
    ),
    credentials: obj(
      'How the participant (and the operator\'s preflight) authenticates to the KMS: exactly one of `secretRef` ' +
        '(static credentials) or `serviceAccountName` (workload identity / IRSA).',
      {
        secretRef: obj(
          'Secret in newSv.namespace with static credentials. AWS: access key id and secret access key (and optionally a ' +
            'session token). GCP: a service-account JSON credentials file. The operator reads the copy in the migration\'s ' +
            'namespace for its preflight.',
          {
            name: objectName('Name of the Secret.'),
            accessKeyIdKey: dataKey('AWS: key holding the access key id.', 'accessKeyId'),
            secretAccessKeyKey: dataKey('AWS: key holding the secret access key.', 'secretAccessKey'),
            sessionTokenKey: str('AWS: key holding a session token, if any.', { pattern: P.DATA_KEY, maxLength: 253 }),
            googleCredentialsKey: dataKey('GCP: key holding the credentials JSON file.', 'googleCredentials'),
          },
          { required: ['name'] },
        ),
        serviceAccountName: objectName(
          'Kubernetes ServiceAccount of the participant pod, bound to a cloud identity (GKE Workload Identity, EKS IRSA or ' +
            'Pod Identity). The operator\'s preflight then uses its own ambient credentials.',
        ),
      },
      {
        'x-kubernetes-validations': [
          {
            rule: 'has(self.secretRef) != has(self.serviceAccountName)',
            message: 'set exactly one of spec.kms.credentials.secretRef or spec.kms.credentials.serviceAccountName',
          },
        ],
      },
    ),
    sessionKeys: obj(
      'Session keys of the participant. Encryption: the session encryption key cache (Canton ' +
        '`parameters.caching.session-encryption-key-cache`); a longer lifetime means fewer KMS calls (lower cost, lower ' +
        'latency) but session keys stay longer in memory, where a memory snapshot could expose them. Canton\'s own default ' +
        'depends on the version: 1h and 100000 entries from Splice 0.5.14, 10s and 10000 before; the operator renders the ' +
        'cache only when these fields differ from that default.',
      {
        encryptionKeyCacheTtl: duration('Lifetime of a cached session encryption key (sender and receiver cache). Default: the version\'s own (1h from Splice 0.5.14, 10s before).'),
        encryptionKeyCacheSize: int('Maximum number of cached session encryption keys per cache. Default: the version\'s own (100000 from Splice 0.5.14, 10000 before).', {
          minimum: 1,
          maximum: 10000000,
        }),
        signing: obj(
          'Session signing keys (Canton `session-signing-keys`, rendered at the path the Canton version reads): the ' +
            'participant signs protocol messages with short-lived keys that a KMS key certifies, which takes at least 90 % ' +
            'of KMS sign calls (cost, latency) away, at the price of short-lived private signing keys held in the ' +
            'participant\'s memory.',
          {
            enabled: bool('Use session signing keys. Default: on from Splice 0.7.2 (where upstream supports them), off before.'),
          },
        ),
      },
      { default: {} },
    ),
    extraConfig: obj(
      'Further Canton `crypto.kms` settings, camelCase as in the chart\'s `kms` values. Keys are checked against Canton\'s ' +
        'known set (with a "did you mean" on a typo) unless allowUnknownExtraConfigKeys is true.',
      {},
      { 'x-kubernetes-preserve-unknown-fields': true, maxProperties: 32 },
    ),
    allowUnknownExtraConfigKeys: bool('Pass extraConfig keys that are not in the operator\'s catalogue of Canton settings.', false),
  },
  {
    required: ['provider', 'credentials'],
    'x-kubernetes-validations': [
      { rule: 'self.provider != \'aws\' || has(self.aws)', message: 'spec.kms.aws is required when spec.kms.provider is aws', fieldPath: '.aws', reason: 'FieldValueRequired' },
      { rule: 'self.provider != \'aws\' || !has(self.gcp)', message: 'spec.kms.gcp must not be set when spec.kms.provider is aws', fieldPath: '.gcp', reason: 'FieldValueForbidden' },
      { rule: 'self.provider != \'gcp\' || has(self.gcp)', message: 'spec.kms.gcp is required when spec.kms.provider is gcp', fieldPath: '.gcp', reason: 'FieldValueRequired' },
      { rule: 'self.provider != \'gcp\' || !has(self.aws)', message: 'spec.kms.aws must not be set when spec.kms.provider is gcp', fieldPath: '.aws', reason: 'FieldValueForbidden' },
    ],
  },
);

const oldSvSpec = obj(
  'The SV being replaced: it keeps running until the hand-over is done.',
  {
    name: svName('SV name as in DsoRules.svs (e.g. `Acme-1`).'),
    namespace: namespace('Namespace where the old SV runs in this cluster. Needed for retirement (scaling it to zero).'),
    svAppUrl: url('Base URL of the old SV\'s SV app (e.g. `https://sv.sv.acme.example.com`), used to request governance votes.'),
    walletUrl: url('Base URL of the old SV\'s validator app (wallet API), used for the asset transfer.'),
    auth: auth('the old SV\'s SV app (and its wallet when walletUsesSvAppAuth is true). Required unless both vote gates are External and the asset transfer is Manual or has its own walletAuth: then the operator never calls the SV app'),
    walletAuth: auth(
      'the old SV\'s wallet: a user of the validator\'s `validatorWalletUsers` (on an SV node only they have a wallet install; ' +
        'the SV example values\' `OPERATOR_WALLET_USER_ID`). Required for an Automatic asset transfer unless walletUsesSvAppAuth is true',
    ),
    walletUsesSvAppAuth: bool(
      'Reach the old SV\'s wallet with `auth`, the SV app\'s client, instead of a walletAuth of its own. Set it only when that ' +
        'client\'s user is a wallet user of the validator (in `validatorWalletUsers`): usually the SV app\'s client is a ' +
        'service user without a wallet. The preflight (SpliceAccessVerified) checks it either way.',
    ),
    extraBeneficiaries: list(
      'The old SV\'s extraBeneficiaries as in the configs repository\'s approved-sv-id-values.yaml: they move to the new SV (in the ' +
        'configs change of the weight transfer, and in the new SV app\'s values) before the weight does, or the beneficiaries lose their share.',
      obj('A beneficiary.', { beneficiary: str('Party id of the beneficiary.', { pattern: P.PARTY_ID, maxLength: 255 }), weight: str('Share in basis points, as a string (as in the file).', { pattern: '^[0-9]{1,6}$', maxLength: 6 }) }, { required: ['beneficiary', 'weight'] }),
      { maxItems: 32 },
    ),
    workloadSelector: map(
      'Labels selecting the old SV\'s Deployments and StatefulSets to scale to zero at retirement. Empty: all of them in namespace.',
      str('Label value.', { maxLength: 63 }),
      { maxProperties: 16 },
    ),
    participantDatabaseHost: str(
      'Postgres host of the old SV\'s participant (its `persistence.host`). From Splice 0.6.8 the participant chart ' +
        'refuses to create the new participant\'s database on a server that already holds a `participant%` database, so ' +
        'the new participant\'s base values naming the same host is reported by `sv-kms validate` and the operator.',
      { pattern: P.DB_HOST, maxLength: 253 },
    ),
  },
  {
    required: ['name', 'svAppUrl', 'walletUrl'],
    'x-kubernetes-validations': [
      {
        rule: '!has(self.walletAuth) || !has(self.walletUsesSvAppAuth) || !self.walletUsesSvAppAuth',
        message: 'spec.oldSv.walletAuth and spec.oldSv.walletUsesSvAppAuth: true exclude each other: give the wallet user\'s own client in walletAuth, or say that auth\'s user is a wallet user',
        fieldPath: '.walletUsesSvAppAuth',
      },
      {
        rule: '!has(self.walletUsesSvAppAuth) || !self.walletUsesSvAppAuth || has(self.auth)',
        message: 'spec.oldSv.walletUsesSvAppAuth is true but spec.oldSv.auth is not set: set auth, or give the wallet user\'s client in walletAuth instead',
        fieldPath: '.walletUsesSvAppAuth',
      },
    ],
  },
);

const newSvSpec = obj(
  'The fresh SV with KMS that takes over.',
  {
    name: {
      ...svName('SV name of the new SV; must differ from oldSv.name (names are unique among onboarded SVs). Immutable.'),
      'x-kubernetes-validations': [immutable('spec.newSv.name')],
    },
    namespace: namespace('Namespace where the new SV runs; the key Secrets are created here.'),
    governanceKey: keySecret(
      'CometBFT governance key (Ed25519)',
      DEFAULT_GOVERNANCE_KEY_SECRET,
      'A KMS participant cannot hold it, so it lives in a Secret and the sv-node chart reads it with ' +
        '`cometBFT.externalGovernanceKey: true`.',
    ),
    identityKey: keySecret(
      'SV identity key (P-256) used for join-with-key onboarding',
      DEFAULT_IDENTITY_KEY_SECRET,
      'Its public key goes into the approvedSvIdentities entry the other SVs add.',
    ),
    participant: obj(
      'The new participant, deployed by you (or your GitOps tool) with the splice-participant chart and the rendered values.',
      {
        releaseName: objectName('Helm release name of the participant; the chart names its Deployment after it (e.g. `participant-1`).', { maxLength: 53 }),
        baseValues: baseValues('splice-participant'),
      },
      { required: ['releaseName'] },
    ),
    svNode: obj(
      'The new SV node, deployed with the splice-sv-node chart and the rendered values.',
      {
        releaseName: objectName('Helm release name of the SV node.', { maxLength: 53, default: 'sv' }),
        sponsorApiUrl: url('SV app URL of the sponsoring SV for join-with-key onboarding (`joinWithKeyOnboarding.sponsorApiUrl`).'),
        nodeIdentifier: str('`nodeIdentifier` of the sv-node chart; defaults to newSv.name.', { pattern: P.SV_NAME, maxLength: 128 }),
        baseValues: baseValues('splice-sv-node'),
        copyVotesFromOldSv: bool(
          'Make the new SV app cast the same votes as the old SV (SV app `copy-votes-from`, Splice 0.6.1 and later) until ' +
            'the old SV is offboarded. Default: true on versions that have it.',
        ),
      },
      { required: ['sponsorApiUrl'] },
    ),
    svAppUrl: url('Base URL of the new SV\'s SV app (optional).'),
    walletUrl: url('Base URL of the new SV\'s validator app (optional): lets the operator accept the asset transfer on the new SV.'),
    auth: auth('the new SV\'s apps (needed with walletUrl)'),
  },
  {
    required: ['name', 'namespace', 'participant', 'svNode'],
    'x-kubernetes-validations': [
      { rule: '!has(self.walletUrl) || has(self.auth)', message: 'spec.newSv.auth is required when spec.newSv.walletUrl is set', fieldPath: '.auth', reason: 'FieldValueRequired' },
    ],
  },
);

const ONE_EFFECTIVE_TIME = {
  rule: '!(has(self.effectiveAt) && self.effectiveAtThreshold)',
  message: 'set either effectiveAt or effectiveAtThreshold, not both',
  fieldPath: '.effectiveAtThreshold',
};

/** On networks that follow the configs-repo process, an opened vote gate needs the link the other SVs review. */
const reasonUrlRequired = (gate: 'weightTransfer' | 'offboarding') => ({
  rule: `self.network.name in ['DevNet', 'Local'] || !self.workflow.${gate}.approved || self.workflow.${gate}.mode == 'External' || (has(self.workflow.${gate}.reasonUrl) && self.workflow.${gate}.reasonUrl != '')`,
  message: `spec.workflow.${gate}.reasonUrl is required to approve the vote on MainNet and TestNet: link the configs-repo PR (approved-sv-id-values.yaml) or the announcement the other SV operators review; a vote without one is voted down by default (set spec.network.name to DevNet or Local for a test network)`,
  fieldPath: `.workflow.${gate}.reasonUrl`,
});

const workflowSpec = obj(
  'Gates of the hand-over. Each step that needs the other SV operators waits until its `approved` is true, so a Git ' +
    'commit can open it.',
  {
    weightTransfer: obj(
      'Moving the old SV\'s reward weight to the new SV by two governance votes (new := old weight, old := 0).',
      {
        approved: approved('the weight transfer votes'),
        ...voteGateFields('weight change'),
        attempt: attempt('the weight transfer'),
      },
      { default: {}, 'x-kubernetes-validations': [ONE_EFFECTIVE_TIME] },
    ),
    assetTransfer: obj(
      'Moving the old SV wallet\'s Amulet balance.',
      {
        approved: approved('the asset transfer'),
        mode: str('Automatic: the operator sends the transfer (and accepts it on the new SV\'s wallet when newSv.walletUrl is set), and after offboarding sweeps what arrived late. Manual: the operator only reports the balance.', {
          enum: ['Automatic', 'Manual'],
          default: 'Automatic',
        }),
        method: str(
          'How Automatic mode moves Amulet. Auto: a send to the receiver\'s transfer preapproval when it has one (completes at once), else a token-standard transfer when the old SV\'s wallet supports it (GET /v0/feature-support), else a transfer offer. ' +
            'TransferPreapproval and TokenStandard are deduplicated by the wallet for its deduplication window (24 h): a send whose fate is unknown is repeated only within 12 h of being recorded, after that the migration stalls (TransferOutcomeUnknown) rather than risk paying twice. ' +
            'TransferOffer is the legacy path (deprecated upstream since Splice 0.4.11).',
          { enum: ['Auto', 'TokenStandard', 'TransferPreapproval', 'TransferOffer'], default: 'Auto' },
        ),
        receiverPartyId: str('Party that receives the assets; defaults to the new SV\'s party.', { pattern: P.PARTY_ID, maxLength: 255 }),
        reserve: str('Amount left on the old SV wallet (for fees), as a decimal string.', { pattern: P.AMOUNT, maxLength: 32, default: '0' }),
        attempt: attempt('the asset transfer'),
      },
      { default: {} },
    ),
    offboarding: obj(
      'Offboarding the old SV by governance vote.',
      { approved: approved('the offboarding vote'), ...voteGateFields('offboarding'), attempt: attempt('the offboarding') },
      { default: {}, 'x-kubernetes-validations': [ONE_EFFECTIVE_TIME] },
    ),
    retirement: obj(
      'Scaling the old SV\'s workloads in oldSv.namespace to zero. Nothing is deleted.',
      { approved: approved('the retirement') },
      { default: {} },
    ),
  },
  { default: {} },
);

const outputSpec = obj(
  'Where the rendered Helm values go. Both ConfigMaps are created in newSv.namespace.',
  {
    participantValues: obj(
      'ConfigMap with the splice-participant values (key `values.yaml`).',
      { configMapName: objectName('Name of the ConfigMap; default `<migration name>-participant-values`.') },
      { default: {} },
    ),
    svNodeValues: obj(
      'ConfigMap with the splice-sv-node values (key `values.yaml`).',
      { configMapName: objectName('Name of the ConfigMap; default `<migration name>-sv-node-values`.') },
      { default: {} },
    ),
    labels: map(
      'Extra labels on both ConfigMaps, e.g. `reconcile.fluxcd.io/watch: Enabled` so Flux reacts to changes.',
      str('Label value.', { maxLength: 63 }),
      { maxProperties: 16 },
    ),
  },
  { default: {} },
);

const networkSpec = obj(
  'The Splice network the SVs belong to.',
  {
    scanUrls: list('Scan API base URLs of several SVs (e.g. `https://scan.sv-1.example.com`). DSO state is read from all of them.', url('Scan base URL.'), {
      minItems: 1,
      maxItems: 32,
      'x-kubernetes-list-type': 'set',
    }),
    scanQuorum: int('Number of agreeing Scan answers needed before acting on DSO state. Default: a majority of scanUrls.', { minimum: 1, maximum: 32 }),
    name: str(
      'Which network: picks the file of the foundation\'s configs repository the operator writes changes for ' +
        '(configs/<name>/approved-sv-id-values.yaml) and how strict the governance rules are: on MainNet and TestNet a vote gate is ' +
        'approved only with a reasonUrl. DevNet and Local (your own test network) do not require one.',
      { enum: ['MainNet', 'TestNet', 'DevNet', 'Local'], default: 'MainNet' },
    ),
  },
  {
    required: ['scanUrls'],
    'x-kubernetes-validations': [
      {
        rule: '!has(self.scanQuorum) || self.scanQuorum <= size(self.scanUrls)',
        message: 'spec.network.scanQuorum must not exceed the number of spec.network.scanUrls',
        fieldPath: '.scanQuorum',
      },
    ],
  },
);

export const specSchema: JsonSchema = obj(
  'Desired hand-over from an SV whose participant keys live in its database to a fresh SV whose participant keys live in an external KMS.',
  {
    paused: bool('Stop all side effects (status is still observed). Use it to hold the migration during an incident.', false),
    splice: obj('The Splice release of the network and of the new SV.', {
      version: str(
        'Splice version (e.g. `0.7.4`, or a snapshot such as `0.7.5-snapshot.20260901.4.0.vabc`); the values are rendered ' +
          'for that version\'s charts. When absent, the operator reads it from the network; offline (`sv-kms render`) the ' +
          'newest version the operator knows is assumed. A version newer than the newest known is rendered as that one.',
        {
          pattern: P.SPLICE_VERSION,
          maxLength: 64,
          // Canton releases are 3.x, Splice ones 0.x (render/versions.ts: CANTON_MAJOR).
          'x-kubernetes-validations': [
            {
              rule: '!self.matches(\'^v?3\\\\.\')',
              message: 'must be a Splice version (0.x, e.g. 0.7.4), not a Canton one (3.x); a participant image of another Canton version goes in spec.kms.cantonVersion',
            },
          ],
        },
      ),
    }),
    network: networkSpec,
    oldSv: oldSvSpec,
    newSv: newSvSpec,
    kms: kmsSpec,
    output: outputSpec,
    workflow: workflowSpec,
  },
  {
    required: ['network', 'oldSv', 'newSv', 'kms'],
    'x-kubernetes-validations': [
      { rule: 'self.newSv.name != self.oldSv.name', message: 'spec.newSv.name must differ from spec.oldSv.name: SV names are unique among onboarded SVs', fieldPath: '.newSv.name' },
      reasonUrlRequired('weightTransfer'),
      reasonUrlRequired('offboarding'),
      {
        rule: "has(self.oldSv.auth) || (self.workflow.weightTransfer.mode == 'External' && self.workflow.offboarding.mode == 'External' && (self.workflow.assetTransfer.mode == 'Manual' || has(self.oldSv.walletAuth)))",
        message:
          'spec.oldSv.auth is required: the operator requests the votes through the old SV\'s SV app with it. ' +
          'It may be left out only when both vote gates have mode External and the asset transfer is Manual or has spec.oldSv.walletAuth',
        fieldPath: '.oldSv.auth',
      },
      {
        rule: "self.workflow.assetTransfer.mode != 'Automatic' || has(self.oldSv.walletAuth) || (has(self.oldSv.walletUsesSvAppAuth) && self.oldSv.walletUsesSvAppAuth)",
        message:
          'spec.oldSv.walletAuth is required for an Automatic asset transfer: the OAuth2 client of a user in the old SV validator\'s validatorWalletUsers, which the operator sends the transfer with. ' +
          'If spec.oldSv.auth\'s user is such a wallet user, set spec.oldSv.walletUsesSvAppAuth: true instead; or set spec.workflow.assetTransfer.mode to Manual',
        fieldPath: '.oldSv.walletAuth',
      },
    ],
  },
);

const condition = obj(
  'A condition in the metav1.Condition shape.',
  {
    type: str('Type of the condition, CamelCase (e.g. Ready, Stalled, GovernanceKeyReady).', { maxLength: 316 }),
    status: str('True, False or Unknown.', { enum: ['True', 'False', 'Unknown'] }),
    reason: str('CamelCase reason of the last transition.', { maxLength: 1024 }),
    message: str('What is wrong and what to do, for humans.', { maxLength: 32768 }),
    observedGeneration: int('The .metadata.generation the condition was computed from.', { minimum: 0 }),
    lastTransitionTime: str('When the status last changed.', { format: 'date-time' }),
  },
  { required: ['type', 'status', 'reason', 'message', 'lastTransitionTime'] },
);


const svStatus = (which: string): JsonSchema =>
  obj(`What the network says about the ${which} SV.`, {
    partyId: str('Party id of the SV.', { maxLength: 255 }),
    rewardWeight: int('Current reward weight in basis points (10000 = weight 1), as agreed by scanQuorum Scans.', { minimum: 0 }),
    originalRewardWeight: int('Reward weight when the migration first observed it (the weight to move).', { minimum: 0 }),
    onboarded: bool('Listed in DsoRules.svs.'),
    offboarded: bool('Listed in DsoRules.offboardedSvs.'),
  });

export const statusSchema: JsonSchema = obj('Observed state of the migration.', {
  observedGeneration: int('The .metadata.generation the status was last computed from.', { minimum: 0 }),
  phase: str('Current phase of the hand-over.', { enum: [...STATUS_PHASES] }),
  message: str('What the operator is doing or waiting for, in a sentence.', { maxLength: 4096 }),
  conditions: list('Conditions (kstatus Ready / Reconciling / Stalled plus the domain conditions).', condition, {
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-list-map-keys': ['type'],
    maxItems: 32,
  }),
  governanceKey: obj('The governance key in use (never the private key).', {
    secretName: str('Secret holding the key.'),
    publicKey: str('Base64 of the raw 32-byte Ed25519 public key.'),
    fingerprint: str('SHA-256 of the public key, hex.'),
  }),
  identityKey: obj('The SV identity key in use (never the private key).', {
    secretName: str('Secret holding the key.'),
    publicKey: str('Base64 of the SPKI DER P-256 public key.'),
    fingerprint: str('SHA-256 of the public key, hex.'),
  }),
  onboarding: obj('What the other SV operators must add to their sv-node values before the new SV can join.', {
    approvedSvIdentity: obj('The `approvedSvIdentities` entry for the new SV.', {
      name: str('SV name.'),
      publicKey: str('SV identity public key.'),
      rewardWeightBps: int('Reward weight at onboarding: always 0, the weight is moved by vote later.', { minimum: 0 }),
    }),
    state: str('Onboarding state reported by the sponsor (requested, confirmed, completed, unknown).'),
  }),
  preflight: obj('Result of the KMS preflight for the current spec.', {
    generation: int('Spec generation the preflight ran for.', { minimum: 0 }),
    provider: str('aws or gcp.'),
    verified: list('What the preflight could verify.', str('A verified check.')),
    notVerified: list('What it could not verify (and why), e.g. that CreateKey is allowed: AWS has no dry-run.', str('An unverified check.')),
  }),
  kmsKeys: obj('Keys Canton created in the KMS.', { count: int('Number of keys observed.', { minimum: 0 }) }),
  lastHandledReconcileAt: str('The value of the svkms.dev/reconcile-requested-at annotation last acted on (every cached check was redone).', { maxLength: 256 }),
  history: list(
    'The side effects the operator made (vote requests, transfers, scale-downs, generated keys), oldest first; the last 50 are kept.',
    obj('One side effect.', {
      time: str('When it was made.', { format: 'date-time' }),
      effect: str('What kind: VoteRequested, TransferSent, TransferAccepted, ScaledDown, KeyGenerated.'),
      id: str('What it acted on: the vote (label#attempt), the transfer\'s tracking id, the workloads, the Secret.', { maxLength: 1024 }),
      generation: int('The spec generation it was decided at.', { minimum: 0 }),
      change: str('The approving change: the svkms.dev/change-ref annotation (e.g. the Git commit your GitOps tool applied), when set.', { maxLength: 256 }),
    }, { required: ['time', 'effect', 'id'] }),
    { maxItems: 50 },
  ),
  splice: obj('The Splice version the values are rendered for, and where the operator learned it.', {
    version: str('The version (as given or as the Scans report it).'),
    source: str('Spec (spec.splice.version), Network (agreed by scanQuorum Scans) or Assumed (the newest known version: the Scans could not be read yet).', { enum: ['Spec', 'Network', 'Assumed'] }),
    support: str('primary, supported, legacy or newer-than-known.'),
    checkedAt: str('When the Scans were last asked.', { format: 'date-time' }),
  }),
  nextDeadline: str('When the next open vote closes (shown by kubectl get).', { format: 'date-time' }),
  governance: obj('The human side of the hand-over at the current gate: what to tell the other SV operators and what to change where.', {
    announcement: str('Text for the SV operators\' announcement list: what will be proposed, when, the links and the deadline.', { maxLength: 8192 }),
    configsChange: obj('The edit to the foundation\'s configs repository that goes with this step (one PR per network).', {
      file: str('Path in the configs repository, e.g. configs/MainNet/approved-sv-id-values.yaml.'),
      step: str('Which step it belongs to: onboarding, weightTransfer or offboarding.'),
      snippet: str('The approvedSvIdentities entries as they must read after the change (YAML).', { maxLength: 16384 }),
    }),
    externalVote: obj('With mode External: the vote to request yourself, exactly (the operator follows it through the Scans).', {
      gate: str('weightTransfer or offboarding.'),
      label: str('The vote as status.votes names it.'),
      actionJson: str('The action, as the SV app\'s CreateVoteRequest body takes it (JSON).', { maxLength: 4096 }),
      description: str('The reason text (keep the [svkms:…] tag: it lets the operator recognise the request).', { maxLength: 4096 }),
      reasonUrl: str('The reason URL.'),
      expiration: str('How long the vote stays open (Go duration).'),
      effectiveAt: str('When the action takes effect (absent: at threshold).', { format: 'date-time' }),
      command: str('A ready command that creates the request through the SV app\'s API (fill in the token).', { maxLength: 8192 }),
    }),
  }),
  spliceAccess: obj('What the operator verified of its access to the old SV\'s apps (checked once per spec generation, in Preparing).', {
    generation: int('Spec generation the check ran for.', { minimum: 0 }),
    checkedAt: str('When it ran.', { format: 'date-time' }),
    verified: bool('Both apps answered and accept the clients; false when the check could not finish (it is repeated).'),
  }),
  oldSv: svStatus('old'),
  newSv: svStatus('new'),
  votes: list(
    'Vote requests the operator issued, at most one per action and attempt.',
    obj('A vote request.', {
      action: str('What is voted on, e.g. UpdateSvRewardWeight(new), UpdateSvRewardWeight(old), OffboardSv(old).'),
      attempt: int('Attempt number (workflow.*.attempt).', { minimum: 1 }),
      trackingCid: str('Tracking contract id of the vote request.'),
      requestedAt: str('When the operator requested it.', { format: 'date-time' }),
      outcome: str('Requesting (recorded, request being sent), Pending (open), Accepted, Rejected, Expired, or ActionFailed (accepted but the action failed on-ledger).', { enum: ['Requesting', 'Pending', 'Accepted', 'Rejected', 'Expired', 'ActionFailed'] }),
      votesFor: int('Votes in favour so far.', { minimum: 0 }),
      votesRequired: int('Votes needed to pass.', { minimum: 0 }),
      votesAgainst: int('Votes against so far (final once the vote is closed).', { minimum: 0 }),
      expiresAt: str('When the vote closes (its voteBefore).', { format: 'date-time' }),
      effectiveAt: str('When the action takes effect once accepted (absent: as soon as the threshold is reached).', { format: 'date-time' }),
      closedAt: str('When the network closed the vote.', { format: 'date-time' }),
      outcomeDetail: str('What the network said about the outcome (e.g. why an accepted action failed).', { maxLength: 4096 }),
      notVoted: list(`SVs that have not voted yet (names, as in DsoRules.svs); the first ${NOT_VOTED_LISTED} of them when more have not voted (notVotedCount says how many).`, str('SV name.'), { maxItems: NOT_VOTED_LISTED }),
      notVotedCount: int(`How many SVs have not voted yet (notVoted lists at most ${NOT_VOTED_LISTED} of them).`, { minimum: 0 }),
      closingShort: bool('The vote closes within 24 hours without enough votes to pass (a Warning Event was sent when this turned true).'),
    }, { required: ['action', 'attempt', 'outcome'] }),
    { maxItems: 64 },
  ),
  assets: obj('The old SV\'s assets.', {
    oldSvBalance: str('Unlocked Amulet balance of the old SV wallet.'),
    transfers: list(
      'Transfers the operator sent, at most one per attempt and purpose.',
      obj('A transfer.', {
        trackingId: str('Deterministic tracking id (derived from the migration uid, the purpose and the attempt); also in the transfer\'s description.'),
        purpose: str('Transfer: the hand-over of the balance. Sweep: after offboarding, what arrived late (reward coupons of earlier rounds).', { enum: ['Transfer', 'Sweep'] }),
        method: str('How it was sent.', { enum: ['TransferOffer', 'TokenStandard', 'TransferPreapproval'] }),
        amount: str('Amount sent.'),
        receiverPartyId: str('Receiving party.'),
        requestedAt: str('When the send was recorded, before it was made.', { format: 'date-time' }),
        expiresAt: str('When an offer or a token-standard transfer can no longer be accepted.', { format: 'date-time' }),
        status: str('Requesting, Created, Accepted, Completed, Failed or Expired.', { enum: ['Requesting', 'Created', 'Accepted', 'Completed', 'Failed', 'Expired'] }),
      }, { required: ['trackingId'] }),
      { maxItems: 64 },
    ),
  }),
  outputs: obj('The rendered values ConfigMaps.', {
    participantValues: obj('splice-participant values.', { configMapName: str('ConfigMap name.'), sha256: str('SHA-256 of the values YAML.') }),
    svNodeValues: obj('splice-sv-node values.', { configMapName: str('ConfigMap name.'), sha256: str('SHA-256 of the values YAML.') }),
    conflicts: list('Base-values keys the operator had to override.', str('A dotted path.'), { maxItems: 64 }),
  }),
  retirement: obj('The old SV\'s workloads scaled to zero.', {
    scaled: list('Workloads scaled to zero, as kind/name with their former replica count.', str('kind/name=replicas'), { maxItems: 64 }),
  }),
});

/** The object's whole schema, as the CRD's `openAPIV3Schema`. */
export const migrationSchema: JsonSchema = obj(
  'SvKmsMigration moves a Splice Super Validator onto a fresh participant whose keys live in AWS KMS or Google Cloud KMS, ' +
    'and drives the hand-over (onboarding, weight, assets, offboarding, retirement) through gated steps.',
  {
    apiVersion: str('APIVersion of the object: svkms.dev/v1alpha1.'),
    kind: str('Kind of the object: SvKmsMigration.'),
    metadata: { type: 'object' },
    spec: specSchema,
    status: statusSchema,
  },
  { required: ['spec'] },
);

export const printerColumns = [
  { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Phase of the hand-over' },
  { name: 'Provider', type: 'string', jsonPath: '.spec.kms.provider', description: 'Target KMS' },
  { name: 'Old SV', type: 'string', jsonPath: '.spec.oldSv.name', description: 'SV being replaced' },
  { name: 'New SV', type: 'string', jsonPath: '.spec.newSv.name', description: 'SV taking over' },
  { name: 'Old Weight', type: 'integer', jsonPath: '.status.oldSv.rewardWeight', description: 'Old SV reward weight (bps)' },
  { name: 'New Weight', type: 'integer', jsonPath: '.status.newSv.rewardWeight', description: 'New SV reward weight (bps)' },
  { name: 'Next Deadline', type: 'date', jsonPath: '.status.nextDeadline', description: 'When the next open vote closes' },
  { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status', priority: 1, description: 'Ready condition' },
  { name: 'Message', type: 'string', jsonPath: '.status.message', priority: 1, description: 'What the operator waits for' },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
];
