/**
 * The operator's values rendered by the real helm binary with the real upstream splice-participant and splice-sv-node
 * charts of BOTH fixture sets (0.4.15 and 0.6.12), for that version: the participant's ADDITIONAL_CONFIG_* texts,
 * concatenated as the image's entrypoint does and parsed by Lightbend Config (the parser Canton uses), must equal the
 * Canton config intended for that version — one participant (splice#2644), no key the version does not know — and
 * the sv-node values must wire the governance key and copy-votes-from as that chart reads them. `sv-kms render` also
 * renders the primary version, 0.7.4, through the 0.6.12 charts (session signing keys on by default there).
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { exampleManifest, migrationFor, type RawManifest } from '../unit/render/fixtures.ts';
import type { SvKmsMigration } from '../../src/api/types.ts';
import { parseHocon } from '../../src/render/hocon-parse.ts';
import { expectedKmsConfig, expectedLiteralEnv, KMS_ENV_VAR, parseKmsEnv, renderParticipantValues } from '../../src/render/participant.ts';
import { COPY_VOTES_FROM_ENV_VAR, renderSvNodeValues } from '../../src/render/sv-node.ts';
import { parseValuesYaml, RenderProblemsError } from '../../src/render/values.ts';
import { resolveSpliceVersion, type ResolvedSpliceVersion } from '../../src/render/versions.ts';
import { FIXTURE_0_4_15, FIXTURE_0_6_12, minimalValues, SPLICE_FIXTURES, SpliceCharts } from '../env/splice-charts.ts';
import { LightbendOracle } from '../env/lightbend.ts';
import { runCli } from '../support/cli.ts';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type EnvVar = { name: string; value?: string; valueFrom?: Obj };

let oracle: LightbendOracle;
let scratch: string;
beforeAll(() => {
  oracle = LightbendOracle.start();
  scratch = mkdtempSync(join(tmpdir(), 'sv-kms-render-helm-'));
});
afterAll(async () => {
  await oracle.stop();
  rmSync(scratch, { recursive: true, force: true });
});

function container(objects: Obj[], deployment?: string): Obj {
  const d = SpliceCharts.deployment(objects, deployment);
  return d.spec.template.spec.containers[0];
}

function envValue(env: EnvVar[], name: string): string {
  const found = env.find((e) => e.name === name);
  if (found?.value === undefined) throw new Error(`env var ${name} with a value not rendered`);
  return found.value;
}

/** All ADDITIONAL_CONFIG_* texts in name order, concatenated as the image's entrypoint does. */
function additionalConfig(env: EnvVar[]): string {
  return env
    .filter((e) => e.name.startsWith('ADDITIONAL_CONFIG') && e.value !== undefined)
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map((e) => e.value!)
    .join('\n');
}

/** The config Canton reads from the env, by Lightbend Config; the operator's reader must agree. */
async function cantonConfig(env: EnvVar[]): Promise<Obj> {
  const text = additionalConfig(env);
  const parsed = await oracle.parse(text);
  if (!parsed.ok) throw new Error(`Lightbend Config refused the participant config: ${parsed.error}`);
  expect(parseHocon(text)).toEqual(parsed.value);
  return parsed.value;
}

const PARTICIPANT = ['canton', 'participants', 'participant'];
/** The primary Splice version (what SVs run today, Canton 3.5.14); no upstream chart set of its own: rendered through 0.6.12's. */
const PRIMARY = '0.7.4';
const KMS_KEYS = ['type', 'region', 'multi-region-key', 'audit-logging', 'disable-ssl-verification', 'endpoint-override', 'retries', 'project-id', 'location-id', 'key-ring-id'];

/**
 * Dotted paths of every leaf of `config` that the Canton of version `v` (the version rendered for) does not know
 * (relative to what the operator may set): one participant named `participant`, `crypto.provider`, the `crypto.kms`
 * keys, custom-tags from Canton 3.5.8, session signing keys at that version's path, the session encryption key cache.
 */
function unknownKeys(config: Obj, v: ResolvedSpliceVersion): string[] {
  const known = (path: string[]): boolean => {
    const at = (prefix: readonly string[]) => prefix.every((seg, i) => path[i] === seg);
    const under = path.slice(PARTICIPANT.length);
    if (at(v.features.sessionSigningKeysPath)) return path.length === v.features.sessionSigningKeysPath.length + 1 && path.at(-1) === 'enabled';
    if (!at(PARTICIPANT)) return false;
    if (under[0] === 'crypto' && under[1] === 'provider') return under.length === 2;
    if (under[0] === 'crypto' && under[1] === 'kms') return under[2] === 'custom-tags' ? v.features.awsCustomTags : KMS_KEYS.includes(under[2]!);
    return under.slice(0, 3).join('.') === 'parameters.caching.session-encryption-key-cache';
  };
  const leaves = (o: Obj, path: string[]): string[][] => Object.entries(o).flatMap(([k, x]) => (typeof x === 'object' ? leaves(x as Obj, [...path, k]) : [[...path, k]]));
  return leaves(config, []).filter((p) => !known(p)).map((p) => p.join('.'));
}

/** Sets `value` at a dotted path of `obj`, creating objects on the way. */
function setAt(obj: Obj, path: readonly string[], value: unknown): Obj {
  let at = obj;
  for (const seg of path.slice(0, -1)) at = (at[seg] ??= {}) as Obj;
  at[path.at(-1)!] = value;
  return obj;
}

const AWS_TAGS = { CostCenter: '4711', 'team.name': 'SV Platform', 'a=b': 'x:y/z@w' };
const awsMigration = (patch: (r: RawManifest) => void = () => {}): SvKmsMigration =>
  migrationFor('aws', (r) => {
    r.spec.kms.aws.endpointOverride = 'https://kms.us-east-1.vpce.example.com:443/kms';
    r.spec.kms.aws.customTags = AWS_TAGS;
    r.spec.kms.retries = { failures: { initialDelay: '1s', maxDelay: '30s', maxRetries: 2147483647 }, createKeyCheck: { maxRetries: 1000000 } };
    r.spec.kms.credentials.secretRef = { name: 'aws-credentials', accessKeyIdKey: 'accessKeyId', secretAccessKeyKey: 'secretAccessKey' };
    patch(r);
  });
const AWS_KMS = {
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

it('reproduces the upstream 0.4.15 example renders (checks this harness)', () => {
  const charts = new SpliceCharts(FIXTURE_0_4_15);
  try {
    for (const p of ['aws', 'gcp'] as const) {
      const example = join(FIXTURE_0_4_15.dir, `apps/app/src/pack/examples/sv-helm/kms-participant-${p}-values.yaml`);
      const env = container(charts.template('splice-participant', 'release', 'sv-kms', minimalValues('splice-participant'), example)).env as EnvVar[];
      const trim = (s: string): string => s.split('\n').map((l) => l.trimEnd()).join('\n').trimEnd();
      expect(trim(envValue(env, KMS_ENV_VAR))).toBe(trim(readFileSync(join(FIXTURE_0_4_15.dir, `derived/expected-kms-hocon-${p}-example.conf`), 'utf8')));
    }
  } finally {
    charts.remove();
  }
});

describe.each(SPLICE_FIXTURES)('Splice $version charts', (fixture) => {
  const version = resolveSpliceVersion(fixture.version);
  const tagsKnown = version.features.awsCustomTags;
  let charts: SpliceCharts;
  beforeAll(() => {
    charts = new SpliceCharts(fixture);
  });
  afterAll(() => charts.remove());

  const participantEnv = (m: SvKmsMigration, base: Obj = minimalValues('splice-participant', fixture)): EnvVar[] =>
    container(charts.template('splice-participant', 'participant-1', 'sv-kms', renderParticipantValues(m, base, { version }).values)).env as EnvVar[];

  it('AWS: Canton reads exactly the intended config (one participant, only keys this version knows)', async () => {
    const m = awsMigration((r) => {
      if (!tagsKnown) delete r.spec.kms.aws.customTags;
    });
    const env = participantEnv(m);
    const config = await cantonConfig(env);
    expect(config).toEqual({ canton: { participants: { participant: { crypto: { provider: 'kms', kms: { ...AWS_KMS, ...(tagsKnown ? { 'custom-tags': AWS_TAGS } : {}) } } } } } });
    expect(Object.keys(config.canton.participants)).toEqual(['participant']);
    expect(unknownKeys(config, version)).toEqual([]);
    // What the operator reads back from the Deployment and compares.
    expect(parseKmsEnv(envValue(env, KMS_ENV_VAR))).toEqual({ provider: 'kms', kms: expectedKmsConfig(m, { version }) });
    for (const [name, value] of Object.entries(expectedLiteralEnv(m, { version }))) expect(envValue(env, name)).toBe(value);
    expect(envValue(env, KMS_ENV_VAR)).not.toContain('e+'); // no float formatting from Helm
    // Credentials as in the upstream example: references to the Secret, no values.
    const example = parseValuesYaml(readFileSync(join(fixture.dir, 'apps/app/src/pack/examples/sv-helm/kms-participant-aws-values.yaml'), 'utf8'));
    for (const expected of example.additionalEnvVars as EnvVar[]) {
      expect(env.find((e) => e.name === expected.name)).toEqual({ ...expected, valueFrom: { secretKeyRef: { ...expected.valueFrom!.secretKeyRef, optional: false } } });
    }
  });

  it(`AWS custom tags are ${tagsKnown ? 'rendered' : 'refused, naming the Canton version'}`, () => {
    if (tagsKnown) {
      expect(() => renderParticipantValues(awsMigration(), undefined, { version })).not.toThrow();
      return;
    }
    expect(() => renderParticipantValues(awsMigration(), undefined, { version })).toThrow(RenderProblemsError);
    expect(() => renderParticipantValues(awsMigration(), undefined, { version })).toThrow(`spec.kms.aws.customTags: needs Canton 3.5.8 or later; the target is Splice ${fixture.version}, which ships Canton ${version.canton}`);
  });

  it('session keys: signing keys at this version\'s path, the encryption cache only when it differs from this version\'s default', async () => {
    const m = awsMigration((r) => {
      delete r.spec.kms.aws.customTags;
      r.spec.kms.sessionKeys = { signing: { enabled: true }, encryptionKeyCacheTtl: '1h', encryptionKeyCacheSize: 100000 };
    });
    const config = await cantonConfig(participantEnv(m));
    const expected: Obj = { canton: { participants: { participant: { crypto: { provider: 'kms', kms: AWS_KMS } } } } };
    setAt(expected, [...version.features.sessionSigningKeysPath, 'enabled'], true);
    // 1h / 100000 is the default from Splice 0.5.14 only; before, Canton's default is 10s / 10000.
    if (version.features.encryptionKeyCacheDefault.ttl !== '1h') {
      const cache = { 'maximum-size': 100000, 'expire-after-timeout': '1h' };
      setAt(expected, [...PARTICIPANT, 'parameters', 'caching', 'session-encryption-key-cache'], { 'sender-cache': cache, 'receiver-cache': cache });
    }
    expect(config).toEqual(expected);
    expect(unknownKeys(config, version)).toEqual([]);
  });

  it('GCP: key ring id starting with digits, host:port endpoint, credentials file from a Secret', async () => {
    const m = migrationFor('gcp', (r) => {
      r.spec.kms.gcp.endpointOverride = 'cloudkms.googleapis.com:443';
      r.spec.kms.gcp.auditLogging = true;
      r.spec.kms.credentials = { secretRef: { name: 'gke-credentials' } };
    });
    const objects = charts.template('splice-participant', 'participant-1', 'sv-kms', minimalValues('splice-participant', fixture), renderParticipantValues(m, undefined, { version }).values);
    const c = container(objects);
    const config = await cantonConfig(c.env);
    expect(config).toEqual({
      canton: {
        participants: {
          participant: {
            crypto: {
              provider: 'kms',
              kms: { type: 'gcp', 'project-id': 'acme-canton-kms', 'location-id': 'us-east1', 'key-ring-id': '2026-sv-participant', 'audit-logging': true, 'endpoint-override': 'cloudkms.googleapis.com:443' },
            },
          },
        },
      },
    });
    expect(unknownKeys(config, version)).toEqual([]);
    const pod = SpliceCharts.deployment(objects).spec.template.spec;
    expect(envValue(c.env, 'GOOGLE_APPLICATION_CREDENTIALS')).toBe('/app/gcp-credentials.json');
    expect(pod.volumes).toEqual(expect.arrayContaining([{ name: 'svkms-gcp-credentials', secret: { secretName: 'gke-credentials' } }]));
    expect(c.volumeMounts).toEqual(expect.arrayContaining([{ name: 'svkms-gcp-credentials', mountPath: '/app/gcp-credentials.json', subPath: 'googleCredentials', readOnly: true }]));
  });

  it('GCP with workload identity sets the pod ServiceAccount', () => {
    const objects = charts.template('splice-participant', 'participant-1', 'sv-kms', minimalValues('splice-participant', fixture), renderParticipantValues(migrationFor('gcp'), undefined, { version }).values);
    expect(SpliceCharts.deployment(objects).spec.template.spec.serviceAccountName).toBe('participant-kms');
    expect((container(objects).env as EnvVar[]).some((e) => e.name === 'GOOGLE_APPLICATION_CREDENTIALS')).toBe(false);
  });

  it('kebab-cases extra config keys exactly as sprig does', () => {
    const m = migrationFor('aws', (r) => {
      delete r.spec.kms.aws.customTags;
      r.spec.kms.allowUnknownExtraConfigKeys = true;
      r.spec.kms.extraConfig = { key2Name: 'a', ed25519Key: 'b', maxRetries2: 3, someLongCamelCaseKey: { innerHttpish: 'x', deepNested: { lastOne: false } } };
    });
    const parsed = parseKmsEnv(envValue(participantEnv(m), KMS_ENV_VAR));
    expect(parsed.kms).toEqual(expectedKmsConfig(m, { version }));
    expect(parsed.kms).toMatchObject({ 'key2-name': 'a', 'ed25519-key': 'b', 'max-retries2': 3, 'some-long-camel-case-key': { 'inner-httpish': 'x', 'deep-nested': { 'last-one': false } } });
  });

  const svApp = (objects: Obj[]): EnvVar[] => {
    const d = objects.find((o) => o.kind === 'Deployment' && o.spec.template.spec.containers[0].name === 'sv-app');
    return d!.spec.template.spec.containers[0].env as EnvVar[];
  };
  const layouts = version.features.synchronizersLayout ? (['domain', 'synchronizers'] as const) : (['domain'] as const);

  it.each(layouts)('sv-node (%s values): governance key and identity key from the fixed Secrets, join-with-key onboarding', async (layout) => {
    const base = minimalValues('splice-sv-node', fixture, layout) as Obj;
    if (layout === 'synchronizers') {
      base.synchronizers.current.cometBFT = { enabled: true, connectionUri: 'http://cometbft-current:26657' };
      base.synchronizers.successor = { ...base.synchronizers.current, sequencerAddress: 'sequencer-next', cometBFT: { enabled: true, connectionUri: 'http://cometbft-next:26657' } };
    }
    const m = migrationFor('aws', (r) => (r.spec.newSv.svNode.sponsorApiUrl = 'https://sv.sv-2.example.com'));
    const rendered = renderSvNodeValues(m, base, { version });
    expect(rendered.conflicts).toEqual(['nodeIdentifier', 'onboardingName']);
    const env = svApp(charts.template('splice-sv-node', 'sv', 'sv-kms', rendered.values));
    const ref = (name: string) => env.find((e) => e.name === name)?.valueFrom?.secretKeyRef;
    expect(ref('SPLICE_APP_SV_COMETBFT_GOVERNANCE_PUBLIC_KEY')).toEqual({ key: 'public', name: 'splice-app-sv-cometbft-governance-key', optional: false });
    expect(ref('SPLICE_APP_SV_COMETBFT_GOVERNANCE_PRIVATE_KEY')).toEqual({ key: 'private', name: 'splice-app-sv-cometbft-governance-key', optional: false });
    expect(ref('SPLICE_APP_SV_PUBLIC_KEY')).toEqual({ key: 'public', name: 'splice-app-sv-key', optional: false });
    expect(ref('SPLICE_APP_SV_PRIVATE_KEY')).toEqual({ key: 'private', name: 'splice-app-sv-key', optional: false });
    expect(envValue(env, 'ADDITIONAL_CONFIG_SV_ONBOARDING')).toContain('sv-client.admin-api.url = "https://sv.sv-2.example.com"');
    expect(envValue(env, 'SPLICE_APP_SV_ONBOARDING_NAME')).toBe('Acme-2');
    if (layout === 'synchronizers') {
      // Each synchronizer's CometBFT node reads the external governance key (a successor too, for an LSU).
      for (const sync of ['CURRENT', 'SUCCESSOR']) expect(envValue(env, `ADDITIONAL_CONFIG_SV_DOMAIN_${sync}`)).toContain('public-key = ${?SPLICE_APP_SV_COMETBFT_GOVERNANCE_PUBLIC_KEY}');
    } else {
      expect(envValue(env, 'ADDITIONAL_CONFIG_SV_COMETBFT_GOVERNANCE_KEY')).toContain('governance-key');
    }
    // copy-votes-from reaches the sv-app container on versions that have it; Canton reads the old SV's name.
    const copyVotes = env.find((e) => e.name === COPY_VOTES_FROM_ENV_VAR);
    expect(copyVotes !== undefined).toBe(version.features.copyVotesFrom);
    if (copyVotes) expect(await oracle.parse(copyVotes.value!)).toEqual({ ok: true, value: { canton: { 'sv-apps': { sv: { 'copy-votes-from': 'Acme-1' } } } } });
    const offboarded = svApp(charts.template('splice-sv-node', 'sv', 'sv-kms', renderSvNodeValues(m, base, { version, oldSvOffboarded: true }).values));
    expect(offboarded.some((e) => e.name === COPY_VOTES_FROM_ENV_VAR)).toBe(false);
  });

  /**
   * The versions `sv-kms render` is run for with these charts: their own, and with the 0.6.12 charts (the newest upstream
   * tree, what 0.7 networks install) the primary version (--splice-version takes a Splice version or a Splice snapshot;
   * a Canton version such as 3.5.14-snapshot… is not one: it would be read as a Splice version newer than known).
   */
  const cliTargets = fixture === FIXTURE_0_6_12 ? [fixture.version, PRIMARY] : [fixture.version];

  it.each(cliTargets)('sv-kms render --splice-version %s writes what this chart expects', async (target) => {
    const rendered = resolveSpliceVersion(target);
    const tags = rendered.features.awsCustomTags;
    const manifest = exampleManifest('aws');
    if (!tags) delete manifest.spec.kms.aws.customTags;
    const tag = `${fixture.version}-for-${target}`;
    const file = join(scratch, `migration-${tag}.yaml`);
    writeFileSync(file, dump(manifest));
    const participantBase = join(scratch, `participant-base-${tag}.yaml`);
    writeFileSync(participantBase, dump(minimalValues('splice-participant', fixture)));
    const svNodeBase = join(scratch, `sv-node-base-${tag}.yaml`);
    const svBase = minimalValues('splice-sv-node', fixture) as Obj;
    if (svBase.synchronizers) svBase.synchronizers.current.cometBFT = { enabled: true, connectionUri: 'http://cometbft:26657' };
    writeFileSync(svNodeBase, dump(svBase));
    const out = join(scratch, `out-${tag}`);
    const run = await runCli('render', '-f', file, '--base-values', participantBase, '--sv-node-base-values', svNodeBase, '--out-dir', out, '--splice-version', target);
    expect(run.code).toBe(0);
    // helm validates the values against the chart's values.schema.json.
    const participant = charts.template('splice-participant', 'participant-1', 'sv-kms', join(out, 'participant-values.yaml'));
    const config = await cantonConfig(container(participant).env);
    expect(Object.keys(config.canton.participants)).toEqual(['participant']);
    expect(unknownKeys(config, rendered)).toEqual([]);
    // Exactly the intended Canton config: the KMS, and from Splice 0.7.2 session signing keys, on by default (nothing in
    // the manifest asks for them) at the path Canton 3.4.11+ reads (participant crypto, not crypto.kms).
    const crypto: Obj = {
      provider: 'kms',
      kms: {
        type: 'aws',
        region: 'us-east-1',
        'multi-region-key': true,
        'audit-logging': true,
        'disable-ssl-verification': false,
        ...(tags ? { 'custom-tags': { Team: 'sv-platform', CostCenter: '4711' } } : {}),
      },
    };
    expect(manifest.spec.kms.sessionKeys).toBeUndefined();
    if (target === PRIMARY) crypto['session-signing-keys'] = { enabled: true };
    expect(config).toEqual({ canton: { participants: { participant: { crypto } } } });
    const env = svApp(charts.template('splice-sv-node', 'sv', 'sv-kms', join(out, 'sv-node-values.yaml')));
    expect(env.some((e) => e.name === 'SPLICE_APP_SV_COMETBFT_GOVERNANCE_PRIVATE_KEY')).toBe(true);
    expect(env.some((e) => e.name === COPY_VOTES_FROM_ENV_VAR)).toBe(rendered.features.copyVotesFrom);
  });
});
