/**
 * GovernanceKeyReady / IdentityKeyReady: the key Secret exists and is sound. A missing Secret is created with a new
 * key pair (when spec allows generating); an existing one is adopted after checking it and never changed. Once a key
 * is recorded in status, a vanished or replaced Secret stalls the migration instead of a new key being made: the
 * other SVs may already know the old public key.
 */
import type { V1Secret } from '@kubernetes/client-node';
import { checkKeySecret, type KeySecretCheck } from '../../keys/adoption.ts';
import { BoundedMap } from '../../util/bounded-map.ts';
import { KEY_KIND_INFO, type KeyKind } from '../../keys/key-kinds.ts';
import { keySecretManifest } from '../../keys/secret-manifest.ts';
import { decision, doneWith, stalledOn } from '../decision.ts';
import { CONDITION, ownedLabels } from '../meta.ts';
import type { DecideInput, Step, StepDecision } from '../step.ts';

const CONDITION_OF = { governance: CONDITION.GovernanceKeyReady, identity: CONDITION.IdentityKeyReady } as const;
const FIELD = { governance: 'governanceKey', identity: 'identityKey' } as const;

/** How soon to look again after creating a Secret (its watch event usually comes first). */
const CREATED_RECHECK_MS = 1000;

export interface KeyObservation {
  secret: V1Secret | undefined;
}

/** Create the key Secret with a new key pair (never replaces one: a Secret that exists by then is kept). */
export interface GenerateKey {
  kind: 'generateKey';
  namespace: string;
  name: string;
}

/** Key checks by Secret uid and resourceVersion: the data of a version never changes. */
const keyChecks = new BoundedMap<string, KeySecretCheck>(20_000);

/**
 * checkKeySecret, kept per Secret version: it parses both DER keys and derives the public half, and the key Secrets
 * are read at every reconcile of every migration. A Secret without uid or resourceVersion (never from the API server)
 * is checked every time.
 */
function checkedKeySecret(kind: KeyKind, secret: V1Secret, ref: { name: string; namespace: string }): KeySecretCheck {
  const { uid, resourceVersion } = secret.metadata ?? {};
  if (!uid || !resourceVersion) return checkKeySecret(kind, secret.data, ref);
  const key = `${kind}/${ref.namespace}/${ref.name}/${uid}/${resourceVersion}`;
  const held = keyChecks.get(key);
  if (held) return held;
  const check = checkKeySecret(kind, secret.data, ref);
  keyChecks.set(key, check);
  return check;
}

export function decideKeySecret(kind: KeyKind) {
  return function decideKey({ m, status }: DecideInput, { secret }: KeyObservation): StepDecision<GenerateKey> {
    const spec = m.spec.newSv[FIELD[kind]];
    const namespace = m.spec.newSv.namespace;
    const name = spec.secretName;
    const condition = CONDITION_OF[kind];
    const title = KEY_KIND_INFO[kind].title;
    const recorded = status[FIELD[kind]];
    if (!secret) {
      if (recorded?.fingerprint) {
        return stalledOn(
          condition,
          'KeySecretMissing',
          `the ${title} Secret ${namespace}/${name} holding the key with fingerprint ${recorded.fingerprint} is gone; restore it from your backup. ` +
            'The operator will not make a new key: the other SVs may already know this one.',
        );
      }
      if (!spec.generate) {
        return stalledOn(condition, 'KeySecretNotProvided', `the ${title} Secret ${namespace}/${name} does not exist and spec.newSv.${FIELD[kind]}.generate is false; create it (e.g. with \`sv-kms keygen ${kind} --format secret-yaml\`)`);
      }
      return decision<GenerateKey>({ kind: 'wait', message: `creating the ${title} Secret ${namespace}/${name}`, requeueAfterMs: CREATED_RECHECK_MS }, undefined, undefined, {
        effect: { kind: 'generateKey', namespace, name },
        checkpoint: false,
        describe: `generating the ${title} in Secret ${namespace}/${name}`,
        history: { effect: 'KeyGenerated', id: `${namespace}/${name}` },
      });
    }
    const check = checkedKeySecret(kind, secret, { name, namespace });
    if (!check.ok) return stalledOn(condition, check.reason, check.message);
    if (recorded?.fingerprint && recorded.fingerprint !== check.fingerprint) {
      return stalledOn(
        condition,
        'KeyChanged',
        `the ${title} in Secret ${namespace}/${name} was replaced (fingerprint ${check.fingerprint}, recorded ${recorded.fingerprint}); ` +
          'restore the recorded key, or if the change is intended, create a new SvKmsMigration',
      );
    }
    return doneWith(condition, 'KeyReady', `Secret ${namespace}/${name} holds a valid ${title} (fingerprint ${check.fingerprint})`, {
      [FIELD[kind]]: { secretName: name, publicKey: check.publicKey, fingerprint: check.fingerprint },
    });
  };
}

export function keySecretStep(kind: KeyKind): Step<KeyObservation, GenerateKey> {
  return {
    name: `${kind}Key`,
    condition: CONDITION_OF[kind],
    async observe({ m, deps }) {
      const secret = await deps.cluster.secret(m.spec.newSv.namespace, m.spec.newSv[FIELD[kind]].secretName);
      // The private halves are secrets (under whatever key name they are stored); the public halves are published.
      for (const [key, value] of Object.entries(secret?.data ?? {})) if (key !== 'public' && key !== 'publicKey') deps.registerSecret(value);
      return { secret };
    },
    decide: decideKeySecret(kind),
    async act(effect, { m, deps, log }) {
      const pair = await KEY_KIND_INFO[kind].generate();
      deps.registerSecret(pair.private);
      const manifest = keySecretManifest(kind, pair, { name: effect.name, namespace: effect.namespace });
      manifest.metadata!.labels = { ...manifest.metadata!.labels, ...ownedLabels(m) };
      const created = await deps.actions.createSecret(manifest);
      const ref = `${effect.namespace}/${effect.name}`;
      log.info({ secret: ref, created }, created ? 'created key Secret' : 'key Secret appeared meanwhile; adopting it after checking it');
      if (created) await deps.event(m, 'Normal', 'KeyGenerated', `generated the ${KEY_KIND_INFO[kind].title} in Secret ${ref}`);
      return created;
    },
  };
}
