/**
 * The AWS KMS probe against moto's server (a real HTTP KMS implementation with SigV4 and IAM checks), through the real
 * @aws-sdk/client-kms. Credential and permission rejections come from moto's IAM mode; a small proxy
 * (test/env/aws-kms-proxy.ts) rewrites moto's XML rejections into KMS's JSON wire shape and injects throttling.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { kmsProbeFor } from '../../src/kms/index.ts';
import { createAwsKmsProbe } from '../../src/kms/aws.ts';
import type { KmsCallRecord, KmsCredentials } from '../../src/kms/index.ts';
import type { KmsSpec } from '../../src/api/types.ts';
import { createCantonKeys, createForeignKey, createIamUser, MOTO_ANY_CREDENTIALS, scheduleKeyDeletion, startMoto } from '../env/moto.ts';
import type { MotoServer } from '../env/moto.ts';
import { startAwsKmsProxy } from '../env/aws-kms-proxy.ts';
import type { AwsKmsProxy } from '../env/aws-kms-proxy.ts';

let moto: MotoServer;
let proxy: AwsKmsProxy;

beforeAll(async () => {
  moto = await startMoto();
  proxy = await startAwsKmsProxy(moto.endpoint);
});
afterAll(async () => {
  await proxy?.stop();
  await moto?.stop();
});
afterEach(async () => {
  await moto.reset();
});

function awsSpec(endpointOverride: string): KmsSpec {
  return {
    provider: 'aws',
    aws: { region: 'us-east-1', multiRegionKey: false, auditLogging: false, disableSslVerification: false, endpointOverride },
    credentials: { serviceAccountName: 'participant' },
    sessionKeys: { encryptionKeyCacheTtl: '1h', encryptionKeyCacheSize: 100000 },
    allowUnknownExtraConfigKeys: false,
  };
}

const anyCreds: KmsCredentials = { aws: { ...MOTO_ANY_CREDENTIALS } };
const probe = kmsProbeFor('aws');

/** Every string of a report, for "no secret leaks" assertions. */
const allText = (value: unknown) => JSON.stringify(value);

describe('AWS KMS preflight against moto', () => {
  it('passes, lists what it verified, and says honestly what it could not verify', async () => {
    await createCantonKeys(moto.endpoint, { signing: 1, encryption: 0 });
    const calls: KmsCallRecord[] = [];
    const report = await probe.preflight(awsSpec(moto.endpoint), anyCreds, { onCall: (c) => calls.push(c) });
    expect(report.failure).toBeUndefined();
    expect(report.ok).toBe(true);
    expect(report.verified.join('\n')).toContain('ListKeys');
    expect(report.verified.join('\n')).toContain('ListResourceTags');
    for (const permission of ['kms:CreateKey', 'kms:TagResource', 'kms:Sign', 'kms:Decrypt']) {
      expect(report.notVerified.some((line) => line.includes(permission) && line.includes('not verified'))).toBe(true);
    }
    expect(calls.map((c) => `${c.provider}:${c.operation}:${c.outcome}`)).toEqual(['aws:ListKeys:ok', 'aws:ListResourceTags:ok']);
    expect(calls.every((c) => c.seconds >= 0)).toBe(true);
  });

  it('honours the endpoint override: the requests go where the spec points', async () => {
    const before = proxy.calls().ListKeys ?? 0;
    const report = await probe.preflight(awsSpec(proxy.endpoint), anyCreds);
    expect(report.ok).toBe(true);
    expect((proxy.calls().ListKeys ?? 0) - before).toBe(1);
    expect(report.verified.join('\n')).toContain(proxy.endpoint);
  });

  it('reports an unreachable endpoint as transient', async () => {
    const closed = await startAwsKmsProxy(moto.endpoint);
    const deadEndpoint = closed.endpoint;
    await closed.stop();
    const report = await probe.preflight(awsSpec(deadEndpoint), anyCreds);
    expect(report.ok).toBe(false);
    expect(report.failure).toMatchObject({ reason: 'KmsUnreachable', transient: true });
    expect(report.failure!.message).toContain(deadEndpoint);
  });

  describe('with moto enforcing IAM authentication', () => {
    let allowed: { accessKeyId: string; secretAccessKey: string };
    let noPolicy: { accessKeyId: string; secretAccessKey: string };

    // The outer afterEach resets moto after every test (users gone, IAM auth off); set them up again for each test.
    beforeEach(async () => {
      allowed = await createIamUser(moto.endpoint, 'operator', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] });
      noPolicy = await createIamUser(moto.endpoint, 'nobody');
      await moto.setIamAuth(true);
    });

    it('passes with an access key that moto knows and whose policy allows KMS', async () => {
      const report = await probe.preflight(awsSpec(proxy.endpoint), { aws: allowed });
      expect(report.failure).toBeUndefined();
      expect(report.ok).toBe(true);
    });

    it('fails non-transiently with KmsCredentialsRejected for an unknown access key, without leaking the secret', async () => {
      const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYUNKNOWNKEY';
      const report = await probe.preflight(awsSpec(proxy.endpoint), { aws: { accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: secret } });
      expect(report.ok).toBe(false);
      expect(report.failure).toMatchObject({ reason: 'KmsCredentialsRejected', transient: false });
      expect(report.failure!.message).toContain('UnrecognizedClientException');
      expect(allText(report)).not.toContain(secret);
    });

    it('fails with KmsCredentialsRejected when the secret access key does not match (moto checks the signature)', async () => {
      const wrongSecret = `${allowed.secretAccessKey.slice(0, -4)}XXXX`;
      const report = await probe.preflight(awsSpec(proxy.endpoint), { aws: { accessKeyId: allowed.accessKeyId, secretAccessKey: wrongSecret } });
      expect(report.failure).toMatchObject({ reason: 'KmsCredentialsRejected', transient: false });
      expect(report.failure!.message).toContain('InvalidSignatureException');
      expect(allText(report)).not.toContain(wrongSecret);
      expect(allText(report)).not.toContain(allowed.secretAccessKey);
    });

    it('fails with KmsPermissionDenied when the credentials are valid but the policy does not allow ListKeys', async () => {
      const report = await probe.preflight(awsSpec(proxy.endpoint), { aws: noPolicy });
      expect(report.failure).toMatchObject({ reason: 'KmsPermissionDenied', transient: false });
      expect(report.failure!.message).toContain('kms:ListKeys');
      expect(allText(report)).not.toContain(noPolicy.secretAccessKey);
    });
  });

  describe('transient failures', () => {
    it('maps ThrottlingException to a transient KmsThrottled, and recovers on the next call', async () => {
      proxy.failNext(1, 'ThrottlingException');
      const throttled = await probe.preflight(awsSpec(proxy.endpoint), anyCreds);
      expect(throttled.ok).toBe(false);
      expect(throttled.failure).toMatchObject({ reason: 'KmsThrottled', transient: true });
      const again = await probe.preflight(awsSpec(proxy.endpoint), anyCreds);
      expect(again.ok).toBe(true);
    });

    it('maps a 500 and a 503 to a transient KmsUnavailable, with one attempt each (no hidden SDK retries)', async () => {
      for (const fault of ['InternalFailure500', 'ServiceUnavailable503'] as const) {
        const before = proxy.calls().ListKeys ?? 0;
        proxy.failNext(1, fault);
        const report = await probe.preflight(awsSpec(proxy.endpoint), anyCreds);
        expect(report.failure).toMatchObject({ reason: 'KmsUnavailable', transient: true });
        expect((proxy.calls().ListKeys ?? 0) - before).toBe(1);
      }
    });

    it('aborts when the caller signal fires and reports it as transient', async () => {
      const controller = new AbortController();
      controller.abort();
      const report = await probe.preflight(awsSpec(proxy.endpoint), anyCreds, { signal: controller.signal });
      expect(report.failure).toMatchObject({ reason: 'KmsCallAborted', transient: true });
    });
  });
});

describe('counting the keys Canton created in moto', () => {
  it('counts keys tagged CreatedBy=Canton, across pages, skipping other keys and keys pending deletion', async () => {
    const spec = awsSpec(moto.endpoint);
    expect(await probe.countCantonKeys(spec, anyCreds)).toBe(0);

    const canton = await createCantonKeys(moto.endpoint, { signing: 2, encryption: 1, customTags: { team: 'sv' } });
    await createForeignKey(moto.endpoint);
    expect(await probe.countCantonKeys(spec, anyCreds)).toBe(3);

    await scheduleKeyDeletion(moto.endpoint, canton[0]!);
    expect(await probe.countCantonKeys(spec, anyCreds)).toBe(2);

    // More keys than one ListKeys page (100) to exercise the marker.
    await createCantonKeys(moto.endpoint, { signing: 99, encryption: 0 });
    expect(await probe.countCantonKeys(spec, anyCreds)).toBe(101);
  });

  it('throws a classified KmsError (transient) when KMS throttles', async () => {
    proxy.failNext(1, 'ThrottlingException');
    await expect(probe.countCantonKeys(awsSpec(proxy.endpoint), anyCreds)).rejects.toMatchObject({ name: 'KmsError', failure: { reason: 'KmsThrottled', transient: true } });
  });

  it('uses the injected client factory with the configuration built from the spec', async () => {
    const seen: unknown[] = [];
    const { KMSClient } = await import('@aws-sdk/client-kms');
    const custom = createAwsKmsProbe((config) => (seen.push(config), new KMSClient(config)));
    await custom.countCantonKeys(awsSpec(moto.endpoint), anyCreds);
    expect(seen).toEqual([expect.objectContaining({ region: 'us-east-1', endpoint: moto.endpoint, maxAttempts: 1 })]);
  });
});
