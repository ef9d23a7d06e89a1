/**
 * NewSvDeployed: the new participant Deployment (named after its Helm release) carries the rendered KMS configuration
 * and is Available, and the sv-app reads the governance key from the Secret. A Deployment that does not carry the
 * rendered values (not applied yet, or stale) is reported precisely.
 */
import type { V1ContainerStatus, V1Deployment, V1EnvVar, V1Pod } from '@kubernetes/client-node';
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
  /** The participant's pods, read only while it is not Available; undefined when not read or not readable. */
  participantPods?: V1Pod[];
}

/** The splice-participant chart's init container that creates the participant's database (persistence.enablePgInitContainer). */
export const DB_INIT_CONTAINER = 'pg-init';
/** How long the database init may wait for its Postgres server before the condition says so. */
export const DB_INIT_PATIENCE_MS = 5 * 60_000;

/** What the participant's pods show of its database init. */
export type DatabaseInit = { kind: 'failed'; pod: string; exitCode: number | undefined; restarts: number } | { kind: 'waiting'; pod: string; since: string } | { kind: 'fine' };

/** The exit code of the init container's last run, when it ended in failure. */
function failedExit(s: V1ContainerStatus): number | undefined {
  const code = s.state?.terminated?.exitCode ?? s.lastState?.terminated?.exitCode;
  return code !== undefined && code !== 0 ? code : undefined;
}

/**
 * The participant's database init, from its pods: failed (the init container exited non-zero: from Splice 0.6.8 it
 * refuses a database server that holds another participant's database), waiting longer than
 * {@link DB_INIT_PATIENCE_MS} (it retries until the Postgres server answers), or fine.
 */
export function databaseInit(pods: readonly V1Pod[], now: Date): DatabaseInit {
  for (const pod of pods) {
    const init = pod.status?.initContainerStatuses?.find((c) => c.name === DB_INIT_CONTAINER);
    if (!init || init.state?.terminated?.exitCode === 0) continue;
    const name = pod.metadata?.name ?? '?';
    const exitCode = failedExit(init);
    if (exitCode !== undefined) return { kind: 'failed', pod: name, exitCode, restarts: init.restartCount ?? 0 };
    // The raw API JSON carries times as strings (client-node's types say Date).
    const started = init.state?.running?.startedAt;
    if (started !== undefined && now.getTime() - Date.parse(String(started)) >= DB_INIT_PATIENCE_MS) return { kind: 'waiting', pod: name, since: String(started) };
  }
  return { kind: 'fine' };
}

export function decideDeployment({ m, status, timing, facts, now }: DecideInput, observed: DeploymentObservation): StepDecision<never> {
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
    const init = databaseInit(observed.participantPods ?? [], now);
    if (init.kind === 'failed') {
      const message =
        `the participant's database init (init container ${DB_INIT_CONTAINER} of pod ${ns}/${init.pod}) exited with code ${init.exitCode} (${init.restarts} restarts): ` +
        `from Splice 0.6.8 it refuses to create the participant's database on a Postgres server that already holds another participant's database (the old SV's, say). ` +
        `Read why with kubectl -n ${ns} logs ${init.pod} -c ${DB_INIT_CONTAINER}; give the new participant its own database server`;
      return stalledOn(CONDITION.NewSvDeployed, 'ParticipantDatabaseInitFailed', message, timing.deploymentRecheckMs);
    }
    if (init.kind === 'waiting') {
      return wait(
        'ParticipantWaitingForDatabase',
        `the participant's database init (init container ${DB_INIT_CONTAINER} of pod ${ns}/${init.pod}) has been waiting for its Postgres server since ${init.since}; check persistence.host and the database's credentials (kubectl -n ${ns} logs ${init.pod} -c ${DB_INIT_CONTAINER})`,
      );
    }
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
    const selector = participant?.spec?.selector?.matchLabels;
    const participantPods = participant && !available(participant) && selector ? await deps.cluster.pods(ns, selector) : undefined;
    return { participant, svApp, ...(participantPods ? { participantPods } : {}) };
  },
  decide: decideDeployment,
};
