/**
 * Hostile SvKmsMigration manifests (issue 7): every generated input is either rejected with problems that name a real
 * field, or accepted and rendered so that the chart's HOCON and the values YAML hold exactly what was meant.
 *
 * Long variant: `SVKMS_LONG_TESTS=1` (many more runs, random seed; a failure prints the seed to replay it).
 * The short variant uses fixed seeds and stays well under a minute.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump, load, loadAll, YAML11_SCHEMA } from 'js-yaml';
import { validateMigration, type Problem } from '../../../src/api/validate.ts';
import { GROUP, KIND } from '../../../src/api/schema.ts';
import type { SvKmsMigration } from '../../../src/api/types.ts';
import { checkKmsExtraConfig, PROTOTYPE_KEY_MESSAGE } from '../../../src/render/catalogue.ts';
import { hoconString, isPrototypeMemberName } from '../../../src/render/hocon.ts';
import { parseHocon } from '../../../src/render/hocon-parse.ts';
import {
  CUSTOM_TAGS_ENV_VAR,
  KMS_ENV_VAR,
  parseKmsEnv,
  renderParticipantValues,
  SESSION_KEY_CACHE_ENV_VAR,
  SESSION_SIGNING_KEYS_ENV_VAR,
} from '../../../src/render/participant.ts';
import { checkSvNodeRenderable, COPY_VOTES_FROM_ENV_VAR, renderSvNodeValues } from '../../../src/render/sv-node.ts';
import { targetVersion } from '../../../src/render/target-version.ts';
import { durationMs } from '../../../src/util/duration.ts';
import { RenderProblemsError } from '../../../src/render/values.ts';
import { main } from '../../../src/cli/main.ts';
import { printable } from '../../../src/cli/printable.ts';
import { fuzzParameters, LONG, manifestArbitrary, PROTOTYPE_KEYS, type GeneratedManifest } from './arbitraries.ts';

type Obj = Record<string, unknown>;

const TIMEOUT_MS = LONG ? 1_800_000 : 60_000;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A problem names a real field: the whole manifest's identity, or something under spec/metadata. */
const REAL_FIELD = /^(apiVersion|kind)$|^(spec|metadata)(\.|\[|$)/;

/** Every problem the offline checks find, as `sv-kms validate` plus the sv-node chart check. */
function allProblems(input: unknown): { problems: Problem[]; migration?: SvKmsMigration; catalogue: Problem[]; svNode: Problem[] } {
  const { problems, migration } = validateMigration(input);
  if (!migration) return { problems, catalogue: [], svNode: [] };
  let catalogue: Problem[];
  try {
    catalogue = checkKmsExtraConfig(migration.spec, targetVersion(migration));
  } catch (err) {
    if (!(err instanceof RenderProblemsError)) throw err;
    catalogue = err.problems; // spec.splice.version older than the oldest known version
  }
  const svNode = checkSvNodeRenderable(migration);
  return { problems: [...catalogue, ...svNode], migration, catalogue, svNode };
}

/** Whether `path` is a top-level key of the input that the schema does not know. */
function unknownRootKey(input: Obj, path: string): boolean {
  return Object.hasOwn(input, path) && !['apiVersion', 'kind', 'metadata', 'spec', 'status'].includes(path);
}

/** Whether any key anywhere holds a line break. */
function keyWithLineBreak(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(keyWithLineBreak);
  return isObj(v) && Object.entries(v).some(([k, x]) => /[\r\n]/.test(k) || keyWithLineBreak(x));
}

const kebab = (k: string): string => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** What HOCON must yield for a value the operator means: kebab keys, small integers bare, other numbers as text. */
function meant(v: unknown): unknown {
  if (typeof v === 'number') return Number.isSafeInteger(v) && Math.abs(v) < 1_000_000 ? v : String(v);
  if (isObj(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [kebab(k), meant(x)]));
  return v;
}

/** The `crypto.kms` object Canton must read, derived from the spec on its own (not through the renderer). */
function intendedKms(m: SvKmsMigration): Obj {
  const { kms } = m.spec;
  const first: Obj =
    kms.provider === 'aws'
      ? {
          type: 'aws',
          region: kms.aws!.region,
          multiRegionKey: kms.aws!.multiRegionKey,
          auditLogging: kms.aws!.auditLogging,
          disableSslVerification: kms.aws!.disableSslVerification,
          endpointOverride: kms.aws!.endpointOverride,
        }
      : {
          type: 'gcp',
          projectId: kms.gcp!.projectId,
          locationId: kms.gcp!.locationId,
          keyRingId: kms.gcp!.keyRingId,
          auditLogging: kms.gcp!.auditLogging,
          endpointOverride: kms.gcp!.endpointOverride,
        };
  if (first.endpointOverride === undefined) delete first.endpointOverride;
  return meant({ ...first, ...(kms.retries ? { retries: kms.retries } : {}), ...(kms.extraConfig ?? {}) }) as Obj;
}

/**
 * The chart's `splice-util-lib.render-nested-config` as text (keys kebab-cased and sorted, values printed raw), in the
 * env var's wrapping. The real chart is compared with this printing in test/integration/render-helm.test.ts.
 */
function chartKmsText(kms: Obj): string {
  const render = (o: Obj, indent: string): string =>
    Object.keys(o)
      .sort()
      .map((k) => (isObj(o[k]) ? `${indent}${kebab(k)} = {\n${render(o[k], `${indent}  `)}\n${indent}}` : `${indent}${kebab(k)} = ${String(o[k])}`))
      .join('\n');
  return `canton.participants.participant.crypto {\n  provider = kms\n  kms = {\n${render(kms, '    ')}\n  }\n}\n`;
}

type EnvVar = { name: string; value?: string };

/** Literal env values the operator sets, by name. */
function literalEnv(values: Obj): Map<string, string> {
  const env = (values.additionalEnvVars ?? []) as EnvVar[];
  return new Map(env.filter((e) => typeof e.value === 'string').map((e) => [e.name, e.value!]));
}

const mentionsPrototypeName = (text: string): boolean => PROTOTYPE_KEYS.some((n) => text.includes(n));

let rendered = 0;
let renderedWithPrototypeNames = 0;

/** The participant values: HOCON through the chart printing parses to exactly the intended config; YAML round-trips. */
async function checkParticipant(m: SvKmsMigration): Promise<void> {
  const { values, yaml } = renderParticipantValues(m);
  expect(load(yaml, { schema: YAML11_SCHEMA })).toStrictEqual(values);
  const env = literalEnv(values);
  const kmsText = chartKmsText(values.kms as Obj);
  const tags = m.spec.kms.provider === 'aws' ? m.spec.kms.aws?.customTags : undefined;
  const tagsText = env.get(CUSTOM_TAGS_ENV_VAR);
  expect(tagsText !== undefined).toBe(tags !== undefined && Object.keys(tags).length > 0);
  // The target version (spec.splice.version, else 0.7.4): session signing keys by its default unless the spec or
  // extraConfig says otherwise; the cache only when it differs from the version's default.
  const { features } = targetVersion(m);
  const signingViaExtra = isObj(m.spec.kms.extraConfig) && Object.hasOwn(m.spec.kms.extraConfig, 'sessionSigningKeys');
  const signing = signingViaExtra ? undefined : (m.spec.kms.sessionKeys.signing?.enabled ?? (features.sessionSigningKeysByDefault ? true : undefined));
  const defaults = features.encryptionKeyCacheDefault;
  const { encryptionKeyCacheTtl: ttl = defaults.ttl, encryptionKeyCacheSize: size = defaults.size } = m.spec.kms.sessionKeys;
  const cacheDiffers = durationMs(ttl) !== durationMs(defaults.ttl) || size !== defaults.size;
  expect(env.has(SESSION_SIGNING_KEYS_ENV_VAR)).toBe(signing !== undefined);
  expect(env.has(SESSION_KEY_CACHE_ENV_VAR)).toBe(cacheDiffers);
  const texts = [kmsText, ...[SESSION_SIGNING_KEYS_ENV_VAR, SESSION_KEY_CACHE_ENV_VAR, CUSTOM_TAGS_ENV_VAR].flatMap((n) => (env.has(n) ? [env.get(n)!] : []))];
  expect(env.has(KMS_ENV_VAR)).toBe(false); // the chart builds that one from `kms`
  // What the operator reads back (the kms env var, through parseKmsEnv) must parse whatever the values hold: prototype
  // member names in values (region us-constructor-1, endpoint …/toString) are data.
  expect(parseKmsEnv(kmsText).kms).toEqual(intendedKms(m));
  if (texts.some(mentionsPrototypeName)) renderedWithPrototypeNames++;
  // The image concatenates the ADDITIONAL_CONFIG_* texts; Canton must read exactly this participant config. Tag keys
  // named like prototype members are plain own keys for the reader.
  const parsed = parseHocon(texts.join('\n'));
  const cache = { 'maximum-size': size, 'expire-after-timeout': ttl };
  const expected: Obj = {
    canton: {
      participants: {
        participant: {
          crypto: { provider: 'kms', kms: { ...intendedKms(m), ...(tagsText ? { 'custom-tags': tags } : {}) } },
          ...(cacheDiffers ? { parameters: { caching: { 'session-encryption-key-cache': { 'sender-cache': cache, 'receiver-cache': cache } } } } : {}),
        },
      },
    },
  };
  if (signing !== undefined) {
    let at = expected;
    for (const seg of features.sessionSigningKeysPath) at = (at[seg] ??= {}) as Obj;
    at.enabled = signing;
  }
  expect(parsed).toEqual(expected);
  rendered++;
}

/** The sv-node values: YAML round-trips, the names are the spec's. */
function checkSvNode(m: SvKmsMigration): void {
  const { values, yaml } = renderSvNodeValues(m);
  expect(load(yaml, { schema: YAML11_SCHEMA })).toStrictEqual(values);
  const copyVotes = targetVersion(m).features.copyVotesFrom && m.spec.newSv.svNode.copyVotesFromOldSv !== false;
  expect(values).toStrictEqual({
    ...(copyVotes ? { additionalEnvVars: [{ name: COPY_VOTES_FROM_ENV_VAR, value: `canton.sv-apps.sv.copy-votes-from = ${JSON.stringify(m.spec.oldSv.name)}` }] } : {}),
    cometBFT: { externalGovernanceKey: true },
    joinWithKeyOnboarding: { sponsorApiUrl: m.spec.newSv.svNode.sponsorApiUrl },
    onboardingName: m.spec.newSv.name,
    nodeIdentifier: m.spec.newSv.svNode.nodeIdentifier ?? m.spec.newSv.name,
  });
}

const prototypeNames = Object.getOwnPropertyNames(Object.prototype).sort();
function expectPrototypeUntouched(): void {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeNames);
  const probe: Obj = {};
  for (const k in probe) throw new Error(`Object.prototype gained the enumerable property ${k}`);
  expect(Object.getPrototypeOf(probe)).toBe(Object.prototype);
}

const counts = { accepted: 0, rejected: 0 };

/** Keys named like Object.prototype members under spec.kms.extraConfig, at any depth (depth 1: directly under it). */
function prototypeKeys(v: unknown, path: string, depth = 1): { path: string; depth: number }[] {
  if (!isObj(v)) return [];
  return Object.entries(v).flatMap(([k, x]) => (isPrototypeMemberName(k) ? [{ path: `${path}.${k}`, depth }] : prototypeKeys(x, `${path}.${k}`, depth + 1)));
}

async function checkOne({ manifest }: GeneratedManifest): Promise<void> {
  const { problems, migration, catalogue, svNode } = allProblems(manifest);
  const protoKeys = migration ? prototypeKeys(migration.spec.kms.extraConfig, 'spec.kms.extraConfig') : [];
  if (protoKeys.length > 0) {
    // An extraConfig key named like a prototype member, at any depth, makes the migration unrenderable...
    expect(catalogue.length).toBeGreaterThan(0);
    // ...and is named as such (those directly under extraConfig always; deeper ones may sit under a key refused first).
    if (!catalogue.some((p) => /more than \d+ keys/.test(p.message))) {
      for (const { path } of protoKeys.filter((k) => k.depth === 1)) expect(catalogue).toContainEqual({ path, message: PROTOTYPE_KEY_MESSAGE });
    }
  }
  if (problems.length > 0) {
    counts.rejected++;
    expect(problems.some((p) => REAL_FIELD.test(p.path) || unknownRootKey(manifest, p.path))).toBe(true);
    for (const p of problems) {
      expect(typeof p.message).toBe('string');
      expect(p.message.trim()).not.toBe('');
      // An unknown top-level field is named as itself (there is no better name for it).
      if (!REAL_FIELD.test(p.path)) expect(unknownRootKey(manifest, p.path)).toBe(true);
    }
    if (migration) {
      // Rendering refuses what the checks refuse, with the same problems, rather than rendering something else.
      if (catalogue.length > 0) expect(() => renderParticipantValues(migration)).toThrow(RenderProblemsError);
      else await checkParticipant(migration);
      if (svNode.length > 0) expect(() => renderSvNodeValues(migration)).toThrow(RenderProblemsError);
      else checkSvNode(migration);
    }
  } else {
    counts.accepted++;
    await checkParticipant(migration!);
    checkSvNode(migration!);
  }
  expectPrototypeUntouched();
}

describe('hostile SvKmsMigration manifests', () => {
  it('are rejected with problems naming real fields, or rendered to exactly the intended HOCON and YAML', async () => {
    await fc.assert(fc.asyncProperty(manifestArbitrary(), checkOne), fuzzParameters(1500, 20000));
    // The generator must exercise both branches, or the property proves little.
    expect(counts.accepted).toBeGreaterThan(counts.rejected / 10);
    expect(counts.rejected).toBeGreaterThan(counts.accepted / 10);
    expect(rendered).toBeGreaterThan(0);
    // Values holding prototype member names (the class that used to be skipped) are rendered and read back too.
    expect(renderedWithPrototypeNames).toBeGreaterThan(0);
    if (process.env.SVKMS_FUZZ_STATS) console.log({ ...counts, rendered, renderedWithPrototypeNames });
  }, TIMEOUT_MS);

  it('never throw from the validator on non-object or odd roots', () => {
    for (const input of [null, undefined, 0, NaN, 'x', [], [{}], true, Object.create(null) as unknown, { __proto__: { spec: {} } }]) {
      const { problems } = validateMigration(input);
      expect(problems.length).toBeGreaterThan(0);
      for (const p of problems) expect(p.message.trim()).not.toBe('');
    }
    expectPrototypeUntouched();
  });

  it('keep the HOCON printing honest: a quoted injection stays one value', () => {
    const text = chartKmsText({ type: hoconString('aws'), endpointOverride: hoconString('"\n}\nprovider = mock\ninclude "x"\n${?HOME}') });
    expect(parseHocon(text)).toEqual({
      canton: { participants: { participant: { crypto: { provider: 'kms', kms: { type: 'aws', 'endpoint-override': '"\n}\nprovider = mock\ninclude "x"\n${?HOME}' } } } } },
    });
  });
});

describe('sv-kms validate on hostile manifests', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'svkms-hostile-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 0 or 1 (never 2, 3 or a throw) and prints one line per problem', async () => {
    let n = 0;
    let withLineBreaks = 0;
    await fc.assert(
      fc.asyncProperty(manifestArbitrary({ maxString: 1 << 16 }), async ({ manifest }) => {
        if (keyWithLineBreak(manifest)) withLineBreaks++;
        const file = join(dir, `m-${n++}.yaml`);
        const text = dump(manifest, { lineWidth: -1 });
        writeFileSync(file, text);
        let stdout = '';
        const code = await main(['validate', '-f', file], {
          stdout: { write: (s: string | Uint8Array) => ((stdout += String(s)), true) },
          stderr: { write: () => true },
        });
        // What the CLI reads is the YAML text (js-yaml dump/load is exact for these values); check against that.
        const [doc] = loadAll(text, { schema: YAML11_SCHEMA });
        expect([0, 1]).toContain(code);
        if (isObj(doc) && doc.kind !== KIND && !(typeof doc.apiVersion === 'string' && doc.apiVersion.startsWith(`${GROUP}/`))) {
          // Not recognisably an SvKmsMigration: skipped (with a note on stderr), and "nothing to check" is exit 1.
          expect(code).toBe(1);
          expect(stdout).toMatch(/^sv-kms validate: no SvKmsMigration found in 1 file; 1 other document skipped\n$/);
          return;
        }
        const { problems, migration } = validateMigration(doc);
        const expected = migration ? checkKmsExtraConfig(migration.spec) : problems;
        expect([0, 1]).toContain(code);
        expect(code).toBe(expected.length === 0 ? 0 : 1);
        const lines = stdout.trimEnd().split('\n');
        expect(lines).toHaveLength(expected.length + 1);
        // One line per problem whatever the keys hold: line breaks and other controls are escaped, "" is shown quoted.
        expect(stdout).not.toMatch(/[\r\u0085\u2028\u2029\p{Cf}\p{Cs}]|[\p{Cc}](?<!\n)/u);
        for (const [i, p] of expected.entries()) expect(lines[i]!.startsWith(printable(`${file}: ${p.path === '' ? '""' : p.path}: `))).toBe(true);
        expect(lines.at(-1)).toMatch(/^sv-kms validate: 1 SvKmsMigration checked in 1 file: /);
      }),
      fuzzParameters(400, 5000, 7),
    );
    // Keys with line breaks (the class that used to be skipped) are among the inputs.
    expect(withLineBreaks).toBeGreaterThan(0);
    expectPrototypeUntouched();
  }, TIMEOUT_MS);
});
