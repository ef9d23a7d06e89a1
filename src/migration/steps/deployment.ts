/**
 * NewSvDeployed: the new participant Deployment (named after its Helm release) carries the rendered KMS configuration
 * and is Available, and the sv-app reads the governance key from the Secret. A Deployment that does not carry the
 * rendered values (not applied yet, or stale) is reported precisely.
 */
import type { V1Deployment, V1EnvVar } from '@kubernetes/client-node';
import type { SvKmsMigration } from '../../api/types.ts';
import type { ResolvedSpliceVersion } from '../../render/versions.ts';
import { expectedKmsConfig, expectedLiteralEnv, KMS_ENV_VAR, parseKmsEnv } from '../../render/participant.ts';
import { jsonEqual } from '../../util/json.ts';
import { CONDITION } from '../meta.ts';
import { doneWith, stalledOn, waitingOn } from '../decision.ts';
import type { DecideInput, Step, StepDecision } from '../step.ts';

/** The sv-node chart's Deployment name and the env vars through which it reads the governance key. */
export const SV_APP_DEPLOYMENT = 'sv-app';
const GOVERNANCE_ENV = { SPLICE_APP_SV_COMETBFT_GOVERNANCE_PUBLIC_KEY: 'public', SPLICE_APP_SV_COMETBFT_GOVERNANCE_PRIVATE_KEY: 'private' } as const;

function containerEnv(d: V1Deployment, container: string): V1EnvVar[] | undefined {
  return d.spec?.template?.spec?.containers?.find((c) => c.name === container)?.env;
}

function available(d: V1Deployment): boolean {
  return d.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True') === true && (d.status?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
}

/** What differs between the participant Deployment's env and the rendered values; empty when it matches. */
export function participantEnvMismatches(m: SvKmsMigration, d: V1Deployment, version?: ResolvedSpliceVersion): string[] {
  const env = containerEnv(d, 'participant');
  if (!env) return ['it has no container named "participant"'];
  const byName = new Map(env.map((e) => [e.name, e]));
  const problems: string[] = [];
  const kmsText = byName.get(KMS_ENV_VAR)?.value;
  if (kmsText === undefined) problems.push(`env ${KMS_ENV_VAR} is missing (the values have no kms section applied)`);
  else {
    try {
      const { provider, kms } = parseKmsEnv(kmsText);
      if (provider !== 'kms') problems.push(`env ${KMS_ENV_VAR} sets crypto.provider = ${String(provider)}, not kms`);
      const expected = expectedKmsConfig(m, version ? { version } : {});
      if (!jsonEqual(kms, expected)) problems.push(`env ${KMS_ENV_VAR} holds crypto.kms ${JSON.stringify(kms)}, the rendered values give ${JSON.stringify(expected)}`);
    } catch (err) {
      problems.push(`env ${KMS_ENV_VAR} cannot be read: ${(err as Error).message}`);
    }
  }
  for (const [name, value] of Object.entries(expectedLiteralEnv(m, version ? { version } : {}))) {
    const actual = byName.get(name)?.value;
    if (actual === undefined) problems.push(`env ${name} is missing`);
    else if (actual.trim() !== value.trim()) problems.push(`env ${name} differs from the rendered values`);
  }
  return problems;
}

function svAppMismatches(m: SvKmsMigration, d: V1Deployment): string[] {
  const env = containerEnv(d, SV_APP_DEPLOYMENT) ?? d.spec?.template?.spec?.containers?.[0]?.env ?? [];
  const secretName = m.spec.newSv.governanceKey.secretName;
  return Object.entries(GOVERNANCE_ENV)
    .filter(([name, key]) => {
      const ref = env.find((e) => e.name === name)?.valueFrom?.secretKeyRef;
      return ref?.name !== secretName || ref.key !== key;
    })
    .map(([name, key]) => `env ${name} does not read key "${key}" of Secret ${secretName} (is cometBFT.externalGovernanceKey: true applied?)`);
}

export interface DeploymentObservation {
  participant: V1Deployment | undefined;
  svApp: V1Deployment | undefined;
}

export function decideDeployment({ m, status, timing, facts }: DecideInput, observed: DeploymentObservation): StepDecision<never> {
  const ns = m.spec.newSv.namespace;
  const release = m.spec.newSv.participant.releaseName;
  const wait = (reason: string, message: string) => waitingOn(CONDITION.NewSvDeployed, reason, message, timing.deploymentRecheckMs);
  const { participant, svApp } = observed;
  if (!participant) {
    return wait('ParticipantNotDeployed', `deploy the participant: helm install ${release} splice-participant -n ${ns} with the values in ConfigMap ${status.outputs?.participantValues?.configMapName}`);
  }
  const mismatches = participantEnvMismatches(m, participant, facts.version);
  if (mismatches.length > 0) return wait('ParticipantValuesNotApplied', `Deployment ${ns}/${release} does not carry the rendered values: ${mismatches.join('; ')}`);
  if (!svApp) return wait('SvAppNotDeployed', `deploy the SV node (splice-sv-node) in ${ns} with the values in ConfigMap ${status.outputs?.svNodeValues?.configMapName}`);
  const svAppProblems = svAppMismatches(m, svApp);
  if (svAppProblems.length > 0) return wait('SvNodeValuesNotApplied', `Deployment ${ns}/${SV_APP_DEPLOYMENT}: ${svAppProblems.join('; ')}`);
  if (!available(participant)) {
    const stuck = participant.status?.conditions?.find((c) => c.type === 'Progressing' && c.status === 'False' && c.reason === 'ProgressDeadlineExceeded');
    if (stuck) {
      // A new participant that never starts usually stops in its database init: from Splice 0.6.8 it refuses a database
      // server that holds another participant's database (the old SV's, say).
      const message =
        `Deployment ${ns}/${release} did not become Available within its progress deadline (${stuck.message ?? 'ProgressDeadlineExceeded'}). ` +
        `Look at its pods (kubectl -n ${ns} logs deploy/${release} --all-containers): a participant stuck in its database init is most often pointed at a Postgres server that already holds another participant's database (from Splice 0.6.8 it refuses to start there); give it its own database server`;
      return stalledOn(CONDITION.NewSvDeployed, 'ParticipantNotStarting', message, timing.deploymentRecheckMs);
    }
    return wait('ParticipantNotAvailable', `Deployment ${ns}/${release} carries the KMS configuration and is starting; waiting until it is Available`);
  }
  return doneWith(CONDITION.NewSvDeployed, 'Deployed', `Deployment ${ns}/${release} runs with the rendered KMS configuration; ${SV_APP_DEPLOYMENT} reads the governance key Secret`);
}

export const deploymentStep: Step<DeploymentObservation> = {
  name: 'deployment',
  async observe({ m, deps }) {
    const ns = m.spec.newSv.namespace;
    const [participant, svApp] = await Promise.all([deps.cluster.deployment(ns, m.spec.newSv.participant.releaseName), deps.cluster.deployment(ns, SV_APP_DEPLOYMENT)]);
    return { participant, svApp };
  },
  decide: decideDeployment,
};
