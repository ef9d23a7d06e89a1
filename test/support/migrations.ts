/**
 * Test migrations built from the examples, placed in a test namespace and pointed at the local KMS servers, and the
 * objects they need (credentials Secret, key ring).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load, YAML11_SCHEMA } from 'js-yaml';
import { REPO_ROOT } from '../env/binaries.ts';
import { type KubeClient } from '../../src/controller/kube-client.ts';
import { RESOURCES, SVKMS_MIGRATIONS } from '../../src/operator/resources.ts';
import type { SvKmsMigration } from '../../src/api/types.ts';

export const TEST_GCP = { projectId: 'acme-kms-test', locationId: 'us-east1', keyRingId: 'canton-test-keys' } as const;
export const TEST_GCP_KEY_RING = `projects/${TEST_GCP.projectId}/locations/${TEST_GCP.locationId}/keyRings/${TEST_GCP.keyRingId}`;

export function exampleMigration(provider: 'aws' | 'gcp'): SvKmsMigration {
  return load(readFileSync(join(REPO_ROOT, 'examples', `${provider}-migration.yaml`), 'utf8'), { schema: YAML11_SCHEMA }) as SvKmsMigration;
}

/** An AWS migration in `namespace` whose KMS is moto at `endpoint`, with static credentials from `aws-kms-credentials`. */
export function awsTestMigration(name: string, namespace: string, motoEndpoint: string): SvKmsMigration {
  const m = exampleMigration('aws');
  m.metadata = { name, namespace };
  m.spec.newSv.namespace = namespace;
  m.spec.oldSv.namespace = namespace;
  m.spec.kms.aws = { ...m.spec.kms.aws!, endpointOverride: motoEndpoint };
  m.spec.kms.credentials = { secretRef: { name: 'aws-kms-credentials' } } as SvKmsMigration['spec']['kms']['credentials'];
  return m;
}

/** A GCP migration in `namespace` whose KMS is the fake at `endpoint` (host:port), with a credentials file Secret. */
export function gcpTestMigration(name: string, namespace: string, endpoint: string): SvKmsMigration {
  const m = exampleMigration('gcp');
  m.metadata = { name, namespace };
  m.spec.newSv.namespace = namespace;
  m.spec.oldSv.namespace = namespace;
  m.spec.kms.gcp = { ...TEST_GCP, endpointOverride: endpoint } as SvKmsMigration['spec']['kms']['gcp'];
  m.spec.kms.credentials = { secretRef: { name: 'gcp-kms-credentials' } } as SvKmsMigration['spec']['kms']['credentials'];
  return m;
}

/** Values the tests treat as secrets: the leak scan looks for them everywhere. */
export const TEST_AWS_SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEYsvkms';
export const TEST_GCP_PRIVATE_KEY = 'fake-gcp-private-key-material-for-svkms-tests';
export const TEST_GCP_CREDENTIALS = JSON.stringify({ type: 'service_account', private_key: TEST_GCP_PRIVATE_KEY, client_email: 'canton@acme-kms-test.iam.gserviceaccount.com' });

export async function createAwsCredentials(client: KubeClient, namespace: string): Promise<void> {
  await client.create(RESOURCES.secrets, namespace, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'aws-kms-credentials', namespace },
    stringData: { accessKeyId: 'AKIASVKMSTEST0000001', secretAccessKey: TEST_AWS_SECRET_ACCESS_KEY },
  } as never);
}

export async function createGcpCredentials(client: KubeClient, namespace: string): Promise<void> {
  await client.create(RESOURCES.secrets, namespace, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'gcp-kms-credentials', namespace },
    stringData: { googleCredentials: TEST_GCP_CREDENTIALS },
  } as never);
}

export async function applyMigration(client: KubeClient, m: SvKmsMigration): Promise<SvKmsMigration> {
  return await client.create(SVKMS_MIGRATIONS, m.metadata.namespace, m as never);
}
