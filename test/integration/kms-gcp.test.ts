/**
 * The GCP KMS probe against the in-repo Cloud KMS fake (test/env/gcp-kms-fake.ts), through the real
 * @google-cloud/kms client over gRPC. Only the channel differs from production (insecure instead of TLS); the client
 * options, including the endpoint override and the credentials, are the production ones.
 */
import { createHash, generateKeyPairSync, verify } from 'node:crypto';
import type { Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createGcpKmsProbe, gcpClientOptions, keyRingName, CANTON_GCP_PERMISSIONS } from '../../src/kms/gcp.ts';
import type { KmsCallRecord, KmsCredentials } from '../../src/kms/index.ts';
import type { KmsSpec } from '../../src/api/types.ts';
import { ALL_FAKE_PERMISSIONS, insecureGcpClientFactory, startGcpKmsFake } from '../env/gcp-kms-fake.ts';
import type { GcpKmsFake } from '../env/gcp-kms-fake.ts';

// No GCE metadata server here; without this google-auth-library probes it and warns.
process.env.METADATA_SERVER_DETECTION = 'none';

const RING = { projectId: 'sv-project', locationId: 'us-east1', keyRingId: 'canton' };
let fake: GcpKmsFake;
const probe = createGcpKmsProbe(insecureGcpClientFactory);

function gcpSpec(overrides: Partial<typeof RING> = {}, endpointOverride = fake.endpoint): KmsSpec {
  return {
    provider: 'gcp',
    gcp: { ...RING, ...overrides, auditLogging: false, endpointOverride },
    credentials: { serviceAccountName: 'participant' },
    sessionKeys: { encryptionKeyCacheTtl: '1h', encryptionKeyCacheSize: 100000 },
    allowUnknownExtraConfigKeys: false,
  };
}
const ringName = keyRingName({ ...RING, auditLogging: false });

/** A syntactically real service-account key file (its key is fresh and known to nobody). */
function serviceAccountJson(): { json: string; privateKey: string } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const json = JSON.stringify({ type: 'service_account', project_id: 'sv-project', private_key_id: 'abcdef0123456789abcdef0123456789abcdef01', private_key: pem, client_email: 'participant@sv-project.iam.gserviceaccount.com', client_id: '1234567890' });
  return { json, privateKey: pem };
}

beforeAll(async () => {
  fake = await startGcpKmsFake({ keyRings: [ringName] });
});
afterAll(async () => {
  await fake?.stop();
});
afterEach(() => {
  fake.setGrantedPermissions(ALL_FAKE_PERMISSIONS);
});

describe('GCP KMS preflight against the fake, through the real client', () => {
  it('passes when the key ring exists and every permission is granted', async () => {
    const calls: KmsCallRecord[] = [];
    const report = await probe.preflight(gcpSpec(), undefined, { onCall: (c) => calls.push(c) });
    expect(report.failure).toBeUndefined();
    expect(report.ok).toBe(true);
    expect(report.verified).toContain(`key ring ${ringName} exists (GetKeyRing)`);
    for (const p of CANTON_GCP_PERMISSIONS) expect(report.verified).toContain(`${p} granted on ${ringName}`);
    expect(report.notVerified.join('\n')).toContain('fail open');
    expect(calls.map((c) => `${c.provider}:${c.operation}:${c.outcome}`)).toEqual(['gcp:GetKeyRing:ok', 'gcp:TestIamPermissions:ok']);
  });

  it('passes with service-account credentials and keeps the key out of everything it returns', async () => {
    const { json, privateKey } = serviceAccountJson();
    const creds: KmsCredentials = { gcp: { credentialsJson: json } };
    expect(gcpClientOptions(gcpSpec().gcp!, creds).authClient).toMatchObject({ email: 'participant@sv-project.iam.gserviceaccount.com' });
    const ok = await probe.preflight(gcpSpec(), creds);
    expect(ok.ok).toBe(true);
    const failed = await probe.preflight(gcpSpec({ keyRingId: 'missing' }), creds);
    expect(failed.ok).toBe(false);
    const text = JSON.stringify([ok, failed]);
    expect(text).not.toContain(privateKey.split('\n')[1]);
    expect(text).not.toContain('abcdef0123456789abcdef0123456789abcdef01');
  });

  it('refuses credential files other than service-account keys (they can make the auth library run programs)', async () => {
    const external = JSON.stringify({ type: 'external_account', credential_source: { executable: { command: '/bin/true' } } });
    const report = await probe.preflight(gcpSpec(), { gcp: { credentialsJson: external } });
    expect(report.failure).toMatchObject({ reason: 'KmsCredentialsInvalid', transient: false });
    expect(report.failure!.message).toContain('external_account');
  });

  it('rejects credentials that are not JSON without quoting them', async () => {
    const secretish = 'not-json-but-a-secret-value-0123456789';
    const report = await probe.preflight(gcpSpec(), { gcp: { credentialsJson: secretish } });
    expect(report.failure).toMatchObject({ reason: 'KmsCredentialsInvalid', transient: false });
    expect(JSON.stringify(report)).not.toContain(secretish);
  });

  it('fails with KeyRingNotFound, naming the full key ring and what to do', async () => {
    const report = await probe.preflight(gcpSpec({ keyRingId: 'nope' }), undefined);
    expect(report.ok).toBe(false);
    expect(report.failure).toMatchObject({ reason: 'KeyRingNotFound', transient: false });
    expect(report.failure!.message).toContain('projects/sv-project/locations/us-east1/keyRings/nope');
    expect(report.failure!.message).toContain('gcloud kms keyrings create nope');
  });

  it('fails with KmsPermissionDenied naming each missing permission', async () => {
    const missing = ['cloudkms.cryptoKeys.create', 'cloudkms.cryptoKeyVersions.useToSign', 'cloudkms.cryptoKeyVersions.useToDecrypt'];
    fake.setGrantedPermissions(ALL_FAKE_PERMISSIONS.filter((p) => !missing.includes(p)));
    const report = await probe.preflight(gcpSpec(), undefined);
    expect(report.ok).toBe(false);
    expect(report.failure).toMatchObject({ reason: 'KmsPermissionDenied', transient: false });
    for (const p of missing) expect(report.failure!.message).toContain(p);
    expect(report.failure!.message).toContain('3 permission(s)');
    expect(report.failure!.message).not.toContain('cloudkms.cryptoKeyVersions.get ');
    expect(report.verified).toContain(`cloudkms.cryptoKeyVersions.get granted on ${ringName}`);
  });

  it('tells PERMISSION_DENIED on GetKeyRing apart: KeyRingAccessDenied when IAM grants nothing', async () => {
    fake.setGrantedPermissions([]);
    const report = await probe.preflight(gcpSpec(), undefined);
    expect(report.failure).toMatchObject({ reason: 'KeyRingAccessDenied', transient: false });
    expect(report.failure!.message).toContain(ringName);
    expect(report.failure!.message).toContain('PERMISSION_DENIED');
  });

  it('passes when only cloudkms.keyRings.get is missing (Canton does not need it), inferring that the key ring exists', async () => {
    fake.setGrantedPermissions(ALL_FAKE_PERMISSIONS.filter((p) => p !== 'cloudkms.keyRings.get'));
    const report = await probe.preflight(gcpSpec(), undefined);
    expect(report.failure).toBeUndefined();
    expect(report.ok).toBe(true);
    expect(report.verified.join('\n')).toContain('inferred');
  });

  it('maps UNAVAILABLE to transient, with a single call (no hidden client retries)', async () => {
    const before = fake.calls().GetKeyRing ?? 0;
    fake.failNext(1, 'UNAVAILABLE', 'GetKeyRing');
    const report = await probe.preflight(gcpSpec(), undefined);
    expect(report.failure).toMatchObject({ reason: 'KmsUnavailable', transient: true });
    expect((fake.calls().GetKeyRing ?? 0) - before).toBe(1);
    expect((await probe.preflight(gcpSpec(), undefined)).ok).toBe(true);
  });

  it('maps RESOURCE_EXHAUSTED on TestIamPermissions to a transient KmsThrottled', async () => {
    fake.failNext(1, 'RESOURCE_EXHAUSTED', 'TestIamPermissions');
    const report = await probe.preflight(gcpSpec(), undefined);
    expect(report.failure).toMatchObject({ reason: 'KmsThrottled', transient: true });
  });

  it('reports a timeout as transient KmsTimeout when the endpoint never answers', async () => {
    // A TCP listener that accepts and never speaks HTTP/2: the call can only end by its deadline.
    const { createServer } = await import('node:net');
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    try {
      const report = await probe.preflight(gcpSpec({}, `127.0.0.1:${port}`), undefined, { timeoutMs: 300 });
      expect(report.failure).toMatchObject({ reason: 'KmsTimeout', transient: true });
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((r) => silent.close(r));
    }
  });
});

describe('counting keys in the key ring', () => {
  it('counts crypto keys after CreateCryptoKey (paginated), and the keys really sign', async () => {
    const countRing = 'projects/sv-project/locations/us-east1/keyRings/count';
    fake.addKeyRing(countRing);
    const spec = gcpSpec({ keyRingId: 'count' });
    expect(await probe.countCantonKeys(spec, undefined)).toBe(0);

    const client = insecureGcpClientFactory(gcpClientOptions(spec.gcp!, undefined));
    try {
      for (let i = 0; i < 103; i++) {
        const signing = i % 2 === 0;
        await client.createCryptoKey({
          parent: countRing,
          cryptoKeyId: `k-${i}`,
          cryptoKey: signing
            ? { purpose: 'ASYMMETRIC_SIGN', versionTemplate: { algorithm: 'EC_SIGN_P256_SHA256', protectionLevel: 'HSM' } }
            : { purpose: 'ASYMMETRIC_DECRYPT', versionTemplate: { algorithm: 'RSA_DECRYPT_OAEP_2048_SHA256', protectionLevel: 'HSM' } },
        });
      }
      const listCalls = fake.calls().ListCryptoKeys ?? 0;
      expect(await probe.countCantonKeys(spec, undefined)).toBe(103);
      expect((fake.calls().ListCryptoKeys ?? 0) - listCalls).toBe(2);

      // The fake's keys are real keys: AsymmetricSign over a digest verifies against GetPublicKey.
      const version = `${countRing}/cryptoKeys/k-0/cryptoKeyVersions/1`;
      const [publicKey] = await client.getPublicKey({ name: version });
      const message = Buffer.from('canton namespace delegation');
      const digest = createHash('sha256').update(message).digest();
      const [signed] = await client.asymmetricSign({ name: version, digest: { sha256: digest } });
      expect(verify('sha256', message, publicKey.pem!, Buffer.from(signed.signature as Uint8Array))).toBe(true);
      expect(verify('sha256', Buffer.from('something else'), publicKey.pem!, Buffer.from(signed.signature as Uint8Array))).toBe(false);

      await expect(client.createCryptoKey({ parent: countRing, cryptoKeyId: 'k-0', cryptoKey: { purpose: 'ASYMMETRIC_SIGN', versionTemplate: { algorithm: 'EC_SIGN_P256_SHA256' } } }))
        .rejects.toMatchObject({ code: 6 });
      await expect(client.createCryptoKey({ parent: countRing, cryptoKeyId: 'bad', cryptoKey: { purpose: 'ASYMMETRIC_SIGN', versionTemplate: { algorithm: 'RSA_DECRYPT_OAEP_2048_SHA256' } } }))
        .rejects.toMatchObject({ code: 3 });
    } finally {
      await client.close();
    }
  });

  it('throws KeyRingNotFound for a missing key ring and a transient KmsError on UNAVAILABLE', async () => {
    await expect(probe.countCantonKeys(gcpSpec({ keyRingId: 'gone' }), undefined)).rejects.toMatchObject({ failure: { reason: 'KeyRingNotFound', transient: false } });
    fake.failNext(1, 'UNAVAILABLE', 'ListCryptoKeys');
    await expect(probe.countCantonKeys(gcpSpec(), undefined)).rejects.toMatchObject({ failure: { reason: 'KmsUnavailable', transient: true } });
  });
});
