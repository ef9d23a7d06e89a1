/**
 * AWS KMS preflight and key observation. The preflight proves that the credentials are accepted and the region (or
 * endpoint override) answers (`ListKeys`), and that the operator can read key tags. It cannot prove that Canton may
 * create keys: CreateKey and TagResource have no dry-run, so the report says so instead of pretending.
 */
import { Agent as HttpsAgent } from 'node:https';
import { KMSClient, ListKeysCommand, ListResourceTagsCommand, DescribeKeyCommand } from '@aws-sdk/client-kms';
import type { KMSClientConfig } from '@aws-sdk/client-kms';
import type { AwsKmsSpec } from '../api/types.ts';
import { secretsOf, timedCall } from './call.ts';
import { classifyAwsError } from './aws-errors.ts';
import type { AwsCallContext } from './aws-errors.ts';
import { KmsError } from './types.ts';
import type { KmsClientOptions, KmsCredentials, KmsPreflightReport, KmsProbe, KmsSpec } from './types.ts';

/** Makes the SDK client; injectable so tests can observe the configuration. */
export type AwsKmsClientFactory = (config: KMSClientConfig) => KMSClient;

/** The tag Canton puts on every key it creates. */
export const CANTON_KEY_TAG = { key: 'CreatedBy', value: 'Canton' } as const;

/** Permissions the participant needs that no side-effect-free call can prove, with why. */
const AWS_NOT_VERIFIABLE = [
  'kms:CreateKey is not verified: AWS KMS has no dry-run for CreateKey; it is proven when the participant creates its first key',
  'kms:TagResource is not verified: tagging needs an existing key; it is proven when the participant creates its first key (Canton tags every key CreatedBy=Canton)',
  'kms:Sign, kms:Decrypt, kms:GetPublicKey and kms:DescribeKey are not verified: they need the keys Canton has not created yet',
];

/** Builds the SDK configuration from the spec: region, endpoint override, credentials, one attempt per call. */
export function awsClientConfig(aws: AwsKmsSpec, creds: KmsCredentials | undefined): KMSClientConfig {
  const config: KMSClientConfig = {
    region: aws.region,
    // The controller retries with its own backoff and records each failure; hidden SDK retries would blur that.
    maxAttempts: 1,
  };
  if (aws.endpointOverride) config.endpoint = aws.endpointOverride;
  if (creds?.aws) config.credentials = { ...creds.aws };
  if (aws.disableSslVerification) {
    // Mirrors Canton's `disable-ssl-verification` (test endpoints with self-signed certificates); the schema keeps it test-only.
    config.requestHandler = { httpsAgent: new HttpsAgent({ rejectUnauthorized: false }) };
  }
  return config;
}

/** The AWS probe; `clientFactory` defaults to `new KMSClient(config)`. */
export function createAwsKmsProbe(clientFactory: AwsKmsClientFactory = (config) => new KMSClient(config)): KmsProbe {
  /** Runs `fn` with a fresh client and the call context, destroying the client afterwards. */
  async function withClient<T>(spec: KmsSpec, creds: KmsCredentials | undefined, fn: (client: KMSClient, aws: AwsKmsSpec, ctx: (operation: string) => AwsCallContext) => Promise<T>): Promise<T> {
    const aws = requireAws(spec);
    const client = clientFactory(awsClientConfig(aws, creds));
    const secrets = secretsOf(creds);
    try {
      return await fn(client, aws, (operation) => ({ operation, region: aws.region, endpoint: aws.endpointOverride, secrets }));
    } finally {
      client.destroy();
    }
  }

  /** One SDK call with deadline and signal; throws {@link KmsError} with the classified failure. */
  async function call<T>(client: KMSClient, ctx: AwsCallContext, opts: KmsClientOptions, send: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    try {
      return await timedCall('aws', ctx.operation, opts, send);
    } catch (err) {
      throw new KmsError(classifyAwsError(err, ctx));
    }
  }

  return {
    async preflight(spec, creds, opts = {}) {
      const verified: string[] = [];
      const notVerified = [...AWS_NOT_VERIFIABLE];
      try {
        await withClient(spec, creds, async (client, aws, ctx) => {
          const where = aws.endpointOverride ? `endpoint ${aws.endpointOverride}` : `region ${aws.region}`;
          const listed = await call(client, ctx('ListKeys'), opts, (abortSignal) => client.send(new ListKeysCommand({ Limit: 1 }), { abortSignal }));
          verified.push(`credentials accepted by AWS KMS at ${where} (ListKeys)`);
          const someKey = listed.Keys?.[0]?.KeyId;
          if (someKey) {
            await call(client, ctx('ListResourceTags'), opts, (abortSignal) => client.send(new ListResourceTagsCommand({ KeyId: someKey }), { abortSignal }));
            verified.push('the operator can read key tags (ListResourceTags), which it needs to observe the keys Canton creates');
          } else {
            notVerified.push('kms:ListResourceTags is not verified: the account has no key in this region yet');
          }
        });
      } catch (err) {
        if (err instanceof KmsError) return { ok: false, verified, notVerified, failure: err.failure };
        throw err;
      }
      return { ok: true, verified, notVerified } satisfies KmsPreflightReport;
    },

    async countCantonKeys(spec, creds, opts = {}) {
      return withClient(spec, creds, async (client, _aws, ctx) => {
        let count = 0;
        let marker: string | undefined;
        do {
          const page = await call(client, ctx('ListKeys'), opts, (abortSignal) => client.send(new ListKeysCommand({ Marker: marker, Limit: 100 }), { abortSignal }));
          for (const key of page.Keys ?? []) {
            if (key.KeyId && (await isLiveCantonKey(key.KeyId))) count++;
          }
          marker = page.Truncated ? page.NextMarker : undefined;
        } while (marker);
        return count;

        async function isLiveCantonKey(keyId: string): Promise<boolean> {
          if (!(await hasCantonTag(keyId))) return false;
          const described = await call(client, ctx('DescribeKey'), opts, (abortSignal) => client.send(new DescribeKeyCommand({ KeyId: keyId }), { abortSignal }));
          const state = described.KeyMetadata?.KeyState;
          return state !== 'PendingDeletion' && state !== 'PendingReplicaDeletion';
        }

        async function hasCantonTag(keyId: string): Promise<boolean> {
          let tagMarker: string | undefined;
          do {
            const tags = await call(client, ctx('ListResourceTags'), opts, (abortSignal) => client.send(new ListResourceTagsCommand({ KeyId: keyId, Marker: tagMarker }), { abortSignal }));
            if (tags.Tags?.some((t) => t.TagKey === CANTON_KEY_TAG.key && t.TagValue === CANTON_KEY_TAG.value)) return true;
            tagMarker = tags.Truncated ? tags.NextMarker : undefined;
          } while (tagMarker);
          return false;
        }
      });
    },
  };
}

function requireAws(spec: KmsSpec): AwsKmsSpec {
  if (spec.provider !== 'aws' || !spec.aws) throw new Error(`AWS KMS probe used with provider ${spec.provider} (spec.kms.aws ${spec.aws ? 'set' : 'missing'})`);
  return spec.aws;
}
