/**
 * Google Cloud KMS preflight and key observation. The preflight checks that the key ring exists (`getKeyRing`) and asks
 * IAM which of the permissions Canton (and the operator) need are granted on it (`testIamPermissions`); it creates
 * nothing. Clients are made by an injectable factory from production options (TLS, real credentials), so tests can
 * swap only the channel (an insecure one to a local fake) and still exercise everything else.
 */
import { KeyManagementServiceClient } from '@google-cloud/kms';
import { JWT } from 'google-auth-library';
import type { GcpKmsSpec } from '../api/types.ts';
import { secretsOf, timedCall } from './call.ts';
import { classifyGcpError, GRPC_CODE, grpcCode } from './gcp-errors.ts';
import type { GcpCallContext } from './gcp-errors.ts';
import { DEFAULT_KMS_CALL_TIMEOUT_MS, KmsError } from './types.ts';
import type { KmsClientOptions, KmsCredentials, KmsFailure, KmsProbe, KmsSpec } from './types.ts';

/** The constructor options of the Cloud KMS client. */
export type GcpKmsClientOptions = NonNullable<ConstructorParameters<typeof KeyManagementServiceClient>[0]>;

/** Makes the client from the production options; tests inject one that replaces the channel credentials. */
export type GcpKmsClientFactory = (options: GcpKmsClientOptions) => KeyManagementServiceClient;

/** Permissions Canton needs on the key ring (Canton's documented list, plus cryptoKeys.create, which CreateCryptoKey requires). */
export const CANTON_GCP_PERMISSIONS = [
  'cloudkms.cryptoKeys.create',
  'cloudkms.cryptoKeyVersions.create',
  'cloudkms.cryptoKeyVersions.get',
  'cloudkms.cryptoKeyVersions.viewPublicKey',
  'cloudkms.cryptoKeyVersions.useToSign',
  'cloudkms.cryptoKeyVersions.useToDecrypt',
] as const;

/** Permissions the operator itself needs on the key ring, to observe the keys Canton creates. */
export const OPERATOR_GCP_PERMISSIONS = ['cloudkms.cryptoKeys.list'] as const;

/** Which predefined role carries each permission, for the "what to do" part of messages. */
const ROLE_HINT: Record<string, string> = {
  'cloudkms.cryptoKeys.create': 'roles/cloudkms.admin',
  'cloudkms.cryptoKeyVersions.create': 'roles/cloudkms.admin',
  'cloudkms.cryptoKeyVersions.get': 'roles/cloudkms.admin or roles/cloudkms.viewer',
  'cloudkms.cryptoKeyVersions.viewPublicKey': 'roles/cloudkms.cryptoOperator',
  'cloudkms.cryptoKeyVersions.useToSign': 'roles/cloudkms.cryptoOperator',
  'cloudkms.cryptoKeyVersions.useToDecrypt': 'roles/cloudkms.cryptoOperator',
  'cloudkms.cryptoKeys.list': 'roles/cloudkms.viewer',
};

/** `projects/P/locations/L/keyRings/R` */
export function keyRingName(gcp: GcpKmsSpec): string {
  return `projects/${gcp.projectId}/locations/${gcp.locationId}/keyRings/${gcp.keyRingId}`;
}

/**
 * Production client options: TLS to Google (or to `endpointOverride`, `host:port`), an auth client for the
 * service-account key file (or ambient credentials when there is none). Throws {@link KmsError} if the JSON does not parse; the
 * message never quotes it.
 */
export function gcpClientOptions(gcp: GcpKmsSpec, creds: KmsCredentials | undefined): GcpKmsClientOptions {
  const options: GcpKmsClientOptions = { projectId: gcp.projectId, fallback: false };
  if (gcp.endpointOverride) {
    const { host, port } = parseHostPort(gcp.endpointOverride);
    options.apiEndpoint = host;
    options.port = port;
  }
  if (creds?.gcp) options.authClient = serviceAccountAuth(creds.gcp.credentialsJson);
  return options;
}

/** Splits `host:port` (IPv6 as `[::1]:443`). */
export function parseHostPort(value: string): { host: string; port: number } {
  const m = /^\[?([^\]/\s]+?)\]?:(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) {
    throw new KmsError({ reason: 'KmsEndpointInvalid', message: `spec.kms.gcp.endpointOverride must be host:port (Canton's format, no scheme), got ${JSON.stringify(value)}`, transient: false });
  }
  return { host: m[1]!, port };
}

/** Scope of the Cloud KMS API. */
const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

/**
 * An auth client for a service-account key file. Only `service_account` files are accepted: other credential types
 * (external_account and friends) can make the auth library fetch URLs or run programs named in the file, which the
 * operator must not do on behalf of whoever can write the Secret; use workload identity for those.
 */
function serviceAccountAuth(json: string): JWT {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    // JSON.parse's message quotes the input; never pass it on.
    throw new KmsError({ reason: 'KmsCredentialsInvalid', message: 'the Google credentials in the credentials Secret are not valid JSON; store the service-account key file as downloaded (key googleCredentials)', transient: false });
  }
  const file = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  if (file.type !== 'service_account' || typeof file.client_email !== 'string' || typeof file.private_key !== 'string') {
    const type = typeof file.type === 'string' ? file.type : 'none';
    throw new KmsError({ reason: 'KmsCredentialsInvalid', message: `the Google credentials in the credentials Secret are not a service-account key file (type ${JSON.stringify(type)}, client_email and private_key required); for other identities use spec.kms.credentials.serviceAccountName (Workload Identity)`, transient: false });
  }
  return new JWT({
    email: file.client_email,
    key: file.private_key,
    keyId: typeof file.private_key_id === 'string' ? file.private_key_id : undefined,
    scopes: [CLOUD_PLATFORM_SCOPE],
  });
}

/** The GCP probe; `clientFactory` defaults to `new KeyManagementServiceClient(options)`. */
export function createGcpKmsProbe(clientFactory: GcpKmsClientFactory = (options) => new KeyManagementServiceClient(options)): KmsProbe {
  async function withClient<T>(spec: KmsSpec, creds: KmsCredentials | undefined, fn: (client: KeyManagementServiceClient, gcp: GcpKmsSpec, ctx: (operation: string) => GcpCallContext) => Promise<T>): Promise<T> {
    const gcp = requireGcp(spec);
    const client = clientFactory(gcpClientOptions(gcp, creds));
    const secrets = secretsOf(creds);
    try {
      return await fn(client, gcp, (operation) => ({ operation, resource: keyRingName(gcp), endpoint: gcp.endpointOverride, secrets }));
    } finally {
      await client.close().catch(() => undefined);
    }
  }

  /**
   * One call: deadline, signal, no hidden client retries (the controller retries), errors left raw for the caller to
   * read. No retry codes (rather than maxRetries 0, which gax reports as DEADLINE_EXCEEDED wrapping the real error).
   */
  function call<T>(ctx: GcpCallContext, opts: KmsClientOptions, run: (callOptions: { timeout: number; retry: { retryCodes: number[] }; signal: AbortSignal }) => Promise<T>): Promise<T> {
    return timedCall('gcp', ctx.operation, { ...opts, clientEnforcesDeadline: true }, (signal) => run({ timeout: opts.timeoutMs ?? DEFAULT_KMS_CALL_TIMEOUT_MS, retry: { retryCodes: [] }, signal }));
  }

  return {
    async preflight(spec, creds, opts = {}) {
      const verified: string[] = [];
      const notVerified: string[] = [];
      const fail = (failure: KmsFailure) => ({ ok: false, verified, notVerified, failure });
      try {
        return await withClient(spec, creds, async (client, gcp, ctx) => {
          const name = keyRingName(gcp);

          let keyRingReadable = true;
          try {
            await call(ctx('GetKeyRing'), opts, (o) => client.getKeyRing({ name }, o));
            verified.push(`key ring ${name} exists (GetKeyRing)`);
          } catch (err) {
            const code = grpcCode(err);
            if (code === GRPC_CODE.NOT_FOUND) {
              return fail({
                reason: 'KeyRingNotFound',
                message: `key ring ${name} does not exist. Canton creates keys but not key rings: create it (gcloud kms keyrings create ${gcp.keyRingId} --location ${gcp.locationId} --project ${gcp.projectId}) or fix spec.kms.gcp.`,
                transient: false,
              });
            }
            // cloudkms.keyRings.get is not among the permissions Canton needs, so a denial is not fatal by itself.
            if (code !== GRPC_CODE.PERMISSION_DENIED) return fail(classifyGcpError(err, ctx('GetKeyRing')));
            keyRingReadable = false;
          }

          const wanted = [...CANTON_GCP_PERMISSIONS, ...OPERATOR_GCP_PERMISSIONS];
          let granted: Set<string>;
          try {
            const [answer] = await call(ctx('TestIamPermissions'), opts, (o) => client.testIamPermissions(testIamPermissionsRequest(name, wanted), o));
            granted = new Set(answer.permissions ?? []);
          } catch (err) {
            if (grpcCode(err) !== GRPC_CODE.INVALID_ARGUMENT) return fail(classifyGcpError(err, ctx('TestIamPermissions')));
            // Inconclusive: IAM would not evaluate these permissions on a key ring. Say so; do not fail on it.
            notVerified.push(`permissions ${wanted.join(', ')} could not be tested on ${name} (TestIamPermissions answered INVALID_ARGUMENT); they are proven when the participant creates and uses its keys`);
            if (!keyRingReadable) return fail(keyRingDenied(name, []));
            return { ok: true, verified, notVerified };
          }

          const missing = wanted.filter((p) => !granted.has(p));
          if (!keyRingReadable) {
            // IAM answers an empty set for a key ring that does not exist, so a full grant also proves it exists.
            if (missing.length > 0) return fail(keyRingDenied(name, missing));
            verified.push(`key ring ${name} exists (inferred: IAM granted permissions on it; GetKeyRing was denied because cloudkms.keyRings.get is not granted, which Canton does not need)`);
          }
          for (const p of wanted.filter((p) => granted.has(p))) verified.push(`${p} granted on ${name}`);
          notVerified.push('TestIamPermissions reports what IAM policy grants and may fail open (Google: not for authorization checks); organization policies and key creation itself are proven when the participant creates its first key');
          if (missing.length > 0) {
            return fail({
              reason: 'KmsPermissionDenied',
              message: `the KMS identity lacks ${missing.length} permission(s) on key ring ${name}: ${missing.map((p) => `${p} (${ROLE_HINT[p]})`).join(', ')}. Grant them on the key ring (e.g. roles/cloudkms.admin and roles/cloudkms.cryptoOperator to the participant's service account).`,
              transient: false,
            });
          }
          return { ok: true, verified, notVerified };
        });
      } catch (err) {
        if (err instanceof KmsError) return fail(err.failure);
        throw err;
      }
    },

    async countCantonKeys(spec, creds, opts = {}) {
      return withClient(spec, creds, async (client, gcp, ctx) => {
        const parent = keyRingName(gcp);
        let count = 0;
        let pageToken: string | undefined;
        do {
          const page = await call(ctx('ListCryptoKeys'), opts, (o) =>
            client.listCryptoKeys({ parent, pageSize: 100, pageToken: pageToken ?? '' }, { ...o, autoPaginate: false }),
          ).catch((err: unknown) => {
            throw new KmsError(grpcCode(err) === GRPC_CODE.NOT_FOUND
              ? { reason: 'KeyRingNotFound', message: `key ring ${parent} does not exist; check spec.kms.gcp`, transient: false }
              : classifyGcpError(err, ctx('ListCryptoKeys')));
          });
          const [keys, , response] = page;
          count += keys.length;
          pageToken = response?.nextPageToken || undefined;
        } while (pageToken);
        return count;
      });
    },
  };
}

/** The IAM request; the client's typing wants the protobuf class, but plain objects are what it sends (as for every other method). */
function testIamPermissionsRequest(resource: string, permissions: string[]): Parameters<KeyManagementServiceClient['testIamPermissions']>[0] {
  return { resource, permissions } as unknown as Parameters<KeyManagementServiceClient['testIamPermissions']>[0];
}

function keyRingDenied(name: string, missing: readonly string[]): KmsFailure {
  return {
    reason: 'KeyRingAccessDenied',
    message: `cannot read key ring ${name} (GetKeyRing: PERMISSION_DENIED)${missing.length ? ` and IAM does not grant ${missing.join(', ')} on it` : ''}: either the key ring does not exist or the identity has no access to it. Check spec.kms.gcp and grant roles/cloudkms.admin and roles/cloudkms.cryptoOperator on the key ring.`,
    transient: false,
  };
}

function requireGcp(spec: KmsSpec): GcpKmsSpec {
  if (spec.provider !== 'gcp' || !spec.gcp) throw new Error(`GCP KMS probe used with provider ${spec.provider} (spec.kms.gcp ${spec.gcp ? 'set' : 'missing'})`);
  return spec.gcp;
}
