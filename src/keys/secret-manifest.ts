/**
 * The Kubernetes Secret that holds a key pair, as `sv-kms keygen --format secret-yaml` prints it and as the operator
 * creates it: default name the chart reads, labels marking it as an SV key, the public fingerprint as an annotation,
 * and no ownerReference (deleting a migration must never garbage-collect a key).
 */
import type { V1Secret } from '@kubernetes/client-node';
import { keySecretData } from './adoption.ts';
import type { EncodedKeyPair } from './encoding.ts';
import { KEY_KIND_INFO, type KeyKind } from './key-kinds.ts';

/** Label whose value (`governance` or `identity`) marks a Secret as an SV key Secret. */
export const KEY_KIND_LABEL = 'svkms.dev/key-kind';
/** Annotation with the SHA-256 fingerprint of the public key (hex). */
export const KEY_FINGERPRINT_ANNOTATION = 'svkms.dev/public-key-fingerprint';

const COMPONENT: Record<KeyKind, string> = {
  governance: 'sv-cometbft-governance-key',
  identity: 'sv-identity-key',
};

/** The labels of a key Secret of `kind`. */
export function keySecretLabels(kind: KeyKind): Record<string, string> {
  return { [KEY_KIND_LABEL]: kind, 'app.kubernetes.io/component': COMPONENT[kind], 'app.kubernetes.io/part-of': 'splice-sv' };
}

/** Fingerprint of the public half of an encoded pair of `kind`. */
export function encodedKeyFingerprint(kind: KeyKind, pair: EncodedKeyPair): string {
  return KEY_KIND_INFO[kind].fingerprint(Buffer.from(pair.public, 'base64'));
}

/** A Secret manifest holding `pair`; `name` defaults to the Secret name the splice-sv-node chart reads. */
export function keySecretManifest(kind: KeyKind, pair: EncodedKeyPair, where: { name?: string; namespace?: string } = {}): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name: where.name ?? KEY_KIND_INFO[kind].defaultSecretName,
      ...(where.namespace ? { namespace: where.namespace } : {}),
      labels: keySecretLabels(kind),
      annotations: { [KEY_FINGERPRINT_ANNOTATION]: encodedKeyFingerprint(kind, pair) },
    },
    data: keySecretData(pair),
  };
}
