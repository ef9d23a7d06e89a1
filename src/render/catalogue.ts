/**
 * The Canton `crypto.kms` settings the operator knows (Canton's `KmsConfig.scala`, releases 3.4.0 to 3.5.x, see
 * research/canton-kms.md §1.2–§1.4) and the check of `spec.kms.extraConfig` against them: typos get a "did you mean",
 * settings that have a first-class spec field are sent there, settings the configured Canton version lacks are named.
 */
import type { Problem } from '../api/validate.ts';
import type { KmsProvider } from '../api/types.ts';
import type { SvKmsMigrationSpec } from '../api/types.generated.ts';
import { DURATION } from '../api/patterns.ts';
import { isChartConfigKey, isPrototypeMemberName } from './hocon.ts';
import { isPlainObject } from '../util/json.ts';
import { compareVersions, type ResolvedSpliceVersion } from './versions.ts';

export { compareVersions };

/** What a leaf setting holds. */
export type SettingType = 'string' | 'boolean' | 'integer' | 'duration';

/** One Canton `crypto.kms` setting, by its camelCase values key. */
export interface KmsSetting {
  /** camelCase key as in the chart's `kms` values; the HOCON key is its kebab-case. */
  key: string;
  /** Providers whose Canton config has it. */
  providers: readonly KmsProvider[];
  /** Leaf type, or the settings below it. */
  type: SettingType | { children: readonly KmsSetting[] };
  /** First Canton version that has it (unset: all versions the catalogue covers, 3.4.0 and later). */
  since?: string;
  /** Last Canton version that has it at this path. */
  until?: string;
  /** Why it is gone after `until`, e.g. where it moved. */
  untilNote?: string;
  /** The spec field that sets it (relative to spec.kms, `<provider>` replaced); such keys are refused in extraConfig. */
  specField?: string;
}

const BOTH: readonly KmsProvider[] = ['aws', 'gcp'];
const AWS: readonly KmsProvider[] = ['aws'];
const GCP: readonly KmsProvider[] = ['gcp'];

const backoff = (key: string): KmsSetting => ({
  key,
  providers: BOTH,
  type: {
    children: [
      { key: 'initialDelay', providers: BOTH, type: 'duration' },
      { key: 'maxDelay', providers: BOTH, type: 'duration' },
      { key: 'maxRetries', providers: BOTH, type: 'integer' },
    ],
  },
});

/** Canton's `crypto.kms` settings for `type = aws` and `type = gcp`. */
export const KMS_SETTINGS: readonly KmsSetting[] = [
  { key: 'type', providers: BOTH, type: 'string', specField: 'provider' },
  { key: 'region', providers: AWS, type: 'string', specField: 'aws.region' },
  { key: 'multiRegionKey', providers: AWS, type: 'boolean', specField: 'aws.multiRegionKey' },
  { key: 'disableSslVerification', providers: AWS, type: 'boolean', specField: 'aws.disableSslVerification' },
  { key: 'customTags', providers: AWS, type: { children: [] }, since: '3.5.8', specField: 'aws.customTags' },
  { key: 'locationId', providers: GCP, type: 'string', specField: 'gcp.locationId' },
  { key: 'projectId', providers: GCP, type: 'string', specField: 'gcp.projectId' },
  { key: 'keyRingId', providers: GCP, type: 'string', specField: 'gcp.keyRingId' },
  { key: 'auditLogging', providers: BOTH, type: 'boolean', specField: '<provider>.auditLogging' },
  { key: 'endpointOverride', providers: BOTH, type: 'string', specField: '<provider>.endpointOverride' },
  { key: 'retries', providers: BOTH, type: { children: [backoff('failures'), backoff('createKeyCheck')] }, specField: 'retries' },
  {
    key: 'sessionSigningKeys',
    providers: BOTH,
    since: '3.4.0',
    until: '3.4.10',
    untilNote: 'it moved to crypto.session-signing-keys in Canton 3.4.11 (the old path is only a deprecated alias); set spec.kms.sessionKeys.signing.enabled instead',
    type: {
      children: [
        { key: 'enabled', providers: BOTH, type: 'boolean' },
        { key: 'keyValidityDuration', providers: BOTH, type: 'duration' },
        { key: 'toleranceShiftDuration', providers: BOTH, type: 'duration', since: '3.4.10' },
        { key: 'cutOffDuration', providers: BOTH, type: 'duration' },
        { key: 'keyEvictionPeriod', providers: BOTH, type: 'duration' },
        { key: 'signingAlgorithmSpec', providers: BOTH, type: 'string' },
        { key: 'signingKeySpec', providers: BOTH, type: 'string' },
      ],
    },
  },
];

/** Most keys, in total, that extraConfig may hold. */
export const MAX_EXTRA_CONFIG_KEYS = 64;
/** Deepest nesting of extraConfig (a key directly under extraConfig is at depth 1). */
export const MAX_EXTRA_CONFIG_DEPTH = 4;
/** Longest string value in extraConfig. */
export const MAX_EXTRA_CONFIG_STRING = 1024;

/** Why an extraConfig key named like an `Object.prototype` member (`constructor`, `toString`, `__proto__`…) is refused. */
export const PROTOTYPE_KEY_MESSAGE =
  'is the name of a JavaScript Object.prototype member, which cannot be rendered safely (the HOCON reader refuses it as a key); Canton has no such setting';

/** Levenshtein distance of two strings. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/** The closest of `candidates` to `key` (case, `-` and `_` ignored first), if close enough to be a likely typo. */
export function suggestKey(key: string, candidates: readonly string[]): string | undefined {
  const norm = (s: string) => s.replace(/[-_]/g, '').toLowerCase();
  const exact = candidates.find((c) => norm(c) === norm(key));
  if (exact) return exact;
  let best: { c: string; d: number } | undefined;
  for (const c of candidates) {
    const d = editDistance(norm(key), norm(c));
    if (!best || d < best.d) best = { c, d };
  }
  return best && best.d <= Math.max(2, Math.floor(key.length / 4)) ? best.c : undefined;
}

/** The catalogue setting at a camelCase path such as `['retries', 'failures']`, if known. */
export function findSetting(path: readonly string[]): KmsSetting | undefined {
  let level: readonly KmsSetting[] = KMS_SETTINGS;
  let found: KmsSetting | undefined;
  for (const seg of path) {
    found = level.find((s) => s.key === seg);
    if (!found) return undefined;
    level = typeof found.type === 'object' ? found.type.children : [];
  }
  return found;
}

/** The Canton version settings are checked against, and how to name it in messages. */
interface CantonTarget {
  canton: string;
  /** e.g. `the target is Splice 0.6.11 with Canton 3.5.8-snapshot` or `spec.kms.cantonVersion is 3.5.7`. */
  described: string;
}

function versionProblem(setting: KmsSetting, target: CantonTarget | undefined): string | undefined {
  if (!target) return undefined;
  const version = target.canton;
  if (setting.since && compareVersions(version, setting.since) < 0) {
    return `needs Canton ${setting.since} or later; ${target.described}`;
  }
  if (setting.until && compareVersions(version, setting.until) > 0) {
    return `is not a crypto.kms setting in Canton ${version}: ${setting.untilNote ?? `it exists up to Canton ${setting.until}`}`;
  }
  return undefined;
}

function typeProblem(type: SettingType, value: unknown): string | undefined {
  switch (type) {
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be true or false';
    case 'integer':
      return Number.isSafeInteger(value) ? undefined : 'must be an integer';
    case 'duration':
      return typeof value === 'string' && new RegExp(DURATION).test(value) ? undefined : 'must be a duration such as 500ms, 10s or 5m';
    case 'string':
      return typeof value === 'string' ? undefined : 'must be a string';
  }
}

interface Walk {
  provider: KmsProvider;
  version: CantonTarget | undefined;
  allowUnknown: boolean;
  problems: Problem[];
  keys: number;
}

/** Shape checks every value must pass, known or not: renderable by the chart, bounded. */
function shapeProblem(value: unknown): string | undefined {
  if (value === null || value === undefined) return 'must have a value (null cannot be rendered)';
  if (Array.isArray(value)) return 'lists are not supported: the chart renders them as Go syntax, not HOCON';
  if (typeof value === 'number' && !Number.isFinite(value)) return 'must be a finite number';
  if (typeof value === 'string' && value.length > MAX_EXTRA_CONFIG_STRING) return `is longer than ${MAX_EXTRA_CONFIG_STRING} characters`;
  if (!['string', 'number', 'boolean', 'object'].includes(typeof value)) return 'must be a string, number, boolean or map';
  return undefined;
}

function walkMap(map: Record<string, unknown>, known: readonly KmsSetting[] | undefined, path: string, depth: number, w: Walk): void {
  if (depth > MAX_EXTRA_CONFIG_DEPTH) {
    w.problems.push({ path, message: `is nested too deeply (at most ${MAX_EXTRA_CONFIG_DEPTH} levels below extraConfig)` });
    return;
  }
  for (const [key, value] of Object.entries(map)) {
    const at = `${path}.${key}`;
    if (++w.keys > MAX_EXTRA_CONFIG_KEYS) {
      if (w.keys === MAX_EXTRA_CONFIG_KEYS + 1) {
        w.problems.push({ path: 'spec.kms.extraConfig', message: `has more than ${MAX_EXTRA_CONFIG_KEYS} keys in all` });
      }
      return;
    }
    if (isPrototypeMemberName(key)) {
      w.problems.push({ path: at, message: PROTOTYPE_KEY_MESSAGE });
      continue;
    }
    const forProvider = known?.filter((s) => s.providers.includes(w.provider));
    const setting = forProvider?.find((s) => s.key === key);
    if (!setting) {
      const other = known?.find((s) => s.key === key);
      if (other) {
        w.problems.push({ path: at, message: `is not a Canton ${w.provider} KMS setting (only ${other.providers.join('/')} has it)` });
        continue;
      }
      if (!isChartConfigKey(key)) {
        const hint = forProvider && suggestKey(key, forProvider.map((s) => s.key));
        w.problems.push({
          path: at,
          message: `keys must be camelCase letters and digits (e.g. auditLogging), as the chart kebab-cases them${hint ? `; did you mean \`${hint}\`?` : ''}`,
        });
        continue;
      }
      if (forProvider && !w.allowUnknown) {
        const hint = suggestKey(key, forProvider.map((s) => s.key));
        w.problems.push({
          path: at,
          message:
            `is not a known Canton ${w.provider} KMS setting` +
            (hint ? `; did you mean \`${hint}\`?` : '') +
            ' (set spec.kms.allowUnknownExtraConfigKeys to pass it anyway)',
        });
        continue;
      }
    }
    const shape = shapeProblem(value);
    if (shape) {
      w.problems.push({ path: at, message: shape });
      continue;
    }
    if (setting?.specField) {
      w.problems.push({ path: at, message: `has its own field: set spec.kms.${setting.specField.replace('<provider>', w.provider)} instead` });
      continue;
    }
    const tooNew = setting && versionProblem(setting, w.version);
    if (tooNew) {
      w.problems.push({ path: at, message: tooNew });
      continue;
    }
    if (setting && typeof setting.type === 'string') {
      const wrong = typeProblem(setting.type, value);
      if (wrong) w.problems.push({ path: at, message: wrong });
      continue;
    }
    if (isPlainObject(value)) {
      walkMap(value, setting && typeof setting.type === 'object' ? setting.type.children : undefined, at, depth + 1, w);
    } else if (setting) {
      w.problems.push({ path: at, message: 'must be a map' });
    }
  }
}

function cantonTarget(spec: SvKmsMigrationSpec, version: ResolvedSpliceVersion | undefined): CantonTarget | undefined {
  const { cantonVersion } = spec.kms;
  if (cantonVersion !== undefined) return { canton: cantonVersion, described: `spec.kms.cantonVersion is ${cantonVersion}` };
  if (!version) return undefined;
  const splice = version.support === 'newer-than-known' ? `${version.version} (rendered as ${version.effectiveVersion})` : version.version;
  return { canton: version.canton, described: `the target is Splice ${splice}, which ships Canton ${version.canton}` };
}

/**
 * Checks `spec.kms.extraConfig` (and the first-class settings that depend on the Canton version: AWS custom tags)
 * against the catalogue, for the target `version` (spec.kms.cantonVersion, when set, wins over the version's Canton;
 * without either, version gates are not checked). Paths are like `spec.kms.extraConfig.auditLoging`.
 */
export function checkKmsExtraConfig(spec: SvKmsMigrationSpec, version?: ResolvedSpliceVersion): Problem[] {
  const { kms } = spec;
  const w: Walk = { provider: kms.provider, version: cantonTarget(spec, version), allowUnknown: kms.allowUnknownExtraConfigKeys === true, problems: [], keys: 0 };
  if (kms.extraConfig !== undefined) {
    if (isPlainObject(kms.extraConfig)) walkMap(kms.extraConfig, KMS_SETTINGS, 'spec.kms.extraConfig', 1, w);
    else w.problems.push({ path: 'spec.kms.extraConfig', message: 'must be a map' });
  }
  if (kms.sessionKeys.signing?.enabled !== undefined && isPlainObject(kms.extraConfig) && Object.hasOwn(kms.extraConfig, 'sessionSigningKeys')) {
    w.problems.push({
      path: 'spec.kms.extraConfig.sessionSigningKeys',
      message: 'duplicates spec.kms.sessionKeys.signing: set session signing keys in one place (remove one of them)',
    });
  }
  if (kms.provider === 'aws' && kms.aws?.customTags && Object.keys(kms.aws.customTags).length > 0) {
    const tooNew = versionProblem(findSetting(['customTags'])!, w.version);
    if (tooNew) w.problems.push({ path: 'spec.kms.aws.customTags', message: tooNew });
  }
  return w.problems;
}
