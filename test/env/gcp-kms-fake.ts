/**
 * A fake Google Cloud KMS for tests: a gRPC server on 127.0.0.1 built from the `.proto` files that ship inside
 * `@google-cloud/kms` (and google-gax's IAM protos), driven by the real `@google-cloud/kms` client. There is no
 * official emulator. It implements the subset the operator and Canton's key creation touch:
 *
 * - KeyManagementService: GetKeyRing, ListCryptoKeys (paginated), CreateCryptoKey, GetPublicKey, AsymmetricSign (real
 *   ECDSA signatures over the client's digest for EC_SIGN_P256_SHA256 / EC_SIGN_P384_SHA384 keys).
 * - google.iam.v1.IAMPolicy/TestIamPermissions, answering from a configurable grant set.
 *
 * Like the real service: each method checks its IAM permission first (PERMISSION_DENIED, whether or not the resource
 * exists), then the resource (NOT_FOUND), and validates names and arguments (INVALID_ARGUMENT). TestIamPermissions
 * needs no permission and answers an empty set for a resource that does not exist. Faults: `failNext(n, code)`.
 */
import { generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { KeyManagementServiceClient } from '@google-cloud/kms';
import type { GcpKmsClientOptions } from '../../src/kms/gcp.ts';
import { signDigest } from './ecdsa-digest.ts';

/** Every permission the fake knows; the default grant set. */
export const ALL_FAKE_PERMISSIONS = [
  'cloudkms.keyRings.get',
  'cloudkms.cryptoKeys.list',
  'cloudkms.cryptoKeys.create',
  'cloudkms.cryptoKeyVersions.create',
  'cloudkms.cryptoKeyVersions.get',
  'cloudkms.cryptoKeyVersions.viewPublicKey',
  'cloudkms.cryptoKeyVersions.useToSign',
  'cloudkms.cryptoKeyVersions.useToDecrypt',
] as const;

/** Which permission each method needs on its resource (as in Google's permissions table). */
const METHOD_PERMISSION: Record<string, string | undefined> = {
  GetKeyRing: 'cloudkms.keyRings.get',
  ListCryptoKeys: 'cloudkms.cryptoKeys.list',
  CreateCryptoKey: 'cloudkms.cryptoKeys.create',
  GetPublicKey: 'cloudkms.cryptoKeyVersions.viewPublicKey',
  AsymmetricSign: 'cloudkms.cryptoKeyVersions.useToSign',
  TestIamPermissions: undefined,
};

/** Fault codes the fake can inject. */
export type GcpFaultCode = 'UNAVAILABLE' | 'RESOURCE_EXHAUSTED' | 'DEADLINE_EXCEEDED' | 'INTERNAL';

export interface GcpKmsFakeOptions {
  /** Full key ring names that exist, e.g. `projects/p/locations/us-east1/keyRings/canton`. */
  keyRings?: string[];
  /** Permissions granted to the caller on every resource. Default: {@link ALL_FAKE_PERMISSIONS}. */
  grantedPermissions?: readonly string[];
}

/** A running fake. */
export interface GcpKmsFake {
  /** `127.0.0.1:PORT`, the format of Canton's and the spec's `endpointOverride`. */
  endpoint: string;
  port: number;
  addKeyRing(name: string): void;
  setGrantedPermissions(permissions: readonly string[]): void;
  /** Fails the next `count` calls (of `method`, or of any method) with `code`, before any other processing. */
  failNext(count: number, code: GcpFaultCode, method?: string): void;
  /** Calls received per method name (e.g. `GetKeyRing`), injected failures included. */
  calls(): Record<string, number>;
  /** The PEM public key of a key version (what GetPublicKey answers), for checks from the test side. */
  publicKeyPem(versionName: string): string | undefined;
  stop(): Promise<void>;
}

interface FakeVersion {
  name: string;
  algorithm: string;
  privateKey?: KeyObject;
  publicKeyPem?: string;
  createTime: Timestamp;
}
interface FakeCryptoKey {
  name: string;
  purpose: string;
  versionTemplate: { algorithm: string; protectionLevel: string };
  labels: Record<string, string>;
  createTime: Timestamp;
  versions: FakeVersion[];
}
interface Timestamp {
  seconds: string;
  nanos: number;
}

const KEY_RING_NAME = /^projects\/[^/]+\/locations\/[^/]+\/keyRings\/[a-zA-Z0-9_-]{1,63}$/;
const CRYPTO_KEY_ID = /^[a-zA-Z0-9_-]{1,63}$/;
const VERSION_NAME = /^(projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+)\/cryptoKeys\/([^/]+)\/cryptoKeyVersions\/(\d+)$/;

/** Algorithms the fake can create, with their purpose and how to make key material. */
const ALGORITHMS: Record<string, { purpose: string; generate?: () => { privateKey: KeyObject; publicKey: KeyObject } }> = {
  EC_SIGN_P256_SHA256: { purpose: 'ASYMMETRIC_SIGN', generate: () => generateKeyPairSync('ec', { namedCurve: 'P-256' }) },
  EC_SIGN_P384_SHA384: { purpose: 'ASYMMETRIC_SIGN', generate: () => generateKeyPairSync('ec', { namedCurve: 'P-384' }) },
  RSA_DECRYPT_OAEP_2048_SHA256: { purpose: 'ASYMMETRIC_DECRYPT', generate: () => generateKeyPairSync('rsa', { modulusLength: 2048 }) },
  GOOGLE_SYMMETRIC_ENCRYPTION: { purpose: 'ENCRYPT_DECRYPT' },
};

class RpcError extends Error {
  readonly code: grpc.status;
  constructor(code: grpc.status, message: string) {
    super(message);
    this.code = code;
  }
}

/** Where the `.proto` files are: inside @google-cloud/kms, and google-gax (its dependency) for google/api, iam, protobuf. */
function protoRoots(): string[] {
  const require = createRequire(import.meta.url);
  const kmsMain = require.resolve('@google-cloud/kms');
  const gaxMain = createRequire(kmsMain).resolve('google-gax');
  return [join(dirname(kmsMain), '..', 'protos'), join(dirname(gaxMain), '..', 'protos')];
}

function loadServices(): { kms: grpc.ServiceDefinition; iam: grpc.ServiceDefinition } {
  const definition = protoLoader.loadSync(['google/cloud/kms/v1/service.proto', 'google/iam/v1/iam_policy.proto'], {
    includeDirs: protoRoots(),
    keepCase: false,
    longs: String,
    enums: String,
    defaults: false,
    oneofs: true,
  });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as {
    google: { cloud: { kms: { v1: { KeyManagementService: grpc.ServiceClientConstructor } } }; iam: { v1: { IAMPolicy: grpc.ServiceClientConstructor } } };
  };
  return { kms: pkg.google.cloud.kms.v1.KeyManagementService.service, iam: pkg.google.iam.v1.IAMPolicy.service };
}

/** CRC32C (Castagnoli), which Cloud KMS uses for its integrity fields. */
export function crc32c(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

const now = (): Timestamp => ({ seconds: String(Math.floor(Date.now() / 1000)), nanos: 0 });

/** Starts the fake on 127.0.0.1 with a port the OS picks. */
export async function startGcpKmsFake(options: GcpKmsFakeOptions = {}): Promise<GcpKmsFake> {
  const keyRings = new Map<string, { name: string; createTime: Timestamp; keys: Map<string, FakeCryptoKey> }>();
  let granted = new Set<string>(options.grantedPermissions ?? ALL_FAKE_PERMISSIONS);
  const faults: { code: GcpFaultCode; method?: string }[] = [];
  const counts: Record<string, number> = {};
  const addKeyRing = (name: string) => {
    if (!KEY_RING_NAME.test(name)) throw new Error(`not a key ring name: ${name}`);
    if (!keyRings.has(name)) keyRings.set(name, { name, createTime: now(), keys: new Map() });
  };
  for (const name of options.keyRings ?? []) addKeyRing(name);

  const requirePermission = (method: string) => {
    const permission = METHOD_PERMISSION[method];
    if (permission && !granted.has(permission)) {
      throw new RpcError(grpc.status.PERMISSION_DENIED, `Permission '${permission}' denied on resource (or it may not exist).`);
    }
  };
  const keyRing = (name: string) => {
    if (!KEY_RING_NAME.test(name)) throw new RpcError(grpc.status.INVALID_ARGUMENT, `Resource name [${name}] does not match any known type.`);
    const ring = keyRings.get(name);
    if (!ring) throw new RpcError(grpc.status.NOT_FOUND, `KeyRing ${name} not found.`);
    return ring;
  };
  const version = (name: string) => {
    const m = VERSION_NAME.exec(name);
    if (!m) throw new RpcError(grpc.status.INVALID_ARGUMENT, `Resource name [${name}] does not match any known type.`);
    const v = keyRings.get(m[1]!)?.keys.get(m[2]!)?.versions[Number(m[3]) - 1];
    if (!v) throw new RpcError(grpc.status.NOT_FOUND, `CryptoKeyVersion ${name} not found.`);
    return v;
  };
  const cryptoKeyMessage = (k: FakeCryptoKey) => ({ name: k.name, purpose: k.purpose, createTime: k.createTime, versionTemplate: k.versionTemplate, labels: k.labels });

  /** Handlers get the request and return the response; errors become gRPC statuses. */
  type Handler = (request: Record<string, unknown>) => unknown;
  /** A string field of a request (decoded with `defaults: false`, so an absent field is undefined). */
  const str = (v: unknown): string => (typeof v === 'string' ? v : '');
  const kmsHandlers: Record<string, Handler> = {
    GetKeyRing(req) {
      const ring = keyRing(str(req.name));
      return { name: ring.name, createTime: ring.createTime };
    },
    ListCryptoKeys(req) {
      const ring = keyRing(str(req.parent));
      const all = [...ring.keys.values()];
      const pageSize = Math.min(Number(req.pageSize ?? 0) || 1000, 1000);
      const start = req.pageToken ? Number(Buffer.from(str(req.pageToken), 'base64url').toString()) : 0;
      if (!Number.isInteger(start) || start < 0 || start > all.length) throw new RpcError(grpc.status.INVALID_ARGUMENT, 'Invalid page token.');
      const end = Math.min(start + pageSize, all.length);
      return {
        cryptoKeys: all.slice(start, end).map(cryptoKeyMessage),
        nextPageToken: end < all.length ? Buffer.from(String(end)).toString('base64url') : '',
        totalSize: all.length,
      };
    },
    CreateCryptoKey(req) {
      const ring = keyRing(str(req.parent));
      const id = str(req.cryptoKeyId);
      if (!CRYPTO_KEY_ID.test(id)) throw new RpcError(grpc.status.INVALID_ARGUMENT, `Invalid crypto_key_id [${id}].`);
      const spec = (req.cryptoKey ?? {}) as { purpose?: string; versionTemplate?: { algorithm?: string; protectionLevel?: string }; labels?: Record<string, string> };
      const algorithm = spec.versionTemplate?.algorithm ?? (spec.purpose === 'ENCRYPT_DECRYPT' ? 'GOOGLE_SYMMETRIC_ENCRYPTION' : '');
      const known = ALGORITHMS[algorithm];
      if (!spec.purpose || spec.purpose === 'CRYPTO_KEY_PURPOSE_UNSPECIFIED') throw new RpcError(grpc.status.INVALID_ARGUMENT, 'CryptoKey.purpose is required.');
      if (!known) throw new RpcError(grpc.status.INVALID_ARGUMENT, `Unsupported algorithm [${algorithm || 'unset'}] for purpose ${spec.purpose}.`);
      if (known.purpose !== spec.purpose) throw new RpcError(grpc.status.INVALID_ARGUMENT, `Algorithm ${algorithm} is not compatible with purpose ${spec.purpose}.`);
      if (ring.keys.has(id)) throw new RpcError(grpc.status.ALREADY_EXISTS, `CryptoKey ${ring.name}/cryptoKeys/${id} already exists.`);
      const name = `${ring.name}/cryptoKeys/${id}`;
      const key: FakeCryptoKey = {
        name,
        purpose: spec.purpose,
        versionTemplate: { algorithm, protectionLevel: spec.versionTemplate?.protectionLevel ?? 'SOFTWARE' },
        labels: spec.labels ?? {},
        createTime: now(),
        versions: [],
      };
      if (!req.skipInitialVersionCreation) {
        const pair = known.generate?.();
        key.versions.push({
          name: `${name}/cryptoKeyVersions/1`,
          algorithm,
          createTime: now(),
          privateKey: pair?.privateKey,
          publicKeyPem: pair?.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
        });
      }
      ring.keys.set(id, key);
      return cryptoKeyMessage(key);
    },
    GetPublicKey(req) {
      const v = version(str(req.name));
      if (!v.publicKeyPem) throw new RpcError(grpc.status.FAILED_PRECONDITION, `CryptoKeyVersion ${v.name} has no public key (not an asymmetric key).`);
      return { pem: v.publicKeyPem, algorithm: v.algorithm, pemCrc32c: { value: String(crc32c(Buffer.from(v.publicKeyPem))) }, name: v.name, protectionLevel: 'HSM' };
    },
    AsymmetricSign(req) {
      const v = version(str(req.name));
      if (ALGORITHMS[v.algorithm]?.purpose !== 'ASYMMETRIC_SIGN' || !v.privateKey) throw new RpcError(grpc.status.FAILED_PRECONDITION, `CryptoKeyVersion ${v.name} is not a signing key.`);
      const digestField = (req.digest ?? {}) as { sha256?: Buffer; sha384?: Buffer };
      const expected = v.algorithm === 'EC_SIGN_P256_SHA256' ? 'sha256' : 'sha384';
      const digest = digestField[expected];
      const size = expected === 'sha256' ? 32 : 48;
      if (!digest || digest.length !== size) throw new RpcError(grpc.status.INVALID_ARGUMENT, `Digest of type ${expected} (${size} bytes) is required for ${v.algorithm}.`);
      const digestCrc = (req.digestCrc32c as { value?: string } | undefined)?.value;
      if (digestCrc !== undefined && Number(digestCrc) !== crc32c(digest)) throw new RpcError(grpc.status.INVALID_ARGUMENT, 'The checksum in field digest_crc32c did not match the data in field digest.');
      const signature = signDigest(v.privateKey, digest);
      return { signature, signatureCrc32c: { value: String(crc32c(signature)) }, verifiedDigestCrc32c: digestCrc !== undefined, name: v.name, protectionLevel: 'HSM' };
    },
  };
  const iamHandlers: Record<string, Handler> = {
    TestIamPermissions(req) {
      const permissions = (req.permissions ?? []) as string[];
      const wildcard = permissions.find((p) => p.includes('*'));
      if (wildcard) throw new RpcError(grpc.status.INVALID_ARGUMENT, `Permissions with wildcards (${wildcard}) are not allowed.`);
      const resource = str(req.resource);
      const ringName = resource.split('/cryptoKeys/')[0]!;
      // The real service answers an empty set, not NOT_FOUND, for a resource that does not exist.
      const exists = keyRings.has(ringName) && (ringName === resource || keyRings.get(ringName)!.keys.has(resource.split('/cryptoKeys/')[1]!.split('/')[0]!));
      return { permissions: exists ? permissions.filter((p) => granted.has(p)) : [] };
    },
  };

  const implement = (service: grpc.ServiceDefinition, handlers: Record<string, Handler>): grpc.UntypedServiceImplementation => {
    const impl: grpc.UntypedServiceImplementation = {};
    for (const method of Object.keys(service)) {
      const handler = handlers[method];
      impl[method] = (call: grpc.ServerUnaryCall<Record<string, unknown>, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        counts[method] = (counts[method] ?? 0) + 1;
        const faultIndex = faults.findIndex((f) => !f.method || f.method === method);
        if (faultIndex >= 0) {
          const [fault] = faults.splice(faultIndex, 1);
          callback({ code: grpc.status[fault!.code], details: `injected ${fault!.code}` });
          return;
        }
        if (!handler) {
          callback({ code: grpc.status.UNIMPLEMENTED, details: `${method} is not implemented by the fake` });
          return;
        }
        try {
          requirePermission(method);
          callback(null, handler(call.request));
        } catch (err) {
          if (err instanceof RpcError) callback({ code: err.code, details: err.message });
          else callback({ code: grpc.status.INTERNAL, details: String(err) });
        }
      };
    }
    return impl;
  };

  const services = loadServices();
  const server = new grpc.Server();
  server.addService(services.kms, implement(services.kms, kmsHandlers));
  server.addService(services.iam, implement(services.iam, iamHandlers));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );

  return {
    endpoint: `127.0.0.1:${port}`,
    port,
    addKeyRing,
    setGrantedPermissions(permissions) {
      granted = new Set(permissions);
    },
    failNext(count, code, method) {
      for (let i = 0; i < count; i++) faults.push({ code, method });
    },
    calls: () => ({ ...counts }),
    publicKeyPem(versionName) {
      const m = VERSION_NAME.exec(versionName);
      return m ? keyRings.get(m[1]!)?.keys.get(m[2]!)?.versions[Number(m[3]) - 1]?.publicKeyPem : undefined;
    },
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}

/**
 * The client factory for tests: the production options (endpoint override, credentials, project) with the channel
 * swapped for an insecure one, as gax uses `sslCreds` instead of TLS + credentials when it is given.
 */
export function insecureGcpClientFactory(options: GcpKmsClientOptions): KeyManagementServiceClient {
  return new KeyManagementServiceClient({ ...options, sslCreds: grpc.credentials.createInsecure() });
}
