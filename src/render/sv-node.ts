/**
 * Values for the splice-sv-node chart of the new SV: the externally managed CometBFT governance key and join-with-key
 * onboarding under the new SV's name.
 *
 * The chart (0.4.15) reads both key Secrets under fixed names, so a migration that names other Secrets cannot be
 * rendered: {@link checkSvNodeRenderable} reports it as a problem and {@link renderSvNodeValues} throws
 * {@link RenderProblemsError} with the same problems (the controller surfaces them as a Stalled condition).
 */
import { load, YAML11_SCHEMA } from 'js-yaml';
import type { Problem } from '../api/validate.ts';
import type { SvKmsMigration } from '../api/types.ts';
import { mergeValues, renderedValues, RenderProblemsError, type RenderedValues } from './values.ts';

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

/** The operator's own sv-node values, before merging with base values. */
export function svNodeOperatorValues(migration: SvKmsMigration): Record<string, unknown> {
  const problems = checkSvNodeRenderable(migration);
  if (problems.length > 0) throw new RenderProblemsError(problems);
  const { newSv } = migration.spec;
  return {
    cometBFT: { externalGovernanceKey: true },
    joinWithKeyOnboarding: { sponsorApiUrl: newSv.svNode.sponsorApiUrl },
    onboardingName: newSv.name,
    nodeIdentifier: newSv.svNode.nodeIdentifier ?? newSv.name,
  };
}

/**
 * Renders the splice-sv-node values, merged over `baseValues` (maps deep-merged, the operator's keys win, conflicts
 * listed). Throws {@link RenderProblemsError} when a key Secret name differs from what the chart reads.
 */
export function renderSvNodeValues(migration: SvKmsMigration, baseValues?: Record<string, unknown>): RenderedValues {
  const { values, conflicts } = mergeValues(baseValues, svNodeOperatorValues(migration));
  return renderedValues(values, conflicts);
}
