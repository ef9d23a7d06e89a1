/**
 * GovernanceKeyReady / IdentityKeyReady: the key Secret exists and is sound. A missing Secret is created with a new
 * key pair (when spec allows generating); an existing one is adopted after checking it and never changed. Once a key
 * is recorded in status, a vanished or replaced Secret stalls the migration instead of a new key being made: the
 * other SVs may already know the old public key.
 */
import { checkKeySecret } from '../../keys/adoption.ts';
import { KEY_KIND_INFO, type KeyKind } from '../../keys/key-kinds.ts';
import { keySecretManifest } from '../../keys/secret-manifest.ts';
import { CONDITION, ownedLabels } from '../meta.ts';
import { DONE, type StepResult } from '../status-draft.ts';
import type { StepContext } from '../step.ts';

const CONDITION_OF = { governance: CONDITION.GovernanceKeyReady, identity: CONDITION.IdentityKeyReady } as const;
const STATUS_FIELD = { governance: 'governanceKey', identity: 'identityKey' } as const;
const SPEC_FIELD = { governance: 'governanceKey', identity: 'identityKey' } as const;

export function keySecretStep(kind: KeyKind) {
  return async function ensureKeySecret({ m, deps, draft, log }: StepContext): Promise<StepResult> {
    const spec = m.spec.newSv[SPEC_FIELD[kind]];
    const namespace = m.spec.newSv.namespace;
    const name = spec.secretName;
    const condition = CONDITION_OF[kind];
    const title = KEY_KIND_INFO[kind].title;
    const recorded = draft.status[STATUS_FIELD[kind]];
    const stalled = (reason: string, message: string): StepResult => {
      draft.condition(condition, 'False', reason, message);
      return { kind: 'stalled', reason, message };
    };

    let secret = await deps.cluster.secret(namespace, name);
    if (!secret) {
      if (recorded?.fingerprint) {
        return stalled(
          'KeySecretMissing',
          `the ${title} Secret ${namespace}/${name} holding the key with fingerprint ${recorded.fingerprint} is gone; restore it from your backup. ` +
            'The operator will not make a new key: the other SVs may already know this one.',
        );
      }
      if (!spec.generate) {
        return stalled('KeySecretNotProvided', `the ${title} Secret ${namespace}/${name} does not exist and spec.newSv.${SPEC_FIELD[kind]}.generate is false; create it (e.g. with \`sv-kms keygen ${kind} --format secret-yaml\`)`);
      }
      const pair = KEY_KIND_INFO[kind].generate();
      deps.registerSecret(pair.private);
      const manifest = keySecretManifest(kind, pair, { name, namespace });
      manifest.metadata!.labels = { ...manifest.metadata!.labels, ...ownedLabels(m) };
      const created = await deps.actions.createSecret(manifest);
      log.info({ secret: `${namespace}/${name}`, created }, created ? 'created key Secret' : 'key Secret appeared meanwhile; adopting it');
      if (created) {
        await deps.event(m, 'Normal', 'KeyGenerated', `generated the ${title} in Secret ${namespace}/${name}`);
        secret = manifest;
      } else {
        // Someone created it between our cache read and our create: wait for the cache to show it, then check it.
        return { kind: 'wait', message: `waiting to see the ${title} Secret ${namespace}/${name}`, requeueAfterMs: 1000 };
      }
    }

    // The private halves are secrets (under whatever key name they are stored); the public halves are published.
    for (const [key, value] of Object.entries(secret.data ?? {})) if (key !== 'public' && key !== 'publicKey') deps.registerSecret(value);
    const check = checkKeySecret(kind, secret.data, { name, namespace });
    if (!check.ok) return stalled(check.reason, check.message);
    if (recorded?.fingerprint && recorded.fingerprint !== check.fingerprint) {
      return stalled(
        'KeyChanged',
        `the ${title} in Secret ${namespace}/${name} was replaced (fingerprint ${check.fingerprint}, recorded ${recorded.fingerprint}); ` +
          'restore the recorded key, or if the change is intended, create a new SvKmsMigration',
      );
    }
    draft.status[STATUS_FIELD[kind]] = { secretName: name, publicKey: check.publicKey, fingerprint: check.fingerprint };
    draft.condition(condition, 'True', 'KeyReady', `Secret ${namespace}/${name} holds a valid ${title} (fingerprint ${check.fingerprint})`);
    return DONE;
  };
}
