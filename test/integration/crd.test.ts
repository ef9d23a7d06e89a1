/**
 * The SvKmsMigration CRD against the real API server: it installs, `kubectl explain` shows the descriptions, valid
 * manifests are accepted and defaulted, bad ones are rejected with a message that names the field.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { load } from 'js-yaml';
import { ApiextensionsV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { testBinaries, REPO_ROOT } from '../env/binaries.ts';
import { createTestNamespace, testKubeConfig } from '../env/kube.ts';
import { CRD_NAME } from '../../src/api/crd.ts';
import { GROUP, PLURAL, VERSION } from '../../src/api/schema.ts';
import type { SvKmsMigration } from '../../src/api/types.ts';
import { badManifests, loadExample } from '../fixtures/bad-manifests.ts';

let kc: KubeConfig;
let objects: CustomObjectsApi;
let namespace: string;

function example(provider: 'aws' | 'gcp'): SvKmsMigration {
  return load(readFileSync(`${REPO_ROOT}/examples/${provider}-migration.yaml`, 'utf8')) as SvKmsMigration;
}

async function create(body: SvKmsMigration, fieldValidation?: 'Strict'): Promise<SvKmsMigration> {
  body.metadata.namespace = namespace;
  return (await objects.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, body, fieldValidation })) as SvKmsMigration;
}

async function rejection(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
  } catch (err) {
    const e = err as { code?: number; body?: unknown };
    // 422 Invalid for schema and CEL violations, 400 BadRequest for unknown fields under strict field validation.
    expect([400, 422]).toContain(e.code);
    return typeof e.body === 'string' ? e.body : JSON.stringify(e.body);
  }
  throw new Error('the API server accepted it');
}

beforeAll(async () => {
  kc = testKubeConfig();
  objects = kc.makeApiClient(CustomObjectsApi);
  namespace = await createTestNamespace(kc, 'crd');
});

describe('SvKmsMigration CRD', () => {
  it('is Established with the short name, status subresource and printer columns', async () => {
    const crd = await kc.makeApiClient(ApiextensionsV1Api).readCustomResourceDefinition({ name: CRD_NAME });
    expect(crd.status?.conditions?.find((c) => c.type === 'Established')?.status).toBe('True');
    expect(crd.spec.names.shortNames).toEqual(['skm']);
    const version = crd.spec.versions[0]!;
    expect(version.subresources?.status).toEqual({});
    expect(version.additionalPrinterColumns?.map((c) => c.name)).toEqual(
      expect.arrayContaining(['Phase', 'Provider', 'Old SV', 'New SV', 'Old Weight', 'New Weight', 'Age']),
    );
  });

  it('kubectl explain shows the field descriptions', () => {
    const out = execFileSync(testBinaries().kubectl, ['--kubeconfig', process.env.SVKMS_TEST_KUBECONFIG!, 'explain', 'svkmsmigration.spec.kms'], {
      encoding: 'utf8',
    });
    expect(out).toContain('The external KMS of the new participant');
    expect(out).toMatch(/provider\s+<string> -required-/);
    expect(out).toContain('Target KMS provider. Immutable.');
    const aws = execFileSync(testBinaries().kubectl, ['--kubeconfig', process.env.SVKMS_TEST_KUBECONFIG!, 'explain', 'skm.spec.kms.aws.endpointOverride'], {
      encoding: 'utf8',
    });
    expect(aws).toContain('Custom KMS endpoint URL');
  });

  it.each(['aws', 'gcp'] as const)('accepts the %s example and fills in the defaults', async (provider) => {
    const created = await create(example(provider), 'Strict');
    expect(created.spec.kms.provider).toBe(provider);
    expect(created.spec.workflow.weightTransfer).toEqual({ approved: false, effectiveAtThreshold: false, mode: 'Operator', attempt: 1 });
    expect(created.spec.network.name).toBe('MainNet');
    // No cache defaults in the schema: the renderer uses the target Splice version's own (research/splice-versions.md §2).
    expect(created.spec.kms.sessionKeys).toEqual({});
    expect(created.spec.newSv.governanceKey).toEqual({ secretName: 'splice-app-sv-cometbft-governance-key', generate: true });
    expect(created.spec.paused).toBe(false);
  });

  it('rejects an unknown field under strict field validation, naming it, and prunes it otherwise', async () => {
    const m = example('aws');
    m.metadata.name = 'unknown-field';
    (m.spec.kms.aws as unknown as Record<string, unknown>).regoin = 'us-east-2';
    expect(await rejection(() => create(structuredClone(m), 'Strict'))).toContain('spec.kms.aws.regoin');
    const created = await create(m);
    expect(created.spec.kms.aws).not.toHaveProperty('regoin');
  });

  it('needs no SV app client when every vote is External and the transfer Manual; needs one otherwise', async () => {
    const m = example('aws');
    m.metadata.name = 'no-sv-app-client';
    delete (m.spec.oldSv as { auth?: unknown }).auth;
    const workflow = m.spec.workflow as unknown as Record<string, Record<string, unknown>>;
    workflow.weightTransfer = { ...workflow.weightTransfer, mode: 'External' };
    workflow.offboarding = { ...workflow.offboarding, mode: 'External' };
    const operatorVotes = structuredClone(m);
    workflow.assetTransfer = { ...workflow.assetTransfer, mode: 'Manual' };
    const created = await create(structuredClone(m));
    expect(created.spec.oldSv.auth).toBeUndefined();
    (operatorVotes.spec.workflow as unknown as Record<string, Record<string, unknown>>).offboarding!.mode = 'Operator';
    expect(await rejection(() => create(operatorVotes))).toContain('spec.oldSv.auth is required');
  });

  it('keeps kms.provider and newSv.name immutable', async () => {
    const m = example('aws');
    m.metadata.name = 'immutable';
    const created = await create(m);
    const name = created.metadata.name;
    const replace = (mutate: (x: SvKmsMigration) => void) => async () => {
      const current = (await objects.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name })) as SvKmsMigration;
      mutate(current);
      await objects.replaceNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name, body: current });
    };
    const toGcp = await rejection(
      replace((x) => {
        x.spec.kms.provider = 'gcp';
        delete x.spec.kms.aws;
        x.spec.kms.gcp = { projectId: 'acme-kms-1', locationId: 'us-east1', keyRingId: 'ring', auditLogging: false };
      }),
    );
    expect(toGcp).toContain('spec.kms.provider');
    expect(toGcp).toContain('immutable');
    const rename = await rejection(replace((x) => (x.spec.newSv.name = 'Acme-3')));
    expect(rename).toContain('spec.newSv.name');
    expect(rename).toContain('immutable');
    // Gates stay mutable: that is how a Git commit opens a step.
    await replace((x) => {
      x.spec.workflow.weightTransfer.approved = true;
      x.spec.workflow.weightTransfer.reasonUrl = 'https://github.com/global-synchronizer-foundation/configs/pull/1';
    })();
    // On MainNet a vote gate opens only with the reason URL the other SV operators review.
    const noReason = await rejection(replace((x) => (x.spec.workflow.offboarding.approved = true)));
    expect(noReason).toContain('spec.workflow.offboarding.reasonUrl is required to approve the vote on MainNet and TestNet');
  });

  const onCreate = badManifests.filter((b) => !b.transition);
  it(`the shared table has at least 12 manifests rejected on create (${onCreate.length})`, () => {
    expect(onCreate.length).toBeGreaterThanOrEqual(12);
  });

  it.each(onCreate.map((b) => [b.name, b] as const))('rejects: %s', async (_name, bad) => {
    const m = loadExample(bad.example);
    bad.mutate(m);
    const body = m as unknown as SvKmsMigration;
    // A unique name (the valid ones would collide), unless the name itself is what is wrong.
    const name = bad.expectPath === 'metadata.name' ? body.metadata.name : `bad-${Math.random().toString(16).slice(2, 10)}`;
    body.metadata = { ...body.metadata, name, namespace };
    const message = await rejection(() => create(body, bad.needsStrictFieldValidation ? 'Strict' : undefined));
    expect(message).toContain(bad.expectPath);
  });

  it.each(badManifests.filter((b) => b.transition).map((b) => [b.name, b] as const))('rejects the update: %s', async (_name, bad) => {
    const old = loadExample(bad.example);
    bad.transition!.mutateOld(old);
    const body = old as unknown as SvKmsMigration;
    body.metadata = { ...body.metadata, name: `upd-${Math.random().toString(16).slice(2, 10)}`, namespace };
    const created = await create(body);
    const next = loadExample(bad.example);
    bad.mutate(next);
    const update = { ...(next as unknown as SvKmsMigration), metadata: created.metadata };
    const message = await rejection(() =>
      objects.replaceNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name: created.metadata.name, body: update }),
    );
    expect(message).toContain(bad.expectPath);
  });
});
