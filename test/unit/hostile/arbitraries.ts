/**
 * fast-check generators of hostile SvKmsMigration manifests, shared by the unit fuzz suite (spec-fuzz.test.ts) and the
 * admission comparison against the real API server (test/integration/hostile-admission.test.ts).
 *
 * A manifest starts from one of the two examples, gets valid but nasty variations (URLs, tags and extraConfig strings
 * full of HOCON/YAML syntax, unicode, numbers around Helm's 1e6 limit) and then zero to three mutations: random types
 * at any schema path, deletions, unknown keys (`__proto__`, `constructor` included), deep or wide extraConfig, numbers
 * out of range, NaN and Infinity, huge strings. Run counts: {@link fuzzParameters} (`SVKMS_LONG_TESTS=1` for long runs).
 */
import fc from 'fast-check';
import { walkSchema } from '../../../src/api/schema-builders.ts';
import { specSchema } from '../../../src/api/schema.ts';
import * as P from '../../../src/api/patterns.ts';
import { loadExample, type ExampleName } from '../../fixtures/bad-manifests.ts';

/** Set to `1` for the long variants of the hostile-input suites (more runs, random seeds). */
export const LONG_TESTS_ENV = 'SVKMS_LONG_TESTS';
/** Whether the long variants run. */
export const LONG = process.env[LONG_TESTS_ENV] === '1';

/** fast-check parameters: `short` runs with a fixed seed normally, `long` runs with a random seed under SVKMS_LONG_TESTS=1. */
export function fuzzParameters<T>(short: number, long: number, seed = 20260101): fc.Parameters<T> {
  // fast-check prints the seed and the counterexample path on failure; a long run's seed replays it with `seed`.
  return LONG ? { numRuns: long } : { numRuns: short, seed };
}

/** A mutable JSON-ish value (NaN, Infinity and -0 allowed: YAML can carry them). */
export type Loose = string | number | boolean | null | Loose[] | { [key: string]: Loose };
/** A generated manifest. */
export type LooseManifest = { [key: string]: Loose };

/** Names that break naive object handling. */
export const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];

/** Fragments that mean something to HOCON, YAML, shells or the HOCON parser's transforms. */
export const INJECTIONS: readonly string[] = [
  '"', "'", '\n', '\r\n', '\r', '\t', '\\', '\\"', '\\n', '\\u0041', '#', '//', '"""', '"""x"""', '${FOO}', '${?HOME}',
  '${?AWS_SECRET_ACCESS_KEY}', 'include "file:///etc/passwd"', 'include required(file("/etc/passwd"))', 'require "x"',
  '| eval { expr = "process.exit(1)" }', '}\nprovider = mock\n{', '"\nevil = 1\n"', 'a = 1', 'a: 1', '{', '}', '[', ']',
  ',', '=', ':', '+=', '&anchor x', '*alias', '<<: *alias', '!!python/object/apply:os.system ["id"]', '!!js/function f()',
  '---', '...', '? x', '- x', '%YAML 1.1', 'yes', 'no', 'on', 'off', '~', 'null', 'true', '0x1F', '0o17', '0777', '1e+06',
  '1_000', '.nan', '.inf', '-.inf', '2026-01-01', '12:30:45', '\u202e', '\u202d', '\u200b', '\u200d', '\ufeff', '\u00a0',
  '\u2028', '\u2029', '\ud800', '\udfff', '\ud83d\ude00', '\u0000', '\u0007', '\u001b[31m', 'ünïcødé', 'שלום', 'مرحبا',
  ...PROTOTYPE_KEYS,
];

const injection = fc.constantFrom(...INJECTIONS);

/** A string of up to `max` characters (1 MB by default) built from injections, random text and repetition. */
export function hostileString(max = 1 << 20): fc.Arbitrary<string> {
  const pieces = fc.array(fc.oneof(injection, fc.string({ maxLength: 8 }), fc.string({ unit: 'binary', maxLength: 8 })), { minLength: 1, maxLength: 6 });
  const huge = fc
    .tuple(fc.oneof(injection, fc.constant('a')), fc.integer({ min: 1, max }))
    .map(([s, n]) => s.repeat(Math.max(1, Math.floor(n / Math.max(1, s.length)))).slice(0, max));
  return fc.oneof(
    { weight: 4, arbitrary: injection },
    { weight: 6, arbitrary: pieces.map((p) => p.join('').slice(0, max)) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: Math.min(64, max) }) },
    { weight: max > 4096 ? 1 : 0, arbitrary: huge },
  );
}

/** Numbers that matter: around Helm's 1e6, int32/int64/safe-integer bounds, negatives, fractions, NaN, ±Infinity, -0. */
export const edgeNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, -0, 1, -1, 20, 100, 101, 999_999, 1_000_000, 1_000_001, 10_000_000, 10_000_001, 2147483647, 2147483648,
    -2147483648, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, 2 ** 63, -(2 ** 63), 1e20, 1e300, 0.5, 1.5, -0.5, NaN, Infinity, -Infinity),
  fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }),
  fc.double(),
);

/** A key for maps that are hostile themselves. */
export const hostileKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...PROTOTYPE_KEYS, '', ' ', 'a.b', 'a b', 'a=b', 'k"', 'x\ny', '${X}', '#', '//', 'aBC', 'a2b', 'Upper'),
  fc.string({ maxLength: 12 }),
  hostileString(64),
);

/** Sets an own property even for `__proto__` (plain assignment would change the prototype instead). */
export function setOwn(target: Record<string, Loose>, key: string, value: Loose): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function isMap(v: Loose | undefined): v is { [key: string]: Loose } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A map built with {@link setOwn}, so prototype-named keys stay own data. */
function ownMap(entries: [string, Loose][]): { [key: string]: Loose } {
  const out: { [key: string]: Loose } = {};
  for (const [k, v] of entries) setOwn(out, k, v);
  return out;
}

/** Any value: scalars of every type, hostile strings, small lists and maps with hostile keys. */
export function anyValue(maxString = 1 << 20): fc.Arbitrary<Loose> {
  const { value } = fc.letrec<{ value: Loose }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      hostileString(maxString),
      edgeNumber,
      fc.boolean(),
      fc.constant(null),
      fc.array(tie('value'), { maxLength: 3 }),
      fc.array(fc.tuple(hostileKey, tie('value')), { maxLength: 3 }).map(ownMap),
    ),
  }));
  return value;
}

/** Dotted paths (array indices as numbers) of every field of the spec schema, `[*]` as index 0 and map values as `k`. */
export const SPEC_PATHS: readonly string[] = (() => {
  const out: string[] = [];
  walkSchema(specSchema, (_node, path) => {
    if (path) out.push(`spec${path.replace(/\[\*\]/g, '.0').replace(/\.\*/g, '.k')}`);
  });
  return out;
})();

/** Paths outside spec that the validator checks. */
export const IDENTITY_PATHS: readonly string[] = ['apiVersion', 'kind', 'metadata', 'metadata.name'];

/** Sets `value` at a dotted path, creating (or replacing non-map) parents as maps; numeric segments index lists. */
export function setPath(m: LooseManifest, path: string, value: Loose): void {
  const segs = path.split('.');
  let node: Loose = m;
  for (const seg of segs.slice(0, -1)) {
    if (Array.isArray(node)) {
      const i = Number(seg);
      if (!isMap(node[i]) && !Array.isArray(node[i])) node[i] = {};
      node = node[i]!;
    } else if (isMap(node)) {
      if (!isMap(node[seg]) && !Array.isArray(node[seg])) setOwn(node, seg, {});
      node = node[seg]!;
    }
  }
  const last = segs.at(-1)!;
  if (Array.isArray(node)) node[Number(last)] = value;
  else if (isMap(node)) setOwn(node, last, value);
}

/** Deletes the value at a dotted path when present. */
export function deletePath(m: LooseManifest, path: string): void {
  const segs = path.split('.');
  let node: Loose | undefined = m;
  for (const seg of segs.slice(0, -1)) node = isMap(node) ? node[seg] : Array.isArray(node) ? node[Number(seg)] : undefined;
  const last = segs.at(-1)!;
  if (Array.isArray(node)) node.splice(Number(last), 1);
  else if (isMap(node)) delete node[last];
}

/** A map nested `depth` levels deep (camelCase keys) ending in `leaf`. */
export function nested(depth: number, leaf: Loose): { [key: string]: Loose } {
  let v: Loose = leaf;
  for (let i = depth; i > 1; i--) v = { [`level${i}`]: v };
  return { deepSetting: v };
}

// Valid but nasty values: every character the patterns let through, so they reach HOCON and YAML.
const validUrl = fc.stringMatching(new RegExp(P.HTTP_URL), { size: 'small' }).filter((s) => s.length <= 2048);
const tagKey = fc.stringMatching(/^[A-Za-z0-9 +=._:/@-]{1,40}$/).filter((k) => !k.startsWith('aws:') && k !== 'CreatedBy');
const tagValue = fc.stringMatching(new RegExp(P.AWS_TAG), { size: 'small' }).filter((v) => v.length <= 256);
const camelKey = fc.stringMatching(/^[a-z]{1,8}[0-9]?(?:[A-Z][a-z]{1,6}[0-9]?){0,3}$/);
const extraLeaf: fc.Arbitrary<Loose> = fc.oneof(
  { weight: 5, arbitrary: hostileString(1024) },
  { weight: 2, arbitrary: edgeNumber.filter((n) => Number.isFinite(n)) },
  { weight: 1, arbitrary: fc.boolean() },
);
const extraMap: fc.Arbitrary<{ [key: string]: Loose }> = fc
  .array(fc.tuple(camelKey, fc.oneof(extraLeaf, fc.array(fc.tuple(camelKey, extraLeaf), { maxLength: 3 }).map(ownMap))), { minLength: 1, maxLength: 6 })
  .map(ownMap);

/** One valid-but-nasty change to a manifest of the given provider. */
type Change = (m: LooseManifest) => void;

function variations(provider: ExampleName): fc.Arbitrary<Change>[] {
  const common: fc.Arbitrary<Change>[] = [
    extraMap.map((extra) => (m) => {
      setPath(m, 'spec.kms.allowUnknownExtraConfigKeys', true);
      setPath(m, 'spec.kms.extraConfig', extra);
    }),
    validUrl.map((u) => (m) => setPath(m, 'spec.newSv.svNode.sponsorApiUrl', u)),
    fc.array(validUrl, { minLength: 1, maxLength: 4 }).map((urls) => (m) => {
      setPath(m, 'spec.network.scanUrls', [...new Set(urls)]);
      setPath(m, 'spec.network.scanQuorum', 1);
    }),
    fc.stringMatching(new RegExp(P.SV_NAME)).filter((s) => s.length <= 128 && s !== 'Acme-1').map((n) => (m) => setPath(m, 'spec.newSv.name', n)),
    fc.record({ ttl: fc.stringMatching(new RegExp(P.DURATION)), size: fc.integer({ min: 1, max: 10_000_000 }) }).map(({ ttl, size }) => (m) =>
      setPath(m, 'spec.kms.sessionKeys', { encryptionKeyCacheTtl: ttl, encryptionKeyCacheSize: size }),
    ),
    fc.record({ d: fc.stringMatching(new RegExp(P.DURATION)), n: fc.integer({ min: 0, max: 2147483647 }) }).map(({ d, n }) => (m) =>
      setPath(m, 'spec.kms.retries', { failures: { initialDelay: d, maxRetries: n }, createKeyCheck: { maxDelay: d, maxRetries: n % 1_000_001 } }),
    ),
    fc.record({ signing: fc.boolean(), version: fc.constantFrom('3.4.0', '3.4.10', '3.5.8') }).map(({ signing, version }) => (m) => {
      setPath(m, 'spec.kms.cantonVersion', version);
      setPath(m, 'spec.kms.extraConfig', { sessionSigningKeys: { enabled: signing, keyValidityDuration: '5m' } });
    }),
  ];
  if (provider === 'aws') {
    return [
      ...common,
      validUrl.map((u) => (m) => setPath(m, 'spec.kms.aws.endpointOverride', u)),
      fc.stringMatching(new RegExp(P.AWS_REGION)).filter((r) => r.length <= 32).map((r) => (m) => setPath(m, 'spec.kms.aws.region', r)),
      fc.array(fc.tuple(tagKey, tagValue), { minLength: 1, maxLength: 8 }).map((tags) => (m) => {
        setPath(m, 'spec.kms.aws.customTags', ownMap(tags));
        setPath(m, 'spec.kms.cantonVersion', '3.5.8');
      }),
    ];
  }
  return [
    ...common,
    fc.stringMatching(new RegExp(P.HOST_PORT)).filter((s) => s.length <= 261).map((h) => (m) => setPath(m, 'spec.kms.gcp.endpointOverride', h)),
    fc.stringMatching(new RegExp(P.GCP_KEY_RING_ID)).map((k) => (m) => setPath(m, 'spec.kms.gcp.keyRingId', k)),
    fc.stringMatching(new RegExp(P.GCP_PROJECT_ID)).map((k) => (m) => setPath(m, 'spec.kms.gcp.projectId', k)),
    fc.stringMatching(new RegExp(P.GCP_LOCATION_ID)).filter((s) => s.length <= 63).map((k) => (m) => setPath(m, 'spec.kms.gcp.locationId', k)),
  ];
}

/** Options of {@link manifestArbitrary}. */
export interface ManifestOptions {
  /** Longest generated string (default 1 MB). */
  maxString?: number;
  /** Whether NaN, ±Infinity may appear (they cannot travel as JSON to an API server). Default true. */
  nonFinite?: boolean;
}

/** One invalidating mutation. */
function mutations(opts: Required<ManifestOptions>): fc.Arbitrary<Change> {
  const value = anyValue(opts.maxString);
  const paths = fc.constantFrom(...SPEC_PATHS, ...IDENTITY_PATHS);
  const numberPaths = SPEC_PATHS.filter((p) => /(scanQuorum|attempt|maxRetries|encryptionKeyCacheSize)$/.test(p));
  return fc.oneof(
    { weight: 6, arbitrary: fc.tuple(paths, value).map(([p, v]) => (m: LooseManifest) => setPath(m, p, v)) },
    { weight: 2, arbitrary: fc.tuple(paths, hostileString(opts.maxString)).map(([p, v]) => (m: LooseManifest) => setPath(m, p, v)) },
    { weight: 2, arbitrary: paths.map((p) => (m: LooseManifest) => deletePath(m, p)) },
    {
      weight: 2,
      arbitrary: fc.tuple(fc.constantFrom(...SPEC_PATHS, 'spec', ''), hostileKey, value).map(([p, k, v]) => (m: LooseManifest) => setPath(m, p ? `${p}.${k}` : k, v)),
    },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...numberPaths), edgeNumber).map(([p, n]) => (m: LooseManifest) => setPath(m, p, n)) },
    {
      weight: 2,
      arbitrary: fc.tuple(fc.integer({ min: 1, max: 50 }), extraLeaf).map(([d, leaf]) => (m: LooseManifest) => {
        setPath(m, 'spec.kms.allowUnknownExtraConfigKeys', true);
        setPath(m, 'spec.kms.extraConfig', nested(d, leaf));
      }),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom('spec.kms.extraConfig', 'spec.kms.aws.customTags', 'spec.output.labels', 'spec.oldSv.workloadSelector'), fc.integer({ min: 1, max: 200 }))
        .map(([p, n]) => (m: LooseManifest) => setPath(m, p, ownMap(Array.from({ length: n }, (_, i) => [`key${i}`, `v${i}`])))),
    },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...PROTOTYPE_KEYS), value).map(([k, v]) => (m: LooseManifest) => setPath(m, `spec.kms.extraConfig.${k}`, v)) },
  );
}

/** Whether a value holds NaN or ±Infinity anywhere. */
export function hasNonFinite(v: unknown): boolean {
  if (typeof v === 'number') return !Number.isFinite(v);
  if (Array.isArray(v)) return v.some(hasNonFinite);
  if (typeof v === 'object' && v !== null) return Object.values(v).some(hasNonFinite);
  return false;
}

/** A generated manifest with a description of how it was made (for failure reports). */
export interface GeneratedManifest {
  manifest: LooseManifest;
  mutated: boolean;
}

/** Mostly-valid SvKmsMigration manifests: an example, 0–3 nasty valid variations, then 0–3 mutations. */
export function manifestArbitrary(options: ManifestOptions = {}): fc.Arbitrary<GeneratedManifest> {
  const opts: Required<ManifestOptions> = { maxString: 1 << 20, nonFinite: true, ...options };
  const forProvider = (provider: ExampleName) =>
    fc
      .tuple(fc.array(fc.oneof(...variations(provider)), { maxLength: 3 }), fc.oneof({ weight: 2, arbitrary: fc.constant([] as Change[]) }, { weight: 3, arbitrary: fc.array(mutations(opts), { minLength: 1, maxLength: 3 }) }))
      .map(([vars, muts]) => {
        const manifest = loadExample(provider);
        for (const change of [...vars, ...muts]) change(manifest);
        return { manifest, mutated: muts.length > 0 };
      })
      .filter((g) => opts.nonFinite || !hasNonFinite(g.manifest));
  return fc.oneof(forProvider('aws'), forProvider('gcp'));
}
