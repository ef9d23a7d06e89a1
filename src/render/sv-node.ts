/**
 * Values for the splice-sv-node chart of the new SV, for the target Splice version: the externally managed CometBFT
 * governance key (top-level `cometBFT.externalGovernanceKey` for `domain`-style values; in every
 * `synchronizers.*.cometBFT` and `synchronizers.additionalLegacy[].cometBFT` for the `synchronizers` layout of 0.6.1+,
 * where the top-level key covers only the current synchronizer), join-with-key onboarding under the new SV's name,
 * and `copy-votes-from` the old SV (0.6.1+, through `additionalEnvVars`, which the chart hands to the sv-app
 * container) until the old SV is offboarded. Base values whose `secretOverrides` make the chart ignore the operator's
 * key Secrets (0.6.10+) are reported as warnings.
 *
 * The chart (0.4.15) reads both key Secrets under fixed names, so a migration that names other Secrets cannot be
 * rendered: {@link checkSvNodeRenderable} reports it as a problem and {@link renderSvNodeValues} throws
 * {@link RenderProblemsError} with the same problems (the controller surfaces them as a Stalled condition).
 */
import { load, YAML11_SCHEMA } from 'js-yaml';
import type { Problem } from '../api/validate.ts';
import type { SvKmsMigration } from '../api/types.ts';
import { isPlainObject } from '../util/json.ts';
import { hoconString } from './hocon.ts';
import { targetVersion, type VersionOptions } from './target-version.ts';
import { versionNote, type ResolvedSpliceVersion } from './versions.ts';
import { mergeValues, renderedValues, RenderProblemsError, type RenderedValues } from './values.ts';

/** The env var carrying the SV app's `copy-votes-from` (the chart has no value for it). */
export const COPY_VOTES_FROM_ENV_VAR = 'ADDITIONAL_CONFIG_COPY_VOTES_FROM';
/** The named synchronizers of the `synchronizers` layout (`additionalLegacy` is a list beside them). */
const SYNCHRONIZER_NAMES = ['current', 'successor', 'legacy'] as const;

/** Options of {@link renderSvNodeValues}. */
export interface SvNodeRenderOptions extends VersionOptions {
  /** The old SV is offboarded: the new SV no longer copies its votes. */
  oldSvOffboarded?: boolean;
}

/** The governance key Secret the sv-node chart reads (`cometBFT.externalGovernanceKey`), data keys `public`/`private`. */
export const CHART_GOVERNANCE_KEY_SECRET = 'splice-app-sv-cometbft-governance-key';
/** The SV identity key Secret the sv-node chart reads (join-with-key onboarding), data keys `public`/`private`. */
export const CHART_IDENTITY_KEY_SECRET = 'splice-app-sv-key';

/** Problems that keep the sv-node values from being rendered (Secret names the chart cannot use). */
export function checkSvNodeRenderable(migration: SvKmsMigration): Problem[] {
  const { governanceKey, identityKey } = migration.spec.newSv;
  const problems: Problem[] = [];
  const fixed = (path: string, actual: string, required: string): void => {
    if (actual !== required) {
      problems.push({
        path,
        message: `is "${actual}", but the splice-sv-node chart only reads the Secret "${required}": use that name (or leave the field unset)`,
      });
    }
  };
  fixed('spec.newSv.governanceKey.secretName', governanceKey.secretName, CHART_GOVERNANCE_KEY_SECRET);
  fixed('spec.newSv.identityKey.secretName', identityKey.secretName, CHART_IDENTITY_KEY_SECRET);
  // The chart writes `value: {{ .Values.onboardingName }}` unquoted: a name YAML reads as a number or boolean would
  // make the Deployment invalid (env values must be strings).
  if (typeof load(migration.spec.newSv.name, { schema: YAML11_SCHEMA }) !== 'string') {
    problems.push({ path: 'spec.newSv.name', message: 'reads as a number or boolean in YAML; the splice-sv-node chart writes it unquoted, so choose a name with letters' });
  }
  return problems;
}

/** Whether base values use the `synchronizers` layout (0.6.1+) rather than `domain`. */
export function usesSynchronizersLayout(baseValues: Record<string, unknown> | undefined): boolean {
  return isPlainObject(baseValues?.synchronizers);
}

/** The `copy-votes-from` HOCON for the old SV, or undefined when it is off, unknown to the version, or the old SV is gone. */
export function copyVotesFromHocon(migration: SvKmsMigration, version: ResolvedSpliceVersion, oldSvOffboarded: boolean): string | undefined {
  if (oldSvOffboarded || !version.features.copyVotesFrom) return undefined;
  if (migration.spec.newSv.svNode.copyVotesFromOldSv === false) return undefined;
  return `canton.sv-apps.sv.copy-votes-from = ${hoconString(migration.spec.oldSv.name)}`;
}

/**
 * The operator's own sv-node values for the target version, before merging with base values (whose layout decides
 * where the governance key setting goes: see {@link renderSvNodeValues}).
 */
export function svNodeOperatorValues(migration: SvKmsMigration, baseValues?: Record<string, unknown>, options: SvNodeRenderOptions = {}): Record<string, unknown> {
  const problems = checkSvNodeRenderable(migration);
  const version = targetVersion(migration, options);
  const synchronizers = usesSynchronizersLayout(baseValues);
  if (synchronizers && !version.features.synchronizersLayout) {
    problems.push({
      path: 'spec.newSv.svNode.baseValues',
      message: `use the synchronizers layout, which the splice-sv-node chart of Splice ${version.version} does not know (it came with 0.6.1): use domain, or set spec.splice.version to the version you deploy`,
    });
  }
  if (problems.length > 0) throw new RenderProblemsError(problems);
  const { newSv } = migration.spec;
  const values: Record<string, unknown> = {
    joinWithKeyOnboarding: { sponsorApiUrl: newSv.svNode.sponsorApiUrl },
    onboardingName: newSv.name,
    nodeIdentifier: newSv.svNode.nodeIdentifier ?? newSv.name,
  };
  // With `synchronizers`, the key goes into each synchronizer's cometBFT (after merging, see below).
  if (!synchronizers) values.cometBFT = { externalGovernanceKey: true };
  // The old SV's extra beneficiaries move with its weight: the new SV app must name them before the weight arrives.
  const beneficiaries = migration.spec.oldSv.extraBeneficiaries ?? [];
  if (beneficiaries.length > 0) values.extraBeneficiaries = beneficiaries.map((b) => ({ beneficiary: b.beneficiary, weight: b.weight }));
  const copyVotes = copyVotesFromHocon(migration, version, options.oldSvOffboarded === true);
  if (copyVotes) values.additionalEnvVars = [{ name: COPY_VOTES_FROM_ENV_VAR, value: copyVotes }];
  return values;
}

/**
 * Sets `externalGovernanceKey: true` in every synchronizer's `cometBFT` of merged `synchronizers`-layout values
 * (`current`, `successor`, `legacy`, each `additionalLegacy[]` entry); records base values that said otherwise as
 * conflicts, and synchronizers without a `cometBFT` section as warnings.
 */
function setSynchronizerGovernanceKeys(values: Record<string, unknown>, conflicts: string[], warnings: string[]): void {
  const synchronizers = values.synchronizers as Record<string, unknown>;
  const entries: [string, unknown][] = SYNCHRONIZER_NAMES.filter((n) => synchronizers[n] !== undefined).map((n) => [`synchronizers.${n}`, synchronizers[n]]);
  if (Array.isArray(synchronizers.additionalLegacy)) {
    synchronizers.additionalLegacy.forEach((entry, i) => entries.push([`synchronizers.additionalLegacy[${i}]`, entry]));
  }
  for (const [path, sync] of entries) {
    if (!isPlainObject(sync)) continue;
    if (!isPlainObject(sync.cometBFT)) {
      warnings.push(`${path} has no cometBFT section: no CometBFT governance key is configured for it (add cometBFT with enabled and connectionUri)`);
      continue;
    }
    if (sync.cometBFT.externalGovernanceKey !== undefined && sync.cometBFT.externalGovernanceKey !== true) conflicts.push(`${path}.cometBFT.externalGovernanceKey`);
    sync.cometBFT.externalGovernanceKey = true;
  }
}

/** Warnings for base values whose `secretOverrides` replace the key Secrets the operator manages (chart 0.6.10+). */
function secretOverrideWarnings(values: Record<string, unknown>, version: ResolvedSpliceVersion): string[] {
  if (!version.features.secretOverrides) return [];
  const set = (obj: unknown, key: string): boolean => isPlainObject(obj) && isPlainObject(obj.secretOverrides) && Boolean(obj.secretOverrides[key]);
  const found = [
    ...['governancePublicKey', 'governancePrivateKey'].filter((k) => set(values.cometBFT, k)).map((k) => `cometBFT.secretOverrides.${k}`),
    ...['svPublicKey', 'svPrivateKey'].filter((k) => set(values, k)).map((k) => `secretOverrides.${k}`),
  ];
  return found.map(
    (path) => `base values set ${path}: the splice-sv-node chart then ignores the key Secret the operator manages; remove it, or make sure it injects the same key`,
  );
}

/**
 * Renders the splice-sv-node values for the target version (`options.version`, else spec.splice.version, else the
 * newest known version), merged over `baseValues` (maps deep-merged, the operator's keys win, `additionalEnvVars`
 * merged by name, conflicts listed). With base values in the `synchronizers` layout the governance key setting goes
 * into every synchronizer's cometBFT; otherwise top-level. `copy-votes-from` the old SV is rendered on versions that
 * have it unless spec.newSv.svNode.copyVotesFromOldSv is false or `options.oldSvOffboarded`. Throws
 * {@link RenderProblemsError} when a key Secret name differs from what the chart reads, or the layout does not fit
 * the version.
 */
export function renderSvNodeValues(migration: SvKmsMigration, baseValues?: Record<string, unknown>, options: SvNodeRenderOptions = {}): RenderedValues {
  const version = targetVersion(migration, options);
  const { values, conflicts } = mergeValues(baseValues, svNodeOperatorValues(migration, baseValues, { ...options, version }), { listsByName: ['additionalEnvVars'] });
  const warnings: string[] = [];
  const note = versionNote(version);
  if (note) warnings.push(note);
  if (usesSynchronizersLayout(values)) setSynchronizerGovernanceKeys(values, conflicts, warnings);
  warnings.push(...secretOverrideWarnings(values, version));
  if (migration.spec.newSv.svNode.copyVotesFromOldSv === true && !version.features.copyVotesFrom) {
    warnings.push(`spec.newSv.svNode.copyVotesFromOldSv: copy-votes-from needs Splice 0.6.1 or later (target ${version.version}); not rendered`);
  }
  return renderedValues(values, [...new Set(conflicts)].sort(), warnings);
}
