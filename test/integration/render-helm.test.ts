/**
 * The operator's values rendered by the real helm binary with the real upstream splice-participant and splice-sv-node
 * charts (0.4.15): the HOCON the chart produces, parsed, must equal what the operator expects Canton to read.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import { testBinaries, UPSTREAM_DIR } from '../env/binaries.ts';
import { migrationFor } from '../unit/render/fixtures.ts';
import type { SvKmsMigration } from '../../src/api/types.ts';
import { parseHocon } from '../../src/render/hocon-parse.ts';
import {
  CUSTOM_TAGS_ENV_VAR,
  expectedKmsConfig,
  expectedLiteralEnv,
  KMS_ENV_VAR,
  parseKmsEnv,
  renderParticipantValues,
  SESSION_KEY_CACHE_ENV_VAR,
} from '../../src/render/participant.ts';
import { renderSvNodeValues } from '../../src/render/sv-node.ts';
import { parseValuesYaml } from '../../src/render/values.ts';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type EnvVar = { name: string; value?: string; valueFrom?: Obj };

let work: string;
let helmEnv: NodeJS.ProcessEnv;

function makeWritable(path: string): void {
  chmodSync(path, statSync(path).isDirectory() ? 0o755 : 0o644);
  if (statSync(path).isDirectory()) for (const entry of readdirSync(path)) makeWritable(join(path, entry));
}

function helm(...args: string[]): string {
  return execFileSync(testBinaries().helm, args, { encoding: 'utf8', env: helmEnv, stdio: ['ignore', 'pipe', 'pipe'] });
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'sv-kms-render-helm-'));
  // The charts depend on ../splice-util-lib by file://, with no charts/ folder in the fixture: build the dependency in
  // a private copy (never in /work/shared), keeping the three charts side by side so the relative path resolves.
  for (const chart of ['splice-participant', 'splice-sv-node', 'splice-util-lib']) {
    cpSync(join(UPSTREAM_DIR, 'cluster', 'helm', chart), join(work, 'charts', chart), { recursive: true });
  }
  makeWritable(join(work, 'charts'));
  helmEnv = {
    PATH: process.env.PATH,
    HOME: work,
    HELM_CACHE_HOME: join(work, 'helm', 'cache'),
    HELM_CONFIG_HOME: join(work, 'helm', 'config'),
    HELM_DATA_HOME: join(work, 'helm', 'data'),
  };
  helm('dependency', 'build', join(work, 'charts', 'splice-participant'));
  helm('dependency', 'build', join(work, 'charts', 'splice-sv-node'));
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

let counter = 0;
/** `helm template` of one chart with the given values files; returns the rendered objects. */
function template(chart: 'splice-participant' | 'splice-sv-node', ...values: (string | Obj)[]): Obj[] {
  const files = values.map((v) => {
    if (typeof v === 'string') return v;
    const file = join(work, `values-${++counter}.yaml`);
    writeFileSync(file, renderedYamlOf(v));
    return file;
  });
  const out = helm('template', 'release', join(work, 'charts', chart), '--namespace', 'sv-kms', ...files.flatMap((f) => ['-f', f]));
  return (loadAll(out) as (Obj | null)[]).filter((d): d is Obj => d !== null);
}

function renderedYamlOf(v: Obj): string {
  return typeof v.yaml === 'string' ? v.yaml : JSON.stringify(v);
}

function deployment(objects: Obj[]): Obj {
  const d = objects.find((o) => o.kind === 'Deployment');
  if (!d) throw new Error('no Deployment rendered');
  return d;
}

function containerEnv(objects: Obj[]): EnvVar[] {
  return deployment(objects).spec.template.spec.containers[0].env as EnvVar[];
}

function envValue(env: EnvVar[], name: string): string {
  const found = env.find((e) => e.name === name);
  if (found?.value === undefined) throw new Error(`env var ${name} with a value not rendered`);
  return found.value;
}

/** All ADDITIONAL_CONFIG_* env vars concatenated in name order, as the image's entrypoint does, then parsed. */
async function participantConfig(env: EnvVar[]): Promise<Obj> {
  const texts = env
    .filter((e) => e.name.startsWith('ADDITIONAL_CONFIG') && e.value !== undefined)
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map((e) => e.value!);
  return parseHocon(texts.join('\n'));
}

const minimalParticipant = (): Obj => parseValuesYaml(readFileSync(join(UPSTREAM_DIR, 'derived/helm-render/inputs/participant-minimal-values.yaml'), 'utf8'));
const upstreamExample = (p: 'aws' | 'gcp'): string => join(UPSTREAM_DIR, `apps/app/src/pack/examples/sv-helm/kms-participant-${p}-values.yaml`);
const trimLines = (s: string): string => s.split('\n').map((l) => l.trimEnd()).join('\n').trimEnd();

function renderParticipant(m: SvKmsMigration): Obj[] {
  return template('splice-participant', renderParticipantValues(m, minimalParticipant()));
}

describe('splice-participant chart with the operator values', () => {
  it('reproduces the upstream example renders (checks this harness)', () => {
    for (const p of ['aws', 'gcp'] as const) {
      const env = containerEnv(template('splice-participant', join(UPSTREAM_DIR, 'derived/helm-render/inputs/participant-minimal-values.yaml'), upstreamExample(p)));
      expect(trimLines(envValue(env, KMS_ENV_VAR))).toBe(trimLines(readFileSync(join(UPSTREAM_DIR, `derived/expected-kms-hocon-${p}-example.conf`), 'utf8')));
    }
  });

  it('AWS: endpoint URL, multi-region key, retries with durations and a number >= 1e6, custom tags, static keys', async () => {
    const m = migrationFor('aws', (r) => {
      r.spec.kms.aws.endpointOverride = 'https://kms.us-east-1.vpce.example.com:443/kms';
      r.spec.kms.aws.customTags = { CostCenter: '4711', 'team.name': 'SV Platform', 'a=b': 'x:y/z@w' };
      r.spec.kms.retries = { failures: { initialDelay: '1s', maxDelay: '30s', maxRetries: 2147483647 }, createKeyCheck: { maxRetries: 1000000 } };
      r.spec.kms.credentials.secretRef = { name: 'aws-credentials', accessKeyIdKey: 'accessKeyId', secretAccessKeyKey: 'secretAccessKey' };
    });
    const env = containerEnv(renderParticipant(m));
    const kmsText = envValue(env, KMS_ENV_VAR);
    const parsed = await parseKmsEnv(kmsText);
    const kms = {
      type: 'aws',
      region: 'us-east-1',
      'multi-region-key': true,
      'audit-logging': true,
      'disable-ssl-verification': false,
      'endpoint-override': 'https://kms.us-east-1.vpce.example.com:443/kms',
      retries: {
        failures: { 'initial-delay': '1s', 'max-delay': '30s', 'max-retries': '2147483647' },
        'create-key-check': { 'initial-delay': '100ms', 'max-delay': '10s', 'max-retries': '1000000' },
      },
    };
    expect(parsed).toEqual({ provider: 'kms', kms });
    expect(parsed.kms).toEqual(expectedKmsConfig(m));
    expect(kmsText).not.toContain('e+'); // no float formatting from Helm

    // The upstream example's settings are a subset (its region placeholder aside).
    const upstream = await parseKmsEnv(readFileSync(join(UPSTREAM_DIR, 'derived/expected-kms-hocon-aws-example.conf'), 'utf8'));
    expect(parsed.kms).toMatchObject({ ...upstream.kms, region: 'us-east-1' });

    // Custom tags and the session key cache, as Canton reads the concatenated ADDITIONAL_CONFIG_* files.
    expect(envValue(env, CUSTOM_TAGS_ENV_VAR)).toBe(expectedLiteralEnv(m)[CUSTOM_TAGS_ENV_VAR]);
    expect(envValue(env, SESSION_KEY_CACHE_ENV_VAR)).toBe(expectedLiteralEnv(m)[SESSION_KEY_CACHE_ENV_VAR]);
    const participant = (await participantConfig(env)).canton.participants.participant;
    expect(participant.crypto).toEqual({
      provider: 'kms',
      kms: { ...kms, 'custom-tags': { CostCenter: '4711', 'team.name': 'SV Platform', 'a=b': 'x:y/z@w' } },
    });
    const cache = { 'maximum-size': 100000, 'expire-after-timeout': '1h' };
    expect(participant.parameters.caching['session-encryption-key-cache']).toEqual({ 'sender-cache': cache, 'receiver-cache': cache });

    // Credentials as in the upstream example: references to the Secret, no values.
    const example = parseValuesYaml(readFileSync(upstreamExample('aws'), 'utf8'));
    for (const expected of example.additionalEnvVars as EnvVar[]) {
      expect(env.find((e) => e.name === expected.name)).toEqual({ ...expected, valueFrom: { secretKeyRef: { ...expected.valueFrom!.secretKeyRef, optional: false } } });
    }
  });

  it('GCP: key ring id starting with digits, host:port endpoint, credentials file from a Secret', async () => {
    const m = migrationFor('gcp', (r) => {
      r.spec.kms.gcp.endpointOverride = 'cloudkms.googleapis.com:443';
      r.spec.kms.gcp.auditLogging = true;
      r.spec.kms.credentials = { secretRef: { name: 'gke-credentials' } };
    });
    const objects = renderParticipant(m);
    const env = containerEnv(objects);
    const parsed = await parseKmsEnv(envValue(env, KMS_ENV_VAR));
    expect(parsed.kms).toEqual({
      type: 'gcp',
      'project-id': 'acme-canton-kms',
      'location-id': 'us-east1',
      'key-ring-id': '2026-sv-participant',
      'audit-logging': true,
      'endpoint-override': 'cloudkms.googleapis.com:443',
    });
    expect(parsed.kms).toEqual(expectedKmsConfig(m));
    const upstream = await parseKmsEnv(readFileSync(join(UPSTREAM_DIR, 'derived/expected-kms-hocon-gcp-example.conf'), 'utf8'));
    expect(Object.keys(parsed.kms)).toEqual(expect.arrayContaining(Object.keys(upstream.kms)));

    const pod = deployment(objects).spec.template.spec;
    expect(envValue(env, 'GOOGLE_APPLICATION_CREDENTIALS')).toBe('/app/gcp-credentials.json');
    expect(pod.volumes).toEqual(expect.arrayContaining([{ name: 'svkms-gcp-credentials', secret: { secretName: 'gke-credentials' } }]));
    expect(pod.containers[0].volumeMounts).toEqual(
      expect.arrayContaining([{ name: 'svkms-gcp-credentials', mountPath: '/app/gcp-credentials.json', subPath: 'googleCredentials', readOnly: true }]),
    );
  });

  it('GCP with workload identity sets the pod ServiceAccount', async () => {
    const objects = renderParticipant(migrationFor('gcp'));
    expect(deployment(objects).spec.template.spec.serviceAccountName).toBe('participant-kms');
    expect(containerEnv(objects).some((e) => e.name === 'GOOGLE_APPLICATION_CREDENTIALS')).toBe(false);
  });

  it('kebab-cases extra config keys exactly as sprig does', async () => {
    const m = migrationFor('aws', (r) => {
      r.spec.kms.allowUnknownExtraConfigKeys = true;
      r.spec.kms.extraConfig = { key2Name: 'a', ed25519Key: 'b', maxRetries2: 3, someLongCamelCaseKey: { innerHttpish: 'x', deepNested: { lastOne: false } } };
    });
    const parsed = await parseKmsEnv(envValue(containerEnv(renderParticipant(m)), KMS_ENV_VAR));
    expect(parsed.kms).toEqual(expectedKmsConfig(m));
    expect(parsed.kms).toMatchObject({ 'key2-name': 'a', 'ed25519-key': 'b', 'max-retries2': 3, 'some-long-camel-case-key': { 'inner-httpish': 'x', 'deep-nested': { 'last-one': false } } });
  });
});

describe('splice-sv-node chart with the operator values', () => {
  it('reads the governance key and the identity key from the fixed Secrets and onboards with the join-with-key sponsor', () => {
    const base = parseValuesYaml(readFileSync(join(UPSTREAM_DIR, 'derived/helm-render/inputs/sv-node-minimal-values.yaml'), 'utf8'));
    const m = migrationFor('aws', (r) => (r.spec.newSv.svNode.sponsorApiUrl = 'https://sv.sv-2.example.com'));
    const rendered = renderSvNodeValues(m, base);
    expect(rendered.conflicts).toEqual(['nodeIdentifier', 'onboardingName']);
    const sv = template('splice-sv-node', rendered).find((o) => o.kind === 'Deployment' && o.spec.template.spec.containers[0].name === 'sv-app');
    const env = sv!.spec.template.spec.containers[0].env as EnvVar[];
    const ref = (name: string) => env.find((e) => e.name === name)?.valueFrom?.secretKeyRef;
    expect(ref('SPLICE_APP_SV_COMETBFT_GOVERNANCE_PUBLIC_KEY')).toEqual({ key: 'public', name: 'splice-app-sv-cometbft-governance-key', optional: false });
    expect(ref('SPLICE_APP_SV_COMETBFT_GOVERNANCE_PRIVATE_KEY')).toEqual({ key: 'private', name: 'splice-app-sv-cometbft-governance-key', optional: false });
    expect(ref('SPLICE_APP_SV_PUBLIC_KEY')).toEqual({ key: 'public', name: 'splice-app-sv-key', optional: false });
    expect(ref('SPLICE_APP_SV_PRIVATE_KEY')).toEqual({ key: 'private', name: 'splice-app-sv-key', optional: false });
    expect(envValue(env, 'ADDITIONAL_CONFIG_SV_ONBOARDING')).toContain('sv-client.admin-api.url = "https://sv.sv-2.example.com"');
    expect(envValue(env, 'ADDITIONAL_CONFIG_SV_ONBOARDING')).toContain('type = "join-with-key"');
    expect(envValue(env, 'SPLICE_APP_SV_ONBOARDING_NAME')).toBe('Acme-2');
    expect(envValue(env, 'SPLICE_APP_SV_PARTICIPANT_IDENTIFIER')).toBe('Acme-2');
  });
});
